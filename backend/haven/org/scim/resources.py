"""The SCIM resources Haven serves, as scim2-models models: exactly the attributes Haven
stores, so what the discovery endpoints publish is what a client can rely on.

* ``User`` (``urn:ietf:params:scim:schemas:core:2.0:User``): ``userName``, ``displayName``,
  ``active``, ``emails`` (one, ``type`` ``work``), ``groups`` (read-only), ``externalId``;
  the enterprise extension's ``department``; Haven's extension
  (``urn:ietf:params:scim:schemas:extension:haven:2.0:User``) with ``profession`` (one of
  Haven's professions; ``other`` is shown as no value).
* ``Group`` (``urn:ietf:params:scim:schemas:core:2.0:Group``): ``displayName``,
  ``members`` (people only), ``externalId``.

A client may send more (Entra ID and Okta send names, titles, phone numbers...): what Haven
does not store is ignored, never kept (:data:`POLICY`). ``displayName``, ``active`` and
``emails`` are published as required because Haven needs them; a creation that leaves them
out is still taken when they can be told (see :func:`complete_user_payload`).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Union

from pydantic import EmailStr, Field
from scim2_models import (
    URN,
    AnyExtension,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    ExtensibleStringEnum,
    Extension,
    Filter,
    GroupMembership,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    SchemaExtension,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

MAX_RESULTS = 200
"""The largest page a list answers (``count`` above it is lowered to it)."""

POLICY = ScimPolicy(
    # Attributes Haven does not store are dropped, as the interoperability of the big
    # identity providers needs (they send their whole mapping).
    unknown=ScimPolicy.Unknown.ignore,
    # Microsoft Entra ID's PATCH dialect: a remove that names the value to remove, and a
    # replace of emails[type eq "work"].value when no such entry exists yet.
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class Email(ComplexAttribute):
    class Type(ExtensibleStringEnum):
        work = "work"

    value: Annotated[EmailStr | None, Required.true] = None
    type: Type | None = None


class EnterpriseUser(Extension):
    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    department: str | None = None
    """The person's department: a Haven department's code or name (else kept as the
    directory says it, with no Haven department)."""


class Profession(ExtensibleStringEnum):
    nurse = "nurse"
    physician = "physician"
    pharmacist = "pharmacist"
    allied_health = "allied_health"
    support_staff = "support_staff"


class HavenUser(Extension):
    __schema__ = URN("urn:ietf:params:scim:schemas:extension:haven:2.0:User")

    profession: Profession | None = None
    """The person's profession (no value: other)."""


class User(Resource[AnyExtension]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Required.true, Uniqueness.server] = None
    """Unique identifier for the User, typically used to sign in (compared without case)."""

    display_name: Annotated[str | None, Required.true] = None
    """The name of the person, as Haven shows it."""

    active: Annotated[bool | None, Required.true] = None
    """Whether the person may sign in; false ends their sessions at once."""

    emails: Annotated[list[Email] | None, Required.true] = None
    """The address Haven writes to (one)."""

    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    """The directory groups the person is a member of."""


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    """The id of the member (a User)."""

    ref: Annotated[Reference[User] | None, Mutability.immutable] = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])


class Group(Resource[AnyExtension]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true] = None
    """The group's name, as the directory calls it."""

    members: list[GroupMember] | None = None
    """The people in the group."""

    Members: ClassVar[type[ComplexAttribute]] = GroupMember


SCIM_USER = User[Union[EnterpriseUser, HavenUser]]  # noqa: UP007

CONFIG = ServiceProviderConfig(
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="OAuth Bearer Token",
            description="A Haven API key with the scim scope, sent as a Bearer token.",
            primary=True,
        )
    ],
)

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser, HavenUser, Group],
    resource_types=[
        ResourceType(
            id="User",
            name="User",
            endpoint="/Users",
            description="The people who use Haven.",
            schema_=str(User.__schema__),
            schema_extensions=[
                SchemaExtension(schema_=str(EnterpriseUser.__schema__), required=False),
                SchemaExtension(schema_=str(HavenUser.__schema__), required=False),
            ],
        ),
        ResourceType(
            id="Group",
            name="Group",
            endpoint="/Groups",
            description="The directory's groups; configuration maps some to Haven's roles.",
            schema_=str(Group.__schema__),
        ),
    ],
    config=CONFIG,
    policy=POLICY,
)

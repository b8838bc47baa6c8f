"""SCIM ``/Users``: Haven's people as SCIM Users, and a client's changes as account changes
(the account rules are :mod:`haven.auth.directory`'s).

* **PUT** replaces what it asserts: RFC 7644 §3.5.1 lets a service provider read an omitted
  readWrite attribute as "not asserted", and Haven does (an identity provider that does not
  map the department must not wipe the one an administrator set). ``null`` clears.
* **PATCH** applies the operations with scim2-models to the person as SCIM shows them, then
  changes what differs; atomic (one transaction).
* **DELETE** deletes softly (see :mod:`haven.auth.directory`): 204, then 404 for SCIM.
* The department: the enterprise extension's ``department`` names a Haven department by code,
  else by name (active ones, without case); the text is kept as the directory sent it (and
  given back) even when it names none, and the person then has no Haven department (a
  department lead is refused: 400).
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from scim2_models import (
    Context,
    GroupMembership,
    ListResponse,
    Meta,
    PatchOp,
    ResponseParameters,
)
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import Profession, Role
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.org import service as org_service
from haven.org.models import Department
from haven.org.scim.filters import user_filter
from haven.org.scim.protocol import (
    ListParams,
    ScimAnswer,
    ScimError,
    read_payload,
    scim_errors,
)
from haven.org.scim.resources import POLICY, SCIM_USER, Email, EnterpriseUser, HavenUser
from haven.org.scim.resources import Profession as ScimProfession

ScimUser = Any  # the parameterised model SCIM_USER (a class made at run time)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def department_for(session: Session, text: str | None) -> uuid.UUID | None:
    """The active department this text names, by code, else by name (folded), or None."""
    if not text or not text.strip():
        return None
    wanted = _fold(text)
    rows = session.exec(
        select(Department.id, Department.code, Department.name).where(
            col(Department.is_active).is_(True)
        )
    ).all()
    by_code = next((i for i, code, _ in rows if _fold(code) == wanted), None)
    return by_code or next((i for i, _, name in rows if _fold(name) == wanted), None)


def _department_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    return org_service.department_names(session, list(ids))


def to_resource(
    account: auth_service.DirectoryAccount, base: str, departments: dict[uuid.UUID, str]
) -> ScimUser:
    user = SCIM_USER(
        id=str(account.id),
        external_id=account.external_id,
        user_name=account.login_name,
        display_name=account.display_name,
        active=account.is_active,
        emails=[Email(value=account.email, type=Email.Type.work)],
        groups=[
            GroupMembership(value=str(gid), ref=f"{base}/Groups/{gid}", display=name, type="direct")
            for gid, name in account.groups
        ]
        or None,
        meta=Meta(
            resource_type="User",
            created=account.created_at,
            last_modified=account.updated_at,
            location=f"{base}/Users/{account.id}",
        ),
    )
    department = account.directory_department or (
        departments.get(account.department_id) if account.department_id else None
    )
    if department:
        user[EnterpriseUser] = EnterpriseUser(department=department)
    if account.profession is not Profession.other:
        user[HavenUser] = HavenUser(profession=ScimProfession(account.profession.value))
    return user


def _resources(
    session: Session, accounts: list[auth_service.DirectoryAccount], base: str
) -> list[ScimUser]:
    names = _department_names(session, {a.department_id for a in accounts if a.department_id})
    return [to_resource(a, base, names) for a in accounts]


def _dump(user: ScimUser, params: ResponseParameters[Any] | None = None) -> dict[str, Any]:
    return user.model_dump(  # type: ignore[no-any-return]
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=params
    )


def response_parameters(
    attributes: str | None, excluded: str | None
) -> ResponseParameters[Any] | None:
    if not attributes and not excluded:
        return None
    with scim_errors():
        return ResponseParameters[SCIM_USER].model_validate(
            {"attributes": attributes, "excludedAttributes": excluded}
        )


def _complete(payload: Any, current: ScimUser | None) -> Any:
    """Fill what Haven needs and the client left out: on a replacement, the person's values
    (not asserted); on a creation, ``active`` (true), ``displayName`` (from ``name``, else
    the userName) and ``emails`` (the userName, when it is an address)."""
    if not isinstance(payload, dict):
        return payload
    filled = dict(payload)
    if current is not None:
        for key, value in (
            ("active", current.active),
            ("displayName", current.display_name),
            ("emails", [e.model_dump() for e in current.emails or []]),
        ):
            filled.setdefault(key, value)
        return filled
    filled.setdefault("active", True)
    user_name = filled.get("userName")
    if "displayName" not in filled:
        given = filled.get("name")
        name: dict[str, Any] = given if isinstance(given, dict) else {}
        parts = [name.get("givenName"), name.get("familyName")]
        joined = " ".join(p for p in parts if isinstance(p, str) and p.strip())
        formatted = name.get("formatted")
        filled["displayName"] = (
            formatted if isinstance(formatted, str) and formatted.strip() else joined or user_name
        )
    if "emails" not in filled and isinstance(user_name, str) and "@" in user_name:
        filled["emails"] = [{"value": user_name, "type": "work"}]
    return filled


def _email_of(user: ScimUser) -> str:
    emails = user.emails or []
    work = [e for e in emails if e.type == Email.Type.work]
    candidates = work or emails
    chosen = candidates[0] if candidates else None
    if chosen is None or not chosen.value:
        raise ScimError(400, "Haven needs an email address (emails).", scim_type="invalidValue")
    return str(chosen.value)


def _checked(value: str | None, name: str, limit: int, *, required: bool = False) -> str | None:
    if value is not None and len(value) > limit:
        raise ScimError(400, f"{name} is longer than {limit} characters.", scim_type="invalidValue")
    if required and (value is None or not value.strip()):
        raise ScimError(400, f"{name} is required.", scim_type="invalidValue")
    return value


def _profession(user: ScimUser) -> Profession:
    extension = user[HavenUser]
    value = str(extension.profession) if extension is not None and extension.profession else ""
    try:
        return Profession(value.lower())
    except ValueError:
        return Profession.other  # unknown or none: Haven's "other"


def _department(user: ScimUser) -> str | None:
    extension = user[EnterpriseUser]
    return _checked(extension.department if extension else None, "department", 255)


def _fields(session: Session, user: ScimUser) -> auth_service.AccountFields:
    department = _department(user)
    return auth_service.AccountFields(
        email=_email_of(user),
        display_name=str(_checked(user.display_name, "displayName", 120, required=True)),
        external_id=_checked(user.external_id, "externalId", 255),
        user_name=_checked(user.user_name, "userName", 255, required=True),
        department_id=department_for(session, department),
        directory_department=department,
        profession=_profession(user),
        is_active=bool(user.active),
        roles=frozenset(Role(r) for r in get_settings().scim.new_user_roles),
    )


def _change(session: Session, before: ScimUser, after: ScimUser) -> auth_service.AccountChange:
    """What differs between the person as SCIM showed them and as the client wants them."""
    old, new = _fields(session, before), _fields(session, after)
    keep = auth_service.KEEP
    department_changed = _department(before) != _department(after)
    return auth_service.AccountChange(
        email=new.email if new.email != old.email else keep,
        display_name=new.display_name if new.display_name != old.display_name else keep,
        external_id=new.external_id if new.external_id != old.external_id else keep,
        user_name=new.user_name if new.user_name != old.user_name else keep,
        department_id=new.department_id if department_changed else keep,
        directory_department=new.directory_department if department_changed else keep,
        profession=new.profession if new.profession != old.profession else keep,
        is_active=new.is_active if new.is_active != old.is_active else keep,
    )


def _account(session: Session, user_id: str) -> auth_service.DirectoryAccount:
    with scim_errors():
        try:
            return auth_service.get_account(session, uuid.UUID(user_id))
        except ValueError:
            raise ScimError(404, "No such user.") from None


def _answer(
    session: Session, account: auth_service.DirectoryAccount, base: str, status: int
) -> ScimAnswer:
    resource = _resources(session, [account], base)[0]
    location = resource.meta.location
    return ScimAnswer(status, _dump(resource), {"Location": location} if status == 201 else {})


def create_user(session: Session, principal: Principal, *, payload: Any, base: str) -> ScimAnswer:
    user = read_payload(SCIM_USER, _complete(payload, None), Context.RESOURCE_CREATION_REQUEST)
    fields = _fields(session, user)
    with scim_errors():
        actor = auth_service.directory_actor_for(session, principal)
        outcome = auth_service.create_account(session, actor, fields=fields)
    return _answer(session, outcome.account, base, 201)


def get_user(
    session: Session, *, user_id: str, base: str, params: ResponseParameters[Any] | None
) -> ScimAnswer:
    resource = _resources(session, [_account(session, user_id)], base)[0]
    return ScimAnswer(200, _dump(resource, params))


def list_users(session: Session, *, params: ListParams, base: str) -> ScimAnswer:
    where = user_filter(params.filter)
    shown = response_parameters(params.attributes, params.excluded_attributes)
    total, accounts = auth_service.list_accounts(
        session, where=where, start=params.start, count=params.count
    )
    page = ListResponse[SCIM_USER](
        total_results=total,
        start_index=params.start,
        items_per_page=len(accounts),
        resources=_resources(session, accounts, base),
    )
    return ScimAnswer(
        200, page.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=shown)
    )


def _apply(
    session: Session,
    principal: Principal,
    before: ScimUser,
    after: ScimUser,
    user_id: uuid.UUID,
    base: str,
) -> ScimAnswer:
    change = _change(session, before, after)
    with scim_errors():
        actor = auth_service.directory_actor_for(session, principal)
        outcome = auth_service.change_account(session, actor, user_id=user_id, change=change)
    return _answer(session, outcome.account, base, 200)


def replace_user(
    session: Session, principal: Principal, *, user_id: str, payload: Any, base: str
) -> ScimAnswer:
    account = _account(session, user_id)
    before = _resources(session, [account], base)[0]
    after = read_payload(
        SCIM_USER, _complete(payload, before), Context.RESOURCE_REPLACEMENT_REQUEST
    )
    sent = payload if isinstance(payload, dict) else {}
    for extension, urn in (
        (EnterpriseUser, EnterpriseUser.__schema__),
        (HavenUser, HavenUser.__schema__),
    ):
        if str(urn) not in sent:  # not asserted: as it was
            after[extension] = before[extension]
    if "externalId" not in sent:
        after.external_id = before.external_id
    return _apply(session, principal, before, after, account.id, base)


def patch_user(
    session: Session, principal: Principal, *, user_id: str, payload: Any, base: str
) -> ScimAnswer:
    account = _account(session, user_id)
    before = _resources(session, [account], base)[0]
    patch = read_payload(PatchOp[SCIM_USER], payload, Context.RESOURCE_PATCH_REQUEST)
    after = before.model_copy(deep=True)
    with scim_errors():
        patch.patch(after, scim_policy=POLICY)
    return _apply(session, principal, before, after, account.id, base)


def delete_user(session: Session, principal: Principal, *, user_id: str) -> ScimAnswer:
    account = _account(session, user_id)
    with scim_errors():
        actor = auth_service.directory_actor_for(session, principal)
        auth_service.deprovision_account(session, actor, user_id=account.id)
    return ScimAnswer(204)

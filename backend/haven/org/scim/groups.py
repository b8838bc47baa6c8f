"""SCIM ``/Groups``: the directory's groups, kept as the client sends them; which of them give
Haven roles is configuration (``HAVEN_SCIM_GROUP_ROLES``, see
:mod:`haven.auth.directory_groups`). Members are people (Users); a nested group is refused
(400 ``invalidValue``), as is a member who is not a user here.
"""

from __future__ import annotations

import uuid
from typing import Any

from scim2_models import Context, ListResponse, Meta, PatchOp, ResponseParameters
from sqlmodel import Session

from haven.auth import service as auth_service
from haven.core.security import Principal
from haven.org.scim.filters import group_filter
from haven.org.scim.protocol import ListParams, ScimAnswer, ScimError, read_payload, scim_errors
from haven.org.scim.resources import POLICY, GroupMember
from haven.org.scim.resources import Group as GroupModel

Group = GroupModel[Any]  # no extension


def to_resource(record: auth_service.GroupRecord, base: str) -> Group:
    return Group(
        id=str(record.id),
        external_id=record.external_id,
        display_name=record.display_name,
        members=[
            GroupMember(value=str(uid), ref=f"{base}/Users/{uid}", type="User")
            for uid, _ in record.members
        ]
        or None,
        meta=Meta(
            resource_type="Group",
            created=record.created_at,
            last_modified=record.updated_at,
            location=f"{base}/Groups/{record.id}",
        ),
    )


def _dump(group: Group, params: ResponseParameters[Any] | None = None) -> dict[str, Any]:
    return group.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=params)


def response_parameters(
    attributes: str | None, excluded: str | None
) -> ResponseParameters[Any] | None:
    if not attributes and not excluded:
        return None
    with scim_errors():
        return ResponseParameters[Group].model_validate(
            {"attributes": attributes, "excludedAttributes": excluded}
        )


def _member_ids(group: Group) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for member in group.members or []:
        if member.type not in (None, "User"):
            raise ScimError(400, "Members are people (Users).", scim_type="invalidValue")
        try:
            ids.add(uuid.UUID(str(member.value)))
        except ValueError:
            raise ScimError(
                400, "A member is not a user of this service.", scim_type="invalidValue"
            ) from None
    return ids


def _name(group: Group) -> str:
    name = (group.display_name or "").strip()
    if not name:
        raise ScimError(400, "displayName is required.", scim_type="invalidValue")
    if len(name) > 255 or (group.external_id and len(group.external_id) > 255):
        raise ScimError(400, "A value is longer than 255 characters.", scim_type="invalidValue")
    return group.display_name or name


def _record(session: Session, group_id: str) -> auth_service.GroupRecord:
    with scim_errors():
        try:
            return auth_service.get_group(session, uuid.UUID(group_id))
        except ValueError:
            raise ScimError(404, "No such group.") from None


def create_group(session: Session, principal: Principal, *, payload: Any, base: str) -> ScimAnswer:
    group = read_payload(Group, payload, Context.RESOURCE_CREATION_REQUEST)
    name, members = _name(group), _member_ids(group)
    with scim_errors():
        actor = auth_service.directory_actor_for(session, principal)
        record = auth_service.create_group(
            session, actor, display_name=name, external_id=group.external_id, member_ids=members
        )
    resource = to_resource(record, base)
    location = resource.meta.location if resource.meta else None
    return ScimAnswer(201, _dump(resource), {"Location": str(location)})


def get_group(
    session: Session, *, group_id: str, base: str, params: ResponseParameters[Any] | None
) -> ScimAnswer:
    return ScimAnswer(200, _dump(to_resource(_record(session, group_id), base), params))


def list_groups(session: Session, *, params: ListParams, base: str) -> ScimAnswer:
    where = group_filter(params.filter)
    shown = response_parameters(params.attributes, params.excluded_attributes)
    total, records = auth_service.list_groups(
        session, where=where, start=params.start, count=params.count
    )
    page = ListResponse[Group](
        total_results=total,
        start_index=params.start,
        items_per_page=len(records),
        resources=[to_resource(r, base) for r in records],
    )
    return ScimAnswer(
        200, page.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=shown)
    )


def _save(
    session: Session,
    principal: Principal,
    record: auth_service.GroupRecord,
    after: Group,
    base: str,
) -> ScimAnswer:
    with scim_errors():
        actor = auth_service.directory_actor_for(session, principal)
        saved = auth_service.change_group(
            session,
            actor,
            group_id=record.id,
            display_name=_name(after),
            external_id=after.external_id,
            member_ids=_member_ids(after),
        )
    return ScimAnswer(200, _dump(to_resource(saved, base)))


def replace_group(
    session: Session, principal: Principal, *, group_id: str, payload: Any, base: str
) -> ScimAnswer:
    record = _record(session, group_id)
    after = read_payload(Group, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    sent = payload if isinstance(payload, dict) else {}
    if "externalId" not in sent:  # not asserted: as it was
        after.external_id = record.external_id
    if "members" not in sent:
        after.members = to_resource(record, base).members
    return _save(session, principal, record, after, base)


def patch_group(
    session: Session, principal: Principal, *, group_id: str, payload: Any, base: str
) -> ScimAnswer:
    record = _record(session, group_id)
    patch = read_payload(PatchOp[Group], payload, Context.RESOURCE_PATCH_REQUEST)
    after = to_resource(record, base)
    with scim_errors():
        patch.patch(after, scim_policy=POLICY)
    return _save(session, principal, record, after, base)


def delete_group(session: Session, principal: Principal, *, group_id: str) -> ScimAnswer:
    record = _record(session, group_id)
    with scim_errors():
        actor = auth_service.directory_actor_for(session, principal)
        auth_service.delete_group(session, actor, group_id=record.id)
    return ScimAnswer(204)

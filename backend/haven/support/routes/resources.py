"""Crisis resources (public, no sign-in) and the program's settings: /support/resources,
/support/settings."""

from __future__ import annotations

from fastapi import Response

from haven.core.errors import problem_responses
from haven.core.http import IfMatchHeader, SessionDep, set_etag
from haven.support import service
from haven.support.routes import router
from haven.support.routes.deps import Admin, Public, SignedIn
from haven.support.schemas import ResourcesRead, ResourcesUpdate, SupportConfigRead


@router.get(
    "/resources",
    response_model=ResourcesRead,
    dependencies=[Public],
    summary="Crisis line and employee-assistance contacts (no sign-in needed)",
)
def read_resources(session: SessionDep, response: Response) -> ResourcesRead:
    resources = service.get_resources(session)
    set_etag(response, resources.version)
    return resources


@router.put(
    "/resources",
    response_model=ResourcesRead,
    responses=problem_responses(401, 403, 412, 422, 428),
    summary="Set the organisation's crisis and help contacts",
)
def set_resources(
    data: ResourcesUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ResourcesRead:
    resources = service.set_resources(session, principal, data=data, if_match=if_match)
    set_etag(response, resources.version)
    return resources


@router.get("/settings", response_model=SupportConfigRead, summary="Response targets and options")
def read_support_settings(_: SignedIn) -> SupportConfigRead:
    return service.support_config()

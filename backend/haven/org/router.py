"""Organisation endpoints: me, the organisation's settings, departments, users, role grants."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from haven.auth import service as auth_service
from haven.auth.deps import EVERYONE, Allow, Idempotent
from haven.auth.schemas import (
    Role,
    RoleGrantRead,
    RoleGrantStatus,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
    UserUpdated,
)
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, IfMatchHeader, SessionDep, set_etag
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal
from haven.org import service
from haven.org.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
    MeRead,
    OrganisationRead,
    OrganisationUpdate,
)

router = APIRouter(route_class=HavenRoute)

Admin = Annotated[Principal, Allow(Role.admin)]
SignedIn = Annotated[Principal, Allow(*EVERYONE)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("/me", response_model=MeRead, tags=["org"], responses=problem_responses(401))
def read_me(session: SessionDep, principal: SignedIn) -> MeRead:
    return service.me(session, principal)


@router.get("/organisation", response_model=OrganisationRead, tags=["org"])
def read_organisation(session: SessionDep, _: SignedIn, response: Response) -> OrganisationRead:
    org = service.get_organisation(session)
    set_etag(response, org.version)
    return org


@router.patch(
    "/organisation",
    response_model=OrganisationRead,
    tags=["org"],
    responses=problem_responses(412, 422, 428),
)
def update_organisation(
    data: OrganisationUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrganisationRead:
    org = service.update_organisation(session, principal, data=data, if_match=if_match)
    set_etag(response, org.version)
    return org


# --- departments ---------------------------------------------------------------------------


@router.get("/departments", response_model=Page[DepartmentRead], tags=["departments"])
def list_departments(
    session: SessionDep,
    principal: SignedIn,
    paging: Paging,
    include_inactive: Annotated[
        bool, Query(description="Admins only: include inactive ones.")
    ] = False,
) -> Page[DepartmentRead]:
    items, cursor = service.list_departments(
        session, params=paging, include_inactive=include_inactive and principal.has_role(Role.admin)
    )
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/departments",
    response_model=DepartmentRead,
    status_code=status.HTTP_201_CREATED,
    tags=["departments"],
    dependencies=[Idempotent],
    responses=problem_responses(409, 422),
)
def create_department(
    data: DepartmentCreate, session: SessionDep, principal: Admin, response: Response
) -> DepartmentRead:
    dep = service.create_department(session, principal, data=data)
    set_etag(response, dep.version)
    response.headers["Location"] = f"/api/v1/departments/{dep.id}"
    return dep


@router.get(
    "/departments/{department_id}",
    response_model=DepartmentRead,
    tags=["departments"],
    responses=problem_responses(404),
)
def read_department(
    department_id: uuid.UUID, session: SessionDep, _: SignedIn, response: Response
) -> DepartmentRead:
    dep = service.get_department(session, department_id)
    set_etag(response, dep.version)
    return dep


@router.patch(
    "/departments/{department_id}",
    response_model=DepartmentRead,
    tags=["departments"],
    responses=problem_responses(404, 409, 412, 422, 428),
)
def update_department(
    department_id: uuid.UUID,
    data: DepartmentUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> DepartmentRead:
    dep = service.update_department(
        session, principal, department_id=department_id, data=data, if_match=if_match
    )
    set_etag(response, dep.version)
    return dep


# --- users ---------------------------------------------------------------------------------


@router.get("/users", response_model=Page[UserRead], tags=["users"])
def list_users(
    session: SessionDep,
    _: Admin,
    paging: Paging,
    department_id: uuid.UUID | None = None,
    role: Role | None = None,
    include_inactive: bool = False,
) -> Page[UserRead]:
    items, cursor = auth_service.list_users(
        session,
        params=paging,
        department_id=department_id,
        role=role,
        include_inactive=include_inactive,
    )
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    dependencies=[Idempotent],
    responses=problem_responses(409, 422),
)
def create_user(
    data: UserCreate, session: SessionDep, principal: Admin, response: Response
) -> UserCreated:
    user = service.create_user(session, principal, data=data)
    set_etag(response, user.version)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return user


@router.get(
    "/users/{user_id}", response_model=UserRead, tags=["users"], responses=problem_responses(404)
)
def read_user(user_id: uuid.UUID, session: SessionDep, _: Admin, response: Response) -> UserRead:
    user = auth_service.get_user(session, user_id)
    set_etag(response, user.version)
    return user


@router.patch(
    "/users/{user_id}",
    response_model=UserUpdated,
    tags=["users"],
    responses=problem_responses(403, 404, 409, 412, 422, 428),
    summary="Change a person; privileged roles wait for a second administrator",
)
def update_user(
    user_id: uuid.UUID,
    data: UserUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> UserUpdated:
    user = service.update_user(session, principal, user_id=user_id, data=data, if_match=if_match)
    set_etag(response, user.version)
    return user


# --- role grants: the second administrator -------------------------------------------------


@router.get("/role-grants", response_model=Page[RoleGrantRead], tags=["users"])
def list_role_grants(
    session: SessionDep,
    _: Admin,
    paging: Paging,
    status: Annotated[
        RoleGrantStatus | None, Query(description="Omit for pending grants only.")
    ] = RoleGrantStatus.pending,
    user_id: uuid.UUID | None = None,
) -> Page[RoleGrantRead]:
    items, cursor = auth_service.list_role_grants(
        session, params=paging, status=status, user_id=user_id
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/role-grants/{grant_id}",
    response_model=RoleGrantRead,
    tags=["users"],
    responses=problem_responses(404),
)
def read_role_grant(
    grant_id: uuid.UUID, session: SessionDep, _: Admin, response: Response
) -> RoleGrantRead:
    grant = auth_service.get_role_grant(session, grant_id)
    set_etag(response, grant.version)
    return grant


@router.post(
    "/role-grants/{grant_id}/confirm",
    response_model=RoleGrantRead,
    tags=["users"],
    responses=problem_responses(403, 404, 409, 412, 422, 428),
    summary="Confirm a grant (another administrator than the proposer and the person)",
)
def confirm_role_grant(
    grant_id: uuid.UUID,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RoleGrantRead:
    grant = service.confirm_role_grant(session, principal, grant_id=grant_id, if_match=if_match)
    set_etag(response, grant.version)
    return grant


@router.post(
    "/role-grants/{grant_id}/reject",
    response_model=RoleGrantRead,
    tags=["users"],
    responses=problem_responses(403, 404, 409, 412, 428),
    summary="Reject a grant (another administrator than the proposer)",
)
def reject_role_grant(
    grant_id: uuid.UUID,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RoleGrantRead:
    grant = auth_service.reject_role_grant(session, principal, grant_id=grant_id, if_match=if_match)
    set_etag(response, grant.version)
    return grant


@router.post(
    "/role-grants/{grant_id}/cancel",
    response_model=RoleGrantRead,
    tags=["users"],
    responses=problem_responses(403, 404, 409, 412, 428),
    summary="Withdraw your own proposal",
)
def cancel_role_grant(
    grant_id: uuid.UUID,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RoleGrantRead:
    grant = auth_service.cancel_role_grant(session, principal, grant_id=grant_id, if_match=if_match)
    set_etag(response, grant.version)
    return grant

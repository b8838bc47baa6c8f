"""Organisation rules: departments, the organisation's settings, and user administration.

User records belong to ``auth``; this module checks the organisation's side (the
department exists and is active) and calls :mod:`haven.auth.service`.
"""

from __future__ import annotations

import unicodedata
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.auth.schemas import (
    Role,
    RoleGrantRead,
    RoleGrantStatus,
    UserCreate,
    UserCreated,
    UserUpdate,
    UserUpdated,
)
from haven.core import audit, clock
from haven.core.cache import TTLCache
from haven.core.errors import Conflict, NotFound, Unprocessable, field_error
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.core.versioning import require_if_match
from haven.org.models import ORGANISATION_ID, Department, Organisation
from haven.org.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
    MeRead,
    OrganisationRead,
    OrganisationUpdate,
)

# --- departments ---------------------------------------------------------------------------


def _department_read(dep: Department) -> DepartmentRead:
    return DepartmentRead.model_validate(dep)


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def _check_unique(
    session: Session, *, name: str | None, code: str | None, except_id: uuid.UUID | None
) -> None:
    errors = []
    for field, value, column in (("name", name, Department.name), ("code", code, Department.code)):
        if value is None:
            continue
        # Compared in Python: SQL lower() folds only ASCII on SQLite (and under PostgreSQL's C
        # locale), so "Ärzte" and "ärzte" would pass as different. Departments are few.
        stmt = select(column)
        if except_id is not None:
            stmt = stmt.where(col(Department.id) != except_id)
        wanted = _fold(value)
        if any(_fold(other) == wanted for other in session.exec(stmt).all()):
            errors.append(field_error(field, "Another department already uses this."))
    if errors:
        raise Conflict("A department with this name or code already exists.", errors=errors)


def create_department(
    session: Session, actor: Principal | None, *, data: DepartmentCreate
) -> DepartmentRead:
    _check_unique(session, name=data.name, code=data.code, except_id=None)
    now = clock.now()
    dep = Department.model_validate(data, update={"created_at": now, "updated_at": now})
    session.add(dep)
    session.flush()
    audit.record_event(
        session, actor, action="department.created", object_type="department", object_id=dep.id
    )
    return _department_read(dep)


def get_department(session: Session, department_id: uuid.UUID) -> DepartmentRead:
    dep = session.get(Department, department_id)
    if dep is None:
        raise NotFound("No such department.")
    return _department_read(dep)


def list_departments(
    session: Session, *, params: PageParams, include_inactive: bool = False
) -> tuple[list[DepartmentRead], str | None]:
    stmt = select(Department)
    if not include_inactive:
        stmt = stmt.where(col(Department.is_active).is_(True))
    rows, cursor = paginate(
        session, stmt, keys=[col(Department.name), col(Department.id)], params=params
    )
    return [_department_read(d) for d in rows], cursor


def update_department(
    session: Session,
    actor: Principal,
    *,
    department_id: uuid.UUID,
    data: DepartmentUpdate,
    if_match: str | None,
) -> DepartmentRead:
    dep = session.get(Department, department_id)
    if dep is None:
        raise NotFound("No such department.")
    require_if_match(if_match, dep.version)
    _check_unique(session, name=data.name, code=data.code, except_id=dep.id)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(dep, name, value)
    dep.updated_at = clock.now()
    session.add(dep)
    session.flush()
    audit.record_event(
        session, actor, action="department.updated", object_type="department", object_id=dep.id
    )
    _active_departments.invalidate(dep.id)
    return _department_read(dep)


def department_names(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.exec(
        select(Department.id, Department.name).where(col(Department.id).in_(ids))
    ).all()
    return dict(rows)


def active_department_ids(session: Session) -> list[uuid.UUID]:
    return list(
        session.exec(select(Department.id).where(col(Department.is_active).is_(True))).all()
    )


# Checked on every report and request; dropped here on every change, seen elsewhere in seconds.
_active_departments: TTLCache[uuid.UUID, bool] = TTLCache(ttl_seconds=5.0)


def require_active_department(
    session: Session, department_id: uuid.UUID, *, field: str = "department_id"
) -> None:
    is_active = _active_departments.get(department_id)
    if is_active is None:
        is_active = bool(
            session.connection()
            .execute(
                sa.select(col(Department.is_active)).where(col(Department.id) == department_id)
            )
            .scalar()
        )
        _active_departments.set(department_id, is_active)
    if not is_active:
        raise Unprocessable(
            "The department does not exist or is inactive.",
            errors=[field_error(field, "Choose an active department.")],
        )


def active_department_id_by_code(session: Session, code: str) -> uuid.UUID | None:
    """The active department with this code (compared as codes are kept unique: folded),
    or None. Single sign-on finds a new person's department by it."""
    wanted = _fold(code.strip())
    rows = session.exec(
        select(Department.id, Department.code).where(col(Department.is_active).is_(True))
    ).all()
    return next((dep_id for dep_id, dep_code in rows if _fold(dep_code) == wanted), None)


# Auth sits below org: single sign-on asks for departments through this declaration.
auth_service.declare_department_lookup(active_department_id_by_code)


# --- the organisation ----------------------------------------------------------------------


def get_organisation(session: Session) -> OrganisationRead:
    """The settings, or their defaults (version 0) before anyone changed them. Reading never
    writes: the anonymous path reads this, and must leave no timestamp behind."""
    org = session.get(Organisation, ORGANISATION_ID)
    if org is None:
        return OrganisationRead(
            name=get_settings().organisation_name,
            time_zone="UTC",
            allow_anonymous_without_account=True,
            version=0,
        )
    return OrganisationRead.model_validate(org)


def update_organisation(
    session: Session, actor: Principal, *, data: OrganisationUpdate, if_match: str | None
) -> OrganisationRead:
    org = session.get(Organisation, ORGANISATION_ID)
    require_if_match(if_match, org.version if org is not None else 0)
    if org is None:
        org = Organisation(name=get_settings().organisation_name, updated_at=clock.now())
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(org, name, value)
    org.updated_at = clock.now()
    session.add(org)
    session.flush()
    audit.record_event(
        session, actor, action="organisation.updated", object_type="organisation", object_id=None
    )
    return OrganisationRead.model_validate(org)


# --- users ---------------------------------------------------------------------------------


def create_user(session: Session, actor: Principal | None, *, data: UserCreate) -> UserCreated:
    if data.department_id is not None:
        require_active_department(session, data.department_id)
    if Role.department_lead in data.roles and data.department_id is None:
        raise Unprocessable(
            "A department lead needs a department.",
            errors=[field_error("department_id", "Required for a department lead.")],
        )
    return auth_service.create_user(session, actor, data=data)


def update_user(
    session: Session,
    actor: Principal,
    *,
    user_id: uuid.UUID,
    data: UserUpdate,
    if_match: str | None,
) -> UserUpdated:
    if data.department_id is not None:
        require_active_department(session, data.department_id)
    current = auth_service.get_user(session, user_id)
    roles = data.roles if data.roles is not None else current.roles
    fields = data.model_dump(exclude_unset=True)
    department_id = data.department_id if "department_id" in fields else current.department_id
    if Role.department_lead in roles and department_id is None:
        raise Unprocessable(
            "A department lead needs a department.",
            errors=[field_error("department_id", "Required for a department lead.")],
        )
    return auth_service.update_user(session, actor, user_id=user_id, data=data, if_match=if_match)


def confirm_role_grant(
    session: Session, actor: Principal, *, grant_id: uuid.UUID, if_match: str | None
) -> RoleGrantRead:
    """The second administrator's confirmation; the department a lead would lead must
    still be active (the rest is checked again by ``auth``)."""
    grant = auth_service.get_role_grant(session, grant_id)
    if grant.status is RoleGrantStatus.pending and grant.department_id is not None:
        require_active_department(session, grant.department_id)
    return auth_service.confirm_role_grant(session, actor, grant_id=grant_id, if_match=if_match)


def me(session: Session, principal: Principal) -> MeRead:
    user = auth_service.get_user(session, principal.id)
    department_name = None
    if user.department_id is not None:
        department_name = department_names(session, [user.department_id]).get(user.department_id)
    return MeRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=user.roles,
        department_id=user.department_id,
        department_name=department_name,
        profession=user.profession,
        is_active=user.is_active,
    )

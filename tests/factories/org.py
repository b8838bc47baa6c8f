"""Departments, people and tokens for tests."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from haven.auth import service as auth_service
from haven.auth.schemas import ApiKeyCreate, ApiKeyStatus, Profession, Role, Scope, UserCreate
from haven.core.db import new_session
from haven.core.security import Principal
from haven.org import service as org_service
from haven.org.schemas import DepartmentCreate

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    email: str
    password: str
    roles: tuple[Role, ...]
    department_id: uuid.UUID | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def principal(self) -> Principal:
        return Principal(
            kind="user",
            id=self.id,
            roles=frozenset(r.value for r in self.roles),
            department_id=self.department_id,
        )


def make_department(engine: Engine, name: str | None = None, code: str | None = None) -> uuid.UUID:
    n = next(_counter)
    with new_session(engine) as session:
        dep = org_service.create_department(
            session,
            None,
            data=DepartmentCreate(name=name or f"Department {n}", code=code or f"D{n}"),
        )
        session.commit()
        return dep.id


def make_person(
    engine: Engine,
    *roles: Role,
    department_id: uuid.UUID | None = None,
    profession: Profession = Profession.nurse,
    email: str | None = None,
    password: str = PASSWORD,
) -> Person:
    n = next(_counter)
    roles = roles or (Role.staff,)
    if Role.department_lead in roles and department_id is None:
        department_id = make_department(engine)
    email = email or f"person{n}@hospital.example.org"
    with new_session(engine) as session:
        created = org_service.create_user(
            session,
            None,
            data=UserCreate(
                email=email,
                display_name=f"Person {n}",
                roles=list(roles),
                department_id=department_id,
                profession=profession,
                password=password,
            ),
        )
        session.commit()
    return Person(
        id=created.id,
        email=email,
        password=password,
        roles=tuple(roles),
        department_id=department_id,
        token=access_token_for(created.id),
    )


def give_roles_as_old_data(engine: Engine, user_id: uuid.UUID, *roles: Role) -> None:
    """Roles given before the separation of roles existed: written straight into the table,
    past every rule, as an older database may hold them."""
    from haven.auth.models import UserRole
    from haven.core import cache

    table = UserRole.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"user_id": user_id, "role": r.value} for r in roles])
    cache.clear_all()  # who the person is was read into the principal cache


def access_token_for(user_id: uuid.UUID) -> str:
    from datetime import timedelta

    from haven.core.security import encode_token

    return encode_token(
        subject=str(user_id),
        audience=auth_service.ACCESS_AUDIENCE,
        token_type="access",
        lifetime=timedelta(minutes=15),
    )


def make_api_key(engine: Engine, scopes: Iterable[Scope], *, name: str = "integration") -> str:
    """A working key, made the way the product makes it: one administrator creates it and,
    when a scope reads content, a second administrator confirms it."""
    creator = make_person(engine, Role.admin)
    with new_session(engine) as session:
        created = auth_service.create_api_key(
            session, creator.principal, data=ApiKeyCreate(name=name, scopes=list(scopes))
        )
        session.commit()
    if created.status is ApiKeyStatus.pending:
        confirmer = make_person(engine, Role.admin)
        with new_session(engine) as session:
            auth_service.confirm_api_key(
                session, confirmer.principal, api_key_id=created.id, if_match=str(created.version)
            )
            session.commit()
    return created.secret

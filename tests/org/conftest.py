"""The people the organisation tests act as."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.factories.org import Person, make_person


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


@pytest.fixture
def staff(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


@pytest.fixture
def auditor(engine: Engine) -> Person:
    return make_person(engine, Role.auditor)

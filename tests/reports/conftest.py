"""Fixtures for the reports domain: departments, one person per role, captured logs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core.logging import LOG_FORMAT, RequestContextFilter
from haven.reports.service import receipt_throttle
from tests.factories.org import Person, make_department, make_person


@pytest.fixture(autouse=True)
def _fresh_receipt_throttle() -> Iterator[None]:
    receipt_throttle.reset()
    yield
    receipt_throttle.reset()


@pytest.fixture
def department(engine: Engine) -> uuid.UUID:
    return make_department(engine)


@pytest.fixture
def other_department(engine: Engine) -> uuid.UUID:
    return make_department(engine)


@pytest.fixture
def reporter(engine: Engine, department: uuid.UUID) -> Person:
    return make_person(engine, Role.staff, department_id=department)


@pytest.fixture
def colleague(engine: Engine, department: uuid.UUID) -> Person:
    return make_person(engine, Role.staff, department_id=department)


@pytest.fixture
def officer(engine: Engine) -> Person:
    return make_person(engine, Role.safety_officer)


@pytest.fixture
def lead(engine: Engine, department: uuid.UUID) -> Person:
    return make_person(engine, Role.department_lead, department_id=department)


@pytest.fixture
def other_lead(engine: Engine, other_department: uuid.UUID) -> Person:
    return make_person(engine, Role.department_lead, department_id=other_department)


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


class LogCapture(logging.Handler):
    """Everything the "haven" loggers write, formatted as the server formats it."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestContextFilter())
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    def clear(self) -> None:
        self.records.clear()
        self.lines.clear()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def captured() -> Iterator[LogCapture]:
    handler = LogCapture()
    logger = logging.getLogger("haven")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)

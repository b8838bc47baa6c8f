"""A small hospital for debrief tests: two departments and one person per part they play."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core.settings import Settings
from tests.factories.org import Person, make_department, make_person


@dataclass(frozen=True)
class Team:
    ward: uuid.UUID  # the debriefs' department
    other_ward: uuid.UUID
    officer: Person
    lead: Person  # lead of ``ward``
    other_lead: Person  # lead of ``other_ward``
    coordinator: Person
    facilitator: Person  # a member of staff in ``ward``
    alice: Person  # invited
    bob: Person  # invited
    outsider: Person  # staff in ``ward``, not invited
    supporter: Person
    admin: Person
    auditor: Person


@pytest.fixture
def team(engine: Engine) -> Team:
    ward = make_department(engine)
    other = make_department(engine)
    return Team(
        ward=ward,
        other_ward=other,
        officer=make_person(engine, Role.safety_officer),
        lead=make_person(engine, Role.department_lead, department_id=ward),
        other_lead=make_person(engine, Role.department_lead, department_id=other),
        coordinator=make_person(engine, Role.support_coordinator),
        facilitator=make_person(engine, Role.staff, department_id=ward),
        alice=make_person(engine, Role.staff, department_id=ward),
        bob=make_person(engine, Role.staff, department_id=ward),
        outsider=make_person(engine, Role.staff, department_id=ward),
        supporter=make_person(engine, Role.peer_supporter, department_id=ward),
        admin=make_person(engine, Role.admin),
        auditor=make_person(engine, Role.auditor),
    )


class Mailbox(Message):
    """A real SMTP server's inbox (aiosmtpd), as in tests/notifications."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[EmailMessage] = []

    def handle_message(self, message: EmailMessage) -> None:  # type: ignore[override]
        self.messages.append(message)


@pytest.fixture
def smtp(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(settings.smtp, "host", "127.0.0.1")
    monkeypatch.setattr(settings.smtp, "port", port)
    monkeypatch.setattr(settings.smtp, "starttls", False)
    try:
        yield mailbox
    finally:
        controller.stop()

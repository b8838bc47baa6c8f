"""The inbox is personal, and emails go through a real SMTP server after the request."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Role
from haven.core.db import new_session
from haven.core.settings import Settings
from haven.notifications import service
from tests.factories.org import make_person


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def handle_message(self, message: object) -> None:
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(settings.smtp, "host", "127.0.0.1")
    monkeypatch.setattr(settings.smtp, "port", port)
    monkeypatch.setattr(settings.smtp, "starttls", False)
    try:
        yield inbox
    finally:
        controller.stop()


def _notify(engine: Engine, user_id, title: str = "You have a new support request") -> None:
    with new_session(engine) as session:
        service.notify(
            session, user_ids=[user_id], kind="support.assigned", title=title, link="/support/inbox"
        )
        session.commit()


def test_a_person_sees_only_their_own_notifications(client: TestClient, engine: Engine) -> None:
    alice = make_person(engine, Role.staff)
    bob = make_person(engine, Role.staff)
    _notify(engine, alice.id)
    mine = client.get("/api/v1/notifications", headers=alice.headers).json()["items"]
    theirs = client.get("/api/v1/notifications", headers=bob.headers).json()["items"]
    assert [n["title"] for n in mine] == ["You have a new support request"]
    assert theirs == []


def test_marking_read_is_personal(client: TestClient, engine: Engine) -> None:
    alice = make_person(engine, Role.staff)
    bob = make_person(engine, Role.staff)
    _notify(engine, alice.id)
    note = client.get("/api/v1/notifications", headers=alice.headers).json()["items"][0]
    assert (
        client.post(f"/api/v1/notifications/{note['id']}/read", headers=bob.headers).status_code
        == 404
    )
    assert client.get("/api/v1/notifications/unread-count", headers=alice.headers).json() == {
        "unread": 1
    }
    read = client.post(f"/api/v1/notifications/{note['id']}/read", headers=alice.headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count", headers=alice.headers).json() == {
        "unread": 0
    }


def test_read_all_clears_the_count(client: TestClient, engine: Engine) -> None:
    alice = make_person(engine, Role.staff)
    _notify(engine, alice.id)
    _notify(engine, alice.id, "You have been invited to a debrief")
    assert client.post("/api/v1/notifications/read-all", headers=alice.headers).status_code == 204
    assert (
        client.get("/api/v1/notifications?unread_only=true", headers=alice.headers).json()["items"]
        == []
    )


def test_without_smtp_no_email_is_queued(engine: Engine) -> None:
    alice = make_person(engine, Role.staff)
    _notify(engine, alice.id)
    assert service.deliver_pending_emails(engine) == 0


def test_email_is_delivered_to_a_real_smtp_server_after_commit(
    engine: Engine, smtp: _Inbox
) -> None:
    alice = make_person(engine, Role.staff)
    _notify(engine, alice.id)
    assert smtp.messages == []  # nothing is sent inside the transaction that queued it
    assert service.deliver_pending_emails(engine) == 1
    deadline = time.time() + 5
    while not smtp.messages and time.time() < deadline:
        time.sleep(0.05)
    (message,) = smtp.messages
    assert message["To"] == alice.email  # type: ignore[index]
    assert message["Subject"] == "Haven: You have a new support request"  # type: ignore[index]
    assert service.deliver_pending_emails(engine) == 0  # sent once


def test_a_failed_delivery_is_retried_later(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings.smtp, "host", "127.0.0.1")
    monkeypatch.setattr(settings.smtp, "port", _free_port())  # nothing listens there
    monkeypatch.setattr(settings.smtp, "starttls", False)
    alice = make_person(engine, Role.staff)
    _notify(engine, alice.id)
    assert service.deliver_pending_emails(engine) == 0
    from haven.notifications.models import EmailOutbox

    with new_session(engine) as session:
        (row,) = session.exec(select(EmailOutbox)).all()
        assert row.sent_at is None and row.attempts == 1 and row.last_error

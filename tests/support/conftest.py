"""Fixtures for the peer-support tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from pydantic import SecretStr

from haven.core.settings import Settings

NOTE_KEY = "a-note-key-for-tests-only-0123456789abcdef"


@pytest.fixture
def private_notes(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The organisation has switched the private encounter note on."""
    monkeypatch.setattr(settings.support, "private_notes", True)
    monkeypatch.setattr(settings.support, "note_key", SecretStr(NOTE_KEY))


class Inbox(Message):
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
def smtp(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on a free local port, receiving Haven's emails."""
    inbox = Inbox()
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

"""Migration 0010: the rows written before the key are re-linked under it, and a keyed row
says what was re-linked and whether the unkeyed chain had verified."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.core import audit, clock
from haven.core.audit.chain import _row_content
from haven.core.db import new_session
from haven.core.migrate import downgrade, upgrade
from haven.core.models import AuditEvent
from tests.conftest import database_url

BEFORE = "0009"


def _unkeyed(prev_hash: str, row: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + _row_content(row)).encode()).hexdigest()


@pytest.fixture
def before_the_key(engine: Engine) -> Iterator[None]:
    downgrade(database_url(), BEFORE)
    try:
        yield
    finally:
        upgrade(database_url())


def _write_unkeyed_chain(engine: Engine, n: int, *, edit_seq: int | None = None) -> str:
    """Rows as the code before 0010 wrote them (plain SHA-256), then maybe one edited;
    returns the head's hash."""
    prev = audit.GENESIS_HASH
    with new_session(engine) as session:
        for seq in range(1, n + 1):
            row = AuditEvent(
                seq=seq,
                id=uuid.uuid4(),
                occurred_at=clock.now(),
                actor_type="user",
                actor_id=uuid.uuid4(),
                action="report.read",
                object_type="report",
                object_id=uuid.uuid4(),
                request_id="req-1",
                detail={"roles": ["staff"]} if seq == 2 else None,
                prev_hash=prev,
                hash="",
            )
            row.hash = _unkeyed(prev, row)
            prev = row.hash
            session.add(row)
        session.flush()
        if edit_seq is not None:
            session.execute(
                sa.text("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = :s"),
                {"s": edit_seq},
            )
        session.execute(
            sa.text("UPDATE audit_head SET last_seq = :s, last_hash = :h WHERE id = 1"),
            {"s": n, "h": prev},
        )
        session.commit()
    return prev


def _rows(engine: Engine) -> list[AuditEvent]:
    with new_session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())


def test_rows_written_before_the_key_are_relinked_under_it(
    engine: Engine, before_the_key: None
) -> None:
    unkeyed_head = _write_unkeyed_chain(engine, 3)
    upgrade(database_url())
    with new_session(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok and report.checked == 4, report
    *old, marker = _rows(engine)
    assert all(row.hash == audit.row_hash(row) != _unkeyed(row.prev_hash, row) for row in old)
    assert (marker.seq, marker.action, marker.actor_type) == (4, "audit.chain_keyed", "system")
    assert marker.detail is not None
    assert marker.detail["relinked_rows"] == 3
    assert marker.detail["unkeyed_chain_verified"] is True
    assert (marker.detail["unkeyed_head_seq"], marker.detail["unkeyed_head_hash"]) == (
        3,
        unkeyed_head,
    )
    assert marker.detail["unkeyed_first_broken_seq"] is None


def test_a_chain_broken_before_the_key_is_relinked_and_the_break_recorded(
    engine: Engine, before_the_key: None
) -> None:
    _write_unkeyed_chain(engine, 4, edit_seq=2)
    upgrade(database_url())
    marker = _rows(engine)[-1]
    assert marker.detail is not None
    assert marker.detail["unkeyed_chain_verified"] is False
    assert marker.detail["unkeyed_first_broken_seq"] == 2
    assert marker.detail["unkeyed_reason"] == "the row's content does not match its hash"


def test_an_empty_chain_gets_no_marker(engine: Engine, before_the_key: None) -> None:
    upgrade(database_url())
    assert _rows(engine) == []


def test_the_downgrade_links_every_row_unkeyed_again(engine: Engine, before_the_key: None) -> None:
    _write_unkeyed_chain(engine, 3)
    upgrade(database_url())
    downgrade(database_url(), BEFORE)
    rows = _rows(engine)
    prev = audit.GENESIS_HASH
    for row in rows:
        assert row.prev_hash == prev and row.hash == _unkeyed(prev, row)
        prev = row.hash
    with engine.connect() as conn:
        head = conn.execute(sa.text("SELECT last_seq, last_hash FROM audit_head")).one()
    assert (head.last_seq, head.last_hash) == (len(rows), prev)

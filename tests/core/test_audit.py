"""The audit chain: appends stay linked under concurrency; any edit or removal is found, and
nothing written without the audit key passes (the anchors: tests/core/test_audit_anchors.py)."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.core import audit
from haven.core.audit.chain import _row_content
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.core.security import Principal
from haven.core.settings import get_settings


def _actor() -> Principal:
    return Principal(kind="user", id=uuid.uuid4(), roles=frozenset({"admin"}))


def _append(engine: Engine, n: int, actor: Principal | None = None) -> None:
    with new_session(engine) as session:
        for _ in range(n):
            audit.record_event(
                session,
                actor or _actor(),
                action="thing.read",
                object_type="thing",
                object_id=uuid.uuid4(),
            )
        session.commit()


def _verify(engine: Engine) -> audit.ChainReport:
    with new_session(engine) as session:
        return audit.verify_chain(session)


def test_an_intact_chain_verifies(engine: Engine) -> None:
    _append(engine, 5)
    report = _verify(engine)
    assert report.ok and report.checked == 5 and report.first_broken_seq is None


def test_concurrent_appends_never_fork_the_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                _append(engine, 2)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = _verify(engine)
    assert report.ok, report
    assert report.checked == 60


def test_an_edited_row_is_detected(engine: Engine) -> None:
    _append(engine, 4)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 2"))
    report = _verify(engine)
    assert not report.ok
    assert report.first_broken_seq == 2


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    _append(engine, 4)
    with new_session(engine) as session:
        row = session.exec(
            sa.select(audit.AuditEvent).where(audit.AuditEvent.seq == 2)
        ).scalar_one()  # type: ignore[call-overload]
        row.action = "nothing.happened"
        row.hash = audit.row_hash(row)
        session.add(row)
        session.commit()
    report = _verify(engine)
    assert not report.ok
    assert report.first_broken_seq == 3


def test_a_deleted_row_is_detected(engine: Engine) -> None:
    _append(engine, 4)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = 3"))
    report = _verify(engine)
    assert not report.ok
    assert report.first_broken_seq == 3


def test_a_deleted_last_row_is_detected(engine: Engine) -> None:
    _append(engine, 4)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = 4"))
    report = _verify(engine)
    assert not report.ok
    assert report.first_broken_seq == 4


def test_rows_name_actor_and_object_and_the_request(engine: Engine) -> None:
    actor = _actor()
    object_id = uuid.uuid4()
    with new_session(engine) as session:
        row = audit.record_event(
            session, actor, action="report.read", object_type="report", object_id=object_id
        )
        session.commit()
    assert (row.actor_type, row.actor_id, row.object_type, row.object_id) == (
        "user",
        actor.id,
        "report",
        object_id,
    )


def test_an_anonymous_reporter_is_never_named_in_the_audit_log(engine: Engine) -> None:
    session_principal = Principal(kind="report_session", id=uuid.uuid4())
    with new_session(engine) as session:
        row = audit.record_event(
            session,
            session_principal,
            action="report.message_posted",
            object_type="report",
            object_id=uuid.uuid4(),
        )
        session.commit()
    assert row.actor_type == "anonymous_reporter"
    assert row.actor_id is None


# --- the key: what someone holding the database but not the key cannot do -------------------


def _unkeyed(prev_hash: str, row: AuditEvent) -> str:
    """What the links were before the key: plain SHA-256, which anyone can recompute."""
    return hashlib.sha256((prev_hash + _row_content(row)).encode()).hexdigest()


def _rewrite_from(engine: Engine, seq: int, link: Callable[[str, AuditEvent], str]) -> None:
    """Edit row ``seq``, recompute every later link with ``link`` and move the head, as an
    insider with write access to the database would."""
    with new_session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.seq) >= seq).order_by(col(AuditEvent.seq))
        ).all()
        prev = rows[0].prev_hash
        rows[0].action = "nothing.happened"
        for row in rows:
            row.prev_hash = prev
            row.hash = link(prev, row)
            prev = row.hash
            session.add(row)
        session.execute(
            sa.text("UPDATE audit_head SET last_hash = :h WHERE id = :id"),
            {"h": prev, "id": audit.HEAD_ID},
        )
        session.commit()


def test_a_tail_recomputed_without_the_key_is_detected(engine: Engine) -> None:
    _append(engine, 5)
    _rewrite_from(engine, 2, _unkeyed)
    report = _verify(engine)
    assert not report.ok
    assert report.first_broken_seq == 2 and report.checked == 1
    assert "without the audit key" in (report.reason or "")


def test_a_tail_recomputed_under_another_key_is_detected(engine: Engine) -> None:
    _append(engine, 4)
    _rewrite_from(engine, 3, lambda prev, row: audit.row_hash(row, key=b"a guessed key"))
    report = _verify(engine)
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_a_row_appended_without_the_key_is_detected(engine: Engine) -> None:
    _append(engine, 3)
    with new_session(engine) as session:
        last = session.get(AuditEvent, 3)
        assert last is not None
        forged = AuditEvent(
            seq=4,
            id=uuid.uuid4(),
            occurred_at=last.occurred_at,
            actor_type="system",
            actor_id=None,
            action="report.read",
            object_type="report",
            object_id=uuid.uuid4(),
            request_id=None,
            prev_hash=last.hash,
            hash="",
        )
        forged.hash = _unkeyed(last.hash, forged)
        session.add(forged)
        session.execute(
            sa.text("UPDATE audit_head SET last_seq = 4, last_hash = :h WHERE id = :id"),
            {"h": forged.hash, "id": audit.HEAD_ID},
        )
        session.commit()
    report = _verify(engine)
    assert (report.ok, report.first_broken_seq, report.checked) == (False, 4, 3)


def test_a_row_added_beyond_the_head_is_detected(engine: Engine) -> None:
    _append(engine, 3)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE audit_head SET last_seq = 2, "
                "last_hash = (SELECT hash FROM audit_events WHERE seq = 2) WHERE id = 1"
            )
        )
    report = _verify(engine)
    assert (report.ok, report.first_broken_seq) == (False, 3)
    assert "beyond the chain's head" in (report.reason or "")


def test_links_are_keyed_and_the_key_is_nowhere_in_the_database(engine: Engine) -> None:
    _append(engine, 3)
    key = get_settings().audit_key()
    with new_session(engine) as session:
        row = session.get(AuditEvent, 2)
        assert row is not None
        assert row.hash == audit.row_hash(row, key=key) != _unkeyed(row.prev_hash, row)
    dumped: list[str] = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            dumped += [repr(r) for r in conn.execute(sa.text(f'SELECT * FROM "{table}"'))]
    text = "\n".join(dumped)
    encodings = [key.hex(), base64.b64encode(key).decode(), base64.urlsafe_b64encode(key).decode()]
    assert not [e for e in encodings if e.rstrip("=") in text]

"""The audit chain: appends stay linked under concurrency; any edit or removal is found."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from haven.core import audit
from haven.core.db import new_session
from haven.core.security import Principal


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

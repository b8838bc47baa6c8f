"""Anchors outside the database: each rewrite an insider with the database (and even the
audit key) can make is detected by the signed checkpoints of the chain's head."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.core import audit, clock
from haven.core.audit import anchoring as audit_anchoring
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.core.security import Principal
from haven.core.settings import AuditSettings, Environment, Settings, get_settings


def _append(engine: Engine, n: int) -> None:
    actor = Principal(kind="user", id=uuid.uuid4(), roles=frozenset({"admin"}))
    with new_session(engine) as session:
        for _ in range(n):
            audit.record_event(
                session, actor, action="thing.read", object_type="thing", object_id=uuid.uuid4()
            )
        session.commit()


def _anchor(engine: Engine, settings: Settings | None = None) -> audit.AnchorOutcome:
    return audit.write_anchor(engine, settings=settings)


def _verify(engine: Engine, **kwargs: object) -> audit.AuditReport:
    with new_session(engine) as session:
        return audit.verify_audit_log(session, **kwargs)  # type: ignore[arg-type]


def _anchor_file() -> Path:
    path = get_settings().audit.anchor_file
    assert path is not None
    return path


def _lines(path: Path | None = None) -> list[str]:
    return (path or _anchor_file()).read_text().splitlines()


def _set_head(engine: Engine, seq: int) -> None:
    """Move the head back to row ``seq`` as an insider would (its MAC is in the table)."""
    with engine.begin() as conn:
        digest = (
            conn.execute(
                sa.text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": seq}
            ).scalar_one_or_none()
            or audit.GENESIS_HASH
        )
        conn.execute(
            sa.text("UPDATE audit_head SET last_seq = :s, last_hash = :h WHERE id = :id"),
            {"s": seq, "h": digest, "id": audit.HEAD_ID},
        )


def _recompute_with_the_key_from(engine: Engine, seq: int) -> None:
    """Edit row ``seq`` and recompute every later link *with* the key: only anchors catch it."""
    with new_session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.seq) >= seq).order_by(col(AuditEvent.seq))
        ).all()
        prev = rows[0].prev_hash
        rows[0].object_id = uuid.uuid4()
        for row in rows:
            row.prev_hash = prev
            row.hash = audit.row_hash(row)
            prev = row.hash
            session.add(row)
        session.execute(
            sa.text("UPDATE audit_head SET last_hash = :h WHERE id = :id"),
            {"h": prev, "id": audit.HEAD_ID},
        )
        session.commit()


# --- writing anchors ---------------------------------------------------------------------


def test_an_anchor_is_a_signed_line_naming_the_head_and_a_row_in_the_chain(
    engine: Engine,
) -> None:
    _append(engine, 3)
    outcome = _anchor(engine)
    assert outcome.written is not None and outcome.written.seq == 4
    (line,) = _lines()
    fields = json.loads(line)
    assert set(fields) == {"v", "name", "seq", "mac", "at", "key", "sig"}
    assert fields["seq"] == 4 and fields["name"] == get_settings().audit.anchor_name
    with new_session(engine) as session:
        row = session.get(AuditEvent, 4)
        assert row is not None
        assert (row.action, row.object_type, row.detail) == (
            audit.ANCHOR_ACTION,
            audit.ANCHOR_OBJECT_TYPE,
            {"name": get_settings().audit.anchor_name},
        )
        assert fields["mac"] == row.hash
    report = _verify(engine)
    assert report.ok, report
    anchors = report.anchors
    assert (anchors.checked, anchors.last_seq, anchors.unanchored_rows) == (1, 4, 0)
    assert anchors.last_at is not None
    _append(engine, 2)
    assert _verify(engine).anchors.unanchored_rows == 2


def test_anchoring_when_nothing_changed_writes_nothing(engine: Engine) -> None:
    assert _anchor(engine).note == "the chain is empty"
    assert not _anchor_file().exists() or _lines() == []
    _append(engine, 2)
    assert _anchor(engine).written is not None
    again = _anchor(engine)
    assert again.written is None and again.note == "nothing changed since the last anchor"
    assert len(_lines()) == 1
    _append(engine, 1)
    assert _anchor(engine).written is not None
    assert len(_lines()) == 2
    assert _verify(engine).ok


def test_another_writers_anchor_is_no_change_to_anchor_again(engine: Engine) -> None:
    """Two hosts anchoring one quiet chain do not keep anchoring each other's anchor row."""
    other = Settings()
    other.audit.anchor_name = "other-host"
    assert other.audit.anchor_file is not None
    other.audit.anchor_file = other.audit.anchor_file.with_name("other-anchors.jsonl")
    try:
        _append(engine, 2)
        assert _anchor(engine).written is not None
        assert _anchor(engine, other).written is not None  # it had never anchored
        assert _anchor(engine).written is None
        assert _anchor(engine, other).written is None
    finally:
        other.audit.anchor_file.unlink(missing_ok=True)


@pytest.fixture
def moved_clock() -> Iterator[list[datetime]]:
    now = [datetime(2026, 12, 4, 9, 0, tzinfo=UTC)]
    clock.set_clock(lambda: now[0])
    yield now
    clock.set_clock(None)


def test_the_periodic_job_anchors_once_per_interval_when_the_chain_changed(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    interval = get_settings().audit.anchor_interval_seconds
    assert interval > 0
    _append(engine, 2)
    assert audit.anchor_if_due(engine) == 1
    _append(engine, 1)
    moved_clock[0] += timedelta(seconds=interval - 1)
    assert audit.anchor_if_due(engine) == 0  # not due yet
    moved_clock[0] += timedelta(seconds=2)
    assert audit.anchor_if_due(engine) == 1
    moved_clock[0] += timedelta(seconds=interval * 3)
    assert audit.anchor_if_due(engine) == 0  # due, but nothing changed
    assert len(_lines()) == 2


def test_the_periodic_jobs_anchor_the_chain(engine: Engine) -> None:
    from haven.jobs import run_due_jobs

    _append(engine, 2)
    results = run_due_jobs(engine)
    assert results["audit_anchored"] == 1
    assert len(_lines()) == 1 and _verify(engine).ok


def test_processes_anchoring_at_once_append_whole_lines_and_one_anchor(engine: Engine) -> None:
    """Several processes on one host: O_APPEND and the lock give whole lines, and only the
    first finds a change to anchor."""
    _append(engine, 3)
    code = (
        "from haven.core import audit\n"
        "from haven.core.db import get_engine\n"
        "print(audit.write_anchor(get_engine()).note)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(4)
    ]
    notes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        notes.append(out.strip())
    assert sorted(notes) == ["nothing changed since the last anchor"] * 3 + ["written"]
    (line,) = _lines()
    assert json.loads(line)["seq"] == 4
    assert _verify(engine).ok


def test_a_lost_line_is_written_again_by_the_next_anchor(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between committing the anchor row and writing its line."""
    _append(engine, 1)
    _anchor(engine)  # row 2
    _append(engine, 1)

    def crash(_path: Path, _lines: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(audit_anchoring, "_append_lines", crash)
        with pytest.raises(OSError):
            _anchor(engine)
    report = _verify(engine)
    assert not report.ok and "lacks 1 anchor" in (report.reason or "")
    outcome = _anchor(engine)
    assert outcome.repaired is not None and outcome.repaired.seq == 4
    assert outcome.written is None  # nothing but the anchor row was added since
    assert _verify(engine).ok


# --- what the anchors detect -------------------------------------------------------------


def test_truncation_with_the_head_moved_back_is_detected(engine: Engine) -> None:
    _append(engine, 5)
    _anchor(engine)  # row 6
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq > 4"))
    _set_head(engine, 4)
    with new_session(engine) as session:
        assert audit.verify_chain(session).ok  # what is left is a valid, shorter chain
    report = _verify(engine)
    assert not report.ok and report.chain.ok and not report.anchors.ok
    assert report.first_broken_seq == 5
    assert "ends at row 4" in (report.reason or "")
    with pytest.raises(audit.AnchorRefused):
        _anchor(engine)  # the writer does not anchor over the evidence
    assert len(_lines()) == 1


def test_a_wipe_and_reset_is_detected(engine: Engine) -> None:
    _append(engine, 3)
    _anchor(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))
    _set_head(engine, 0)
    _append(engine, 2)  # and life goes on in a new chain
    report = _verify(engine)
    assert not report.ok and report.chain.ok
    assert "wiped" in (report.reason or "") and report.first_broken_seq == 3


def test_a_tail_recomputed_with_the_key_contradicts_the_anchor(engine: Engine) -> None:
    _append(engine, 2)
    _anchor(engine)  # row 3
    _append(engine, 2)
    _anchor(engine)  # row 6
    _append(engine, 2)
    _recompute_with_the_key_from(engine, 5)
    report = _verify(engine)
    assert report.chain.ok  # every link checks with the key
    assert not report.ok and report.first_broken_seq == 4
    assert "rewritten between row 4 and row 6" in (report.reason or "")


def test_a_recomputed_row_after_the_last_anchor_is_what_anchors_cannot_see(
    engine: Engine,
) -> None:
    """The documented window: with the key, rows after the last anchor can be rewritten."""
    _append(engine, 2)
    _anchor(engine)
    _append(engine, 2)
    _recompute_with_the_key_from(engine, 5)
    report = _verify(engine)
    assert report.ok and report.anchors.unanchored_rows == 2


def test_an_edited_anchor_line_fails_its_signature(engine: Engine) -> None:
    _append(engine, 2)
    _anchor(engine)
    _append(engine, 2)
    _anchor(engine)
    first, second = _lines()
    forged = json.loads(first)
    forged["seq"] = 1  # claim the chain was shorter then
    _anchor_file().write_text(json.dumps(forged) + "\n" + second + "\n")
    report = _verify(engine)
    assert not report.ok and report.chain.ok
    assert (
        report.reason == "anchor line 1 has a signature that does not check (the line was edited)"
    )


def test_an_anchor_signed_with_another_key_is_refused(engine: Engine) -> None:
    _append(engine, 2)
    stranger = Settings()
    stranger.audit.anchor_signing_key = SecretStr(
        audit.encode_key(Ed25519PrivateKey.generate().private_bytes_raw())
    )
    _anchor(engine, stranger)
    report = _verify(engine)
    assert not report.ok and "is signed with another key" in (report.reason or "")


def test_a_removed_anchor_file_is_reported(engine: Engine) -> None:
    _append(engine, 2)
    _anchor(engine)
    _append(engine, 1)
    _anchor(engine)
    _anchor_file().unlink()
    report = _verify(engine)
    assert not report.ok and report.chain.ok and report.anchors.checked == 0
    assert "the anchor file is missing, yet the chain records 2 anchor(s)" in (report.reason or "")
    # The next anchor writes the last one's line again, and the older one stays missing.
    _append(engine, 1)
    assert _anchor(engine).repaired is not None
    report = _verify(engine)
    assert not report.ok and "lacks 1 anchor(s) the chain records, the first at row 3" in (
        report.reason or ""
    )


def test_a_removed_anchor_line_is_reported(engine: Engine) -> None:
    _append(engine, 2)
    _anchor(engine)
    _append(engine, 1)
    _anchor(engine)
    _append(engine, 1)
    _anchor(engine)
    lines = _lines()
    _anchor_file().write_text(lines[0] + "\n" + lines[2] + "\n")
    report = _verify(engine)
    assert not report.ok and "lacks 1 anchor(s) the chain records, the first at row 5" in (
        report.reason or ""
    )


def test_a_line_cut_short_is_reported(engine: Engine) -> None:
    _append(engine, 2)
    _anchor(engine)
    with _anchor_file().open("a") as handle:
        handle.write('{"v":1,"name":"h')
    report = _verify(engine)
    assert not report.ok and report.reason == (
        "anchor line 2 is not JSON (edited, or a write cut short)"
    )


def test_without_a_public_key_no_anchor_can_be_checked(engine: Engine) -> None:
    _append(engine, 1)
    _anchor(engine)
    production = Settings(env=Environment.production, audit=AuditSettings(key=SecretStr("k" * 40)))
    production.audit.anchor_file = _anchor_file()
    report = _verify(engine, settings=production)
    assert not report.ok and not report.anchors.ok
    assert "no anchor key is configured" in (report.anchors.reason or "")


# --- the copy in syslog ------------------------------------------------------------------


@pytest.fixture
def syslog_receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def test_anchors_also_go_to_syslog_and_that_copy_outlives_the_file(
    engine: Engine, syslog_receiver: socket.socket, tmp_path: Path
) -> None:
    port = syslog_receiver.getsockname()[1]
    settings = Settings()
    settings.audit.anchor_syslog = f"127.0.0.1:{port}"
    _append(engine, 3)
    written = _anchor(engine, settings).written
    assert written is not None
    message = syslog_receiver.recv(4096).decode()
    assert message.startswith("<86>haven-audit-anchor: {")  # authpriv.info
    assert audit.parse_syslog_line(message) == written.line
    copy = tmp_path / "collected-from-syslog.log"
    copy.write_text(f"Dec  4 09:00:00 app1 {message[4:]}\n")
    # The insider wipes the log, resets the head and removes the local anchor file ...
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))
    _set_head(engine, 0)
    _anchor_file().unlink()
    assert _verify(engine).ok  # ... which the local view can no longer tell,
    report = _verify(engine, anchor_files=[copy])  # but the syslog copy can.
    assert not report.ok and "ends at row 0" in (report.reason or "")


def test_a_syslog_that_cannot_be_reached_is_reported_and_the_file_still_written(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings()
    settings.audit.anchor_syslog = str(tmp_path / "no-such-socket")
    _append(engine, 1)
    outcome = _anchor(engine, settings)
    assert outcome.written is not None and outcome.syslog_error is not None
    assert len(_lines()) == 1 and _verify(engine).ok

"""Writing anchors: the chain's head, written outside the database.

**Anchors.** A keyed chain still cannot tell that rows were removed from its end (the head
moved back), or that the whole log was wiped and the head reset: what is left is a valid,
shorter chain. So the head is also written outside the database. :func:`write_anchor`
(``haven audit anchor``, and the periodic jobs every ``HAVEN_AUDIT_ANCHOR_INTERVAL_SECONDS``)
first appends a row ``audit.anchored`` naming the anchor's writer (``HAVEN_AUDIT_ANCHOR_NAME``,
the host name by default), then appends to the anchor file (``HAVEN_AUDIT_ANCHOR_FILE``:
JSON lines, opened ``O_APPEND`` and written under an exclusive ``flock`` on a sibling
``.lock`` file, so processes on one host append whole lines one after the other) a
checkpoint: format version, name, sequence number and MAC of that row (the head), time, the
signing key's id, and an Ed25519 signature over the rest. It also sends the line to syslog
when ``HAVEN_AUDIT_ANCHOR_SYSLOG`` is set, for a copy out of this host's reach. When nothing
but anchor rows was added since this writer's last anchor, it writes nothing. The writer
refuses to anchor a chain that no longer holds what it anchored last (that is evidence,
not something to paper over).

What a line holds and how it is signed: :mod:`haven.core.audit.anchor_lines`.
"""

from __future__ import annotations

import fcntl
import hmac
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.core import clock
from haven.core.audit.anchor_lines import (
    ANCHOR_ACTION,
    ANCHOR_OBJECT_TYPE,
    Anchor,
    BadAnchorLine,
    anchor_object_id,
    make_anchor,
    parse_anchor,
    send_to_syslog,
)
from haven.core.audit.chain import _LOCK_HEAD, record_event
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.core.settings import ConfigurationError, Settings, get_settings

log = logging.getLogger("haven.audit")


class AnchorRefused(Exception):
    """The chain no longer holds what this writer anchored last: nothing was anchored."""


@contextmanager
def _anchor_lock(anchor_file: Path, *, exclusive: bool) -> Iterator[None]:
    """``flock`` on ``<anchor file>.lock``: the writer holds it exclusively from taking the
    head to the line's fsync; the verifier shares it while reading the file and the head."""
    lock_path = anchor_file.with_name(anchor_file.name + ".lock")
    try:
        anchor_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        if exclusive:
            raise
        # A verifier that may not write beside the file (a read-only copy): no writer there.
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


def _append_lines(anchor_file: Path, lines: Sequence[str]) -> None:
    """Whole lines with O_APPEND, one write each, then fsync: under the lock, nothing
    interleaves; a crash can at worst cut the last line short (verification says so)."""
    fd = os.open(anchor_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        for line in lines:
            data = (line + "\n").encode()
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"short write to the anchor file ({written} of {len(data)} bytes)")
        os.fsync(fd)
    finally:
        os.close(fd)


def _last_own_anchor(path: Path, name: str, public_key: Ed25519PublicKey) -> Anchor | None:
    """The last valid line this writer wrote, read backwards from the end of the file."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        pos = handle.seek(0, os.SEEK_END)
        carry = b""
        while pos > 0:
            step = min(65536, pos)
            pos -= step
            handle.seek(pos)
            lines = (handle.read(step) + carry).split(b"\n")
            carry = lines.pop(0) if pos > 0 else b""
            for raw in reversed(lines):
                text = raw.decode("utf-8", "replace").strip()
                if not text:
                    continue
                try:
                    anchor = parse_anchor(text, public_key)
                except BadAnchorLine:
                    continue
                if anchor.name == name:
                    return anchor
    return None


@dataclass(frozen=True)
class AnchorOutcome:
    written: Anchor | None
    repaired: Anchor | None  # a line written again for an anchor row whose line was lost
    note: str
    syslog_error: str | None = None


def write_anchor(
    engine: Engine, *, settings: Settings | None = None, only_if_due: bool = False
) -> AnchorOutcome:
    """Anchor the chain's head outside the database (see the module docstring).

    Raises :class:`AnchorRefused` when the chain contradicts this writer's last anchor, and
    ``ConfigurationError`` when no signing key is configured."""
    settings = settings or get_settings()
    config = settings.audit
    private_key = settings.audit_anchor_signing_key()
    if private_key is None:
        raise ConfigurationError(
            "HAVEN_AUDIT_ANCHOR_SIGNING_KEY is not set: this process cannot anchor."
        )
    public_key = private_key.public_key()
    path = config.anchor_file
    assert path is not None  # filled in by Settings
    name = config.anchor_name
    object_id = anchor_object_id(name)
    lines: list[Anchor] = []
    repaired = written = None
    note = "written"
    with _anchor_lock(path, exclusive=True):
        last_line = _last_own_anchor(path, name, public_key)
        with new_session(engine) as session:
            conn = session.connection()
            head_seq, _ = conn.execute(_LOCK_HEAD).one()  # appenders wait from here to commit
            if last_line is not None:
                if last_line.seq > head_seq:
                    raise AnchorRefused(
                        f"the chain ends at row {head_seq} but was anchored at row "
                        f"{last_line.seq}: rows were removed; run `haven audit verify`"
                    )
                row = session.get(AuditEvent, last_line.seq)
                if row is None or not hmac.compare_digest(row.hash, last_line.mac):
                    raise AnchorRefused(
                        f"row {last_line.seq} no longer matches its anchor: the chain was "
                        "rewritten; run `haven audit verify`"
                    )
            last_row = session.exec(
                select(AuditEvent)
                .where(
                    col(AuditEvent.object_type) == ANCHOR_OBJECT_TYPE,
                    col(AuditEvent.object_id) == object_id,
                    col(AuditEvent.action) == ANCHOR_ACTION,
                )
                .order_by(col(AuditEvent.seq).desc())
                .limit(1)
            ).first()
            now = clock.now()
            if last_row is not None and (last_line is None or last_line.seq < last_row.seq):
                # The row committed but its line was never written (a crash between the two).
                repaired = make_anchor(
                    private_key, name=name, seq=last_row.seq, mac=last_row.hash, at=now
                )
                lines.append(repaired)
            since = last_row.seq if last_row is not None else 0
            changed = session.exec(
                select(AuditEvent.seq)
                .where(col(AuditEvent.seq) > since, col(AuditEvent.action) != ANCHOR_ACTION)
                .limit(1)
            ).first()
            interval = timedelta(seconds=config.anchor_interval_seconds)
            if head_seq == 0:
                note = "the chain is empty"
            elif changed is None:
                note = "nothing changed since the last anchor"
            elif only_if_due and last_row is not None and now - last_row.occurred_at < interval:
                note = "not due yet"
            else:
                event = record_event(
                    session,
                    None,
                    action=ANCHOR_ACTION,
                    object_type=ANCHOR_OBJECT_TYPE,
                    object_id=object_id,
                    detail={"name": name},
                )
                written = make_anchor(private_key, name=name, seq=event.seq, mac=event.hash, at=now)
                lines.append(written)
            session.commit()  # the anchor row, or nothing (releases the head)
        if lines:
            _append_lines(path, [anchor.line for anchor in lines])
    syslog_error = None
    address = config.syslog_address()
    if address is not None:
        for anchor in lines:
            try:
                send_to_syslog(address, anchor.line)
            except OSError as exc:
                syslog_error = f"{type(exc).__name__}: {exc.strerror or exc}"
                log.error("sending an audit anchor to syslog failed: %s", syslog_error)
    return AnchorOutcome(written=written, repaired=repaired, note=note, syslog_error=syslog_error)


def anchor_if_due(engine: Engine) -> int:
    """The periodic job: anchor when the interval has passed and the chain changed (1 when
    a line was written)."""
    settings = get_settings()
    if settings.audit.anchor_interval_seconds <= 0:
        return 0
    outcome = write_anchor(engine, settings=settings, only_if_due=True)
    return 1 if outcome.written is not None or outcome.repaired is not None else 0

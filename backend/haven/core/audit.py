"""The audit log: append-only, chained under a key, and anchored outside the database.

**The keyed chain.** Every row carries ``hash = HMAC-SHA256(key, prev_hash + content)``,
where ``content`` is the canonical JSON of the row (sequence number, id, time, actor,
action, object, request id, and ``detail`` when present) and ``key`` is
``HAVEN_AUDIT_KEY``. The key is never stored in the database: someone who can write to the
database but does not hold the key cannot append a row, or edit one and recompute the links
after it, without verification finding the first row whose link does not check. Outside
production the key, when unset, is derived with HKDF from the secret key; production refuses
to start without a key of its own (``Settings.check_safe_to_serve``), so that rotating the
token-signing key never touches the chain. Appenders first take the write lock on the single
``audit_head`` row (an UPDATE: row lock on PostgreSQL, the database write lock on SQLite), so
concurrent transactions extend the chain one after the other and never fork it.

**Rows written before the key.** Until migration 0010 the links were plain SHA-256. That
migration checks the unkeyed chain, re-links every stored row under the key, and appends one
row ``audit.chain_keyed`` whose ``detail`` says how many rows it re-linked, what the unkeyed
head was and whether the unkeyed chain verified (and where it broke if not). One scheme
for every row keeps verification simple, and the re-linking cannot hide an earlier edit
without a keyed row saying so.

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

Ed25519 rather than an HMAC, so that checking anchors needs only the public key
(``HAVEN_AUDIT_ANCHOR_PUBLIC_KEY``): an outside verifier, or API processes of a deployment
where one host alone anchors (interval 0 elsewhere), hold no key that can forge an anchor.

**Verification** (:func:`verify_audit_log`: ``haven audit verify``, GET /api/v1/audit/verify)
checks every link with the key, the head, and every anchor line: its signature, that the chain
still reaches its sequence number (else rows were removed from the end, or the log was wiped
and restarted), that the row there carries its MAC (else the chain was rewritten, even by
someone holding the key), and that every anchor the chain records for this writer (and for
every writer the file names) has its line (else the file was cut, replaced or removed). The
verifier takes a shared lock on the anchor file while it reads it and the head, so an anchor
being written is seen whole or not at all.

**What it does not protect against.** Someone holding the key and the database can rewrite
everything after the last anchor; someone who can also rewrite the anchor file (and holds
the signing key, or removes lines and rows together) can roll both back to an earlier
anchor. The syslog copy on another host, or an append-only file (``chattr +a``), is what
protects the anchors themselves. Verification checks the anchor file it is given, not syslog:
lines collected from syslog are checked with ``haven audit verify --anchor-file``.

Services call :func:`record_event` for every read of an identified confidential record and
every change of one. Rows name the actor and the object, never content.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import hmac
import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.db import new_session
from haven.core.logging import current_request_id
from haven.core.models import AuditEvent, AuditHead
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.settings import ConfigurationError, Settings, get_settings

log = logging.getLogger("haven.audit")

GENESIS_HASH = "0" * 64
HEAD_ID = 1
ANCHOR_ACTION = "audit.anchored"
ANCHOR_OBJECT_TYPE = "audit_anchor"
CHAIN_KEYED_ACTION = "audit.chain_keyed"  # written by migration 0010
ANCHOR_FORMAT = 1
_ANCHOR_NAMESPACE = uuid.UUID("6f1c1f5e-3a55-4b7e-9a43-2d0f8e1b7c11")
_ANCHOR_SIGNED_PREFIX = b"haven.audit.anchor.v1\n"
_ANCHOR_FIELDS = frozenset({"v", "name", "seq", "mac", "at", "key", "sig"})
_SYSLOG_TAG = "haven-audit-anchor"
_SYSLOG_PRI = 10 * 8 + 6  # facility authpriv, severity info

_head = AuditHead.__table__  # type: ignore[attr-defined]
_events = AuditEvent.__table__  # type: ignore[attr-defined]
# The UPDATE takes the lock and RETURNING reads the tip under it (SQLite >= 3.35, PostgreSQL).
_CLAIM_NEXT = (
    sa.update(_head)
    .where(_head.c.id == HEAD_ID)
    .values(last_seq=_head.c.last_seq + 1)
    .returning(_head.c.last_seq, _head.c.last_hash)
)
_LOCK_HEAD = (
    sa.update(_head)
    .where(_head.c.id == HEAD_ID)
    .values(last_seq=_head.c.last_seq)
    .returning(_head.c.last_seq, _head.c.last_hash)
)
_READ_HEAD = sa.select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == HEAD_ID)
_INSERT_EVENT = sa.insert(_events)
_SET_HEAD_HASH = sa.update(_head).where(_head.c.id == HEAD_ID).values(last_hash=sa.bindparam("h"))
# One statement, one snapshot: rows a concurrent append adds come with their head.
_ROWS_BEYOND_HEAD = (
    sa.select(sa.func.count())
    .select_from(_events.join(_head, _head.c.id == HEAD_ID))
    .where(_events.c.seq > _head.c.last_seq)
)


def _content(
    *,
    seq: int,
    event_id: uuid.UUID,
    occurred_at: datetime,
    actor_type: str,
    actor_id: uuid.UUID | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | None,
    request_id: str | None,
    detail: Mapping[str, Any] | None = None,
) -> str:
    content: dict[str, Any] = {
        "seq": seq,
        "id": event_id.hex,
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor_type": actor_type,
        "actor_id": actor_id.hex if actor_id else None,
        "action": action,
        "object_type": object_type,
        "object_id": object_id.hex if object_id else None,
        "request_id": request_id,
    }
    # Rows without a detail hash exactly as they did before the column existed.
    if detail is not None:
        content["detail"] = detail
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def _link_hash(prev_hash: str, content: str, key: bytes) -> str:
    return hmac.new(key, (prev_hash + content).encode(), hashlib.sha256).hexdigest()


def _row_content(row: AuditEvent) -> str:
    return _content(
        seq=row.seq,
        event_id=row.id,
        occurred_at=row.occurred_at,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        request_id=row.request_id,
        detail=row.detail,
    )


def row_hash(row: AuditEvent, *, key: bytes | None = None) -> str:
    """The link ``row`` should carry: its MAC under ``key`` (by default the configured one)."""
    return _link_hash(row.prev_hash, _row_content(row), key or get_settings().audit_key())


@dataclass(frozen=True)
class RecordedEvent:
    seq: int
    id: uuid.UUID
    occurred_at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: uuid.UUID | None
    request_id: str | None
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str


def record_event(
    session: Session,
    actor: Principal | None,
    *,
    action: str,
    object_type: str,
    object_id: uuid.UUID | None,
    detail: Mapping[str, Any] | None = None,
) -> RecordedEvent:
    """Append one event to the chain inside the caller's transaction. ``detail`` says what
    changed when the action alone does not (JSON values; never free text or content)."""
    key = get_settings().audit_key()  # before the lock: a missing key must not hold it
    # Taking the next number is the head's write lock (see the module docstring); plain
    # Core statements, not ORM units of work: every audited request pays for this.
    conn = session.connection()
    seq, prev_hash = conn.execute(_CLAIM_NEXT).one()
    actor_type, actor_id = actor.audit_identity() if actor else ("system", None)
    event_id = uuid.uuid4()
    occurred_at = clock.now()
    request_id = current_request_id()
    digest = _link_hash(
        prev_hash,
        _content(
            seq=seq,
            event_id=event_id,
            occurred_at=occurred_at,
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            request_id=request_id,
            detail=detail,
        ),
        key,
    )
    values = {
        "seq": seq,
        "id": event_id,
        "occurred_at": occurred_at,
        "actor_type": actor_type,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "request_id": request_id,
        "detail": dict(detail) if detail is not None else None,
        "prev_hash": prev_hash,
        "hash": digest,
    }
    conn.execute(_INSERT_EVENT, values)
    conn.execute(_SET_HEAD_HASH, {"h": digest})
    return RecordedEvent(**values)


# --- verifying the chain -------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str | None


@dataclass(frozen=True)
class _AnchorRow:
    """A row ``audit.anchored``: the chain's own record that a writer anchored it there."""

    seq: int
    name: str
    occurred_at: datetime


@dataclass(frozen=True)
class _Walk:
    report: ChainReport
    macs: dict[int, str]  # the MACs of verified rows that anchors name
    anchor_rows: list[_AnchorRow]  # in the verified part of the chain


def _rows(session: Session, *, up_to: int, batch: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.seq) > last, col(AuditEvent.seq) <= up_to)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _anchor_row(row: AuditEvent) -> _AnchorRow | None:
    if row.action != ANCHOR_ACTION or row.object_type != ANCHOR_OBJECT_TYPE:
        return None
    name = (row.detail or {}).get("name")
    return _AnchorRow(row.seq, name, row.occurred_at) if isinstance(name, str) else None


def _walk(session: Session, key: bytes, head: tuple[int, str] | None, wanted: set[int]) -> _Walk:
    """Check every link up to the head read before (rows a concurrent append adds later
    belong to a later head), collecting what the anchors need."""
    macs: dict[int, str] = {}
    anchor_rows: list[_AnchorRow] = []

    def done(ok: bool, checked: int, broken: int | None, reason: str | None) -> _Walk:
        return _Walk(ChainReport(ok, checked, broken, reason), macs, anchor_rows)

    if head is None:
        return done(False, 0, None, "the chain head is missing")
    head_seq, head_hash = head
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in _rows(session, up_to=head_seq):
        if row.seq != expected_seq:
            return done(False, checked, expected_seq, f"row {expected_seq} is missing")
        if row.prev_hash != expected_prev:
            return done(False, checked, row.seq, "the link to the previous row is broken")
        if not hmac.compare_digest(_link_hash(row.prev_hash, _row_content(row), key), row.hash):
            return done(
                False,
                checked,
                row.seq,
                "the row's content does not match its keyed hash (edited, or written "
                "without the audit key)",
            )
        if row.seq in wanted:
            macs[row.seq] = row.hash
        marker = _anchor_row(row)
        if marker is not None:
            anchor_rows.append(marker)
        expected_prev = row.hash
        expected_seq += 1
        checked += 1
    if head_seq != checked or head_hash != expected_prev:
        return done(False, checked, checked + 1, "rows at the end of the chain are missing")
    beyond = session.execute(_ROWS_BEYOND_HEAD).scalar_one()
    if beyond:
        return done(
            False,
            checked,
            checked + 1,
            f"{beyond} row(s) lie beyond the chain's head (added without extending the chain)",
        )
    return done(True, checked, None, None)


def _read_head(session: Session) -> tuple[int, str] | None:
    head = session.execute(_READ_HEAD).one_or_none()
    return (head.last_seq, head.last_hash) if head is not None else None


def verify_chain(session: Session) -> ChainReport:
    """Every link checked with the audit key, and the head; no anchors (see
    :func:`verify_audit_log`)."""
    return _walk(session, get_settings().audit_key(), _read_head(session), set()).report


# --- anchors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A signed checkpoint of the chain's head, as one line of the anchor file."""

    name: str
    seq: int
    mac: str
    at: datetime
    key_id: str
    line: str


class AnchorRefused(Exception):
    """The chain no longer holds what this writer anchored last: nothing was anchored."""


def anchor_key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of the anchor key, written in every line."""
    return hashlib.sha256(public_key.public_bytes_raw()).hexdigest()[:16]


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def anchor_object_id(name: str) -> uuid.UUID:
    """The object id of a writer's ``audit.anchored`` rows (indexed, so its last is cheap)."""
    return uuid.uuid5(_ANCHOR_NAMESPACE, name)


def _signed_bytes(body: Mapping[str, Any]) -> bytes:
    return (
        _ANCHOR_SIGNED_PREFIX
        + json.dumps(dict(body), sort_keys=True, separators=(",", ":")).encode()
    )


def make_anchor(
    private_key: Ed25519PrivateKey, *, name: str, seq: int, mac: str, at: datetime
) -> Anchor:
    kid = anchor_key_id(private_key.public_key())
    at_text = at.isoformat(timespec="microseconds")
    body = {"v": ANCHOR_FORMAT, "name": name, "seq": seq, "mac": mac, "at": at_text, "key": kid}
    signature = encode_key(private_key.sign(_signed_bytes(body)))
    line = json.dumps({**body, "sig": signature}, sort_keys=True, separators=(",", ":"))
    return Anchor(name=name, seq=seq, mac=mac, at=at, key_id=kid, line=line)


class BadAnchorLine(Exception):
    """An anchor line that is not one, or whose signature does not check."""


def parse_anchor(text: str, public_key: Ed25519PublicKey) -> Anchor:
    """One anchor line, its signature checked; :class:`BadAnchorLine` says what is wrong."""
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise BadAnchorLine("is not JSON (edited, or a write cut short)") from exc
    if not isinstance(obj, dict) or set(obj) != _ANCHOR_FIELDS or obj["v"] != ANCHOR_FORMAT:
        raise BadAnchorLine("is not a version-1 anchor")
    name, seq, mac, at_text, kid, sig = (
        obj["name"],
        obj["seq"],
        obj["mac"],
        obj["at"],
        obj["key"],
        obj["sig"],
    )
    if not (
        isinstance(name, str)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 1
        and isinstance(mac, str)
        and len(mac) == 64
        and isinstance(at_text, str)
        and isinstance(kid, str)
        and isinstance(sig, str)
    ):
        raise BadAnchorLine("is not a version-1 anchor")
    expected_kid = anchor_key_id(public_key)
    if kid != expected_kid:
        raise BadAnchorLine(
            f"is signed with another key (key id {kid}; this verifier holds {expected_kid})"
        )
    body = {k: v for k, v in obj.items() if k != "sig"}
    try:
        public_key.verify(_b64decode(sig), _signed_bytes(body))
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise BadAnchorLine("has a signature that does not check (the line was edited)") from exc
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError as exc:  # pragma: no cover - signed lines carry the time we wrote
        raise BadAnchorLine("has no valid time") from exc
    return Anchor(name=name, seq=seq, mac=mac, at=at, key_id=kid, line=text)


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


def send_to_syslog(address: str | tuple[str, int], line: str) -> None:
    """One RFC 3164-style datagram (authpriv.info): a local socket or UDP."""
    message = f"<{_SYSLOG_PRI}>{_SYSLOG_TAG}: {line}".encode()
    if isinstance(address, str):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.send(message)
        return
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.sendto(message, address)


def parse_syslog_line(text: str) -> str | None:
    """The anchor line inside a syslog message this module sent (None if it is not one)."""
    marker = f"{_SYSLOG_TAG}: "
    at = text.find(marker)
    return text[at + len(marker) :].strip() if at >= 0 else None


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


# --- verifying chain and anchors -----------------------------------------------------------


@dataclass(frozen=True)
class AnchorReport:
    ok: bool
    checked: int  # anchor lines compared with the chain
    last_seq: int | None
    last_at: datetime | None
    unanchored_rows: int  # rows after the last anchor: what no anchor protects yet
    first_broken_seq: int | None
    reason: str | None


@dataclass(frozen=True)
class AuditReport:
    chain: ChainReport
    anchors: AnchorReport

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.anchors.ok

    @property
    def reason(self) -> str | None:
        return self.chain.reason or self.anchors.reason

    @property
    def first_broken_seq(self) -> int | None:
        if self.chain.first_broken_seq is not None:
            return self.chain.first_broken_seq
        return self.anchors.first_broken_seq


@dataclass
class _Loaded:
    anchors: list[Anchor]
    problem: str | None = None
    missing: bool = False


def _load_anchors(paths: Sequence[Path], public_key: Ed25519PublicKey | None) -> _Loaded:
    loaded = _Loaded(anchors=[])
    if public_key is None:
        loaded.problem = (
            "no anchor key is configured (HAVEN_AUDIT_ANCHOR_PUBLIC_KEY), so no anchor can be "
            "checked"
        )
        return loaded
    found = 0
    for path in paths:
        label = f" of {path.name}" if len(paths) > 1 else ""
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            continue
        found += 1
        with handle:
            for number, raw in enumerate(handle, start=1):
                text = raw.decode("utf-8", "replace").strip()
                if not text:
                    continue
                text = parse_syslog_line(text) or text  # a line collected from syslog
                try:
                    loaded.anchors.append(parse_anchor(text, public_key))
                except BadAnchorLine as exc:
                    loaded.problem = loaded.problem or f"anchor line {number}{label} {exc}"
    loaded.missing = found == 0
    return loaded


def _when(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _check_anchors(walk: _Walk, loaded: _Loaded, own_name: str) -> AnchorReport:
    problems: list[tuple[str, int | None]] = []
    if loaded.problem:
        problems.append((loaded.problem, None))
    verified = walk.report.checked
    checked = 0
    last_match = 0
    for anchor in sorted(loaded.anchors, key=lambda a: a.seq):
        if anchor.seq > verified:
            if walk.report.ok:
                problems.append(
                    (
                        f"the anchor of {_when(anchor.at)} says the chain reached row "
                        f"{anchor.seq}, but it ends at row {verified}: rows were removed from "
                        "its end, or it was wiped and started again",
                        verified + 1,
                    )
                )
            continue  # else the chain's own break is the reason
        checked += 1
        if hmac.compare_digest(walk.macs.get(anchor.seq, ""), anchor.mac):
            last_match = max(last_match, anchor.seq)
        else:
            problems.append(
                (
                    f"row {anchor.seq} does not match the anchor of {_when(anchor.at)}: the "
                    f"chain was rewritten between row {last_match + 1} and row {anchor.seq}",
                    last_match + 1,
                )
            )
    held = {(a.name, a.seq) for a in loaded.anchors}
    names = {own_name} | {a.name for a in loaded.anchors}
    lost = [r for r in walk.anchor_rows if r.name in names and (r.name, r.seq) not in held]
    if lost:
        first = lost[0]
        where = f"the first at row {first.seq} by {first.name} ({_when(first.occurred_at)})"
        if loaded.missing:
            reason = (
                f"the anchor file is missing, yet the chain records {len(lost)} anchor(s), {where}"
            )
        else:
            reason = (
                f"the anchor file lacks {len(lost)} anchor(s) the chain records, {where}: "
                "lines were removed or the file was replaced"
            )
        problems.append((reason, None))
    last = max(loaded.anchors, key=lambda a: (a.seq, a.at), default=None)
    covered = min(last.seq, verified) if last is not None else 0
    return AnchorReport(
        ok=not problems,
        checked=checked,
        last_seq=last.seq if last is not None else None,
        last_at=last.at if last is not None else None,
        unanchored_rows=max(verified - covered, 0),
        first_broken_seq=problems[0][1] if problems else None,
        reason=problems[0][0] if problems else None,
    )


def verify_audit_log(
    session: Session,
    *,
    settings: Settings | None = None,
    anchor_files: Sequence[Path] | None = None,
    public_key: Ed25519PublicKey | None = None,
) -> AuditReport:
    """The chain checked with the key, and against every anchor. ``anchor_files`` replaces
    the configured file (e.g. lines collected from syslog); ``public_key`` the configured
    key."""
    settings = settings or get_settings()
    key = settings.audit_key()
    public_key = public_key or settings.audit_anchor_public_key()
    configured = settings.audit.anchor_file
    assert configured is not None  # filled in by Settings
    if anchor_files is None:
        # Shared with the writer: the file and the head are read at one moment, so an anchor
        # being written (its row committed, its line not yet) is not mistaken for a lost one.
        with _anchor_lock(configured, exclusive=False):
            loaded = _load_anchors([configured], public_key)
            head = _read_head(session)
    else:
        loaded = _load_anchors(list(anchor_files), public_key)
        head = _read_head(session)
    walk = _walk(session, key, head, {a.seq for a in loaded.anchors})
    return AuditReport(walk.report, _check_anchors(walk, loaded, settings.audit.anchor_name))


def list_events(
    session: Session,
    *,
    params: PageParams,
    object_type: str | None = None,
    object_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
) -> tuple[list[AuditEvent], str | None]:
    """Newest first."""
    stmt = select(AuditEvent)
    if object_type is not None:
        stmt = stmt.where(col(AuditEvent.object_type) == object_type)
    if object_id is not None:
        stmt = stmt.where(col(AuditEvent.object_id) == object_id)
    if actor_id is not None:
        stmt = stmt.where(col(AuditEvent.actor_id) == actor_id)
    if action is not None:
        stmt = stmt.where(col(AuditEvent.action) == action)
    return paginate(session, stmt, keys=[col(AuditEvent.seq)], params=params, descending=True)

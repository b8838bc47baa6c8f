"""The audit log: append-only and hash-chained.

Every row carries ``hash = sha256(prev_hash + canonical(content))``. Appenders first take
the write lock on the single ``audit_head`` row (an UPDATE: row lock on PostgreSQL, the
database write lock on SQLite), so concurrent transactions extend the chain one after the
other and never fork it. :func:`verify_chain` recomputes the chain and reports the first
row that was edited, removed or re-ordered.

Services call :func:`record_event` for every read of an identified confidential record and
every change of one. Rows name the actor and the object, never content.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.logging import current_request_id
from haven.core.models import AuditEvent, AuditHead
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal

GENESIS_HASH = "0" * 64
HEAD_ID = 1

_head = AuditHead.__table__  # type: ignore[attr-defined]
# The UPDATE takes the lock and RETURNING reads the tip under it (SQLite >= 3.35, PostgreSQL).
_CLAIM_NEXT = (
    sa.update(_head)
    .where(_head.c.id == HEAD_ID)
    .values(last_seq=_head.c.last_seq + 1)
    .returning(_head.c.last_seq, _head.c.last_hash)
)
_INSERT_EVENT = sa.insert(AuditEvent.__table__)  # type: ignore[attr-defined]
_SET_HEAD_HASH = sa.update(_head).where(_head.c.id == HEAD_ID).values(last_hash=sa.bindparam("h"))


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


def _link_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def row_hash(row: AuditEvent) -> str:
    return _link_hash(
        row.prev_hash,
        _content(
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
        ),
    )


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


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str | None


def _rows(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.seq) > last)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(session: Session) -> ChainReport:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in _rows(session):
        if row.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"row {expected_seq} is missing")
        if row.prev_hash != expected_prev:
            return ChainReport(False, checked, row.seq, "the link to the previous row is broken")
        if row_hash(row) != row.hash:
            return ChainReport(False, checked, row.seq, "the row's content does not match its hash")
        expected_prev = row.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditHead, HEAD_ID)
    if head is None:
        return ChainReport(False, checked, None, "the chain head is missing")
    if head.last_seq != checked or head.last_hash != expected_prev:
        return ChainReport(False, checked, checked + 1, "rows at the end of the chain are missing")
    return ChainReport(True, checked, None, None)


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

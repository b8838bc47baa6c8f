"""The keyed chain: every audit row, linked to the one before it under a key.

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
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
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
from haven.core.settings import get_settings

GENESIS_HASH = "0" * 64
HEAD_ID = 1

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

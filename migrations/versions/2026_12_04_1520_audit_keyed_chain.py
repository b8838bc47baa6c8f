"""audit chain keyed and anchored: every stored row re-linked under HAVEN_AUDIT_KEY

Rows written before this revision were linked with plain SHA-256, which anyone holding the
database can recompute. This revision checks that unkeyed chain, re-links every stored row
with HMAC-SHA256 under the audit key (read from Haven's settings: ``HAVEN_AUDIT_KEY``, or
outside production the key derived from the secret key; production without the key stops
here with a configuration error), and, when there was anything to re-link, appends one row
``audit.chain_keyed`` whose detail says how many rows were re-linked, what the unkeyed head
was, and whether the unkeyed chain verified (where it broke if not). Re-linking a chain that
was already broken therefore cannot hide the break: a keyed row says so, and a missing row
stays missing (the sequence numbers are kept). A row that some earlier migration already
wrote under the key counts as intact. No schema change.

The link and the row content are computed here as they were at this revision (a frozen copy
of ``haven.core.audit``'s canonical form), so later changes to that module do not change
what this migration does.

Downgrade re-links every row with plain SHA-256 again, so the code before this revision
verifies it; the ``audit.chain_keyed`` row stays, as an ordinary row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:20:00
"""

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import haven.core.types
from haven.core.settings import get_settings

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64
HEAD_ID = 1
BATCH = 1000
log = logging.getLogger("alembic.runtime.migration")

_events = sa.table(
    "audit_events",
    sa.column("seq", sa.Integer),
    sa.column("id", sa.Uuid),
    sa.column("occurred_at", haven.core.types.UTCDateTime()),
    sa.column("actor_type", sa.String),
    sa.column("actor_id", sa.Uuid),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Uuid),
    sa.column("request_id", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
_head = sa.table(
    "audit_head",
    sa.column("id", sa.Integer),
    sa.column("last_seq", sa.Integer),
    sa.column("last_hash", sa.String),
)

Link = Callable[[str, str], str]


def _content(row: Any) -> str:
    content: dict[str, Any] = {
        "seq": row.seq,
        "id": row.id.hex,
        "occurred_at": row.occurred_at.isoformat(timespec="microseconds"),
        "actor_type": row.actor_type,
        "actor_id": row.actor_id.hex if row.actor_id else None,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id.hex if row.object_id else None,
        "request_id": row.request_id,
    }
    if row.detail is not None:
        content["detail"] = row.detail
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


class _Row:
    """Attribute access to a dict, for :func:`_content`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _unkeyed(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def _keyed(key: bytes) -> Link:
    def link(prev_hash: str, content: str) -> str:
        return hmac.new(key, (prev_hash + content).encode(), hashlib.sha256).hexdigest()

    return link


def _relink(conn: sa.Connection, new: Link, old: Sequence[Link]) -> dict[str, Any]:
    """Re-link every row with ``new``; check the stored links against any of ``old``."""
    expected_seq, expected_prev, new_prev = 1, GENESIS_HASH, GENESIS_HASH
    broken: tuple[int, str] | None = None
    count, last = 0, 0
    update = (
        sa.update(_events)
        .where(_events.c.seq == sa.bindparam("s"))
        .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h"))
    )
    while True:
        rows = conn.execute(
            sa.select(_events).where(_events.c.seq > last).order_by(_events.c.seq).limit(BATCH)
        ).all()
        if not rows:
            break
        changes = []
        for row in rows:
            content = _content(row)
            if broken is None:
                if row.seq != expected_seq:
                    broken = (expected_seq, f"row {expected_seq} is missing")
                elif row.prev_hash != expected_prev:
                    broken = (row.seq, "the link to the previous row is broken")
                elif all(link(row.prev_hash, content) != row.hash for link in old):
                    broken = (row.seq, "the row's content does not match its hash")
            expected_seq, expected_prev = row.seq + 1, row.hash
            new_hash = new(new_prev, content)
            changes.append({"s": row.seq, "p": new_prev, "h": new_hash})
            new_prev = new_hash
            count, last = count + 1, row.seq
        conn.execute(update, changes)
    head = conn.execute(
        sa.select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == HEAD_ID)
    ).one()
    if broken is None and (head.last_seq != last or head.last_hash != expected_prev):
        broken = (last + 1, "rows at the end of the chain are missing")
    return {
        "count": count,
        "last_seq": last,
        "last_hash": new_prev,
        "old_head_seq": head.last_seq,
        "old_head_hash": head.last_hash,
        "broken": broken,
    }


def _set_head(conn: sa.Connection, seq: int, digest: str) -> None:
    conn.execute(
        sa.update(_head).where(_head.c.id == HEAD_ID).values(last_seq=seq, last_hash=digest)
    )


def upgrade() -> None:
    conn = op.get_bind()
    key = get_settings().audit_key()
    keyed = _keyed(key)
    result = _relink(conn, keyed, [_unkeyed, keyed])
    if result["count"] == 0:
        return
    broken = result["broken"]
    if broken is not None:
        log.warning(
            "The unkeyed audit chain was broken at row %s (%s); it is re-linked under the key "
            "and the row audit.chain_keyed records the break.",
            broken[0],
            broken[1],
        )
    marker = {
        "seq": result["last_seq"] + 1,
        "id": uuid.uuid4(),
        "occurred_at": datetime.now(UTC),
        "actor_type": "system",
        "actor_id": None,
        "action": "audit.chain_keyed",
        "object_type": "audit_chain",
        "object_id": None,
        "request_id": None,
        "detail": {
            "relinked_rows": result["count"],
            "unkeyed_head_seq": result["old_head_seq"],
            "unkeyed_head_hash": result["old_head_hash"],
            "unkeyed_chain_verified": broken is None,
            "unkeyed_first_broken_seq": broken[0] if broken else None,
            "unkeyed_reason": broken[1] if broken else None,
        },
        "prev_hash": result["last_hash"],
    }
    marker["hash"] = keyed(result["last_hash"], _content(_Row(marker)))
    conn.execute(sa.insert(_events), [marker])
    _set_head(conn, marker["seq"], marker["hash"])


def downgrade() -> None:
    conn = op.get_bind()
    keyed = _keyed(get_settings().audit_key())
    result = _relink(conn, _unkeyed, [keyed, _unkeyed])
    if result["count"]:
        _set_head(conn, result["last_seq"], result["last_hash"])

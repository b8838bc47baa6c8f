"""Wire models of the audit log's API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from haven.core.schemas import ResponseModel


class AuditEventRead(ResponseModel):
    seq: int
    id: uuid.UUID
    occurred_at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: uuid.UUID | None
    request_id: str | None
    detail: dict[str, Any] | None = Field(
        default=None,
        description="What changed, when the action alone does not say it (e.g. a role "
        "change's roles before and after). Never content.",
    )
    prev_hash: str
    hash: str


class AuditVerification(ResponseModel):
    ok: bool = Field(
        description="True when every link of the chain checks out with the audit key and the "
        "chain agrees with every anchor."
    )
    checked: int = Field(description="Rows verified before the first break (or all of them).")
    first_broken_seq: int | None = Field(
        description="Sequence number of the first broken link, or of the first row an anchor "
        "shows was removed or rewritten."
    )
    reason: str | None = Field(description="Why verification failed (the first failure found).")
    chain_ok: bool = Field(description="True when every link checks out with the audit key.")
    anchors_ok: bool = Field(
        description="True when every anchor line is signed and agrees with the chain, and every "
        "anchor the chain records is in the anchor file."
    )
    anchors_checked: int = Field(description="Anchor lines compared with the chain.")
    last_anchor_seq: int | None = Field(
        description="The row the latest anchor names (null: no anchor yet)."
    )
    last_anchor_at: datetime | None = Field(description="When the latest anchor was written.")
    unanchored_rows: int = Field(
        description="Rows after the latest anchor: what no anchor protects yet."
    )
    anchor_reason: str | None = Field(description="Why the anchors do not agree with the chain.")

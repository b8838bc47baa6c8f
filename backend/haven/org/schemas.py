"""Wire models of the organisation domain."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from haven.auth.schemas import Profession, Role
from haven.core.schemas import RequestModel, ResponseModel


class DepartmentRead(ResponseModel):
    id: uuid.UUID
    name: str
    code: str
    is_active: bool
    version: int
    created_at: datetime


class DepartmentCreate(RequestModel):
    name: str = Field(min_length=1, max_length=120)
    code: str = Field(
        min_length=1,
        max_length=16,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Short code, letters, digits, - and _ (stored upper-case).",
    )

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class DepartmentUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    code: str | None = Field(default=None, min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
    is_active: bool | None = None

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class MeRead(ResponseModel):
    id: uuid.UUID
    email: str
    display_name: str
    roles: list[Role]
    department_id: uuid.UUID | None
    department_name: str | None
    profession: Profession
    is_active: bool


class OrganisationRead(ResponseModel):
    name: str
    time_zone: str
    allow_anonymous_without_account: bool
    version: int


class OrganisationUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    time_zone: str | None = Field(
        default=None, max_length=64, description="IANA zone, e.g. Europe/London."
    )
    allow_anonymous_without_account: bool | None = Field(
        default=None,
        description="Let people submit anonymous reports without signing in.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in zoneinfo.available_timezones():
            raise ValueError("not a known IANA time zone")
        return value


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

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
    ok: bool = Field(description="True when every link of the chain checks out.")
    checked: int = Field(description="Rows verified before the first break (or all of them).")
    first_broken_seq: int | None = Field(description="Sequence number of the first broken link.")
    reason: str | None

"""Wire models of the organisation domain."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from haven.auth.schemas import Profession, Role
from haven.core.schemas import RequestModel, ResponseModel


# The parts of the hospital's day staff work in: a report records the shift of its event,
# staffing is recorded per department, day and shift. (A comment, not a docstring: a
# docstring would become the enum's description in the OpenAPI document.)
class Shift(StrEnum):
    day = "day"
    evening = "evening"
    night = "night"


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


# --- the bulk import of people ---------------------------------------------------------------


class PeopleImportStatus(StrEnum):
    running = "running"
    done = "done"


class PeopleImportOutcome(StrEnum):
    pending = "pending"
    created = "created"
    updated = "updated"
    unchanged = "unchanged"
    failed = "failed"


class PeopleImportRead(ResponseModel):
    """A CSV file of people and how far its import has got."""

    id: uuid.UUID
    file_name: str
    status: PeopleImportStatus = Field(
        description="`running` while rows wait (continue it to work through the next batch); "
        "`done` once every row has its outcome."
    )
    source: str = Field(description="`web` (uploaded here) or `cli` (`haven users import`).")
    created_by_id: uuid.UUID | None
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    unchanged_count: int
    failed_count: int
    created_at: datetime
    finished_at: datetime | None
    version: int


class RowMessage(ResponseModel):
    field: str = Field(description="The column the message is about (`row` for the whole row).")
    message: str


class PeopleImportRowRead(ResponseModel):
    """One row's outcome, numbered as a spreadsheet numbers it (the header is row 1)."""

    row_number: int
    email: str | None = Field(description="The row's email cell, as given.")
    outcome: PeopleImportOutcome
    user_id: uuid.UUID | None
    messages: list[RowMessage] = Field(
        description="Why the row failed (each column that is wrong), or notes, such as "
        "privileged roles waiting for a second administrator."
    )

"""Organisation tables: the organisation's settings (one row), its departments, and the bulk
imports of people (a CSV file, worked through in batches; see :mod:`haven.org.people_import`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field, version_column

_department_version = version_column()
_organisation_version = version_column()
_import_version = version_column()

ORGANISATION_ID = 1


class Department(SQLModel, table=True):
    __tablename__ = "departments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    code: str = Field(max_length=16, unique=True)
    is_active: bool = True
    version: int = Field(default=1, sa_column=_department_version)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _department_version}


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int = Field(
        default=ORGANISATION_ID, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    name: str = Field(max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)
    allow_anonymous_without_account: bool = True
    version: int = Field(default=1, sa_column=_organisation_version)
    updated_at: datetime = utc_field()

    __mapper_args__ = {"version_id_col": _organisation_version}


class PeopleImport(SQLModel, table=True):
    """One CSV file of people, worked through a batch of rows at a time."""

    __tablename__ = "people_imports"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    file_name: str = Field(max_length=255)
    # "web" (an administrator's upload; they propose the privileged roles) or "cli" (the
    # operator's `haven users import`; created_by_id is then the --proposer, if any).
    source: str = Field(max_length=16)
    # "running" while rows wait; "done" once every row has its outcome.
    status: str = Field(max_length=16)
    total_rows: int = 0
    processed_rows: int = 0
    created_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    failed_count: int = 0
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    finished_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1, sa_column=_import_version)

    __mapper_args__ = {"version_id_col": _import_version}


class PeopleImportRow(SQLModel, table=True):
    """A row of an import: its cells until it is applied, then its outcome and messages."""

    __tablename__ = "people_import_rows"

    import_id: uuid.UUID = Field(
        foreign_key="people_imports.id", primary_key=True, ondelete="CASCADE"
    )
    # The row as a spreadsheet numbers it: the header is row 1.
    row_number: int = Field(primary_key=True)
    cells: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    email: str | None = Field(default=None, max_length=254)
    # "pending", then "created", "updated", "unchanged" or "failed".
    outcome: str = Field(max_length=16)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    messages: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)

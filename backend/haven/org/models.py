"""Organisation tables: the organisation's settings (one row) and its departments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from haven.core.types import utc_field, version_column

_department_version = version_column()
_organisation_version = version_column()

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

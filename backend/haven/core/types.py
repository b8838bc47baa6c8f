"""Portable column types and the metadata naming convention (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases.

    SQLite has no timezone type, so values are stored as naive UTC and come back aware.
    Naive values are refused on the way in: they are a bug, not a guess to make.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_field(*, nullable: bool = False, index: bool = False, default: Any = ...) -> Any:
    """A ``Field`` for a ``*_at`` column (timezone-aware UTC); optional ones default to ``None``."""
    if default is ...:
        default = None if nullable else ...
    return Field(
        default=default,
        sa_type=UTCDateTime(),
        nullable=nullable,
        index=index,
    )


def version_column() -> sa.Column[int]:
    """A fresh ``version`` column; pass it to ``Field(sa_column=...)`` and to
    ``__mapper_args__ = {"version_id_col": ...}`` so every UPDATE checks and bumps it
    (a concurrent writer that raced past If-Match still gets 412, not a lost update)."""
    return sa.Column("version", sa.Integer, nullable=False, default=1)

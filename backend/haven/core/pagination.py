"""Keyset pagination: ``?limit=`` (default 50, max 200) and an opaque ``cursor``.

The cursor encodes the sort key of the last row returned; the next page is the rows
strictly after it, so inserts elsewhere never shift or repeat a page, and no OFFSET or
COUNT(*) ever runs. Every list sorts on a key that ends with the primary key.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar, overload

import sqlalchemy as sa
from fastapi import Query
from pydantic import BaseModel, Field
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from haven.core.errors import BadRequest, field_error

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


async def page_params(  # async: pure, so no trip to the worker threads
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 200).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="Opaque cursor from `next_cursor`.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


def _encode_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return {"u": value.hex}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "u":
            return uuid.UUID(raw)
        if kind == "t":
            return datetime.fromisoformat(raw)
        if kind == "d":
            return date.fromisoformat(raw)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise ValueError("bad cursor value")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _matches(value: Any, expected: type) -> bool:
    if value is None:
        return False
    if expected is date:  # a datetime is a date too; a date column wants exactly a date
        return type(value) is date
    if expected is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if expected is int:
        return type(value) is int
    return isinstance(value, expected)


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    """The sort-key values a cursor carries, each checked against its column's type."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("wrong width")
        decoded = [_decode_value(v) for v in values]
        if not all(_matches(v, t) for v, t in zip(decoded, types, strict=True)):
            raise ValueError("wrong types")
        return decoded
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise BadRequest(
            "The cursor is not valid for this list.",
            errors=[field_error("cursor", "Not a cursor issued by this list.", "query")],
        ) from exc


def _python_type(column: Any) -> type:
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.String):  # SQLModel's AutoString would report ``object``
        return str
    try:
        return column_type.python_type  # type: ignore[no-any-return]
    except NotImplementedError:
        return object


@overload
def paginate(  # type: ignore[overload-overlap]  # SelectOfScalar is a Select; first match wins
    session: Session,
    stmt: SelectOfScalar[T],
    *,
    keys: Sequence[Any],
    params: PageParams,
    descending: bool = False,
    key_of: Callable[[T], Sequence[Any]] | None = None,
) -> tuple[list[T], str | None]: ...


@overload
def paginate(
    session: Session,
    stmt: sa.Select[Any],
    *,
    keys: Sequence[Any],
    params: PageParams,
    descending: bool = False,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
) -> tuple[list[sa.Row[Any]], str | None]: ...


def paginate(
    session: Session,
    stmt: Any,
    *,
    keys: Sequence[Any],
    params: PageParams,
    descending: bool = False,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
) -> tuple[list[Any], str | None]:
    """Run one page of ``stmt`` ordered by ``keys`` (the last key must be unique).

    Returns the rows and the cursor of the next page (``None`` when this is the last).
    """
    columns = list(keys)
    if params.cursor is not None:
        after = decode_cursor(params.cursor, [_python_type(c) for c in columns])
        row_key = sa.tuple_(*columns)
        bound = sa.tuple_(
            *[sa.literal(v, type_=c.type) for v, c in zip(after, columns, strict=True)]
        )
        stmt = stmt.where(row_key < bound if descending else row_key > bound)
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = list(session.exec(stmt.order_by(*order).limit(params.limit + 1)).all())
    has_more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        values = key_of(last) if key_of else [getattr(last, k.key) for k in keys]
        next_cursor = encode_cursor(values)
    return rows, next_cursor

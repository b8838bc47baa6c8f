"""Read every row of every table, to prove what is (and is not) stored."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from haven.models import metadata


@dataclass(frozen=True)
class Row:
    table: str
    values: tuple[tuple[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)

    def text(self) -> str:
        return " ".join(f"{name}={render(value)}" for name, value in self.values)


def render(value: Any) -> str:
    """Every way a value could be written down: a UUID with and without dashes, etc."""
    if isinstance(value, uuid.UUID):
        return f"{value} {value.hex}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    return value


def dump(engine: Engine) -> set[Row]:
    rows: set[Row] = set()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for mapping in conn.execute(table.select()).mappings():
                values = tuple((str(k), _freeze(v)) for k, v in mapping.items())
                rows.add(Row(table.name, values))
    return rows


def text_of(rows: Iterable[Row]) -> str:
    return "\n".join(f"{row.table}: {row.text()}" for row in rows)


def new_rows(before: set[Row], after: set[Row]) -> set[Row]:
    """Rows inserted or changed between two dumps."""
    return after - before


def datetimes_in(row: Row) -> dict[str, datetime]:
    return {k: v for k, v in row.values if isinstance(v, datetime)}


def by_table(rows: Iterable[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.table] = counts.get(row.table, 0) + 1
    return counts

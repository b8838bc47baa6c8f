"""The one shape every domain's access scoping works on: a statement that can be narrowed
with ``.where(...)`` (a SELECT, an UPDATE). Each domain's ``policy.scope_*(stmt, principal)``
takes and returns the same type."""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar


class Filterable(Protocol):
    def where(self, *whereclause: Any) -> Self: ...


S = TypeVar("S", bound=Filterable)

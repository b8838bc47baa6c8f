"""A small in-process cache with a time-to-live, for reads every request repeats.

Used where a few seconds of staleness in *another* process is acceptable and the owning
service invalidates the entry in its own process on every change (so a change is seen at
once where it was made). Nothing confidential is cached: only access facts (a person's
roles, whether a department is active).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_ALL: list[TTLCache[object, object]] = []


class TTLCache(Generic[K, V]):
    def __init__(self, *, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._lock = threading.Lock()
        self._items: dict[K, tuple[float, V]] = {}
        _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: K) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires < time.monotonic():
            with self._lock:
                self._items.pop(key, None)
            return None
        return value

    def set(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._items) >= self._max:
                self._items.clear()
            self._items[key] = (time.monotonic() + self._ttl, value)

    def invalidate(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def clear_all() -> None:
    """Forget every cached entry (tests; a restart does the same)."""
    for cache in _ALL:
        cache.clear()

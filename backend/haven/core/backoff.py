"""Growing delays for failures, per client or per client and subject, in memory only.

A :class:`GrowingDelay` lets a client fail ``free`` times in a row; then it waits before
its next attempt, ``first_seconds``, and twice as long after each further failure, never
longer than the window of :mod:`haven.core.limits` (``HAVEN_LIMITS_WINDOW_MINUTES``).
With ``leak_seconds`` one failure is forgotten every that many seconds (a busy shared
address keeps working while its people mistype now and then); without, failures count
until the caller says the client succeeded (:meth:`ClientDelay.succeeded`).

Who the client is, and what is kept, are those of :mod:`haven.core.limits`: digests under
the process's rotating key, never the address, never stored, never logged, never handed to
a service. A *subject* (an email's hash, say) is folded into the digest with the address,
so one client's failures against one account count apart from its failures against others,
and nothing here can say which account or which address an entry belongs to. A client idle
for two windows is forgotten, as everywhere in that module: that is why a delay never
outlasts the window (a longer one would be forgotten before it ended, and would only make
the figure look better than it is). Several processes keep their own tables: a client whose
requests are spread over N processes gets up to N times the failures before waiting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import Request

from haven.core import limits as _limits
from haven.core.limits import MAX_CLIENTS_PER_LIMIT, ClientKey, ClientLimits, limits_of


def _now() -> float:
    return _limits._now()  # one clock with the limits (tests move it)


@dataclass(frozen=True)
class GrowingDelay:
    """How a kind of failure slows its client: ``free`` failures, then waits that double."""

    name: str
    free: int
    first_seconds: float
    leak_seconds: float | None = None

    def wait_after(self, failures: float, cap_seconds: float) -> float:
        """The wait that ``failures`` failures impose (0 while within the free ones)."""
        # A partly forgotten failure (leak) still counts whole: the wait is a step function.
        excess = math.ceil(failures - 1e-9) - self.free
        if excess < 0 or self.first_seconds <= 0:
            return 0.0
        return float(min(cap_seconds, self.first_seconds * 2**excess))


class _Entry:
    __slots__ = ("blocked_until", "failures", "updated")

    def __init__(self, now: float) -> None:
        self.failures = 0.0
        self.blocked_until = 0.0
        self.updated = now

    def leak(self, policy: GrowingDelay, now: float) -> None:
        if policy.leak_seconds:
            self.failures = max(0.0, self.failures - (now - self.updated) / policy.leak_seconds)
        self.updated = now

    def is_spent(self, policy: GrowingDelay, now: float) -> bool:
        """Says nothing any more: no failure left and no wait (dropped at once)."""
        if self.blocked_until > now:
            return False
        if not policy.leak_seconds:
            return self.failures <= 0
        return self.failures - (now - self.updated) / policy.leak_seconds <= 0


class _Table:
    """One kind of delay's entries: this window's, and the last window's until claimed."""

    def __init__(self, policy: GrowingDelay) -> None:
        self.policy = policy
        self.generation = 0
        self.current: dict[bytes, _Entry] = {}
        self.previous: dict[bytes, _Entry] = {}

    def roll(self, generation: int, now: float) -> None:
        if generation == self.generation:
            return
        carried = self.current if generation == self.generation + 1 else {}
        self.previous = {k: e for k, e in carried.items() if not e.is_spent(self.policy, now)}
        self.current = {}
        self.generation = generation

    def clear(self) -> None:
        self.current.clear()
        self.previous.clear()

    def entry(self, client: ClientKey, now: float, *, create: bool) -> _Entry | None:
        self.roll(client.generation, now)
        entry = self.current.pop(client.current, None)
        if entry is None and client.previous is not None:
            entry = self.previous.pop(client.previous, None)
        if entry is None:
            if not create:
                return None
            while len(self.current) >= MAX_CLIENTS_PER_LIMIT:
                del self.current[next(iter(self.current))]  # the least recently seen
            entry = _Entry(now)
        self.current[client.current] = entry
        entry.leak(self.policy, now)
        return entry

    def forget(self, client: ClientKey) -> None:
        self.current.pop(client.current, None)
        if client.previous is not None:
            self.previous.pop(client.previous, None)


class ClientDelay:
    """One request's view of one client's delay (or of one client and subject): lives for
    the request, holds digests only."""

    def __init__(self, limits: ClientLimits, policy: GrowingDelay, client: ClientKey) -> None:
        self._limits = limits
        self._policy = policy
        self._client = client
        table = limits.table(policy.name, lambda: _Table(policy))
        assert isinstance(table, _Table)
        self._table = table

    def _cap(self) -> float:
        return self._limits.window_seconds

    def wait_seconds(self) -> int:
        """Seconds the client must still wait before its next attempt (0: go ahead)."""
        now = _now()
        with self._limits.lock:
            self._table.policy = self._policy
            entry = self._table.entry(self._client, now, create=False)
            if entry is None or entry.blocked_until <= now:
                return 0
            return max(1, math.ceil(entry.blocked_until - now))

    def failed(self) -> int:
        """Count a failure; returns the wait it imposes on the next attempt (0: none yet)."""
        now = _now()
        with self._limits.lock:
            self._table.policy = self._policy
            entry = self._table.entry(self._client, now, create=True)
            assert entry is not None
            entry.failures += 1
            wait = self._policy.wait_after(entry.failures, self._cap())
            if wait > 0:
                entry.blocked_until = now + wait
                return max(1, math.ceil(wait))
            return 0

    def succeeded(self) -> None:
        """Forget the client's failures (the right secret ends the delay it earned)."""
        with self._limits.lock:
            self._table.forget(self._client)


def client_delay(request: Request, policy: GrowingDelay, subject: bytes = b"") -> ClientDelay:
    """The delay of this request's client (with ``subject``: of the client and subject)."""
    limits = limits_of(request)
    return ClientDelay(limits, policy, limits.client(request, subject))

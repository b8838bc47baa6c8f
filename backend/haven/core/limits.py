"""Limits that keep Haven answering under a flood, and remember nobody.

Two mechanisms, both in this process's memory only (nothing is stored, nothing is logged):

**Per-client limits.** A domain declares a limit on an operation with :func:`client_limit`
(every attempt counts) or :func:`failure_limit` (only failures count) as a route
dependency, naming a count in :class:`~haven.core.settings.LimitSettings`: that many
requests per window (``HAVEN_LIMITS_WINDOW_MINUTES``, default 10) per client, as a token
bucket (a client may use the whole allowance at once, then gets one more every
window / count). Over the limit the answer is a 429 problem with ``Retry-After``.

*The client* is the connection's address; behind a reverse proxy listed in
``HAVEN_LIMITS_TRUSTED_PROXIES`` (off by default) it is the first address, from the
right, of ``X-Forwarded-For`` (or ``Forwarded``, per ``HAVEN_LIMITS_FORWARDED_HEADER``)
that is not itself a trusted proxy. IPv6 addresses count by their /64 network
(``HAVEN_LIMITS_IPV6_PREFIX``): one machine may hold a whole /64.

*The client key* is HMAC-SHA256 of that address under a random key that exists only in
this process and is replaced every window: the address itself is never kept, and a key's
digest can no longer be tied to any address once the key is gone. A client active across
a replacement keeps its allowance (its bucket moves from the old digest to the new); a
client that stops is forgotten at the second replacement at the latest, and as soon as its
bucket has refilled (a full bucket says nothing, so it is dropped). So what the process
knows about a client lasts minutes after its last request, and a restart forgets all of it.
The key, the digest and the address never leave this module (and :mod:`haven.core.backoff`,
whose growing delays of failures are kept under the same key): they are not passed to any
service, stored, or written to a log.

**Bounded work.** :class:`BoundedWork` runs at most ``concurrency`` computations at once
with at most ``queue`` more waiting; one more is refused at once with a 503 problem and
``Retry-After``, never queued without bound. Password and receipt hashing (argon2id, 64 MiB
each by default) go through one (see :mod:`haven.core.security`), so a flood costs at most
``concurrency`` x the argon2 memory, however many requests arrive.

A per-client limit that refuses turns into a 429 before any expensive work; a request
refused with 503 (busy) gives its allowance back, so a person told "try again in a moment"
is not also counted for it.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import secrets
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Depends, Request

from haven.core.errors import ServiceUnavailable, TooManyRequests
from haven.core.settings import LimitSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Clients remembered per limit at most: a flood from very many addresses evicts the least
# recently seen (each entry is ~200 bytes, so 50,000 is ~10 MiB per limit).
MAX_CLIENTS_PER_LIMIT = 50_000
BUSY_RETRY_SECONDS = 2
BUSY_DETAIL = "Haven is busy right now. Nothing was lost; try again in a moment."


# --- who the client is -------------------------------------------------------------------


def _now() -> float:
    return time.monotonic()


def _ip(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _strip_port(value: str) -> str:
    """``[2001:db8::1]:4711`` -> ``2001:db8::1``; ``192.0.2.1:80`` -> ``192.0.2.1``."""
    value = value.strip().strip('"')
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def _header_values(scope: Mapping[str, Any], name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", []) if k == name]


def forwarded_chain(scope: Mapping[str, Any], header: str) -> list[str]:
    """The addresses a proxy chain reported, client first, as the request carries them."""
    hops: list[str] = []
    if header == "forwarded":
        for line in _header_values(scope, b"forwarded"):
            for element in line.split(","):
                for pair in element.split(";"):
                    name, _, value = pair.strip().partition("=")
                    if name.strip().lower() == "for" and value:
                        hops.append(_strip_port(value))
    else:
        for line in _header_values(scope, b"x-forwarded-for"):
            hops.extend(_strip_port(part) for part in line.split(",") if part.strip())
    return hops


def _trusted(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(
    scope: Mapping[str, Any],
    *,
    trusted_proxies: Sequence[IPNetwork] = (),
    forwarded_header: str = "x-forwarded-for",
    ipv6_prefix: int = 64,
) -> str:
    """The client a request counts against: the peer, or behind trusted proxies the
    rightmost forwarded address that is not one of them (what a client sends further left
    is its own claim and is ignored). Kept in memory for the length of one call."""
    peer = scope.get("client")
    host = str(peer[0]) if peer else ""
    address = _ip(host)
    if address is not None and trusted_proxies and _trusted(address, trusted_proxies):
        for hop in reversed(forwarded_chain(scope, forwarded_header)):
            host, address = hop, _ip(hop)
            if address is None or not _trusted(address, trusted_proxies):
                break
    if address is None:
        return host  # a proxy's opaque token ("unknown", "_hidden") or a test transport
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, ipv6_prefix), strict=False))
    return str(address)


# --- token buckets under a rotating key ----------------------------------------------------


@dataclass(frozen=True)
class ClientKey:
    """A client's digest under this window's key (and the last window's, to carry its
    bucket over). Lives for one request; never stored or logged."""

    generation: int
    current: bytes
    previous: bytes | None


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens = tokens
        self.updated = now

    def refill(self, rate: Rate, now: float) -> None:
        self.tokens = min(float(rate.count), self.tokens + (now - self.updated) * rate.per_second)
        self.updated = now

    def is_full(self, rate: Rate, now: float) -> bool:
        return self.tokens + (now - self.updated) * rate.per_second >= rate.count

    def seconds_until(self, cost: float, rate: Rate) -> int:
        return max(1, math.ceil((cost - self.tokens) / rate.per_second))


class _Buckets:
    """The buckets of one limit: this window's, and the last window's until claimed."""

    def __init__(self) -> None:
        self.generation = 0
        self.current: dict[bytes, _Bucket] = {}
        self.previous: dict[bytes, _Bucket] = {}

    def roll(self, generation: int, rate: Rate, now: float) -> None:
        if generation == self.generation:
            return
        carried = self.current if generation == self.generation + 1 else {}
        # A full bucket carries nothing: the client it belonged to is forgotten now.
        self.previous = {k: b for k, b in carried.items() if not b.is_full(rate, now)}
        self.current = {}
        self.generation = generation

    def get(self, client: ClientKey, rate: Rate, now: float) -> _Bucket:
        self.roll(client.generation, rate, now)
        bucket = self.current.pop(client.current, None)
        if bucket is None and client.previous is not None:
            bucket = self.previous.pop(client.previous, None)
        if bucket is None:
            if len(self.current) >= MAX_CLIENTS_PER_LIMIT:
                self.current = {k: b for k, b in self.current.items() if not b.is_full(rate, now)}
            while len(self.current) >= MAX_CLIENTS_PER_LIMIT:
                del self.current[next(iter(self.current))]  # the least recently seen
            bucket = _Bucket(float(rate.count), now)
        self.current[client.current] = bucket  # (re)inserted last: most recently seen
        bucket.refill(rate, now)
        return bucket

    def __len__(self) -> int:
        return len(self.current) + len(self.previous)


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def too_many(seconds: int) -> TooManyRequests:
    return TooManyRequests(
        f"Too many attempts from this device or network. Try again in about {_minutes(seconds)}.",
        headers={"Retry-After": str(seconds)},
    )


class RollingTable(Protocol):
    """Per-client state kept under the rotating key (see haven.core.backoff)."""

    def roll(self, generation: int, now: float) -> None: ...

    def clear(self) -> None: ...


_ALL: weakref.WeakSet[ClientLimits] = weakref.WeakSet()


class ClientLimits:
    """One application's per-client limits (``app.state.client_limits``): the rotating key
    and every limit's buckets. Counts are read from the settings on every request."""

    def __init__(self, settings: LimitSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._buckets: dict[str, _Buckets] = {}
        self._key = secrets.token_bytes(32)
        self._previous_key: bytes | None = None
        self._generation = 0
        self._rotated_at = _now()
        # Other per-client tables keyed by this key (haven.core.backoff): rolled with it.
        self._tables: dict[str, RollingTable] = {}
        _ALL.add(self)
        _start_ticker()

    @property
    def window_seconds(self) -> float:
        return self.settings.window_minutes * 60.0

    def _rotate(self, now: float) -> None:
        elapsed = now - self._rotated_at
        if elapsed < self.window_seconds:
            return
        skipped = elapsed >= 2 * self.window_seconds
        # The old key is overwritten, not kept: digests made with it are unlinkable now.
        self._previous_key = None if skipped else self._key
        self._key = secrets.token_bytes(32)
        self._generation += 2 if skipped else 1
        self._rotated_at = now
        for setting, buckets in list(self._buckets.items()):
            rate = self.rate(setting)
            if rate is None:
                del self._buckets[setting]
            else:
                buckets.roll(self._generation, rate, now)
        for table in self._tables.values():
            table.roll(self._generation, now)

    def tick(self) -> None:
        """Replace the key when its window is over, even when no request comes."""
        with self._lock:
            self._rotate(_now())

    def client(self, request: Request, subject: bytes = b"") -> ClientKey:
        """The client's digests; with ``subject``, of the client and that subject together
        (haven.core.backoff: one client's failures against one account)."""
        s = self.settings
        address = client_address(
            request.scope,
            trusted_proxies=s.trusted_proxies,
            forwarded_header=s.forwarded_header,
            ipv6_prefix=s.ipv6_prefix,
        ).encode()
        if subject:
            address = b"%b\x00%b" % (address, subject)
        with self._lock:
            self._rotate(_now())
            previous = self._previous_key
            return ClientKey(
                generation=self._generation,
                current=hmac.digest(self._key, address, "sha256")[:16],
                previous=hmac.digest(previous, address, "sha256")[:16] if previous else None,
            )

    def rate(self, setting: str) -> Rate | None:
        count = int(getattr(self.settings, setting))
        return Rate(count, self.window_seconds) if count > 0 else None

    def _bucket(self, setting: str, client: ClientKey, rate: Rate) -> _Bucket:
        buckets = self._buckets.setdefault(setting, _Buckets())
        return buckets.get(client, rate, _now())

    def take(self, setting: str, client: ClientKey) -> None:
        """Use one of the client's allowance, or refuse (429) when none is left."""
        rate = self.rate(setting)
        if rate is None:
            return
        with self._lock:
            bucket = self._bucket(setting, client, rate)
            if bucket.tokens < 1:
                raise too_many(bucket.seconds_until(1, rate))
            bucket.tokens -= 1

    def check(self, setting: str, client: ClientKey) -> None:
        """Refuse (429) when the client has none of its allowance left; use none of it."""
        rate = self.rate(setting)
        if rate is None:
            return
        with self._lock:
            bucket = self._bucket(setting, client, rate)
            if bucket.tokens < 1:
                raise too_many(bucket.seconds_until(1, rate))

    def give_back(self, setting: str, client: ClientKey) -> None:
        rate = self.rate(setting)
        if rate is None:
            return
        with self._lock:
            bucket = self._bucket(setting, client, rate)
            bucket.tokens = min(float(rate.count), bucket.tokens + 1)

    def charge(self, setting: str, client: ClientKey, *, whole_window: bool = False) -> None:
        """Count one failure; ``whole_window``: the client's next attempt waits a full
        window, whatever it had left."""
        rate = self.rate(setting)
        if rate is None:
            return
        with self._lock:
            bucket = self._bucket(setting, client, rate)
            bucket.tokens -= 1
            if whole_window:
                bucket.tokens = min(bucket.tokens, 1.0 - rate.count)

    def remembered(self) -> int:
        """How many client buckets this process holds (for tests and diagnostics)."""
        with self._lock:
            return sum(len(b) for b in self._buckets.values())

    def table(self, name: str, make: Callable[[], RollingTable]) -> RollingTable:
        """The named per-client table of this application (made on first use), rolled with
        the key and cleared with the buckets."""
        with self._lock:
            table = self._tables.get(name)
            if table is None:
                table = self._tables[name] = make()
            return table

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            for table in self._tables.values():
                table.clear()


_TICK_SECONDS = 15.0
_ticker: threading.Thread | None = None
_ticker_lock = threading.Lock()


def _tick_forever() -> None:
    while True:
        time.sleep(_TICK_SECONDS)
        for limits in list(_ALL):
            limits.tick()


def _start_ticker() -> None:
    """One daemon thread per process replaces every application's key on time, so an idle
    process does not keep a key (and digests made with it) past its window."""
    global _ticker
    with _ticker_lock:
        if _ticker is None or not _ticker.is_alive():
            _ticker = threading.Thread(target=_tick_forever, name="haven-client-keys", daemon=True)
            _ticker.start()


def reset_all() -> None:
    """Forget every client of every application in this process (tests; a restart does
    the same)."""
    for limits in list(_ALL):
        limits.reset()


def limits_of(request: Request) -> ClientLimits:
    limits: ClientLimits = request.app.state.client_limits
    return limits


@asynccontextmanager
async def counted(request: Request, setting: str) -> AsyncIterator[None]:
    """Use one of the client's allowance of ``setting`` (a count in
    :class:`~haven.core.settings.LimitSettings`) for what runs inside, or refuse (429); a
    request that ends in 503 (busy) gives it back."""
    limits = limits_of(request)
    client = limits.client(request)
    limits.take(setting, client)
    try:
        yield
    except ServiceUnavailable:
        limits.give_back(setting, client)
        raise


def client_limit(setting: str) -> Any:
    """A route dependency: each request uses one of the client's allowance of ``setting``
    (see :func:`counted`)."""

    async def limit(request: Request) -> AsyncIterator[None]:
        async with counted(request, setting):
            yield

    return Depends(limit, scope="function")


def failure_limit(
    setting: str,
    *,
    failure: type[Exception],
    whole_window: Callable[[Exception], bool] = lambda _: False,
) -> Any:
    """A route dependency: a client whose ``failure`` answers used up its allowance of
    ``setting`` is refused (429) before the operation runs; successes cost nothing. A
    failure for which ``whole_window(exc)`` holds makes the client wait a full window."""

    async def limit(request: Request) -> AsyncIterator[None]:
        limits = limits_of(request)
        client = limits.client(request)
        limits.check(setting, client)
        try:
            yield
        except failure as exc:
            limits.charge(setting, client, whole_window=whole_window(exc))
            raise

    return Depends(limit, scope="function")


# --- bounded work --------------------------------------------------------------------------


class BoundedWork:
    """At most ``concurrency`` computations at once and ``queue`` waiting for a turn; one
    more is refused at once (503 with ``Retry-After``)."""

    def __init__(self, *, concurrency: int, queue: int) -> None:
        self.concurrency = concurrency
        self.queue = queue
        self._cond = threading.Condition()
        self.running = 0
        self.waiting = 0
        self.peak_running = 0
        self.peak_waiting = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._cond:
            if self.running >= self.concurrency:
                if self.waiting >= self.queue:
                    raise ServiceUnavailable(
                        BUSY_DETAIL, headers={"Retry-After": str(BUSY_RETRY_SECONDS)}
                    )
                self.waiting += 1
                self.peak_waiting = max(self.peak_waiting, self.waiting)
                try:
                    while self.running >= self.concurrency:
                        self._cond.wait()
                finally:
                    self.waiting -= 1
            self.running += 1
            self.peak_running = max(self.peak_running, self.running)
        try:
            yield
        finally:
            with self._cond:
                self.running -= 1
                self._cond.notify()

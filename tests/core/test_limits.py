"""Per-client limits and bounded work (haven.core.limits): who counts as a client, how the
allowance is used and given back, how fast clients are forgotten, and that a bounded queue
never runs more at once than it should, nor keeps a caller waiting when it is full."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request

from haven.core import limits, security
from haven.core.errors import ServiceUnavailable, TooManyRequests
from haven.core.limits import BoundedWork, ClientLimits, client_address
from haven.core.settings import LimitSettings, Settings

PROXY = "10.0.0.5"


def scope(peer: str, **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 50000),
        "headers": [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }


def networks(*values: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(v) for v in values]


# --- who the client is ---------------------------------------------------------------------


def test_without_trusted_proxies_forwarded_headers_are_ignored() -> None:
    spoofed = scope("192.0.2.1", x_forwarded_for="203.0.113.9", forwarded="for=203.0.113.9")
    assert client_address(spoofed) == "192.0.2.1"


def test_a_request_from_an_untrusted_peer_cannot_claim_another_address() -> None:
    spoofed = scope("192.0.2.1", x_forwarded_for="203.0.113.9")
    assert client_address(spoofed, trusted_proxies=networks(PROXY)) == "192.0.2.1"


def test_behind_a_trusted_proxy_the_forwarded_address_counts() -> None:
    request = scope(PROXY, x_forwarded_for="203.0.113.9")
    assert client_address(request, trusted_proxies=networks(PROXY)) == "203.0.113.9"


def test_what_a_client_puts_left_of_the_proxys_entry_is_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    request = scope(PROXY, x_forwarded_for="1.2.3.4, 203.0.113.9")
    assert client_address(request, trusted_proxies=networks(PROXY)) == "203.0.113.9"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    request = scope(PROXY, x_forwarded_for="1.2.3.4, 203.0.113.9, 10.0.0.7")
    trusted = networks("10.0.0.0/24")
    assert client_address(request, trusted_proxies=trusted) == "203.0.113.9"


def test_the_forwarded_header_is_read_when_configured() -> None:
    request = scope(
        PROXY,
        x_forwarded_for="198.51.100.1",
        forwarded='for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https',
    )
    trusted = networks(PROXY)
    assert (
        client_address(request, trusted_proxies=trusted, forwarded_header="forwarded")
        == "2001:db8:cafe::/64"
    )
    # With the other header configured, Forwarded is a client's claim like any other.
    assert client_address(request, trusted_proxies=trusted) == "198.51.100.1"


def test_ipv6_clients_count_by_network() -> None:
    one = client_address(scope("2001:db8:1:2::10"))
    other = client_address(scope("2001:db8:1:2:ffff::1"))
    assert one == other == "2001:db8:1:2::/64"
    assert client_address(scope("2001:db8:1:3::10")) != one
    assert client_address(scope("2001:db8:1:2::10"), ipv6_prefix=128) == "2001:db8:1:2::10/128"


def test_an_ipv4_mapped_address_is_the_ipv4_client() -> None:
    assert client_address(scope("::ffff:192.0.2.1")) == "192.0.2.1"


def test_settings_read_trusted_proxies_as_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_LIMITS_TRUSTED_PROXIES", '["10.0.0.0/8", "2001:db8::1"]')
    parsed = LimitSettings().trusted_proxies
    assert [str(n) for n in parsed] == ["10.0.0.0/8", "2001:db8::1/128"]
    monkeypatch.delenv("HAVEN_LIMITS_TRUSTED_PROXIES")
    assert LimitSettings().trusted_proxies == []


# --- allowances --------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(limits, "_now", fake)
    return fake


def request_from(app: FastAPI, address: str) -> Request:
    return Request({**scope(address), "app": app})


@pytest.fixture
def limited(fake_time: FakeTime) -> Iterator[tuple[FastAPI, ClientLimits]]:
    app = FastAPI()
    state = ClientLimits(LimitSettings(window_minutes=10, anonymous_reports=3))
    app.state.client_limits = state
    yield app, state
    state.reset()


def take(
    state: ClientLimits, app: FastAPI, address: str, setting: str = "anonymous_reports"
) -> int:
    """0 when allowed, else the Retry-After of the refusal."""
    try:
        state.take(setting, state.client(request_from(app, address)))
    except TooManyRequests as exc:
        return int(exc.headers["Retry-After"])
    return 0


def test_a_client_may_use_its_allowance_at_once_then_waits(
    limited: tuple[FastAPI, ClientLimits], fake_time: FakeTime
) -> None:
    app, state = limited
    assert [take(state, app, "192.0.2.1") for _ in range(3)] == [0, 0, 0]
    retry = take(state, app, "192.0.2.1")
    assert retry == 200  # one more every 10 minutes / 3
    fake_time.now += 199
    assert take(state, app, "192.0.2.1") > 0
    fake_time.now += 2
    assert take(state, app, "192.0.2.1") == 0


def test_one_client_over_its_limit_leaves_others_alone(
    limited: tuple[FastAPI, ClientLimits],
) -> None:
    app, state = limited
    for _ in range(10):
        take(state, app, "192.0.2.1")
    assert take(state, app, "192.0.2.1") > 0
    assert take(state, app, "192.0.2.2") == 0


def test_the_refusal_is_a_429_problem_in_minutes(limited: tuple[FastAPI, ClientLimits]) -> None:
    app, state = limited
    client = state.client(request_from(app, "192.0.2.1"))
    for _ in range(3):
        state.take("anonymous_reports", client)
    with pytest.raises(TooManyRequests) as refused:
        state.take("anonymous_reports", client)
    assert refused.value.status == 429
    assert refused.value.detail is not None and "about 4 minutes" in refused.value.detail


def test_a_count_of_zero_means_no_per_client_limit(limited: tuple[FastAPI, ClientLimits]) -> None:
    app, state = limited
    state.settings.sign_ins = 0
    assert all(take(state, app, "192.0.2.1", "sign_ins") == 0 for _ in range(1000))
    assert state.remembered() == 0


def test_an_active_client_keeps_its_state_across_a_key_replacement(
    limited: tuple[FastAPI, ClientLimits], fake_time: FakeTime
) -> None:
    app, state = limited
    before = state.client(request_from(app, "192.0.2.1"))
    fake_time.now += 590
    assert [take(state, app, "192.0.2.1") for _ in range(3)] == [0, 0, 0]
    fake_time.now += 20  # the key is replaced; a tenth of a try came back meanwhile
    after = state.client(request_from(app, "192.0.2.1"))
    assert after.current != before.current and after.previous == before.current
    assert take(state, app, "192.0.2.1") > 0


def test_a_client_is_forgotten_within_two_windows_even_when_idle(
    limited: tuple[FastAPI, ClientLimits], fake_time: FakeTime
) -> None:
    app, state = limited
    fake_time.now += 590
    for _ in range(3):
        take(state, app, "192.0.2.1")
    fake_time.now += 11
    state.tick()  # the key is replaced with no request at all; the bucket is not full yet
    assert state.remembered() == 1
    fake_time.now += 601
    state.tick()
    assert state.remembered() == 0


def test_a_client_whose_allowance_has_refilled_is_dropped_at_the_next_replacement(
    limited: tuple[FastAPI, ClientLimits], fake_time: FakeTime
) -> None:
    app, state = limited
    take(state, app, "192.0.2.1")
    fake_time.now += 500
    for _ in range(3):
        take(state, app, "192.0.2.2")
    fake_time.now += 101
    state.tick()
    # 192.0.2.1 has its whole allowance back: nothing about it is worth keeping.
    assert state.remembered() == 1


def test_the_same_address_gets_unrelated_digests_in_another_process(
    limited: tuple[FastAPI, ClientLimits],
) -> None:
    app, state = limited
    other = ClientLimits(LimitSettings())
    request = request_from(app, "192.0.2.1")
    assert state.client(request).current != other.client(request).current
    assert b"192.0.2.1" not in state.client(request).current


def test_too_many_clients_evict_the_least_recently_seen(
    limited: tuple[FastAPI, ClientLimits], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, state = limited
    monkeypatch.setattr(limits, "MAX_CLIENTS_PER_LIMIT", 50)
    for n in range(200):
        take(state, app, f"198.51.100.{n % 250}")
        take(state, app, f"198.51.100.{n % 250}")
    assert state.remembered() <= 50


def test_a_busy_answer_gives_the_allowance_back(
    limited: tuple[FastAPI, ClientLimits],
) -> None:
    app, state = limited

    async def busy_then_fine() -> None:
        request = request_from(app, "192.0.2.1")
        for _ in range(10):
            with pytest.raises(ServiceUnavailable):
                async with limits.counted(request, "anonymous_reports"):
                    raise ServiceUnavailable("busy")
        for _ in range(3):
            async with limits.counted(request, "anonymous_reports"):
                pass

    import anyio

    anyio.run(busy_then_fine)
    assert take(state, app, "192.0.2.1") > 0


# --- bounded work --------------------------------------------------------------------------


def _burst(work: BoundedWork, callers: int, seconds: float) -> tuple[int, int, list[float]]:
    """Run ``callers`` threads at once through ``work``; (done, refused, refusal times)."""
    start = threading.Barrier(callers)
    done = refused = 0
    refusal_times: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        nonlocal done, refused
        start.wait()
        began = time.perf_counter()
        try:
            with work.slot():
                time.sleep(seconds)
        except ServiceUnavailable as exc:
            assert exc.status == 503 and exc.headers["Retry-After"]
            with lock:
                refused += 1
                refusal_times.append(time.perf_counter() - began)
            return
        with lock:
            done += 1

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return done, refused, refusal_times


def test_bounded_work_never_runs_more_than_its_concurrency() -> None:
    work = BoundedWork(concurrency=3, queue=100)
    done, refused, _ = _burst(work, 24, 0.02)
    assert (done, refused) == (24, 0)
    assert work.peak_running == 3
    assert work.running == 0 and work.waiting == 0


def test_bounded_work_refuses_beyond_its_queue_at_once() -> None:
    work = BoundedWork(concurrency=2, queue=3)
    done, refused, refusal_times = _burst(work, 20, 0.5)
    assert done == work.peak_running + work.peak_waiting
    assert work.peak_running == 2 and work.peak_waiting <= 3
    assert refused == 20 - done >= 15
    # Refused without waiting for any of the half-second computations.
    assert max(refusal_times) < 0.25


# --- argon2 through the queue ----------------------------------------------------------------


@pytest.fixture
def real_argon2(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2id at the production defaults (64 MiB, 3 passes), through a fresh queue of
    2 running + 2 waiting."""
    monkeypatch.setattr(settings.auth, "argon2_time_cost", 3)
    monkeypatch.setattr(settings.auth, "argon2_memory_kib", 65536)
    monkeypatch.setattr(settings.auth, "argon2_parallelism", 4)
    monkeypatch.setattr(settings.limits, "argon2_concurrency", 2)
    monkeypatch.setattr(settings.limits, "argon2_queue", 2)
    security._argon2_queue.cache_clear()
    yield
    security._argon2_queue.cache_clear()


def test_password_hashing_goes_through_the_bounded_queue(real_argon2: None) -> None:
    work = security.argon2_work()
    assert (work.concurrency, work.queue) == (2, 2)
    results: list[str] = []
    errors: list[int] = []
    start = threading.Barrier(12)

    def hash_one() -> None:
        start.wait()
        try:
            results.append(security.hash_password("correct horse battery staple"))
        except ServiceUnavailable as exc:
            errors.append(exc.status)

    threads = [threading.Thread(target=hash_one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert work.peak_running == 2 and work.peak_waiting <= 2
    assert len(results) + len(errors) == 12
    assert set(errors) == {503} and len(errors) >= 6
    assert all(security.verify_password(h, "correct horse battery staple") for h in results)

"""Every log line carries the request id; anonymous endpoints leave no address or time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from haven.core.logging import LOG_FORMAT, RequestContextFilter


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestContextFilter())
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    handler = _Capture()
    logger = logging.getLogger("haven")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_access_log_lines_carry_the_request_id(client: TestClient, captured: _Capture) -> None:
    response = client.get("/api/v1/health")
    request_id = response.headers["x-request-id"]
    lines = [line for line in captured.lines if "/api/v1/health" in line]
    assert lines and all(f"[{request_id}]" in line for line in lines)
    assert "client=testclient" in lines[0]


def test_anonymous_endpoints_log_no_address_no_request_id_and_only_the_day(
    client: TestClient, captured: _Capture
) -> None:
    response = client.post("/api/v1/anonymous/reports", json={})
    request_id = response.headers["x-request-id"]
    records = [r for r in captured.records if "/api/v1/anonymous" in r.getMessage()]
    assert records
    for record in records:
        line = captured.format(record)
        assert "testclient" not in line
        assert request_id not in line
        assert record.request_id == "anonymous"  # type: ignore[attr-defined]
        assert record.created % 86400 == 0


def test_an_incoming_request_id_is_kept_when_it_is_safe(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Request-ID": "lb-1234567890abcdef"})
    assert response.headers["x-request-id"] == "lb-1234567890abcdef"
    unsafe = client.get("/api/v1/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"

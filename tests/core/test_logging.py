"""Every log line carries the request id; anonymous endpoints leave no address or time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from haven.core.logging import LOG_FORMAT, RequestContextFilter, bind_request, unbind_request


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


def test_anonymous_endpoints_write_no_access_log_line(
    client: TestClient, captured: _Capture
) -> None:
    response = client.post("/api/v1/anonymous/reports", json={})
    assert response.status_code == 422
    assert [line for line in captured.lines if "/anonymous" in line] == []
    assert all(response.headers["x-request-id"] not in line for line in captured.lines)


def test_lines_logged_inside_an_anonymous_request_carry_no_id_and_only_the_day(
    captured: _Capture,
) -> None:
    tokens = bind_request("0123456789abcdef", anonymous=True)
    try:
        logging.getLogger("haven.test").warning("something odd")
    finally:
        unbind_request(tokens)
    (record,) = captured.records
    assert record.request_id == "anonymous"  # type: ignore[attr-defined]
    assert record.created % 86400 == 0 and record.msecs == 0
    assert "0123456789abcdef" not in captured.lines[0]


def test_a_forged_report_session_claim_does_not_hide_the_caller(
    client: TestClient, captured: _Capture
) -> None:
    import base64
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"typ": "report_session"}).encode()).decode()
    forged = f"x.{payload.rstrip('=')}.x"
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    lines = [line for line in captured.lines if "/api/v1/me" in line]
    assert lines and "client=testclient" in lines[0]
    assert response.headers["x-request-id"] in lines[0]


def test_an_incoming_request_id_is_kept_when_it_is_safe(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Request-ID": "lb-1234567890abcdef"})
    assert response.headers["x-request-id"] == "lb-1234567890abcdef"
    unsafe = client.get("/api/v1/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"

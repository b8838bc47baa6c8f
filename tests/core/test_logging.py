"""Every log line carries the request id and no person; by default no address either; quiet
routes (declared by their domains) leave no line, and other lines logged inside them keep
only the day. (tests/test_quiet_logs.py walks the quiet routes of every domain.)"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core.logging import (
    LOG_FORMAT,
    RequestContextFilter,
    bind_request,
    configure_logging,
    current_request_id,
    unbind_request,
)
from haven.core.settings import Settings
from haven.main import create_app
from tests.factories.org import PASSWORD, make_department, make_person


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


def test_the_access_log_records_no_client_address_by_default(
    client: TestClient, captured: _Capture
) -> None:
    client.get("/api/v1/health")
    (line,) = [line for line in captured.lines if "/api/v1/health" in line]
    assert "GET /api/v1/health 200" in line
    assert "testclient" not in line and "client=" not in line


def test_an_operator_can_opt_in_to_client_addresses(
    settings: Settings, engine: Engine, captured: _Capture
) -> None:
    opted_in = settings.model_copy(update={"access_log_client_address": True})
    with TestClient(create_app(opted_in, engine), base_url="https://testserver") as client:
        client.get("/api/v1/health")
    (line,) = [line for line in captured.lines if "/api/v1/health" in line]
    assert "client=testclient" in line


def test_the_access_log_names_no_person(
    client: TestClient, engine: Engine, captured: _Capture
) -> None:
    department = make_department(engine)
    person = make_person(engine, Role.staff, department_id=department)
    signed_in = client.post(
        "/api/v1/auth/token", data={"username": person.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    client.get(f"/api/v1/departments/{department}", headers=person.headers)
    access = [r for r in captured.records if r.name == "haven.access"]
    assert len(access) == 3
    text = "\n".join(captured.lines)
    for needle in (person.email, str(person.id), person.id.hex, token, PASSWORD):
        assert needle not in text
    # Record ids stay out too: the route's template is logged, not the path.
    assert "GET /api/v1/departments/{department_id} 200" in text
    assert str(department) not in text


def test_anonymous_endpoints_write_no_access_log_line(
    client: TestClient, captured: _Capture
) -> None:
    response = client.post("/api/v1/anonymous/reports", json={})
    assert response.status_code == 422
    assert [line for line in captured.lines if "/anonymous" in line] == []
    assert all(response.headers["x-request-id"] not in line for line in captured.lines)


def test_the_web_page_for_following_a_report_writes_no_access_log_line(
    client: TestClient, captured: _Capture
) -> None:
    client.get("/sign-in", headers={"Accept": "text/html"})
    response = client.get("/follow-report", headers={"Accept": "text/html"})
    assert [line for line in captured.lines if "/follow-report" in line] == []
    assert all(response.headers["x-request-id"] not in line for line in captured.lines)
    # Other pages of the web client are logged as usual.
    assert [line for line in captured.lines if "/sign-in" in line]


def test_lines_logged_inside_an_anonymous_request_carry_no_id_and_only_the_day(
    captured: _Capture,
) -> None:
    tokens = bind_request("0123456789abcdef", quiet=True)
    try:
        logging.getLogger("haven.test").warning("something odd")
    finally:
        unbind_request(tokens)
    (record,) = captured.records
    assert record.request_id == "quiet"  # type: ignore[attr-defined]
    assert record.created % 86400 == 0 and record.msecs == 0
    assert "0123456789abcdef" not in captured.lines[0]


def test_inside_a_quiet_request_there_is_no_request_id_to_store() -> None:
    tokens = bind_request("0123456789abcdef", quiet=True)
    try:
        assert current_request_id() is None
    finally:
        unbind_request(tokens)
    tokens = bind_request("0123456789abcdef", quiet=False)
    try:
        assert current_request_id() == "0123456789abcdef"
    finally:
        unbind_request(tokens)


def test_uvicorn_is_never_set_to_the_level_that_logs_client_addresses() -> None:
    import uvicorn.config  # noqa: F401  (registers the TRACE level name)

    haven, error = logging.getLogger("haven"), logging.getLogger("uvicorn.error")
    loggers = (haven, logging.getLogger("uvicorn"), error)
    saved = [(lg, lg.level, lg.handlers[:], lg.propagate) for lg in loggers]
    try:
        configure_logging("TRACE")
        assert haven.level == 5
        # uvicorn prints "<address>:<port> - HTTP connection made" at TRACE (5).
        assert error.level == logging.DEBUG
        assert logging.getLogger("uvicorn.access").disabled
    finally:
        for logger, level, handlers, propagate in saved:
            logger.setLevel(level)
            logger.handlers = handlers
            logger.propagate = propagate


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
    assert lines and "GET /api/v1/me 401" in lines[0]
    assert response.headers["x-request-id"] in lines[0]


def test_an_incoming_request_id_is_kept_when_it_is_safe(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Request-ID": "lb-1234567890abcdef"})
    assert response.headers["x-request-id"] == "lb-1234567890abcdef"
    unsafe = client.get("/api/v1/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"

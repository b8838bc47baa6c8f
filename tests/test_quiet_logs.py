"""Logs that cannot bracket, proved across the domains that declare quiet routes.

DESIGN.md: "Logs follow the same rules as responses: nothing in them may bracket an
anonymous action or reveal who uses support." The attacks: an insider with the log files
(and the database) looks for the access-log lines around an anonymous report, a check-in
answer or a support request, or joins a logged request id to the audit row that names the
person. So each quiet route must write no access-log line; anything else logged while
serving it must carry no request id and only the day; audit rows written there must carry
no request id; and the request ids handed to quiet callers must be found nowhere. Support
routes are enumerated from the application, so a route added tomorrow is walked too. The
contrasts (a staff route is logged, its audit row has its id) show that the checks can fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.core.logging import LOG_FORMAT, RequestContextFilter
from haven.core.models import AuditEvent
from tests.factories.checkins import answers
from tests.factories.org import make_department, make_person
from tests.factories.reports import anonymous_payload, bearer
from tests.factories.support import ALWAYS
from tests.reports.snapshot import dump, text_of

ANY_ID = str(uuid.uuid4())


class Capture(logging.Handler):
    """Everything the "haven" loggers write, formatted as the server formats it."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestContextFilter())
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def access_lines(self) -> list[str]:
        return [
            line
            for record, line in zip(self.records, self.lines, strict=True)
            if record.name == "haven.access"
        ]


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    logger = logging.getLogger("haven")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


class Calls:
    """A client that keeps every response, to look for their request ids afterwards."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.responses: list[Response] = []

    def __call__(self, method: str, url: str, *statuses: int, **kwargs: Any) -> Any:
        response = self.client.request(method, url, **kwargs)
        if statuses:
            assert response.status_code in statuses, (method, url, response.text)
        self.responses.append(response)
        return response.json() if response.content else None

    @property
    def request_ids(self) -> list[str]:
        return [r.headers["x-request-id"] for r in self.responses]


def assert_quiet(calls: Calls, captured: Capture, engine: Engine) -> None:
    assert calls.responses, "nothing was called"
    assert captured.access_lines() == []
    for record in captured.records:  # a warning or error logged while serving them
        assert record.request_id == "quiet"  # type: ignore[attr-defined]
        assert record.created % 86400 == 0
    stored = text_of(dump(engine))
    for request_id in calls.request_ids:
        assert request_id not in captured.text
        assert request_id not in stored


def audit_rows(engine: Engine) -> list[AuditEvent]:
    with new_session(engine) as session:
        return list(session.exec(select(AuditEvent)).all())


# --- peer support ---------------------------------------------------------------------------


def test_a_support_journey_leaves_no_access_line_and_no_request_id(
    client: TestClient, engine: Engine, captured: Capture
) -> None:
    ward = make_department(engine)
    requester = make_person(engine, Role.staff, department_id=ward)
    supporter = make_person(
        engine, Role.staff, Role.peer_supporter, department_id=make_department(engine)
    )
    coordinator = make_person(engine, Role.support_coordinator)
    call = Calls(client)

    call("GET", "/api/v1/support/resources", 200)
    call(
        "POST",
        "/api/v1/support/supporters",
        201,
        json={
            "user_id": str(supporter.id),
            "training_completed_on": "2026-01-05",
            "on_call": [w.model_dump() for w in ALWAYS],
        },
        headers=coordinator.headers,
    )
    created = call(
        "POST",
        "/api/v1/support/requests",
        201,
        json={"urgency": "urgent", "contact_details": "ext 4411"},
        headers=requester.headers,
    )
    request_url = f"/api/v1/support/requests/{created['id']}"
    call("GET", "/api/v1/support/requests/mine", 200, headers=requester.headers)
    call("GET", request_url, 200, headers=supporter.headers)
    call(
        "POST",
        f"{request_url}/encounters",
        201,
        json={
            "occurred_at": (clock.now() - timedelta(minutes=5)).isoformat(),
            "minutes": 20,
            "channel": "phone",
            "tier": 2,
            "outcome": "follow_up",
        },
        headers=supporter.headers,
    )
    call("GET", f"{request_url}/follow-ups", 200, headers=supporter.headers)
    call("GET", "/api/v1/support/requests", 200, headers=coordinator.headers)
    call(
        "POST",
        f"{request_url}/transitions",
        200,
        json={"to": "closed"},
        headers={**requester.headers, "If-Match": "*"},
    )
    call(
        "POST",
        f"{request_url}/feedback",
        204,
        json={"helpful": 4, "comment": "It helped."},
        headers=requester.headers,
    )

    assert_quiet(call, captured, engine)
    rows = audit_rows(engine)
    assert rows, "support operations are audited"
    assert [row.request_id for row in rows] == [None] * len(rows)


def _support_routes(app: FastAPI) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        path = str(ctx.path)
        if isinstance(route, APIRoute) and path.startswith("/api/v1/support"):
            found.extend((method, path) for method in sorted(route.methods or ()))
    return found


def test_every_support_route_writes_no_access_line(
    app: FastAPI, client: TestClient, engine: Engine, captured: Capture
) -> None:
    routes = _support_routes(app)
    assert len(routes) >= 20, routes
    callers = [
        make_person(engine, Role.staff),
        make_person(engine, Role.support_coordinator),
    ]
    call = Calls(client)
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", ANY_ID, path)
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        for headers in [c.headers for c in callers] + [{}]:
            call(method, url, json=body, headers={**headers, "If-Match": "*"})
    assert_quiet(call, captured, engine)


# --- check-ins ------------------------------------------------------------------------------


def test_a_checkin_answer_leaves_no_access_line_and_no_request_id(
    client: TestClient, engine: Engine, captured: Capture
) -> None:
    person = make_person(engine, Role.staff, department_id=make_department(engine))
    make_person(engine, Role.support_coordinator)
    call = Calls(client)
    call("GET", "/api/v1/checkins/current", 200, headers=person.headers)
    # Asking for someone to reach out opens a support request (audited) in the same request.
    call(
        "POST",
        "/api/v1/checkins/responses",
        200,
        201,
        202,
        json={"answers": answers(stress=5, reach_out=True), "consent_to_contact": True},
        headers=person.headers,
    )
    call("GET", "/checkin", headers={"Accept": "text/html"})
    assert_quiet(call, captured, engine)
    assert all(row.request_id is None for row in audit_rows(engine))


# --- anonymous reporting --------------------------------------------------------------------


def test_anonymous_reporting_and_receipt_sessions_leave_no_access_line(
    client: TestClient, engine: Engine, captured: Capture
) -> None:
    department = make_department(engine)
    call = Calls(client)
    form = call("GET", "/api/v1/anonymous/form", 200)
    assert str(department) in [d["id"] for d in form["departments"]]
    receipt = call("POST", "/api/v1/anonymous/reports", 201, json=anonymous_payload(department))
    session = call("POST", "/api/v1/anonymous/session", 200, json={"receipt": receipt["receipt"]})
    call("POST", "/api/v1/anonymous/session", 401, json={"receipt": "0000-0000-0000-0000-0000"})
    token = bearer(session["access_token"])
    call("GET", "/api/v1/anonymous/report", 200, headers=token)
    call(
        "POST", "/api/v1/anonymous/report/messages", 201, json={"body": "Any news?"}, headers=token
    )
    # A report session is a quiet caller wherever it calls.
    call("GET", "/api/v1/lessons", headers=token)
    call("GET", "/api/v1/me", headers=token)
    assert_quiet(call, captured, engine)


def test_the_anonymous_form_follows_the_organisations_choice(
    client: TestClient, engine: Engine, captured: Capture
) -> None:
    make_department(engine)
    person = make_person(engine, Role.staff)
    admin = make_person(engine, Role.admin)
    organisation = client.get("/api/v1/organisation", headers=admin.headers)
    changed = client.patch(
        "/api/v1/organisation",
        json={"allow_anonymous_without_account": False},
        headers={**admin.headers, "If-Match": organisation.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    captured.records.clear()
    captured.lines.clear()
    call = Calls(client)
    call("GET", "/api/v1/anonymous/form", 401)
    form = call("GET", "/api/v1/anonymous/form", 200, headers=person.headers)
    assert form["allow_without_account"] is False
    assert_quiet(call, captured, engine)


# --- the web client's pages and files -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/follow-report",
        "/report-anonymously",
        "/support",
        "/support/requests/" + ANY_ID,
        "/help",
        "/checkin",
        "/assets/GetSupportPage-3f2a1b.js",
    ],
)
def test_web_client_pages_of_quiet_flows_leave_no_access_line(
    client: TestClient, engine: Engine, captured: Capture, path: str
) -> None:
    call = Calls(client)
    call("GET", path, headers={"Accept": "text/html"})
    assert_quiet(call, captured, engine)


@pytest.mark.parametrize(
    "path", ["/api/v1/supporting", "/api/v1/anonymously", "/follow-reports", "/checkins"]
)
def test_a_quiet_prefix_ends_at_a_path_segment(
    client: TestClient, captured: Capture, path: str
) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    (line,) = captured.access_lines()
    assert f"GET {path} {response.status_code}" in line
    assert response.headers["x-request-id"] in line


def test_check_in_templates_and_staffing_are_logged_as_usual(
    client: TestClient, engine: Engine, captured: Capture
) -> None:
    admin = make_person(engine, Role.admin)
    response = client.get("/api/v1/checkins/templates", headers=admin.headers)
    (line,) = captured.access_lines()
    assert "GET /api/v1/checkins/templates 200" in line
    assert response.headers["x-request-id"] in line


def test_outside_quiet_routes_audit_rows_keep_the_request_id(
    client: TestClient, engine: Engine, captured: Capture
) -> None:
    """The contrast: the audit and access-log checks above can fail."""
    admin = make_person(engine, Role.admin)
    response = client.post(
        "/api/v1/departments", json={"name": "Radiology", "code": "RAD"}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    request_id = response.headers["x-request-id"]
    created = [row for row in audit_rows(engine) if row.object_type == "department"]
    assert [row.request_id for row in created] == [request_id]
    (line,) = captured.access_lines()
    assert request_id in line


def test_a_client_chosen_request_id_is_not_kept_on_quiet_routes(
    client: TestClient, engine: Engine, captured: Capture
) -> None:
    person = make_person(engine, Role.staff)
    chosen = "support-visit-0123456789"
    quiet = client.get(
        "/api/v1/support/requests/mine", headers={**person.headers, "X-Request-ID": chosen}
    )
    assert quiet.status_code == 200
    assert quiet.headers["x-request-id"] != chosen
    logged = client.get("/api/v1/me", headers={**person.headers, "X-Request-ID": chosen})
    assert logged.headers["x-request-id"] == chosen


# --- the real server: Haven's and uvicorn's own loggers -----------------------------------


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _serve_and_read_log(tmp_path: Path, **extra_env: str) -> str:
    """Run ``haven serve`` on 127.0.0.2 at uvicorn's most talkative level, call it from
    127.0.0.1 (the only place that address can come from is a client), return its log."""
    host, port = "127.0.0.2", _free_port("127.0.0.2")
    env = {
        **os.environ,
        "HAVEN_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}",
        "HAVEN_VAR_DIR": str(tmp_path / "var"),
        "HAVEN_LOG_LEVEL": "TRACE",
        "HAVEN_JOBS_INTERVAL_SECONDS": "0",
        **extra_env,
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "haven.cli", "serve", "--host", host, "--port", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            transport = httpx.HTTPTransport(local_address="127.0.0.1")
            with httpx.Client(base_url=f"http://{host}:{port}", transport=transport) as http:
                deadline = time.monotonic() + 90
                while True:
                    try:
                        if http.get("/api/v1/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert server.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.2)
                http.get("/api/v1/no-such-thing")
                http.post("/api/v1/auth/token", data={"username": "x@y.org", "password": "nope"})
            # A request uvicorn itself refuses (it logs a warning of its own).
            with socket.create_connection((host, port), source_address=("127.0.0.1", 0)) as raw:
                raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                raw.settimeout(5)
                with contextlib.suppress(TimeoutError):
                    raw.recv(1024)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return log_path.read_text()


def test_the_server_logs_no_client_address(tmp_path: Path) -> None:
    log = _serve_and_read_log(tmp_path)
    assert "GET /api/v1/health 200" in log, log  # the access log is on
    assert "Invalid HTTP request" in log, log  # and so is uvicorn's own warning
    assert "127.0.0.1" not in log, log


def test_the_server_logs_client_addresses_only_when_the_operator_opts_in(
    tmp_path: Path,
) -> None:
    log = _serve_and_read_log(tmp_path, HAVEN_ACCESS_LOG_CLIENT_ADDRESS="true")
    assert re.search(r"GET /api/v1/health 200 [0-9.]+ms client=127\.0\.0\.1", log), log

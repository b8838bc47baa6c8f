"""A real `haven serve` process: its own log never records anonymous callers' addresses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from haven.core.db import create_db_engine, new_session
from haven.core.settings import Settings
from haven.org import service as org_service
from haven.org.schemas import DepartmentCreate
from tests.factories.reports import anonymous_payload

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SECRET = "real-server-test-secret-key-0123456789-abcdefgh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def _server_env(tmp: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    env.update(
        HAVEN_DATABASE_URL=database_url,
        HAVEN_SECRET_KEY=SECRET,
        HAVEN_VAR_DIR=str(tmp / "var"),
        HAVEN_WEB_DIR=str(tmp / "no-web-client"),
        HAVEN_ENV="test",
        HAVEN_LOG_LEVEL="INFO",
        # The operator has opted in to addresses in the access log: anonymous requests must
        # still leave none (by default no line has one; tests/test_quiet_logs.py).
        HAVEN_ACCESS_LOG_CLIENT_ADDRESS="true",
        # Cheap hashing: this test is about logging, not the cost of argon2.
        HAVEN_AUTH_ARGON2_TIME_COST="1",
        HAVEN_AUTH_ARGON2_MEMORY_KIB="64",
        HAVEN_AUTH_ARGON2_PARALLELISM="1",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    database_url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    env = _server_env(tmp_path, database_url)
    upgraded = subprocess.run(
        [str(VENV_BIN / "haven"), "db", "upgrade"],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert upgraded.returncode == 0, upgraded.stderr.decode()
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "python"),
                "-m",
                "haven.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, server.output()
            try:
                if httpx.get(f"{server.url}/api/v1/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _department(database_url: str) -> str:
    engine = create_db_engine(Settings(database_url=database_url))
    try:
        with new_session(engine) as db:
            dep = org_service.create_department(
                db, None, data=DepartmentCreate(name="Served ward", code="SRV")
            )
            db.commit()
            return str(dep.id)
    finally:
        engine.dispose()


def _stop(server: Server) -> None:
    server.process.send_signal(signal.SIGINT)
    server.process.wait(timeout=15)


def test_real_server_logs_no_address_for_anonymous_endpoints(
    server: Server, tmp_path: Path
) -> None:
    department = _department(f"sqlite:///{tmp_path / 'served.sqlite'}")
    with httpx.Client(base_url=server.url, timeout=10) as http:
        health = http.get("/api/v1/health")
        assert health.status_code == 200
        submitted = http.post(
            "/api/v1/anonymous/reports",
            json=anonymous_payload(department),
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert submitted.status_code == 201, submitted.text
        receipt = submitted.json()["receipt"]
        opened = http.post("/api/v1/anonymous/session", json={"receipt": receipt})
        assert opened.status_code == 200, opened.text
        wrong = http.post("/api/v1/anonymous/session", json={"receipt": "0000-0000-0000-0000-0000"})
        assert wrong.status_code == 401
        token = opened.json()["access_token"]
        view = http.get("/api/v1/anonymous/report", headers={"Authorization": f"Bearer {token}"})
        assert view.status_code == 200
    _stop(server)
    output = server.output()
    lines = output.splitlines()

    # Anonymous requests leave no access-log line at all (not even a day-stamped one: its
    # place among timed lines would date it), so no address either.
    assert [line for line in lines if "/anonymous" in line] == [], output
    assert "203.0.113.9" not in output
    # The contrast: the access log is on and does record a non-anonymous caller's address.
    health_lines = [line for line in lines if "/api/v1/health" in line]
    assert health_lines and all("127.0.0.1" in line for line in health_lines), output
    assert receipt not in output and receipt.replace("-", "") not in output
    assert token.rsplit(".", 1)[1] not in output

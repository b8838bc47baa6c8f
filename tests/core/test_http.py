"""Cross-cutting HTTP behaviour: problem details, limits, headers, health."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.factories.org import make_department, make_person

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["type"].startswith("urn:haven:problem:")
    return body


def test_malformed_json_is_a_400_problem(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    response = client.post(
        "/api/v1/departments",
        content=b'{"name": "Broken',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)


def test_missing_token_is_a_401_problem_with_www_authenticate(
    client: TestClient, engine: Engine
) -> None:
    response = client.get("/api/v1/me")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_role_is_a_403_problem(client: TestClient, engine: Engine) -> None:
    staff = make_person(engine, Role.staff)
    assert_problem(client.get("/api/v1/users", headers=staff.headers), 403)


def test_unknown_record_is_a_404_problem(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    assert_problem(client.get(f"/api/v1/users/{uuid.uuid4()}", headers=admin.headers), 404)


def test_unknown_api_path_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/no-such-thing"), 404)


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    assert_problem(client.delete("/api/v1/health"), 405)


def test_duplicate_is_a_409_problem_naming_the_field(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    make_department(engine, name="Emergency", code="ED")
    body = assert_problem(
        client.post(
            "/api/v1/departments", json={"name": "emergency", "code": "ER"}, headers=admin.headers
        ),
        409,
    )
    assert [e["field"] for e in body["errors"]] == ["name"]


def test_stale_if_match_is_412_and_missing_is_428(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    dep_id = make_department(engine)
    url = f"/api/v1/departments/{dep_id}"
    assert_problem(client.patch(url, json={"name": "Renamed"}, headers=admin.headers), 428)
    ok = client.patch(url, json={"name": "Renamed"}, headers={**admin.headers, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
    stale = client.patch(url, json={"name": "Again"}, headers={**admin.headers, "If-Match": '"1"'})
    assert_problem(stale, 412)
    assert client.get(url, headers=admin.headers).json()["name"] == "Renamed"


def test_body_over_one_mebibyte_is_a_413_problem_and_stores_nothing(
    client: TestClient, engine: Engine
) -> None:
    admin = make_person(engine, Role.admin)
    huge = {"name": "x" * (1024 * 1024 + 10), "code": "BIG"}
    assert_problem(client.post("/api/v1/departments", json=huge, headers=admin.headers), 413)
    listed = client.get("/api/v1/departments", headers=admin.headers).json()["items"]
    assert all(d["code"] != "BIG" for d in listed)


def test_streamed_body_over_the_limit_is_a_413_problem(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)

    def chunks():
        yield b'{"name": "'
        for _ in range(1100):
            yield b"y" * 1024
        yield b'", "code": "STREAM"}'

    response = client.post(
        "/api/v1/departments",
        content=chunks(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_validation_errors_list_each_field(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    body = assert_problem(
        client.post(
            "/api/v1/users",
            json={"email": "not-an-email", "display_name": "", "roles": [], "profession": "wizard"},
            headers=admin.headers,
        ),
        422,
    )
    fields = {e["field"] for e in body["errors"]}
    assert {"email", "display_name", "roles", "profession"} <= fields
    assert all(e["location"] == "body" for e in body["errors"])


def test_unknown_fields_are_refused_so_clients_cannot_set_server_fields(
    client: TestClient, engine: Engine
) -> None:
    admin = make_person(engine, Role.admin)
    body = assert_problem(
        client.post(
            "/api/v1/departments",
            json={"name": "Radiology", "code": "RAD", "version": 99, "id": str(uuid.uuid4())},
            headers=admin.headers,
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"version", "id"}


def test_validation_errors_do_not_echo_the_input(client: TestClient, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    secret_text = "patient-MRN-123456-should-not-echo"
    response = client.post(
        "/api/v1/departments",
        json={"name": secret_text, "code": secret_text},
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert secret_text not in response.text


def test_unhandled_exception_is_a_500_problem_without_trace(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haven.org import service as org_service

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail /srv/haven/db.py line 42")

    monkeypatch.setattr(org_service, "me", explode)
    staff = make_person(engine, Role.staff)
    response = client.get("/api/v1/me", headers=staff.headers)
    body = assert_problem(response, 500)
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"]
    assert body["title"] == "Internal server error"


def test_every_response_carries_a_request_id_and_security_headers(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert len(response.headers["x-request-id"]) >= 16
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_request_ids_differ_between_requests(client: TestClient) -> None:
    ids = {client.get("/api/v1/health").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_ready_reports_a_reachable_database(client: TestClient) -> None:
    assert client.get("/api/v1/ready").json() == {"status": "ready"}


def test_ready_is_503_with_retry_after_when_the_database_is_gone(settings) -> None:
    from haven.core.db import create_db_engine
    from haven.main import create_app

    broken = settings.model_copy(update={"database_url": "sqlite:////nonexistent-dir/x/y.sqlite"})
    app = create_app(
        broken,
        create_db_engine(
            settings.model_copy(
                update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
            )
        ),
    )
    with TestClient(app) as c:
        response = c.get("/api/v1/ready")
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "5"
    with TestClient(app) as c:
        assert c.get("/api/v1/health").status_code == 200


# --- one transaction, one hop to the worker threads ------------------------------------------


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls a request hands to the worker threads (each hop costs CPU and latency)."""
    import anyio.to_thread

    seen: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):
        seen.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return seen


def test_a_read_takes_one_hop_to_the_worker_threads(
    client: TestClient, engine: Engine, hops: list[str]
) -> None:
    officer = make_person(engine, Role.safety_officer)
    client.get("/api/v1/me", headers=officer.headers)  # the principal is now known
    hops.clear()
    response = client.get("/api/v1/reports?limit=5", headers=officer.headers)
    assert response.status_code == 200, response.text
    assert len(hops) == 1, hops


def test_an_idempotent_create_takes_one_hop_and_is_stored_with_its_headers(
    client: TestClient, engine: Engine, hops: list[str]
) -> None:
    admin = make_person(engine, Role.admin)
    client.get("/api/v1/me", headers=admin.headers)
    hops.clear()
    headers = {**admin.headers, "Idempotency-Key": "one-hop-1"}
    first = client.post(
        "/api/v1/departments", json={"name": "Wards", "code": "WRD"}, headers=headers
    )
    assert first.status_code == 201, first.text
    assert len(hops) == 1, hops
    retry = client.post(
        "/api/v1/departments", json={"name": "Wards", "code": "WRD"}, headers=headers
    )
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert (retry.headers["location"], retry.headers["etag"]) == (
        first.headers["location"],
        first.headers["etag"],
    )


def test_a_commit_that_fails_answers_a_problem_and_keeps_nothing(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    admin = make_person(engine, Role.admin)

    def locked(self) -> None:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(Session, "commit", locked)
    response = client.post(
        "/api/v1/departments",
        json={"name": "Never stored", "code": "NVR"},
        headers={**admin.headers, "Idempotency-Key": "failed-commit"},
    )
    monkeypatch.undo()
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "1"
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT count(*) FROM departments WHERE code = 'NVR'")
        ).scalar_one()
        keys = conn.execute(
            sa.text("SELECT count(*) FROM idempotency_records WHERE key = 'failed-commit'")
        ).scalar_one()
    assert (stored, keys) == (0, 0)
    retry = client.post(
        "/api/v1/departments",
        json={"name": "Never stored", "code": "NVR"},
        headers={**admin.headers, "Idempotency-Key": "failed-commit"},
    )
    assert retry.status_code == 201, retry.text


def test_a_response_that_breaks_its_schema_is_a_500_and_rolls_back(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from haven.org import service as org_service

    admin = make_person(engine, Role.admin)
    real = org_service.create_department

    def broken(*args, **kwargs):
        real(*args, **kwargs)  # the department is written in the request's transaction...
        return {"not": "a department"}  # ...but the answer does not match the schema

    monkeypatch.setattr(org_service, "create_department", broken)
    response = client.post(
        "/api/v1/departments", json={"name": "Half done", "code": "HLF"}, headers=admin.headers
    )
    assert_problem(response, 500)
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM departments WHERE code = 'HLF'")
            ).scalar_one()
            == 0
        )

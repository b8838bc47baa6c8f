"""Keyset pagination of departments and users: limits, cursors, complete and stable walks."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_department, make_person

API = "/api/v1"


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


def add_departments(engine: Engine, names: list[str]) -> None:
    for name in names:
        make_department(engine, name=name, code=uuid.uuid4().hex[:12])


def add_users(client: TestClient, admin: Person, names: list[str]) -> None:
    for name in names:
        response = client.post(
            f"{API}/users",
            json={
                "email": f"{uuid.uuid4().hex[:12]}@hospital.example.org",
                "display_name": name,
                "roles": ["staff"],
                "profession": "nurse",
                "password": "a long enough password",
            },
            headers=admin.headers,
        )
        assert response.status_code == 201, response.text


def get_page(
    client: TestClient,
    person: Person,
    path: str,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if limit is not None:
        params["limit"] = limit
    if cursor is not None:
        params["cursor"] = cursor
    response = client.get(f"{API}{path}", params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def walk(client: TestClient, person: Person, path: str, limit: int) -> list[list[dict[str, Any]]]:
    pages = []
    cursor = None
    while True:
        page = get_page(client, person, path, limit=limit, cursor=cursor)
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 1000, "the walk does not end"


LISTS = ["/departments", "/users"]


def seed(client: TestClient, engine: Engine, admin: Person, path: str, names: list[str]) -> None:
    if path == "/departments":
        add_departments(engine, names)
    else:
        add_users(client, admin, names)


# --- limits -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_default_page_is_fifty_rows(
    client: TestClient, engine: Engine, admin: Person, path: str
) -> None:
    seed(client, engine, admin, path, [f"Row {n:03d}" for n in range(55)])
    page = get_page(client, admin, path)
    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None


@pytest.mark.parametrize("path", LISTS)
def test_limit_of_two_hundred_is_accepted(client: TestClient, admin: Person, path: str) -> None:
    assert get_page(client, admin, path, limit=200)["next_cursor"] is None


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["201", "0", "-1", "many"])
def test_limit_outside_one_to_two_hundred_is_a_422_problem(
    client: TestClient, admin: Person, path: str, limit: str
) -> None:
    response = client.get(f"{API}{path}", params={"limit": limit}, headers=admin.headers)
    body = assert_problem(response, 422)
    assert [(e["location"], e["field"]) for e in body["errors"]] == [("query", "limit")]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


GARBAGE_CURSORS = [
    pytest.param("garbage", id="word"),
    pytest.param("!!!***", id="punctuation"),
    pytest.param("eyJ", id="truncated"),
    pytest.param(_cursor({"name": "x"}), id="object-not-list"),
    pytest.param(_cursor(["only one"]), id="too-short"),
    pytest.param(_cursor(["a", "b", "c"]), id="too-long"),
    pytest.param(_cursor(["a", {"u": "not-hex"}]), id="bad-uuid"),
    pytest.param(_cursor(["a", {"t": "yesterday"}]), id="bad-datetime"),
    pytest.param(_cursor(["a", {"x": 1}]), id="unknown-tag"),
    pytest.param(_cursor(["a", [1, 2]]), id="nested-list"),
    pytest.param(_cursor(["Ward", "not-a-uuid"]), id="plain-string-for-uuid"),
    pytest.param(_cursor(["Ward", 12345]), id="number-for-uuid"),
    pytest.param(_cursor([12345, {"u": uuid.uuid4().hex}]), id="number-for-name"),
    pytest.param(_cursor([None, None]), id="nulls"),
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
def test_garbage_cursor_is_a_400_problem(
    client: TestClient, engine: Engine, admin: Person, path: str, cursor: str
) -> None:
    make_department(engine)
    response = client.get(f"{API}{path}", params={"cursor": cursor}, headers=admin.headers)
    body = assert_problem(response, 400)
    assert [(e["location"], e["field"]) for e in body["errors"]] == [("query", "cursor")]


@pytest.mark.parametrize("path", LISTS)
def test_overlong_cursor_is_refused(client: TestClient, admin: Person, path: str) -> None:
    response = client.get(f"{API}{path}", params={"cursor": "A" * 600}, headers=admin.headers)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")


# --- walking ------------------------------------------------------------------------------


def _ids(page: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in page]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", [1, 7, 50])
def test_walking_all_pages_returns_every_row_exactly_once(
    client: TestClient, engine: Engine, admin: Person, path: str, limit: int
) -> None:
    # Repeated names, so the id tie-breaker in the sort key is what separates them.
    seed(
        client,
        engine,
        admin,
        path,
        [f"Ward {n % 5}" for n in range(23)]
        if path == "/users"
        else [f"Ward {n:02d}" for n in range(23)],
    )
    everything = get_page(client, admin, path, limit=200)["items"]
    pages = walk(client, admin, path, limit)
    walked = [row for page in pages for row in page]
    assert len(walked) == len(set(_ids(walked)))
    assert set(_ids(walked)) == set(_ids(everything))
    assert _ids(walked) == _ids(everything)
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit


def test_a_page_that_ends_exactly_at_the_last_row_has_no_next_cursor(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    add_departments(engine, [f"Exact {n}" for n in range(10)])
    page = get_page(client, admin, "/departments", limit=10)
    assert len(page["items"]) == 10
    assert page["next_cursor"] is None


def test_users_with_the_same_display_name_are_each_listed_once(
    client: TestClient, admin: Person
) -> None:
    add_users(client, admin, ["Sam Smith"] * 9)
    walked = [row for page in walk(client, admin, "/users", 2) for row in page]
    sams = [row["id"] for row in walked if row["display_name"] == "Sam Smith"]
    assert len(sams) == len(set(sams)) == 9


# --- stability under inserts --------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_inserts_between_pages_neither_repeat_nor_skip_existing_rows(
    client: TestClient, engine: Engine, admin: Person, path: str
) -> None:
    # "Mid ..." names sort between the first and second page of "Mid NN" rows in any
    # collation; "Aardvark" sorts before everything, "Zulu" after everything.
    seed(client, engine, admin, path, [f"Mid {n:02d}" for n in range(20)])
    before = _ids(get_page(client, admin, path, limit=200)["items"])

    first = get_page(client, admin, path, limit=8)
    assert first["next_cursor"] is not None
    seed(
        client,
        engine,
        admin,
        path,
        ["Aardvark", "Mid 03 and a half", "Mid 12 and a half", "Zulu"],
    )
    rest: list[dict[str, Any]] = []
    cursor = first["next_cursor"]
    while cursor is not None:
        page = get_page(client, admin, path, limit=8, cursor=cursor)
        rest.extend(page["items"])
        cursor = page["next_cursor"]

    seen = _ids(first["items"]) + _ids(rest)
    existing_seen = [i for i in seen if i in set(before)]
    assert sorted(existing_seen) == sorted(before)
    assert len(existing_seen) == len(set(existing_seen))
    names_after = [row["display_name" if path == "/users" else "name"] for row in rest]
    assert "Aardvark" not in names_after
    assert "Mid 03 and a half" not in names_after
    assert "Mid 12 and a half" in names_after
    assert "Zulu" in names_after


def test_deactivation_between_pages_does_not_shift_the_next_page(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    add_departments(engine, [f"Shift {n:02d}" for n in range(12)])
    first = get_page(client, admin, "/departments", limit=4)
    for row in first["items"][:2]:
        response = client.patch(
            f"{API}/departments/{row['id']}",
            json={"is_active": False},
            headers={**admin.headers, "If-Match": '"1"'},
        )
        assert response.status_code == 200
    second = get_page(client, admin, "/departments", limit=4, cursor=first["next_cursor"])
    assert [d["name"] for d in second["items"]] == [f"Shift {n:02d}" for n in range(4, 8)]

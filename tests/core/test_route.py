"""HavenRoute renders a sync endpoint's answer itself (to commit in the same hop): it must
answer exactly as FastAPI would, status codes, headers and response models included."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, BackgroundTasks, FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from haven.core.http import HavenRoute, SessionDep, _needs_fastapi


class Thing(BaseModel):
    name: str
    note: str | None = None


def _client(route_class: type | None) -> TestClient:
    kwargs = {"route_class": route_class} if route_class else {}
    router = APIRouter(**kwargs)
    ran: list[str] = []

    @router.post("/things", status_code=201, response_model=Thing)
    def create(data: Thing, response: Response) -> Thing:
        response.headers["Location"] = f"/things/{data.name}"
        return Thing(name=data.name.upper(), note=data.note)

    @router.get("/accepted", response_model=Thing, response_model_exclude_none=True)
    def accepted(response: Response) -> dict:
        response.status_code = 202
        response.headers["X-Kind"] = "queued"
        return {"name": "later", "note": None, "extra": "dropped by the model"}

    @router.delete("/things/{name}", status_code=204)
    def delete(name: str) -> None:
        return None

    @router.get("/plain")
    def plain() -> dict[str, int]:
        return {"n": 1}

    @router.get("/raw")
    def raw() -> Response:
        return Response("a,b\n", media_type="text/csv")

    @router.post("/later")
    def later(tasks: BackgroundTasks) -> dict[str, bool]:
        tasks.add_task(ran.append, "done")
        return {"queued": True}

    @router.get("/async")
    async def asynchronous() -> dict[str, str]:
        return {"via": "event loop"}

    @router.get("/database")
    def database(session: SessionDep) -> dict[str, int]:
        return {"one": session.execute(sa.text("SELECT 1")).scalar_one()}

    app = FastAPI()
    app.state.engine = sa.create_engine("sqlite://")
    app.include_router(router)
    client = TestClient(app)
    client.ran = ran  # type: ignore[attr-defined]
    return client


def _answers(client: TestClient) -> list[tuple[int, dict[str, str], bytes]]:
    calls = [
        client.post("/things", json={"name": "pump"}),
        client.get("/accepted"),
        client.delete("/things/pump"),
        client.get("/plain"),
        client.get("/raw"),
        client.post("/later"),
        client.get("/async"),
        client.post("/things", json={"name": 3}),  # invalid: FastAPI's 422
    ]
    keep = ("content-type", "location", "x-kind", "content-length")
    return [
        (r.status_code, {k: v for k, v in r.headers.items() if k in keep}, r.content) for r in calls
    ]


def test_answers_are_the_same_as_fastapis_own() -> None:
    from fastapi.routing import APIRoute

    haven, fastapi = _client(HavenRoute), _client(APIRoute)
    assert _answers(haven) == _answers(fastapi)
    created = haven.post("/things", json={"name": "pump"})
    assert (created.status_code, created.headers["location"]) == (201, "/things/pump")
    assert created.json() == {"name": "PUMP", "note": None}
    accepted = haven.get("/accepted")
    assert (accepted.status_code, accepted.json()) == (202, {"name": "later"})
    assert haven.delete("/things/pump").content == b""


def test_background_tasks_still_run() -> None:
    client = _client(HavenRoute)
    assert client.post("/later").json() == {"queued": True}
    assert client.ran == ["done"]  # type: ignore[attr-defined]


def test_a_database_read_is_answered_and_its_session_closed() -> None:
    client = _client(HavenRoute)
    assert client.get("/database").json() == {"one": 1}


def test_what_is_left_to_fastapi() -> None:
    async def asynchronous() -> None: ...

    def streamed():  # type: ignore[no-untyped-def]
        yield b""

    def with_tasks(tasks: BackgroundTasks) -> None: ...

    def plain() -> None: ...

    assert _needs_fastapi(asynchronous)
    assert _needs_fastapi(streamed)
    assert _needs_fastapi(with_tasks)
    assert not _needs_fastapi(plain)


def test_only_wrapped_endpoints_defer_the_idempotency_check_to_their_hop() -> None:
    # The Idempotency-Key dependency defers its check only to a route that will run it:
    # an endpoint left to FastAPI has it checked at once, in the dependency.
    async def asynchronous() -> None: ...

    def plain() -> None: ...

    assert HavenRoute("/a", asynchronous).one_hop is False
    assert HavenRoute("/p", plain).one_hop is True

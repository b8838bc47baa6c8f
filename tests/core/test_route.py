"""HavenRoute renders a sync endpoint's answer itself (to commit in the same hop): it must
answer exactly as FastAPI would, status codes, headers and response models included."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import fastapi
import sqlalchemy as sa
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Header, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from haven.core.errors import install_error_handlers
from haven.core.http import HavenRoute, SessionDep
from haven.core.route import MIRRORS_FASTAPI, _needs_fastapi


class Thing(BaseModel):
    name: str
    note: str | None = None


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    display_name: str = Field(alias="displayName")
    size: int = 1
    secret: str | None = None


class Filters(BaseModel):
    limit: int = Field(ge=1, le=10)


def _tagged(response: Response) -> None:
    response.headers["X-From-Dependency"] = "yes"


def _client(route_class: type | None, *, problems: bool = False) -> TestClient:
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

    # --- response_model options ---------------------------------------------------------

    @router.get("/include", response_model=Aliased, response_model_include={"display_name"})
    def include() -> Aliased:
        return Aliased(display_name="Ward 3", size=4, secret="s")

    @router.get("/exclude", response_model=Aliased, response_model_exclude={"secret"})
    def exclude() -> Aliased:
        return Aliased(display_name="Ward 3", size=4, secret="s")

    @router.get("/by-alias", response_model=Aliased)
    def by_alias() -> dict[str, object]:
        return {"displayName": "Ward 3"}

    @router.get("/by-name", response_model=Aliased, response_model_by_alias=False)
    def by_name() -> dict[str, object]:
        return {"displayName": "Ward 3"}

    @router.get("/unset", response_model=Aliased, response_model_exclude_unset=True)
    def unset() -> Aliased:
        return Aliased(display_name="Ward 3", secret=None)

    @router.get("/defaults", response_model=Aliased, response_model_exclude_defaults=True)
    def defaults() -> Aliased:
        return Aliased(display_name="Ward 3", size=1, secret="s")

    @router.get("/list", response_model=list[Thing])
    def listed() -> list[dict[str, str]]:
        return [{"name": "a"}, {"name": "b", "note": "n"}]

    # --- sub-responses --------------------------------------------------------------------

    @router.get("/returned", dependencies=[Depends(_tagged)])
    def returned(response: Response) -> Response:
        # A returned Response is sent as it is: the sub-response's headers and status code
        # (set here and by the dependency) are not added to it, by FastAPI or by HavenRoute.
        response.headers["X-Sub"] = "dropped"
        response.status_code = 299
        return Response("own", media_type="text/plain", headers={"X-Own": "kept"})

    @router.get("/headed", response_model=Thing, dependencies=[Depends(_tagged)])
    def headed(response: Response) -> Thing:
        response.headers["X-Sub"] = "kept"
        return Thing(name="h")

    @router.get("/cookie", status_code=200)
    def cookie(response: Response) -> dict[str, str]:
        response.set_cookie("flavour", "oat", httponly=True)
        response.set_cookie("other", "rye")
        return {"ok": "yes"}

    @router.post("/emptied", status_code=200)
    def emptied(response: Response) -> dict[str, str]:
        response.status_code = 304  # a status that allows no body: the body is dropped
        return {"dropped": "body"}

    # --- non-default response classes ------------------------------------------------------

    @router.get("/text", response_class=PlainTextResponse)
    def text() -> str:
        return "plain words"

    @router.get("/html", response_class=HTMLResponse, status_code=203)
    def html(response: Response) -> str:
        response.headers["X-Sub"] = "kept"
        return "<p>hello</p>"

    @router.get("/explicit-json", response_class=JSONResponse, response_model=Thing)
    def explicit_json() -> dict[str, str]:
        return {"name": "j", "extra": "dropped by the model"}

    @router.get("/returned-html", response_class=HTMLResponse)
    def returned_html() -> HTMLResponse:
        return HTMLResponse("<p>own</p>", status_code=201)

    # --- request validation ------------------------------------------------------------------

    @router.get("/query")
    def query(filters: Annotated[Filters, Depends()]) -> dict[str, int]:
        return {"limit": filters.limit}

    @router.get("/path/{number}")
    def path(number: int) -> dict[str, int]:
        return {"number": number}

    @router.get("/header")
    def header(x_count: Annotated[int, Header()]) -> dict[str, int]:
        return {"count": x_count}

    app = FastAPI()
    if problems:
        install_error_handlers(app)
    app.state.engine = sa.create_engine("sqlite://")
    app.include_router(router)
    client = TestClient(app)
    client.ran = ran  # type: ignore[attr-defined]
    return client


_KEEP = ("content-type", "location", "x-kind", "content-length", "x-own", "x-sub")
_KEEP += ("x-from-dependency", "set-cookie")


def _answers(client: TestClient) -> list[tuple[str, int, list[tuple[str, str]], bytes]]:
    calls = [
        client.post("/things", json={"name": "pump"}),
        client.get("/accepted"),
        client.delete("/things/pump"),
        client.get("/plain"),
        client.get("/raw"),
        client.post("/later"),
        client.get("/async"),
        client.get("/include"),
        client.get("/exclude"),
        client.get("/by-alias"),
        client.get("/by-name"),
        client.get("/unset"),
        client.get("/defaults"),
        client.get("/list"),
        client.get("/returned"),
        client.get("/headed"),
        client.get("/cookie"),
        client.post("/emptied"),
        client.get("/text"),
        client.get("/html"),
        client.get("/explicit-json"),
        client.get("/returned-html"),
        # Request validation: FastAPI's 422 (or Haven's problem) for each location.
        client.post("/things", json={"name": 3}),
        client.post("/things", json={"note": "no name"}),
        client.post(
            "/things", content=b'{"name": "broken', headers={"content-type": "application/json"}
        ),
        client.post("/things"),
        client.get("/query", params={"limit": 11}),
        client.get("/query"),
        client.get("/path/not-a-number"),
        client.get("/header", headers={"x-count": "many"}),
        client.get("/header"),
    ]
    return [
        (
            f"{r.request.method} {r.request.url.path}",
            r.status_code,
            [(k, v) for k, v in r.headers.multi_items() if k in _KEEP],
            r.content,
        )
        for r in calls
    ]


def test_answers_are_the_same_as_fastapis_own() -> None:
    haven, fastapi_own = _client(HavenRoute), _client(APIRoute)
    assert _answers(haven) == _answers(fastapi_own)
    created = haven.post("/things", json={"name": "pump"})
    assert (created.status_code, created.headers["location"]) == (201, "/things/pump")
    assert created.json() == {"name": "PUMP", "note": None}
    accepted = haven.get("/accepted")
    assert (accepted.status_code, accepted.json()) == (202, {"name": "later"})
    assert haven.delete("/things/pump").content == b""


def test_problem_details_are_the_same_as_with_fastapis_own_route() -> None:
    # With Haven's error handlers installed, as in the app: the same problems, field by field.
    haven, fastapi_own = _client(HavenRoute, problems=True), _client(APIRoute, problems=True)
    assert _answers(haven) == _answers(fastapi_own)
    invalid = haven.get("/query", params={"limit": 11}).json()
    assert (invalid["status"], [e["field"] for e in invalid["errors"]]) == (422, ["limit"])


def test_response_model_options_shape_the_answer() -> None:
    client = _client(HavenRoute)
    assert client.get("/include").json() == {"displayName": "Ward 3"}
    assert client.get("/exclude").json() == {"displayName": "Ward 3", "size": 4}
    assert client.get("/by-alias").json() == {"displayName": "Ward 3", "size": 1, "secret": None}
    assert client.get("/by-name").json() == {"display_name": "Ward 3", "size": 1, "secret": None}
    assert client.get("/unset").json() == {"displayName": "Ward 3", "secret": None}
    assert client.get("/defaults").json() == {"displayName": "Ward 3", "secret": "s"}


def test_a_returned_response_is_sent_as_it_is() -> None:
    returned = _client(HavenRoute).get("/returned")
    assert (returned.status_code, returned.text, returned.headers["x-own"]) == (200, "own", "kept")
    assert "x-sub" not in returned.headers
    assert "x-from-dependency" not in returned.headers


def test_the_sub_responses_headers_and_cookies_are_kept() -> None:
    client = _client(HavenRoute)
    headed = client.get("/headed")
    assert (headed.headers["x-sub"], headed.headers["x-from-dependency"]) == ("kept", "yes")
    cookies = client.get("/cookie").headers.get_list("set-cookie")
    assert [c.split(";")[0] for c in cookies] == ["flavour=oat", "other=rye"]


def test_a_non_default_response_class_is_rendered_by_fastapi() -> None:
    client = _client(HavenRoute)
    text = client.get("/text")
    assert (text.headers["content-type"], text.text) == ("text/plain; charset=utf-8", "plain words")
    html = client.get("/html")
    assert (html.status_code, html.headers["x-sub"]) == (203, "kept")
    assert client.get("/explicit-json").json() == {"name": "j", "note": None}


def test_work_behind_a_non_default_response_class_is_committed(tmp_path: Path) -> None:
    # FastAPI renders it, after the endpoint's hop; the route commits after that.
    router = APIRouter(route_class=HavenRoute)

    @router.post("/notes", response_class=PlainTextResponse)
    def write(session: SessionDep) -> str:
        session.execute(sa.text("INSERT INTO notes (body) VALUES ('kept')"))
        return "written"

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE notes (body TEXT)"))
    app = FastAPI()
    app.state.engine = engine
    app.include_router(router)
    assert TestClient(app).post("/notes").text == "written"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT body FROM notes")).scalars().all() == ["kept"]


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


def test_the_mirrored_fastapi_is_the_one_installed() -> None:
    # HavenRoute mirrors FastAPI's rendering of one version (see haven.core.route). On an
    # upgrade, re-read the functions its docstring names, then change MIRRORS_FASTAPI.
    assert fastapi.__version__ == MIRRORS_FASTAPI


# --- the real app --------------------------------------------------------------------------

# Routes left to FastAPI on purpose: async probes that touch no database (nothing to commit,
# no hop to save). Any other route left to FastAPI has lost its one hop by accident (an async
# endpoint that reads the database, a BackgroundTasks parameter, an annotation that does not
# resolve).
LEFT_TO_FASTAPI = {("GET", "/api/v1/health"), ("GET", "/api/v1/ready")}


def _real_routes(app: FastAPI) -> list[tuple[str, str, HavenRoute]]:
    found = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute):
            assert isinstance(route, HavenRoute), ctx.path
            found.extend((method, str(ctx.path), route) for method in sorted(route.methods))
    return found


def test_every_route_of_the_app_takes_the_intended_hop(app: FastAPI) -> None:
    routes = _real_routes(app)
    assert {(m, p) for m, p, route in routes if not route.one_hop} == LEFT_TO_FASTAPI
    for method, path, route in routes:
        # The decision follows the endpoint itself, not an accident of wrapping.
        endpoint = getattr(route.endpoint, "__wrapped__", route.endpoint)
        assert route.one_hop is not _needs_fastapi(endpoint), (method, path)


def test_routes_with_their_own_response_class_return_a_response(app: FastAPI) -> None:
    # A route with a non-default response class that returned anything but a Response would
    # be rendered by FastAPI after the endpoint's hop and committed in a second one.
    import inspect

    for method, path, route in _real_routes(app):
        if isinstance(route.response_class, DefaultPlaceholder):
            continue
        endpoint = getattr(route.endpoint, "__wrapped__", route.endpoint)
        returns = inspect.signature(endpoint, eval_str=True).return_annotation
        assert isinstance(returns, type) and issubclass(returns, Response), (method, path)

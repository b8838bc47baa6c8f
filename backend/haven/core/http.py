"""HTTP plumbing shared by every domain.

* :class:`HavenRoute` — one transaction per request: the unit of work is committed once
  after the endpoint succeeds (and before the response is sent), rolled back on any error;
  a stored idempotent response is written in the same transaction.
* :class:`RequestContextMiddleware` — request id, body-size limit, security headers and
  the access log: method, route template, status, duration and request id, never a person
  and (unless the operator opts in) never the client's address. Requests to **quiet**
  routes write no access-log line at all, are served without a request id that anything
  stores, and their other log lines keep only the day (see :mod:`haven.core.logging`).
  Which routes are quiet is not known here: each domain declares its own
  (:class:`QuietRoutes`), and the app passes them in when it is assembled.
* ETag / If-Match helpers for versioned resources.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import re
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Header, Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.utils import is_body_allowed_for_status_code
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haven.core.db import UnitOfWork
from haven.core.errors import (
    AppError,
    Conflict,
    PreconditionFailed,
    ServiceUnavailable,
    problem_response,
)
from haven.core.logging import bind_request, unbind_request
from haven.core.versioning import etag_for

log = logging.getLogger("haven.http")
access_log = logging.getLogger("haven.access")

API_PREFIX = "/api/v1"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


# --- the unit of work ----------------------------------------------------------------------


class ReplayResponse(Exception):
    """Raised by the idempotency dependency to answer with a stored first response."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


class CommitFailed(Exception):
    """The endpoint's work could not be committed (raised from the worker thread)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


# The request being handled, for the endpoint wrapper in the worker thread (a context
# variable: anyio copies the context into the thread it runs the endpoint in).
_REQUEST: contextvars.ContextVar[Request] = contextvars.ContextVar("haven_request")
# The name under which the wrapper asks FastAPI for the sub-response (headers, status code
# set by the endpoint or its dependencies) when the endpoint does not declare one itself.
_SUB_RESPONSE = "haven_sub_response"


class HavenRoute(APIRoute):
    """An API route whose request is one transaction, done in **one** hop to the worker
    threads: the deferred Idempotency-Key check, the endpoint, validating and rendering its
    response, storing that response for the key, and the commit all run in the thread the
    endpoint runs in. (FastAPI alone would take three or four hops for a sync endpoint:
    dependency, endpoint, response validation, and our commit; each costs ~0.15 ms of CPU
    and a wake-up of the event loop.) Responses are rendered exactly as FastAPI renders
    them: the route's status code, the sub-response's status and headers, the response
    model's validation and JSON serialisation."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # Whether the endpoint runs through the one-hop wrapper (which also runs a deferred
        # Idempotency-Key check); the others are rendered by FastAPI and committed after.
        self.one_hop = not _needs_fastapi(endpoint)
        super().__init__(path, self._in_one_hop(endpoint) if self.one_hop else endpoint, **kwargs)

    def _in_one_hop(self, endpoint: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(endpoint, eval_str=True)
        declared = next(
            (
                p.name
                for p in signature.parameters.values()
                if isinstance(p.annotation, type) and issubclass(p.annotation, Response)
            ),
            None,
        )
        parameters = list(signature.parameters.values())
        if declared is None:
            parameters.append(
                inspect.Parameter(
                    _SUB_RESPONSE, inspect.Parameter.KEYWORD_ONLY, annotation=Response
                )
            )

        @functools.wraps(endpoint)
        def run(**values: Any) -> Any:
            request = _REQUEST.get()
            sub_response: Response = (
                values[declared] if declared is not None else values.pop(_SUB_RESPONSE)
            )
            unit: UnitOfWork = request.state.unit
            check = getattr(request.state, "idempotency_check", None)
            if check is not None:
                check(unit.session)  # may raise ReplayResponse or a 4xx
            raw = endpoint(**values)
            response = self._render(raw, sub_response)
            if response is None:
                return raw  # FastAPI renders it; HavenRoute commits after
            pending = getattr(request.state, "idempotency", None)
            store = None
            if pending is not None and 200 <= response.status_code < 300:
                store = functools.partial(pending.store, response=response)
            try:
                unit.finish(commit=True, before_commit=store)
            except Exception as exc:
                raise CommitFailed(exc) from exc
            return response

        run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return run

    def _render(self, raw: Any, sub_response: Response) -> Response | None:
        """What FastAPI's request handler makes of a sync endpoint's return value (see
        ``fastapi.routing.get_request_handler``), or ``None`` where it uses another path."""
        if isinstance(raw, Response):
            return raw
        if not isinstance(self.response_class, DefaultPlaceholder):
            return None
        status_code = self.status_code or sub_response.status_code
        if sub_response.status_code:
            status_code = sub_response.status_code
        args: dict[str, Any] = {} if status_code is None else {"status_code": status_code}
        field = self.response_field
        if field is None:
            response: Response = JSONResponse(jsonable_encoder(raw), **args)
        else:
            value, errors = field.validate(raw, {}, loc=("response",))
            if errors:
                raise ResponseValidationError(errors=errors, body=raw)
            content = field.serialize_json(
                value,
                include=self.response_model_include,
                exclude=self.response_model_exclude,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            )
            response = Response(content=content, media_type="application/json", **args)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            unit = UnitOfWork(request.app.state.engine)
            request.state.unit = unit
            token = _REQUEST.set(request)
            try:
                response = await handler(request)
            except ReplayResponse as replay:
                await _finish(unit, commit=False)
                return replay.response
            except CommitFailed as failed:
                return _commit_failed(request, failed.cause)
            except AppError as exc:
                await _finish(unit, commit=exc.commit_anyway)
                raise
            except (RequestValidationError, StarletteHTTPException):
                await _finish(unit, commit=False)
                raise
            except Exception as exc:
                await _finish(unit, commit=False)
                mapped = _map_database_error(exc)
                if mapped is not None:
                    raise mapped from exc
                return _internal_error(request, exc)
            finally:
                _REQUEST.reset(token)
            if not unit.started:
                return response  # committed in the endpoint's hop, or nothing to commit
            pending = getattr(request.state, "idempotency", None)
            store = None
            if pending is not None and 200 <= response.status_code < 300:
                store = functools.partial(pending.store, response=response)
            try:
                await run_in_threadpool(unit.finish, commit=True, before_commit=store)
            except Exception as exc:
                return _commit_failed(request, exc)
            return response

        return route_handler


def _needs_fastapi(endpoint: Callable[..., Any]) -> bool:
    """Endpoints the one-hop wrapper leaves to FastAPI: async ones (no hop to save),
    generators (streamed), and those with background tasks (FastAPI attaches them)."""
    if (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    ):
        return True
    try:
        parameters = inspect.signature(endpoint, eval_str=True).parameters.values()
    except NameError:
        return True
    return any(
        isinstance(p.annotation, type) and issubclass(p.annotation, BackgroundTasks)
        for p in parameters
    )


def _commit_failed(request: Request, exc: Exception) -> Response:
    if getattr(request.state, "idempotency", None) is not None and isinstance(exc, IntegrityError):
        raise Conflict(
            "Another request with this Idempotency-Key was processed at the "
            "same time. Retry to receive its result."
        ) from exc
    mapped = _map_database_error(exc)
    if mapped is not None:
        raise mapped from exc
    return _internal_error(request, exc)


async def _finish(unit: UnitOfWork, *, commit: bool) -> None:
    if unit.started:
        await run_in_threadpool(unit.finish, commit=commit)


def _map_database_error(exc: Exception) -> AppError | None:
    if isinstance(exc, StaleDataError):
        return PreconditionFailed("The resource was changed by someone else; reload it and retry.")
    if isinstance(exc, IntegrityError):
        return Conflict("The change conflicts with data already stored.")
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        return ServiceUnavailable(
            "The database is busy; retry shortly.", headers={"Retry-After": "1"}
        )
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        # The connection died under the request (a database restart): nothing was kept,
        # and the pool reconnects.
        return ServiceUnavailable(
            "The connection to the database was lost; retry shortly.",
            headers={"Retry-After": "1"},
        )
    return None


def _internal_error(request: Request, exc: Exception) -> Response:
    log.error(
        "unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc
    )
    return problem_response(
        request,
        status=500,
        type_="internal-error",
        title="Internal server error",
        detail="Something went wrong on our side; the X-Request-ID header helps support find it.",
    )


async def _session(request: Request) -> Session:
    unit: UnitOfWork = request.state.unit
    return unit.session


SessionDep = Annotated[Session, Depends(_session)]


# --- ETag / If-Match -----------------------------------------------------------------------


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the version being changed, e.g. "3". Required.',
        max_length=64,
    ),
]


# --- middleware ----------------------------------------------------------------------------


SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
API_HEADERS: list[tuple[bytes, bytes]] = [(b"cache-control", b"no-store")]
SPA_CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class QuietRoutes:
    """Routes whose callers must not be placed in time by the logs (DESIGN.md: nothing in the
    logs may bracket an anonymous action or reveal who uses support). Each domain declares
    its own next to its router; the app collects them at assembly and hands them to
    :class:`RequestContextMiddleware`, so this module names no domain.

    ``api`` holds path prefixes relative to the API's base path (``/anonymous``), ``pages``
    the web client's paths (``/follow-report``); a prefix covers itself and what lies below
    it (``/support`` covers ``/support/requests/x``, not ``/supporters``). ``bearer`` tells
    from an ``Authorization: Bearer`` token whether its holder is a quiet caller on any route
    (an anonymous report's session); it must verify the token, not trust its claims."""

    api: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    bearer: tuple[Callable[[str], bool], ...] = ()


class _QuietMatcher:
    def __init__(self, declared: Iterable[QuietRoutes]) -> None:
        parts = list(declared)
        paths = [f"{API_PREFIX}{p}" for q in parts for p in q.api] + [
            p for q in parts for p in q.pages
        ]
        self.exact = frozenset(p.rstrip("/") or "/" for p in paths)
        self.below = tuple(p.rstrip("/") + "/" for p in paths)
        self.bearer = tuple(test for q in parts for test in q.bearer)

    def covers(self, path: str, authorization: str | None) -> bool:
        if path in self.exact or path.startswith(self.below):
            return True
        if self.bearer and authorization and authorization[:7].lower() == "bearer ":
            token = authorization[7:].strip()
            return any(test(token) for test in self.bearer)
        return False


class RequestContextMiddleware:
    """Pure ASGI (no per-request task overhead): request id, body limit, headers, access log.

    ``quiet``: the routes that write no access-log line (see :class:`QuietRoutes`).
    ``log_client_address``: whether ordinary access-log lines name the client's address
    (``HAVEN_ACCESS_LOG_CLIENT_ADDRESS``, off by default: with it on, the log says who was
    using Haven when, which a reader can set beside anything else that keeps a time)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        quiet: Iterable[QuietRoutes] = (),
        log_client_address: bool = False,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.quiet = _QuietMatcher(quiet)
        self.log_client_address = log_client_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        quiet = self.quiet.covers(path, _header(scope, b"authorization"))
        incoming = _header(scope, b"x-request-id")
        if incoming and not quiet and _SAFE_REQUEST_ID.match(incoming):
            request_id = incoming
        else:
            # A quiet request's id is fresh and random, returned to its caller only: nothing
            # logs or stores it, and a client-chosen one would be a tag the caller could be
            # known by.
            request_id = uuid.uuid4().hex
        tokens = bind_request(request_id, quiet=quiet)
        started = time.perf_counter()
        status_holder = {"status": 500}
        is_api = path.startswith(API_PREFIX)

        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_problem_413(scope, send, request_id, self.max_body_bytes)
            status_holder["status"] = 413
            self._log(scope, status_holder["status"], started, quiet)
            unbind_request(tokens)
            return

        received = 0
        exceeded = False
        replaced = False

        async def limited_receive() -> Message:
            # Past the limit, the app is handed an end of body; whatever it answers to the
            # truncated body is then replaced by the 413 below.
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    exceeded = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal replaced
            if exceeded:
                if not replaced:
                    replaced = True
                    status_holder["status"] = 413
                    await _send_problem_413(scope, send, request_id, self.max_body_bytes)
                return
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if is_api:
                    headers.extend(API_HEADERS)
                else:
                    headers.append((b"content-security-policy", SPA_CSP))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
            if exceeded and not replaced:
                status_holder["status"] = 413
                await _send_problem_413(scope, send, request_id, self.max_body_bytes)
        finally:
            self._log(scope, status_holder["status"], started, quiet)
            unbind_request(tokens)

    def _log(self, scope: Scope, status: int, started: float, quiet: bool) -> None:
        if quiet:
            # No access-log line at all: even without address or time, its place among
            # timed lines would date the request.
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        # The route's template, not the path: record ids in a path say which record was
        # looked at, and when. (The request id comes with every line: see LOG_FORMAT.)
        target = _path_template(scope)
        if self.log_client_address:
            client = scope.get("client")
            address = client[0] if client else "-"
            access_log.info(
                "%s %s %s %.1fms client=%s", scope["method"], target, status, elapsed_ms, address
            )
        else:
            access_log.info("%s %s %s %.1fms", scope["method"], target, status, elapsed_ms)


def _path_template(scope: Scope) -> str:
    """The path with each path parameter put back as ``{name}``
    (``/api/v1/departments/{department_id}``); the path itself where no route matched."""
    path: str = scope["path"]
    params = scope.get("path_params")
    if not params:
        return path
    names = {str(value): name for name, value in params.items()}
    return "/".join(f"{{{names[part]}}}" if part in names else part for part in path.split("/"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _too_large_detail(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes."


async def _send_problem_413(scope: Scope, send: Send, request_id: str, limit: int) -> None:
    response = problem_response(
        None,
        instance=scope["path"],
        status=413,
        type_="payload-too-large",
        title="Request body too large",
        detail=_too_large_detail(limit),
    )
    body = response.body
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        (b"connection", b"close"),
        *SECURITY_HEADERS,
        *API_HEADERS,
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""The request middleware: request id, body-size limit, security headers and the access log.

The access log records method, route template, status, duration and request id, never a
person and (unless the operator opts in) never the client's address. Requests to **quiet**
routes write no access-log line at all, are served without a request id that anything
stores, and their other log lines keep only the day (see :mod:`haven.core.logging`). Which
routes are quiet is not known here: each domain declares its own (:class:`QuietRoutes`), and
the app passes them in, with the API's base path, when it is assembled.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haven.core.errors import problem_response
from haven.core.logging import bind_request, unbind_request

access_log = logging.getLogger("haven.access")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


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
    :class:`RequestMiddleware`, so this module names no domain.

    ``api`` holds path prefixes relative to the API's base path (``/anonymous``), ``pages``
    the web client's paths (``/follow-report``); a prefix covers itself and what lies below
    it (``/support`` covers ``/support/requests/x``, not ``/supporters``). ``bearer`` tells
    from an ``Authorization: Bearer`` token whether its holder is a quiet caller on any route
    (an anonymous report's session); it must verify the token, not trust its claims."""

    api: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    bearer: tuple[Callable[[str], bool], ...] = ()


class _QuietMatcher:
    def __init__(self, declared: Iterable[QuietRoutes], *, api_prefix: str) -> None:
        parts = list(declared)
        paths = [f"{api_prefix}{p}" for q in parts for p in q.api] + [
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


class RequestMiddleware:
    """Pure ASGI (no per-request task overhead): request id, body limit, headers, access log.

    ``api_prefix``: the API's base path (its responses are never cached; the rest is the web
    client's, sent with a content security policy).
    ``quiet``: the routes that write no access-log line (see :class:`QuietRoutes`).
    ``log_client_address``: whether ordinary access-log lines name the client's address
    (``HAVEN_ACCESS_LOG_CLIENT_ADDRESS``, off by default: with it on, the log says who was
    using Haven when, which a reader can set beside anything else that keeps a time)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_prefix: str,
        max_body_bytes: int,
        quiet: Iterable[QuietRoutes] = (),
        log_client_address: bool = False,
    ) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.max_body_bytes = max_body_bytes
        self.quiet = _QuietMatcher(quiet, api_prefix=api_prefix)
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
        is_api = path.startswith(self.api_prefix)

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

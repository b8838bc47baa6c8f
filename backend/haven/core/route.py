"""HavenRoute: one transaction per request, done in one hop to the worker threads.

**Fenced: this module mirrors FastAPI's own code, for FastAPI** ``0.163.2`` (pinned in
pyproject.toml; :data:`MIRRORS_FASTAPI` says which, and ``tests/core/test_route.py`` fails
on any other version until this module has been re-read against it). What it mirrors:

* :meth:`HavenRoute._render` is the branch of ``fastapi.routing.get_request_handler``'s
  ``app()`` for an endpoint that is neither a generator nor a coroutine: a returned
  ``Response`` is sent as it is; otherwise the status code chosen as
  ``fastapi.routing._build_response_args`` chooses it (the route's, unless the sub-response
  set one), the response model validated and serialised as ``serialize_response`` does with
  ``dump_json`` (its include/exclude/by_alias/exclude_* options), ``jsonable_encoder`` when
  there is no response model, an empty body where the status allows none
  (``is_body_allowed_for_status_code``), and the sub-response's headers appended last.
* :func:`_needs_fastapi` leaves to FastAPI what that branch does not cover: coroutines,
  generators (FastAPI streams them) and endpoints that take ``BackgroundTasks``; a non-default
  ``response_class`` whose endpoint returns no ``Response`` is also rendered by FastAPI
  (``_render`` answers ``None``), and committed after.
* The wrapper's signature is the endpoint's plus a ``Response`` parameter, so FastAPI's
  dependency solver hands it the sub-response it would hand the endpoint (the ``Response``
  parameter FastAPI recognises by annotation, ``fastapi.dependencies.utils``).

Upgrading FastAPI: re-read those functions in the new version, change this module where they
changed, then :data:`MIRRORS_FASTAPI`. ``tests/core/test_route.py`` compares the answers of
this route and of FastAPI's own ``APIRoute`` on the same endpoints, and checks which routes of
the real app take the one hop.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import BackgroundTasks, Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.utils import is_body_allowed_for_status_code
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from haven.core.context import ReplayResponse, RequestContext
from haven.core.errors import AppError, database_error, internal_error

log = logging.getLogger("haven.http")

MIRRORS_FASTAPI = "0.163.2"
_INTERNAL_ERROR = "Something went wrong on our side; the X-Request-ID header helps support find it."


class CommitFailed(Exception):
    """The endpoint's work could not be committed (raised from the worker thread)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


# The request being handled, for the endpoint wrapper in the worker thread (a context
# variable: anyio copies the context into the thread it runs the endpoint in).
_CONTEXT: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("haven_request")
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
            context = _CONTEXT.get()
            sub_response: Response = (
                values[declared] if declared is not None else values.pop(_SUB_RESPONSE)
            )
            context.run_deferred_check()  # may raise ReplayResponse or a 4xx
            raw = endpoint(**values)
            response = self._render(raw, sub_response)
            if response is None:
                return raw  # FastAPI renders it; HavenRoute commits after
            try:
                context.commit(response)
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
            context = RequestContext.open(request, self, one_hop=self.one_hop)
            unit = context.unit
            token = _CONTEXT.set(context)
            try:
                response = await handler(request)
            except ReplayResponse as replay:
                await _finish(context, commit=False)
                return replay.response
            except CommitFailed as failed:
                return _commit_failed(request, context, failed.cause)
            except AppError as exc:
                await _finish(context, commit=exc.commit_anyway)
                raise
            except (RequestValidationError, StarletteHTTPException):
                await _finish(context, commit=False)
                raise
            except Exception as exc:
                await _finish(context, commit=False)
                mapped = database_error(exc)
                if mapped is not None:
                    raise mapped from exc
                return internal_error(request, exc, detail=_INTERNAL_ERROR, logger=log)
            finally:
                _CONTEXT.reset(token)
            if not unit.started:
                return response  # committed in the endpoint's hop, or nothing to commit
            try:
                await run_in_threadpool(context.commit, response)
            except Exception as exc:
                return _commit_failed(request, context, exc)
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


def _commit_failed(request: Request, context: RequestContext, exc: Exception) -> Response:
    if context.idempotency is not None:
        raced = context.idempotency.raced(exc)
        if raced is not None:
            raise raced from exc
    mapped = database_error(exc)
    if mapped is not None:
        raise mapped from exc
    return internal_error(request, exc, detail=_INTERNAL_ERROR, logger=log)


async def _finish(context: RequestContext, *, commit: bool) -> None:
    if context.unit.started:
        await run_in_threadpool(context.unit.finish, commit=commit)

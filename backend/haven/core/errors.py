"""One error family, rendered as RFC 9457 problem details.

Services raise :class:`AppError` subclasses; the handlers in :func:`install_error_handlers`
render them, request validation errors and unhandled exceptions as
``application/problem+json``. :func:`database_error` says which database failures are
problems the caller can act on (a stale version, a conflict, a busy or lost database); the
request's route (:mod:`haven.core.route`) raises them in place of the failure. Messages never
echo request bodies or confidential text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

log = logging.getLogger("haven.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:haven:problem:"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field inside its location.")
    location: str = Field(description="Where the field is: body, query, path, header or cookie.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="URI identifying the problem type.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="Field-level validation errors, when there are any."
    )


class AppError(Exception):
    status: int = 400
    type: str = "bad-request"
    title: str = "Bad request"
    # Security accounting (failed sign-ins, refresh-token reuse) must outlive the error.
    commit_anyway: bool = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        title: str | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        # RFC 9457 extension members, beside the standard ones (e.g. a sign-in challenge).
        self.extensions = dict(extensions or {})
        if title:
            self.title = title


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status, type, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class Forbidden(AppError):
    status, type, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, type, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, type, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status, type, title = 412, "precondition-failed", "The resource has changed"


class Unprocessable(AppError):
    status, type, title = 422, "unprocessable", "The request cannot be processed"


class PreconditionRequired(AppError):
    status, type, title = 428, "precondition-required", "If-Match header required"


class TooManyRequests(AppError):
    status, type, title = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(AppError):
    status, type, title = 503, "service-unavailable", "Service unavailable"


def field_error(field: str, message: str, location: str = "body") -> FieldError:
    return FieldError(field=field, location=location, message=message)


def problem_response(
    request: Request | None,
    *,
    status: int,
    type_: str,
    title: str,
    detail: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_TYPE_PREFIX + type_,
        title=title,
        status=status,
        detail=detail or title,
        instance=request.url.path if request is not None else instance,
        errors=list(errors) if errors else None,
    )
    return JSONResponse(
        {**(extensions or {}), **body.model_dump(exclude_none=True)},
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


_STATUS_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "The resource has changed"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Invalid request"),
    428: ("precondition-required", "If-Match header required"),
    429: ("too-many-requests", "Too many requests"),
    503: ("service-unavailable", "Service unavailable"),
}
_DEFAULT_DETAILS = {
    404: "There is nothing at this address.",
    405: "This address does not accept this method.",
}


def _location_and_field(loc: Sequence[Any]) -> tuple[str, str]:
    if not loc:
        return "body", ""
    location = str(loc[0])
    rest = [str(p) for p in loc[1:]]
    return location, ".".join(rest)


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        location, field = _location_and_field(err.get("loc", ()))
        # pydantic's messages name the rule, never the rejected value.
        errors.append(FieldError(field=field, location=location, message=str(err.get("msg", ""))))
    return errors


async def _app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        status=exc.status,
        type_=exc.type,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extensions=getattr(exc, "extensions", None),
    )


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if any(err.get("type") == "json_invalid" for err in raw):
        return problem_response(
            request,
            status=400,
            type_="malformed-body",
            title="Malformed request body",
            detail="The request body is not valid JSON.",
        )
    return problem_response(
        request,
        status=422,
        type_="validation-error",
        title="Invalid request",
        detail="One or more fields are invalid.",
        errors=validation_errors(exc),
    )


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    type_, title = _STATUS_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = (
        exc.detail if isinstance(exc.detail, str) and exc.detail.lower() != title.lower() else None
    )
    detail = detail or _DEFAULT_DETAILS.get(exc.status_code, title)
    return problem_response(
        request,
        status=exc.status_code,
        type_=type_,
        title=title,
        detail=detail,
        headers=exc.headers,
    )


def internal_error(
    request: Request,
    exc: Exception,
    *,
    detail: str = "Something went wrong on our side; X-Request-ID helps support find it.",
    logger: logging.Logger = log,
) -> Response:
    """The 500 problem for an unexpected exception."""
    # The trace goes to the server log (with the request id), never to the client.
    logger.error(
        "unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc
    )
    return problem_response(
        request, status=500, type_="internal-error", title="Internal server error", detail=detail
    )


async def _unhandled_handler(request: Request, exc: Exception) -> Response:
    return internal_error(request, exc)


def database_error(exc: Exception) -> AppError | None:
    """The problem a database failure stands for, when it stands for one the caller can act
    on (reload, retry); ``None`` for any other exception."""
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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for a route, so the client's generated types know its errors."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": _STATUS_TITLES.get(status, ("", "Error"))[1],
        }
        for status in statuses
    }

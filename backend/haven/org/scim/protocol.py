"""What every SCIM operation shares: the error family of RFC 7644 §3.12, the answer a route
renders, the list parameters, and reading a payload with scim2-models.

SCIM answers its own error body (``application/scim+json``:
``{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
"scimType": "uniqueness", "detail": "..."}``), not the RFC 9457 problem the rest of the API
answers: SCIM clients read ``scimType`` and nothing else. :class:`ScimError` is an
:class:`~haven.core.errors.AppError`, so the request's transaction is rolled back exactly as
for any other refusal; the SCIM routes render every error (theirs, and the 401/403 of
authentication) in SCIM's format (:mod:`haven.org.routes.scim`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError
from scim2_models import Context, Error, SCIMException

from haven.core.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from haven.org.scim.resources import MAX_RESULTS, POLICY

SCIM_MEDIA_TYPE = "application/scim+json"

_TITLES = {
    400: ("scim-bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    500: ("internal-error", "Internal server error"),
    501: ("not-implemented", "Not implemented"),
}


class ScimError(AppError):
    """A refusal in SCIM's terms: a status and, where RFC 7644 §3.12 has one, a ``scimType``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        scim_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.type, self.title = _TITLES.get(status, ("scim-error", "SCIM error"))
        self.scim_type = scim_type
        super().__init__(detail, headers=headers)


def error_body(status: int, detail: str | None, scim_type: str | None = None) -> dict[str, Any]:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    return error.model_dump(scim_ctx=Context.DEFAULT)


def as_scim_error(exc: AppError) -> ScimError:
    """Any refusal of the rules below (auth, org) in SCIM's terms."""
    if isinstance(exc, ScimError):
        return exc
    detail = exc.detail or exc.title
    if isinstance(exc, Unprocessable) or exc.status in (400, 422):
        return ScimError(400, detail, scim_type="invalidValue")
    if isinstance(exc, Conflict):
        fields = {e.field for e in exc.errors or []}
        unique = bool(fields & {"email", "external_id", "user_name"})
        return ScimError(409, detail, scim_type="uniqueness" if unique else None)
    if isinstance(exc, NotFound | Forbidden):
        return ScimError(exc.status, detail)
    return ScimError(exc.status, detail, headers=exc.headers)


@contextmanager
def scim_errors() -> Iterator[None]:
    """Say the refusals of Haven's rules, and scim2-models' validation, in SCIM's terms."""
    try:
        yield
    except AppError as exc:
        raise as_scim_error(exc) from exc
    except SCIMException as exc:
        error = exc.to_error()
        raise ScimError(
            int(error.status or 400), error.detail or "", scim_type=error.scim_type
        ) from exc
    except ValidationError as exc:
        errors = Error.from_validation_errors(exc)
        first = errors[0] if errors else Error(status=400, detail="Invalid payload.")
        raise ScimError(
            int(first.status or 400), first.detail or "Invalid payload.", scim_type=first.scim_type
        ) from exc


M = TypeVar("M")


def read_payload(model: type[M], payload: Any, context: Context) -> M:
    """The request body as ``model``, under Haven's tolerance for what it does not store."""
    if not isinstance(payload, dict):
        raise ScimError(400, "The body must be a JSON object.", scim_type="invalidSyntax")
    with scim_errors():
        return model.model_validate(payload, scim_ctx=context, scim_policy=POLICY)  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class ScimAnswer:
    """What a SCIM operation answers: the route renders it as ``application/scim+json``."""

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListParams:
    start: int
    count: int
    filter: str | None
    attributes: str | None
    excluded_attributes: str | None


def list_params(
    *,
    start_index: str | None,
    count: str | None,
    filter: str | None,
    attributes: str | None,
    excluded_attributes: str | None,
) -> ListParams:
    """RFC 7644 §3.4.2.4: a ``startIndex`` below 1 is 1, a negative ``count`` is 0, and a
    ``count`` above :data:`~haven.org.scim.resources.MAX_RESULTS` is lowered to it."""

    def number(name: str, value: str | None, default: int) -> int:
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ScimError(400, f"{name} must be an integer.", scim_type="invalidValue") from None

    start = max(1, number("startIndex", start_index, 1))
    size = min(max(0, number("count", count, MAX_RESULTS)), MAX_RESULTS)
    return ListParams(start, size, filter or None, attributes, excluded_attributes)

"""The reports routes' dependencies: which calls are quiet (the anonymous path and report
sessions), the gate of the anonymous form, the per-client limits on the anonymous path, and
the triage queue's filters. Who may call each route is declared on the route itself
(``router``).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from haven.auth import service as auth_service
from haven.auth.deps import CurrentPrincipal, public_rule
from haven.core.errors import AppError, Unauthorized
from haven.core.http import QuietRoutes, SessionDep
from haven.core.limits import client_limit, counted, failure_limit
from haven.core.security import decode_token
from haven.reports import service
from haven.reports.receipts import REPORT_SESSION
from haven.reports.schemas import Category, Harm, ReportKind, ReportMode, ReportStatus


def is_report_session(token: str) -> bool:
    """Whether a bearer token is a valid anonymous report's session (its holder is then a
    quiet caller on any route it calls)."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return False
    if not (isinstance(payload, dict) and payload.get("typ") == REPORT_SESSION.kind):
        return False
    # Verified, not trusted: a forged "report_session" claim must not hide a caller (say,
    # someone guessing passwords) from the access log.
    try:
        decode_token(token, audience=REPORT_SESSION.audience, token_type=REPORT_SESSION.kind)
    except AppError:
        return False
    return True


# Quiet (no access-log line, no request id stored; see haven.core.http.QuietRoutes): the
# anonymous endpoints, anything called with a report session, and the web client's pages
# for reporting anonymously and for following a report by receipt (a line of who loaded
# them, and when, would sit beside the day of the report or of the reporter's next message).
quiet = QuietRoutes(
    api=("/anonymous",),
    pages=("/follow-report", "/report-anonymously"),
    bearer=(is_report_session,),
)


_optional_bearer = HTTPBearer(auto_error=False)


@public_rule
def anonymous_gate(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
) -> None:
    """Open when the organisation allows it; otherwise a signed-in person, who is checked
    and then forgotten: nothing of them reaches the service."""
    if service.anonymous_submission_allowed_without_account(session):
        return
    if credentials is None:
        raise Unauthorized("Sign in to report anonymously here; your identity is still not stored.")
    principal = auth_service.principal_for_bearer(session, credentials.credentials)
    if principal.kind != "user":
        raise Unauthorized("Sign in to report anonymously here; your identity is still not stored.")


# Per-client limits on the anonymous path (haven.core.limits): counted here, in the HTTP
# layer, by a key that forgets the address within minutes, so nothing of the caller reaches
# the service.
ANONYMOUS_REPORTS_PER_CLIENT = client_limit("anonymous_reports")
RECEIPT_EXCHANGES_PER_CLIENT = client_limit("receipt_exchanges")


def on_hot_locator(exc: Exception) -> bool:
    return isinstance(exc, service.ReceiptNotRecognised) and exc.on_hot_locator


RECEIPT_FAILURES_PER_CLIENT = failure_limit(
    "receipt_failures", failure=service.ReceiptNotRecognised, whole_window=on_hot_locator
)


async def reporter_messages_per_client(
    request: Request, principal: CurrentPrincipal
) -> AsyncIterator[None]:
    """The anonymous reporter's messages count against their client's allowance, on either
    address they may post to; staff messages do not."""
    if principal.kind != "report_session":
        yield
        return
    async with counted(request, "anonymous_messages"):
        yield


REPORTER_MESSAGES_PER_CLIENT = Depends(reporter_messages_per_client, scope="function")


async def report_filters(  # async: pure, so no trip to the worker threads
    status_: Annotated[ReportStatus | None, Query(alias="status")] = None,
    kind: ReportKind | None = None,
    category: Category | None = None,
    harm: Harm | None = None,
    mode: ReportMode | None = None,
    department_id: uuid.UUID | None = None,
    occurred_from: date | None = None,
    occurred_to: date | None = None,
) -> service.ReportFilters:
    return service.ReportFilters(
        status=status_,
        kind=kind,
        category=category,
        harm=harm,
        mode=mode,
        department_id=department_id,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )


Filters = Annotated[service.ReportFilters, Depends(report_filters)]

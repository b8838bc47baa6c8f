"""Anonymous feedback after closing, and the coordinator's figures:
/support/requests/{request_id}/feedback, /support/feedback/summary, /support/metrics."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import Query, status

from haven.core import clock
from haven.core.errors import problem_responses
from haven.core.http import SessionDep
from haven.support import service
from haven.support.routes import router
from haven.support.routes.deps import Coordinator, Idempotent, Person
from haven.support.schemas import ProgramMetrics, SupportFeedbackCreate, SupportFeedbackSummary


@router.post(
    "/requests/{request_id}/feedback",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Anonymous feedback after closing (the person supported, once)",
)
def give_feedback(
    request_id: uuid.UUID, data: SupportFeedbackCreate, session: SessionDep, principal: Person
) -> None:
    service.give_feedback(session, principal, request_id=request_id, data=data)


@router.get(
    "/feedback/summary",
    response_model=SupportFeedbackSummary,
    summary="Feedback aggregates over ended months of at least five answers each",
    description="Whole calendar months that have ended, from the first that starts on or after "
    "`since`; a month with fewer answers than the minimum is in no summary.",
)
def read_feedback_summary(
    session: SessionDep, _: Coordinator, since: date | None = None
) -> SupportFeedbackSummary:
    return service.feedback_summary(session, since=since)


@router.get(
    "/metrics",
    response_model=ProgramMetrics,
    summary="Time to first contact against target, requests by tier, feedback",
)
def read_metrics(
    session: SessionDep,
    _: Coordinator,
    since: Annotated[date | None, Query(description="Default: 90 days ago.")] = None,
) -> ProgramMetrics:
    return service.program_metrics(session, since=since or clock.today() - timedelta(days=90))

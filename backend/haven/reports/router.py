"""Report endpoints: submission, the triage queue, workflow, messages, reviews, lessons.

Which calls are quiet, the anonymous form's gate and the per-client limits on the anonymous
path are in :mod:`haven.reports.deps`; who may call each route is declared here.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from haven.auth.deps import EVERYONE, STAFF, Allow, Idempotent, Public
from haven.auth.schemas import Role, Scope
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, IfMatchHeader, SessionDep, set_etag
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal
from haven.reports import service
from haven.reports.deps import (
    ANONYMOUS_REPORTS_PER_CLIENT,
    RECEIPT_EXCHANGES_PER_CLIENT,
    RECEIPT_FAILURES_PER_CLIENT,
    REPORTER_MESSAGES_PER_CLIENT,
    Filters,
    anonymous_gate,
)
from haven.reports.deps import quiet as quiet
from haven.reports.schemas import (
    STAFF_SEARCH_LIMIT,
    STAFF_SEARCH_MAX,
    STAFF_SEARCH_MIN,
    AnonymousReportCreate,
    AnonymousReportCreated,
    AnonymousReportForm,
    AnonymousReportView,
    HighRiskScenarioRead,
    InvolvedStaffRead,
    InvolvedStaffUpdate,
    JcReviewRead,
    JcReviewWrite,
    JcRevisionRead,
    LessonCreate,
    LessonRead,
    MessageCreate,
    MessageRead,
    MyReport,
    ReceiptExchange,
    ReportCreate,
    ReportCreated,
    ReportListItem,
    ReportRead,
    ReportSession,
    ReportStatusCount,
    ReportTransition,
    ReportUpdate,
    StaffCandidate,
    SubcategoryCreate,
    SubcategoryRead,
)

router = APIRouter(route_class=HavenRoute)
anonymous_router = APIRouter(prefix="/anonymous", tags=["anonymous"], route_class=HavenRoute)

Paging = Annotated[PageParams, Depends(page_params)]
Reporter = Annotated[Principal, Allow(*STAFF, scopes=[Scope.reports_write])]
Person = Annotated[Principal, Allow(*STAFF)]
Reader = Annotated[
    Principal, Allow(Role.safety_officer, Role.department_lead, scopes=[Scope.reports_read])
]
Officer = Annotated[Principal, Allow(Role.safety_officer)]
MessageParty = Annotated[Principal, Allow(*STAFF, report_session=True)]
SessionHolder = Annotated[Principal, Allow(report_session=True)]
SignedIn = Annotated[Principal, Allow(*EVERYONE)]


# --- submission --------------------------------------------------------------------------


@router.post(
    "/reports",
    response_model=ReportCreated,
    status_code=status.HTTP_201_CREATED,
    tags=["reports"],
    dependencies=[Idempotent],
    responses=problem_responses(401, 403, 409, 422),
    summary="Report an event, named or confidential",
)
def submit_report(data: ReportCreate, session: SessionDep, principal: Reporter) -> ReportCreated:
    return service.submit_report(session, principal, data=data)


@router.get("/reports/mine", response_model=Page[MyReport], tags=["reports"])
def list_my_reports(session: SessionDep, principal: Person, paging: Paging) -> Page[MyReport]:
    items, cursor = service.list_my_reports(session, principal, params=paging)
    return Page(items=items, next_cursor=cursor)


@anonymous_router.get(
    "/form",
    response_model=AnonymousReportForm,
    dependencies=[Depends(anonymous_gate)],
    responses=problem_responses(401),
    summary="What the anonymous report form offers (departments, subcategories)",
)
def read_anonymous_form(session: SessionDep) -> AnonymousReportForm:
    return service.anonymous_report_form(session)


@anonymous_router.post(
    "/reports",
    response_model=AnonymousReportCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ANONYMOUS_REPORTS_PER_CLIENT, Depends(anonymous_gate)],
    responses=problem_responses(401, 422, 429, 503),
    summary="Report anonymously: nothing that identifies you is stored or logged",
)
def submit_anonymous_report(
    data: AnonymousReportCreate, session: SessionDep
) -> AnonymousReportCreated:
    return service.submit_anonymous_report(session, data=data)


@anonymous_router.post(
    "/session",
    response_model=ReportSession,
    dependencies=[Public, RECEIPT_FAILURES_PER_CLIENT, RECEIPT_EXCHANGES_PER_CLIENT],
    responses=problem_responses(401, 422, 429, 503),
    summary="Exchange a receipt for a short session on that one report",
)
def open_report_session(data: ReceiptExchange, session: SessionDep) -> ReportSession:
    return service.open_report_session(session, receipt=data.receipt)


@anonymous_router.get(
    "/report", response_model=AnonymousReportView, responses=problem_responses(401)
)
def read_anonymous_report(session: SessionDep, principal: SessionHolder) -> AnonymousReportView:
    return service.anonymous_report_view(session, principal)


@anonymous_router.get("/report/messages", response_model=list[MessageRead])
def list_anonymous_messages(session: SessionDep, principal: SessionHolder) -> list[MessageRead]:
    return service.list_messages(session, principal, report_id=principal.id)


@anonymous_router.post(
    "/report/messages",
    response_model=MessageRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[REPORTER_MESSAGES_PER_CLIENT],
    responses=problem_responses(401, 422, 429),
)
def post_anonymous_message(
    data: MessageCreate, session: SessionDep, principal: SessionHolder
) -> MessageRead:
    return service.post_message(session, principal, report_id=principal.id, data=data)


# --- the safety team's side --------------------------------------------------------------


@router.get("/reports", response_model=Page[ReportListItem], tags=["reports"])
def list_reports(
    session: SessionDep, principal: Reader, paging: Paging, filters: Filters
) -> Page[ReportListItem]:
    items, cursor = service.list_reports(session, principal, filters=filters, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.get("/reports/counts", response_model=list[ReportStatusCount], tags=["reports"])
def count_reports(
    session: SessionDep, principal: Reader, filters: Filters
) -> list[ReportStatusCount]:
    return service.count_reports_by_status(session, principal, filters=filters)


@router.get(
    "/reports/high-risk-scenarios", response_model=list[HighRiskScenarioRead], tags=["reports"]
)
def list_high_risk_scenarios(_: Officer) -> list[HighRiskScenarioRead]:
    return service.high_risk_scenarios()


@router.get("/reports/subcategories", response_model=list[SubcategoryRead], tags=["reports"])
def list_subcategories(session: SessionDep, _: SignedIn) -> list[SubcategoryRead]:
    return service.list_subcategories(session)


@router.post(
    "/reports/subcategories",
    response_model=SubcategoryRead,
    status_code=status.HTTP_201_CREATED,
    tags=["reports"],
    responses=problem_responses(409, 422),
)
def create_subcategory(
    data: SubcategoryCreate,
    session: SessionDep,
    principal: Annotated[Principal, Allow(Role.safety_officer, Role.admin)],
) -> SubcategoryRead:
    return service.create_subcategory(session, principal, data=data)


@router.get(
    "/reports/{report_id}",
    response_model=ReportRead,
    tags=["reports"],
    responses=problem_responses(404),
)
def read_report(
    report_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> ReportRead:
    report = service.get_report(session, principal, report_id=report_id)
    set_etag(response, report.version)
    return report


@router.patch(
    "/reports/{report_id}",
    response_model=ReportRead,
    tags=["reports"],
    responses=problem_responses(404, 412, 422, 428),
)
def triage_report(
    report_id: uuid.UUID,
    data: ReportUpdate,
    session: SessionDep,
    principal: Officer,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ReportRead:
    report = service.update_report(
        session, principal, report_id=report_id, data=data, if_match=if_match
    )
    set_etag(response, report.version)
    return report


@router.post(
    "/reports/{report_id}/transitions",
    response_model=ReportRead,
    tags=["reports"],
    responses=problem_responses(404, 409, 412, 422, 428),
)
def transition_report(
    report_id: uuid.UUID,
    data: ReportTransition,
    session: SessionDep,
    principal: Officer,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ReportRead:
    report = service.transition_report(
        session, principal, report_id=report_id, data=data, if_match=if_match
    )
    set_etag(response, report.version)
    return report


@router.get(
    "/reports/{report_id}/involved-staff", response_model=InvolvedStaffRead, tags=["reports"]
)
def read_involved_staff(
    report_id: uuid.UUID, session: SessionDep, principal: Officer
) -> InvolvedStaffRead:
    return service.get_involved_staff(session, principal, report_id=report_id)


@router.put(
    "/reports/{report_id}/involved-staff",
    response_model=InvolvedStaffRead,
    tags=["reports"],
    responses=problem_responses(404, 422),
)
def set_involved_staff(
    report_id: uuid.UUID, data: InvolvedStaffUpdate, session: SessionDep, principal: Officer
) -> InvolvedStaffRead:
    return service.set_involved_staff(session, principal, report_id=report_id, data=data)


@router.get(
    "/reports/{report_id}/staff-candidates",
    response_model=list[StaffCandidate],
    tags=["reports"],
    responses=problem_responses(404, 422),
    summary="Find active people by name, to name the staff involved in this report",
)
def search_staff_candidates(
    report_id: uuid.UUID,
    session: SessionDep,
    principal: Officer,
    q: Annotated[
        str,
        Query(
            min_length=STAFF_SEARCH_MIN,
            max_length=STAFF_SEARCH_MAX,
            description="Part of the person's display name (case-insensitive).",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=STAFF_SEARCH_LIMIT)] = 10,
) -> list[StaffCandidate]:
    return service.staff_candidates(session, principal, report_id=report_id, query=q, limit=limit)


@router.get(
    "/reports/{report_id}/messages",
    response_model=list[MessageRead],
    tags=["reports"],
    responses=problem_responses(404),
)
def list_messages(
    report_id: uuid.UUID, session: SessionDep, principal: MessageParty
) -> list[MessageRead]:
    return service.list_messages(session, principal, report_id=report_id)


@router.post(
    "/reports/{report_id}/messages",
    response_model=MessageRead,
    status_code=status.HTTP_201_CREATED,
    tags=["reports"],
    dependencies=[REPORTER_MESSAGES_PER_CLIENT],
    responses=problem_responses(404, 422, 429),
)
def post_message(
    report_id: uuid.UUID, data: MessageCreate, session: SessionDep, principal: MessageParty
) -> MessageRead:
    return service.post_message(session, principal, report_id=report_id, data=data)


@router.get(
    "/reports/{report_id}/just-culture-reviews",
    response_model=list[JcReviewRead],
    tags=["just-culture"],
    responses=problem_responses(404),
)
def list_reviews(
    report_id: uuid.UUID, session: SessionDep, principal: Officer
) -> list[JcReviewRead]:
    return service.list_reviews(session, principal, report_id=report_id)


@router.post(
    "/reports/{report_id}/just-culture-reviews",
    response_model=JcReviewRead,
    status_code=status.HTTP_201_CREATED,
    tags=["just-culture"],
    dependencies=[Idempotent],
    responses=problem_responses(404, 422),
)
def create_review(
    report_id: uuid.UUID,
    data: JcReviewWrite,
    session: SessionDep,
    principal: Officer,
    response: Response,
) -> JcReviewRead:
    review = service.create_review(session, principal, report_id=report_id, data=data)
    set_etag(response, review.version)
    return review


@router.put(
    "/reports/{report_id}/just-culture-reviews/{review_id}",
    response_model=JcReviewRead,
    tags=["just-culture"],
    responses=problem_responses(404, 412, 422, 428),
)
def update_review(
    report_id: uuid.UUID,
    review_id: uuid.UUID,
    data: JcReviewWrite,
    session: SessionDep,
    principal: Officer,
    response: Response,
    if_match: IfMatchHeader = None,
) -> JcReviewRead:
    review = service.update_review(
        session, principal, report_id=report_id, review_id=review_id, data=data, if_match=if_match
    )
    set_etag(response, review.version)
    return review


@router.get(
    "/reports/{report_id}/just-culture-reviews/{review_id}/revisions",
    response_model=list[JcRevisionRead],
    tags=["just-culture"],
)
def list_review_revisions(
    report_id: uuid.UUID, review_id: uuid.UUID, session: SessionDep, principal: Officer
) -> list[JcRevisionRead]:
    return service.review_revisions(session, principal, report_id=report_id, review_id=review_id)


# --- lessons -----------------------------------------------------------------------------


@router.post(
    "/lessons",
    response_model=LessonRead,
    status_code=status.HTTP_201_CREATED,
    tags=["lessons"],
    dependencies=[Idempotent],
    responses=problem_responses(422),
)
def publish_lesson(data: LessonCreate, session: SessionDep, principal: Officer) -> LessonRead:
    return service.publish_lesson(session, principal, data=data)


@router.get("/lessons", response_model=Page[LessonRead], tags=["lessons"])
def list_lessons(session: SessionDep, _: SignedIn, paging: Paging) -> Page[LessonRead]:
    items, cursor = service.list_lessons(session, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/lessons/{lesson_id}",
    response_model=LessonRead,
    tags=["lessons"],
    responses=problem_responses(404),
)
def read_lesson(lesson_id: uuid.UUID, session: SessionDep, _: SignedIn) -> LessonRead:
    return service.get_lesson(session, lesson_id=lesson_id)

"""Just-culture reviews of a report (safety officers only): one per action or omission,
re-entrant and versioned as facts emerge, every version kept as a revision. The outcome
letter comes from the guide in :mod:`haven.reports.justculture`, never from the caller; a
review is completed only with an outcome and at least one contributing system factor.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from haven.core import audit, clock
from haven.core.errors import NotFound, Unprocessable, field_error
from haven.core.security import Principal
from haven.core.versioning import require_if_match
from haven.reports import justculture
from haven.reports.models import JustCultureReview, JustCultureReviewRevision
from haven.reports.reading import load_report, require_officer
from haven.reports.schemas import (
    ContributingFactor,
    JcAnswer,
    JcOutcome,
    JcQuestion,
    JcReviewRead,
    JcReviewWrite,
    JcRevisionRead,
)


def _review_read(review: JustCultureReview) -> JcReviewRead:
    answers = {JcQuestion(k): JcAnswer.model_validate(v) for k, v in review.answers.items()}
    evaluation = justculture.evaluate({k: v.answer for k, v in answers.items()})
    outcome = None
    if evaluation.outcome is not None:
        o = justculture.OUTCOMES[evaluation.outcome]
        outcome = JcOutcome(
            letter=o.letter,
            title=o.title,
            guidance=o.guidance,
            points_away_from_individual_action=o.points_away_from_individual_action,
        )
    return JcReviewRead(
        id=review.id,
        report_id=review.report_id,
        subject=review.subject,
        answers=answers,
        system_factors=[ContributingFactor(f) for f in review.system_factors],
        outcome=outcome,
        next_question=evaluation.next_question,
        is_complete=review.is_complete,
        version=review.version,
        updated_at=review.updated_at,
    )


def _apply_review(review: JustCultureReview, data: JcReviewWrite) -> None:
    answers = {q.value: a.model_dump() for q, a in data.answers.items()}
    evaluation = justculture.evaluate({q: a.answer for q, a in data.answers.items()})
    if data.complete:
        errors = []
        if evaluation.outcome is None:
            errors.append(field_error("answers", "Answer the guide's questions up to an outcome."))
        if not data.system_factors:
            errors.append(
                field_error("system_factors", "Name at least one contributing system factor.")
            )
        if errors:
            raise Unprocessable("The review cannot be completed yet.", errors=errors)
    review.subject = data.subject
    review.answers = answers
    review.system_factors = [f.value for f in data.system_factors]
    review.recommendation = evaluation.outcome
    review.is_complete = data.complete
    review.updated_at = clock.now()


def _snapshot(session: Session, principal: Principal, review: JustCultureReview) -> None:
    session.add(
        JustCultureReviewRevision(
            review_id=review.id,
            version=review.version,
            answers=review.answers,
            system_factors=review.system_factors,
            recommendation=review.recommendation,
            is_complete=review.is_complete,
            changed_by_id=principal.user_id,
            changed_at=review.updated_at,
        )
    )


def create_review(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: JcReviewWrite
) -> JcReviewRead:
    require_officer(principal)
    report = load_report(session, principal, report_id)
    now = clock.now()
    review = JustCultureReview(
        report_id=report.id,
        subject=data.subject,
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    _apply_review(review, data)
    session.add(review)
    session.flush()
    _snapshot(session, principal, review)
    audit.record_event(
        session,
        principal,
        action="report.jc_review_created",
        object_type="report",
        object_id=report.id,
    )
    return _review_read(review)


def list_reviews(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> list[JcReviewRead]:
    require_officer(principal)
    report = load_report(session, principal, report_id)
    rows = session.exec(
        select(JustCultureReview)
        .where(col(JustCultureReview.report_id) == report.id)
        .order_by(col(JustCultureReview.created_at), col(JustCultureReview.id))
    ).all()
    audit.record_event(
        session,
        principal,
        action="report.jc_reviews_read",
        object_type="report",
        object_id=report.id,
    )
    return [_review_read(r) for r in rows]


def _load_review(
    session: Session, principal: Principal, report_id: uuid.UUID, review_id: uuid.UUID
) -> JustCultureReview:
    require_officer(principal)
    report = load_report(session, principal, report_id)
    review = session.get(JustCultureReview, review_id)
    if review is None or review.report_id != report.id:
        raise NotFound("No such review.")
    return review


def update_review(
    session: Session,
    principal: Principal,
    *,
    report_id: uuid.UUID,
    review_id: uuid.UUID,
    data: JcReviewWrite,
    if_match: str | None,
) -> JcReviewRead:
    review = _load_review(session, principal, report_id, review_id)
    require_if_match(if_match, review.version)
    _apply_review(review, data)
    session.add(review)
    session.flush()
    _snapshot(session, principal, review)
    audit.record_event(
        session,
        principal,
        action="report.jc_review_updated",
        object_type="report",
        object_id=report_id,
    )
    return _review_read(review)


def review_revisions(
    session: Session, principal: Principal, *, report_id: uuid.UUID, review_id: uuid.UUID
) -> list[JcRevisionRead]:
    review = _load_review(session, principal, report_id, review_id)
    rows = session.exec(
        select(JustCultureReviewRevision)
        .where(col(JustCultureReviewRevision.review_id) == review.id)
        .order_by(col(JustCultureReviewRevision.version))
    ).all()
    return [
        JcRevisionRead(
            version=r.version,
            recommendation=r.recommendation,
            is_complete=r.is_complete,
            changed_at=r.changed_at,
        )
        for r in rows
    ]

"""Lessons: what the safety team learned, de-identified, published to the learning feed that
all staff read, optionally linked to the reports it came from (their reporters then see it
with their report).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from haven.core import audit, clock
from haven.core.errors import NotFound, Unprocessable, field_error
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.reports.models import Lesson, LessonReport, Report
from haven.reports.reading import require_officer
from haven.reports.schemas import Category, ContributingFactor, LessonCreate, LessonRead


def _lesson_read(lesson: Lesson) -> LessonRead:
    return LessonRead(
        id=lesson.id,
        title=lesson.title,
        summary=lesson.summary,
        actions_taken=lesson.actions_taken,
        categories=[Category(c) for c in lesson.categories],
        contributing_factors=[ContributingFactor(f) for f in lesson.contributing_factors],
        published_at=lesson.published_at,
    )


def publish_lesson(session: Session, principal: Principal, *, data: LessonCreate) -> LessonRead:
    require_officer(principal)
    report_ids = list(dict.fromkeys(data.report_ids))
    if report_ids:
        found = set(session.exec(select(Report.id).where(col(Report.id).in_(report_ids))).all())
        missing = [
            field_error(f"report_ids.{i}", "No such report.")
            for i, r in enumerate(report_ids)
            if r not in found
        ]
        if missing:
            raise Unprocessable("Some linked reports do not exist.", errors=missing)
    lesson = Lesson(
        title=data.title,
        summary=data.summary,
        actions_taken=list(data.actions_taken),
        categories=[c.value for c in data.categories],
        contributing_factors=[f.value for f in data.contributing_factors],
        author_id=principal.user_id,
        published_at=clock.now(),
    )
    session.add(lesson)
    session.flush()
    for report_id in report_ids:
        session.add(LessonReport(lesson_id=lesson.id, report_id=report_id))
    audit.record_event(
        session, principal, action="lesson.published", object_type="lesson", object_id=lesson.id
    )
    return _lesson_read(lesson)


def list_lessons(session: Session, *, params: PageParams) -> tuple[list[LessonRead], str | None]:
    rows, cursor = paginate(
        session,
        select(Lesson),
        keys=(col(Lesson.published_at), col(Lesson.id)),
        params=params,
        descending=True,
    )
    return [_lesson_read(r) for r in rows], cursor


def get_lesson(session: Session, *, lesson_id: uuid.UUID) -> LessonRead:
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound("No such lesson.")
    return _lesson_read(lesson)

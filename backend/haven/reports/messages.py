"""The message thread between a report's reporter (or the holder of an anonymous report's
receipt) and the safety team, ordered by ``seq`` per report. An anonymous reporter's
messages keep only the day and write no audit row (its time would date them).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import audit, clock
from haven.core.errors import NotFound
from haven.core.security import Principal
from haven.reports import policy
from haven.reports.models import Report, ReportMessage
from haven.reports.reading import audit_read, person_refs
from haven.reports.schemas import MessageCreate, MessageRead, ReportMode


def _load_for_messages(session: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    report = session.get(Report, report_id)
    if report is None or not policy.can_message(principal, report):
        raise NotFound("No such report.")
    return report


def _message_reads(session: Session, report: Report) -> list[MessageRead]:
    rows = session.exec(
        select(ReportMessage)
        .where(col(ReportMessage.report_id) == report.id)
        .order_by(col(ReportMessage.seq))
    ).all()
    names = {
        p.id: p.display_name
        for p in person_refs(session, {m.author_id for m in rows if m.author_id})
    }
    return [
        MessageRead(
            id=m.id,
            seq=m.seq,
            author=m.author_kind,
            author_name=names.get(m.author_id) if m.author_id else None,
            body=m.body,
            created_on=m.created_on,
            created_at=m.created_at,
        )
        for m in rows
    ]


def list_messages(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> list[MessageRead]:
    report = _load_for_messages(session, principal, report_id)
    audit_read(session, principal, report, "report.messages_read")
    return _message_reads(session, report)


def post_message(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: MessageCreate
) -> MessageRead:
    report = _load_for_messages(session, principal, report_id)
    from_reporter = policy.is_reporter(principal, report) or policy.is_session_for(
        principal, report
    )
    last = session.exec(
        select(sa.func.max(ReportMessage.seq)).where(col(ReportMessage.report_id) == report.id)
    ).one()
    anonymous_author = from_reporter and report.mode == ReportMode.anonymous
    message = ReportMessage(
        report_id=report.id,
        seq=int(last or 0) + 1,
        author_kind="reporter" if from_reporter else "safety_team",
        author_id=None if from_reporter else principal.id,
        body=data.body,
        created_on=clock.today(),
        # An anonymous reporter's message keeps only the day, like the report itself.
        created_at=None if anonymous_author else clock.now(),
    )
    session.add(message)
    session.flush()
    if not anonymous_author:
        audit.record_event(
            session,
            principal,
            action="report.message_posted",
            object_type="report",
            object_id=report.id,
        )
    return next(m for m in _message_reads(session, report) if m.id == message.id)

"""The support domain's periodic jobs (run by :mod:`haven.jobs`, each in its own
transaction): re-matching waiting requests, flagging overdue ones, re-offering missed offers,
surfacing due follow-ups, and the purges of notes, closed requests and feedback comments.

Each claims its rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and takes SQLite's write
lock before reading; user changes race them through the version column (412).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from haven.core import clock
from haven.notifications import service as notifications
from haven.support import notices, policy, resources, sealing
from haven.support.assignment import auto_assign, flag_waiting, give_to
from haven.support.auditing import audit_request
from haven.support.matching import match_request
from haven.support.models import (
    OutreachKey,
    OutreachTask,
    SupportEncounter,
    SupportFeedback,
    SupportFollowUp,
    SupportRequest,
    SupportResources,
)
from haven.support.schemas import FollowUpStatus, OutreachStatus, RequestStatus, Urgency

JOB_BATCH = 200


def _serialise_on_sqlite(session: Session) -> None:
    """Periodic jobs: take SQLite's write lock before reading, so two processes running
    the same job run one after the other on fresh data (PostgreSQL claims rows with
    ``FOR UPDATE SKIP LOCKED`` instead)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(
            sa.update(SupportResources).where(sa.false()).values(version=SupportResources.version)
        )


_T = TypeVar("_T")


def _claim(stmt: SelectOfScalar[_T]) -> SelectOfScalar[_T]:
    return stmt.with_for_update(skip_locked=True)


def assign_waiting_requests(session: Session) -> int:
    """New requests nobody could take when they came in: try matching again."""
    _serialise_on_sqlite(session)
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(col(SupportRequest.status) == RequestStatus.new.value)
            .order_by(col(SupportRequest.due_at))
            .limit(JOB_BATCH)
        )
    ).all()
    assigned = 0
    for request in rows:
        if auto_assign(session, request):
            assigned += 1
        else:
            flag_waiting(session, request)
    session.flush()
    return assigned


def flag_overdue_requests(session: Session) -> int:
    """Past the first-contact target with no contact: flag once on the coordinator's board."""
    _serialise_on_sqlite(session)
    now = clock.now()
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(
                col(SupportRequest.status).in_(
                    [RequestStatus.new.value, RequestStatus.assigned.value]
                ),
                col(SupportRequest.first_contact_at).is_(None),
                col(SupportRequest.due_at) < now,
                col(SupportRequest.overdue_flagged_at).is_(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    for request in rows:
        request.overdue_flagged_at = now
        session.add(request)
    if rows:
        notices.notify_coordinators(
            session, "support.overdue", notices.TITLE_OVERDUE, notices.BOARD_LINK
        )
    session.flush()
    return len(rows)


def reoffer_missed_requests(session: Session) -> int:
    """An assigned supporter who has not made first contact by the offer's deadline is passed
    over, and the request is offered to the next eligible supporter. When there is none the
    assignment stays and the offer is tried again one target-interval later."""
    _serialise_on_sqlite(session)
    now = clock.now()
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(
                col(SupportRequest.status) == RequestStatus.assigned.value,
                col(SupportRequest.first_contact_at).is_(None),
                col(SupportRequest.offer_expires_at) < now,
            )
            .order_by(col(SupportRequest.due_at))
            .limit(JOB_BATCH)
        )
    ).all()
    moved = 0
    for request in rows:
        current = request.supporter_id
        best = match_request(session, request, also_passed_over=current).best
        if best is None:
            target = policy.target_for(Urgency(request.urgency), resources.targets())
            request.offer_expires_at = now + target
            session.add(request)
            continue
        if current is not None:
            request.passed_over_ids = [*request.passed_over_ids, str(current)]
        give_to(session, request, best.supporter.user_id)
        audit_request(session, None, "support_request.reoffered", request)
        moved += 1
    session.flush()
    return moved


def surface_due_follow_ups(session: Session) -> int:
    """Tell each supporter once that a follow-up has fallen due."""
    _serialise_on_sqlite(session)
    today = resources.local_today(session)
    rows = session.exec(
        _claim(
            select(SupportFollowUp)
            .where(
                col(SupportFollowUp.status) == FollowUpStatus.scheduled.value,
                col(SupportFollowUp.due_on) <= today,
                col(SupportFollowUp.surfaced_at).is_(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    if not rows:
        return 0
    requests = {
        r.id: r
        for r in session.exec(
            select(SupportRequest).where(col(SupportRequest.id).in_({f.request_id for f in rows}))
        ).all()
    }
    now = clock.now()
    recipients: set[uuid.UUID] = set()
    surfaced = 0
    for follow_up in rows:
        request = requests.get(follow_up.request_id)
        if (
            request is None
            or request.status == RequestStatus.closed
            or request.supporter_id is None
        ):
            continue
        follow_up.surfaced_at = now
        session.add(follow_up)
        recipients.add(request.supporter_id)
        surfaced += 1
    if recipients:
        notifications.notify(
            session,
            user_ids=sorted(recipients),
            kind="support.follow_up_due",
            title=notices.TITLE_FOLLOW_UP,
            link=notices.INBOX_LINK,
        )
    session.flush()
    return surfaced


def purge_expired_notes(session: Session) -> int:
    """Private notes live ``note_days`` (30 at most): then the note's key is destroyed and
    the sealed text removed (see :mod:`sealing`)."""
    _serialise_on_sqlite(session)
    ids = session.exec(
        _claim(
            select(SupportEncounter.id)
            .where(
                col(SupportEncounter.note_sealed).is_not(None),
                col(SupportEncounter.note_expires_at) <= clock.now(),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    if not ids:
        return 0
    sealing.shred(session, ids)
    session.execute(
        sa.update(SupportEncounter)
        .where(col(SupportEncounter.id).in_(ids))
        .values(note_sealed=None, note_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def purge_closed_requests(session: Session) -> int:
    """Once closed for the retention period, a request keeps only de-identified program data:
    who asked, who referred, who supported, contact details, free text, the involved staff
    and any note are removed (the free text by destroying the request's and its encounters'
    keys, see :mod:`sealing`); outreach tasks decided that long ago lose their person, and
    expired outreach fingerprints go too."""
    _serialise_on_sqlite(session)
    now = clock.now()
    cutoff = now - timedelta(days=resources.settings().retention_days)
    rows = session.exec(
        _claim(
            select(SupportRequest)
            .where(
                col(SupportRequest.status) == RequestStatus.closed.value,
                col(SupportRequest.closed_at) <= cutoff,
                col(SupportRequest.purged_at).is_(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    for request in rows:
        request.requester_id = None
        request.referrer_id = None
        request.supporter_id = None
        request.contact_details_sealed = None
        request.preferred_times_sealed = None
        request.preferred_language = None
        request.excluded_user_ids = []
        request.passed_over_ids = []
        request.purged_at = now
        session.add(request)
    if rows:
        ids = [r.id for r in rows]
        encounter_ids = session.exec(
            select(SupportEncounter.id).where(col(SupportEncounter.request_id).in_(ids))
        ).all()
        sealing.shred(session, [*ids, *encounter_ids])
        session.execute(
            sa.update(SupportEncounter)
            .where(col(SupportEncounter.request_id).in_(ids))
            .values(supporter_id=None, note_sealed=None, note_expires_at=None)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        sa.update(OutreachTask)
        .where(
            col(OutreachTask.status) != OutreachStatus.open.value,
            col(OutreachTask.decided_at) <= cutoff,
            col(OutreachTask.purged_at).is_(None),
        )
        .values(person_id=None, involved_ids=[], purged_at=now, version=OutreachTask.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.delete(OutreachKey)
        .where(col(OutreachKey.expires_on) < now.date())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return len(rows)


def purge_old_feedback_comments(session: Session) -> int:
    """A feedback comment is kept for the retention period from the day it was given
    (coordinators read comments only inside aggregates); then its key is destroyed and the
    sealed text removed. The answer (1 to 5) and its day stay, for the figures."""
    _serialise_on_sqlite(session)
    cutoff = (clock.now() - timedelta(days=resources.settings().retention_days)).date()
    ids = session.exec(
        _claim(
            select(SupportFeedback.id)
            .where(
                col(SupportFeedback.given_on) <= cutoff,
                col(SupportFeedback.comment_sealed).is_not(None),
            )
            .limit(JOB_BATCH)
        )
    ).all()
    if not ids:
        return 0
    sealing.shred(session, ids)
    session.execute(
        sa.update(SupportFeedback)
        .where(col(SupportFeedback.id).in_(ids))
        .values(comment_sealed=None)
        .execution_options(synchronize_session=False)
    )
    return len(ids)


PERIODIC_JOBS: tuple[tuple[str, Callable[[Session], int]], ...] = (
    ("support_waiting_assigned", assign_waiting_requests),
    ("support_overdue_flagged", flag_overdue_requests),
    ("support_reoffered", reoffer_missed_requests),
    ("support_follow_ups_surfaced", surface_due_follow_ups),
    ("support_notes_purged", purge_expired_notes),
    ("support_requests_purged", purge_closed_requests),
    ("support_feedback_comments_purged", purge_old_feedback_comments),
)
"""The support domain's periodic work, in order; :mod:`haven.jobs` runs each one in its own
transaction. Each claims its rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL."""

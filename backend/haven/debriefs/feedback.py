"""Anonymous feedback after a debrief (felt safe, systems not blame, useful; 1-5) and the
rule for publishing its averages: who answered and what was answered are two tables sharing
only the debrief, and averages are shown only once feedback has closed with enough answers
(see the package docstring and the models')."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from haven.core import clock
from haven.core.errors import Conflict, Forbidden
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.debriefs import policy
from haven.debriefs.loading import load_debrief, participation, status_of
from haven.debriefs.models import Debrief, DebriefFeedbackAnswer, DebriefFeedbackGiver
from haven.debriefs.schemas import DebriefFeedbackCreate, DebriefFeedbackSummary, FeedbackState


def feedback_is_open(debrief: Debrief) -> bool:
    if status_of(debrief) not in policy.FEEDBACK_OPEN or debrief.held_at is None:
        return False
    window = timedelta(days=get_settings().debriefs.feedback_window_days)
    return clock.now() < debrief.held_at + window


def feedback_state(session: Session, principal: Principal, debrief: Debrief) -> FeedbackState:
    is_open = feedback_is_open(debrief)
    if principal.kind != "user":
        return FeedbackState(is_open=is_open, can_give=False, given=False)
    given = session.get(DebriefFeedbackGiver, (debrief.id, principal.id)) is not None
    invited = participation(session, debrief.id, principal.id)
    eligible = invited is not None and invited.attended is not False
    return FeedbackState(is_open=is_open, can_give=is_open and eligible and not given, given=given)


def give_feedback(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID, data: DebriefFeedbackCreate
) -> None:
    """Store one participant's answer with no link to them: see the models' docstring.

    No audit row, no idempotency record (its request hash would tie the body to the caller),
    and every answer of the debrief is written again in the order of its random id, so on
    PostgreSQL too all rows carry the same transaction id and a physical order that says
    nothing about who answered when.
    """
    debrief = load_debrief(session, principal, debrief_id)
    if not feedback_is_open(debrief):
        raise Conflict("Feedback on this debrief is not open.")
    invited = participation(session, debrief.id, principal.id)
    if invited is None or invited.attended is False:
        raise Forbidden("Only the debrief's participants give feedback.")
    # Take the debrief's write lock first (row lock on PostgreSQL, the write lock on SQLite),
    # so answers of one debrief are stored one after the other, never lost in a race.
    table = Debrief.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(table).where(table.c.id == debrief.id).values(id=table.c.id))
    if session.get(DebriefFeedbackGiver, (debrief.id, principal.id)) is not None:
        raise Conflict("You have already given feedback on this debrief.")
    answers_table = DebriefFeedbackAnswer.__table__  # type: ignore[attr-defined]
    givers_table = DebriefFeedbackGiver.__table__  # type: ignore[attr-defined]
    answers = [
        dict(row._mapping)
        for row in session.execute(
            sa.select(answers_table).where(answers_table.c.debrief_id == debrief.id)
        ).all()
    ]
    answers.append(
        {
            "id": uuid.uuid4(),
            "debrief_id": debrief.id,
            "felt_safe": data.felt_safe,
            "systems_focus": data.systems_focus,
            "useful": data.useful,
        }
    )
    givers = [
        *session.execute(
            sa.select(givers_table.c.user_id).where(givers_table.c.debrief_id == debrief.id)
        ).scalars(),
        principal.id,
    ]
    session.execute(sa.delete(answers_table).where(answers_table.c.debrief_id == debrief.id))
    session.execute(sa.delete(givers_table).where(givers_table.c.debrief_id == debrief.id))
    session.execute(sa.insert(answers_table), sorted(answers, key=lambda a: a["id"]))
    session.execute(
        sa.insert(givers_table),
        [{"debrief_id": debrief.id, "user_id": u} for u in sorted(givers)],
    )


def feedback_summary(
    session: Session, principal: Principal, *, debrief_id: uuid.UUID
) -> DebriefFeedbackSummary:
    debrief = load_debrief(session, principal, debrief_id, run=True)
    answers = DebriefFeedbackAnswer.__table__  # type: ignore[attr-defined]
    count, safe, systems, useful = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.avg(answers.c.felt_safe),
            sa.func.avg(answers.c.systems_focus),
            sa.func.avg(answers.c.useful),
        ).where(answers.c.debrief_id == debrief.id)
    ).one()
    minimum = get_settings().debriefs.feedback_min_responses
    closed = debrief.held_at is not None and not feedback_is_open(debrief)
    published = closed and int(count) >= minimum

    def shown(value: Any) -> float | None:
        return round(float(value), 1) if published and value is not None else None

    return DebriefFeedbackSummary(
        responses=int(count),
        minimum_responses=minimum,
        published=published,
        felt_safe=shown(safe),
        systems_focus=shown(systems),
        useful=shown(useful),
    )

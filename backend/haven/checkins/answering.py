"""Answering a check-in: the current check-in, checking an answer, and letting it wait in
this process's memory (:mod:`haven.checkins.pool`) for the rest of its batch.

Nothing of the answer is written here (see :mod:`haven.checkins`): the batch is written
by :mod:`haven.checkins.batches` once its pool holds k answers. No audit row is written (an
audit row's time and sequence would date the answer) and the route takes no
Idempotency-Key (the stored request hash would tie the caller to a hash of the answers,
and answers are few enough to hash them all); a retry is answered 409 instead.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from haven.auth import service as auth_service
from haven.checkins.batches import write_ended_periods
from haven.checkins.models import CheckinParticipation, CheckinTemplate
from haven.checkins.periods import period_bounds
from haven.checkins.pool import POOL, Answer, WaitingAnswer
from haven.checkins.schemas import (
    CheckinPeriod,
    CheckinReceipt,
    CheckinSubmit,
    CurrentCheckin,
    QuestionRead,
    QuestionType,
)
from haven.checkins.templates import active_template, template_questions
from haven.core import clock
from haven.core.errors import Conflict, FieldError, NotFound, Unprocessable, field_error
from haven.core.security import Principal
from haven.support import service as support_service

log = logging.getLogger("haven.checkins")


ALREADY_ANSWERED = "You have already answered this check-in. The next one opens next period."


def _has_answered(session: Session, user_id: uuid.UUID, period_start: date) -> bool:
    """Answered: written, or waiting (or being accepted) in this process."""
    if POOL.is_held(user_id, period_start):
        return True
    return (
        session.get(CheckinParticipation, {"user_id": user_id, "period_start": period_start})
        is not None
    )


def _open_template(session: Session) -> CheckinTemplate:
    template = active_template(session)
    if template is None:
        raise NotFound("No check-in is open at the moment.")
    return template


def current_checkin(session: Session, principal: Principal) -> CurrentCheckin:
    template = _open_template(session)
    start, end = period_bounds(template.period, clock.today())
    return CurrentCheckin(
        template_id=template.id,
        template_version=template.version,
        name=template.name,
        period=CheckinPeriod(template.period),
        period_start=start,
        period_end=end,
        questions=template_questions(template),
        has_answered=_has_answered(session, principal.id, start),
    )


def _checked_answers(
    questions: Sequence[QuestionRead], data: CheckinSubmit
) -> tuple[dict[str, Answer], bool]:
    """The answers to store (key -> value, text) and whether the person asked to be contacted."""
    errors: list[FieldError] = []
    stored: dict[str, Answer] = {}
    wants_contact = False
    known = {q.key for q in questions}
    for key in data.answers:
        if key not in known:
            errors.append(field_error(f"answers.{key}", "Not a question of this check-in."))
    for q in questions:
        value = data.answers.get(q.key)
        where = f"answers.{q.key}"
        if q.type is QuestionType.scale_1_5:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                errors.append(field_error(where, "Choose a number from 1 to 5."))
            else:
                stored[q.key] = (value, None)
        elif q.type is QuestionType.yes_no:
            if not isinstance(value, bool):
                errors.append(field_error(where, "Answer yes or no."))
            else:
                stored[q.key] = (int(value), None)
        elif q.type is QuestionType.short_text:
            if value is None:
                continue
            if not isinstance(value, str):
                errors.append(field_error(where, "Answer in words, or leave it empty."))
            elif value.strip():
                stored[q.key] = (None, value.strip())
        elif q.type is QuestionType.reach_out:
            if value is None:
                continue
            if not isinstance(value, bool):
                errors.append(field_error(where, "Answer yes or no."))
            elif value:
                wants_contact = True
    if wants_contact and not data.consent_to_contact:
        errors.append(
            field_error(
                "consent_to_contact",
                "Tick the box to agree that peer support may contact you, or answer no.",
            )
        )
    if errors:
        raise Unprocessable("Some answers are missing or not valid.", errors=errors)
    return stored, wants_contact


def _wait_for_commit(session: Session, answer: WaitingAnswer) -> None:
    """The answer starts waiting only once the submitter's transaction commits (with the
    support request, when one was asked for); if it rolls back, the person is let go."""
    root = session.get_transaction() or session.begin()
    state = {"committed": False, "done": False}

    def committed(_session: Session) -> None:
        state["committed"] = True

    def ended(_session: Session, transaction: SessionTransaction) -> None:
        if state["done"] or transaction is not root:
            return
        state["done"] = True
        if not state["committed"]:
            POOL.release([answer])
            return
        POOL.add(answer)
        bind = session.get_bind()
        try:
            write_ended_periods(bind if isinstance(bind, Engine) else bind.engine)
        except Exception:  # the answer is received whatever happens to a batch
            log.exception("check-in batches could not be written; they wait")

    sa.event.listen(session, "after_commit", committed)
    sa.event.listen(session, "after_transaction_end", ended)


def submit_response(
    session: Session, principal: Principal, *, data: CheckinSubmit
) -> CheckinReceipt:
    """Check an answer and let it wait, in this process, for the rest of its batch: nothing
    of it is written now (see :mod:`haven.checkins`)."""
    template = _open_template(session)
    questions = template_questions(template)
    start, end = period_bounds(template.period, clock.today())
    if _has_answered(session, principal.id, start):
        raise Conflict(ALREADY_ANSWERED)
    answers, wants_contact = _checked_answers(questions, data)
    person = auth_service.get_user(session, principal.id)
    answer = WaitingAnswer(
        user_id=principal.id,
        period_start=start,
        period_end=end,
        department_id=person.department_id,
        profession=person.profession.value,
        template_id=template.id,
        template_version=template.version,
        answers=answers,
        scale_keys=frozenset(q.key for q in questions if q.type is QuestionType.scale_1_5),
    )
    if not POOL.hold(principal.id, start):  # the same person, at the same moment
        raise Conflict(ALREADY_ANSWERED)
    _wait_for_commit(session, answer)
    support_requested = False
    if wants_contact:
        support_requested = _request_support(session, principal)
    return CheckinReceipt(period_start=start, period_end=end, support_requested=support_requested)


def _request_support(session: Session, principal: Principal) -> bool:
    """The person's explicit consent is the only link between a check-in and support: peer
    support gets a request for the person, and nothing of the answers."""
    support_service.request_support_on_consent(session, principal)
    return True

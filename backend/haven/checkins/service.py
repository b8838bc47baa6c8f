"""Check-in and staffing rules, and the weekly figures they give insights.

Check-ins keep the promise in :mod:`haven.checkins`: a submission is checked and then
waits in this process's memory (:mod:`haven.checkins.pool`); it writes nothing of the
answer. Once a (period, department) pool holds k answers, :func:`write_ready_batches`
writes the whole pool in one transaction of its own: the people's participations and their
responses, each set in an order drawn independently, and the rollups moved by the batch's
sums. :func:`write_ended_periods` (a periodic job) writes what is left when a period ends.
No audit row is written (an audit row's time and sequence would date the answer) and the
route takes no Idempotency-Key (the stored request hash would tie the caller to a hash of
the answers, and answers are few enough to hash them all); a retry is answered 409 instead.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.checkins import policy
from haven.checkins.figures import answer_values as answer_values
from haven.checkins.figures import period_end as period_end
from haven.checkins.models import (
    NO_DEPARTMENT,
    CheckinAnswer,
    CheckinParticipation,
    CheckinResponse,
    CheckinRollup,
    CheckinRollupAnswer,
    CheckinTemplate,
    CheckinTemplateVersion,
    StaffingShift,
)
from haven.checkins.periods import FORTNIGHT_EPOCH as FORTNIGHT_EPOCH
from haven.checkins.periods import period_bounds as period_bounds
from haven.checkins.pool import POOL, Answer, WaitingAnswer
from haven.checkins.schemas import (
    CheckinPeriod,
    CheckinReceipt,
    CheckinSubmit,
    CheckinWeekFigures,
    CurrentCheckin,
    QuestionRead,
    QuestionType,
    QuestionWeekFigures,
    QuestionWrite,
    ShiftBatch,
    ShiftBatchResult,
    ShiftRead,
    ShiftWrite,
    StaffingWeekFigures,
    TemplateCreate,
    TemplateRead,
    TemplateUpdate,
)
from haven.core import audit, clock
from haven.core.db import dialect_insert, new_session
from haven.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unprocessable,
    field_error,
)
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.core.versioning import etag_for, require_if_match
from haven.core.weeks import monday_of, week_start
from haven.org import service as org_service
from haven.reports.schemas import Shift
from haven.support import service as support_service

log = logging.getLogger("haven.checkins")

# Orders and ids nobody can predict or reproduce (module attributes, so a test can fix them).
_shuffle = random.SystemRandom().shuffle
_new_id = uuid.uuid4

# --- templates ---------------------------------------------------------------------------

DEFAULT_TEMPLATE_NAME = "Weekly well-being check-in"
DEFAULT_QUESTIONS: list[QuestionWrite] = [
    QuestionWrite(
        key="stress",
        text="How stressed have you felt at work this week?",
        type=QuestionType.scale_1_5,
        low_label="Not at all",
        high_label="Extremely",
        higher_is_better=False,
    ),
    QuestionWrite(
        key="workload_manageable",
        text="Was your workload manageable this week?",
        type=QuestionType.yes_no,
    ),
    QuestionWrite(
        key="staffing_adequate",
        text="Was staffing adequate on your last shift?",
        type=QuestionType.yes_no,
    ),
    QuestionWrite(
        key="supported",
        text="I feel supported by my colleagues.",
        type=QuestionType.scale_1_5,
        low_label="Strongly disagree",
        high_label="Strongly agree",
        higher_is_better=True,
    ),
    QuestionWrite(
        key="speak_up",
        text="I feel safe to speak up about mistakes.",
        type=QuestionType.scale_1_5,
        low_label="Strongly disagree",
        high_label="Strongly agree",
        higher_is_better=True,
    ),
    QuestionWrite(
        key="reach_out",
        text="Would you like someone from peer support to reach out to you?",
        type=QuestionType.reach_out,
    ),
]
STRESS_KEY = "stress"


def _questions_json(questions: Sequence[QuestionWrite]) -> list[dict[str, Any]]:
    return [q.model_dump(mode="json") for q in questions]


def _questions(template: CheckinTemplate) -> list[QuestionRead]:
    return [QuestionRead.model_validate(q) for q in template.questions]


def _template_read(template: CheckinTemplate) -> TemplateRead:
    return TemplateRead(
        id=template.id,
        name=template.name,
        period=CheckinPeriod(template.period),
        questions=_questions(template),
        is_active=template.is_active,
        version=template.version,
        updated_at=template.updated_at,
    )


def _snapshot(session: Session, template: CheckinTemplate) -> None:
    session.add(
        CheckinTemplateVersion(
            template_id=template.id,
            version=template.version,
            period=template.period,
            questions=list(template.questions),
            created_at=clock.now(),
        )
    )


def _deactivate_others(session: Session, keep: uuid.UUID) -> None:
    others = session.exec(
        select(CheckinTemplate).where(
            col(CheckinTemplate.is_active).is_(True), col(CheckinTemplate.id) != keep
        )
    ).all()
    for other in others:
        other.is_active = False
        other.updated_at = clock.now()
        session.add(other)


def ensure_default_template(session: Session) -> None:
    """The first time check-ins are used, the default template from DESIGN.md is created."""
    if session.exec(select(CheckinTemplate.id).limit(1)).first() is not None:
        return
    now = clock.now()
    template = CheckinTemplate(
        name=DEFAULT_TEMPLATE_NAME,
        period=CheckinPeriod.weekly.value,
        questions=_questions_json(DEFAULT_QUESTIONS),
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(template)
    session.flush()
    _snapshot(session, template)
    session.flush()


def _active_template(session: Session) -> CheckinTemplate | None:
    ensure_default_template(session)
    return session.exec(
        select(CheckinTemplate)
        .where(col(CheckinTemplate.is_active).is_(True))
        .order_by(col(CheckinTemplate.updated_at).desc())
    ).first()


def list_templates(
    session: Session, *, params: PageParams
) -> tuple[list[TemplateRead], str | None]:
    ensure_default_template(session)
    rows, cursor = paginate(
        session,
        select(CheckinTemplate),
        keys=[col(CheckinTemplate.name), col(CheckinTemplate.id)],
        params=params,
    )
    return [_template_read(t) for t in rows], cursor


def create_template(session: Session, actor: Principal, *, data: TemplateCreate) -> TemplateRead:
    now = clock.now()
    template = CheckinTemplate(
        name=data.name,
        period=data.period.value,
        questions=_questions_json(data.questions),
        is_active=data.is_active,
        created_at=now,
        updated_at=now,
    )
    session.add(template)
    session.flush()
    if data.is_active:
        _deactivate_others(session, template.id)
    _snapshot(session, template)
    audit.record_event(
        session,
        actor,
        action="checkin_template.created",
        object_type="checkin_template",
        object_id=template.id,
    )
    session.flush()
    return _template_read(template)


def get_template(session: Session, *, template_id: uuid.UUID) -> TemplateRead:
    template = session.get(CheckinTemplate, template_id)
    if template is None:
        raise NotFound("No such check-in template.")
    return _template_read(template)


def update_template(
    session: Session,
    actor: Principal,
    *,
    template_id: uuid.UUID,
    data: TemplateUpdate,
    if_match: str | None,
) -> TemplateRead:
    template = session.get(CheckinTemplate, template_id)
    if template is None:
        raise NotFound("No such check-in template.")
    require_if_match(if_match, template.version)
    if data.name is not None:
        template.name = data.name
    if data.period is not None:
        template.period = data.period.value
    if data.questions is not None:
        template.questions = _questions_json(data.questions)
    if data.is_active is not None:
        template.is_active = data.is_active
        if data.is_active:
            _deactivate_others(session, template.id)
    template.updated_at = clock.now()
    session.add(template)
    session.flush()
    _snapshot(session, template)
    audit.record_event(
        session,
        actor,
        action="checkin_template.updated",
        object_type="checkin_template",
        object_id=template.id,
    )
    session.flush()
    return _template_read(template)


# --- answering ---------------------------------------------------------------------------


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
    template = _active_template(session)
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
        questions=_questions(template),
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
    questions = _questions(template)
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


# --- batches -------------------------------------------------------------------------------


def batch_size() -> int:
    """k: the fewest answers written together, the smallest group any stored value shares."""
    return get_settings().insights.min_cell_size


def generalised_professions(
    professions: Sequence[str], k: int, *, unnamed: int = 0
) -> dict[str, str | None]:
    """Which profession each answer of a batch is stored under: its own where at least k
    of the batch share it, else none (NULL). If the answers without a profession (with
    ``unnamed`` that came without one) would be fewer than k, but some, the next-smallest
    professions are hidden too, until they are k or more, or every profession is hidden."""
    counts = Counter(professions)
    hidden = {p for p, n in counts.items() if n < k}
    hidden_total = unnamed + sum(counts[p] for p in hidden)
    for profession in sorted((p for p in counts if p not in hidden), key=lambda p: (counts[p], p)):
        if hidden_total == 0 or hidden_total >= k:
            break
        hidden.add(profession)
        hidden_total += counts[profession]
    return {p: None if p in hidden else p for p in counts}


def write_ready_batches(engine: Engine) -> int:
    """Write every waiting pool that holds at least k answers (and retry batches whose
    write failed), each in a transaction of its own; returns how many answers were
    written."""
    k = batch_size()
    written = 0
    for sealed in POOL.take_sealed():
        written += _write_batch(engine, sealed.answers, k=k, leftover=sealed.leftover, sealed=True)
    for batch in POOL.take_ready(k):
        written += _write_batch(engine, batch, k=k, leftover=False)
    return written


def write_ended_periods(engine: Engine) -> int:
    """Write what still waits for periods that have ended (before today): per period, every
    department's leftovers together as one batch, stored under no department and no
    profession, or not at all when they are fewer than k, first writing every pool that is
    ready. Returns how many answers were written. Runs after each accepted answer, as a
    periodic job, and at shutdown; insights call it before computing a period's release."""
    written = write_ready_batches(engine)
    k = batch_size()
    for batch in POOL.take_ended(clock.today()):
        written += _write_batch(engine, batch, k=k, leftover=True)
    return written


@dataclass
class _Batch:
    written: list[WaitingAnswer] = field(default_factory=list)
    dropped: list[WaitingAnswer] = field(default_factory=list)  # answered elsewhere already
    kept: list[WaitingAnswer] = field(default_factory=list)  # not written: too few


def _write_batch(
    engine: Engine,
    answers: Sequence[WaitingAnswer],
    *,
    k: int,
    leftover: bool,
    sealed: bool = False,
) -> int:
    """One batch in one transaction of its own. If it fails, the batch is sealed and
    retried as it is (see :meth:`WaitingPool.seal`)."""
    batch = _Batch()
    try:
        with new_session(engine) as session:
            _insert_batch(session, answers, k=k, leftover=leftover, sealed=sealed, batch=batch)
            if batch.written:
                session.commit()
            else:
                session.rollback()
    except Exception:
        # No count, department or period in the line: only that a write failed.
        log.exception("a batch of check-in answers could not be written; it is retried")
        POOL.seal(answers, leftover)
        return 0
    # Released only now: until the participations are committed the people stay held, so
    # a second answer from them is refused throughout.
    POOL.release(batch.written + batch.dropped)
    if batch.kept and (leftover or (sealed and batch.dropped)):
        # Not stored: a leftover batch below k is the price of an anonymity set that
        # small; a failed batch that lost a member cannot be retried without that
        # member's answer showing as the difference from its dead attempt. These people
        # have no participation, so they may answer again while the period is open.
        POOL.release(batch.kept)
    elif batch.kept and sealed:
        POOL.seal(batch.kept, leftover)
    elif batch.kept:
        POOL.put_back(batch.kept)
    return len(batch.written)


def _lock_on_sqlite(session: Session) -> None:
    """Take SQLite's write lock before reading, so the participations read are the ones
    the batch is checked against (PostgreSQL relies on ON CONFLICT below)."""
    if session.get_bind().dialect.name == "sqlite":
        rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
        session.execute(
            sa.update(rollups).where(sa.false()).values(respondents=rollups.c.respondents)
        )


def _insert_batch(
    session: Session,
    answers: Sequence[WaitingAnswer],
    *,
    k: int,
    leftover: bool,
    sealed: bool,
    batch: _Batch,
) -> None:
    """Fill ``batch`` with what was written, dropped and kept back; the caller commits
    only when something was written."""
    period_start = answers[0].period_start
    participations = CheckinParticipation.__table__  # type: ignore[attr-defined]
    _lock_on_sqlite(session)
    people = [a.user_id for a in answers]
    answered = set(
        session.execute(
            sa.select(participations.c.user_id).where(
                participations.c.period_start == period_start,
                participations.c.user_id.in_(people),
            )
        ).scalars()
    )
    present = set(auth_service.users_by_id(session, people))
    for answer in answers:
        if answer.user_id in answered or answer.user_id not in present:
            batch.dropped.append(answer)
        else:
            batch.kept.append(answer)
    if len(batch.kept) < k or (sealed and batch.dropped):
        return
    rows = [{"user_id": a.user_id, "period_start": period_start} for a in batch.kept]
    _shuffle(rows)
    insert = dialect_insert(session)
    inserted = set(
        session.execute(
            insert(participations)
            .on_conflict_do_nothing(index_elements=["user_id", "period_start"])
            .returning(participations.c.user_id),
            rows,
        ).scalars()
    )
    if len(inserted) < len(batch.kept):  # another process wrote some of them meanwhile
        batch.dropped += [a for a in batch.kept if a.user_id not in inserted]
        batch.kept = [a for a in batch.kept if a.user_id in inserted]
        if len(batch.kept) < k or sealed:
            return  # rolled back by the caller
    kept, batch.kept = batch.kept, []
    department_id = None if leftover else answers[0].department_id
    stored = {} if leftover else generalised_professions([a.profession for a in kept], k)
    _insert_responses(session, kept, department_id=department_id, professions=stored)
    _add_to_rollups(session, kept, week=period_start, department_key=department_id or NO_DEPARTMENT)
    batch.written = kept


def _insert_responses(
    session: Session,
    answers: Sequence[WaitingAnswer],
    *,
    department_id: uuid.UUID | None,
    professions: dict[str, str | None],
) -> None:
    """Fresh random ids, and an order of their own: drawn again, independently of the
    participations' order and of the order people answered in."""
    order = list(answers)
    _shuffle(order)
    response_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for answer in order:
        response_id = _new_id()
        response_rows.append(
            {
                "id": response_id,
                "template_id": answer.template_id,
                "template_version": answer.template_version,
                "department_id": department_id,
                "profession": professions.get(answer.profession),
                "period_start": answer.period_start,
            }
        )
        answer_rows += [
            {"response_id": response_id, "question_key": key, "value": value, "text": text}
            for key, (value, text) in answer.answers.items()
        ]
    session.execute(sa.insert(CheckinResponse.__table__), response_rows)  # type: ignore[attr-defined]
    if answer_rows:
        session.execute(sa.insert(CheckinAnswer.__table__), answer_rows)  # type: ignore[attr-defined]


def _add_to_rollups(
    session: Session, answers: Sequence[WaitingAnswer], *, week: date, department_key: uuid.UUID
) -> None:
    """The batch's sums, one statement per rollup row: no row ever moves by fewer than k."""
    sums: dict[str, list[int]] = {}
    for answer in answers:
        for key, (value, _text) in answer.answers.items():
            if value is None:
                continue
            high = int(value >= 4) if key in answer.scale_keys else value
            row = sums.setdefault(key, [0, 0, 0])
            row[0] += 1
            row[1] += value
            row[2] += high
    insert = dialect_insert(session)
    cells = CheckinRollup.__table__  # type: ignore[attr-defined]
    stmt = insert(cells).values(
        week_start=week, department_key=department_key, respondents=len(answers)
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["week_start", "department_key"],
            set_={"respondents": cells.c.respondents + len(answers)},
        )
    )
    table = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    for key, (answered, total, high) in sorted(sums.items()):
        stmt = insert(table).values(
            week_start=week,
            department_key=department_key,
            question_key=key,
            answered=answered,
            total=total,
            high=high,
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["week_start", "department_key", "question_key"],
                set_={
                    "answered": table.c.answered + answered,
                    "total": table.c.total + total,
                    "high": table.c.high + high,
                },
            )
        )


# --- figures for insights ------------------------------------------------------------------


def insight_questions(session: Session) -> list[QuestionRead]:
    """The active check-in's scale and yes/no questions: what insights report on."""
    template = _active_template(session)
    if template is None:
        return []
    return [
        q for q in _questions(template) if q.type in (QuestionType.scale_1_5, QuestionType.yes_no)
    ]


def weekly_checkin_figures(session: Session, *, start: date, end: date) -> list[CheckinWeekFigures]:
    """Respondents and per-question sums per department and week (from the rollups)."""
    connection = session.connection()
    first = monday_of(start)
    rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
    answers = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    by_cell: dict[tuple[date, object], list[QuestionWeekFigures]] = defaultdict(list)
    # Department keys repeat: read them as stored and parse each once.
    ids: dict[object, uuid.UUID | None] = {}

    def department(raw: object) -> uuid.UUID | None:
        if raw not in ids:
            parsed = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
            ids[raw] = None if parsed == NO_DEPARTMENT else parsed
        return ids[raw]

    for week, key, question, answered, total, high in connection.execute(
        sa.select(
            answers.c.week_start,
            sa.type_coerce(answers.c.department_key, sa.String),
            answers.c.question_key,
            answers.c.answered,
            answers.c.total,
            answers.c.high,
        ).where(answers.c.week_start >= first, answers.c.week_start <= end)
    ).all():
        by_cell[(week, key)].append(QuestionWeekFigures(question, answered, total, high))
    return [
        CheckinWeekFigures(department(key), week, respondents, tuple(by_cell[(week, key)]))
        for week, key, respondents in connection.execute(
            sa.select(
                rollups.c.week_start,
                sa.type_coerce(rollups.c.department_key, sa.String),
                rollups.c.respondents,
            ).where(rollups.c.week_start >= first, rollups.c.week_start <= end)
        ).all()
    ]


@dataclass(frozen=True)
class LoadedResponse:
    """One past answer to load in bulk (an import, the demo): no person attached."""

    department_id: uuid.UUID | None
    profession: str | None
    period_start: date
    answers: dict[str, int]


def generalise_loaded(responses: Sequence[LoadedResponse], k: int) -> list[LoadedResponse]:
    """Rule 3 of :mod:`haven.checkins` for a bulk load: a (period, department) group of
    fewer than k loses its department (it joins the period's answers without one), then
    each (period, department) group's professions are generalised as a batch's are."""
    sizes = Counter((r.period_start, r.department_id) for r in responses)
    moved = [
        r
        if r.department_id is None or sizes[(r.period_start, r.department_id)] >= k
        else LoadedResponse(None, None, r.period_start, r.answers)
        for r in responses
    ]
    groups: dict[tuple[date, uuid.UUID | None], list[LoadedResponse]] = defaultdict(list)
    for r in moved:
        groups[(r.period_start, r.department_id)].append(r)
    generalised: list[LoadedResponse] = []
    for group in groups.values():
        named = [r.profession for r in group if r.profession is not None]
        kept = generalised_professions(named, k, unnamed=len(group) - len(named))
        generalised += [
            LoadedResponse(
                r.department_id,
                None if r.profession is None else kept[r.profession],
                r.period_start,
                r.answers,
            )
            for r in group
        ]
    return generalised


def load_responses(session: Session, *, responses: Sequence[LoadedResponse]) -> None:
    """Load answers of past periods in bulk, then rebuild the rollups of those periods.

    Nobody's participation is recorded (the people are not known): for imports and the
    demo only. Each response gets a random id; rows are inserted in a random order. The
    load is generalised like a batch (:func:`generalise_loaded`): no (period, department)
    group of it below k keeps its department, no profession group below k its profession.
    """
    if not responses:
        return
    ensure_default_template(session)
    template = _active_template(session)
    if template is None:
        raise NotFound("No check-in template is active.")
    rows = generalise_loaded(responses, batch_size())
    _shuffle(rows)
    response_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for loaded in rows:
        response_id = uuid.uuid4()
        response_rows.append(
            {
                "id": response_id,
                "template_id": template.id,
                "template_version": template.version,
                "department_id": loaded.department_id,
                "profession": loaded.profession,
                "period_start": loaded.period_start,
            }
        )
        answer_rows += [
            {"response_id": response_id, "question_key": k, "value": v, "text": None}
            for k, v in loaded.answers.items()
        ]
    session.execute(sa.insert(CheckinResponse.__table__), response_rows)  # type: ignore[attr-defined]
    session.execute(sa.insert(CheckinAnswer.__table__), answer_rows)  # type: ignore[attr-defined]
    first = min(r.period_start for r in rows)
    last = max(r.period_start for r in rows)
    rebuild_rollups(session, start=first, end=last + timedelta(days=6))


def rebuild_rollups(session: Session, *, start: date, end: date) -> None:
    """Recompute the rollups of a range of periods from the responses (a GROUP BY in SQL):
    for data loaded in bulk, and for repairs."""
    rollups = CheckinRollup.__table__  # type: ignore[attr-defined]
    rollup_answers = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    responses = CheckinResponse.__table__  # type: ignore[attr-defined]
    answers = CheckinAnswer.__table__  # type: ignore[attr-defined]
    templates = session.exec(select(CheckinTemplateVersion)).all()
    scale_keys = {
        q["key"]
        for t in templates
        for q in t.questions
        if q.get("type") == QuestionType.scale_1_5.value
    }
    first = monday_of(start)
    session.execute(
        sa.delete(rollup_answers).where(
            rollup_answers.c.week_start >= first, rollup_answers.c.week_start <= end
        )
    )
    session.execute(
        sa.delete(rollups).where(rollups.c.week_start >= first, rollups.c.week_start <= end)
    )
    department_key = sa.func.coalesce(responses.c.department_id, sa.literal(NO_DEPARTMENT))
    in_range = sa.and_(responses.c.period_start >= first, responses.c.period_start <= end)
    session.execute(
        sa.insert(rollups).from_select(
            ["week_start", "department_key", "respondents"],
            sa.select(responses.c.period_start, department_key, sa.func.count())
            .where(in_range)
            .group_by(responses.c.period_start, department_key),
        )
    )
    is_scale = answers.c.question_key.in_(sorted(scale_keys)) if scale_keys else sa.false()
    high = sa.case((is_scale, sa.case((answers.c.value >= 4, 1), else_=0)), else_=answers.c.value)
    session.execute(
        sa.insert(rollup_answers).from_select(
            ["week_start", "department_key", "question_key", "answered", "total", "high"],
            sa.select(
                responses.c.period_start,
                department_key,
                answers.c.question_key,
                sa.func.count(),
                sa.func.sum(answers.c.value),
                sa.func.sum(high),
            )
            .join(answers, answers.c.response_id == responses.c.id)
            .where(in_range, answers.c.value.is_not(None))
            .group_by(responses.c.period_start, department_key, answers.c.question_key),
        )
    )


def weekly_staffing_figures(
    session: Session, *, start: date, end: date
) -> list[StaffingWeekFigures]:
    """Staffing per department and week, grouped in SQL: per day first (a day's patient
    census is the mean over its shifts), then per week."""
    connection = session.connection()
    s = StaffingShift.__table__  # type: ignore[attr-defined]
    census_staff = sa.case((s.c.patient_census.is_not(None), s.c.actual_staff), else_=0)
    days = (
        sa.select(
            s.c.department_id,
            s.c.shift_on,
            sa.func.count().label("shifts"),
            sa.func.sum(s.c.planned_staff).label("planned"),
            sa.func.sum(s.c.actual_staff).label("actual"),
            sa.func.count(s.c.patient_census).label("census_shifts"),
            sa.func.coalesce(sa.func.sum(s.c.patient_census), 0).label("census"),
            sa.func.sum(census_staff).label("census_staff"),
            sa.func.avg(s.c.patient_census).label("day_census"),
        )
        .where(s.c.shift_on >= monday_of(start), s.c.shift_on <= end)
        .group_by(s.c.department_id, s.c.shift_on)
        .subquery()
    )
    week = week_start(days.c.shift_on)
    rows = connection.execute(
        sa.select(
            days.c.department_id,
            week.label("week"),
            sa.func.sum(days.c.shifts),
            sa.func.sum(days.c.planned),
            sa.func.sum(days.c.actual),
            sa.func.sum(days.c.census_shifts),
            sa.func.sum(days.c.census),
            sa.func.sum(days.c.census_staff),
            sa.func.coalesce(sa.func.sum(days.c.day_census), 0),
        ).group_by(days.c.department_id, week)
    ).all()
    return [
        StaffingWeekFigures(
            department_id=row[0],
            week_start=_as_date(row[1]),
            shifts=int(row[2]),
            planned_staff=int(row[3]),
            actual_staff=int(row[4]),
            census_shifts=int(row[5]),
            patient_census=int(row[6]),
            census_staff=int(row[7]),
            patient_days=float(row[8]),
        )
        for row in rows
    ]


def _as_date(value: date | str) -> date:
    # SQLite's date() returns text; PostgreSQL returns a date.
    return value if isinstance(value, date) else date.fromisoformat(value)


# --- staffing ----------------------------------------------------------------------------

OLDEST_SHIFT = timedelta(days=3653)
FURTHEST_PLANNED_SHIFT = timedelta(days=366)


def _shift_read(shift: StaffingShift) -> ShiftRead:
    return ShiftRead(
        id=shift.id,
        department_id=shift.department_id,
        shift_on=shift.shift_on,
        shift=Shift(shift.shift),
        planned_staff=shift.planned_staff,
        actual_staff=shift.actual_staff,
        patient_census=shift.patient_census,
        source=shift.source,
        version=shift.version,
        updated_at=shift.updated_at,
    )


def _source(principal: Principal) -> str:
    return "api" if principal.kind == "api_key" else "web"


def _date_error(day: date, where: str) -> FieldError | None:
    today = clock.today()
    if day < today - OLDEST_SHIFT or day > today + FURTHEST_PLANNED_SHIFT:
        return field_error(where, "Give a day within the last ten years or the coming year.")
    return None


def _find_shift(
    session: Session, department_id: uuid.UUID, shift_on: date, shift: str
) -> StaffingShift | None:
    return session.exec(
        select(StaffingShift).where(
            col(StaffingShift.department_id) == department_id,
            col(StaffingShift.shift_on) == shift_on,
            col(StaffingShift.shift) == shift,
        )
    ).first()


def _apply(shift: StaffingShift, data: ShiftWrite, principal: Principal) -> None:
    shift.planned_staff = data.planned_staff
    shift.actual_staff = data.actual_staff
    shift.patient_census = data.patient_census
    shift.source = _source(principal)
    shift.updated_at = clock.now()


def _new_shift(data: ShiftWrite, principal: Principal) -> StaffingShift:
    now = clock.now()
    return StaffingShift(
        department_id=data.department_id,
        shift_on=data.shift_on,
        shift=data.shift.value,
        planned_staff=data.planned_staff,
        actual_staff=data.actual_staff,
        patient_census=data.patient_census,
        source=_source(principal),
        created_at=now,
        updated_at=now,
    )


def record_shift(
    session: Session, principal: Principal, *, data: ShiftWrite, if_match: str | None
) -> tuple[ShiftRead, bool]:
    """Record a shift, or replace it (with If-Match). Returns the shift and whether it is new."""
    if not policy.can_record_staffing(principal, data.department_id):
        raise Forbidden(
            "You can record staffing for your own department only.",
            errors=[field_error("department_id", "Not your department.")],
        )
    org_service.require_active_department(session, data.department_id)
    problem = _date_error(data.shift_on, "shift_on")
    if problem is not None:
        raise Unprocessable("The day of the shift is out of range.", errors=[problem])
    existing = _find_shift(session, data.department_id, data.shift_on, data.shift.value)
    if existing is None:
        if if_match is not None:
            raise PreconditionFailed("No shift is recorded yet for this department, day and shift.")
        shift = _new_shift(data, principal)
        session.add(shift)
        session.flush()
        audit.record_event(
            session, principal, action="staffing.recorded", object_type="shift", object_id=shift.id
        )
        return _shift_read(shift), True
    if if_match is None:
        raise Conflict(
            "This department's shift on that day is already recorded. Send If-Match with its "
            "ETag to replace it.",
            headers={"ETag": etag_for(existing.version)},
        )
    require_if_match(if_match, existing.version)
    _apply(existing, data, principal)
    session.add(existing)
    session.flush()
    audit.record_event(
        session, principal, action="staffing.replaced", object_type="shift", object_id=existing.id
    )
    return _shift_read(existing), False


def load_shifts(session: Session, *, rows: Sequence[ShiftWrite]) -> None:
    """Load staffing figures in bulk with no caller (the demo, imports): new shifts only."""
    now = clock.now()
    session.execute(
        sa.insert(StaffingShift.__table__),  # type: ignore[attr-defined]
        [
            {
                "id": uuid.uuid4(),
                "department_id": row.department_id,
                "shift_on": row.shift_on,
                "shift": row.shift.value,
                "planned_staff": row.planned_staff,
                "actual_staff": row.actual_staff,
                "patient_census": row.patient_census,
                "source": "import",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for row in rows
        ],
    )


def record_shift_batch(
    session: Session, principal: Principal, *, data: ShiftBatch
) -> ShiftBatchResult:
    """All rows or none: every row's problems are reported, by row."""
    errors: list[FieldError] = []
    active = set(org_service.active_department_ids(session))
    seen: set[tuple[uuid.UUID, date, str]] = set()
    for i, row in enumerate(data.rows):
        where = f"rows.{i}"
        if not policy.can_record_staffing(principal, row.department_id):
            errors.append(field_error(f"{where}.department_id", "Not your department."))
        elif row.department_id not in active:
            errors.append(field_error(f"{where}.department_id", "Choose an active department."))
        problem = _date_error(row.shift_on, f"{where}.shift_on")
        if problem is not None:
            errors.append(problem)
        key = (row.department_id, row.shift_on, row.shift.value)
        if key in seen:
            errors.append(field_error(where, "The same department, day and shift appear twice."))
        seen.add(key)
    if errors:
        raise Unprocessable("Some rows are not valid; nothing was recorded.", errors=errors)
    departments = sorted({row.department_id for row in data.rows})
    first = min(row.shift_on for row in data.rows)
    last = max(row.shift_on for row in data.rows)
    existing = {
        (s.department_id, s.shift_on, s.shift): s
        for s in session.exec(
            select(StaffingShift).where(
                col(StaffingShift.department_id).in_(departments),
                col(StaffingShift.shift_on) >= first,
                col(StaffingShift.shift_on) <= last,
            )
        ).all()
    }
    for i, row in enumerate(data.rows):
        current = existing.get((row.department_id, row.shift_on, row.shift.value))
        where = f"rows.{i}.version"
        if current is None and row.version is not None:
            errors.append(field_error(where, "No such shift is recorded yet: leave version out."))
        elif current is not None and row.version is None:
            errors.append(
                field_error(where, f"Already recorded (version {current.version}): send it.")
            )
        elif current is not None and row.version != current.version:
            errors.append(field_error(where, f"Changed since: the version is {current.version}."))
    if errors:
        raise Conflict(
            "Some rows conflict with recorded shifts; nothing was recorded.", errors=errors
        )
    created = replaced = 0
    shifts: list[StaffingShift] = []
    for row in data.rows:
        current = existing.get((row.department_id, row.shift_on, row.shift.value))
        if current is None:
            current = _new_shift(row, principal)
            created += 1
        else:
            _apply(current, row, principal)
            replaced += 1
        session.add(current)
        shifts.append(current)
    session.flush()
    audit.record_event(
        session, principal, action="staffing.batch_recorded", object_type="shift", object_id=None
    )
    return ShiftBatchResult(
        created=created, replaced=replaced, items=[_shift_read(s) for s in shifts]
    )


def list_shifts(
    session: Session,
    principal: Principal,
    *,
    params: PageParams,
    department_id: uuid.UUID | None = None,
    from_: date | None = None,
    to: date | None = None,
) -> tuple[list[ShiftRead], str | None]:
    """Newest day first."""
    stmt = policy.scope_shifts(select(StaffingShift), principal)
    if department_id is not None:
        stmt = stmt.where(col(StaffingShift.department_id) == department_id)
    if from_ is not None:
        stmt = stmt.where(col(StaffingShift.shift_on) >= from_)
    if to is not None:
        stmt = stmt.where(col(StaffingShift.shift_on) <= to)
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(StaffingShift.shift_on), col(StaffingShift.id)],
        params=params,
        descending=True,
    )
    return [_shift_read(s) for s in rows], cursor


def get_shift(session: Session, principal: Principal, *, shift_id: uuid.UUID) -> ShiftRead:
    shift = session.get(StaffingShift, shift_id)
    if shift is None or not policy.can_view_shift(principal, shift):
        raise NotFound("No such shift.")
    return _shift_read(shift)

"""Check-in and staffing rules, and the weekly figures they give insights.

Check-ins keep the promise in :mod:`haven.checkins.models`: a submission writes the
person's participation, rewrites the cell's responses under fresh random ids in a random
order, and adds to the weekly rollups, all in one transaction. It writes no audit row (an
audit row's time and sequence would date the answer) and the route takes no
Idempotency-Key (the stored request hash would tie the caller to a hash of the answers,
and answers are few enough to hash them all); a retry is answered 409 instead.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.checkins import policy
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
from haven.core.db import dialect_insert
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
from haven.core.versioning import etag_for, require_if_match
from haven.core.weeks import monday_of, week_start
from haven.org import service as org_service
from haven.reports.schemas import Shift
from haven.support import service as support_service

_shuffle = random.SystemRandom().shuffle

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
# Fortnights start on the Mondays of even weeks counted from this Monday.
FORTNIGHT_EPOCH = date(2024, 1, 1)
STRESS_KEY = "stress"


def period_bounds(period: CheckinPeriod | str, day: date) -> tuple[date, date]:
    """First and last day of the period containing ``day``; periods start on a Monday."""
    monday = monday_of(day)
    if CheckinPeriod(period) is CheckinPeriod.fortnightly:
        weeks = (monday - FORTNIGHT_EPOCH).days // 7
        monday -= timedelta(weeks=weeks % 2)
        return monday, monday + timedelta(days=13)
    return monday, monday + timedelta(days=6)


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


def _has_answered(session: Session, user_id: uuid.UUID, period_start: date) -> bool:
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


Answer = tuple[int | None, str | None]


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


def _add_to_rollups(
    session: Session,
    *,
    week: date,
    department_key: uuid.UUID,
    answers: dict[str, Answer],
    types: dict[str, QuestionType],
) -> None:
    insert = dialect_insert(session)
    cells = CheckinRollup.__table__  # type: ignore[attr-defined]
    stmt = insert(cells).values(week_start=week, department_key=department_key, respondents=1)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["week_start", "department_key"],
            set_={"respondents": cells.c.respondents + 1},
        )
    )
    table = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    for key, (value, _text) in answers.items():
        if value is None:
            continue
        high = int(value >= 4) if types[key] is QuestionType.scale_1_5 else value
        stmt = insert(table).values(
            week_start=week,
            department_key=department_key,
            question_key=key,
            answered=1,
            total=value,
            high=high,
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["week_start", "department_key", "question_key"],
                set_={
                    "answered": table.c.answered + 1,
                    "total": table.c.total + value,
                    "high": table.c.high + high,
                },
            )
        )


def _cell_filter(table: sa.Table, period_start: date, department_id: uuid.UUID | None) -> list[Any]:
    dep = table.c.department_id
    return [
        table.c.period_start == period_start,
        dep.is_(None) if department_id is None else dep == department_id,
    ]


def _rewrite_cell(
    session: Session,
    *,
    period_start: date,
    department_id: uuid.UUID | None,
    new_response: dict[str, Any],
    new_answers: dict[str, Answer],
) -> None:
    """Write the cell again, new response included, under fresh ids in a random order."""
    responses = CheckinResponse.__table__  # type: ignore[attr-defined]
    answers = CheckinAnswer.__table__  # type: ignore[attr-defined]
    where = _cell_filter(responses, period_start, department_id)
    existing = session.execute(
        sa.select(
            responses.c.id,
            responses.c.template_id,
            responses.c.template_version,
            responses.c.profession,
        ).where(*where)
    ).all()
    answers_of: dict[uuid.UUID, list[tuple[str, int | None, str | None]]] = defaultdict(list)
    if existing:
        for row in session.execute(
            sa.select(
                answers.c.response_id, answers.c.question_key, answers.c.value, answers.c.text
            )
            .join(responses, responses.c.id == answers.c.response_id)
            .where(*where)
        ).all():
            answers_of[row.response_id].append((row.question_key, row.value, row.text))
    cell: list[tuple[dict[str, Any], list[tuple[str, int | None, str | None]]]] = [
        (
            {
                "template_id": row.template_id,
                "template_version": row.template_version,
                "profession": row.profession,
            },
            answers_of[row.id],
        )
        for row in existing
    ]
    cell.append((new_response, [(k, v, t) for k, (v, t) in new_answers.items()]))
    _shuffle(cell)
    if existing:
        session.execute(
            sa.delete(answers).where(
                answers.c.response_id.in_(sa.select(responses.c.id).where(*where))
            )
        )
        session.execute(sa.delete(responses).where(*where))
    response_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for fields, items in cell:
        response_id = uuid.uuid4()
        response_rows.append(
            {
                "id": response_id,
                "department_id": department_id,
                "period_start": period_start,
                **fields,
            }
        )
        answer_rows.extend(
            {"response_id": response_id, "question_key": k, "value": v, "text": t}
            for k, v, t in items
        )
    session.execute(sa.insert(responses), response_rows)
    if answer_rows:
        session.execute(sa.insert(answers), answer_rows)


def submit_response(
    session: Session, principal: Principal, *, data: CheckinSubmit
) -> CheckinReceipt:
    template = _open_template(session)
    questions = _questions(template)
    start, end = period_bounds(template.period, clock.today())
    if _has_answered(session, principal.id, start):
        raise Conflict("You have already answered this check-in. The next one opens next period.")
    answers, wants_contact = _checked_answers(questions, data)
    person = auth_service.get_user(session, principal.id)
    department_id = person.department_id
    # The cell's rollup row first: its lock makes writers of one cell take turns, so each
    # rewrite sees the one before it.
    _add_to_rollups(
        session,
        week=start,
        department_key=department_id or NO_DEPARTMENT,
        answers=answers,
        types={q.key: q.type for q in questions},
    )
    _rewrite_cell(
        session,
        period_start=start,
        department_id=department_id,
        new_response={
            "template_id": template.id,
            "template_version": template.version,
            "profession": person.profession.value,
        },
        new_answers=answers,
    )
    session.add(CheckinParticipation(user_id=principal.id, period_start=start))
    session.flush()
    support_requested = False
    if wants_contact:
        support_requested = _request_support(session, principal)
    return CheckinReceipt(period_start=start, period_end=end, support_requested=support_requested)


def _request_support(session: Session, principal: Principal) -> bool:
    """The person's explicit consent is the only link between a check-in and support: peer
    support gets a request for the person, and nothing of the answers."""
    support_service.request_support_on_consent(session, principal)
    return True


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
    profession: str
    period_start: date
    answers: dict[str, int]


def load_responses(session: Session, *, responses: Sequence[LoadedResponse]) -> None:
    """Load answers of past periods in bulk, then rebuild the rollups of those periods.

    Nobody's participation is recorded (the people are not known): for imports and the
    demo only. Each response gets a random id; rows are inserted in a random order.
    """
    if not responses:
        return
    ensure_default_template(session)
    template = _active_template(session)
    if template is None:
        raise NotFound("No check-in template is active.")
    rows = list(responses)
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

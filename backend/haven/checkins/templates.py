"""Check-in templates: the default template (DESIGN.md), every change kept as a version,
and the admins' create, read and update. Which template is active decides what is asked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from haven.checkins.models import CheckinTemplate, CheckinTemplateVersion
from haven.checkins.schemas import (
    CheckinPeriod,
    QuestionRead,
    QuestionType,
    QuestionWrite,
    TemplateCreate,
    TemplateRead,
    TemplateUpdate,
)
from haven.core import audit, clock
from haven.core.errors import NotFound
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.versioning import require_if_match

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


def template_questions(template: CheckinTemplate) -> list[QuestionRead]:
    """The template's questions, in order."""
    return [QuestionRead.model_validate(q) for q in template.questions]


def _template_read(template: CheckinTemplate) -> TemplateRead:
    return TemplateRead(
        id=template.id,
        name=template.name,
        period=CheckinPeriod(template.period),
        questions=template_questions(template),
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


def active_template(session: Session) -> CheckinTemplate | None:
    """The template asked now (the active one changed last; None if none is active),
    after creating the default template the first time."""
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

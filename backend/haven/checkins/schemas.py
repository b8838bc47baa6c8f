"""Wire models of check-ins and staffing, and the figures they give insights."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, model_validator

from haven.core.schemas import RequestModel, ResponseModel
from haven.org.schemas import Shift

QUESTION_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
TEXT_ANSWER_MAX = 500
MAX_QUESTIONS = 20


class QuestionType(StrEnum):
    scale_1_5 = "scale_1_5"
    yes_no = "yes_no"
    short_text = "short_text"
    # "Would you like someone to reach out?": never stored; with explicit consent it asks
    # peer support to contact the person.
    reach_out = "reach_out"


class CheckinPeriod(StrEnum):
    weekly = "weekly"
    fortnightly = "fortnightly"


class QuestionWrite(RequestModel):
    key: str = Field(pattern=QUESTION_KEY_PATTERN, description="Stable key, e.g. stress.")
    text: str = Field(min_length=1, max_length=300)
    type: QuestionType
    low_label: str | None = Field(default=None, max_length=40, description="Scale: what 1 means.")
    high_label: str | None = Field(default=None, max_length=40, description="Scale: what 5 means.")
    higher_is_better: bool | None = Field(
        default=None,
        description="Scale: whether a higher answer is the better one (false for stress). "
        "Control charts flag the other direction as a concern.",
    )


class QuestionRead(ResponseModel):
    key: str
    text: str
    type: QuestionType
    low_label: str | None = None
    high_label: str | None = None
    higher_is_better: bool | None = None


def _check_questions(questions: list[QuestionWrite]) -> None:
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        raise ValueError("question keys must be unique")
    if sum(q.type == QuestionType.reach_out for q in questions) > 1:
        raise ValueError("at most one reach_out question")


class TemplateCreate(RequestModel):
    name: str = Field(min_length=1, max_length=120)
    period: CheckinPeriod = CheckinPeriod.weekly
    questions: list[QuestionWrite] = Field(min_length=1, max_length=MAX_QUESTIONS)
    is_active: bool = Field(default=False, description="Make this the check-in staff answer.")

    @model_validator(mode="after")
    def _questions(self) -> TemplateCreate:
        _check_questions(self.questions)
        return self


class TemplateUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    period: CheckinPeriod | None = None
    questions: list[QuestionWrite] | None = Field(
        default=None, min_length=1, max_length=MAX_QUESTIONS
    )
    is_active: bool | None = None

    @model_validator(mode="after")
    def _questions(self) -> TemplateUpdate:
        if self.questions is not None:
            _check_questions(self.questions)
        return self


class TemplateRead(ResponseModel):
    id: uuid.UUID
    name: str
    period: CheckinPeriod
    questions: list[QuestionRead]
    is_active: bool
    version: int
    updated_at: datetime


class CurrentCheckin(ResponseModel):
    template_id: uuid.UUID
    template_version: int
    name: str
    period: CheckinPeriod
    period_start: date
    period_end: date
    questions: list[QuestionRead]
    has_answered: bool = Field(description="Whether you have answered in this period.")


AnswerValue = StrictBool | StrictInt | Annotated[str, Field(max_length=TEXT_ANSWER_MAX)]


class CheckinSubmit(RequestModel):
    answers: dict[Annotated[str, Field(max_length=40)], AnswerValue] = Field(
        max_length=MAX_QUESTIONS,
        description="By question key: 1-5 for a scale, true/false for yes/no and reach_out, "
        "text (optional) for short text.",
    )
    consent_to_contact: bool = Field(
        default=False,
        description="Required with reach_out = true: you agree that peer support may contact "
        "you. Your name goes to the support team; your answers do not.",
    )


class CheckinReceipt(ResponseModel):
    """Your answer is received. It is counted together with others': it is stored only in
    a batch of at least k answers, so that none can be told apart (see the route)."""

    period_start: date = Field(description="The period your answer counts in.")
    period_end: date
    support_requested: bool = Field(description="Peer support was asked to contact you.")


# --- staffing ----------------------------------------------------------------------------

MAX_STAFF = 10_000
MAX_CENSUS = 100_000
MAX_BATCH = 1000


class ShiftWrite(RequestModel):
    department_id: uuid.UUID
    shift_on: date = Field(description="The day of the shift.")
    shift: Shift
    planned_staff: int = Field(ge=0, le=MAX_STAFF)
    actual_staff: int = Field(ge=0, le=MAX_STAFF)
    patient_census: int | None = Field(
        default=None, ge=0, le=MAX_CENSUS, description="Patients on the unit during the shift."
    )


class ShiftBatchRow(ShiftWrite):
    version: int | None = Field(
        default=None,
        ge=1,
        description="Required to replace a shift that is already recorded: its current version.",
    )


class ShiftBatch(RequestModel):
    rows: list[ShiftBatchRow] = Field(min_length=1, max_length=MAX_BATCH)


class ShiftRead(ResponseModel):
    id: uuid.UUID
    department_id: uuid.UUID
    shift_on: date
    shift: Shift
    planned_staff: int
    actual_staff: int
    patient_census: int | None
    source: str
    version: int
    updated_at: datetime


class ShiftBatchResult(ResponseModel):
    created: int
    replaced: int
    items: list[ShiftRead]


# --- figures for insights (read through service functions only) ---------------------------
#
# Plain frozen dataclasses, not models: they never cross the HTTP boundary, are made from
# the module's own queries, and a 26-week chart request makes some 7,000 of them.


@dataclass(frozen=True, slots=True)
class QuestionWeekFigures:
    key: str
    answered: int
    total: int  # the sum of the values (scale 1-5, yes = 1)
    high: int  # answers of 4 or 5 on a scale, or yes


@dataclass(frozen=True, slots=True)
class CheckinWeekFigures:
    department_id: uuid.UUID | None  # None: people without a department
    week_start: date
    respondents: int
    questions: tuple[QuestionWeekFigures, ...]


@dataclass(frozen=True, slots=True)
class StaffingWeekFigures:
    department_id: uuid.UUID
    week_start: date
    shifts: int
    planned_staff: int
    actual_staff: int
    census_shifts: int  # shifts that recorded a patient census
    patient_census: int  # the sum of the census over those shifts
    census_staff: int  # actual staff on the shifts with a census
    patient_days: float  # per day the mean census of its shifts, summed


@dataclass(frozen=True, slots=True)
class AnswerValues:
    """The distinct answers given to one question in one department and period, for
    insights' small-cell rules: what one respondent of a hidden cell may know is their own
    answer, one of these. Never who gave which, nor how many gave each."""

    department_id: uuid.UUID | None
    question_key: str
    values: frozenset[int]

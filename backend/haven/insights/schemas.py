"""Wire models of insights: weekly figures (suppressed where small), control charts, hotspots.

The many small objects of a table (figures, rows, chart points) are TypedDicts: pydantic
checks them as plain dicts, several times faster than one model object per figure (a
quarter's table holds some 20,000 figures). The envelopes are models.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from haven.checkins.schemas import QuestionType
from haven.core.schemas import ResponseModel
from haven.insights.spc import ChartKind, Direction, Rule
from haven.reports.schemas import Category, Harm, ReportKind


class Figure(TypedDict):
    value: Annotated[
        float | None, Field(description="Null when suppressed, or when there is no data.")
    ]
    suppressed: Annotated[
        bool,
        Field(
            description="True when the figure comes from fewer than k people, or would let "
            "one that does be worked out by subtraction. Never shown as zero."
        ),
    ]


class RowScope(StrEnum):
    department = "department"
    organisation = "organisation"
    unassigned = "unassigned"


class QuestionInfo(ResponseModel):
    key: str
    text: str
    type: QuestionType
    higher_is_better: bool | None


class QuestionFigure(TypedDict):
    key: str
    answered: Figure
    mean: Annotated[Figure, Field(description="Scale questions: the mean answer (1-5).")]
    share: Annotated[
        Figure, Field(description="Scale: share answering 4 or 5; yes/no: share answering yes.")
    ]


class CheckinFigures(TypedDict):
    respondents: Figure
    high_stress_share: Annotated[
        Figure, Field(description="Share answering 4 or 5 to the stress question.")
    ]
    stress_mean: Figure
    questions: list[QuestionFigure]


class ReportFigures(TypedDict):
    total: Figure
    harm_events: Annotated[
        Figure, Field(description="Reports whose harm reached the patient (mild+).")
    ]
    by_kind: dict[ReportKind, Figure]
    by_category: dict[Category, Figure]
    by_harm: dict[Harm, Figure]
    per_1000_patient_days: Figure
    harm_events_per_1000_patient_days: Figure


class StaffingFigures(TypedDict):
    """Operational figures, not about people's answers: never suppressed."""

    shifts: int
    planned_staff: int
    actual_staff: int
    staffing_ratio: Annotated[float | None, Field(description="Actual over planned staff.")]
    patient_days: float | None
    patients_per_staff: Annotated[
        float | None, Field(description="Census over actual staff, per shift.")
    ]


class SupportFigures(TypedDict):
    """Peer-support requests made in the week. The people behind them are the requesters:
    below k, every support figure of the cell is suppressed together."""

    requests: Figure
    requesters: Annotated[Figure, Field(description="Distinct people who asked.")]
    first_contacts: Figure
    median_minutes_to_first_contact: Annotated[
        Figure,
        Field(
            description="Departments only: medians do not add up, so the organisation row has none."
        ),
    ]
    within_target: Annotated[
        Figure, Field(description="First contacts made within the urgency's target.")
    ]
    share_within_target: Annotated[
        Figure, Field(description="Within target, of the requests made in the week.")
    ]


class DebriefFigures(TypedDict):
    """Meetings held and actions tracked: counts of work, not of people or their answers,
    so never suppressed (see the package docstring)."""

    debriefs_held: int
    action_items_opened: int
    action_items_done: int
    action_items_overdue: Annotated[
        int, Field(description="Still open or in progress, due in the week.")
    ]
    stronger: Annotated[int, Field(description="Items opened in the week: stronger actions.")]
    intermediate: int
    weaker: int


# The debrief figures' names, in the order every view, export and release lists them.
DEBRIEF_FIELDS: tuple[str, ...] = tuple(DebriefFigures.__annotations__)


class DepartmentWeek(TypedDict):
    scope: RowScope
    department_id: uuid.UUID | None
    department_name: str
    week_start: date
    checkins: CheckinFigures
    reports: ReportFigures
    staffing: StaffingFigures
    support: SupportFigures
    debriefs: DebriefFigures


class DepartmentInsights(ResponseModel):
    min_cell_size: int = Field(description="k: figures from fewer people are suppressed.")
    first_week: date
    last_week: date
    weeks: list[date]
    questions: list[QuestionInfo]
    rows: list[DepartmentWeek]


# --- control charts ----------------------------------------------------------------------


class Metric(StrEnum):
    high_stress_share = "high_stress_share"
    score_mean = "score_mean"
    report_rate = "report_rate"
    harm_rate = "harm_rate"


class Unit(StrEnum):
    share = "share"
    score = "score"
    per_1000_patient_days = "per_1000_patient_days"
    per_week = "per_week"


class ChartPointRead(TypedDict):
    week_start: date
    value: float | None
    suppressed: bool
    ucl: float | None
    lcl: float | None
    flags: list[Rule]


class SignalRead(TypedDict):
    rule: Rule
    direction: Direction
    first_week: date
    last_week: date
    weeks: int
    adverse: Annotated[bool, Field(description="In the direction that suggests strain.")]
    current: Annotated[bool, Field(description="Includes the latest week.")]
    description: str


class ControlChart(TypedDict):
    scope: RowScope
    department_id: uuid.UUID | None
    department_name: str
    metric: Metric
    question_key: str | None
    label: str
    chart: ChartKind
    unit: Unit
    centre: Annotated[float | None, Field(description="Null with too few baseline points.")]
    baseline_points: int
    points: list[ChartPointRead]
    signals: list[SignalRead]


class Signals(ResponseModel):
    min_cell_size: int
    first_week: date
    last_week: date
    baseline_weeks: int
    charts: list[ControlChart]


class HotspotReason(ResponseModel):
    metric: Metric
    question_key: str | None
    rule: Rule
    direction: Direction
    week_start: date
    description: str


class Hotspot(ResponseModel):
    department_id: uuid.UUID
    department_name: str
    severity: float = Field(description="Higher is worse; orders the list.")
    reasons: list[HotspotReason]


class Hotspots(ResponseModel):
    last_week: date
    items: list[Hotspot]


class SupportersAlerted(ResponseModel):
    notified: int = Field(description="Active peer supporters notified.")

"""Wire models and the report vocabularies (AHRQ Common Formats, NCC MERP, the taxonomy)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field

from haven.core.schemas import RequestModel, ResponseModel
from haven.org.schemas import Shift as Shift  # its home; kept importable from here


class ReportMode(StrEnum):
    named = "named"
    confidential = "confidential"
    anonymous = "anonymous"


class ReportKind(StrEnum):
    incident = "incident"
    near_miss = "near_miss"
    unsafe_condition = "unsafe_condition"
    good_catch_or_excellence = "good_catch_or_excellence"


class Category(StrEnum):
    """AHRQ Common Formats for Event Reporting, Hospital."""

    blood = "blood"
    device = "device"
    fall = "fall"
    healthcare_associated_infection = "healthcare_associated_infection"
    medication = "medication"
    perinatal = "perinatal"
    pressure_injury = "pressure_injury"
    surgery_anesthesia = "surgery_anesthesia"
    venous_thromboembolism = "venous_thromboembolism"
    other = "other"


class Harm(StrEnum):
    """AHRQ Harm Scale."""

    death = "death"
    severe = "severe"
    moderate = "moderate"
    mild = "mild"
    none = "none"
    unknown = "unknown"


# Harm at or above which support is offered and outreach may follow.
SERIOUS_HARM = frozenset({Harm.death, Harm.severe, Harm.moderate})


class NccMerp(StrEnum):
    """NCC MERP Index for Categorizing Medication Errors."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the index's own letter


class ContributingFactor(StrEnum):
    communication = "communication"
    handoff = "handoff"
    staffing = "staffing"
    workload = "workload"
    fatigue = "fatigue"
    equipment = "equipment"
    environment = "environment"
    policy_procedure = "policy_procedure"
    training = "training"
    teamwork = "teamwork"
    patient_factors = "patient_factors"
    it_system = "it_system"
    other = "other"


class ReportStatus(StrEnum):
    submitted = "submitted"
    triaged = "triaged"
    under_review = "under_review"
    action_planned = "action_planned"
    closed = "closed"
    not_actionable = "not_actionable"


TEXT_MAX = 10_000


class ReportCreate(RequestModel):
    mode: ReportMode = Field(
        description="named or confidential here; anonymous has its own endpoint."
    )
    kind: ReportKind
    category: Category
    subcategory: str | None = Field(default=None, max_length=80)
    harm: Harm
    ncc_merp: NccMerp | None = Field(default=None, description="Required for medication events.")
    occurred_on: date
    shift: Shift | None = None
    department_id: uuid.UUID
    location: str | None = Field(default=None, max_length=200)
    description: str = Field(min_length=1, max_length=TEXT_MAX)
    immediate_actions: str | None = Field(default=None, max_length=TEXT_MAX)
    contributing_factors: list[ContributingFactor] = Field(default_factory=list, max_length=13)


class AnonymousReportCreate(RequestModel):
    kind: ReportKind
    category: Category
    subcategory: str | None = Field(default=None, max_length=80)
    harm: Harm
    ncc_merp: NccMerp | None = None
    occurred_on: date
    shift: Shift | None = None
    department_id: uuid.UUID
    location: str | None = Field(default=None, max_length=200)
    description: str = Field(min_length=1, max_length=TEXT_MAX)
    immediate_actions: str | None = Field(default=None, max_length=TEXT_MAX)
    contributing_factors: list[ContributingFactor] = Field(default_factory=list, max_length=13)


class SupportOffer(ResponseModel):
    offered: bool = Field(
        description="True when the event was serious enough to offer peer support."
    )
    message: str | None = None


class PersonRef(ResponseModel):
    id: uuid.UUID
    display_name: str


class LessonSummary(ResponseModel):
    id: uuid.UUID
    title: str
    summary: str
    published_at: datetime


class ReportListItem(ResponseModel):
    """A row of the triage queue: no reporter identity (only the detail view shows it)."""

    # Enum fields keep their plain values once validated, so serialising a page of 50 rows
    # does not read ``Enum.value`` 400 times (the queue is the most frequent read).
    model_config = ConfigDict(from_attributes=True, use_enum_values=True)

    id: uuid.UUID
    mode: ReportMode
    kind: ReportKind
    category: Category
    subcategory: str | None
    harm: Harm
    ncc_merp: NccMerp | None
    occurred_on: date
    shift: Shift | None
    department_id: uuid.UUID
    status: ReportStatus
    submitted_on: date
    contributing_factors: list[ContributingFactor]
    excerpt: str = Field(description="The start of the description, to tell reports apart.")
    version: int


EXCERPT_CHARS = 160


class ReportRead(ReportListItem):
    location: str | None
    description: str
    immediate_actions: str | None
    not_actionable_reason: str | None
    outcome_summary: str | None
    source: str
    reporter: PersonRef | None = Field(
        description="Named: safety officers and the department's lead; confidential: safety "
        "officers only; anonymous: never."
    )
    involved_staff: list[PersonRef] | None = Field(
        default=None, description="Safety officers only."
    )
    high_risk_scenarios: list[str] | None = Field(default=None, description="Safety officers only.")
    lessons: list[LessonSummary]
    allowed_transitions: list[ReportStatus]


class MyReport(ResponseModel):
    """What a reporter sees of their own report: status and what was learned."""

    id: uuid.UUID
    mode: ReportMode
    kind: ReportKind
    category: Category
    harm: Harm
    occurred_on: date
    department_id: uuid.UUID
    description: str
    status: ReportStatus
    submitted_on: date
    outcome_summary: str | None
    not_actionable_reason: str | None = Field(
        default=None, description="Why the safety team took no further action, if it did not."
    )
    lessons: list[LessonSummary]


class ReportCreated(MyReport):
    support: SupportOffer


class AnonymousReportCreated(ResponseModel):
    receipt: str = Field(
        description="Shown once. Keep it: with it you can follow the report and talk with the "
        "safety team. It is not stored anywhere in a readable form."
    )
    status: ReportStatus
    submitted_on: date
    support: SupportOffer


class ReportUpdate(RequestModel):
    """Triage fields a safety officer may correct. The reporter's own words are never edited."""

    kind: ReportKind | None = None
    category: Category | None = None
    subcategory: str | None = Field(default=None, max_length=80)
    harm: Harm | None = None
    ncc_merp: NccMerp | None = None
    shift: Shift | None = None
    department_id: uuid.UUID | None = None
    contributing_factors: list[ContributingFactor] | None = Field(default=None, max_length=13)
    outcome_summary: str | None = Field(
        default=None, max_length=4000, description="Plain words for the reporter: what was done."
    )


class ReportTransition(RequestModel):
    to: ReportStatus
    reason: str | None = Field(
        default=None, max_length=2000, description="Required when moving to not_actionable."
    )


class ReportStatusCount(ResponseModel):
    status: ReportStatus
    count: int


class InvolvedStaffUpdate(RequestModel):
    staff_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    high_risk_scenarios: list[str] = Field(default_factory=list, max_length=20)


class InvolvedStaffRead(ResponseModel):
    staff: list[PersonRef]
    high_risk_scenarios: list[str]
    outreach_eligible: bool = Field(
        description="Harm moderate or worse, or a high-risk scenario: support may reach out."
    )


class StaffCandidate(ResponseModel):
    """A person a safety officer may name as involved: no email, roles or profession."""

    id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None


STAFF_SEARCH_MIN = 2
STAFF_SEARCH_MAX = 80
STAFF_SEARCH_LIMIT = 25


class MessageCreate(RequestModel):
    body: str = Field(min_length=1, max_length=4000)


class MessageRead(ResponseModel):
    id: uuid.UUID
    seq: int
    author: str = Field(description="reporter or safety_team")
    author_name: str | None = Field(
        description="The safety-team member's name; never the reporter's."
    )
    body: str
    created_on: date
    created_at: datetime | None


class ReceiptExchange(RequestModel):
    receipt: str = Field(min_length=1, max_length=64)


class ReportSession(ResponseModel):
    access_token: str = Field(
        description="Send as a Bearer token to the /anonymous/report endpoints."
    )
    token_type: str = "bearer"
    expires_in: int
    report_id: uuid.UUID


class AnonymousFormDepartment(ResponseModel):
    id: uuid.UUID
    name: str


class AnonymousFormSubcategory(ResponseModel):
    category: Category
    name: str


class AnonymousReportForm(ResponseModel):
    """What the anonymous report form offers, served on the quiet anonymous path so that
    opening the form makes no signed-in (or logged) request."""

    allow_without_account: bool = Field(
        description="Whether the organisation takes anonymous reports from people who are "
        "not signed in (otherwise the submission needs a person's access token, which is "
        "checked and then forgotten)."
    )
    departments: list[AnonymousFormDepartment] = Field(description="Active departments.")
    subcategories: list[AnonymousFormSubcategory] = Field(
        description="The organisation's active subcategories."
    )


class AnonymousReportView(ResponseModel):
    """What the holder of a receipt sees."""

    kind: ReportKind
    category: Category
    occurred_on: date
    description: str
    status: ReportStatus
    submitted_on: date
    outcome_summary: str | None
    not_actionable_reason: str | None = Field(
        default=None, description="Why the safety team took no further action, if it did not."
    )
    lessons: list[LessonSummary]


class SubcategoryCreate(RequestModel):
    category: Category
    name: str = Field(min_length=1, max_length=80)


class SubcategoryRead(ResponseModel):
    id: uuid.UUID
    category: Category
    name: str
    is_active: bool


class HighRiskScenarioRead(ResponseModel):
    code: str
    label: str


# --- just-culture review ---------------------------------------------------------------


class JcQuestion(StrEnum):
    """The NHS England "A just culture guide" (2018), in the order it is asked."""

    deliberate_harm = "deliberate_harm"
    substance_abuse = "substance_abuse"
    ill_health = "ill_health"
    protocols_existed = "protocols_existed"
    protocols_workable = "protocols_workable"
    knowingly_departed = "knowingly_departed"
    peers_would_act_same = "peers_would_act_same"
    missed_training = "missed_training"
    supervision_lacking = "supervision_lacking"
    mitigating_circumstances = "mitigating_circumstances"


class JcAnswer(RequestModel):
    answer: bool | None = Field(default=None, description="Yes, no, or not yet known.")
    evidence: str = Field(default="", max_length=4000, description="What the answer rests on.")


class JcReviewWrite(RequestModel):
    subject: str = Field(
        min_length=1, max_length=500, description="The one action or omission under consideration."
    )
    answers: dict[JcQuestion, JcAnswer] = Field(default_factory=dict)
    system_factors: list[ContributingFactor] = Field(default_factory=list, max_length=13)
    complete: bool = Field(
        default=False, description="Mark complete (needs an outcome and a system factor)."
    )


class JcOutcome(ResponseModel):
    letter: str
    title: str
    guidance: str
    points_away_from_individual_action: bool


class JcReviewRead(ResponseModel):
    id: uuid.UUID
    report_id: uuid.UUID
    subject: str
    answers: dict[JcQuestion, JcAnswer]
    system_factors: list[ContributingFactor]
    outcome: JcOutcome | None = Field(description="Computed from the answers; never typed.")
    next_question: JcQuestion | None = Field(description="The first question still to answer.")
    is_complete: bool
    version: int
    updated_at: datetime


class JcRevisionRead(ResponseModel):
    version: int
    recommendation: str | None
    is_complete: bool
    changed_at: datetime


# --- lessons ---------------------------------------------------------------------------


class LessonCreate(RequestModel):
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=TEXT_MAX, description="De-identified: no names.")
    actions_taken: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=20
    )
    categories: list[Category] = Field(default_factory=list, max_length=10)
    contributing_factors: list[ContributingFactor] = Field(default_factory=list, max_length=13)
    report_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class LessonRead(ResponseModel):
    id: uuid.UUID
    title: str
    summary: str
    actions_taken: list[str]
    categories: list[Category]
    contributing_factors: list[ContributingFactor]
    published_at: datetime


# --- weekly figures (for insights) -------------------------------------------------------

# Harm that reached the patient: what insights count as a harm event.
HARM_EVENTS = frozenset({Harm.mild, Harm.moderate, Harm.severe, Harm.death})


@dataclass(frozen=True, slots=True)
class ReleaseCount:
    """Reports that arrived in one week, for insights' weekly release: one department, one
    kind, category and harm, one reporter. ``reporter`` is an opaque number that tells the
    week's reporters apart and means nothing outside this one answer (never a user id);
    ``None`` for reports nobody is known to have made (anonymous ones, and those a service
    account posted)."""

    department_id: uuid.UUID
    kind: ReportKind
    category: Category
    harm: Harm
    reporter: int | None
    reports: int

"""Wire models of debriefs, their records, action items (graded by the RCA² hierarchy) and the
anonymous feedback; plus :class:`DebriefWeekFigures` for insights."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from haven.core.schemas import RequestModel, ResponseModel
from haven.reports.schemas import ContributingFactor


class DebriefKind(StrEnum):
    hot = "hot"
    cold = "cold"
    open_forum = "open_forum"
    huddle = "huddle"


class DebriefStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"
    summarized = "summarized"
    closed = "closed"
    cancelled = "cancelled"


class ActionStrength(StrEnum):
    """The three tiers of the RCA² action hierarchy (NPSF, 2015)."""

    stronger = "stronger"
    intermediate = "intermediate"
    weaker = "weaker"


class ActionCategory(StrEnum):
    """The kinds of action in the RCA² hierarchy; the strength follows from the kind."""

    # stronger: they change the system, so they work without relying on memory or vigilance
    architectural_change = "architectural_change"
    forcing_function = "forcing_function"
    simplify_process = "simplify_process"
    standardize_equipment_or_process = "standardize_equipment_or_process"
    tangible_leadership_involvement = "tangible_leadership_involvement"
    # intermediate
    redundancy = "redundancy"
    staffing_or_workload_change = "staffing_or_workload_change"
    software_enhancement = "software_enhancement"
    eliminate_distractions = "eliminate_distractions"
    simulation_training = "simulation_training"
    checklist_or_cognitive_aid = "checklist_or_cognitive_aid"
    eliminate_look_and_sound_alikes = "eliminate_look_and_sound_alikes"
    standardized_communication_tool = "standardized_communication_tool"
    enhanced_documentation = "enhanced_documentation"
    # weaker: they rely on people remembering, reading or trying harder
    double_check = "double_check"
    warning = "warning"
    new_policy_or_procedure = "new_policy_or_procedure"
    training = "training"
    further_study = "further_study"


class ActionStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    verified = "verified"


TEXT_MAX = 4000
TITLE_MAX = 200
EVENT_MAX = 500
MAX_EVENTS = 50
MAX_LINKED_REPORTS = 20
MAX_INVITES_PER_CALL = 100

FeedbackScore = Annotated[int, Field(ge=1, le=5, strict=True)]
EventText = Annotated[str, Field(min_length=1, max_length=EVENT_MAX)]


# --- debriefs --------------------------------------------------------------------------


class PersonRef(ResponseModel):
    id: uuid.UUID
    display_name: str


class TeamMember(ResponseModel):
    """Someone who can facilitate, take part in or own an action: a name and a department."""

    id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None


class DebriefCreate(RequestModel):
    kind: DebriefKind
    title: str = Field(
        min_length=1,
        max_length=TITLE_MAX,
        description="A short name for the session. It is not put in calendar invitations.",
    )
    department_id: uuid.UUID
    facilitator_id: uuid.UUID
    scheduled_at: AwareDatetime = Field(description="UTC or with an offset; at most 7 days ago.")
    duration_minutes: int = Field(default=60, ge=5, le=480)
    location: str | None = Field(default=None, max_length=200)
    report_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_LINKED_REPORTS,
        description="Reports this debrief is about; the caller must be able to see each one.",
    )
    participant_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_INVITES_PER_CALL,
        description="People to invite now; each gets an in-app notification (and an email).",
    )


class DebriefUpdate(RequestModel):
    """Schedule fields change only while the debrief is scheduled; title and linked reports
    until it is closed."""

    kind: DebriefKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    department_id: uuid.UUID | None = None
    facilitator_id: uuid.UUID | None = None
    scheduled_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    location: str | None = Field(default=None, max_length=200)
    report_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_LINKED_REPORTS)


class DebriefTransition(RequestModel):
    to: DebriefStatus
    reason: str | None = Field(
        default=None, max_length=500, description="Why a debrief is cancelled (optional)."
    )


class ParticipantRead(ResponseModel):
    user_id: uuid.UUID
    display_name: str
    attended: bool | None = Field(description="Null until attendance is recorded.")


class ParticipantsInvite(RequestModel):
    user_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_INVITES_PER_CALL)


class AttendanceUpdate(RequestModel):
    """Marks the people named here; everyone else keeps what was recorded for them."""

    attended: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    absent: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class GroundRules(ResponseModel):
    acknowledged: bool
    text: str = Field(
        description="The statement as agreed when acknowledged; otherwise the one to agree to."
    )
    acknowledged_at: datetime | None


class DebriefRecordWrite(RequestModel):
    """The whole record, replaced on each save (the facilitator saves step by step)."""

    ground_rules_acknowledged: bool = False
    events: list[EventText] = Field(
        default_factory=list,
        max_length=MAX_EVENTS,
        description="What happened, in order, as system events (no names).",
    )
    went_well: str | None = Field(default=None, max_length=TEXT_MAX)
    was_hard: str | None = Field(default=None, max_length=TEXT_MAX)
    contributing_factors: list[ContributingFactor] = Field(default_factory=list, max_length=13)
    learnings: str | None = Field(default=None, max_length=TEXT_MAX)
    support_offered: bool | None = Field(
        default=None,
        description="Whether support was offered to the team. Never who needed it.",
    )


class DebriefRecordRead(ResponseModel):
    ground_rules: GroundRules
    events: list[str]
    went_well: str | None
    was_hard: str | None
    contributing_factors: list[ContributingFactor]
    learnings: str | None
    support_offered: bool | None
    version: int = Field(description="Send as If-Match when saving the record.")
    updated_at: datetime | None


class FeedbackState(ResponseModel):
    is_open: bool = Field(description="Participants may answer now.")
    can_give: bool = Field(description="The caller is a participant who may still answer.")
    given: bool = Field(description="The caller has answered.")


class DebriefListItem(ResponseModel):
    id: uuid.UUID
    kind: DebriefKind
    title: str
    status: DebriefStatus
    department_id: uuid.UUID
    facilitator: PersonRef
    scheduled_at: datetime
    duration_minutes: int
    location: str | None
    version: int


class DebriefRead(DebriefListItem):
    report_ids: list[uuid.UUID] = Field(
        description="Linked reports; shown to those who run the debrief, empty for participants."
    )
    participants: list[ParticipantRead]
    record: DebriefRecordRead
    held_at: datetime | None
    cancel_reason: str | None
    can_manage: bool = Field(description="The caller may change this debrief.")
    allowed_transitions: list[DebriefStatus]
    feedback: FeedbackState
    created_at: datetime


# --- feedback --------------------------------------------------------------------------


class DebriefFeedbackCreate(RequestModel):
    felt_safe: FeedbackScore = Field(description="I felt safe to speak (1-5).")
    systems_focus: FeedbackScore = Field(
        description="It focused on systems rather than blame (1-5)."
    )
    useful: FeedbackScore = Field(description="It was useful (1-5).")


class DebriefFeedbackSummary(ResponseModel):
    responses: int
    minimum_responses: int
    published: bool = Field(
        description="Averages are shown once feedback has closed and at least "
        "`minimum_responses` answered, so no answer can be worked out by comparing two views."
    )
    felt_safe: float | None
    systems_focus: float | None
    useful: float | None


# --- action items ----------------------------------------------------------------------


class ActionItemCreate(RequestModel):
    description: str = Field(min_length=1, max_length=2000)
    owner_id: uuid.UUID
    due_on: date
    category: ActionCategory = Field(
        description="The kind of action in the RCA² hierarchy; its strength follows from it."
    )
    effectiveness_measure: str = Field(
        min_length=1, max_length=1000, description="How we will know the action worked."
    )


class ActionItemUpdate(RequestModel):
    description: str | None = Field(default=None, min_length=1, max_length=2000)
    owner_id: uuid.UUID | None = None
    due_on: date | None = None
    category: ActionCategory | None = None
    effectiveness_measure: str | None = Field(default=None, min_length=1, max_length=1000)
    status: ActionStatus | None = None
    verification_note: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="How effectiveness was checked; required to mark an item verified.",
    )


class ActionItemRead(ResponseModel):
    id: uuid.UUID
    debrief_id: uuid.UUID | None
    report_id: uuid.UUID | None
    department_id: uuid.UUID
    description: str
    owner: PersonRef
    due_on: date
    status: ActionStatus
    category: ActionCategory
    strength: ActionStrength
    effectiveness_measure: str
    verification_note: str | None
    is_overdue: bool
    can_manage: bool = Field(description="The caller may change every field.")
    allowed_statuses: list[ActionStatus] = Field(
        description="Statuses the caller may move this item to."
    )
    created_at: datetime
    done_at: datetime | None
    verified_at: datetime | None
    version: int


class OverdueCount(ResponseModel):
    department_id: uuid.UUID
    overdue: int
    oldest_due_on: date


class ActionCategoryInfo(ResponseModel):
    category: ActionCategory
    strength: ActionStrength
    label: str
    example: str


# --- for insights ----------------------------------------------------------------------


class DebriefWeekFigures(ResponseModel):
    """One department's debrief and action-item figures for one week (Monday start)."""

    department_id: uuid.UUID
    week_start: date = Field(description="The Monday of the week.")
    debriefs_held: int = Field(description="Debriefs held in the week (by the day held).")
    action_items_opened: int = Field(description="Action items created in the week.")
    action_items_done: int = Field(
        description="Action items completed in the week (done, or since verified)."
    )
    action_items_overdue: int = Field(
        description="Items still open or in progress whose due date falls in the week and "
        "before `end`."
    )
    stronger: int = Field(description="Of the items opened in the week: stronger actions.")
    intermediate: int
    weaker: int

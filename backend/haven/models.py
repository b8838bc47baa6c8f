"""Registry of every table, for Alembic and the tests (nothing else imports this)."""

from sqlmodel import SQLModel

from haven.auth.models import (
    ApiKey,
    DirectoryGroup,
    DirectoryGroupMember,
    RefreshToken,
    RoleGrant,
    User,
    UserRole,
)
from haven.checkins.models import (
    CheckinAnswer,
    CheckinParticipation,
    CheckinResponse,
    CheckinRollup,
    CheckinRollupAnswer,
    CheckinTemplate,
    CheckinTemplateVersion,
    StaffingShift,
)
from haven.core.models import AuditEvent, AuditHead, IdempotencyRecord
from haven.debriefs.models import (
    ActionItem,
    Debrief,
    DebriefFeedbackAnswer,
    DebriefFeedbackGiver,
    DebriefParticipant,
    DebriefRecord,
    DebriefReport,
)
from haven.insights.models import InsightRelease
from haven.notifications.models import EmailOutbox, Notification
from haven.org.models import Department, Organisation, PeopleImport, PeopleImportRow
from haven.reports.models import (
    JustCultureReview,
    JustCultureReviewRevision,
    Lesson,
    LessonReport,
    Report,
    ReportInvolvedStaff,
    ReportMessage,
    ReportRiskFlag,
    ReportSubcategory,
)
from haven.support.models import (
    OutreachKey,
    OutreachTask,
    SupportEncounter,
    Supporter,
    SupportFeedback,
    SupportFollowUp,
    SupportRecordKey,
    SupportRequest,
    SupportResources,
)

metadata = SQLModel.metadata

__all__ = [
    "ActionItem",
    "ApiKey",
    "AuditEvent",
    "AuditHead",
    "CheckinAnswer",
    "CheckinParticipation",
    "CheckinResponse",
    "CheckinRollup",
    "CheckinRollupAnswer",
    "CheckinTemplate",
    "CheckinTemplateVersion",
    "Debrief",
    "DebriefFeedbackAnswer",
    "DebriefFeedbackGiver",
    "DebriefParticipant",
    "DebriefRecord",
    "DebriefReport",
    "Department",
    "DirectoryGroup",
    "DirectoryGroupMember",
    "EmailOutbox",
    "IdempotencyRecord",
    "InsightRelease",
    "JustCultureReview",
    "JustCultureReviewRevision",
    "Lesson",
    "LessonReport",
    "Notification",
    "Organisation",
    "OutreachKey",
    "OutreachTask",
    "PeopleImport",
    "PeopleImportRow",
    "RefreshToken",
    "Report",
    "ReportInvolvedStaff",
    "ReportMessage",
    "ReportRiskFlag",
    "ReportSubcategory",
    "RoleGrant",
    "StaffingShift",
    "SupportEncounter",
    "SupportFeedback",
    "SupportFollowUp",
    "SupportRecordKey",
    "SupportRequest",
    "SupportResources",
    "Supporter",
    "User",
    "UserRole",
    "metadata",
]

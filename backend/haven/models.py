"""Registry of every table, for Alembic and the tests (nothing else imports this)."""

from sqlmodel import SQLModel

from haven.auth.models import ApiKey, RefreshToken, User, UserRole
from haven.core.models import AuditEvent, AuditHead, IdempotencyRecord
from haven.org.models import Department, Organisation
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

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditHead",
    "Department",
    "IdempotencyRecord",
    "JustCultureReview",
    "JustCultureReviewRevision",
    "Lesson",
    "LessonReport",
    "Organisation",
    "RefreshToken",
    "Report",
    "ReportInvolvedStaff",
    "ReportMessage",
    "ReportRiskFlag",
    "ReportSubcategory",
    "User",
    "UserRole",
    "metadata",
]

"""Report rules: submission (named, confidential, anonymous), triage, workflow, messages,
just-culture reviews, lessons.

Anonymous submissions go through :func:`submit_anonymous_report`, which takes no
principal at all: it cannot store who called, and writes no audit row (an audit row's
precise time and sequence would date the submission).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.core import audit, clock
from haven.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
    field_error,
)
from haven.core.pagination import PageParams, paginate
from haven.core.security import (
    REPORT_SESSION_AUDIENCE,
    REPORT_SESSION_TYPE,
    Principal,
    burn_password_check,
    encode_token,
    hash_password,
    verify_password,
)
from haven.core.settings import get_settings
from haven.core.versioning import require_if_match
from haven.org import service as org_service
from haven.reports import justculture, policy
from haven.reports.figures import release_counts as release_counts
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
from haven.reports.schemas import (
    EXCERPT_CHARS,
    SERIOUS_HARM,
    AnonymousFormDepartment,
    AnonymousFormSubcategory,
    AnonymousReportCreate,
    AnonymousReportCreated,
    AnonymousReportForm,
    AnonymousReportView,
    Category,
    ContributingFactor,
    Harm,
    HighRiskScenarioRead,
    InvolvedStaffRead,
    InvolvedStaffUpdate,
    JcAnswer,
    JcOutcome,
    JcQuestion,
    JcReviewRead,
    JcReviewWrite,
    JcRevisionRead,
    LessonCreate,
    LessonRead,
    LessonSummary,
    MessageCreate,
    MessageRead,
    MyReport,
    NccMerp,
    PersonRef,
    ReportCreate,
    ReportCreated,
    ReportKind,
    ReportListItem,
    ReportMode,
    ReportRead,
    ReportSession,
    ReportStatus,
    ReportStatusCount,
    ReportTransition,
    ReportUpdate,
    Shift,
    StaffCandidate,
    SubcategoryCreate,
    SubcategoryRead,
    SupportOffer,
)
from haven.support import service as support_service

SUPPORT_OFFER_MESSAGE = (
    "Events like this can weigh on anyone involved. A trained peer supporter can talk with "
    "you, confidentially, usually within hours. Nothing you say there reaches this report."
)
OLDEST_EVENT = timedelta(days=3653)

# --- field rules -------------------------------------------------------------------------

_NCC_BY_KIND: dict[ReportKind, frozenset[NccMerp]] = {
    ReportKind.incident: frozenset(NccMerp(c) for c in "CDEFGHI"),
    ReportKind.near_miss: frozenset(NccMerp(c) for c in "AB"),
    ReportKind.unsafe_condition: frozenset({NccMerp.A}),
    ReportKind.good_catch_or_excellence: frozenset(NccMerp(c) for c in "AB"),
}
_NO_HARM_KINDS = frozenset(
    {ReportKind.near_miss, ReportKind.unsafe_condition, ReportKind.good_catch_or_excellence}
)


@dataclass(frozen=True)
class EventFields:
    kind: ReportKind
    category: Category
    subcategory: str | None
    harm: Harm
    ncc_merp: NccMerp | None
    department_id: uuid.UUID


def _check_event_fields(session: Session, fields: EventFields, occurred_on: date | None) -> None:
    errors: list[FieldError] = []
    if fields.category == Category.medication:
        if fields.ncc_merp is None:
            errors.append(
                field_error("ncc_merp", "Required for medication events (NCC MERP A to I).")
            )
        elif NccMerp(fields.ncc_merp) not in _NCC_BY_KIND[fields.kind]:
            allowed = ", ".join(sorted(_NCC_BY_KIND[fields.kind]))
            errors.append(field_error("ncc_merp", f"For this kind of event use {allowed}."))
    elif fields.ncc_merp is not None:
        errors.append(field_error("ncc_merp", "Only medication events carry an NCC MERP index."))
    if fields.kind in _NO_HARM_KINDS and fields.harm not in (Harm.none, Harm.unknown):
        errors.append(
            field_error("harm", "This kind of event did not reach the patient: none or unknown.")
        )
    if occurred_on is not None:
        today = clock.today()
        # A day of leeway: the reporter's local date may already be tomorrow in UTC terms.
        if occurred_on > today + timedelta(days=1):
            errors.append(field_error("occurred_on", "Cannot be in the future."))
        elif occurred_on < today - OLDEST_EVENT:
            errors.append(
                field_error("occurred_on", "Events older than ten years are not accepted.")
            )
    if fields.subcategory is not None:
        known = session.exec(
            select(ReportSubcategory.id).where(
                col(ReportSubcategory.category) == fields.category.value,
                col(ReportSubcategory.name) == fields.subcategory,
                col(ReportSubcategory.is_active).is_(True),
            )
        ).first()
        if known is None:
            errors.append(field_error("subcategory", "Not a subcategory of this category."))
    if errors:
        raise Unprocessable("Some answers do not fit together.", errors=errors)
    org_service.require_active_department(session, fields.department_id)


def _support_offer(harm: Harm) -> SupportOffer:
    if harm in SERIOUS_HARM:
        return SupportOffer(offered=True, message=SUPPORT_OFFER_MESSAGE)
    return SupportOffer(offered=False)


# --- submission --------------------------------------------------------------------------


def submit_report(session: Session, principal: Principal, *, data: ReportCreate) -> ReportCreated:
    """A named or confidential report by a signed-in person (or a service account)."""
    if data.mode == ReportMode.anonymous:
        raise Unprocessable(
            "Anonymous reports are sent to /api/v1/anonymous/reports, which stores no identity.",
            errors=[field_error("mode", "Use the anonymous endpoint.")],
        )
    _check_event_fields(
        session,
        EventFields(
            data.kind, data.category, data.subcategory, data.harm, data.ncc_merp, data.department_id
        ),
        data.occurred_on,
    )
    values = _new_report_values(data)
    values.update(
        mode=data.mode.value,
        reporter_id=principal.user_id,
        source="web" if principal.kind == "user" else "integration",
    )
    # A Core insert: the product's hot path pays for no ORM unit of work.
    session.connection().execute(_INSERT_REPORT, values)
    audit.record_event(
        session, principal, action="report.submitted", object_type="report", object_id=values["id"]
    )
    return ReportCreated(
        id=values["id"],
        mode=data.mode,
        kind=data.kind,
        category=data.category,
        harm=data.harm,
        occurred_on=data.occurred_on,
        department_id=data.department_id,
        description=data.description,
        status=ReportStatus.submitted,
        submitted_on=values["submitted_on"],
        outcome_summary=None,
        lessons=[],
        support=_support_offer(data.harm),
    )


_reports: sa.Table = Report.__table__  # type: ignore[attr-defined]
_INSERT_REPORT = sa.insert(_reports)


def _new_report_values(data: ReportCreate | AnonymousReportCreate) -> dict[str, Any]:
    """Column values of a new report from what the reporter sent, server-owned fields set."""
    return {
        "id": uuid.uuid4(),
        "kind": data.kind.value,
        "category": data.category.value,
        "subcategory": data.subcategory,
        "harm": data.harm.value,
        "ncc_merp": data.ncc_merp.value if data.ncc_merp else None,
        "occurred_on": data.occurred_on,
        "shift": data.shift.value if data.shift else None,
        "department_id": data.department_id,
        "location": data.location,
        "description": data.description,
        "immediate_actions": data.immediate_actions,
        "contributing_factors": [f.value for f in data.contributing_factors],
        "status": ReportStatus.submitted.value,
        "not_actionable_reason": None,
        "outcome_summary": None,
        "submitted_on": clock.today(),
        "receipt_locator": None,
        "receipt_hash": None,
        "version": 1,
    }


RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RECEIPT_CHARS = 20  # 100 bits; the 4-character locator is stored, the other 80 bits only hashed
LOCATOR_CHARS = 4
_CROCKFORD_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _new_receipt() -> tuple[str, str]:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_CHARS))
    shown = "-".join(raw[i : i + 4] for i in range(0, RECEIPT_CHARS, 4))
    return raw, shown


def normalise_receipt(receipt: str) -> str | None:
    raw = re.sub(r"[\s-]", "", receipt.upper()).translate(_CROCKFORD_FIXES)
    if len(raw) != RECEIPT_CHARS or any(c not in RECEIPT_ALPHABET for c in raw):
        return None
    return raw


def anonymous_submission_allowed_without_account(session: Session) -> bool:
    return org_service.get_organisation(session).allow_anonymous_without_account


def anonymous_report_form(session: Session) -> AnonymousReportForm:
    """What the anonymous form offers (active departments and subcategories), for the quiet
    anonymous path: the form's data must not come from a signed-in request."""
    names = org_service.department_names(session, org_service.active_department_ids(session))
    subcategories = session.exec(
        select(ReportSubcategory.category, ReportSubcategory.name)
        .where(col(ReportSubcategory.is_active).is_(True))
        .order_by(col(ReportSubcategory.category), col(ReportSubcategory.name))
    ).all()
    return AnonymousReportForm(
        allow_without_account=anonymous_submission_allowed_without_account(session),
        departments=[
            AnonymousFormDepartment(id=id_, name=name)
            for id_, name in sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
        ],
        subcategories=[
            AnonymousFormSubcategory(category=Category(category), name=name)
            for category, name in subcategories
        ],
    )


def submit_anonymous_report(
    session: Session, *, data: AnonymousReportCreate
) -> AnonymousReportCreated:
    """Store an anonymous report: no principal is even passed in. Returns the receipt once."""
    _check_event_fields(
        session,
        EventFields(
            data.kind, data.category, data.subcategory, data.harm, data.ncc_merp, data.department_id
        ),
        data.occurred_on,
    )
    raw, shown = _new_receipt()
    values = _new_report_values(data)
    values.update(
        mode=ReportMode.anonymous.value,
        reporter_id=None,
        source="anonymous",
        receipt_locator=raw[:LOCATOR_CHARS],
        receipt_hash=hash_password(raw),
    )
    session.connection().execute(_INSERT_REPORT, values)
    return AnonymousReportCreated(
        receipt=shown,
        status=ReportStatus.submitted,
        submitted_on=values["submitted_on"],
        support=_support_offer(data.harm),
    )


class _ReceiptThrottle:
    """Failed receipt look-ups per locator (the report being guessed), in memory only, over
    the last minute. It never refuses anyone by itself: the right receipt always opens its
    report, so knowing (or guessing) a reporter's locator and failing on it cannot lock the
    reporter out. What it does: once a locator is *hot* (``receipt_failures_per_minute``
    failures), each further failure there is flagged on the error, and the router's
    per-client limit then makes that client wait a whole window (haven.core.limits). A
    distributed guesser gets one try per address per window on a hot locator; guessing the
    80 unstored bits stays hopeless either way.

    There is no process-wide bucket: it let one client's bad receipts make every reporter's
    follow-up answer 429. Per-client counting (by a key that forgets the address) is done in
    the router: the service never learns who is calling."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_locator: dict[str, deque[float]] = {}

    def fail(self, locator: str, limit: int) -> bool:
        """Count a failure on ``locator``; whether the locator was already hot."""
        now = time.monotonic()
        with self._lock:
            stamps = self._by_locator.get(locator)
            if stamps is None:
                if len(self._by_locator) >= 50_000:
                    self._by_locator = {
                        k: v for k, v in self._by_locator.items() if v and v[-1] > now - 60
                    }
                if len(self._by_locator) >= 50_000:  # bounded memory over hot-locator memory
                    self._by_locator.clear()
                stamps = self._by_locator[locator] = deque(maxlen=256)
            while stamps and stamps[0] <= now - 60:
                stamps.popleft()
            hot = len(stamps) >= limit
            stamps.append(now)
            return hot

    def reset(self) -> None:
        with self._lock:
            self._by_locator.clear()


receipt_throttle = _ReceiptThrottle()


class ReceiptNotRecognised(Unauthorized):
    """The uniform refusal of a receipt. ``on_hot_locator``: the receipt's locator has been
    failing often (the refusal's body and headers are the same either way)."""

    def __init__(self, *, on_hot_locator: bool = False) -> None:
        super().__init__("That receipt does not match a report.", title="Receipt not recognised")
        self.on_hot_locator = on_hot_locator


def open_report_session(session: Session, *, receipt: str) -> ReportSession:
    """Exchange a receipt for a short session on that one report (uniform 401 otherwise)."""
    settings = get_settings().reports
    raw = normalise_receipt(receipt)
    match: Report | None = None
    candidates: Sequence[Report] = []
    if raw is not None:
        candidates = session.exec(
            select(Report).where(
                col(Report.receipt_locator) == raw[:LOCATOR_CHARS],
                col(Report.mode) == ReportMode.anonymous.value,
            )
        ).all()
    for candidate in candidates:
        if candidate.receipt_hash and verify_password(candidate.receipt_hash, raw or ""):
            match = candidate
    if not candidates:
        # The same slow hash either way: timing says nothing about which part was wrong.
        burn_password_check(raw or receipt)
    if match is None:
        hot = raw is not None and receipt_throttle.fail(
            raw[:LOCATOR_CHARS], settings.receipt_failures_per_minute
        )
        raise ReceiptNotRecognised(on_hot_locator=hot)
    lifetime = timedelta(minutes=settings.session_minutes)
    token = encode_token(
        subject=str(match.id),
        audience=REPORT_SESSION_AUDIENCE,
        token_type=REPORT_SESSION_TYPE,
        lifetime=lifetime,
    )
    return ReportSession(
        access_token=token, expires_in=int(lifetime.total_seconds()), report_id=match.id
    )


# --- reading -----------------------------------------------------------------------------


def _lessons_for(
    session: Session, report_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[LessonSummary]]:
    ids = list(report_ids)
    found: dict[uuid.UUID, list[LessonSummary]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.exec(
        select(LessonReport.report_id, Lesson)
        .join(Lesson, col(Lesson.id) == col(LessonReport.lesson_id))
        .where(col(LessonReport.report_id).in_(ids))
        .order_by(col(Lesson.published_at))
    ).all()
    for report_id, lesson in rows:
        found[report_id].append(
            LessonSummary(
                id=lesson.id,
                title=lesson.title,
                summary=lesson.summary,
                published_at=lesson.published_at,
            )
        )
    return found


def _my_report(report: Report, lessons: list[LessonSummary]) -> MyReport:
    return MyReport(
        id=report.id,
        mode=ReportMode(report.mode),
        kind=ReportKind(report.kind),
        category=Category(report.category),
        harm=Harm(report.harm),
        occurred_on=report.occurred_on,
        department_id=report.department_id,
        description=report.description,
        status=ReportStatus(report.status),
        submitted_on=report.submitted_on,
        outcome_summary=report.outcome_summary,
        not_actionable_reason=report.not_actionable_reason,
        lessons=lessons,
    )


_ORDER = (col(Report.submitted_on), col(Report.id))


def list_my_reports(
    session: Session, principal: Principal, *, params: PageParams
) -> tuple[list[MyReport], str | None]:
    stmt = select(Report).where(col(Report.reporter_id) == principal.id)
    rows, cursor = paginate(session, stmt, keys=_ORDER, params=params, descending=True)
    lessons = _lessons_for(session, [r.id for r in rows])
    return [_my_report(r, lessons[r.id]) for r in rows], cursor


@dataclass(frozen=True)
class ReportFilters:
    status: ReportStatus | None = None
    kind: ReportKind | None = None
    category: Category | None = None
    harm: Harm | None = None
    mode: ReportMode | None = None
    department_id: uuid.UUID | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None


def _filtered(stmt: policy.S, filters: ReportFilters) -> policy.S:
    # Table columns, not ORM attributes: lists are plain Core selects (no ORM compile step).
    for column, value in (
        (_reports.c.status, filters.status),
        (_reports.c.kind, filters.kind),
        (_reports.c.category, filters.category),
        (_reports.c.harm, filters.harm),
        (_reports.c.mode, filters.mode),
    ):
        if value is not None:
            stmt = stmt.where(column == value.value)
    if filters.department_id is not None:
        stmt = stmt.where(_reports.c.department_id == filters.department_id)
    if filters.occurred_from is not None:
        stmt = stmt.where(_reports.c.occurred_on >= filters.occurred_from)
    if filters.occurred_to is not None:
        stmt = stmt.where(_reports.c.occurred_on <= filters.occurred_to)
    return stmt


def _list_item(report: Report) -> ReportListItem:
    return ReportListItem(
        id=report.id,
        mode=ReportMode(report.mode),
        kind=ReportKind(report.kind),
        category=Category(report.category),
        subcategory=report.subcategory,
        harm=Harm(report.harm),
        ncc_merp=NccMerp(report.ncc_merp) if report.ncc_merp else None,
        occurred_on=report.occurred_on,
        shift=Shift(report.shift) if report.shift else None,
        department_id=report.department_id,
        status=ReportStatus(report.status),
        submitted_on=report.submitted_on,
        contributing_factors=[ContributingFactor(f) for f in report.contributing_factors],
        excerpt=report.description[:EXCERPT_CHARS],
        version=report.version,
    )


_LIST_COLUMNS = [
    *(_reports.c[name] for name in ReportListItem.model_fields if name != "excerpt"),
    sa.func.substr(_reports.c.description, 1, EXCERPT_CHARS).label("excerpt"),
]
_LIST_ORDER = (_reports.c.submitted_on, _reports.c.id)
_LIST_ITEMS = TypeAdapter(list[ReportListItem])


def list_reports(
    session: Session, principal: Principal, *, filters: ReportFilters, params: PageParams
) -> tuple[list[ReportListItem], str | None]:
    # Only the list's columns, as plain rows validated in one pass into the response model:
    # the queue is the safety team's most frequent read.
    stmt = policy.scope_reports(_filtered(sa.select(*_LIST_COLUMNS), filters), principal)
    rows, cursor = paginate(session, stmt, keys=_LIST_ORDER, params=params, descending=True)
    return _LIST_ITEMS.validate_python([dict(row._mapping) for row in rows]), cursor


def count_reports_by_status(
    session: Session, principal: Principal, *, filters: ReportFilters
) -> list[ReportStatusCount]:
    grouped = sa.select(_reports.c.status, sa.func.count()).group_by(_reports.c.status)
    scoped = policy.scope_reports(_filtered(grouped, filters), principal)
    counts: dict[str, int] = {row[0]: row[1] for row in session.execute(scoped).all()}
    return [ReportStatusCount(status=s, count=int(counts.get(s.value, 0))) for s in ReportStatus]


def _load_for(session: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    report = session.get(Report, report_id)
    if report is None or not policy.can_view_report(principal, report):
        raise NotFound("No such report.")
    return report


def visible_report_department(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> uuid.UUID | None:
    """The department of a report the principal may see, else ``None`` (also when there is no
    such report). For other domains linking to a report (debriefs, action items): it reads
    nothing confidential, so it writes no audit row."""
    report = session.get(Report, report_id)
    if report is None or not policy.can_view_report(principal, report):
        return None
    return report.department_id


def _person_refs(session: Session, ids: Iterable[uuid.UUID]) -> list[PersonRef]:
    people = auth_service.users_by_id(session, ids)
    return sorted(
        (PersonRef(id=p.id, display_name=p.display_name) for p in people.values()),
        key=lambda p: p.display_name,
    )


def _read(session: Session, principal: Principal, report: Report) -> ReportRead:
    reporter = None
    if policy.may_see_reporter(principal, report) and report.reporter_id is not None:
        refs = _person_refs(session, [report.reporter_id])
        reporter = refs[0] if refs else None
    involved = flags = None
    if policy.is_safety_officer(principal):
        involved = _person_refs(
            session,
            session.exec(
                select(ReportInvolvedStaff.user_id).where(
                    col(ReportInvolvedStaff.report_id) == report.id
                )
            ).all(),
        )
        flags = _flags(session, report.id)
    item = _list_item(report)
    return ReportRead(
        **item.model_dump(),
        location=report.location,
        description=report.description,
        immediate_actions=report.immediate_actions,
        not_actionable_reason=report.not_actionable_reason,
        outcome_summary=report.outcome_summary,
        source=report.source,
        reporter=reporter,
        involved_staff=involved,
        high_risk_scenarios=flags,
        lessons=_lessons_for(session, [report.id])[report.id],
        allowed_transitions=policy.allowed_transitions(report.status)
        if policy.is_safety_officer(principal)
        else [],
    )


def _audit_read(session: Session, principal: Principal, report: Report, action: str) -> None:
    """Audit a read by anyone but the report's own reporter, in every mode: even an
    anonymous report may name the staff involved. Never the anonymous reporter's own reads
    (the row's time would date them); the row names the reader, not the reporter."""
    if principal.kind == "report_session" or policy.is_reporter(principal, report):
        return
    audit.record_event(session, principal, action=action, object_type="report", object_id=report.id)


def get_report(session: Session, principal: Principal, *, report_id: uuid.UUID) -> ReportRead:
    report = _load_for(session, principal, report_id)
    _audit_read(session, principal, report, "report.read")
    return _read(session, principal, report)


# --- triage and workflow -----------------------------------------------------------------


def _require_officer(principal: Principal) -> None:
    if not policy.is_safety_officer(principal):
        raise Forbidden("Only the safety team may do this.")


_REQUIRED_ON_REPORT = ("kind", "category", "harm", "department_id", "contributing_factors")


def update_report(
    session: Session,
    principal: Principal,
    *,
    report_id: uuid.UUID,
    data: ReportUpdate,
    if_match: str | None,
) -> ReportRead:
    _require_officer(principal)
    report = _load_for(session, principal, report_id)
    require_if_match(if_match, report.version)
    changes = data.model_dump(exclude_unset=True, mode="json")
    # The schema lets every field be omitted; an explicit null may only clear a field that
    # is optional on the report itself.
    nulled = [name for name in _REQUIRED_ON_REPORT if name in changes and changes[name] is None]
    if nulled:
        raise Unprocessable(
            "Some fields cannot be cleared.",
            errors=[field_error(name, "Cannot be null.") for name in nulled],
        )
    merged = EventFields(
        kind=ReportKind(changes.get("kind", report.kind)),
        category=Category(changes.get("category", report.category)),
        subcategory=changes.get("subcategory", report.subcategory),
        harm=Harm(changes.get("harm", report.harm)),
        ncc_merp=NccMerp(changes["ncc_merp"])
        if changes.get("ncc_merp")
        else (
            None
            if "ncc_merp" in changes
            else (NccMerp(report.ncc_merp) if report.ncc_merp else None)
        ),
        department_id=uuid.UUID(str(changes.get("department_id", report.department_id))),
    )
    _check_event_fields(session, merged, None)
    for name, value in changes.items():
        if name == "department_id":
            value = uuid.UUID(str(value))
        setattr(report, name, value)
    session.add(report)
    session.flush()
    audit.record_event(
        session, principal, action="report.triaged", object_type="report", object_id=report.id
    )
    return _read(session, principal, report)


def transition_report(
    session: Session,
    principal: Principal,
    *,
    report_id: uuid.UUID,
    data: ReportTransition,
    if_match: str | None,
) -> ReportRead:
    _require_officer(principal)
    report = _load_for(session, principal, report_id)
    require_if_match(if_match, report.version)
    current = ReportStatus(report.status)
    if data.to not in policy.TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in policy.allowed_transitions(current)) or "none"
        raise Conflict(
            f"A {current.value} report cannot move to {data.to.value} (allowed: {allowed}).",
            errors=[field_error("to", "Not allowed from the current status.")],
        )
    if data.to == ReportStatus.not_actionable:
        if not data.reason or not data.reason.strip():
            raise Unprocessable(
                "Say why the report is not actionable; the reporter will see it.",
                errors=[field_error("reason", "Required when marking not actionable.")],
            )
        report.not_actionable_reason = data.reason.strip()
    report.status = data.to.value
    session.add(report)
    session.flush()
    audit.record_event(
        session,
        principal,
        action=f"report.status.{data.to.value}",
        object_type="report",
        object_id=report.id,
    )
    return _read(session, principal, report)


def high_risk_scenarios() -> list[HighRiskScenarioRead]:
    return [
        HighRiskScenarioRead(code=s.code, label=s.label)
        for s in get_settings().reports.high_risk_scenarios
    ]


def _flags(session: Session, report_id: uuid.UUID) -> list[str]:
    return sorted(
        session.exec(
            select(ReportRiskFlag.scenario).where(col(ReportRiskFlag.report_id) == report_id)
        ).all()
    )


def _involved_read(session: Session, report: Report) -> InvolvedStaffRead:
    staff_ids = session.exec(
        select(ReportInvolvedStaff.user_id).where(col(ReportInvolvedStaff.report_id) == report.id)
    ).all()
    flags = _flags(session, report.id)
    return InvolvedStaffRead(
        staff=_person_refs(session, staff_ids),
        high_risk_scenarios=flags,
        outreach_eligible=is_outreach_eligible(Harm(report.harm), flags),
    )


def is_outreach_eligible(harm: Harm, flags: Sequence[str]) -> bool:
    return harm in SERIOUS_HARM or bool(flags)


def get_involved_staff(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> InvolvedStaffRead:
    _require_officer(principal)
    report = _load_for(session, principal, report_id)
    _audit_read(session, principal, report, "report.involved_staff_read")
    return _involved_read(session, report)


def set_involved_staff(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: InvolvedStaffUpdate
) -> InvolvedStaffRead:
    _require_officer(principal)
    report = _load_for(session, principal, report_id)
    known_codes = {s.code for s in get_settings().reports.high_risk_scenarios}
    errors = [
        field_error(f"high_risk_scenarios.{i}", "Not a configured high-risk scenario.")
        for i, code in enumerate(data.high_risk_scenarios)
        if code not in known_codes
    ]
    people = auth_service.users_by_id(session, data.staff_ids)
    errors += [
        field_error(f"staff_ids.{i}", "No active person with this id.")
        for i, person_id in enumerate(data.staff_ids)
        if person_id not in people or not people[person_id].is_active
    ]
    if errors:
        raise Unprocessable("Some of the named staff or scenarios are not known.", errors=errors)
    session.execute(
        sa.delete(ReportInvolvedStaff).where(col(ReportInvolvedStaff.report_id) == report.id)
    )
    session.execute(sa.delete(ReportRiskFlag).where(col(ReportRiskFlag.report_id) == report.id))
    for person_id in dict.fromkeys(data.staff_ids):
        session.add(ReportInvolvedStaff(report_id=report.id, user_id=person_id))
    for code in dict.fromkeys(data.high_risk_scenarios):
        session.add(ReportRiskFlag(report_id=report.id, scenario=code))
    session.flush()
    audit.record_event(
        session,
        principal,
        action="report.involved_staff_set",
        object_type="report",
        object_id=report.id,
    )
    staff_ids = list(dict.fromkeys(data.staff_ids))
    if staff_ids and is_outreach_eligible(Harm(report.harm), list(data.high_risk_scenarios)):
        # Support decides what to do and tells this side nothing (DESIGN.md, "Proactive
        # outreach"); the opaque key only lets it avoid a second task for the same person.
        support_service.offer_outreach(
            session,
            principal,
            person_ids=staff_ids,
            involved_ids=staff_ids,
            event_key=_outreach_event_key(report.id),
        )
    return _involved_read(session, report)


def staff_candidates(
    session: Session, principal: Principal, *, report_id: uuid.UUID, query: str, limit: int
) -> list[StaffCandidate]:
    """Active people by name, for naming the staff involved in this report. Safety officers
    may not list users (that is an admin's screen), so this is their one way to find them."""
    _require_officer(principal)
    _load_for(session, principal, report_id)
    people = auth_service.search_active_users(session, name_contains=query, limit=limit)
    return [
        StaffCandidate(id=p.id, display_name=p.display_name, department_id=p.department_id)
        for p in people
    ]


def _outreach_event_key(report_id: uuid.UUID) -> str:
    """An opaque per-event key for support: an HMAC of the report id, which support cannot
    turn back into the report."""
    key = hashlib.sha256(b"haven.reports.outreach-event|" + get_settings().signing_key().encode())
    return hmac.new(key.digest(), report_id.bytes, hashlib.sha256).hexdigest()


# --- messages ----------------------------------------------------------------------------


def _load_for_messages(session: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    report = session.get(Report, report_id)
    if report is None or not policy.can_message(principal, report):
        raise NotFound("No such report.")
    return report


def _message_reads(session: Session, report: Report) -> list[MessageRead]:
    rows = session.exec(
        select(ReportMessage)
        .where(col(ReportMessage.report_id) == report.id)
        .order_by(col(ReportMessage.seq))
    ).all()
    names = {
        p.id: p.display_name
        for p in _person_refs(session, {m.author_id for m in rows if m.author_id})
    }
    return [
        MessageRead(
            id=m.id,
            seq=m.seq,
            author=m.author_kind,
            author_name=names.get(m.author_id) if m.author_id else None,
            body=m.body,
            created_on=m.created_on,
            created_at=m.created_at,
        )
        for m in rows
    ]


def list_messages(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> list[MessageRead]:
    report = _load_for_messages(session, principal, report_id)
    _audit_read(session, principal, report, "report.messages_read")
    return _message_reads(session, report)


def post_message(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: MessageCreate
) -> MessageRead:
    report = _load_for_messages(session, principal, report_id)
    from_reporter = policy.is_reporter(principal, report) or policy.is_session_for(
        principal, report
    )
    last = session.exec(
        select(sa.func.max(ReportMessage.seq)).where(col(ReportMessage.report_id) == report.id)
    ).one()
    anonymous_author = from_reporter and report.mode == ReportMode.anonymous
    message = ReportMessage(
        report_id=report.id,
        seq=int(last or 0) + 1,
        author_kind="reporter" if from_reporter else "safety_team",
        author_id=None if from_reporter else principal.id,
        body=data.body,
        created_on=clock.today(),
        # An anonymous reporter's message keeps only the day, like the report itself.
        created_at=None if anonymous_author else clock.now(),
    )
    session.add(message)
    session.flush()
    if not anonymous_author:
        audit.record_event(
            session,
            principal,
            action="report.message_posted",
            object_type="report",
            object_id=report.id,
        )
    return next(m for m in _message_reads(session, report) if m.id == message.id)


def anonymous_report_view(session: Session, principal: Principal) -> AnonymousReportView:
    report = session.get(Report, principal.id) if principal.kind == "report_session" else None
    if report is None:
        raise NotFound("No such report.")
    return AnonymousReportView(
        kind=ReportKind(report.kind),
        category=Category(report.category),
        occurred_on=report.occurred_on,
        description=report.description,
        status=ReportStatus(report.status),
        submitted_on=report.submitted_on,
        outcome_summary=report.outcome_summary,
        not_actionable_reason=report.not_actionable_reason,
        lessons=_lessons_for(session, [report.id])[report.id],
    )


# --- just-culture reviews ----------------------------------------------------------------


def _review_read(review: JustCultureReview) -> JcReviewRead:
    answers = {JcQuestion(k): JcAnswer.model_validate(v) for k, v in review.answers.items()}
    evaluation = justculture.evaluate({k: v.answer for k, v in answers.items()})
    outcome = None
    if evaluation.outcome is not None:
        o = justculture.OUTCOMES[evaluation.outcome]
        outcome = JcOutcome(
            letter=o.letter,
            title=o.title,
            guidance=o.guidance,
            points_away_from_individual_action=o.points_away_from_individual_action,
        )
    return JcReviewRead(
        id=review.id,
        report_id=review.report_id,
        subject=review.subject,
        answers=answers,
        system_factors=[ContributingFactor(f) for f in review.system_factors],
        outcome=outcome,
        next_question=evaluation.next_question,
        is_complete=review.is_complete,
        version=review.version,
        updated_at=review.updated_at,
    )


def _apply_review(review: JustCultureReview, data: JcReviewWrite) -> None:
    answers = {q.value: a.model_dump() for q, a in data.answers.items()}
    evaluation = justculture.evaluate({q: a.answer for q, a in data.answers.items()})
    if data.complete:
        errors = []
        if evaluation.outcome is None:
            errors.append(field_error("answers", "Answer the guide's questions up to an outcome."))
        if not data.system_factors:
            errors.append(
                field_error("system_factors", "Name at least one contributing system factor.")
            )
        if errors:
            raise Unprocessable("The review cannot be completed yet.", errors=errors)
    review.subject = data.subject
    review.answers = answers
    review.system_factors = [f.value for f in data.system_factors]
    review.recommendation = evaluation.outcome
    review.is_complete = data.complete
    review.updated_at = clock.now()


def _snapshot(session: Session, principal: Principal, review: JustCultureReview) -> None:
    session.add(
        JustCultureReviewRevision(
            review_id=review.id,
            version=review.version,
            answers=review.answers,
            system_factors=review.system_factors,
            recommendation=review.recommendation,
            is_complete=review.is_complete,
            changed_by_id=principal.user_id,
            changed_at=review.updated_at,
        )
    )


def create_review(
    session: Session, principal: Principal, *, report_id: uuid.UUID, data: JcReviewWrite
) -> JcReviewRead:
    _require_officer(principal)
    report = _load_for(session, principal, report_id)
    now = clock.now()
    review = JustCultureReview(
        report_id=report.id,
        subject=data.subject,
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    _apply_review(review, data)
    session.add(review)
    session.flush()
    _snapshot(session, principal, review)
    audit.record_event(
        session,
        principal,
        action="report.jc_review_created",
        object_type="report",
        object_id=report.id,
    )
    return _review_read(review)


def list_reviews(
    session: Session, principal: Principal, *, report_id: uuid.UUID
) -> list[JcReviewRead]:
    _require_officer(principal)
    report = _load_for(session, principal, report_id)
    rows = session.exec(
        select(JustCultureReview)
        .where(col(JustCultureReview.report_id) == report.id)
        .order_by(col(JustCultureReview.created_at), col(JustCultureReview.id))
    ).all()
    audit.record_event(
        session,
        principal,
        action="report.jc_reviews_read",
        object_type="report",
        object_id=report.id,
    )
    return [_review_read(r) for r in rows]


def _load_review(
    session: Session, principal: Principal, report_id: uuid.UUID, review_id: uuid.UUID
) -> JustCultureReview:
    _require_officer(principal)
    report = _load_for(session, principal, report_id)
    review = session.get(JustCultureReview, review_id)
    if review is None or review.report_id != report.id:
        raise NotFound("No such review.")
    return review


def update_review(
    session: Session,
    principal: Principal,
    *,
    report_id: uuid.UUID,
    review_id: uuid.UUID,
    data: JcReviewWrite,
    if_match: str | None,
) -> JcReviewRead:
    review = _load_review(session, principal, report_id, review_id)
    require_if_match(if_match, review.version)
    _apply_review(review, data)
    session.add(review)
    session.flush()
    _snapshot(session, principal, review)
    audit.record_event(
        session,
        principal,
        action="report.jc_review_updated",
        object_type="report",
        object_id=report_id,
    )
    return _review_read(review)


def review_revisions(
    session: Session, principal: Principal, *, report_id: uuid.UUID, review_id: uuid.UUID
) -> list[JcRevisionRead]:
    review = _load_review(session, principal, report_id, review_id)
    rows = session.exec(
        select(JustCultureReviewRevision)
        .where(col(JustCultureReviewRevision.review_id) == review.id)
        .order_by(col(JustCultureReviewRevision.version))
    ).all()
    return [
        JcRevisionRead(
            version=r.version,
            recommendation=r.recommendation,
            is_complete=r.is_complete,
            changed_at=r.changed_at,
        )
        for r in rows
    ]


# --- lessons and vocabularies ------------------------------------------------------------


def _lesson_read(lesson: Lesson) -> LessonRead:
    return LessonRead(
        id=lesson.id,
        title=lesson.title,
        summary=lesson.summary,
        actions_taken=lesson.actions_taken,
        categories=[Category(c) for c in lesson.categories],
        contributing_factors=[ContributingFactor(f) for f in lesson.contributing_factors],
        published_at=lesson.published_at,
    )


def publish_lesson(session: Session, principal: Principal, *, data: LessonCreate) -> LessonRead:
    _require_officer(principal)
    report_ids = list(dict.fromkeys(data.report_ids))
    if report_ids:
        found = set(session.exec(select(Report.id).where(col(Report.id).in_(report_ids))).all())
        missing = [
            field_error(f"report_ids.{i}", "No such report.")
            for i, r in enumerate(report_ids)
            if r not in found
        ]
        if missing:
            raise Unprocessable("Some linked reports do not exist.", errors=missing)
    lesson = Lesson(
        title=data.title,
        summary=data.summary,
        actions_taken=list(data.actions_taken),
        categories=[c.value for c in data.categories],
        contributing_factors=[f.value for f in data.contributing_factors],
        author_id=principal.user_id,
        published_at=clock.now(),
    )
    session.add(lesson)
    session.flush()
    for report_id in report_ids:
        session.add(LessonReport(lesson_id=lesson.id, report_id=report_id))
    audit.record_event(
        session, principal, action="lesson.published", object_type="lesson", object_id=lesson.id
    )
    return _lesson_read(lesson)


def list_lessons(session: Session, *, params: PageParams) -> tuple[list[LessonRead], str | None]:
    rows, cursor = paginate(
        session,
        select(Lesson),
        keys=(col(Lesson.published_at), col(Lesson.id)),
        params=params,
        descending=True,
    )
    return [_lesson_read(r) for r in rows], cursor


def get_lesson(session: Session, *, lesson_id: uuid.UUID) -> LessonRead:
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound("No such lesson.")
    return _lesson_read(lesson)


def list_subcategories(session: Session) -> list[SubcategoryRead]:
    rows = session.exec(
        select(ReportSubcategory).order_by(
            col(ReportSubcategory.category), col(ReportSubcategory.name)
        )
    ).all()
    return [
        SubcategoryRead(id=r.id, category=Category(r.category), name=r.name, is_active=r.is_active)
        for r in rows
    ]


def create_subcategory(
    session: Session, principal: Principal, *, data: SubcategoryCreate
) -> SubcategoryRead:
    exists = session.exec(
        select(ReportSubcategory.id).where(
            col(ReportSubcategory.category) == data.category.value,
            sa.func.lower(col(ReportSubcategory.name)) == data.name.lower(),
        )
    ).first()
    if exists is not None:
        raise Conflict(
            "This subcategory already exists.", errors=[field_error("name", "Already exists.")]
        )
    row = ReportSubcategory(category=data.category.value, name=data.name, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record_event(
        session,
        principal,
        action="report_subcategory.created",
        object_type="report_subcategory",
        object_id=row.id,
    )
    return SubcategoryRead(id=row.id, category=data.category, name=row.name, is_active=True)

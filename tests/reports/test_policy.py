"""The pure access rules: who sees which report and whose identity."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from haven.core.security import Principal
from haven.reports import policy
from haven.reports.models import Report

DEPARTMENT = uuid.uuid4()
ELSEWHERE = uuid.uuid4()
REPORTER = uuid.uuid4()


def person(
    *roles: str, department: uuid.UUID | None = DEPARTMENT, id_: uuid.UUID | None = None
) -> Principal:
    return Principal(
        kind="user", id=id_ or uuid.uuid4(), roles=frozenset(roles), department_id=department
    )


def key(*scopes: str) -> Principal:
    return Principal(kind="api_key", id=uuid.uuid4(), scopes=frozenset(scopes))


def report(mode: str, *, reporter: uuid.UUID | None = REPORTER) -> Report:
    return Report(
        mode=mode,
        kind="incident",
        category="fall",
        harm="none",
        occurred_on=date(2026, 1, 1),
        department_id=DEPARTMENT,
        description="x",
        submitted_on=date(2026, 1, 2),
        reporter_id=None if mode == "anonymous" else reporter,
    )


VIEWERS = {
    "officer": person("safety_officer"),
    "lead": person("department_lead"),
    "lead_elsewhere": person("department_lead", department=ELSEWHERE),
    "staff": person("staff"),
    "admin": person("admin"),
    "reporter": person("staff", id_=REPORTER),
    "key_read": key("reports:read"),
    "key_write": key("reports:write"),
    "session": Principal(kind="report_session", id=uuid.uuid4()),
}

# Who may see the reporter of a report in each mode (everyone else: nobody).
SEES_REPORTER = {
    "named": {"officer", "lead"},
    "confidential": {"officer"},
    "anonymous": set(),
}
CAN_VIEW = {"officer", "lead", "key_read"}


@pytest.mark.parametrize("mode", ["named", "confidential", "anonymous"])
def test_who_sees_the_reporter(mode: str) -> None:
    subject = report(mode)
    seeing = {name for name, p in VIEWERS.items() if policy.may_see_reporter(p, subject)}
    assert seeing == SEES_REPORTER[mode]


@pytest.mark.parametrize("mode", ["named", "confidential", "anonymous"])
def test_who_may_view_a_report(mode: str) -> None:
    subject = report(mode)
    assert {n for n, p in VIEWERS.items() if policy.can_view_report(p, subject)} == CAN_VIEW


def test_a_lead_without_a_department_sees_nothing() -> None:
    lead = person("department_lead", department=None)
    assert not policy.can_view_report(lead, report("named"))
    assert not policy.may_see_reporter(lead, report("named"))


def test_only_identified_reports_are_identified() -> None:
    assert policy.is_identified(report("named"))
    assert policy.is_identified(report("confidential"))
    assert not policy.is_identified(report("anonymous"))
    assert not policy.is_identified(report("named", reporter=None))


def test_workflow_table() -> None:
    assert {k.value: sorted(v.value for v in vs) for k, vs in policy.TRANSITIONS.items()} == {
        "submitted": ["not_actionable", "triaged"],
        "triaged": ["not_actionable", "under_review"],
        "under_review": ["action_planned"],
        "action_planned": ["closed"],
        "closed": [],
        "not_actionable": [],
    }

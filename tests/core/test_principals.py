"""Who the audit log names: a person and a service account by id, the holder of a session on
one record (an anonymous reporter) never, whether or not its kind was declared."""

from __future__ import annotations

import uuid

import pytest

from haven.core.security import Principal, SessionKind, declare_session_kind, session_kind
from haven.reports import service as reports_service  # noqa: F401 - declares its session kind


def test_people_and_service_accounts_are_named_by_id() -> None:
    person, key = uuid.uuid4(), uuid.uuid4()
    assert Principal(kind="user", id=person).audit_identity() == ("user", person)
    assert Principal(kind="api_key", id=key).audit_identity() == ("api_key", key)


def test_an_anonymous_reports_session_is_never_named() -> None:
    declared = session_kind("report_session")
    assert declared is not None and declared.audience == "haven-report-session"
    holder = Principal(kind="report_session", id=uuid.uuid4())
    assert holder.audit_identity() == ("anonymous_reporter", None)


def test_a_session_kind_nobody_declared_is_still_recorded_without_its_record() -> None:
    # Fail safe: a session principal whose domain forgot to declare it keeps its record's id
    # out of the audit log all the same.
    assert Principal(kind="undeclared_session", id=uuid.uuid4()).audit_identity() == (
        "undeclared_session",
        None,
    )


@pytest.mark.parametrize("kind", ["user", "api_key"])
def test_a_session_cannot_pass_for_an_identified_caller(kind: str) -> None:
    with pytest.raises(ValueError, match="identified caller"):
        declare_session_kind(SessionKind(kind=kind, audience="x", audit_actor="x"))

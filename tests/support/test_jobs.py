"""The periodic jobs: re-offers, overdue flags, due follow-ups, purges, emails; safe to run
in several processes at once."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.jobs import JobRunner, run_due_jobs, start_background_jobs
from haven.models import metadata
from haven.notifications.models import Notification
from haven.support import service
from haven.support.models import (
    SupportEncounter,
    SupportFollowUp,
    SupportRecordKey,
    SupportRequest,
)
from haven.support.schemas import SupportFeedbackCreate, Urgency
from tests.conftest import is_postgres
from tests.factories.org import make_person
from tests.factories.support import close_request, log_encounter, make_request, make_supporter
from tests.support.conftest import Inbox
from tests.test_cli import haven

# Near the wall clock: access tokens minted at START must still pass python-jose's checks.
START = datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture
def moved_clock() -> list[datetime]:
    """A clock the test moves by assigning ``now[0]``."""
    now = [START]
    clock.set_clock(lambda: now[0])
    return now


def _row(engine: Engine, request_id: uuid.UUID) -> SupportRequest:
    with new_session(engine) as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        return row


def _titles(engine: Engine, user_id: uuid.UUID) -> list[str]:
    with new_session(engine) as session:
        return [
            n.title
            for n in session.exec(
                select(Notification).where(col(Notification.user_id) == user_id)
            ).all()
        ]


def test_a_missed_offer_goes_to_the_next_eligible_supporter(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    first = make_supporter(engine)
    second = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff), urgency=Urgency.urgent)
    assigned = _row(engine, request_id).supporter_id
    other = second.id if assigned == first.id else first.id
    moved_clock[0] = START + timedelta(minutes=29)
    assert run_due_jobs(engine)["support_reoffered"] == 0
    moved_clock[0] = START + timedelta(minutes=31)
    assert run_due_jobs(engine)["support_reoffered"] == 1
    row = _row(engine, request_id)
    assert row.supporter_id == other and row.passed_over_ids == [str(assigned)]
    assert row.due_at == START + timedelta(minutes=30)  # the metric's deadline does not move
    assert "A support request was reassigned" in _titles(engine, assigned)  # type: ignore[arg-type]


def test_with_nobody_else_the_offer_stays_and_is_retried_later(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    only = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff), urgency=Urgency.urgent)
    moved_clock[0] = START + timedelta(minutes=31)
    assert run_due_jobs(engine)["support_reoffered"] == 0
    row = _row(engine, request_id)
    assert row.supporter_id == only.id and row.offer_expires_at == START + timedelta(minutes=61)


def test_an_overdue_request_is_flagged_to_the_coordinator_once(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    make_supporter(engine)
    coordinator = make_person(engine, Role.support_coordinator)
    request_id = make_request(engine, make_person(engine, Role.staff), urgency=Urgency.soon)
    moved_clock[0] = START + timedelta(hours=5)
    assert run_due_jobs(engine)["support_overdue_flagged"] == 1
    assert run_due_jobs(engine)["support_overdue_flagged"] == 0
    assert (
        _titles(engine, coordinator.id).count("A support request is past its response target") == 1
    )
    assert _row(engine, request_id).overdue_flagged_at is not None


def test_a_contacted_request_is_never_flagged(engine: Engine, moved_clock: list[datetime]) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff), urgency=Urgency.urgent)
    moved_clock[0] = START + timedelta(minutes=10)
    log_encounter(engine, supporter, request_id, occurred_at=START + timedelta(minutes=10))
    moved_clock[0] = START + timedelta(hours=2)
    results = run_due_jobs(engine)
    assert results["support_overdue_flagged"] == 0 and results["support_reoffered"] == 0


def test_a_waiting_request_is_assigned_when_someone_comes_on_call(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    request_id = make_request(engine, make_person(engine, Role.staff))
    assert run_due_jobs(engine)["support_waiting_assigned"] == 0
    supporter = make_supporter(engine)
    assert run_due_jobs(engine)["support_waiting_assigned"] == 1
    assert _row(engine, request_id).supporter_id == supporter.id


def test_due_follow_ups_are_surfaced_to_the_supporter_once(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    log_encounter(engine, supporter, request_id)
    assert run_due_jobs(engine)["support_follow_ups_surfaced"] == 0
    moved_clock[0] = START + timedelta(days=1, hours=1)
    assert run_due_jobs(engine)["support_follow_ups_surfaced"] == 1
    assert run_due_jobs(engine)["support_follow_ups_surfaced"] == 0
    assert _titles(engine, supporter.id).count("You have a follow-up due") == 1


@pytest.mark.usefixtures("private_notes")
def test_private_notes_are_purged_after_thirty_days(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    log_encounter(engine, supporter, request_id, private_note="NOTE-TO-PURGE")
    moved_clock[0] = START + timedelta(days=29, hours=23)
    assert run_due_jobs(engine)["support_notes_purged"] == 0
    moved_clock[0] = START + timedelta(days=30, minutes=1)
    assert run_due_jobs(engine)["support_notes_purged"] == 1
    with new_session(engine) as session:
        (encounter,) = session.exec(select(SupportEncounter)).all()
        assert session.get(SupportRecordKey, encounter.id) is None  # the note's key is gone
    assert encounter.note_sealed is None and encounter.minutes == 30


def _all_text(engine: Engine) -> str:
    """Every value of every row of every table, as text: what a database dump would show."""
    chunks = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)).all():
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


def _support_tables_text(engine: Engine) -> str:
    chunks = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name.startswith("support") or table.name == "notifications":
                for row in conn.execute(sa.select(table)).all():
                    chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


@pytest.mark.usefixtures("private_notes")
def test_retention_purges_every_identifying_value_from_the_whole_database(
    engine: Engine, moved_clock: list[datetime], client: TestClient
) -> None:
    supporter = make_supporter(engine)
    referrer = make_person(engine, Role.staff)
    nurse = make_person(engine, Role.staff)
    created = client.post(
        "/api/v1/support/requests",
        json={
            "kind": "referral",
            "referred_email": nurse.email,
            "urgency": "soon",
            "contact_details": "PURGE-CONTACT-07700-900123",
            "preferred_times": "PURGE-TIMES-after-night-shift",
            "preferred_language": "cy",
        },
        headers={**referrer.headers, "Idempotency-Key": "referral-1"},
    )
    assert created.status_code == 201, created.text
    (request_id,) = [
        r["id"]
        for r in client.get("/api/v1/support/requests/mine", headers=nurse.headers).json()["items"]
    ]
    log_encounter(engine, supporter, uuid.UUID(request_id), private_note="PURGE-NOTE-slept-badly")
    close_request(engine, nurse, uuid.UUID(request_id))
    response = client.post(
        f"/api/v1/support/requests/{request_id}/feedback",
        json=SupportFeedbackCreate(helpful=5, comment="PURGE-FEEDBACK-thank-you").model_dump(),
        headers={**nurse.headers, "Idempotency-Key": "feedback-1"},
    )
    assert response.status_code == 204
    purged = [
        "PURGE-CONTACT-07700-900123",
        "PURGE-TIMES-after-night-shift",
        "PURGE-NOTE-slept-badly",
        "PURGE-FEEDBACK-thank-you",
    ]
    mine = client.get(f"/api/v1/support/requests/{request_id}", headers=nurse.headers).json()
    assert (mine["contact_details"], mine["preferred_times"]) == tuple(purged[:2])
    before = _all_text(engine)
    assert not any(v in before for v in purged)  # sealed at rest, before any purge

    moved_clock[0] = START + timedelta(days=29)
    assert run_due_jobs(engine)["support_requests_purged"] == 0
    moved_clock[0] = START + timedelta(days=31)
    assert run_due_jobs(engine)["support_requests_purged"] == 1

    everything = _all_text(engine)
    for value in purged:
        assert value not in everything, value
    support_text = _support_tables_text(engine)
    for person in (nurse.id, referrer.id):
        assert str(person) not in support_text and person.hex not in everything.replace(
            str(person), ""
        ), person
    row = _row(engine, uuid.UUID(request_id))
    assert row.requester_id is None and row.referrer_id is None and row.supporter_id is None
    # What remains is program data.
    assert (row.urgency, row.tier, row.status) == ("soon", 2, "closed")
    assert row.first_contact_at is not None and row.department_id == nurse.department_id


def test_a_request_closed_recently_is_kept(engine: Engine, moved_clock: list[datetime]) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse, contact_details="keep me")
    close_request(engine, nurse, request_id)
    moved_clock[0] = START + timedelta(days=10)
    run_due_jobs(engine)
    with new_session(engine) as session:
        kept = service.get_request(session, nurse.principal, request_id=request_id)
    assert kept.contact_details == "keep me"


def test_jobs_in_two_runners_at_once_reoffer_each_request_once(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    supporters = [make_supporter(engine, capacity=20) for _ in range(3)]
    ids = [
        make_request(engine, make_person(engine, Role.staff), urgency=Urgency.urgent)
        for _ in range(6)
    ]
    moved_clock[0] = START + timedelta(minutes=31)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def runner() -> None:
        barrier.wait()
        results.append(run_due_jobs(engine))

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["support_reoffered"] for r in results) == 6
    assert all(v >= 0 for r in results for v in r.values())
    for request_id in ids:
        assert len(_row(engine, request_id).passed_over_ids) == 1
    assigned_notes = 0
    for s in supporters:
        assigned_notes += _titles(engine, s.id).count("You have a new support request")
    assert assigned_notes == 12  # six first offers and six re-offers, none twice


def test_a_runner_never_works_on_a_row_another_transaction_holds(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    """PostgreSQL: a claimed row is skipped (SKIP LOCKED). SQLite: the runner waits for the
    other writer to finish, then works on fresh data."""
    make_supporter(engine)
    make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff), urgency=Urgency.urgent)
    moved_clock[0] = START + timedelta(minutes=31)
    results: list[dict[str, int]] = []
    with engine.connect() as holder:
        holder.begin()
        if is_postgres():
            holder.execute(
                sa.text("SELECT id FROM support_requests WHERE id = :id FOR UPDATE"),
                {"id": request_id},
            )
            assert run_due_jobs(engine)["support_reoffered"] == 0
        else:
            holder.execute(sa.text("UPDATE support_requests SET tier = tier"))
            worker = threading.Thread(target=lambda: results.append(run_due_jobs(engine)))
            worker.start()
            worker.join(1.0)
            assert worker.is_alive()  # waiting for the write lock, not racing past it
        holder.rollback()
    if not is_postgres():
        worker.join(30)
        assert results[0]["support_reoffered"] == 1
    else:
        assert run_due_jobs(engine)["support_reoffered"] == 1
    assert len(_row(engine, request_id).passed_over_ids) == 1


def test_assignment_email_reaches_a_real_smtp_server_without_content(
    engine: Engine, smtp: Inbox
) -> None:
    supporter = make_supporter(engine)
    make_request(engine, make_person(engine, Role.staff), contact_details="SECRET-NUMBER-0123")
    assert run_due_jobs(engine)["emails_sent"] == 1
    deadline = time.time() + 5
    while not smtp.messages and time.time() < deadline:
        time.sleep(0.05)
    (message,) = smtp.messages
    assert message["To"] == supporter.person.email  # type: ignore[index]
    assert message["Subject"] == "Haven: You have a new support request"  # type: ignore[index]
    text = message.as_string()  # type: ignore[attr-defined]
    assert "SECRET-NUMBER-0123" not in text and "/support/inbox" in text


def test_a_safety_exception_is_emailed_to_the_emergency_pathway(
    engine: Engine, smtp: Inbox, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings.support, "emergency_email", "oncall-psych@hospital.example.org")  # type: ignore[attr-defined]
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    log_encounter(engine, supporter, request_id, safety_exception=True)
    run_due_jobs(engine)
    deadline = time.time() + 5
    while len(smtp.messages) < 2 and time.time() < deadline:
        time.sleep(0.05)
    recipients = sorted(m["To"] for m in smtp.messages)  # type: ignore[index]
    assert "oncall-psych@hospital.example.org" in recipients


def test_the_command_runs_the_jobs_once(engine: Engine) -> None:
    result = haven("jobs", "run-once")
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert counts["support_requests_purged"] == 0 and "emails_sent" in counts


def test_the_background_runner_runs_jobs_until_stopped(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    assert start_background_jobs(engine, 0) is None
    request_id = make_request(engine, make_person(engine, Role.staff))
    make_supporter(engine)
    runner = JobRunner(engine, 0.05).start()
    try:
        deadline = time.time() + 10
        while _row(engine, request_id).supporter_id is None and time.time() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
    assert _row(engine, request_id).supporter_id is not None


def test_follow_ups_of_a_closed_request_are_cancelled(engine: Engine) -> None:
    supporter = make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    log_encounter(engine, supporter, request_id)
    close_request(engine, nurse, request_id)
    with new_session(engine) as session:
        statuses = {f.status for f in session.exec(select(SupportFollowUp)).all()}
    assert statuses == {"cancelled"}

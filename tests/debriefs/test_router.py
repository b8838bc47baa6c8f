"""Debrief endpoints over HTTP: who may do what (every role against every endpoint), the
workflow, the record, participants and notifications, the calendar."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Role, Scope
from haven.core import clock
from haven.core.db import new_session
from haven.core.settings import Settings
from haven.debriefs.schemas import DebriefKind, DebriefStatus
from haven.notifications import service as notifications_service
from haven.notifications.models import EmailOutbox, Notification
from tests.core.test_http import assert_problem
from tests.debriefs.conftest import Mailbox, Team
from tests.factories.debriefs import (
    API,
    complete_record,
    debrief_body,
    hold,
    make_debrief,
    make_report,
    move,
)
from tests.factories.org import make_api_key, make_person


def _debrief(engine: Engine, team: Team, **kwargs: object):
    return make_debrief(
        engine,
        team.officer.principal,
        department_id=team.ward,
        facilitator_id=team.facilitator.id,
        participant_ids=[team.alice.id, team.bob.id],
        **kwargs,  # type: ignore[arg-type]
    )


# --- who may schedule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "kind", "department", "status"),
    [
        ("officer", DebriefKind.hot, "other_ward", 201),
        ("lead", DebriefKind.cold, "ward", 201),
        ("lead", DebriefKind.cold, "other_ward", 403),
        ("coordinator", DebriefKind.open_forum, "other_ward", 201),
        ("coordinator", DebriefKind.hot, "ward", 403),
        ("facilitator", DebriefKind.huddle, "ward", 403),
        ("supporter", DebriefKind.open_forum, "ward", 403),
        ("admin", DebriefKind.open_forum, "ward", 403),
        ("auditor", DebriefKind.open_forum, "ward", 403),
    ],
)
def test_who_may_schedule_which_debrief(
    client: TestClient, team: Team, who: str, kind: DebriefKind, department: str, status: int
) -> None:
    caller = getattr(team, who)
    body = debrief_body(getattr(team, department), team.facilitator.id, kind=kind)
    response = client.post(f"{API}/debriefs", json=body, headers=caller.headers)
    assert response.status_code == status, response.text


def test_an_api_key_cannot_reach_debriefs(client: TestClient, engine: Engine, team: Team) -> None:
    key = make_api_key(engine, list(Scope))
    headers = {"Authorization": f"Bearer {key}"}
    body = debrief_body(team.ward, team.facilitator.id)
    assert_problem(client.post(f"{API}/debriefs", json=body, headers=headers), 403)
    assert_problem(client.get(f"{API}/debriefs", headers=headers), 403)
    assert_problem(client.get(f"{API}/action-items", headers=headers), 403)


def test_scheduling_invites_and_notifies_without_content(
    client: TestClient, engine: Engine, team: Team
) -> None:
    body = debrief_body(
        team.ward, team.facilitator.id, participant_ids=[team.alice.id], title="Insulin 10x error"
    )
    created = client.post(f"{API}/debriefs", json=body, headers=team.officer.headers)
    assert created.status_code == 201
    assert created.headers["etag"] == '"1"'
    inbox = client.get(f"{API}/notifications", headers=team.alice.headers).json()["items"]
    assert [n["title"] for n in inbox] == ["You have been invited to a debrief"]
    assert inbox[0]["link"] == f"/debriefs/{created.json()['id']}"
    facilitator_inbox = client.get(f"{API}/notifications", headers=team.facilitator.headers)
    assert [n["title"] for n in facilitator_inbox.json()["items"]] == [
        "You have been asked to facilitate a debrief"
    ]
    with new_session(engine) as session:
        titles = session.exec(select(Notification.title)).all()
    assert all("Insulin" not in t for t in titles)


def test_an_admin_or_auditor_cannot_be_invited(client: TestClient, team: Team) -> None:
    body = debrief_body(team.ward, team.facilitator.id, participant_ids=[team.admin.id])
    problem = assert_problem(
        client.post(f"{API}/debriefs", json=body, headers=team.officer.headers), 422
    )
    assert problem["errors"][0]["field"] == "participant_ids.0"
    body = debrief_body(team.ward, team.auditor.id)
    assert_problem(client.post(f"{API}/debriefs", json=body, headers=team.officer.headers), 422)


def test_a_naive_time_is_refused(client: TestClient, team: Team) -> None:
    body = debrief_body(team.ward, team.facilitator.id)
    body["scheduled_at"] = "2030-01-01T10:00:00"
    assert_problem(client.post(f"{API}/debriefs", json=body, headers=team.officer.headers), 422)


def test_a_debrief_more_than_a_week_ago_is_refused(client: TestClient, team: Team) -> None:
    body = debrief_body(team.ward, team.facilitator.id, when=clock.now() - timedelta(days=8))
    problem = assert_problem(
        client.post(f"{API}/debriefs", json=body, headers=team.officer.headers), 422
    )
    assert problem["errors"][0]["field"] == "scheduled_at"


def test_unknown_fields_and_overlong_titles_are_refused(client: TestClient, team: Team) -> None:
    body = debrief_body(team.ward, team.facilitator.id)
    assert_problem(
        client.post(
            f"{API}/debriefs", json={**body, "status": "closed"}, headers=team.officer.headers
        ),
        422,
    )
    assert_problem(
        client.post(
            f"{API}/debriefs", json={**body, "title": "x" * 201}, headers=team.officer.headers
        ),
        422,
    )


def test_a_retried_create_with_the_same_key_returns_the_first(
    client: TestClient, team: Team
) -> None:
    body = debrief_body(team.ward, team.facilitator.id)
    headers = {**team.officer.headers, "Idempotency-Key": "debrief-1"}
    first = client.post(f"{API}/debriefs", json=body, headers=headers)
    second = client.post(f"{API}/debriefs", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"


# --- linking reports -------------------------------------------------------------------


def test_a_debrief_is_scheduled_from_a_report(
    client: TestClient, engine: Engine, team: Team
) -> None:
    report_id = make_report(engine, team.alice, team.ward)
    body = debrief_body(team.ward, team.facilitator.id, report_ids=[report_id])
    created = client.post(f"{API}/debriefs", json=body, headers=team.officer.headers).json()
    assert created["report_ids"] == [str(report_id)]
    as_alice = client.get(f"{API}/debriefs/{created['id']}", headers=team.facilitator.headers)
    assert as_alice.json()["report_ids"] == [str(report_id)]


def test_a_lead_cannot_link_another_departments_report(
    client: TestClient, engine: Engine, team: Team
) -> None:
    report_id = make_report(engine, team.alice, team.other_ward)
    body = debrief_body(team.ward, team.facilitator.id, report_ids=[report_id])
    problem = assert_problem(
        client.post(f"{API}/debriefs", json=body, headers=team.lead.headers), 422
    )
    assert problem["errors"][0]["field"] == "report_ids.0"


def test_linked_reports_are_not_shown_to_participants(
    client: TestClient, engine: Engine, team: Team
) -> None:
    report_id = make_report(engine, team.alice, team.ward)
    debrief = _debrief(engine, team, report_ids=[report_id])
    seen = client.get(f"{API}/debriefs/{debrief.id}", headers=team.bob.headers).json()
    assert seen["report_ids"] == []
    assert seen["can_manage"] is False and seen["allowed_transitions"] == []


# --- who may read and run --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("lead", 200),
        ("facilitator", 200),
        ("alice", 200),
        ("other_lead", 404),
        ("outsider", 404),
        ("coordinator", 404),
        ("supporter", 404),
        ("admin", 403),
        ("auditor", 403),
    ],
)
def test_who_may_read_a_hot_debrief(
    client: TestClient, engine: Engine, team: Team, who: str, status: int
) -> None:
    debrief = _debrief(engine, team)
    response = client.get(f"{API}/debriefs/{debrief.id}", headers=getattr(team, who).headers)
    assert response.status_code == status


def test_a_coordinator_reads_and_runs_open_forums_only(
    client: TestClient, engine: Engine, team: Team
) -> None:
    forum = _debrief(engine, team, kind=DebriefKind.open_forum)
    seen = client.get(f"{API}/debriefs/{forum.id}", headers=team.coordinator.headers)
    assert seen.status_code == 200 and seen.json()["can_manage"] is True
    listed = client.get(f"{API}/debriefs", headers=team.coordinator.headers).json()["items"]
    assert [d["id"] for d in listed] == [str(forum.id)]


def test_the_list_holds_only_what_the_caller_may_read(
    client: TestClient, engine: Engine, team: Team
) -> None:
    mine = _debrief(engine, team)
    elsewhere = make_debrief(
        engine,
        team.officer.principal,
        department_id=team.other_ward,
        facilitator_id=team.outsider.id,
    )

    def ids(person) -> set[str]:
        return {
            d["id"] for d in client.get(f"{API}/debriefs", headers=person.headers).json()["items"]
        }

    assert ids(team.officer) == {str(mine.id), str(elsewhere.id)}
    assert ids(team.lead) == {str(mine.id)}
    assert ids(team.other_lead) == {str(elsewhere.id)}
    assert ids(team.alice) == {str(mine.id)}
    assert ids(team.outsider) == {str(elsewhere.id)}  # its facilitator
    assert ids(team.supporter) == set()


@pytest.mark.parametrize("who", ["alice", "outsider", "other_lead", "coordinator"])
def test_only_those_who_run_a_debrief_change_it(
    client: TestClient, engine: Engine, team: Team, who: str
) -> None:
    debrief = _debrief(engine, team)
    caller = getattr(team, who).headers
    expected = 403 if who == "alice" else 404
    base = f"{API}/debriefs/{debrief.id}"
    if_match = {**caller, "If-Match": '"1"'}
    assert_problem(client.patch(base, json={"title": "x"}, headers=if_match), expected)
    assert_problem(
        client.post(f"{base}/transitions", json={"to": "held"}, headers=if_match), expected
    )
    assert_problem(
        client.post(
            f"{base}/participants", json={"user_ids": [str(team.outsider.id)]}, headers=caller
        ),
        expected,
    )
    assert_problem(client.delete(f"{base}/participants/{team.bob.id}", headers=caller), expected)
    assert_problem(
        client.post(f"{base}/attendance", json={"attended": []}, headers=caller), expected
    )
    assert_problem(client.put(f"{base}/record", json={}, headers=if_match), expected)
    assert_problem(client.get(f"{base}/feedback", headers=caller), expected)


def test_a_facilitator_runs_their_own_debrief(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    response = client.patch(
        f"{API}/debriefs/{debrief.id}",
        json={"location": "Ward office"},
        headers={**team.facilitator.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    assert response.json()["location"] == "Ward office"
    assert response.headers["etag"] == '"2"'


def test_a_missing_debrief_is_404(client: TestClient, team: Team) -> None:
    assert_problem(client.get(f"{API}/debriefs/{uuid.uuid4()}", headers=team.officer.headers), 404)


# --- updates ---------------------------------------------------------------------------


def test_an_update_needs_if_match(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _debrief(engine, team)
    url = f"{API}/debriefs/{debrief.id}"
    assert_problem(client.patch(url, json={"title": "New"}, headers=team.officer.headers), 428)
    stale = {**team.officer.headers, "If-Match": '"7"'}
    assert_problem(client.patch(url, json={"title": "New"}, headers=stale), 412)


def test_a_lead_cannot_move_a_debrief_to_another_department(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = make_debrief(
        engine, team.lead.principal, department_id=team.ward, facilitator_id=team.facilitator.id
    )
    response = client.patch(
        f"{API}/debriefs/{debrief.id}",
        json={"department_id": str(team.other_ward)},
        headers={**team.lead.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 403)


def test_a_held_debrief_cannot_be_rescheduled(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = hold(engine, team.officer.principal, _debrief(engine, team).id)
    response = client.patch(
        f"{API}/debriefs/{debrief.id}",
        json={"scheduled_at": (clock.now() + timedelta(days=2)).isoformat()},
        headers={**team.officer.headers, "If-Match": f'"{debrief.version}"'},
    )
    assert_problem(response, 409)


def test_rescheduling_tells_the_participants(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    client.patch(
        f"{API}/debriefs/{debrief.id}",
        json={"scheduled_at": (clock.now() + timedelta(days=3)).isoformat()},
        headers={**team.officer.headers, "If-Match": '"1"'},
    )
    inbox = client.get(f"{API}/notifications", headers=team.bob.headers).json()["items"]
    assert "A debrief you are invited to has changed time or place" in [n["title"] for n in inbox]


def test_null_cannot_clear_a_required_field(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _debrief(engine, team)
    response = client.patch(
        f"{API}/debriefs/{debrief.id}",
        json={"title": None},
        headers={**team.officer.headers, "If-Match": '"1"'},
    )
    assert_problem(response, 422)


# --- workflow --------------------------------------------------------------------------


def _transition(client: TestClient, person, debrief_id, to: str, version: int):
    return client.post(
        f"{API}/debriefs/{debrief_id}/transitions",
        json={"to": to},
        headers={**person.headers, "If-Match": f'"{version}"'},
    )


def test_the_whole_workflow(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _debrief(engine, team)
    held = _transition(client, team.facilitator, debrief.id, "held", 1)
    assert held.status_code == 200 and held.json()["status"] == "held"
    assert held.json()["held_at"] is not None
    complete_record(engine, team.facilitator.principal, debrief.id)
    summarized = _transition(client, team.facilitator, debrief.id, "summarized", 2)
    assert summarized.json()["status"] == "summarized"
    closed = _transition(client, team.lead, debrief.id, "closed", 3)
    assert closed.json()["status"] == "closed"
    assert closed.json()["allowed_transitions"] == []


def test_a_record_without_ground_rules_or_factors_cannot_be_summarised(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = hold(engine, team.officer.principal, _debrief(engine, team).id)
    problem = assert_problem(
        _transition(client, team.officer, debrief.id, "summarized", debrief.version), 422
    )
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"record.ground_rules_acknowledged", "record.contributing_factors"}


@pytest.mark.parametrize(
    ("path", "to"), [((), "summarized"), ((), "closed"), (("held",), "cancelled")]
)
def test_moves_outside_the_workflow_are_409(
    client: TestClient, engine: Engine, team: Team, path: tuple[str, ...], to: str
) -> None:
    debrief = _debrief(engine, team)
    for step in path:
        debrief = move(engine, team.officer.principal, debrief.id, DebriefStatus(step))
    assert_problem(_transition(client, team.officer, debrief.id, to, debrief.version), 409)


def test_cancelling_tells_the_participants(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _debrief(engine, team)
    response = client.post(
        f"{API}/debriefs/{debrief.id}/transitions",
        json={"to": "cancelled", "reason": "Team on another call"},
        headers={**team.officer.headers, "If-Match": '"1"'},
    )
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Team on another call"
    inbox = client.get(f"{API}/notifications", headers=team.alice.headers).json()["items"]
    assert "A debrief you were invited to was cancelled" in [n["title"] for n in inbox]


# --- participants and attendance -------------------------------------------------------


def test_invited_people_are_notified_once(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _debrief(engine, team)
    url = f"{API}/debriefs/{debrief.id}/participants"
    body = {"user_ids": [str(team.outsider.id), str(team.alice.id)]}
    listed = client.post(url, json=body, headers=team.facilitator.headers)
    assert listed.status_code == 200
    assert {p["user_id"] for p in listed.json()} == {
        str(team.alice.id),
        str(team.bob.id),
        str(team.outsider.id),
    }
    inbox = client.get(f"{API}/notifications", headers=team.alice.headers).json()["items"]
    assert len(inbox) == 1  # invited at scheduling; not told twice
    inbox = client.get(f"{API}/notifications", headers=team.outsider.headers).json()["items"]
    assert [n["title"] for n in inbox] == ["You have been invited to a debrief"]


def test_attendance_marks_only_the_people_named(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    url = f"{API}/debriefs/{debrief.id}/attendance"
    first = client.post(
        url, json={"attended": [str(team.alice.id)]}, headers=team.facilitator.headers
    )
    assert {p["user_id"]: p["attended"] for p in first.json()} == {
        str(team.alice.id): True,
        str(team.bob.id): None,
    }
    second = client.post(url, json={"absent": [str(team.bob.id)]}, headers=team.facilitator.headers)
    assert {p["user_id"]: p["attended"] for p in second.json()} == {
        str(team.alice.id): True,
        str(team.bob.id): False,
    }


def test_attendance_of_someone_not_invited_is_refused(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    problem = assert_problem(
        client.post(
            f"{API}/debriefs/{debrief.id}/attendance",
            json={"attended": [str(team.outsider.id)]},
            headers=team.facilitator.headers,
        ),
        422,
    )
    assert problem["errors"][0]["field"] == "attended.0"


def test_a_participant_is_removed_only_before_the_debrief_is_held(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    url = f"{API}/debriefs/{debrief.id}/participants/{team.bob.id}"
    assert client.delete(url, headers=team.officer.headers).status_code == 204
    assert_problem(client.get(f"{API}/debriefs/{debrief.id}", headers=team.bob.headers), 404)
    hold(engine, team.officer.principal, debrief.id)
    alice_url = f"{API}/debriefs/{debrief.id}/participants/{team.alice.id}"
    assert_problem(client.delete(alice_url, headers=team.officer.headers), 409)


# --- the record ------------------------------------------------------------------------


def _record_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "ground_rules_acknowledged": True,
        "events": ["Handover at 07:00 without the falls risk", "Bed alarm left off"],
        "went_well": "The fall was found within minutes.",
        "was_hard": "Two admissions at once.",
        "contributing_factors": ["handoff", "equipment", "handoff"],
        "learnings": "The alarm depends on someone remembering it.",
        "support_offered": True,
    }
    body.update(overrides)
    return body


def test_the_record_is_saved_with_the_ground_rules_as_agreed(
    client: TestClient,
    engine: Engine,
    team: Team,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    debrief = _debrief(engine, team)
    url = f"{API}/debriefs/{debrief.id}/record"
    saved = client.put(
        url, json=_record_body(), headers={**team.facilitator.headers, "If-Match": '"1"'}
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["contributing_factors"] == ["handoff", "equipment"]
    assert body["ground_rules"]["acknowledged"] is True
    agreed = body["ground_rules"]["text"]
    assert agreed == settings.debriefs.ground_rules_text
    assert saved.headers["etag"] == '"2"'
    monkeypatch.setattr(settings.debriefs, "ground_rules_text", "A different statement, later on.")
    again = client.get(f"{API}/debriefs/{debrief.id}", headers=team.alice.headers).json()
    assert again["record"]["ground_rules"]["text"] == agreed
    assert again["record"]["events"] == _record_body()["events"]


def test_a_record_that_names_someone_is_not_blocked(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    body = _record_body(events=["Alice forgot to switch the bed alarm on"])
    saved = client.put(
        f"{API}/debriefs/{debrief.id}/record",
        json=body,
        headers={**team.facilitator.headers, "If-Match": '"1"'},
    )
    assert saved.status_code == 200


def test_the_record_has_no_field_for_who_needed_support(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    body = _record_body(support_needed_by=[str(team.alice.id)])
    assert_problem(
        client.put(
            f"{API}/debriefs/{debrief.id}/record",
            json=body,
            headers={**team.facilitator.headers, "If-Match": '"1"'},
        ),
        422,
    )


def test_a_stale_record_save_is_412(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _debrief(engine, team)
    url = f"{API}/debriefs/{debrief.id}/record"
    headers = {**team.facilitator.headers, "If-Match": '"1"'}
    assert client.put(url, json=_record_body(), headers=headers).status_code == 200
    assert_problem(client.put(url, json=_record_body(), headers=headers), 412)


def test_inviting_someone_does_not_make_the_record_stale(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _debrief(engine, team)
    client.post(
        f"{API}/debriefs/{debrief.id}/participants",
        json={"user_ids": [str(team.outsider.id)]},
        headers=team.lead.headers,
    )
    saved = client.put(
        f"{API}/debriefs/{debrief.id}/record",
        json=_record_body(),
        headers={**team.facilitator.headers, "If-Match": '"1"'},
    )
    assert saved.status_code == 200


def test_a_summarised_record_keeps_a_factor(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = hold(engine, team.officer.principal, _debrief(engine, team).id)
    complete_record(engine, team.officer.principal, debrief.id)
    move(engine, team.officer.principal, debrief.id, DebriefStatus.summarized)
    problem = assert_problem(
        client.put(
            f"{API}/debriefs/{debrief.id}/record",
            json=_record_body(contributing_factors=[]),
            headers={**team.facilitator.headers, "If-Match": '"2"'},
        ),
        422,
    )
    assert problem["errors"][0]["field"] == "contributing_factors"


def test_a_closed_record_is_final(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = hold(engine, team.officer.principal, _debrief(engine, team).id)
    complete_record(engine, team.officer.principal, debrief.id)
    move(engine, team.officer.principal, debrief.id, DebriefStatus.summarized)
    move(engine, team.officer.principal, debrief.id, DebriefStatus.closed)
    assert_problem(
        client.put(
            f"{API}/debriefs/{debrief.id}/record",
            json=_record_body(),
            headers={**team.facilitator.headers, "If-Match": '"2"'},
        ),
        409,
    )


def test_record_limits_are_enforced(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _debrief(engine, team)
    url = f"{API}/debriefs/{debrief.id}/record"
    headers = {**team.facilitator.headers, "If-Match": '"1"'}
    for body in (
        _record_body(events=["x" * 501]),
        _record_body(events=["step"] * 51),
        _record_body(learnings="x" * 4001),
        _record_body(contributing_factors=["blame"]),
    ):
        assert_problem(client.put(url, json=body, headers=headers), 422)


# --- calendar --------------------------------------------------------------------------


def test_the_calendar_holds_my_upcoming_debriefs_without_their_titles(
    client: TestClient, engine: Engine, team: Team
) -> None:
    mine = _debrief(engine, team)
    cancelled = _debrief(engine, team)
    move(engine, team.officer.principal, cancelled.id, DebriefStatus.cancelled)
    make_debrief(
        engine, team.officer.principal, department_id=team.ward, facilitator_id=team.outsider.id
    )
    response = client.get(f"{API}/debriefs.ics", headers=team.alice.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{mine.id}@haven", f"{cancelled.id}@haven"}
    event = events[f"{mine.id}@haven"]
    assert str(event["status"]) == "CONFIRMED"
    assert str(events[f"{cancelled.id}@haven"]["status"]) == "CANCELLED"
    assert event.decoded("dtstart") == mine.scheduled_at
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=45)
    assert str(event["summary"]).startswith("Hot debrief")
    assert "night-shift" not in response.text
    assert str(event["location"]) == "Seminar room 2"


def test_past_debriefs_leave_the_calendar(client: TestClient, engine: Engine, team: Team) -> None:
    _debrief(engine, team, when=clock.now() - timedelta(days=2))
    calendar = Calendar.from_ical(
        client.get(f"{API}/debriefs.ics", headers=team.alice.headers).content
    )
    assert calendar.walk("VEVENT") == []


# --- email -----------------------------------------------------------------------------


def test_an_invitation_is_emailed_through_a_real_smtp_server_after_commit(
    client: TestClient, engine: Engine, team: Team, smtp: Mailbox
) -> None:
    body = debrief_body(team.ward, team.facilitator.id, participant_ids=[team.alice.id])
    assert (
        client.post(f"{API}/debriefs", json=body, headers=team.officer.headers).status_code == 201
    )
    assert smtp.messages == []  # queued in the request's transaction, sent afterwards
    assert notifications_service.deliver_pending_emails(engine) == 2  # facilitator and Alice
    deadline = time.time() + 5
    while len(smtp.messages) < 2 and time.time() < deadline:
        time.sleep(0.05)
    to_alice = [m for m in smtp.messages if m["To"] == team.alice.email]
    assert [m["Subject"] for m in to_alice] == ["Haven: You have been invited to a debrief"]
    assert "night-shift" not in to_alice[0].get_payload()
    with new_session(engine) as session:
        assert all(m.sent_at is not None for m in session.exec(select(EmailOutbox)).all())


def test_a_person_without_a_team_role_is_not_a_facilitator(
    client: TestClient, engine: Engine, team: Team
) -> None:
    stranger = make_person(engine, Role.admin)
    body = debrief_body(team.ward, stranger.id)
    problem = assert_problem(
        client.post(f"{API}/debriefs", json=body, headers=team.officer.headers), 422
    )
    assert problem["errors"][0]["field"] == "facilitator_id"


# --- looking people up -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("officer", 200), ("lead", 200), ("coordinator", 200), ("alice", 403), ("admin", 403)],
)
def test_who_may_look_people_up(client: TestClient, team: Team, who: str, status: int) -> None:
    response = client.get(f"{API}/debriefs/people", headers=getattr(team, who).headers)
    assert response.status_code == status


def test_the_people_list_holds_staff_only(client: TestClient, team: Team) -> None:
    listed = client.get(f"{API}/debriefs/people?limit=200", headers=team.officer.headers).json()[
        "items"
    ]
    ids = {p["id"] for p in listed}
    assert str(team.alice.id) in ids and str(team.lead.id) in ids
    assert str(team.admin.id) not in ids and str(team.auditor.id) not in ids
    assert set(listed[0]) == {"id", "display_name", "department_id"}


def test_a_facilitator_looks_people_up_while_their_debrief_is_under_way(
    client: TestClient, engine: Engine, team: Team
) -> None:
    assert_problem(client.get(f"{API}/debriefs/people", headers=team.facilitator.headers), 403)
    _debrief(engine, team)
    assert client.get(f"{API}/debriefs/people", headers=team.facilitator.headers).status_code == 200

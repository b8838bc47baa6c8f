"""Action items over HTTP: graded by the RCA² hierarchy, owned, tracked to verification,
listed per department and owner, from a debrief or straight from a report."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.core import clock
from haven.debriefs.schemas import ActionCategory, DebriefStatus
from tests.core.test_http import assert_problem
from tests.debriefs.conftest import Team
from tests.factories.debriefs import (
    API,
    action_body,
    hold,
    make_action,
    make_debrief,
    make_report,
    move,
)


def _held(engine: Engine, team: Team, department=None):
    debrief = make_debrief(
        engine,
        team.officer.principal,
        department_id=department or team.ward,
        facilitator_id=team.facilitator.id,
        participant_ids=[team.alice.id, team.bob.id],
    )
    return hold(engine, team.officer.principal, debrief.id)


def _overdue(engine: Engine, team: Team, debrief_id, owner_id, days_late: int = 3):
    """An item made in the past whose due date has since passed."""
    real_now = clock.now()
    clock.set_clock(lambda: real_now - timedelta(days=days_late + 1))
    try:
        return make_action(
            engine,
            team.officer.principal,
            debrief_id,
            owner_id,
            due_on=real_now.date() - timedelta(days=days_late),
        )
    finally:
        clock.set_clock(None)


# --- creating --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "strength"),
    [
        (ActionCategory.forcing_function, "stronger"),
        (ActionCategory.checklist_or_cognitive_aid, "intermediate"),
        (ActionCategory.training, "weaker"),
    ],
)
def test_the_strength_follows_from_the_rca2_category(
    client: TestClient, engine: Engine, team: Team, category: ActionCategory, strength: str
) -> None:
    debrief = _held(engine, team)
    response = client.post(
        f"{API}/debriefs/{debrief.id}/action-items",
        json=action_body(team.alice.id, category=category),
        headers=team.facilitator.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["strength"] == strength
    assert response.json()["status"] == "open"
    assert response.json()["department_id"] == str(team.ward)


def test_a_strength_cannot_be_typed(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    body = {**action_body(team.alice.id, category=ActionCategory.training), "strength": "stronger"}
    assert_problem(
        client.post(
            f"{API}/debriefs/{debrief.id}/action-items", json=body, headers=team.officer.headers
        ),
        422,
    )


def test_the_owner_is_told_without_content(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    client.post(
        f"{API}/debriefs/{debrief.id}/action-items",
        json=action_body(team.bob.id),
        headers=team.facilitator.headers,
    )
    inbox = client.get(f"{API}/notifications", headers=team.bob.headers).json()["items"]
    assert "You have a new action item" in [n["title"] for n in inbox]


def test_actions_are_added_only_to_a_held_debrief(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = make_debrief(
        engine, team.officer.principal, department_id=team.ward, facilitator_id=team.facilitator.id
    )
    assert_problem(
        client.post(
            f"{API}/debriefs/{debrief.id}/action-items",
            json=action_body(team.alice.id),
            headers=team.officer.headers,
        ),
        409,
    )


def test_a_participant_cannot_add_an_action(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    assert_problem(
        client.post(
            f"{API}/debriefs/{debrief.id}/action-items",
            json=action_body(team.alice.id),
            headers=team.alice.headers,
        ),
        403,
    )


def test_a_due_date_in_the_past_is_refused(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    body = action_body(team.alice.id, due_on=clock.today() - timedelta(days=1))
    problem = assert_problem(
        client.post(
            f"{API}/debriefs/{debrief.id}/action-items", json=body, headers=team.officer.headers
        ),
        422,
    )
    assert problem["errors"][0]["field"] == "due_on"


def test_an_effectiveness_measure_is_required(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _held(engine, team)
    body = {**action_body(team.alice.id), "effectiveness_measure": ""}
    assert_problem(
        client.post(
            f"{API}/debriefs/{debrief.id}/action-items", json=body, headers=team.officer.headers
        ),
        422,
    )


@pytest.mark.parametrize(
    ("who", "report_ward", "status"),
    [
        ("officer", "other_ward", 201),
        ("lead", "ward", 201),
        ("lead", "other_ward", 404),
        ("facilitator", "ward", 403),
        ("coordinator", "ward", 403),
        ("admin", "ward", 403),
    ],
)
def test_who_may_add_an_action_to_a_report(
    client: TestClient, engine: Engine, team: Team, who: str, report_ward: str, status: int
) -> None:
    report_id = make_report(engine, team.alice, getattr(team, report_ward))
    response = client.post(
        f"{API}/reports/{report_id}/action-items",
        json=action_body(team.bob.id),
        headers=getattr(team, who).headers,
    )
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["report_id"] == str(report_id)
        assert response.json()["department_id"] == str(getattr(team, report_ward))


def test_an_action_on_a_missing_report_is_404(client: TestClient, team: Team) -> None:
    assert_problem(
        client.post(
            f"{API}/reports/{uuid.uuid4()}/action-items",
            json=action_body(team.bob.id),
            headers=team.officer.headers,
        ),
        404,
    )


# --- moving along ----------------------------------------------------------------------


def _patch(client: TestClient, person, item, body):
    return client.patch(
        f"{API}/action-items/{item['id'] if isinstance(item, dict) else item.id}",
        json=body,
        headers={
            **person.headers,
            "If-Match": f'"{item["version"] if isinstance(item, dict) else item.version}"',
        },
    )


def test_the_owner_moves_an_action_along_but_cannot_verify_it(
    client: TestClient, engine: Engine, team: Team
) -> None:
    item = make_action(engine, team.officer.principal, _held(engine, team).id, team.alice.id)
    started = _patch(client, team.alice, item, {"status": "in_progress"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    done = _patch(client, team.alice, started.json(), {"status": "done"})
    assert done.json()["status"] == "done" and done.json()["done_at"] is not None
    assert "verified" not in done.json()["allowed_statuses"]
    assert_problem(
        _patch(client, team.alice, done.json(), {"status": "verified", "verification_note": "x"}),
        409,
    )


def test_the_owner_cannot_rewrite_the_action(
    client: TestClient, engine: Engine, team: Team
) -> None:
    item = make_action(engine, team.officer.principal, _held(engine, team).id, team.alice.id)
    assert_problem(_patch(client, team.alice, item, {"category": "forcing_function"}), 403)
    assert_problem(_patch(client, team.alice, item, {"due_on": "2099-01-01"}), 403)


def test_verifying_needs_a_note_on_how_effectiveness_was_checked(
    client: TestClient, engine: Engine, team: Team
) -> None:
    item = make_action(engine, team.officer.principal, _held(engine, team).id, team.alice.id)
    done = _patch(client, team.lead, item, {"status": "done"}).json()
    problem = assert_problem(_patch(client, team.lead, done, {"status": "verified"}), 422)
    assert problem["errors"][0]["field"] == "verification_note"
    verified = _patch(
        client,
        team.lead,
        done,
        {"status": "verified", "verification_note": "Spot check of 20 beds: all alarmed."},
    )
    assert verified.status_code == 200
    assert verified.json()["verification_note"] == "Spot check of 20 beds: all alarmed."
    assert verified.json()["verified_at"] is not None
    assert verified.json()["allowed_statuses"] == []


def test_an_open_action_cannot_jump_to_verified(
    client: TestClient, engine: Engine, team: Team
) -> None:
    item = make_action(engine, team.officer.principal, _held(engine, team).id, team.alice.id)
    assert_problem(
        _patch(client, team.officer, item, {"status": "verified", "verification_note": "ok"}), 409
    )


def test_reopening_clears_the_completion(client: TestClient, engine: Engine, team: Team) -> None:
    item = make_action(engine, team.officer.principal, _held(engine, team).id, team.alice.id)
    done = _patch(client, team.officer, item, {"status": "done"}).json()
    reopened = _patch(client, team.officer, done, {"status": "in_progress"}).json()
    assert reopened["done_at"] is None


def test_changing_the_category_changes_the_strength(
    client: TestClient, engine: Engine, team: Team
) -> None:
    item = make_action(
        engine,
        team.officer.principal,
        _held(engine, team).id,
        team.alice.id,
        category=ActionCategory.warning,
    )
    assert item.strength == "weaker"
    changed = _patch(
        client, team.facilitator, item, {"category": "standardize_equipment_or_process"}
    )
    assert changed.json()["strength"] == "stronger"


def test_a_stale_action_update_is_412(client: TestClient, engine: Engine, team: Team) -> None:
    item = make_action(engine, team.officer.principal, _held(engine, team).id, team.alice.id)
    assert _patch(client, team.officer, item, {"description": "First"}).status_code == 200
    assert_problem(_patch(client, team.officer, item, {"description": "Second"}), 412)


@pytest.mark.parametrize(("who", "status"), [("other_lead", 404), ("outsider", 404), ("bob", 403)])
def test_others_cannot_change_an_action(
    client: TestClient, engine: Engine, team: Team, who: str, status: int
) -> None:
    item = make_action(engine, team.officer.principal, _held(engine, team).id, team.alice.id)
    assert_problem(_patch(client, getattr(team, who), item, {"status": "in_progress"}), status)


# --- lists -----------------------------------------------------------------------------


def test_overdue_items_are_listed_per_department(
    client: TestClient, engine: Engine, team: Team
) -> None:
    ward_debrief = _held(engine, team)
    other_debrief = _held(engine, team, department=team.other_ward)
    late = _overdue(engine, team, ward_debrief.id, team.alice.id)
    _overdue(engine, team, other_debrief.id, team.bob.id)
    make_action(engine, team.officer.principal, ward_debrief.id, team.alice.id)  # not yet due

    as_lead = client.get(f"{API}/action-items?overdue=true", headers=team.lead.headers).json()
    assert [i["id"] for i in as_lead["items"]] == [str(late.id)]
    assert as_lead["items"][0]["is_overdue"] is True
    counts = client.get(
        f"{API}/action-items/overdue-by-department", headers=team.officer.headers
    ).json()
    assert {c["department_id"]: c["overdue"] for c in counts} == {
        str(team.ward): 1,
        str(team.other_ward): 1,
    }
    lead_counts = client.get(
        f"{API}/action-items/overdue-by-department", headers=team.lead.headers
    ).json()
    assert [c["department_id"] for c in lead_counts] == [str(team.ward)]


def test_a_done_item_is_not_overdue(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    late = _overdue(engine, team, debrief.id, team.alice.id)
    _patch(client, team.alice, late, {"status": "done"})
    listed = client.get(f"{API}/action-items?overdue=true", headers=team.officer.headers).json()
    assert listed["items"] == []


def test_my_action_items(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    mine = make_action(engine, team.officer.principal, debrief.id, team.alice.id)
    make_action(engine, team.officer.principal, debrief.id, team.bob.id)
    listed = client.get(
        f"{API}/action-items?owner_id={team.alice.id}", headers=team.alice.headers
    ).json()
    assert [i["id"] for i in listed["items"]] == [str(mine.id)]


def test_filters_by_strength_and_status(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    strong = make_action(engine, team.officer.principal, debrief.id, team.alice.id)
    make_action(
        engine, team.officer.principal, debrief.id, team.alice.id, category=ActionCategory.training
    )
    listed = client.get(
        f"{API}/action-items?strength=stronger&status=open", headers=team.officer.headers
    ).json()
    assert [i["id"] for i in listed["items"]] == [str(strong.id)]


def test_who_reads_which_action_items(client: TestClient, engine: Engine, team: Team) -> None:
    debrief = _held(engine, team)
    item = make_action(engine, team.officer.principal, debrief.id, team.supporter.id)
    report_item = client.post(
        f"{API}/reports/{make_report(engine, team.alice, team.ward)}/action-items",
        json=action_body(team.lead.id),
        headers=team.officer.headers,
    ).json()

    def ids(person) -> set[str]:
        return {
            i["id"]
            for i in client.get(f"{API}/action-items", headers=person.headers).json()["items"]
        }

    assert ids(team.officer) == {str(item.id), report_item["id"]}
    assert ids(team.lead) == {str(item.id), report_item["id"]}
    assert ids(team.alice) == {str(item.id)}  # a participant of the debrief
    assert ids(team.supporter) == {str(item.id)}  # its owner
    assert ids(team.facilitator) == {str(item.id)}
    assert ids(team.other_lead) == set()
    assert ids(team.outsider) == set()
    assert_problem(
        client.get(f"{API}/action-items/{report_item['id']}", headers=team.alice.headers), 404
    )


def test_the_list_is_keyset_paginated_soonest_due_first(
    client: TestClient, engine: Engine, team: Team
) -> None:
    debrief = _held(engine, team)
    made = [
        make_action(
            engine,
            team.officer.principal,
            debrief.id,
            team.alice.id,
            due_on=clock.today() + timedelta(days=d),
        )
        for d in (9, 3, 6)
    ]
    first = client.get(f"{API}/action-items?limit=2", headers=team.officer.headers).json()
    rest = client.get(
        f"{API}/action-items?limit=2&cursor={first['next_cursor']}", headers=team.officer.headers
    ).json()
    order = [i["due_on"] for i in first["items"] + rest["items"]]
    assert order == sorted(str(m.due_on) for m in made)
    assert rest["next_cursor"] is None


def test_a_bad_cursor_is_400(client: TestClient, team: Team) -> None:
    assert_problem(
        client.get(f"{API}/action-items?cursor=nonsense", headers=team.officer.headers), 400
    )


def test_the_hierarchy_is_served(client: TestClient, team: Team) -> None:
    categories = client.get(f"{API}/action-items/categories", headers=team.alice.headers).json()
    assert len(categories) == len(ActionCategory)
    by_strength = {c["strength"] for c in categories}
    assert by_strength == {"stronger", "intermediate", "weaker"}


def test_actions_survive_closing_the_debrief(
    client: TestClient, engine: Engine, team: Team
) -> None:
    from tests.factories.debriefs import complete_record

    debrief = _held(engine, team)
    item = make_action(engine, team.officer.principal, debrief.id, team.alice.id)
    complete_record(engine, team.officer.principal, debrief.id)
    move(engine, team.officer.principal, debrief.id, DebriefStatus.summarized)
    move(engine, team.officer.principal, debrief.id, DebriefStatus.closed)
    moved = _patch(client, team.alice, item, {"status": "in_progress"})
    assert moved.status_code == 200

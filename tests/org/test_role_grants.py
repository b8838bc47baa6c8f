"""The separation of roles through the API: nobody changes their own roles, privileged
grants need a second administrator, forbidden combinations are refused, and every role
change is audited with the roles before and after (DESIGN.md, "Separation of roles")."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.models import RoleGrant
from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.jobs import run_due_jobs
from tests.core.test_http import assert_problem
from tests.factories.org import (
    Person,
    access_token_for,
    give_roles_as_old_data,
    make_department,
    make_person,
)

API = "/api/v1"


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


@pytest.fixture
def second_admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


@pytest.fixture
def staff(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


def user(client: TestClient, admin: Person, user_id: uuid.UUID | str) -> Any:
    response = client.get(f"{API}/users/{user_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response


def patch_user(
    client: TestClient, actor: Person, user_id: uuid.UUID | str, body: dict[str, Any]
) -> Any:
    etag = user(client, actor, user_id).headers["etag"]
    return client.patch(
        f"{API}/users/{user_id}", json=body, headers={**actor.headers, "If-Match": etag}
    )


def grant_action(client: TestClient, actor: Person, grant: dict[str, Any], action: str) -> Any:
    current = client.get(f"{API}/role-grants/{grant['id']}", headers=actor.headers)
    assert current.status_code == 200, current.text
    return client.post(
        f"{API}/role-grants/{grant['id']}/{action}",
        headers={**actor.headers, "If-Match": current.headers["etag"]},
    )


def propose(
    client: TestClient, admin: Person, person: Person, roles: list[str], **extra: Any
) -> dict[str, Any]:
    response = patch_user(client, admin, person.id, {"roles": roles, **extra})
    assert response.status_code == 200, response.text
    grant = response.json()["pending_grant"]
    assert grant is not None and grant["status"] == "pending"
    return grant


def signed_in_again(person: Person) -> Person:
    """A fresh access token (after the clock moved past the old one's lifetime)."""
    return dataclasses.replace(person, token=access_token_for(person.id))


def role_events(engine: Engine, user_id: uuid.UUID) -> list[AuditEvent]:
    with new_session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.object_id) == user_id)
                .order_by(col(AuditEvent.seq))
            ).all()
        )


# --- nobody changes their own roles ---------------------------------------------------------


def test_an_admin_cannot_give_themself_safety_officer(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    response = patch_user(client, admin, admin.id, {"roles": ["admin", "safety_officer"]})
    body = assert_problem(response, 403)
    assert body["type"] == "urn:haven:problem:own-roles"
    assert [e["field"] for e in body["errors"]] == ["roles"]
    assert user(client, admin, admin.id).json()["roles"] == ["admin"]
    with new_session(engine) as session:
        assert session.exec(select(RoleGrant)).all() == []
    assert client.get(f"{API}/reports", headers=admin.headers).status_code == 403


def test_an_admin_cannot_drop_a_role_of_their_own(
    client: TestClient, engine: Engine, second_admin: Person
) -> None:
    both = make_person(engine, Role.admin, Role.staff)
    assert_problem(patch_user(client, both, both.id, {"roles": ["admin"]}), 403)
    assert user(client, second_admin, both.id).json()["roles"] == ["admin", "staff"]


def test_an_admin_may_still_edit_their_own_name_when_the_roles_sent_are_unchanged(
    client: TestClient, admin: Person
) -> None:
    response = patch_user(client, admin, admin.id, {"display_name": "Me", "roles": ["admin"]})
    assert response.status_code == 200, response.text
    assert response.json()["pending_grant"] is None


def test_a_lead_who_is_admin_cannot_move_their_own_department(
    client: TestClient, engine: Engine, second_admin: Person
) -> None:
    ward, other = make_department(engine), make_department(engine)
    lead_admin = make_person(engine, Role.admin, Role.department_lead, department_id=ward)
    response = patch_user(client, lead_admin, lead_admin.id, {"department_id": str(other)})
    assert_problem(response, 403)
    assert user(client, second_admin, lead_admin.id).json()["department_id"] == str(ward)


# --- the second administrator --------------------------------------------------------------


def test_a_privileged_grant_has_no_effect_until_a_second_admin_confirms(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    response = patch_user(client, admin, staff.id, {"roles": ["safety_officer", "staff"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["roles"] == ["staff"]
    grant = body["pending_grant"]
    assert grant["roles"] == ["safety_officer"]
    assert grant["proposed_by_id"] == str(admin.id) and grant["user_id"] == str(staff.id)
    # Not yet: neither the person's roles nor what they may read.
    assert client.get(f"{API}/me", headers=staff.headers).json()["roles"] == ["staff"]
    assert client.get(f"{API}/reports", headers=staff.headers).status_code == 403

    confirmed = grant_action(client, second_admin, grant, "confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["decided_by_id"] == str(second_admin.id)
    assert client.get(f"{API}/me", headers=staff.headers).json()["roles"] == [
        "safety_officer",
        "staff",
    ]
    assert client.get(f"{API}/reports", headers=staff.headers).status_code == 200


def test_a_user_created_with_a_privileged_role_waits_for_the_second_admin(
    client: TestClient, admin: Person, second_admin: Person
) -> None:
    created = client.post(
        f"{API}/users",
        json={
            "email": "new.auditor@hospital.example.org",
            "display_name": "New Auditor",
            "roles": ["auditor"],
            "profession": "other",
            "password": "a long given password",
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["roles"] == []
    assert body["pending_grant"]["roles"] == ["auditor"]
    token = client.post(
        f"{API}/auth/token",
        data={"username": "new.auditor@hospital.example.org", "password": "a long given password"},
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/audit", headers=auth).status_code == 403
    assert grant_action(client, second_admin, body["pending_grant"], "confirm").status_code == 200
    assert client.get(f"{API}/audit", headers=auth).status_code == 200


def test_the_proposer_cannot_confirm_their_own_grant(
    client: TestClient, admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    body = assert_problem(grant_action(client, admin, grant, "confirm"), 403)
    assert "another administrator" in body["detail"]
    assert user(client, admin, staff.id).json()["roles"] == ["staff"]


def test_the_person_a_grant_is_for_cannot_confirm_it(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    other_admin = make_person(engine, Role.admin)
    grant = propose(client, admin, other_admin, ["admin", "auditor"])
    assert_problem(grant_action(client, other_admin, grant, "confirm"), 403)
    assert user(client, admin, other_admin.id).json()["roles"] == ["admin"]


def test_a_non_admin_cannot_confirm(
    client: TestClient, engine: Engine, admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    officer = make_person(engine, Role.safety_officer)
    assert_problem(grant_action_raw(client, officer, grant, "confirm"), 403)


def grant_action_raw(client: TestClient, actor: Person, grant: dict[str, Any], action: str) -> Any:
    return client.post(
        f"{API}/role-grants/{grant['id']}/{action}",
        headers={**actor.headers, "If-Match": f'"{grant["version"]}"'},
    )


def test_an_admin_demoted_since_cannot_confirm_from_a_cached_principal(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    third = make_person(engine, Role.admin)
    client.get(f"{API}/users", headers=second_admin.headers)  # its principal is now cached
    demoted = patch_user(client, third, second_admin.id, {"roles": ["staff"]})
    assert demoted.status_code == 200, demoted.text
    assert_problem(grant_action_raw(client, second_admin, grant, "confirm"), 403)
    assert user(client, admin, staff.id).json()["roles"] == ["staff"]


def test_a_grant_whose_proposer_lost_admin_cannot_be_confirmed(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    assert patch_user(client, second_admin, admin.id, {"roles": ["staff"]}).status_code == 200
    assert_problem(grant_action(client, second_admin, grant, "confirm"), 409)
    assert user(client, second_admin, staff.id).json()["roles"] == ["staff"]


def test_another_admin_rejects_and_the_proposer_cancels(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    assert_problem(grant_action(client, admin, grant, "reject"), 403)  # the proposer cancels
    rejected = grant_action(client, second_admin, grant, "reject")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert_problem(grant_action(client, second_admin, grant, "confirm"), 409)

    again = propose(client, admin, staff, ["staff", "auditor"])
    assert_problem(grant_action(client, second_admin, again, "cancel"), 403)
    cancelled = grant_action(client, admin, again, "cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert user(client, admin, staff.id).json()["roles"] == ["staff"]


def test_confirming_needs_the_grants_current_version(
    client: TestClient, admin: Person, second_admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    url = f"{API}/role-grants/{grant['id']}/confirm"
    assert_problem(client.post(url, headers=second_admin.headers), 428)
    assert_problem(client.post(url, headers={**second_admin.headers, "If-Match": '"7"'}), 412)
    assert user(client, admin, staff.id).json()["roles"] == ["staff"]


def test_only_one_grant_per_person_waits_at_a_time(
    client: TestClient, admin: Person, second_admin: Person, staff: Person
) -> None:
    propose(client, admin, staff, ["staff", "auditor"])
    body = assert_problem(
        patch_user(client, second_admin, staff.id, {"roles": ["staff", "safety_officer"]}), 409
    )
    assert body["type"] == "urn:haven:problem:role-grant-pending"
    # Removing roles and granting staff-level ones still apply at once.
    response = patch_user(client, second_admin, staff.id, {"roles": ["peer_supporter", "staff"]})
    body = assert_problem(response, 422)  # with the pending auditor: a forbidden combination
    assert [e["field"] for e in body["errors"]] == ["roles"]


def test_removals_and_staff_level_roles_apply_at_once(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    person = make_person(engine, Role.staff, Role.auditor)
    response = patch_user(client, admin, person.id, {"roles": ["staff", "peer_supporter"]})
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["peer_supporter", "staff"]
    assert response.json()["pending_grant"] is None


def test_moving_a_lead_to_another_department_is_a_new_grant(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person
) -> None:
    ward, other = make_department(engine), make_department(engine)
    lead = make_person(engine, Role.staff, Role.department_lead, department_id=ward)
    response = patch_user(client, admin, lead.id, {"department_id": str(other)})
    assert response.status_code == 200, response.text
    body = response.json()
    # They stop leading at once, and lead the new department only once confirmed.
    assert body["roles"] == ["staff"] and body["department_id"] == str(other)
    assert body["pending_grant"]["roles"] == ["department_lead"]
    assert body["pending_grant"]["department_id"] == str(other)
    assert grant_action(client, second_admin, body["pending_grant"], "confirm").status_code == 200
    me = client.get(f"{API}/me", headers=lead.headers).json()
    assert me["roles"] == ["department_lead", "staff"] and me["department_id"] == str(other)


def test_a_lead_grant_is_void_once_the_department_changed(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    ward, other = make_department(engine), make_department(engine)
    grant = propose(client, admin, staff, ["staff", "department_lead"], department_id=str(ward))
    assert patch_user(client, admin, staff.id, {"department_id": str(other)}).status_code == 200
    assert_problem(grant_action(client, second_admin, grant, "confirm"), 409)
    assert user(client, admin, staff.id).json()["roles"] == ["staff"]


def test_a_grant_expires_unconfirmed(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    later = clock.now() + timedelta(days=8)
    clock.set_clock(lambda: later)
    admin, second_admin = signed_in_again(admin), signed_in_again(second_admin)
    listed = client.get(f"{API}/role-grants", headers=second_admin.headers).json()["items"]
    assert listed == []
    body = assert_problem(grant_action(client, second_admin, grant, "confirm"), 409)
    assert body["type"] == "urn:haven:problem:role-grant-expired"
    assert user(client, admin, staff.id).json()["roles"] == ["staff"]
    # The refusal still recorded the expiry.
    again = client.get(f"{API}/role-grants/{grant['id']}", headers=admin.headers).json()
    assert again["status"] == "expired"
    assert role_events(engine, staff.id)[-1].action == "user.role_grant_expired"


def test_the_periodic_job_expires_grants(
    client: TestClient, engine: Engine, admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    assert run_due_jobs(engine)["role_grants_expired"] == 0
    later = clock.now() + timedelta(days=8)
    clock.set_clock(lambda: later)
    assert run_due_jobs(engine)["role_grants_expired"] == 1
    admin = signed_in_again(admin)
    fetched = client.get(f"{API}/role-grants/{grant['id']}", headers=admin.headers).json()
    assert fetched["status"] == "expired" and fetched["decided_by_id"] is None
    expired = role_events(engine, staff.id)[-1]
    assert expired.action == "user.role_grant_expired" and expired.actor_type == "system"


def test_pending_grants_are_listed_for_admins(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "auditor"])
    items = client.get(f"{API}/role-grants", headers=second_admin.headers).json()["items"]
    assert [(g["id"], g["user_display_name"], g["proposed_by_name"]) for g in items] == [
        (grant["id"], grant["user_display_name"], grant["proposed_by_name"])
    ]
    grant_action(client, second_admin, grant, "confirm")
    assert client.get(f"{API}/role-grants", headers=admin.headers).json()["items"] == []
    done = client.get(
        f"{API}/role-grants", params={"status": "confirmed"}, headers=admin.headers
    ).json()["items"]
    assert [g["id"] for g in done] == [grant["id"]]
    assert_problem(client.get(f"{API}/role-grants", headers=staff.headers), 403)


def test_an_idempotent_retry_of_a_create_proposes_no_second_grant(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    body = {
        "email": "retry@hospital.example.org",
        "display_name": "Retry",
        "roles": ["safety_officer"],
        "profession": "pharmacist",
        "password": "a long given password",
    }
    headers = {**admin.headers, "Idempotency-Key": "make-officer"}
    first = client.post(f"{API}/users", json=body, headers=headers)
    again = client.post(f"{API}/users", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["pending_grant"]["id"] == first.json()["pending_grant"]["id"]
    with new_session(engine) as session:
        assert len(session.exec(select(RoleGrant)).all()) == 1


# --- forbidden combinations -----------------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [
        ["safety_officer", "support_coordinator"],
        ["department_lead", "peer_supporter"],
        ["admin", "peer_supporter"],
        ["auditor", "support_coordinator"],
    ],
)
def test_a_forbidden_combination_is_refused_at_creation(
    client: TestClient, engine: Engine, admin: Person, roles: list[str]
) -> None:
    response = client.post(
        f"{API}/users",
        json={
            "email": "both@hospital.example.org",
            "display_name": "Both",
            "roles": roles,
            "department_id": str(make_department(engine)),
            "profession": "nurse",
        },
        headers=admin.headers,
    )
    body = assert_problem(response, 422)
    assert body["type"] == "urn:haven:problem:role-combination"
    assert [e["field"] for e in body["errors"]] == ["roles"]
    assert client.get(f"{API}/users", params={"limit": 200}, headers=admin.headers).json()[
        "items"
    ] == [user(client, admin, admin.id).json()]


def test_safety_officer_and_support_coordinator_cannot_be_combined_by_update(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    officer = make_person(engine, Role.safety_officer)
    response = patch_user(
        client, admin, officer.id, {"roles": ["safety_officer", "support_coordinator"]}
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["roles"]
    assert user(client, admin, officer.id).json()["roles"] == ["safety_officer"]
    with new_session(engine) as session:
        assert session.exec(select(RoleGrant)).all() == []


def test_peer_supporter_cannot_be_added_to_a_safety_officer(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    # peer_supporter applies at once, so this path must be refused too.
    officer = make_person(engine, Role.safety_officer)
    response = patch_user(
        client, admin, officer.id, {"roles": ["safety_officer", "peer_supporter"]}
    )
    assert_problem(response, 422)
    assert user(client, admin, officer.id).json()["roles"] == ["safety_officer"]


def test_confirmation_checks_the_combination_against_the_roles_held_then(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    grant = propose(client, admin, staff, ["staff", "safety_officer"])
    give_roles_as_old_data(engine, staff.id, Role.support_coordinator)
    body = assert_problem(grant_action(client, second_admin, grant, "confirm"), 422)
    assert [e["field"] for e in body["errors"]] == ["roles"]
    assert "safety_officer" not in user(client, admin, staff.id).json()["roles"]


def test_the_service_refuses_a_forbidden_combination_for_the_operator_too(engine: Engine) -> None:
    from haven.auth.schemas import Profession, UserCreate
    from haven.core.errors import Unprocessable
    from haven.org import service as org_service

    with new_session(engine) as session, pytest.raises(Unprocessable):
        org_service.create_user(
            session,
            None,
            data=UserCreate(
                email="op@hospital.example.org",
                display_name="Op",
                roles=[Role.support_coordinator, Role.safety_officer],
                profession=Profession.other,
            ),
        )


# --- the audit trail ------------------------------------------------------------------------


def test_every_role_change_is_audited_with_the_roles_before_and_after(
    client: TestClient, engine: Engine, admin: Person, second_admin: Person, staff: Person
) -> None:
    applied = patch_user(client, admin, staff.id, {"roles": ["staff", "peer_supporter"]})
    assert applied.status_code == 200
    removed = patch_user(client, admin, staff.id, {"roles": ["staff"]})
    assert removed.status_code == 200
    proposed = propose(client, admin, staff, ["staff", "auditor"])
    grant_action(client, second_admin, proposed, "reject")
    cancelled = propose(client, admin, staff, ["staff", "auditor"])
    grant_action(client, admin, cancelled, "cancel")
    confirmed = propose(client, admin, staff, ["staff", "auditor"])
    grant_action(client, second_admin, confirmed, "confirm")

    events = [
        (e.action, e.actor_id, e.detail)
        for e in role_events(engine, staff.id)
        if e.action != "user.created"
    ]
    assert events == [
        (
            "user.roles_changed",
            admin.id,
            {"roles_before": ["staff"], "roles_after": ["peer_supporter", "staff"]},
        ),
        (
            "user.roles_changed",
            admin.id,
            {"roles_before": ["peer_supporter", "staff"], "roles_after": ["staff"]},
        ),
        ("user.role_grant_proposed", admin.id, _grant_detail(proposed, ["staff"], ["staff"])),
        (
            "user.role_grant_rejected",
            second_admin.id,
            _grant_detail(proposed, ["staff"], ["staff"]),
        ),
        ("user.role_grant_proposed", admin.id, _grant_detail(cancelled, ["staff"], ["staff"])),
        ("user.role_grant_cancelled", admin.id, _grant_detail(cancelled, ["staff"], ["staff"])),
        ("user.role_grant_proposed", admin.id, _grant_detail(confirmed, ["staff"], ["staff"])),
        (
            "user.role_grant_confirmed",
            second_admin.id,
            _grant_detail(confirmed, ["staff"], ["auditor", "staff"]),
        ),
    ]


def _grant_detail(grant: dict[str, Any], before: list[str], after: list[str]) -> dict[str, Any]:
    return {
        "roles_before": before,
        "roles_after": after,
        "grant_id": grant["id"],
        "grant_roles": grant["roles"],
    }


def test_creation_is_audited_with_the_roles_given(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    created = client.post(
        f"{API}/users",
        json={
            "email": "audited.roles@hospital.example.org",
            "display_name": "Audited",
            "roles": ["staff", "auditor"],
            "profession": "other",
        },
        headers=admin.headers,
    ).json()
    events = role_events(engine, uuid.UUID(created["id"]))
    assert [(e.action, e.detail["roles_before"], e.detail["roles_after"]) for e in events] == [
        ("user.created", [], ["staff"]),
        ("user.role_grant_proposed", ["staff"], ["staff"]),
    ]
    assert events[1].detail["grant_roles"] == ["auditor"]


def test_the_auditor_reads_role_changes_through_the_api(
    client: TestClient, engine: Engine, admin: Person, staff: Person
) -> None:
    auditor = make_person(engine, Role.auditor)
    patch_user(client, admin, staff.id, {"roles": ["staff", "peer_supporter"]})
    rows = client.get(
        f"{API}/audit",
        params={"object_id": str(staff.id), "action": "user.roles_changed"},
        headers=auditor.headers,
    ).json()["items"]
    assert [r["detail"] for r in rows] == [
        {"roles_before": ["staff"], "roles_after": ["peer_supporter", "staff"]}
    ]


def test_an_account_older_than_the_rules_can_be_deactivated_and_repaired(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    officer = make_person(engine, Role.safety_officer, Role.staff)
    give_roles_as_old_data(engine, officer.id, Role.support_coordinator)
    deactivated = patch_user(client, admin, officer.id, {"is_active": False})
    assert deactivated.status_code == 200, deactivated.text
    # Any change of its roles must end in an allowed set.
    still_mixed = {"roles": ["safety_officer", "support_coordinator"]}
    assert_problem(patch_user(client, admin, officer.id, still_mixed), 422)
    repaired = patch_user(client, admin, officer.id, {"roles": ["safety_officer", "staff"]})
    assert repaired.status_code == 200, repaired.text
    assert repaired.json()["roles"] == ["safety_officer", "staff"]

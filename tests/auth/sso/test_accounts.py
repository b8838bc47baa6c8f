"""The account a single sign-on reaches: created just in time from the configured claim
mapping (never a privileged role the map does not name), linked to an existing account only
when the provider vouches for it, refused when deactivated or when the mapping gives no role
or a forbidden combination."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.models import RoleGrant, User, UserIdentity
from haven.auth.schemas import Role, UserUpdate
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.core.settings import Settings
from haven.org import service as org_service
from tests.auth.sso.conftest import Sso, oidc_settings, staff_claims
from tests.core.test_http import assert_problem
from tests.factories.org import make_department, make_person


def _user(engine: Engine, email: str) -> tuple[User, list[str]]:
    from haven.auth.models import UserRole

    with new_session(engine) as session:
        user = session.exec(select(User).where(col(User.email) == email)).one()
        roles = session.exec(select(UserRole.role).where(col(UserRole.user_id) == user.id)).all()
        session.expunge(user)
        return user, sorted(roles)


def _count(engine: Engine, table: Any) -> int:
    with new_session(engine) as session:
        return len(session.exec(select(table)).all())


def _problem_type(response: Any, status: int) -> str:
    return str(assert_problem(response, status)["type"]).rsplit(":", 1)[1]


def test_a_first_sign_in_creates_the_account_from_the_mapping(sso: Sso, engine: Engine) -> None:
    department = make_department(engine, name="Emergency", code="ED")
    claims = staff_claims(
        groups=["all-staff", "peer-supporters", "not-mapped"],
        department="ed",  # codes match as they are kept unique: folded
        profession="physician",
        name="Dr Kim Sso",
        email="Kim.Sso@Hospital.example.org",
    )

    assert sso.sign_in(sso.person(**claims)).status_code == 303

    user, roles = _user(engine, "kim.sso@hospital.example.org")
    assert roles == ["peer_supporter", "staff"]
    assert user.department_id == department
    assert user.profession == "physician"
    assert user.display_name == "Dr Kim Sso"
    assert user.password_hash is None  # signs in through the provider only
    assert user.last_login_at is not None
    with new_session(engine) as session:
        created = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action) == "user.created", col(AuditEvent.object_id) == user.id
            )
        ).one()
        assert created.actor_type == "system"
        assert created.detail == {
            "roles_before": [],
            "roles_after": ["peer_supporter", "staff"],
            "source": "oidc",
        }
        identity = session.exec(select(UserIdentity)).one()
        assert identity.linked_by == "created"


def test_an_unknown_department_or_profession_leaves_the_default(sso: Sso, engine: Engine) -> None:
    claims = staff_claims(department="NOPE", profession="wizard")
    assert sso.sign_in(sso.person(**claims)).status_code == 303
    user, _ = _user(engine, claims["email"])
    assert user.department_id is None
    assert user.profession == "other"


def test_the_second_sign_in_reaches_the_same_account_and_changes_no_role(
    sso: Sso, engine: Engine
) -> None:
    claims = staff_claims()
    sub = sso.person(**claims)
    assert sso.sign_in(sub).status_code == 303
    sso.client.cookies.clear()
    # The directory now puts the person in the administrators' group: a sign-in does not
    # change an existing account's roles (administrators and SCIM do).
    sso.provider.add_user(sub, **{**claims, "groups": ["all-staff", "haven-admins"]})

    assert sso.sign_in(sub).status_code == 303

    assert _count(engine, User) == 1
    assert _user(engine, claims["email"])[1] == ["staff"]
    assert sso.me()["roles"] == ["staff"]


def test_no_mapped_role_is_refused_and_makes_no_account(sso: Sso, engine: Engine) -> None:
    for groups in ([], ["visitors"], "visitors", None):
        claims = staff_claims(groups=groups)
        refused = sso.sign_in(sso.person(**claims))
        assert _problem_type(refused, 403) == "sso-no-role", groups
        sso.client.cookies.clear()
    assert _count(engine, User) == 0
    assert _count(engine, UserIdentity) == 0


def test_a_group_named_like_a_privileged_role_grants_nothing(sso: Sso, engine: Engine) -> None:
    claims = staff_claims(groups=["all-staff", "admin", "auditor", "safety_officer"])
    assert sso.sign_in(sso.person(**claims)).status_code == 303
    assert _user(engine, claims["email"])[1] == ["staff"]


def test_a_privileged_role_comes_only_from_a_map_entry_that_names_it(
    sso: Sso, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A map without an entry for the administrators' group: they are plain staff.
    monkeypatch.setattr(
        settings, "oidc", oidc_settings(sso.provider, role_map={"all-staff": ["staff"]})
    )
    claims = staff_claims(groups=["all-staff", "haven-admins", "safety-team"])
    assert sso.sign_in(sso.person(**claims)).status_code == 303
    assert _user(engine, claims["email"])[1] == ["staff"]
    assert _count(engine, RoleGrant) == 0


def test_a_privileged_role_the_map_names_waits_for_an_administrator(
    sso: Sso, engine: Engine
) -> None:
    admin = make_person(engine, Role.admin)
    claims = staff_claims(groups=["all-staff", "safety-team"])
    sub = sso.person(**claims)

    assert sso.sign_in(sub).status_code == 303

    assert sso.me()["roles"] == ["staff"]
    user, _ = _user(engine, claims["email"])
    with new_session(engine) as session:
        grant = session.exec(select(RoleGrant)).one()
        assert (grant.user_id, grant.roles, grant.status) == (
            user.id,
            ["safety_officer"],
            "pending",
        )
        assert grant.proposed_by_id is None
    listed = sso.client.get("/api/v1/role-grants?status=pending", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    [shown] = listed.json()["items"]
    assert shown["proposed_by_id"] is None
    assert shown["proposed_by_name"].startswith("Single sign-on")

    confirmed = sso.client.post(
        f"/api/v1/role-grants/{grant.id}/confirm",
        headers={**admin.headers, "If-Match": f'"{grant.version}"'},
    )

    assert confirmed.status_code == 200, confirmed.text
    assert _user(engine, claims["email"])[1] == ["safety_officer", "staff"]


def test_only_privileged_roles_keep_the_person_out_until_confirmed(
    sso: Sso, engine: Engine
) -> None:
    admin = make_person(engine, Role.admin)
    claims = staff_claims(groups=["haven-admins"])
    sub = sso.person(**claims)

    for _ in range(2):  # the first sign-in creates the account; the next finds it waiting
        waiting = sso.sign_in(sub)
        body = assert_problem(waiting, 403)
        assert body["type"].endswith(":sso-roles-pending")
        assert "admin" in body["detail"]
        assert "haven_refresh" not in waiting.headers.get("set-cookie", "")
    assert _count(engine, User) == 2 and _count(engine, RoleGrant) == 1
    assert _user(engine, claims["email"])[1] == []
    with new_session(engine) as session:
        grant = session.exec(select(RoleGrant)).one()
    # Not the person themselves, and nobody can confirm it by being its proposer.
    confirmed = sso.client.post(
        f"/api/v1/role-grants/{grant.id}/confirm",
        headers={**admin.headers, "If-Match": f'"{grant.version}"'},
    )
    assert confirmed.status_code == 200, confirmed.text

    assert sso.sign_in(sub).status_code == 303
    assert sso.me()["roles"] == ["admin"]


def test_groups_whose_roles_cannot_be_held_together_are_refused(sso: Sso, engine: Engine) -> None:
    # Counting the privileged role that would wait for an administrator.
    claims = staff_claims(groups=["safety-team", "peer-supporters"])
    refused = sso.sign_in(sso.person(**claims))
    body = assert_problem(refused, 403)
    assert body["type"].endswith(":sso-role-combination")
    assert "safety_officer with peer_supporter" in body["detail"]
    assert _count(engine, User) == 0
    assert _count(engine, RoleGrant) == 0


def test_a_department_lead_needs_a_known_department(sso: Sso, engine: Engine) -> None:
    claims = staff_claims(groups=["ward-leads"], department="NOPE")
    assert _problem_type(sso.sign_in(sso.person(**claims)), 403) == "sso-claims-missing"
    sso.client.cookies.clear()

    department = make_department(engine, code="ICU")
    claims = staff_claims(groups=["all-staff", "ward-leads"], department="ICU")
    assert sso.sign_in(sso.person(**claims)).status_code == 303
    user, roles = _user(engine, claims["email"])
    assert roles == ["staff"] and user.department_id == department
    with new_session(engine) as session:
        grant = session.exec(select(RoleGrant)).one()
        assert grant.roles == ["department_lead"] and grant.department_id == department


def test_no_usable_email_is_refused(sso: Sso, engine: Engine) -> None:
    for email in (None, "not an email", 42):
        claims = staff_claims(email=email)
        assert _problem_type(sso.sign_in(sso.person(**claims)), 403) == "sso-claims-missing"
        sso.client.cookies.clear()
    assert _count(engine, User) == 0


def test_an_existing_account_is_linked_by_a_verified_email(sso: Sso, engine: Engine) -> None:
    existing = make_person(engine, Role.safety_officer, email="lee@hospital.example.org")
    # The mapping would say staff only: linking keeps the account's roles.
    claims = staff_claims(email="LEE@hospital.example.org", email_verified=True)

    assert sso.sign_in(sso.person(**claims)).status_code == 303

    me = sso.me()
    assert me["id"] == str(existing.id)
    assert me["roles"] == ["safety_officer"]
    assert _count(engine, User) == 1
    with new_session(engine) as session:
        identity = session.exec(select(UserIdentity)).one()
        assert identity.user_id == existing.id and identity.linked_by == "email"
        linked = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "user.identity_linked")
        ).one()
        assert linked.object_id == existing.id
        assert linked.detail == {"source": "oidc", "linked_by": "email"}


@pytest.mark.parametrize("verified", [False, "true", None])
def test_an_unverified_email_links_nothing(sso: Sso, engine: Engine, verified: Any) -> None:
    make_person(engine, Role.admin, email="pat@hospital.example.org")
    claims = staff_claims(email="pat@hospital.example.org", email_verified=verified)

    refused = sso.sign_in(sso.person(**claims))

    assert _problem_type(refused, 409) == "sso-account-conflict"
    assert _count(engine, UserIdentity) == 0


def test_matching_by_email_can_be_switched_off(
    sso: Sso, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "oidc", oidc_settings(sso.provider, match_verified_email=False))
    make_person(engine, Role.staff, email="ash@hospital.example.org")
    claims = staff_claims(email="ash@hospital.example.org")
    assert _problem_type(sso.sign_in(sso.person(**claims)), 409) == "sso-account-conflict"


def test_an_account_linked_to_another_subject_is_not_taken_over(sso: Sso, engine: Engine) -> None:
    claims = staff_claims()
    assert sso.sign_in(sso.person(**claims)).status_code == 303
    sso.client.cookies.clear()

    # Another subject at the same provider, asserting the same verified address.
    refused = sso.sign_in(sso.person(**claims))

    assert _problem_type(refused, 409) == "sso-account-conflict"
    assert _count(engine, UserIdentity) == 1


def test_a_deactivated_person_cannot_sign_in(sso: Sso, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    claims = staff_claims()
    sub = sso.person(**claims)
    assert sso.sign_in(sub).status_code == 303
    sso.client.cookies.clear()
    user, _ = _user(engine, claims["email"])
    with new_session(engine) as session:
        org_service.update_user(
            session,
            admin.principal,
            user_id=user.id,
            data=UserUpdate(is_active=False),
            if_match=f'"{user.version}"',
        )
        session.commit()

    refused = sso.sign_in(sub)

    assert _problem_type(refused, 403) == "sso-account-deactivated"
    assert "haven_refresh" not in refused.headers.get("set-cookie", "")


def test_a_deactivated_account_is_not_linked_by_email(sso: Sso, engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    person = make_person(
        engine, Role.staff, email=f"gone-{uuid.uuid4().hex[:6]}@hospital.example.org"
    )
    with new_session(engine) as session:
        org_service.update_user(
            session,
            admin.principal,
            user_id=person.id,
            data=UserUpdate(is_active=False),
            if_match='"1"',
        )
        session.commit()

    refused = sso.sign_in(sso.person(**staff_claims(email=person.email)))

    assert _problem_type(refused, 403) == "sso-account-deactivated"
    assert _count(engine, UserIdentity) == 0


def test_an_account_is_linked_by_the_directorys_external_id(
    sso: Sso, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "oidc", oidc_settings(sso.provider, external_id_claim="oid"))
    existing = make_person(engine, Role.peer_supporter)
    with new_session(engine) as session:
        user = session.get(User, existing.id)
        assert user is not None
        user.external_id = "00000000-aaaa-4bbb-8ccc-0123456789ab"
        session.add(user)
        session.commit()
    # Another address, unverified: the external id alone vouches for the account.
    claims = staff_claims(
        oid="00000000-aaaa-4bbb-8ccc-0123456789ab", email="other@x.example", email_verified=False
    )

    assert sso.sign_in(sso.person(**claims)).status_code == 303

    me = sso.me()
    assert me["id"] == str(existing.id) and me["roles"] == ["peer_supporter"]
    with new_session(engine) as session:
        assert session.exec(select(UserIdentity)).one().linked_by == "external_id"

"""The second factor (TOTP, RFC 6238): enrolment shown once, the two-step sign-in, recovery
codes, replay, guessing, and the rule that privileged roles must have one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.settings import Settings
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_person
from tests.reports.snapshot import dump, text_of

TOKEN = "/api/v1/auth/token"
CODE_STEP = "/api/v1/auth/sign-in/totp"
ENROL_AT_SIGN_IN = "/api/v1/auth/sign-in/totp-enrolment"
STATUS = "/api/v1/auth/totp"


def sign_in(client: TestClient, person: Person) -> Any:
    return client.post(TOKEN, data={"username": person.email, "password": person.password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(int(when.timestamp()))


@pytest.fixture
def frozen() -> datetime:
    """Haven's clock, held in the middle of a 30-second step (so codes do not roll over)."""
    now = datetime.now(UTC).replace(microsecond=0)
    now -= timedelta(seconds=now.second % 30 - 10)
    clock.set_clock(lambda: now)
    return now


@pytest.fixture
def required(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings.auth, "totp_required", True)


def enrol(client: TestClient, person: Person, now: datetime) -> tuple[str, list[str]]:
    started = client.post(f"{STATUS}/enrolment", headers=person.headers)
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/Haven:")
    confirmed = client.post(
        f"{STATUS}/enrolment/confirm",
        json={"code": code_at(secret, now)},
        headers=person.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


def challenge_of(answer: Any, kind: str = "second-factor-required") -> str:
    body = assert_problem(answer, 401)
    assert body["type"] == f"urn:haven:problem:{kind}"
    assert body["challenge_expires_in"] == 300
    assert "set-cookie" not in answer.headers
    return str(body["challenge"])


@pytest.fixture
def staff(engine: Engine) -> Person:
    return make_person(engine, Role.staff)


# --- enrolment and the two steps -----------------------------------------------------------


def test_an_enrolled_person_signs_in_in_two_steps(
    client: TestClient, engine: Engine, staff: Person, frozen: datetime
) -> None:
    secret, recovery = enrol(client, staff, frozen)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    status = client.get(STATUS, headers=staff.headers).json()
    assert status == {
        "password_sign_in": True,
        "enrolled": True,
        "required": False,
        "recovery_codes_left": 10,
        "enrolled_at": status["enrolled_at"],
    }
    # The secret is shown once and stored sealed; recovery codes only as hashes.
    stored = text_of(dump(engine))
    assert secret not in stored
    assert not any(code.replace("-", "") in stored for code in recovery)

    clock.set_clock(lambda: frozen + timedelta(seconds=30))
    challenge = challenge_of(sign_in(client, staff))
    finished = client.post(
        CODE_STEP,
        json={"challenge": challenge, "code": code_at(secret, frozen + timedelta(seconds=30))},
    )
    assert finished.status_code == 200, finished.text
    me = client.get("/api/v1/me", headers=bearer(finished.json()["access_token"]))
    assert me.status_code == 200


def test_a_code_works_once(client: TestClient, staff: Person, frozen: datetime) -> None:
    secret, _ = enrol(client, staff, frozen)
    later = frozen + timedelta(seconds=60)
    clock.set_clock(lambda: later)
    code = code_at(secret, later)
    first = client.post(
        CODE_STEP, json={"challenge": challenge_of(sign_in(client, staff)), "code": code}
    )
    assert first.status_code == 200
    replayed = client.post(
        CODE_STEP, json={"challenge": challenge_of(sign_in(client, staff)), "code": code}
    )
    assert assert_problem(replayed, 401)["type"] == "urn:haven:problem:second-factor-refused"
    # Nor does the previous step's code, still within the window, work after it.
    older = code_at(secret, later - timedelta(seconds=30))
    again = client.post(
        CODE_STEP, json={"challenge": challenge_of(sign_in(client, staff)), "code": older}
    )
    assert_problem(again, 401)


def test_a_recovery_code_works_once_in_place_of_a_code(
    client: TestClient, staff: Person, frozen: datetime
) -> None:
    _, recovery = enrol(client, staff, frozen)
    used = client.post(
        CODE_STEP,
        json={"challenge": challenge_of(sign_in(client, staff)), "code": recovery[3].upper()},
    )
    assert used.status_code == 200, used.text
    again = client.post(
        CODE_STEP, json={"challenge": challenge_of(sign_in(client, staff)), "code": recovery[3]}
    )
    assert_problem(again, 401)
    assert client.get(STATUS, headers=staff.headers).json()["recovery_codes_left"] == 9


def test_wrong_codes_are_slowed_per_person_and_an_unlock_clears_it(
    client: TestClient, engine: Engine, staff: Person, frozen: datetime
) -> None:
    secret, _ = enrol(client, staff, frozen)
    admin = make_person(engine, Role.admin)
    for _ in range(5):
        challenge = challenge_of(sign_in(client, staff))
        assert_problem(client.post(CODE_STEP, json={"challenge": challenge, "code": "000000"}), 401)
    challenge = challenge_of(sign_in(client, staff))
    # The next step's code (a clock running ahead): the enrolment used this step's.
    right = code_at(secret, frozen + timedelta(seconds=30))
    throttled = client.post(CODE_STEP, json={"challenge": challenge, "code": right})
    body = assert_problem(throttled, 429)
    assert body["type"] == "urn:haven:problem:second-factor-throttled"
    assert int(throttled.headers["retry-after"]) == 31
    assert client.post(f"/api/v1/users/{staff.id}/unlock", headers=admin.headers).status_code == 204
    assert client.post(CODE_STEP, json={"challenge": challenge, "code": right}).status_code == 200


def test_a_challenge_is_good_for_its_step_only_and_dies_with_the_password(
    client: TestClient, staff: Person, frozen: datetime
) -> None:
    secret, _ = enrol(client, staff, frozen)
    challenge = challenge_of(sign_in(client, staff))
    # Not a way to enrol another authenticator.
    assert_problem(client.post(ENROL_AT_SIGN_IN, json={"challenge": challenge}), 401)
    # Not after five minutes.
    clock.set_clock(lambda: frozen + timedelta(minutes=5, seconds=1))
    late = code_at(secret, frozen + timedelta(minutes=5, seconds=1))
    expired = client.post(CODE_STEP, json={"challenge": challenge, "code": late})
    assert assert_problem(expired, 401)["type"] == "urn:haven:problem:sign-in-challenge-invalid"
    # Not once the password changed.
    clock.set_clock(lambda: frozen)
    challenge = challenge_of(sign_in(client, staff))
    changed = client.post(
        "/api/v1/auth/password",
        json={
            "current_password": staff.password,
            "new_password": "a quiet night shift on ward nine",
        },
        headers=staff.headers,
    )
    assert changed.status_code == 200
    stale = client.post(CODE_STEP, json={"challenge": challenge, "code": code_at(secret, frozen)})
    assert_problem(stale, 401)
    forged = client.post(
        CODE_STEP, json={"challenge": "eyJhbGciOiJub25lIn0.e30.", "code": "123456"}
    )
    assert_problem(forged, 401)


def test_enrolment_is_shown_once_and_cannot_be_restarted_over_a_confirmed_one(
    client: TestClient, staff: Person, frozen: datetime
) -> None:
    enrol(client, staff, frozen)
    assert "secret" not in client.get(STATUS, headers=staff.headers).json()
    assert_problem(client.post(f"{STATUS}/enrolment", headers=staff.headers), 409)


def test_recovery_codes_are_replaced_with_a_current_code(
    client: TestClient, staff: Person, frozen: datetime
) -> None:
    secret, old = enrol(client, staff, frozen)
    later = frozen + timedelta(seconds=30)
    clock.set_clock(lambda: later)
    replaced = client.post(
        f"{STATUS}/recovery-codes", json={"code": code_at(secret, later)}, headers=staff.headers
    )
    assert replaced.status_code == 200, replaced.text
    new = replaced.json()["recovery_codes"]
    assert set(new).isdisjoint(old)
    stale = client.post(
        CODE_STEP, json={"challenge": challenge_of(sign_in(client, staff)), "code": old[0]}
    )
    assert_problem(stale, 401)


def test_a_person_whose_roles_allow_it_may_turn_it_off(
    client: TestClient, staff: Person, frozen: datetime
) -> None:
    secret, _ = enrol(client, staff, frozen)
    later = frozen + timedelta(seconds=30)
    clock.set_clock(lambda: later)
    off = client.post(
        f"{STATUS}/turn-off", json={"code": code_at(secret, later)}, headers=staff.headers
    )
    assert off.status_code == 204, off.text
    assert sign_in(client, staff).status_code == 200


# --- privileged roles must have one --------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.admin, Role.auditor, Role.safety_officer, Role.support_coordinator, Role.department_lead],
)
def test_a_privileged_role_must_enrol_before_its_first_session(
    client: TestClient, engine: Engine, role: Role, required: None, frozen: datetime
) -> None:
    person = make_person(engine, role)
    challenge = challenge_of(sign_in(client, person), "second-factor-enrolment-required")
    # Without a code the challenge is no session.
    assert_problem(client.post(CODE_STEP, json={"challenge": challenge, "code": "123456"}), 401)
    started = client.post(ENROL_AT_SIGN_IN, json={"challenge": challenge})
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    done = client.post(
        f"{ENROL_AT_SIGN_IN}/confirm",
        json={"challenge": challenge, "code": code_at(secret, frozen)},
    )
    assert done.status_code == 200, done.text
    assert len(done.json()["recovery_codes"]) == 10
    assert any(v.startswith("haven_refresh=") for v in done.headers.get_list("set-cookie"))
    headers = bearer(done.json()["access_token"])
    assert client.get(STATUS, headers=headers).json()["required"] is True
    # From now on the code is asked, and it cannot be turned off.
    clock.set_clock(lambda: frozen + timedelta(seconds=30))
    challenge_of(sign_in(client, person))
    refused = client.post(f"{STATUS}/turn-off", json={"code": "123456"}, headers=headers)
    assert_problem(refused, 409)


def test_staff_are_not_asked_when_it_is_required(
    client: TestClient, staff: Person, required: None
) -> None:
    assert sign_in(client, staff).status_code == 200


def test_without_the_requirement_privileged_roles_sign_in_with_a_password(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    # The default outside production: the demo and the browser tests sign in this way.
    assert settings.auth.totp_required is None
    assert sign_in(client, make_person(engine, Role.admin)).status_code == 200


def test_the_operator_resets_a_lost_authenticator(
    client: TestClient, staff: Person, frozen: datetime
) -> None:
    from tests.test_cli import haven

    enrol(client, staff, frozen)
    result = haven("users", "reset-totp", "--email", staff.email.upper())
    assert result.returncode == 0, result.stdout + result.stderr
    assert sign_in(client, staff).status_code == 200  # no code asked any more
    assert haven("users", "reset-totp", "--email", staff.email).returncode == 1

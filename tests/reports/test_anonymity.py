"""Anonymity is proved, not promised: after anonymous reporting, every table and every log
line is searched for anything that could identify, locate or time the reporter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role, Scope
from haven.core import clock
from haven.core.db import new_session
from haven.core.settings import Settings
from haven.main import create_app
from haven.org import service as org_service
from haven.reports.receipts import new_receipt
from tests.core.test_http import assert_problem
from tests.factories.org import Person, make_api_key, make_person
from tests.factories.reports import (
    ANONYMOUS_MESSAGES,
    ANONYMOUS_REPORT,
    ANONYMOUS_REPORTS,
    ANONYMOUS_SESSION,
    anonymous_payload,
    bearer,
    report_url,
)
from tests.reports.conftest import LogCapture
from tests.reports.snapshot import (
    by_table,
    datetimes_in,
    dump,
    new_rows,
    text_of,
)

FORWARDED_FOR = "203.0.113.77"
PROXY_CHAIN = f"{FORWARDED_FOR}, 198.51.100.23"
USER_AGENT = "HavenProbe/9.1 (anonymity-check; ua-7f3a9c)"
TESTCLIENT_HOST = "testclient"
CLIENT_REQUEST_ID = "client-chosen-request-id-42"
RECEIPT_ALPHABET = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


@pytest.fixture
def addressed(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """A server whose operator opted in to client addresses in the access log
    (HAVEN_ACCESS_LOG_CLIENT_ADDRESS): anonymous requests must still leave none."""
    opted_in = settings.model_copy(update={"access_log_client_address": True})
    with TestClient(create_app(opted_in, engine), base_url="https://testserver") as client:
        yield client


@pytest.fixture
def organisation(engine: Engine) -> None:
    """The organisation's settings row exists, as in any running deployment: the dumps
    below then show exactly what anonymous reporting adds."""
    with new_session(engine) as db:
        org_service.get_organisation(db)
        db.commit()


@pytest.fixture
def frozen_noon() -> Iterator[datetime]:
    # Noon, so a time finer than the day would show as a non-midnight value.
    at = datetime(2026, 3, 10, 12, 34, 56, 789000, tzinfo=UTC)
    clock.set_clock(lambda: at)
    yield at
    clock.set_clock(None)


def identifying_headers(**extra: str) -> dict[str, str]:
    return {
        "User-Agent": USER_AGENT,
        "X-Forwarded-For": PROXY_CHAIN,
        "X-Real-IP": FORWARDED_FOR,
        "X-Request-ID": CLIENT_REQUEST_ID,
        **extra,
    }


class AnonymousJourney:
    """One anonymous reporter's whole journey, with every response kept."""

    def __init__(self, client: TestClient, department: uuid.UUID, **headers: str) -> None:
        self.responses: list[Any] = []
        sent = identifying_headers(**headers)
        submitted = client.post(
            ANONYMOUS_REPORTS, json=anonymous_payload(department, harm="mild"), headers=sent
        )
        assert submitted.status_code == 201, submitted.text
        self.responses.append(submitted)
        self.receipt: str = submitted.json()["receipt"]
        self.raw_receipt = self.receipt.replace("-", "")
        opened = client.post(
            ANONYMOUS_SESSION, json={"receipt": self.receipt}, headers=identifying_headers()
        )
        assert opened.status_code == 200, opened.text
        self.responses.append(opened)
        self.token: str = opened.json()["access_token"]
        self.report_id: str = opened.json()["report_id"]
        session_headers = {**identifying_headers(), **bearer(self.token)}
        for response in (
            client.get(ANONYMOUS_REPORT, headers=session_headers),
            client.post(
                ANONYMOUS_MESSAGES,
                json={"body": "I was the one who noticed the wet floor."},
                headers=session_headers,
            ),
            client.get(ANONYMOUS_MESSAGES, headers=session_headers),
            client.post(
                report_url(self.report_id, "/messages"),
                json={"body": "Sent through the report's own messages address."},
                headers=session_headers,
            ),
        ):
            assert response.status_code in (200, 201), response.text
            self.responses.append(response)

    @property
    def request_ids(self) -> list[str]:
        return [r.headers["x-request-id"] for r in self.responses]


def assert_absent(needle: str, haystack: str, where: str) -> None:
    assert needle.lower() not in haystack.lower(), f"{needle!r} found in {where}"


# --- what is stored ------------------------------------------------------------------------


def test_anonymous_submission_adds_exactly_one_report_row(
    client: TestClient, engine: Engine, department: uuid.UUID, organisation: None
) -> None:
    before = dump(engine)
    response = client.post(
        ANONYMOUS_REPORTS, json=anonymous_payload(department), headers=identifying_headers()
    )
    assert response.status_code == 201, response.text
    added = new_rows(before, dump(engine))
    # The report, and the weekly counts of its week and department (counts only).
    assert by_table(added) == {"reports": 1}


def test_anonymous_report_row_has_no_reporter_and_no_time_finer_than_the_day(
    client: TestClient,
    engine: Engine,
    department: uuid.UUID,
    organisation: None,
    frozen_noon: datetime,
) -> None:
    before = dump(engine)
    client.post(
        ANONYMOUS_REPORTS, json=anonymous_payload(department), headers=identifying_headers()
    )
    (row,) = [r for r in new_rows(before, dump(engine)) if r.table == "reports"]
    values = row.as_dict()
    assert values["reporter_id"] is None
    assert values["mode"] == "anonymous"
    assert datetimes_in(row) == {}
    assert values["submitted_on"] == frozen_noon.date()
    assert not isinstance(values["submitted_on"], datetime)


def test_anonymous_reporters_messages_keep_only_the_day(
    client: TestClient, engine: Engine, department: uuid.UUID, organisation: None
) -> None:
    journey = AnonymousJourney(client, department)
    message_rows = [r for r in dump(engine) if r.table == "report_messages"]
    assert len(message_rows) == 2
    for row in message_rows:
        assert row.as_dict()["author_id"] is None
        assert datetimes_in(row) == {}, row
    listed = client.get(ANONYMOUS_MESSAGES, headers=bearer(journey.token)).json()
    assert [m["created_at"] for m in listed] == [None, None]


def test_anonymous_journey_writes_no_audit_row(
    client: TestClient, engine: Engine, department: uuid.UUID, organisation: None
) -> None:
    before = dump(engine)
    AnonymousJourney(client, department)
    added = new_rows(before, dump(engine))
    assert by_table(added) == {"reports": 1, "report_messages": 2}


def test_no_client_address_is_stored_anywhere(
    client: TestClient, engine: Engine, department: uuid.UUID, organisation: None
) -> None:
    AnonymousJourney(client, department)
    stored = text_of(dump(engine))
    assert_absent(TESTCLIENT_HOST, stored, "the database")
    assert_absent(FORWARDED_FOR, stored, "the database")
    assert_absent("198.51.100.23", stored, "the database")


def test_no_client_address_is_logged(
    addressed: TestClient, department: uuid.UUID, organisation: None, captured: LogCapture
) -> None:
    AnonymousJourney(addressed, department)
    journey_text = captured.text
    addressed.get("/api/v1/health")
    assert TESTCLIENT_HOST in captured.text, "the access log is on and records addresses"
    assert_absent(TESTCLIENT_HOST, journey_text, "the logs")
    assert_absent(FORWARDED_FOR, journey_text, "the logs")


def test_no_user_agent_is_stored_or_logged(
    client: TestClient,
    engine: Engine,
    department: uuid.UUID,
    organisation: None,
    captured: LogCapture,
) -> None:
    AnonymousJourney(client, department)
    assert_absent("ua-7f3a9c", text_of(dump(engine)), "the database")
    assert_absent("ua-7f3a9c", captured.text, "the logs")


def test_receipt_is_stored_and_logged_nowhere_in_clear(
    client: TestClient,
    engine: Engine,
    department: uuid.UUID,
    organisation: None,
    captured: LogCapture,
) -> None:
    journey = AnonymousJourney(client, department)
    stored = text_of(dump(engine))
    for form in (journey.receipt, journey.raw_receipt, journey.raw_receipt[4:]):
        assert_absent(form, stored, "the database")
        assert_absent(form, captured.text, "the logs")


def test_session_token_is_stored_and_logged_nowhere(
    client: TestClient,
    engine: Engine,
    department: uuid.UUID,
    organisation: None,
    captured: LogCapture,
) -> None:
    journey = AnonymousJourney(client, department)
    signature = journey.token.rsplit(".", 1)[1]
    assert_absent(signature, text_of(dump(engine)), "the database")
    assert_absent(signature, captured.text, "the logs")


def test_request_ids_of_anonymous_requests_are_stored_and_logged_nowhere(
    client: TestClient,
    engine: Engine,
    department: uuid.UUID,
    organisation: None,
    captured: LogCapture,
) -> None:
    journey = AnonymousJourney(client, department)
    stored = text_of(dump(engine))
    assert len(set(journey.request_ids)) == len(journey.request_ids)
    for request_id in journey.request_ids:
        assert_absent(request_id, stored, "the database")
        assert_absent(request_id, captured.text, "the logs")


def test_anonymous_endpoints_ignore_a_client_chosen_request_id(
    client: TestClient,
    engine: Engine,
    department: uuid.UUID,
    organisation: None,
    captured: LogCapture,
) -> None:
    journey = AnonymousJourney(client, department)
    assert CLIENT_REQUEST_ID not in journey.request_ids
    assert_absent(CLIENT_REQUEST_ID, text_of(dump(engine)), "the database")
    assert_absent(CLIENT_REQUEST_ID, captured.text, "the logs")


def test_an_anonymous_journey_writes_no_log_line_at_all(
    client: TestClient, department: uuid.UUID, organisation: None, captured: LogCapture
) -> None:
    # Not even a day-stamped one: its place among timed lines would date it.
    AnonymousJourney(client, department)
    assert captured.records == []


def test_session_token_on_report_messages_is_logged_like_an_anonymous_endpoint(
    addressed: TestClient, department: uuid.UUID, organisation: None, captured: LogCapture
) -> None:
    journey = AnonymousJourney(addressed, department)
    captured.clear()
    response = addressed.get(
        report_url(journey.report_id, "/messages"),
        headers={**bearer(journey.token), "X-Request-ID": CLIENT_REQUEST_ID},
    )
    assert response.status_code == 200, response.text
    assert [line for line in captured.lines if journey.report_id in line] == []
    assert all(TESTCLIENT_HOST not in line for line in captured.lines)
    assert all(response.headers["x-request-id"] not in line for line in captured.lines)
    assert response.headers["x-request-id"] != CLIENT_REQUEST_ID


def test_a_staff_request_is_logged_with_its_address_and_request_id(
    addressed: TestClient, officer: Person, captured: LogCapture
) -> None:
    """The contrast that proves the log is on and the checks above can fail (on a server
    whose operator opted in to addresses; by default there are none at all)."""
    response = addressed.get("/api/v1/reports", headers=officer.headers)
    lines = [line for line in captured.lines if "/api/v1/reports" in line]
    assert lines and "client=testclient" in lines[0]
    assert response.headers["x-request-id"] in lines[0]


def test_anonymous_responses_are_not_cached_and_send_no_referrer(
    client: TestClient, department: uuid.UUID, organisation: None
) -> None:
    journey = AnonymousJourney(client, department)
    for response in journey.responses:
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_public_ids_are_random_uuids(
    client: TestClient, department: uuid.UUID, organisation: None
) -> None:
    ids = [uuid.UUID(AnonymousJourney(client, department).report_id) for _ in range(3)]
    assert {i.version for i in ids} == {4}
    assert len(set(ids)) == 3


def test_first_anonymous_report_of_a_new_deployment_writes_no_precise_time(
    client: TestClient, engine: Engine, department: uuid.UUID, frozen_noon: datetime
) -> None:
    before = dump(engine)
    response = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department))
    assert response.status_code == 201
    added = new_rows(before, dump(engine))
    assert [datetimes_in(r) for r in added if datetimes_in(r)] == []


# --- the receipt ---------------------------------------------------------------------------


def test_receipt_is_twenty_crockford_base32_characters_in_groups_of_four(
    client: TestClient, department: uuid.UUID
) -> None:
    receipt = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department)).json()["receipt"]
    groups = receipt.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4, 4]
    assert set("".join(groups)) <= RECEIPT_ALPHABET
    # 20 characters of a 32-letter alphabet: 100 bits; the 16 unstored ones alone are 80.
    assert len(RECEIPT_ALPHABET) ** 16 >= 2**80


def test_receipts_are_distinct_and_only_their_locator_is_stored(
    client: TestClient, engine: Engine, department: uuid.UUID
) -> None:
    receipts = [
        client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department)).json()["receipt"]
        for _ in range(25)
    ]
    raws = [r.replace("-", "") for r in receipts]
    assert len(set(raws)) == len(raws)
    rows = [r.as_dict() for r in dump(engine) if r.table == "reports"]
    assert sorted(r["receipt_locator"] for r in rows) == sorted(raw[:4] for raw in raws)
    stored = text_of(dump(engine)).upper()
    for raw in raws:
        assert raw[4:] not in stored
        # No eight consecutive characters of the unstored part, anywhere.
        for start in range(4, 13):
            assert raw[start : start + 8] not in stored


def test_receipt_characters_are_drawn_from_the_whole_alphabet_at_every_position() -> None:
    samples = [new_receipt()[0] for _ in range(3000)]
    assert all(len(s) == 20 for s in samples)
    for position in range(20):
        assert {s[position] for s in samples} == RECEIPT_ALPHABET


def test_receipt_is_stored_as_an_argon2id_hash_of_the_receipt(
    client: TestClient, engine: Engine, department: uuid.UUID
) -> None:
    receipt = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department)).json()["receipt"]
    (row,) = [r.as_dict() for r in dump(engine) if r.table == "reports"]
    assert row["receipt_hash"].startswith("$argon2id$")
    assert PasswordHasher().verify(row["receipt_hash"], receipt.replace("-", ""))


# --- signed in while reporting anonymously -------------------------------------------------


def _identity_needles(person: Person) -> list[str]:
    return [str(person.id), person.id.hex, person.email, person.email.split("@")[0]]


def _display_name(engine: Engine, person: Person) -> str:
    from haven.auth import service as auth_service

    with new_session(engine) as db:
        return auth_service.get_user(db, person.id).display_name


def test_signed_in_anonymous_submission_stores_nothing_of_the_person(
    client: TestClient,
    engine: Engine,
    department: uuid.UUID,
    organisation: None,
    captured: LogCapture,
) -> None:
    person = make_person(engine, Role.staff, department_id=department)
    name = _display_name(engine, person)
    before = dump(engine)
    response = client.post(
        ANONYMOUS_REPORTS,
        json=anonymous_payload(department),
        headers={**person.headers, "Idempotency-Key": "anon-key-1", **identifying_headers()},
    )
    assert response.status_code == 201, response.text
    added = new_rows(before, dump(engine))
    # No refresh token, no stored idempotent response, no audit row: the report alone
    # (and the weekly counts it adds to).
    assert by_table(added) == {"reports": 1}
    (row,) = [r for r in added if r.table == "reports"]
    assert row.as_dict()["reporter_id"] is None
    for needle in [*_identity_needles(person), name]:
        assert_absent(needle, text_of(added), "the new rows")
        assert_absent(needle, captured.text, "the logs")


def test_signed_in_anonymous_report_is_not_among_my_reports(
    client: TestClient, reporter: Person, department: uuid.UUID
) -> None:
    client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department), headers=reporter.headers)
    mine = client.get("/api/v1/reports/mine", headers=reporter.headers)
    assert mine.status_code == 200
    assert mine.json()["items"] == []


def test_safety_officer_sees_no_reporter_of_an_anonymous_report_submitted_while_signed_in(
    client: TestClient, reporter: Person, officer: Person, department: uuid.UUID
) -> None:
    client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department), headers=reporter.headers)
    (item,) = client.get("/api/v1/reports", headers=officer.headers).json()["items"]
    detail = client.get(report_url(item["id"]), headers=officer.headers).json()
    assert detail["reporter"] is None
    assert detail["source"] == "anonymous"
    assert str(reporter.id) not in str(detail)


# --- the organisation's setting -----------------------------------------------------------


def _disallow_without_account(client: TestClient, admin: Person) -> None:
    current = client.get("/api/v1/organisation", headers=admin.headers)
    response = client.patch(
        "/api/v1/organisation",
        json={"allow_anonymous_without_account": False},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["allow_anonymous_without_account"] is False


def test_anonymous_submission_without_an_account_is_open_by_default(
    client: TestClient, department: uuid.UUID
) -> None:
    response = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department))
    assert response.status_code == 201


def test_when_disallowed_anonymous_submission_without_a_token_is_401(
    client: TestClient, engine: Engine, admin: Person, department: uuid.UUID
) -> None:
    _disallow_without_account(client, admin)
    before = dump(engine)
    response = client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department))
    assert_problem(response, 401)
    assert "reports" not in by_table(new_rows(before, dump(engine)))


def test_when_disallowed_a_staff_token_may_submit_and_is_still_not_stored(
    client: TestClient,
    engine: Engine,
    admin: Person,
    reporter: Person,
    department: uuid.UUID,
    captured: LogCapture,
) -> None:
    _disallow_without_account(client, admin)
    name = _display_name(engine, reporter)
    before = dump(engine)
    response = client.post(
        ANONYMOUS_REPORTS,
        json=anonymous_payload(department),
        headers={**reporter.headers, **identifying_headers()},
    )
    assert response.status_code == 201, response.text
    added = new_rows(before, dump(engine))
    assert by_table(added) == {"reports": 1}
    for needle in [*_identity_needles(reporter), name]:
        assert_absent(needle, text_of(added), "the new rows")
        assert_absent(needle, captured.text, "the logs")


@pytest.mark.parametrize("credential", ["api_key", "report_session", "garbage"])
def test_when_disallowed_only_a_persons_token_opens_anonymous_submission(
    client: TestClient, engine: Engine, admin: Person, department: uuid.UUID, credential: str
) -> None:
    token = {
        "api_key": lambda: make_api_key(engine, [Scope.reports_write]),
        "report_session": lambda: client.post(
            ANONYMOUS_SESSION,
            json={
                "receipt": client.post(
                    ANONYMOUS_REPORTS, json=anonymous_payload(department)
                ).json()["receipt"]
            },
        ).json()["access_token"],
        "garbage": lambda: "not-a-token",
    }[credential]()
    _disallow_without_account(client, admin)
    response = client.post(
        ANONYMOUS_REPORTS, json=anonymous_payload(department), headers=bearer(token)
    )
    assert_problem(response, 401)


def test_api_key_sees_no_receipt_fields(
    client: TestClient, engine: Engine, department: uuid.UUID
) -> None:
    client.post(ANONYMOUS_REPORTS, json=anonymous_payload(department))
    key = make_api_key(engine, [Scope.reports_read])
    (item,) = client.get("/api/v1/reports", headers=bearer(key)).json()["items"]
    detail = client.get(report_url(item["id"]), headers=bearer(key)).json()
    assert not {"receipt", "receipt_hash", "receipt_locator"} & set(detail)
    assert detail["reporter"] is None

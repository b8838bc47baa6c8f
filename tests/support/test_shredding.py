"""Purge means gone: support free text is sealed under per-record keys held apart from the
rows, and purging destroys the key (crypto-shredding). Proved on the database files
themselves: SQLite's main file, ``-wal`` and ``-shm``; PostgreSQL's whole data directory,
WAL included, after a CHECKPOINT."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.db import new_session
from haven.core.migrate import downgrade, upgrade
from haven.core.settings import (
    ConfigurationError,
    Environment,
    Settings,
    SupportSettings,
)
from haven.jobs import run_due_jobs
from haven.support import sealing, service
from haven.support.models import (
    SupportEncounter,
    SupportFeedback,
    SupportRecordKey,
    SupportRequest,
)
from haven.support.schemas import SupportFeedbackCreate
from tests.conftest import database_url, is_postgres
from tests.factories.org import Person, access_token_for, make_person
from tests.factories.support import close_request, log_encounter, make_request, make_supporter
from tests.support.conftest import NOTE_KEY
from tests.test_cli import haven

P = "/api/v1/support"
START = datetime.now(UTC).replace(second=0, microsecond=0)
KEK_A = "kek-a-for-tests-only-0123456789abcdefghijkl"
KEK_B = "kek-b-for-tests-only-0123456789abcdefghijkl"


@pytest.fixture
def moved_clock() -> Iterator[list[datetime]]:
    now = [START]
    clock.set_clock(lambda: now[0])
    yield now


def _marker() -> str:
    # Short and random: PostgreSQL compresses long values, which would hide a long marker.
    return "mk" + secrets.token_hex(5)


def _headers(person: Person) -> dict[str, str]:
    """A token minted on Haven's (moved) clock."""
    return {"Authorization": f"Bearer {access_token_for(person.id)}"}


def _ok(response: object, status: int = 200) -> object:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    return response.json() if status != 204 else None  # type: ignore[attr-defined]


# --- the database files ---------------------------------------------------------------------


def _database_files(engine: Engine) -> list[Path]:
    """Every file the database keeps its data in, flushed first."""
    if is_postgres():
        with engine.connect() as conn:
            conn.execute(sa.text("CHECKPOINT"))
            data_dir = Path(conn.execute(sa.text("SHOW data_directory")).scalar_one())
        assert data_dir.is_dir() and os.access(data_dir, os.R_OK), (
            f"the PostgreSQL data directory must be readable by the tests: {data_dir}"
        )
        files = [p for p in data_dir.rglob("*") if p.is_file()]
        assert any(p.parent.name == "pg_wal" for p in files), "no WAL segment was found"
        return files
    main = Path(str(engine.url.database))
    files = [main, main.with_name(main.name + "-wal"), main.with_name(main.name + "-shm")]
    assert main.is_file() and files[1].is_file()
    return [p for p in files if p.is_file()]


# Reads the files in a process of its own: SQLite's locks are POSIX advisory locks, which
# a process loses on *every* descriptor of the file the moment it closes any one of them,
# so reading the live database files from the test process would break its connections.
_SCAN = """
import json, sys
job = json.load(sys.stdin)
needles = {name: bytes.fromhex(hexed) for name, hexed in job["needles"].items()}
found = set()
for path in job["paths"]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, IsADirectoryError):  # a temporary file that went away
        continue
    found.update(name for name, needle in needles.items() if needle in data)
print(json.dumps(sorted(found)))
"""


def _found_in_files(engine: Engine, needles: dict[str, bytes]) -> set[str]:
    """Which needles appear anywhere in the database's files."""
    job = {
        "paths": [str(p) for p in _database_files(engine)],
        "needles": {name: needle.hex() for name, needle in needles.items()},
    }
    scan = subprocess.run(
        [sys.executable, "-c", _SCAN],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return set(json.loads(scan.stdout))


def _text_needles(**texts: str) -> dict[str, bytes]:
    return {name: text.encode() for name, text in texts.items()}


# --- the promise, end to end ---------------------------------------------------------------


@pytest.mark.usefixtures("private_notes")
def test_purged_support_text_is_in_no_database_file(
    engine: Engine, client: TestClient, moved_clock: list[datetime]
) -> None:
    supporter = make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    coordinator = make_person(engine, Role.support_coordinator)
    marks = {
        "contact": _marker(),
        "times": _marker(),
        "note": _marker(),
        "comment": _marker(),
    }
    body = json.dumps(
        {"urgency": "soon", "contact_details": marks["contact"], "preferred_times": marks["times"]}
    ).encode()
    created = client.post(
        f"{P}/requests",
        content=body,
        headers={
            **nurse.headers,
            "Content-Type": "application/json",
            "Idempotency-Key": "shred-request",
        },
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    logged = client.post(
        f"{P}/requests/{request_id}/encounters",
        json={
            "occurred_at": (clock.now() - timedelta(minutes=5)).isoformat(),
            "minutes": 20,
            "channel": "phone",
            "tier": 2,
            "outcome": "resolved",
            "private_note": marks["note"],
        },
        headers={**supporter.headers, "Idempotency-Key": "shred-encounter"},
    )
    assert logged.status_code == 201, logged.text
    # The answer to logging is kept a day for replays: it never carries the note.
    assert logged.json()["private_note"] is None and logged.json()["note_expires_at"]
    encounter_id = logged.json()["id"]

    # Before the purge, each text is read by whoever may read it, and by nobody else.
    for person in (nurse, supporter):
        seen = _ok(client.get(f"{P}/requests/{request_id}", headers=person.headers))
        assert (seen["contact_details"], seen["preferred_times"]) == (  # type: ignore[index]
            marks["contact"],
            marks["times"],
        )
    board = _ok(client.get(f"{P}/requests/{request_id}", headers=coordinator.headers))
    assert "contact_details" not in board and "preferred_times" not in board  # type: ignore[operator]
    notes_seen = {
        who: _ok(client.get(f"{P}/requests/{request_id}/encounters", headers=p.headers))[0][  # type: ignore[index]
            "private_note"
        ]
        for who, p in (("supporter", supporter), ("nurse", nurse), ("coordinator", coordinator))
    }
    assert notes_seen == {"supporter": marks["note"], "nurse": None, "coordinator": None}

    _ok(
        client.post(
            f"{P}/requests/{request_id}/transitions",
            json={"to": "closed"},
            headers={**nurse.headers, "If-Match": "*"},
        )
    )
    _ok(
        client.post(
            f"{P}/requests/{request_id}/feedback",
            json={"helpful": 5, "comment": marks["comment"]},
            headers={**nurse.headers, "Idempotency-Key": "shred-feedback"},
        ),
        204,
    )
    for _ in range(4):  # coordinators see comments only among at least five answers
        other = make_person(engine, Role.staff)
        other_id = make_request(engine, other)
        close_request(engine, other, other_id)
        with new_session(engine) as session:
            service.give_feedback(
                session, other.principal, request_id=other_id, data=SupportFeedbackCreate(helpful=4)
            )
            session.commit()
    # feedback is summed over months that have ended: look from the first of the next
    next_month = (START.date().replace(day=1) + timedelta(days=32)).replace(day=1)
    moved_clock[0] = datetime.combine(next_month, START.timetz())
    summary = _ok(client.get(f"{P}/feedback/summary", headers=_headers(coordinator)))
    assert summary["comments"] == [marks["comment"]]  # type: ignore[index]

    # The keys as they are now: unwrapped here (only here) to be looked for later.
    with new_session(engine) as session:
        feedback_id = session.exec(
            select(SupportFeedback.id).where(col(SupportFeedback.comment_sealed).is_not(None))
        ).one()
        record_ids = {
            "request": uuid.UUID(request_id),
            "encounter": uuid.UUID(encounter_id),
            "feedback": feedback_id,
        }
        data_keys = {}
        wrapped = {}
        for name, record_id in record_ids.items():
            key_row = session.get(SupportRecordKey, record_id)
            assert key_row is not None
            wrapped[f"wrapped {name} key"] = bytes(key_row.wrapped_key)
            data_key = sealing.data_key(session, record_id)
            assert data_key is not None and len(data_key) == 32
            data_keys[f"{name} data key"] = data_key
        request_row = session.get(SupportRequest, uuid.UUID(request_id))
        encounter_row = session.get(SupportEncounter, uuid.UUID(encounter_id))
        assert request_row is not None and encounter_row is not None
        sealed_texts = _text_needles(
            **{
                "sealed contact": str(request_row.contact_details_sealed),
                "sealed note": str(encounter_row.note_sealed),
            }
        )

    # Encrypted at rest: no text and no data key is in any file, even before the purge; nor
    # a plain hash of the request that carried the text (the idempotency record keeps one
    # for a day), with which a guess of the contact details could be confirmed offline.
    guess = hashlib.sha256(f"POST {P}/requests\n".encode() + body).hexdigest()
    assert (
        _found_in_files(
            engine, {**_text_needles(**marks), **data_keys, "hash of the request": guess.encode()}
        )
        == set()
    )

    # Past the retention period, the jobs run as `haven jobs run-once` runs them.
    moved_clock[0] = START + timedelta(days=31)
    results = run_due_jobs(engine)
    assert results["support_requests_purged"] == 5
    assert results["support_notes_purged"] == 1
    assert results["support_feedback_comments_purged"] == 1
    assert all(count >= 0 for count in results.values()), results

    with new_session(engine) as session:
        for record_id in record_ids.values():
            assert session.get(SupportRecordKey, record_id) is None
        assert session.exec(select(SupportRecordKey)).all() == []
    needles = {**_text_needles(**marks), **data_keys}
    if not is_postgres():
        # secure_delete and the checkpoint leave not even the wrapped keys or the sealed text.
        needles |= wrapped | sealed_texts
    assert _found_in_files(engine, needles) == set()

    # The API answers for purged records are what they were before crypto-shredding.
    for person in (nurse, supporter):
        gone = client.get(f"{P}/requests/{request_id}", headers=_headers(person))
        assert gone.status_code == 404
    board = _ok(client.get(f"{P}/requests/{request_id}", headers=_headers(coordinator)))
    assert "contact_details" not in board and "preferred_times" not in board  # type: ignore[operator]
    assert board["status"] == "closed" and board["supporter_id"] is None  # type: ignore[index]
    summary = _ok(client.get(f"{P}/feedback/summary", headers=_headers(coordinator)))
    assert summary["answers"] == 5 and summary["comments"] == []  # type: ignore[index]


@pytest.mark.skipif(is_postgres(), reason="SQLite pragmas; PostgreSQL has its own test above")
def test_every_sqlite_connection_deletes_securely(engine: Engine) -> None:
    with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1


def test_a_purge_that_removes_nothing_asks_for_no_checkpoint(engine: Engine) -> None:
    with new_session(engine) as session:
        assert sealing.shred(session, [uuid.uuid4()]) == 0
        assert not session.info.get("haven.db.checkpoint_asked")
        session.rollback()


# --- sealed text does not move --------------------------------------------------------------


def test_sealed_text_moved_to_another_request_does_not_open(
    engine: Engine, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_supporter(engine, capacity=5)
    alice, bob = make_person(engine, Role.staff), make_person(engine, Role.staff)
    secret, own = _marker(), _marker()
    alice_request = make_request(engine, alice, contact_details=secret)
    bob_request = make_request(engine, bob, contact_details=own, preferred_times="evenings")
    table = SupportRequest.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        stolen = conn.execute(
            sa.select(table.c.contact_details_sealed).where(table.c.id == alice_request)
        ).scalar_one()
        # An insider with write access copies Alice's ciphertext onto Bob's row, and onto
        # Bob's other field: Bob's key is a different key, and the field is bound in.
        conn.execute(
            table.update()
            .where(table.c.id == bob_request)
            .values(contact_details_sealed=stolen, preferred_times_sealed=stolen)
        )
    seen = _ok(client.get(f"{P}/requests/{bob_request}", headers=bob.headers))
    assert seen["contact_details"] is None and seen["preferred_times"] is None  # type: ignore[index]
    assert secret not in json.dumps(seen) and secret not in caplog.text
    assert "could not be opened" in caplog.text
    # Even under Alice's own key, her text does not open as another field.
    with new_session(engine) as session, pytest.raises(sealing.TextUnavailable):
        sealing.open_text(
            session,
            record_id=alice_request,
            field=sealing.SealedField.preferred_times,
            sealed=stolen,
        )


def test_a_wrapped_key_moved_to_another_record_does_not_unwrap(engine: Engine) -> None:
    alice, bob = make_person(engine, Role.staff), make_person(engine, Role.staff)
    make_supporter(engine, capacity=5)
    alice_request = make_request(engine, alice, contact_details=_marker())
    bob_request = make_request(engine, bob, contact_details=_marker())
    keys = SupportRecordKey.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        alice_key = conn.execute(
            sa.select(keys.c.wrapped_key).where(keys.c.id == alice_request)
        ).scalar_one()
        conn.execute(keys.update().where(keys.c.id == bob_request).values(wrapped_key=alice_key))
    with new_session(engine) as session, pytest.raises(sealing.TextUnavailable):
        sealing.data_key(session, bob_request)


def test_a_request_without_free_text_has_no_key(engine: Engine) -> None:
    make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    with new_session(engine) as session:
        assert session.get(SupportRecordKey, request_id) is None


# --- feedback comments -----------------------------------------------------------------------


def test_a_feedback_comment_is_purged_with_its_key_after_the_retention_period(
    engine: Engine, moved_clock: list[datetime]
) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    close_request(engine, nurse, request_id)
    comment = _marker()
    with new_session(engine) as session:
        service.give_feedback(
            session,
            nurse.principal,
            request_id=request_id,
            data=SupportFeedbackCreate(helpful=3, comment=comment),
        )
        session.commit()
        (row,) = session.exec(select(SupportFeedback)).all()
        key_row = session.get(SupportRecordKey, row.id)
        assert key_row is not None and key_row.created_on == row.given_on  # a day, no finer
    moved_clock[0] = START + timedelta(days=29)
    assert run_due_jobs(engine)["support_feedback_comments_purged"] == 0
    moved_clock[0] = START + timedelta(days=31)
    assert run_due_jobs(engine)["support_feedback_comments_purged"] == 1
    with new_session(engine) as session:
        (row,) = session.exec(select(SupportFeedback)).all()
        assert row.comment_sealed is None and row.helpful == 3
        assert session.get(SupportRecordKey, row.id) is None


# --- key-encryption keys ---------------------------------------------------------------------


def _use_keyring(settings: Settings, monkeypatch: pytest.MonkeyPatch, ring: str) -> None:
    monkeypatch.setattr(settings.support, "record_key", SecretStr(ring))


def _contact(engine: Engine, person: Person, request_id: uuid.UUID) -> str | None:
    with new_session(engine) as session:
        return service.get_request(session, person.principal, request_id=request_id).contact_details


def test_rewrap_moves_every_key_to_the_new_kek_so_the_old_one_can_be_destroyed(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_supporter(engine, capacity=5)
    nurse = make_person(engine, Role.staff)
    _use_keyring(settings, monkeypatch, KEK_A)
    old_text = _marker()
    old = make_request(engine, nurse, contact_details=old_text)
    _use_keyring(settings, monkeypatch, f"{KEK_B},{KEK_A}")
    new_text = _marker()
    new = make_request(engine, nurse, contact_details=new_text)  # wrapped under B at once
    assert (_contact(engine, nurse, old), _contact(engine, nurse, new)) == (old_text, new_text)

    result = haven("support", "rewrap-keys", env={"HAVEN_SUPPORT_RECORD_KEY": f"{KEK_B},{KEK_A}"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"already_current": 1, "rewrapped": 1, "unreadable": 0}

    _use_keyring(settings, monkeypatch, KEK_B)  # A is gone
    assert (_contact(engine, nurse, old), _contact(engine, nurse, new)) == (old_text, new_text)
    _use_keyring(settings, monkeypatch, KEK_A)  # what a copy made before the rotation needs
    assert (_contact(engine, nurse, old), _contact(engine, nurse, new)) == (None, None)


def test_rewrap_reports_keys_that_no_configured_kek_opens(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    _use_keyring(settings, monkeypatch, KEK_A)
    make_request(engine, nurse, contact_details=_marker())
    result = haven("support", "rewrap-keys", env={"HAVEN_SUPPORT_RECORD_KEY": KEK_B})
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"already_current": 0, "rewrapped": 0, "unreadable": 1}


def test_the_keyring_setting_refuses_weak_or_repeated_keys() -> None:
    for ring in ("short", f"{KEK_A},short", f"{KEK_A},{KEK_A}", " , "):
        with pytest.raises(ConfigurationError):
            SupportSettings(record_key=SecretStr(ring)).check()
    SupportSettings(record_key=SecretStr(f"{KEK_B}, {KEK_A}")).check()
    assert SupportSettings(record_key=SecretStr(f"{KEK_B}, {KEK_A}")).record_keyring() == [
        KEK_B,
        KEK_A,
    ]


def test_production_needs_its_own_record_key(tmp_path: Path) -> None:
    secret = "s" * 48

    def production(**support: object) -> Settings:
        return Settings(
            var_dir=tmp_path,
            env=Environment.production,
            secret_key=SecretStr(secret),
            support=SupportSettings(**support),  # type: ignore[arg-type]
        )

    with pytest.raises(ConfigurationError, match="HAVEN_SUPPORT_RECORD_KEY must be set"):
        production().check_safe_to_serve()
    with pytest.raises(ConfigurationError, match="must differ from HAVEN_SECRET_KEY"):
        production(record_key=SecretStr(f"{KEK_A},{secret}")).check_safe_to_serve()
    try:
        production(record_key=SecretStr(KEK_A)).check_safe_to_serve()
    except ConfigurationError as exc:  # another part of the configuration, not this one
        assert "HAVEN_SUPPORT_RECORD_KEY" not in str(exc)


def test_production_never_derives_a_record_key_from_the_secret_key(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "env", Environment.production)
    monkeypatch.setattr(settings.support, "record_key", None)
    with new_session(engine) as session, pytest.raises(ConfigurationError):
        sealing.seal_texts(
            session, record_id=uuid.uuid4(), texts={sealing.SealedField.comment: "x"}
        )


# --- upgrading a database that holds plaintext ---------------------------------------------


def _v1_note_opens(stored: str, encounter_id: uuid.UUID, author_id: uuid.UUID) -> str:
    """The private note as sealed before revision 0011 (under HAVEN_SUPPORT_NOTE_KEY)."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"haven.support.private-note.v1"
    ).derive(NOTE_KEY.encode())
    raw = base64.urlsafe_b64decode(stored[3:].encode())
    associated = b"haven.support.note|" + encounter_id.bytes + author_id.bytes
    return AESGCM(key).decrypt(raw[:12], raw[12:], associated).decode()


@pytest.mark.usefixtures("private_notes")
def test_migration_0011_seals_the_text_already_stored_and_its_downgrade_opens_it(
    engine: Engine,
) -> None:
    supporter = make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    marks = {name: _marker() for name in ("contact", "times", "note", "comment", "late")}
    request_id = make_request(
        engine, nurse, contact_details=marks["contact"], preferred_times=marks["times"]
    )
    encounter_id = log_encounter(engine, supporter, request_id, private_note=marks["note"])
    close_request(engine, nurse, request_id)
    with new_session(engine) as session:
        service.give_feedback(
            session,
            nurse.principal,
            request_id=request_id,
            data=SupportFeedbackCreate(helpful=4, comment=marks["comment"]),
        )
        session.commit()
    url = database_url()
    try:
        downgrade(url, "0010")
        with engine.begin() as conn:
            row = conn.execute(
                sa.text("SELECT contact_details, preferred_times FROM support_requests")
            ).one()
            assert tuple(row) == (marks["contact"], marks["times"])
            feedback_id, comment = conn.execute(
                sa.text("SELECT id, comment FROM support_feedback")
            ).one()
            assert comment == marks["comment"]
            note = conn.execute(sa.text("SELECT note_sealed FROM support_encounters")).scalar_one()
            assert note.startswith("v1.")
            assert _v1_note_opens(note, encounter_id, supporter.id) == marks["note"]
            assert "support_record_keys" not in sa.inspect(conn).get_table_names()
            # Plaintext written by the older code, straight into the table.
            conn.execute(sa.text("UPDATE support_feedback SET comment = :c"), {"c": marks["late"]})
        upgrade(url)
    finally:
        engine.dispose()  # pooled connections may hold plans for the old columns
        upgrade(url)

    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("support_requests")}
        assert "contact_details" not in columns and "preferred_times" not in columns
        stored = " ".join(
            str(v)
            for table in ("support_requests", "support_encounters", "support_feedback")
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            for v in row
        )
    assert not any(mark in stored for mark in marks.values())
    assert _contact(engine, nurse, request_id) == marks["contact"]
    with new_session(engine) as session:
        (encounter,) = service.list_encounters(
            session, supporter.person.principal, request_id=request_id
        )
        request_row = session.get(SupportRequest, request_id)
        assert request_row is not None
        feedback_row = session.get(SupportFeedback, uuid.UUID(str(feedback_id)))
        assert feedback_row is not None
        opened = [
            sealing.open_text(
                session,
                record_id=request_id,
                field=sealing.SealedField.contact_details,
                sealed=request_row.contact_details_sealed,
            ),
            sealing.open_text(
                session,
                record_id=request_id,
                field=sealing.SealedField.preferred_times,
                sealed=request_row.preferred_times_sealed,
            ),
            encounter.private_note,
            sealing.open_text(
                session,
                record_id=feedback_row.id,
                field=sealing.SealedField.comment,
                sealed=feedback_row.comment_sealed,
            ),
        ]
    assert opened == [marks["contact"], marks["times"], marks["note"], marks["late"]]

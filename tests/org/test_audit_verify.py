"""GET /api/v1/audit/verify: the chain checked with its key and against its anchors, as the
auditor sees it (the attacks one by one: tests/core/test_audit_anchors.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role
from haven.core import audit
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.core.settings import get_settings
from tests.factories.org import Person, make_person

API = "/api/v1"


@pytest.fixture
def admin(engine: Engine) -> Person:
    return make_person(engine, Role.admin)


@pytest.fixture
def auditor(engine: Engine) -> Person:
    return make_person(engine, Role.auditor)


def _departments(client: TestClient, admin: Person, n: int) -> None:
    for _ in range(n):
        code = uuid.uuid4().hex[:8]
        response = client.post(
            f"{API}/departments", json={"name": f"Ward {code}", "code": code}, headers=admin.headers
        )
        assert response.status_code == 201, response.text


def _verify(client: TestClient, auditor: Person) -> dict[str, Any]:
    response = client.get(f"{API}/audit/verify", headers=auditor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _anchor(engine: Engine) -> int:
    written = audit.write_anchor(engine).written
    assert written is not None
    return written.seq


def _head(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT last_seq FROM audit_head")).scalar_one())


def test_the_verification_reports_the_anchors(
    client: TestClient, engine: Engine, admin: Person, auditor: Person
) -> None:
    _departments(client, admin, 2)
    anchored = _anchor(engine)
    _departments(client, admin, 1)
    body = _verify(client, auditor)
    assert body["ok"] is True and body["chain_ok"] is True and body["anchors_ok"] is True
    assert body["checked"] == _head(engine) and body["first_broken_seq"] is None
    assert (body["anchors_checked"], body["last_anchor_seq"]) == (1, anchored)
    assert body["unanchored_rows"] == _head(engine) - anchored == 1
    assert body["last_anchor_at"] is not None
    assert body["reason"] is None and body["anchor_reason"] is None


def test_a_chain_with_no_anchor_yet_verifies_and_says_so(
    client: TestClient, admin: Person, auditor: Person, engine: Engine
) -> None:
    _departments(client, admin, 1)
    body = _verify(client, auditor)
    assert body["ok"] is True
    assert (body["anchors_checked"], body["last_anchor_seq"], body["last_anchor_at"]) == (
        0,
        None,
        None,
    )
    assert body["unanchored_rows"] == _head(engine)


def test_the_verification_detects_rows_removed_from_the_end(
    client: TestClient, engine: Engine, admin: Person, auditor: Person
) -> None:
    _departments(client, admin, 3)
    anchored = _anchor(engine)
    keep = anchored - 2
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep})
        conn.execute(
            sa.text(
                "UPDATE audit_head SET last_seq = :s, "
                "last_hash = (SELECT hash FROM audit_events WHERE seq = :s) WHERE id = 1"
            ),
            {"s": keep},
        )
    body = _verify(client, auditor)
    assert body["ok"] is False and body["chain_ok"] is True and body["anchors_ok"] is False
    assert body["first_broken_seq"] == keep + 1
    assert body["reason"] == body["anchor_reason"]
    assert f"ends at row {keep}" in body["anchor_reason"]


def test_the_verification_detects_a_tail_recomputed_with_the_key(
    client: TestClient, engine: Engine, admin: Person, auditor: Person
) -> None:
    _departments(client, admin, 2)
    anchored = _anchor(engine)
    with new_session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.seq) >= 2).order_by(col(AuditEvent.seq))
        ).all()
        prev = rows[0].prev_hash
        rows[0].actor_id = uuid.uuid4()  # someone else did it
        for row in rows:
            row.prev_hash = prev
            row.hash = audit.row_hash(row)
            prev = row.hash
            session.add(row)
        session.execute(sa.text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
        session.commit()
    body = _verify(client, auditor)
    assert body["ok"] is False and body["chain_ok"] is True
    assert f"row {anchored} does not match the anchor" in body["reason"]


def test_the_verification_reports_an_edited_or_removed_anchor_file(
    client: TestClient, engine: Engine, admin: Person, auditor: Person
) -> None:
    path = get_settings().audit.anchor_file
    assert path is not None
    _departments(client, admin, 1)
    _anchor(engine)
    line = json.loads(path.read_text())
    line["at"] = "2026-01-01T00:00:00.000000+00:00"
    path.write_text(json.dumps(line) + "\n")
    body = _verify(client, auditor)
    assert body["ok"] is False and body["anchors_ok"] is False
    assert body["anchor_reason"] == (
        "anchor line 1 has a signature that does not check (the line was edited)"
    )
    path.unlink()
    body = _verify(client, auditor)
    assert body["ok"] is False and body["anchors_checked"] == 0
    assert body["anchor_reason"].startswith("the anchor file is missing, yet the chain records 1")


def test_only_the_auditor_may_verify(client: TestClient, admin: Person) -> None:
    response = client.get(f"{API}/audit/verify", headers=admin.headers)
    assert response.status_code == 403

"""`haven audit anchor`, `haven audit verify` and `haven audit keygen`, run as an operator
would (a real process, the real environment)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from haven.core import audit
from haven.core.db import new_session
from haven.core.security import Principal
from haven.core.settings import decode_key32, get_settings
from tests.test_cli import haven


def _append(engine: Engine, n: int) -> None:
    actor = Principal(kind="user", id=uuid.uuid4(), roles=frozenset({"admin"}))
    with new_session(engine) as session:
        for _ in range(n):
            audit.record_event(
                session, actor, action="thing.read", object_type="thing", object_id=uuid.uuid4()
            )
        session.commit()


def _anchor_file() -> Path:
    path = get_settings().audit.anchor_file
    assert path is not None
    return path


def test_anchor_then_verify_an_intact_chain(engine: Engine) -> None:
    _append(engine, 3)
    anchored = haven("audit", "anchor")
    assert anchored.returncode == 0, anchored.stderr
    assert "Anchored the audit chain at row 4" in anchored.stdout
    again = haven("audit", "anchor")
    assert again.returncode == 0 and "Nothing to anchor: nothing changed" in again.stdout
    verified = haven("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Audit chain: intact, 4 row(s) checked with the audit key." in verified.stdout
    assert "the last at row 4" in verified.stdout


def test_verify_exits_1_when_rows_were_removed_from_the_end(engine: Engine) -> None:
    _append(engine, 3)
    assert haven("audit", "anchor").returncode == 0
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq > 2"))
        conn.execute(
            sa.text(
                "UPDATE audit_head SET last_seq = 2, "
                "last_hash = (SELECT hash FROM audit_events WHERE seq = 2) WHERE id = 1"
            )
        )
    verified = haven("audit", "verify", "--json")
    assert verified.returncode == 1
    body = json.loads(verified.stdout)
    assert body["ok"] is False and body["chain_ok"] is True and body["first_broken_seq"] == 3
    assert "ends at row 2" in body["anchor_reason"]
    refused = haven("audit", "anchor")
    assert refused.returncode == 1 and "Not anchored" in refused.stderr


def test_verify_exits_1_when_a_row_was_forged_without_the_key(engine: Engine) -> None:
    _append(engine, 2)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 1"))
    verified = haven("audit", "verify")
    assert verified.returncode == 1
    assert "Audit chain: BROKEN at row 1" in verified.stdout


def test_verify_checks_a_copy_of_the_anchors_with_a_public_key(
    engine: Engine, tmp_path: Path
) -> None:
    _append(engine, 2)
    assert haven("audit", "anchor").returncode == 0
    copy = tmp_path / "anchors-from-syslog.log"
    copy.write_text(f"Dec  4 09:00:00 app1 haven-audit-anchor: {_anchor_file().read_text()}")
    public = get_settings().audit_anchor_public_key()
    assert public is not None
    key = audit.encode_key(public.public_bytes_raw())
    # "=": a base64url key may start with "-", which would read as an option
    ok = haven("audit", "verify", "--anchor-file", str(copy), f"--public-key={key}")
    assert ok.returncode == 0, ok.stdout
    stranger = haven("audit", "keygen").stdout
    other_key = next(
        line.split("=", 1)[1] for line in stranger.splitlines() if "PUBLIC_KEY=" in line
    )
    refused = haven("audit", "verify", "--anchor-file", str(copy), f"--public-key={other_key}")
    assert refused.returncode == 1 and "signed with another key" in refused.stdout


def test_keygen_prints_a_key_and_a_matching_anchor_key_pair() -> None:
    result = haven("audit", "keygen")
    assert result.returncode == 0
    values = dict(
        line.split("=", 1) for line in result.stdout.splitlines() if not line.startswith("#")
    )
    assert set(values) == {
        "HAVEN_AUDIT_KEY",
        "HAVEN_AUDIT_ANCHOR_SIGNING_KEY",
        "HAVEN_AUDIT_ANCHOR_PUBLIC_KEY",
    }
    assert len(values["HAVEN_AUDIT_KEY"]) >= 32
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(
        decode_key32(values["HAVEN_AUDIT_ANCHOR_SIGNING_KEY"], "signing")
    )
    assert private.public_key().public_bytes_raw() == decode_key32(
        values["HAVEN_AUDIT_ANCHOR_PUBLIC_KEY"], "public"
    )

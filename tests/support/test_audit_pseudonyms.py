"""The audit log's pseudonyms of support records have a key of their own
(``HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY``): rotating the token signing key renames nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from haven.auth.schemas import Role
from haven.core.db import new_session
from haven.core.models import AuditEvent
from haven.core.settings import ConfigurationError, Environment, Settings, SupportSettings
from haven.support import notes, service
from haven.support.schemas import CoordinatorRequestRead
from tests.core.test_audit_settings import production_audit
from tests.factories.org import make_person
from tests.factories.support import make_request, make_supporter

PSEUDONYM_KEY = "p" * 48
RECORD_KEY = "r" * 48


def _settings(tmp_path: Path, secret: str, pseudonym_key: str | None = PSEUDONYM_KEY) -> Settings:
    return Settings(
        var_dir=tmp_path,
        secret_key=SecretStr(secret),
        support=SupportSettings(
            audit_pseudonym_key=SecretStr(pseudonym_key) if pseudonym_key else None
        ),
    )


def test_rotating_the_token_signing_key_keeps_a_requests_audit_pseudonym(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_supporter(engine)
    coordinator = make_person(engine, Role.support_coordinator)
    request_id = make_request(engine, make_person(engine, Role.staff))
    shown, audited = [], []
    for secret in ("a" * 48, "b" * 48):  # the signing key, before and after its rotation
        current = _settings(tmp_path, secret)
        monkeypatch.setattr(notes, "get_settings", lambda current=current: current)
        with new_session(engine) as session:
            read = service.get_request(session, coordinator.principal, request_id=request_id)
            session.commit()
        assert isinstance(read, CoordinatorRequestRead)
        shown.append(read.audit_ref)
        with new_session(engine) as session:
            row = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
        assert row is not None and row.action == "support_request.read"
        audited.append(row.object_id)
    assert shown[0] == shown[1] == audited[0] == audited[1] != request_id


def test_outside_production_the_key_is_derived_from_the_secret_key_under_its_own_label(
    tmp_path: Path,
) -> None:
    first = _settings(tmp_path, "a" * 48, pseudonym_key=None)
    again = _settings(tmp_path, "a" * 48, pseudonym_key=None)
    assert first.support_audit_pseudonym_key() == again.support_audit_pseudonym_key()
    assert first.support_audit_pseudonym_key() not in (
        first.signing_key().encode(),
        first.audit_key(),
    )
    configured = _settings(tmp_path, "a" * 48)
    assert configured.support_audit_pseudonym_key() == PSEUDONYM_KEY.encode()


def _production(tmp_path: Path, **support: object) -> Settings:
    return Settings(
        var_dir=tmp_path,
        env=Environment.production,
        secret_key=SecretStr("s" * 48),
        support=SupportSettings(record_key=SecretStr(RECORD_KEY), **support),  # type: ignore[arg-type]
        audit=production_audit(),
    )


def test_production_refuses_to_start_without_a_pseudonym_key_of_its_own(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="AUDIT_PSEUDONYM_KEY must be set"):
        _production(tmp_path).check_safe_to_serve()
    with pytest.raises(ConfigurationError, match="AUDIT_PSEUDONYM_KEY must be set"):
        _production(tmp_path).support_audit_pseudonym_key()  # never derived in production
    for reused in ("s" * 48, RECORD_KEY):
        with pytest.raises(ConfigurationError, match="must differ"):
            _production(tmp_path, audit_pseudonym_key=SecretStr(reused)).check_safe_to_serve()
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        _production(tmp_path, audit_pseudonym_key=SecretStr("short")).check_safe_to_serve()
    _production(tmp_path, audit_pseudonym_key=SecretStr(PSEUDONYM_KEY)).check_safe_to_serve()

"""The audit chain's keys: derived outside production, required and checked in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from haven.core.audit import encode_key
from haven.core.settings import (
    AuditSettings,
    ConfigurationError,
    Environment,
    Settings,
    SupportSettings,
)

SECRET = "s" * 48


def production_audit(**kwargs: Any) -> AuditSettings:
    """Audit settings production accepts: a key of its own and an anchor key pair."""
    private = Ed25519PrivateKey.generate()
    values: dict[str, Any] = {
        "key": "a" * 48,
        "anchor_signing_key": encode_key(private.private_bytes_raw()),
        "anchor_public_key": encode_key(private.public_key().public_bytes_raw()),
    }
    values.update(kwargs)
    return AuditSettings(**values)


def _production(tmp_path: Path, audit: AuditSettings) -> Settings:
    """Production settings complete but for what ``audit`` leaves out."""
    return Settings(
        var_dir=tmp_path,
        env=Environment.production,
        secret_key=SecretStr(SECRET),
        support=SupportSettings(
            record_key=SecretStr("r" * 48), audit_pseudonym_key=SecretStr("p" * 48)
        ),
        audit=audit,
    )


def _refused(tmp_path: Path, audit: AuditSettings, match: str) -> None:
    settings = _production(tmp_path, audit)
    with pytest.raises(ConfigurationError, match=match):
        settings.check_safe_to_serve()


def test_production_refuses_to_serve_without_an_audit_key(tmp_path: Path) -> None:
    _refused(tmp_path, production_audit(key=None), "HAVEN_AUDIT_KEY must be set")


def test_production_never_derives_the_audit_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="HAVEN_AUDIT_KEY must be set"):
        _production(tmp_path, production_audit(key=None)).audit_key()


def test_production_refuses_a_short_audit_key(tmp_path: Path) -> None:
    _refused(tmp_path, production_audit(key="short"), "at least 32 characters")


def test_production_refuses_the_secret_key_as_the_audit_key(tmp_path: Path) -> None:
    _refused(tmp_path, production_audit(key=SECRET), "must differ from HAVEN_SECRET_KEY")


def test_production_refuses_to_serve_with_no_anchor_key(tmp_path: Path) -> None:
    audit = production_audit(anchor_signing_key=None, anchor_public_key=None)
    _refused(tmp_path, audit, "HAVEN_AUDIT_ANCHOR_PUBLIC_KEY")


def test_production_needs_the_signing_key_where_the_jobs_anchor(tmp_path: Path) -> None:
    _refused(tmp_path, production_audit(anchor_signing_key=None), "HAVEN_AUDIT_ANCHOR_SIGNING_KEY")
    # A host that leaves anchoring to another checks anchors with the public key alone.
    _production(
        tmp_path, production_audit(anchor_signing_key=None, anchor_interval_seconds=0)
    ).check_safe_to_serve()


def test_a_public_key_that_is_not_the_signing_keys_is_refused(tmp_path: Path) -> None:
    other = encode_key(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    _refused(tmp_path, production_audit(anchor_public_key=other), "is not the public key")
    development = Settings(var_dir=tmp_path, audit=production_audit(anchor_public_key=other))
    with pytest.raises(ConfigurationError, match="is not the public key"):
        development.check_safe_to_serve()  # a typo need not wait for production


@pytest.mark.parametrize("value", ["not base64 at all!", encode_key(b"sixteen bytes...")])
def test_a_malformed_anchor_key_is_refused(tmp_path: Path, value: str) -> None:
    settings = Settings(var_dir=tmp_path, audit=production_audit(anchor_signing_key=value))
    with pytest.raises(ConfigurationError, match="HAVEN_AUDIT_ANCHOR_SIGNING_KEY"):
        settings.check_safe_to_serve()


@pytest.mark.parametrize("value", ["localhost", "host:port", "host:70000"])
def test_a_malformed_syslog_address_is_refused(tmp_path: Path, value: str) -> None:
    settings = Settings(var_dir=tmp_path, audit=production_audit(anchor_syslog=value))
    with pytest.raises(ConfigurationError, match="HAVEN_AUDIT_ANCHOR_SYSLOG"):
        settings.check_safe_to_serve()


def test_syslog_addresses_are_a_socket_or_a_udp_host_and_port() -> None:
    assert AuditSettings(anchor_syslog="/dev/log").syslog_address() == "/dev/log"
    assert AuditSettings(anchor_syslog="logs.internal:514").syslog_address() == (
        "logs.internal",
        514,
    )
    assert AuditSettings(anchor_syslog="[::1]:514").syslog_address() == ("::1", 514)
    assert AuditSettings().syslog_address() is None


def test_production_accepts_a_complete_audit_configuration(tmp_path: Path) -> None:
    settings = _production(tmp_path, production_audit())
    settings.check_safe_to_serve()
    assert settings.audit_key() == b"a" * 48


def test_development_derives_stable_keys_apart_from_the_secret(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path, secret_key=None, audit=AuditSettings())
    second = Settings(var_dir=tmp_path, secret_key=None, audit=AuditSettings())
    assert first.audit_key() == second.audit_key()
    assert first.audit_key() != first.signing_key().encode()
    signing_first = first.audit_anchor_signing_key()
    signing_second = second.audit_anchor_signing_key()
    assert signing_first is not None and signing_second is not None
    assert signing_first.private_bytes_raw() == signing_second.private_bytes_raw()
    assert signing_first.private_bytes_raw() != first.audit_key()
    assert first.audit.anchor_file == tmp_path / "audit-anchors.jsonl"

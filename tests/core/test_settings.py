"""Settings refuse unsafe production configurations."""

from __future__ import annotations

from pathlib import Path

import pytest

from haven.core.settings import ConfigurationError, Environment, Settings, SupportSettings


def _settings(tmp_path: Path, **kwargs: object) -> Settings:
    return Settings(var_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    first = _settings(tmp_path, secret_key=None).signing_key()
    second = _settings(tmp_path, secret_key=None).signing_key()
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0


def test_production_refuses_a_missing_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        _settings(tmp_path, env=Environment.production, secret_key=None).check_safe_to_serve()


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        _settings(
            tmp_path, env=Environment.production, secret_key="too-short"
        ).check_safe_to_serve()


def test_production_refuses_the_generated_demo_secret(tmp_path: Path) -> None:
    demo_key = _settings(tmp_path, secret_key=None).signing_key()
    with pytest.raises(ConfigurationError, match="development key"):
        _settings(tmp_path, env=Environment.production, secret_key=demo_key).check_safe_to_serve()


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    from tests.core.test_audit_settings import production_audit

    _settings(
        tmp_path,
        env=Environment.production,
        secret_key="k" * 48,
        audit=production_audit(),
        support=SupportSettings(record_key="r" * 48, audit_pseudonym_key="p" * 48),  # type: ignore[arg-type]
    ).check_safe_to_serve()


def test_default_database_is_sqlite_under_var(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, database_url="")
    assert settings.database_url == f"sqlite:///{tmp_path / 'haven.sqlite'}"

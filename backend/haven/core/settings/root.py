"""The root :class:`Settings` (prefix ``HAVEN_``): the process's own settings, every domain's
nested settings, the keys derived from the secret key outside production, and the checks
that refuse an unsafe production start; read through the cached :func:`get_settings`.

Secrets are ``SecretStr`` so they never show up in a repr or a log line. In development
a missing secret key is generated once and kept in ``var/secret.key`` (git-ignored);
production refuses to start without a real key of its own. The audit chain's keys follow
the same rule: derived from the secret key with HKDF outside production, set apart in
production (``AuditSettings``; see haven.core.audit for what each protects).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field, PrivateAttr, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from haven.core.settings.audit import AUDIT_ANCHOR_FILE_NAME, AuditSettings, decode_key32
from haven.core.settings.base import (
    DEV_SECRET_FILE_NAME,
    MIN_SECRET_LENGTH,
    REPO_ROOT,
    ConfigurationError,
    Environment,
)
from haven.core.settings.domains import (
    AuthSettings,
    DebriefSettings,
    InsightsSettings,
    LimitSettings,
    ReportSettings,
    SmtpSettings,
    SupportSettings,
)
from haven.core.settings.oidc import OidcSettings
from haven.core.settings.scim import ScimSettings


def _derive_key(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_", extra="ignore")

    env: Environment = Environment.development
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; default: SQLite file var/haven.sqlite under the checkout.",
    )
    secret_key: SecretStr | None = None
    var_dir: Path = REPO_ROOT / "var"
    web_dir: Path = REPO_ROOT / "frontend" / "dist"
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    db_pool_size: int = Field(default=40, ge=1)
    log_level: str = "INFO"
    # Off by default: with it, every access-log line names who was using Haven when (an
    # address is a person's workstation or phone), which brackets anonymous and support use.
    access_log_client_address: bool = False
    organisation_name: str = "Haven Demo Hospital"
    auth: AuthSettings = Field(default_factory=AuthSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    debriefs: DebriefSettings = Field(default_factory=DebriefSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    insights: InsightsSettings = Field(default_factory=InsightsSettings)
    support: SupportSettings = Field(default_factory=SupportSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    oidc: OidcSettings = Field(default_factory=OidcSettings)
    scim: ScimSettings = Field(default_factory=ScimSettings)
    # HAVEN_PASSWORD_SIGN_IN=false: the password grant and form are off (single sign-on only).
    password_sign_in: bool = True
    jobs_interval_seconds: int = Field(
        default=60, ge=0, description="Periodic jobs run this often in `haven serve`; 0: never."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the web client, for links in emails.",
    )
    _signing_key: str | None = PrivateAttr(default=None)
    _audit_key: bytes | None = PrivateAttr(default=None)
    _support_audit_pseudonym_key: bytes | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'haven.sqlite'}"
        if self.audit.anchor_file is None:
            self.audit.anchor_file = self.var_dir / AUDIT_ANCHOR_FILE_NAME
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def signing_key(self) -> str:
        """The JWT signing key; see the module docstring for where it comes from."""
        if self._signing_key is None:
            if self.secret_key is not None:
                self._signing_key = self.secret_key.get_secret_value()
            else:
                self._signing_key = _development_secret(self.var_dir)
        return self._signing_key

    def audit_key(self) -> bytes:
        """The audit chain's HMAC key: ``HAVEN_AUDIT_KEY``; outside production, when unset,
        derived with HKDF from the secret key (so rotating that key breaks a development
        chain, which is why production needs a key of its own)."""
        if self._audit_key is None:
            if self.audit.key is not None:
                self._audit_key = self.audit.key.get_secret_value().encode()
            elif self.env is Environment.production:
                raise ConfigurationError("HAVEN_AUDIT_KEY must be set in production.")
            else:
                self._audit_key = _derive_key(self.signing_key(), b"haven.audit.chain-key.v1")
        return self._audit_key

    def support_audit_pseudonym_key(self) -> bytes:
        """The HMAC key of support records' audit pseudonyms:
        ``HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY``; outside production, when unset, derived like
        :meth:`audit_key` under a label of its own."""
        if self._support_audit_pseudonym_key is None:
            configured = self.support.audit_pseudonym_key
            if configured is not None:
                self._support_audit_pseudonym_key = configured.get_secret_value().encode()
            elif self.env is Environment.production:
                raise ConfigurationError(
                    "HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY must be set in production."
                )
            else:
                self._support_audit_pseudonym_key = _derive_key(
                    self.signing_key(), b"haven.support.audit-pseudonym-key.v1"
                )
        return self._support_audit_pseudonym_key

    def audit_anchor_signing_key(self) -> Ed25519PrivateKey | None:
        """The key that signs anchors; outside production, when unset, derived like
        :meth:`audit_key`. ``None``: this process cannot anchor (it may still verify)."""
        configured = self.audit.anchor_signing_key
        if configured is not None:
            seed = decode_key32(configured.get_secret_value(), "HAVEN_AUDIT_ANCHOR_SIGNING_KEY")
        elif self.env is Environment.production:
            return None
        else:
            seed = _derive_key(self.signing_key(), b"haven.audit.anchor-key.v1")
        return Ed25519PrivateKey.from_private_bytes(seed)

    def audit_anchor_public_key(self) -> Ed25519PublicKey | None:
        """The key that checks anchors (``None``: none is configured)."""
        if self.audit.anchor_public_key is not None:
            raw = decode_key32(self.audit.anchor_public_key, "HAVEN_AUDIT_ANCHOR_PUBLIC_KEY")
            return Ed25519PublicKey.from_public_bytes(raw)
        signing = self.audit_anchor_signing_key()
        return signing.public_key() if signing is not None else None

    def check_safe_to_serve(self) -> None:
        self.support.check()
        self.audit.check()
        self.oidc.check(production=self.env is Environment.production)
        if not self.password_sign_in and not self.oidc.enabled:
            raise ConfigurationError(
                "HAVEN_PASSWORD_SIGN_IN=false needs single sign-on (HAVEN_OIDC_ISSUER): "
                "nobody could sign in."
            )
        if self.env is not Environment.production:
            return
        if self.secret_key is None:
            raise ConfigurationError("HAVEN_SECRET_KEY must be set in production.")
        key = self.secret_key.get_secret_value()
        if len(key) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"HAVEN_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters."
            )
        dev_file = self.var_dir / DEV_SECRET_FILE_NAME
        if dev_file.exists() and dev_file.read_text().strip() == key:
            raise ConfigurationError(
                "HAVEN_SECRET_KEY is the generated development key; set a key of your own."
            )
        if not self.auth.cookie_secure:
            raise ConfigurationError("HAVEN_AUTH_COOKIE_SECURE cannot be false in production.")
        self._check_support_for_production(key)
        self._check_audit_for_production(key)

    def _check_support_for_production(self, secret_key: str) -> None:
        ring = self.support.record_keyring()
        if not ring:
            raise ConfigurationError(
                "HAVEN_SUPPORT_RECORD_KEY must be set in production: it protects the keys of "
                "support free text and is never stored in the database."
            )
        if secret_key in ring:
            raise ConfigurationError("HAVEN_SUPPORT_RECORD_KEY must differ from HAVEN_SECRET_KEY.")
        pseudonym_key = self.support.audit_pseudonym_key
        if pseudonym_key is None:
            raise ConfigurationError(
                "HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY must be set in production: the audit log "
                "records support records under pseudonyms made with it."
            )
        if pseudonym_key.get_secret_value() in (secret_key, *ring):
            raise ConfigurationError(
                "HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY must differ from HAVEN_SECRET_KEY and "
                "HAVEN_SUPPORT_RECORD_KEY."
            )

    def _check_audit_for_production(self, secret_key: str) -> None:
        audit = self.audit
        if audit.key is None:
            raise ConfigurationError(
                "HAVEN_AUDIT_KEY must be set in production (`haven audit keygen` makes one)."
            )
        audit_key = audit.key.get_secret_value()
        if len(audit_key) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"HAVEN_AUDIT_KEY must be at least {MIN_SECRET_LENGTH} characters."
            )
        if audit_key == secret_key:
            raise ConfigurationError("HAVEN_AUDIT_KEY must differ from HAVEN_SECRET_KEY.")
        if audit.anchor_signing_key is None and audit.anchor_public_key is None:
            raise ConfigurationError(
                "Set HAVEN_AUDIT_ANCHOR_PUBLIC_KEY (and HAVEN_AUDIT_ANCHOR_SIGNING_KEY where "
                "anchors are written) in production: verification checks the chain against them."
            )
        if audit.anchor_interval_seconds > 0 and audit.anchor_signing_key is None:
            raise ConfigurationError(
                "HAVEN_AUDIT_ANCHOR_SIGNING_KEY must be set when this process anchors the audit "
                "chain (HAVEN_AUDIT_ANCHOR_INTERVAL_SECONDS > 0); set the interval to 0 where "
                "another host anchors."
            )


def _development_secret(var_dir: Path) -> str:
    path = var_dir / DEV_SECRET_FILE_NAME
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Settings, read from ``HAVEN_*`` environment variables through one cached function.

Secrets are ``SecretStr`` so they never show up in a repr or a log line. In development
a missing secret key is generated once and kept in ``var/secret.key`` (git-ignored);
production refuses to start without a real key of its own. The audit chain's keys follow
the same rule: derived from the secret key with HKDF outside production, set apart in
production (``AuditSettings``; see haven.core.audit for what each protects).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import socket
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import (
    BaseModel,
    Field,
    IPvAnyNetwork,
    PrivateAttr,
    SecretStr,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]
DEV_SECRET_FILE_NAME = "secret.key"
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class ConfigurationError(RuntimeError):
    """The settings cannot run safely; the message says what to change."""


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_AUTH_", extra="ignore")

    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=7, ge=1, le=90)
    issuer: str = "haven"
    audience: str = "haven-api"
    max_failed_logins: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    # argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    cookie_secure: bool = True
    # A privileged role grant waits this long for a second administrator, then expires.
    role_grant_days: int = Field(default=7, ge=1, le=30)


class ScenarioSetting(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    label: str = Field(max_length=120)


DEFAULT_HIGH_RISK_SCENARIOS = [
    ScenarioSetting(code="unexpected_death", label="Unexpected patient death"),
    ScenarioSetting(code="harm_to_child", label="Harm to a child"),
    ScenarioSetting(code="first_patient_death", label="A clinician's first patient death"),
    ScenarioSetting(
        code="multiple_bad_outcomes", label="Several bad outcomes in one unit in a short time"
    ),
    ScenarioSetting(code="litigation_notice", label="Notice of litigation"),
    ScenarioSetting(code="media_attention", label="Media or public attention"),
]


class ReportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_REPORTS_", extra="ignore")

    # JSON list of {"code", "label"} in HAVEN_REPORTS_HIGH_RISK_SCENARIOS replaces the defaults.
    high_risk_scenarios: list[ScenarioSetting] = Field(
        default_factory=lambda: list(DEFAULT_HIGH_RISK_SCENARIOS)
    )
    session_minutes: int = Field(default=30, ge=5, le=240)
    # Failed receipt exchanges per minute on one locator before each further failure there
    # costs the failing client a whole window (HAVEN_LIMITS_RECEIPT_FAILURES); the right
    # receipt still opens its report.
    receipt_failures_per_minute: int = Field(default=10, ge=1)


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class LimitSettings(BaseSettings):
    """Flood resistance, in memory only (see haven.core.limits): per-client limits, each a
    count per window (0: no per-client limit), and the bounded queue of argon2 work."""

    model_config = SettingsConfigDict(env_prefix="HAVEN_LIMITS_", extra="ignore")

    # The window of every per-client count, and how long the per-process key that hashes
    # client addresses lives: a client is forgotten within two windows of its last request.
    window_minutes: int = Field(default=10, ge=1, le=60)
    anonymous_reports: int = Field(default=5, ge=0)
    anonymous_messages: int = Field(default=20, ge=0)
    # Every receipt exchange costs an argon2 verification; failures are counted apart.
    receipt_exchanges: int = Field(default=10, ge=0)
    receipt_failures: int = Field(default=5, ge=0)
    sign_ins: int = Field(default=20, ge=0)
    # Reverse proxies whose forwarded-for header is believed (JSON list of addresses or
    # networks); empty: the connection's address is the client, whatever headers say.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list, max_length=64)
    forwarded_header: Literal["x-forwarded-for", "forwarded"] = "x-forwarded-for"
    # IPv6 clients count by network: one machine may hold a whole /64.
    ipv6_prefix: int = Field(default=64, ge=32, le=128)
    # argon2 computations at once (each holds HAVEN_AUTH_ARGON2_MEMORY_KIB) and waiting;
    # one more is answered 503 at once.
    argon2_concurrency: int = Field(default_factory=_cpu_count, ge=1, le=256)
    argon2_queue: int = Field(default=8, ge=0, le=1024)


class InsightsSettings(BaseSettings):
    """Small-cell protection and control-chart windows (see haven.insights)."""

    model_config = SettingsConfigDict(env_prefix="HAVEN_INSIGHTS_", extra="ignore")

    # A figure computed from fewer than this many people is suppressed; never below 3.
    min_cell_size: int = Field(default=5, ge=3, le=100)
    # Weeks at the start of a control chart's window that set its centre line and limits.
    baseline_weeks: int = Field(default=12, ge=6, le=52)
    # Weeks a control chart shows by default (baseline included).
    window_weeks: int = Field(default=26, ge=8, le=104)
    # Hours after a week's check-in period ends before the week is released (its figures
    # are then fixed for good): time for waiting answers and late staffing figures.
    release_grace_hours: int = Field(default=48, ge=0, le=336)


DEFAULT_GROUND_RULES = (
    "This is a blame-free conversation about our systems, not about any one person. We are "
    "here to understand what happened and to make care safer. Everyone's view matters, "
    "whatever their role or grade. We describe events and conditions, not names. What is said "
    "here is used only to learn. Anyone may pause, pass or step out, and support is there for "
    "anyone who wants it."
)


class DebriefSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_DEBRIEFS_", extra="ignore")

    # The psychological-safety statement shown before a debrief and stored with the record
    # as it was agreed (a later change of this setting does not rewrite old records).
    ground_rules_text: str = Field(default=DEFAULT_GROUND_RULES, min_length=20, max_length=4000)
    # Averages of the anonymous feedback are shown only from this many answers up.
    feedback_min_responses: int = Field(default=5, ge=5, le=100)
    # Feedback is taken from when a debrief is held until it is closed or this many days pass.
    feedback_window_days: int = Field(default=14, ge=1, le=90)
    max_participants: int = Field(default=100, ge=2, le=500)


class SmtpSettings(BaseSettings):
    """Email is off unless ``HAVEN_SMTP_HOST`` is set."""

    model_config = SettingsConfigDict(env_prefix="HAVEN_SMTP_", extra="ignore")

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "Haven <haven@localhost>"
    starttls: bool = True
    timeout_seconds: float = Field(default=10.0, gt=0)

    @property
    def enabled(self) -> bool:
        return bool(self.host)


class SupportSettings(BaseSettings):
    """The peer-support program (DESIGN.md, "Peer support")."""

    model_config = SettingsConfigDict(env_prefix="HAVEN_SUPPORT_", extra="ignore")

    # First-contact targets per urgency, in minutes.
    target_urgent_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    target_soon_minutes: int = Field(default=240, ge=1, le=7 * 24 * 60)
    target_routine_minutes: int = Field(default=1440, ge=1, le=14 * 24 * 60)
    # Days after closing when a request's identifying parts are purged.
    retention_days: int = Field(default=30, ge=1, le=3650)
    # Days during which naming the same person for the same event again adds no task.
    outreach_key_days: int = Field(default=365, ge=1, le=3650)
    # Follow-ups scheduled after an encounter that asks for one, in days (JSON list).
    follow_up_days: list[int] = Field(default_factory=lambda: [1, 7, 30], max_length=10)
    # The private encounter note: off unless enabled; sealed like all support free text.
    private_notes: bool = False
    # Legacy: opens notes sealed before migration 0011, which re-seals them under per-record
    # keys; needed for that upgrade (and its downgrade) only.
    note_key: SecretStr | None = None
    note_days: int = Field(default=30, ge=1, le=30)
    # Key-encryption keys of the per-record keys that seal support free text (see
    # haven.support.sealing), comma-separated, each at least 32 characters: the first wraps
    # new keys, the others only unwrap until `haven support rewrap-keys` has moved every key
    # to the first. Never stored in the database. Unset outside production: derived from
    # the secret key.
    record_key: SecretStr | None = None
    # Where a safety exception is also sent at once (the emergency pathway's mailbox).
    emergency_email: str | None = Field(default=None, max_length=254)
    # Coordinators see feedback only as aggregates over at least this many answers.
    feedback_min_answers: int = Field(default=5, ge=5)

    def record_keyring(self) -> list[str]:
        """``HAVEN_SUPPORT_RECORD_KEY`` as a list, the current key first (empty: unset)."""
        if self.record_key is None:
            return []
        return [k.strip() for k in self.record_key.get_secret_value().split(",") if k.strip()]

    def check(self) -> None:
        ring = self.record_keyring()
        if self.record_key is not None and not ring:
            raise ConfigurationError("HAVEN_SUPPORT_RECORD_KEY is set but holds no key.")
        if any(len(k) < MIN_SECRET_LENGTH for k in ring):
            raise ConfigurationError(
                f"Each key in HAVEN_SUPPORT_RECORD_KEY must be at least {MIN_SECRET_LENGTH} "
                "characters."
            )
        if len(set(ring)) != len(ring):
            raise ConfigurationError("HAVEN_SUPPORT_RECORD_KEY lists a key twice.")


AUDIT_ANCHOR_FILE_NAME = "audit-anchors.jsonl"


def _default_anchor_name() -> str:
    name = "".join(c for c in socket.gethostname() if c.isalnum() or c in "._-")[:64]
    return name or "haven"


def decode_key32(value: str, variable: str) -> bytes:
    """A 32-byte key written as base64url (padding optional), as ``haven audit keygen``
    prints them."""
    text = value.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError(f"{variable} is not base64url.") from exc
    if len(raw) != 32:
        raise ConfigurationError(f"{variable} must be 32 bytes, base64url-encoded.")
    return raw


class AuditSettings(BaseSettings):
    """The audit chain's key and its anchors outside the database (see haven.core.audit)."""

    model_config = SettingsConfigDict(env_prefix="HAVEN_AUDIT_", extra="ignore")

    # HMAC-SHA256 key of every link; never stored in the database. Development and tests
    # derive one from the secret key when unset; production needs its own.
    key: SecretStr | None = None
    # Ed25519 private key (32 bytes, base64url) that signs anchors (`haven audit keygen`).
    anchor_signing_key: SecretStr | None = None
    # Its public key (32 bytes, base64url): all that checking anchors needs.
    anchor_public_key: str | None = Field(default=None, max_length=64)
    # Append-only JSON lines; default: var_dir / AUDIT_ANCHOR_FILE_NAME.
    anchor_file: Path | None = None
    # Also send every anchor to syslog: a local socket path ("/dev/log") or "host:port" (UDP).
    anchor_syslog: str | None = Field(default=None, max_length=255)
    # Names the anchors this host writes (the chain records each one under this name).
    anchor_name: str = Field(
        default_factory=_default_anchor_name, pattern=r"^[A-Za-z0-9._-]{1,64}$"
    )
    # The periodic jobs anchor the chain this often when it has changed; 0: they never do.
    anchor_interval_seconds: int = Field(default=300, ge=0, le=86400)

    def syslog_address(self) -> str | tuple[str, int] | None:
        """The syslog destination: a socket path, (host, UDP port), or None (off)."""
        value = (self.anchor_syslog or "").strip()
        if not value:
            return None
        if value.startswith("/"):
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigurationError(
                "HAVEN_AUDIT_ANCHOR_SYSLOG must be a socket path (/dev/log) or host:port."
            )
        return host.strip("[]"), int(port)

    def check(self) -> None:
        """Key formats, in every environment: a typo should not wait for production."""
        self.syslog_address()
        signing = public = None
        if self.anchor_signing_key is not None:
            signing = decode_key32(
                self.anchor_signing_key.get_secret_value(), "HAVEN_AUDIT_ANCHOR_SIGNING_KEY"
            )
        if self.anchor_public_key is not None:
            public = decode_key32(self.anchor_public_key, "HAVEN_AUDIT_ANCHOR_PUBLIC_KEY")
        if signing is not None and public is not None:
            derived = Ed25519PrivateKey.from_private_bytes(signing).public_key().public_bytes_raw()
            if derived != public:
                raise ConfigurationError(
                    "HAVEN_AUDIT_ANCHOR_PUBLIC_KEY is not the public key of "
                    "HAVEN_AUDIT_ANCHOR_SIGNING_KEY."
                )


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
    jobs_interval_seconds: int = Field(
        default=60, ge=0, description="Periodic jobs run this often in `haven serve`; 0: never."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the web client, for links in emails.",
    )
    _signing_key: str | None = PrivateAttr(default=None)
    _audit_key: bytes | None = PrivateAttr(default=None)

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

"""Each domain's nested settings, one model per ``HAVEN_<DOMAIN>_`` prefix: auth, reports,
limits, insights, debriefs, smtp and support (the audit log's are in ``settings.audit``)."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from haven.core.settings.base import MIN_SECRET_LENGTH, ConfigurationError


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_AUTH_", extra="ignore")

    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=7, ge=1, le=90)
    issuer: str = "haven"
    audience: str = "haven-api"
    # Failed sign-ins to one account from one client before each further one waits, first
    # this many seconds, then twice as long each time, up to HAVEN_LIMITS_WINDOW_MINUTES (see
    # haven.auth.passwords: delays never lock a person out from another address).
    free_failures: int = Field(default=5, ge=1, le=100)
    first_delay_seconds: int = Field(default=30, ge=1, le=3600)
    # Minutes a password reset link works (single use).
    password_reset_minutes: int = Field(default=30, ge=5, le=60)
    # A second factor (TOTP, RFC 6238) for privileged roles signing in with a password:
    # unset means on in production and off elsewhere (the demo); anyone enrolled is asked.
    totp_required: bool | None = None
    # Seals TOTP secrets (AES-256-GCM); unset: derived from HAVEN_SECRET_KEY.
    totp_key: SecretStr | None = None
    # Minutes between the password step and the code step of a sign-in.
    sign_in_challenge_minutes: int = Field(default=5, ge=1, le=15)
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
    # Failed sign-ins (to any accounts) per client before each further one waits (growing
    # delays; one failure is forgotten every window / this count).
    sign_in_failures: int = Field(default=10, ge=0)
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
    # The key of the audit log's pseudonyms for support records (haven.support.notes), at
    # least 32 characters, never stored in the database: a key of its own, so rotating the
    # token signing key renames no support record in the audit log. Unset outside
    # production: derived from the secret key (production refuses to start without it).
    audit_pseudonym_key: SecretStr | None = None
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
        pseudonym_key = self.audit_pseudonym_key
        if pseudonym_key is not None and len(pseudonym_key.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY must be at least {MIN_SECRET_LENGTH} "
                "characters."
            )

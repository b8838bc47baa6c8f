"""Settings, read from ``HAVEN_*`` environment variables through one cached function.

Secrets are ``SecretStr`` so they never show up in a repr or a log line. In development
a missing secret key is generated once and kept in ``var/secret.key`` (git-ignored);
production refuses to start without a real key of its own.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, PrivateAttr, SecretStr, model_validator
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
    receipt_failures_per_minute: int = Field(default=10, ge=1)


class InsightsSettings(BaseSettings):
    """Small-cell protection and control-chart windows (see haven.insights)."""

    model_config = SettingsConfigDict(env_prefix="HAVEN_INSIGHTS_", extra="ignore")

    # A figure computed from fewer than this many people is suppressed; never below 3.
    min_cell_size: int = Field(default=5, ge=3, le=100)
    # Weeks at the start of a control chart's window that set its centre line and limits.
    baseline_weeks: int = Field(default=12, ge=6, le=52)
    # Weeks a control chart shows by default (baseline included).
    window_weeks: int = Field(default=26, ge=8, le=104)


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
    # The private encounter note: off unless enabled, then sealed with ``note_key``.
    private_notes: bool = False
    note_key: SecretStr | None = None
    note_days: int = Field(default=30, ge=1, le=30)
    # Where a safety exception is also sent at once (the emergency pathway's mailbox).
    emergency_email: str | None = Field(default=None, max_length=254)
    # Coordinators see feedback only as aggregates over at least this many answers.
    feedback_min_answers: int = Field(default=5, ge=5)

    def check(self) -> None:
        if self.private_notes and (
            self.note_key is None or len(self.note_key.get_secret_value()) < MIN_SECRET_LENGTH
        ):
            raise ConfigurationError(
                "HAVEN_SUPPORT_PRIVATE_NOTES needs HAVEN_SUPPORT_NOTE_KEY "
                f"(at least {MIN_SECRET_LENGTH} characters)."
            )


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
    organisation_name: str = "Haven Demo Hospital"
    auth: AuthSettings = Field(default_factory=AuthSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    debriefs: DebriefSettings = Field(default_factory=DebriefSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    insights: InsightsSettings = Field(default_factory=InsightsSettings)
    support: SupportSettings = Field(default_factory=SupportSettings)
    jobs_interval_seconds: int = Field(
        default=60, ge=0, description="Periodic jobs run this often in `haven serve`; 0: never."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the web client, for links in emails.",
    )
    _signing_key: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'haven.sqlite'}"
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

    def check_safe_to_serve(self) -> None:
        self.support.check()
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

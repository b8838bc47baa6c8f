"""What every settings module shares: where the checkout is, the environments, the minimum
length of a secret, and the error that says a setting cannot run safely."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]
DEV_SECRET_FILE_NAME = "secret.key"
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class ConfigurationError(RuntimeError):
    """The settings cannot run safely; the message says what to change."""

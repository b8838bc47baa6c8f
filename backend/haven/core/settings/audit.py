"""The audit log's settings (``HAVEN_AUDIT_*``): the chain's key and its anchors outside the
database, and the base64url key format ``haven audit keygen`` prints."""

from __future__ import annotations

import base64
import binascii
import socket
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from haven.core.settings.base import ConfigurationError

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

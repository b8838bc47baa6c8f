"""An anchor line: a signed checkpoint of the chain's head, as one line of the anchor file.

A line holds the format version, the writer's name, the sequence number and MAC of the
chain's head, the time, the signing key's id, and an Ed25519 signature over the rest
(:func:`make_anchor`, checked by :func:`parse_anchor`). The chain records each anchor as a
row ``audit.anchored`` whose object id is :func:`anchor_object_id` of the writer's name.
The same line may also travel as a syslog message (:func:`send_to_syslog`,
:func:`parse_syslog_line`).

Ed25519 rather than an HMAC, so that checking anchors needs only the public key
(``HAVEN_AUDIT_ANCHOR_PUBLIC_KEY``): an outside verifier, or API processes of a deployment
where one host alone anchors (interval 0 elsewhere), hold no key that can forge an anchor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ANCHOR_ACTION = "audit.anchored"
ANCHOR_OBJECT_TYPE = "audit_anchor"
ANCHOR_FORMAT = 1
_ANCHOR_NAMESPACE = uuid.UUID("6f1c1f5e-3a55-4b7e-9a43-2d0f8e1b7c11")
_ANCHOR_SIGNED_PREFIX = b"haven.audit.anchor.v1\n"
_ANCHOR_FIELDS = frozenset({"v", "name", "seq", "mac", "at", "key", "sig"})
_SYSLOG_TAG = "haven-audit-anchor"
_SYSLOG_PRI = 10 * 8 + 6  # facility authpriv, severity info


@dataclass(frozen=True)
class Anchor:
    """A signed checkpoint of the chain's head, as one line of the anchor file."""

    name: str
    seq: int
    mac: str
    at: datetime
    key_id: str
    line: str


def anchor_key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of the anchor key, written in every line."""
    return hashlib.sha256(public_key.public_bytes_raw()).hexdigest()[:16]


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def anchor_object_id(name: str) -> uuid.UUID:
    """The object id of a writer's ``audit.anchored`` rows (indexed, so its last is cheap)."""
    return uuid.uuid5(_ANCHOR_NAMESPACE, name)


def _signed_bytes(body: Mapping[str, Any]) -> bytes:
    return (
        _ANCHOR_SIGNED_PREFIX
        + json.dumps(dict(body), sort_keys=True, separators=(",", ":")).encode()
    )


def make_anchor(
    private_key: Ed25519PrivateKey, *, name: str, seq: int, mac: str, at: datetime
) -> Anchor:
    kid = anchor_key_id(private_key.public_key())
    at_text = at.isoformat(timespec="microseconds")
    body = {"v": ANCHOR_FORMAT, "name": name, "seq": seq, "mac": mac, "at": at_text, "key": kid}
    signature = encode_key(private_key.sign(_signed_bytes(body)))
    line = json.dumps({**body, "sig": signature}, sort_keys=True, separators=(",", ":"))
    return Anchor(name=name, seq=seq, mac=mac, at=at, key_id=kid, line=line)


class BadAnchorLine(Exception):
    """An anchor line that is not one, or whose signature does not check."""


def parse_anchor(text: str, public_key: Ed25519PublicKey) -> Anchor:
    """One anchor line, its signature checked; :class:`BadAnchorLine` says what is wrong."""
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise BadAnchorLine("is not JSON (edited, or a write cut short)") from exc
    if not isinstance(obj, dict) or set(obj) != _ANCHOR_FIELDS or obj["v"] != ANCHOR_FORMAT:
        raise BadAnchorLine("is not a version-1 anchor")
    name, seq, mac, at_text, kid, sig = (
        obj["name"],
        obj["seq"],
        obj["mac"],
        obj["at"],
        obj["key"],
        obj["sig"],
    )
    if not (
        isinstance(name, str)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 1
        and isinstance(mac, str)
        and len(mac) == 64
        and isinstance(at_text, str)
        and isinstance(kid, str)
        and isinstance(sig, str)
    ):
        raise BadAnchorLine("is not a version-1 anchor")
    expected_kid = anchor_key_id(public_key)
    if kid != expected_kid:
        raise BadAnchorLine(
            f"is signed with another key (key id {kid}; this verifier holds {expected_kid})"
        )
    body = {k: v for k, v in obj.items() if k != "sig"}
    try:
        public_key.verify(_b64decode(sig), _signed_bytes(body))
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise BadAnchorLine("has a signature that does not check (the line was edited)") from exc
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError as exc:  # pragma: no cover - signed lines carry the time we wrote
        raise BadAnchorLine("has no valid time") from exc
    return Anchor(name=name, seq=seq, mac=mac, at=at, key_id=kid, line=text)


def send_to_syslog(address: str | tuple[str, int], line: str) -> None:
    """One RFC 3164-style datagram (authpriv.info): a local socket or UDP."""
    message = f"<{_SYSLOG_PRI}>{_SYSLOG_TAG}: {line}".encode()
    if isinstance(address, str):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.send(message)
        return
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.sendto(message, address)


def parse_syslog_line(text: str) -> str | None:
    """The anchor line inside a syslog message this module sent (None if it is not one)."""
    marker = f"{_SYSLOG_TAG}: "
    at = text.find(marker)
    return text[at + len(marker) :].strip() if at >= 0 else None

"""Sealing the private encounter note (AES-256-GCM from ``cryptography``).

The key is derived with HKDF-SHA256 from ``HAVEN_SUPPORT_NOTE_KEY`` (never from the token
signing key, so rotating one does not touch the other). Each note gets a random 96-bit
nonce, and the encounter's id and its author's id are bound in as associated data: a sealed
note copied onto another row, or shown to anyone but its author, does not open.
Stored form: ``v1.`` + urlsafe base64 of nonce || ciphertext || tag.

Also here: the keyed pseudonym under which the audit log records support records (see the
package docstring), derived from the application's secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from haven.core.settings import get_settings

_VERSION = "v1."
_NONCE_BYTES = 12


class NoteUnavailable(Exception):
    """The note cannot be opened (no key configured, another key, or tampered)."""


def _aead() -> AESGCM:
    key = get_settings().support.note_key
    if key is None:
        raise NoteUnavailable("no note key is configured")
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"haven.support.private-note.v1"
    ).derive(key.get_secret_value().encode())
    return AESGCM(derived)


def _associated(encounter_id: uuid.UUID, author_id: uuid.UUID) -> bytes:
    return b"haven.support.note|" + encounter_id.bytes + author_id.bytes


def seal(text: str, *, encounter_id: uuid.UUID, author_id: uuid.UUID) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead().encrypt(nonce, text.encode(), _associated(encounter_id, author_id))
    return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(stored: str, *, encounter_id: uuid.UUID, author_id: uuid.UUID) -> str:
    if not stored.startswith(_VERSION):
        raise NoteUnavailable("unknown note format")
    raw = base64.urlsafe_b64decode(stored[len(_VERSION) :].encode())
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    try:
        plain = _aead().decrypt(nonce, sealed, _associated(encounter_id, author_id))
    except InvalidTag as exc:
        raise NoteUnavailable("the note does not open with this key") from exc
    return plain.decode()


def audit_ref(record_id: uuid.UUID) -> uuid.UUID:
    """The id the audit log uses for a support record: a keyed one-way pseudonym of it."""
    key = hashlib.sha256(b"haven.support.audit-ref|" + get_settings().signing_key().encode())
    digest = hmac.new(key.digest(), record_id.bytes, hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def outreach_fingerprint(event_key: str, person_id: uuid.UUID) -> str:
    """sha256 of a caller's opaque per-event key and a person: one-way, names no event."""
    return hashlib.sha256(
        b"haven.support.outreach|" + event_key.encode() + b"|" + person_id.bytes
    ).hexdigest()

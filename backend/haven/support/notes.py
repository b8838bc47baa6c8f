"""Keyed one-way references for support records: the audit log's pseudonym of a record and
the fingerprint of an outreach offer (see the package docstring).

The sealing of free text (the private note included) is in :mod:`haven.support.sealing`.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from haven.core.settings import get_settings


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

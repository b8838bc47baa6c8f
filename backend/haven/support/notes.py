"""Keyed one-way references for support records: the audit log's pseudonym of a record and
the fingerprint of an outreach offer (see the package docstring).

The pseudonyms are made under a key of their own, ``HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY``
(:meth:`haven.core.settings.Settings.support_audit_pseudonym_key`), not the token signing
key: rotating that key must not rename every support record in the audit log, which would
cut each case the auditor follows in two.

The sealing of free text (the private note included) is in :mod:`haven.support.sealing`.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from haven.core.settings import get_settings


def audit_ref(record_id: uuid.UUID) -> uuid.UUID:
    """The id the audit log uses for a support record: a keyed one-way pseudonym of it."""
    key = get_settings().support_audit_pseudonym_key()
    digest = hmac.new(key, record_id.bytes, hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def outreach_fingerprint(event_key: str, person_id: uuid.UUID) -> str:
    """sha256 of a caller's opaque per-event key and a person: one-way, names no event."""
    return hashlib.sha256(
        b"haven.support.outreach|" + event_key.encode() + b"|" + person_id.bytes
    ).hexdigest()

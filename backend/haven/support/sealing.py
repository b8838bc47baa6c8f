"""Support free text under per-record keys: purging destroys the key (crypto-shredding).

Every free-text field of a support record (a request's contact details and preferred times,
an encounter's private note, a feedback comment) is stored only as AES-256-GCM ciphertext
(``cryptography``) under that record's own **data key**: 256 random bits, made when the
record's first text is sealed. The associated data binds the record's id and the field's
name (and, for the note, its author), so ciphertext copied to another row or another field
does not open, even where that row has a key of its own.

The data key is kept apart from the row, in ``support_record_keys`` (the record's id, the
wrapped key, the day it was made: nothing else), **wrapped** with AES-256-GCM under a
key-encryption key (KEK) that is never stored in the database: the first key of
``HAVEN_SUPPORT_RECORD_KEY`` (through HKDF-SHA256) or, outside production when that is
unset, a key derived from the secret key. The wrapping binds the key row's id too, so a
wrapped key copied onto another record's row does not unwrap.

Purging a record (:func:`shred`) deletes its key row; the jobs also empty its ciphertext
columns. Every copy of the ciphertext left behind (SQLite's free pages or WAL, PostgreSQL's
dead tuples or WAL, a backup) is then sealed under a key that is nowhere. On SQLite the
wrapped key is also gone from the files: ``secure_delete`` zeroes the deleted row and a WAL
checkpoint follows each purge (:func:`haven.core.db.checkpoint_after_commit`). On
PostgreSQL the deleted key row's old version can stay in the heap, the WAL and backups
until it is vacuumed and recycled; it is wrapped, so only someone who also holds the KEK
could open it. Rotating the KEK closes that window: set ``HAVEN_SUPPORT_RECORD_KEY`` to
``new,old``, run ``haven support rewrap-keys`` (:func:`rewrap_keys`: every live data key
re-wrapped under the new KEK), then remove the old KEK from the setting and destroy it:
every wrapped copy made before (of purged and live keys, in the WAL or an old backup) is
then unreadable.

Stored forms (versioned)::

    wrapped key   0x01 | KEK id (8 bytes) | nonce (12) | AES-GCM(KEK, data key) (48)
    sealed text   "v2." + urlsafe base64 of nonce (12) | AES-GCM(data key, UTF-8 text)

The KEK id is the first 8 bytes of HMAC-SHA256(KEK, "haven.support.kek-id"): it says which
key of the ring unwraps a row without telling anything about the key. Migration 0011 wrote
the same forms when it sealed the text stored before it (the ``v1.`` notes under
``HAVEN_SUPPORT_NOTE_KEY`` and plaintext columns).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import orm
from sqlmodel import col

from haven.core import clock
from haven.core.db import checkpoint_after_commit
from haven.core.settings import ConfigurationError, Environment, get_settings
from haven.support.models import SupportRecordKey

log = logging.getLogger("haven.support")

KEY_BYTES = 32
_NONCE_BYTES = 12
_KEK_ID_BYTES = 8
_WRAP_VERSION = b"\x01"
_WRAPPED_BYTES = 1 + _KEK_ID_BYTES + _NONCE_BYTES + KEY_BYTES + 16
_TEXT_VERSION = "v2."
_KEK_INFO = b"haven.support.record-kek.v1"
_KEK_FROM_SECRET_INFO = b"haven.support.record-kek.from-secret-key.v1"
# Key look-ups and deletions go to the database in chunks of this many ids.
_CHUNK = 500
# `haven support rewrap-keys` commits after each batch of this many keys.
REWRAP_BATCH = 500


class SealedField(StrEnum):
    """The free-text fields of support records (bound into each ciphertext)."""

    contact_details = "contact_details"
    preferred_times = "preferred_times"
    private_note = "private_note"
    comment = "comment"


class TextUnavailable(Exception):
    """A sealed text does not open: its key was purged, it was wrapped under a KEK that is
    not configured, or the ciphertext was moved or altered. The message names no content."""


@dataclass(frozen=True)
class _Kek:
    id: bytes
    aead: AESGCM


@lru_cache(maxsize=16)
def _kek(material: str, info: bytes) -> _Kek:
    key = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(
        material.encode()
    )
    kek_id = hmac.new(key, b"haven.support.kek-id", hashlib.sha256).digest()[:_KEK_ID_BYTES]
    return _Kek(id=kek_id, aead=AESGCM(key))


def _keyring() -> tuple[_Kek, ...]:
    """The configured KEKs, the one that wraps new keys first."""
    settings = get_settings()
    ring = settings.support.record_keyring()
    if ring:
        return tuple(_kek(material, _KEK_INFO) for material in ring)
    if settings.env is Environment.production:
        raise ConfigurationError("HAVEN_SUPPORT_RECORD_KEY must be set in production.")
    return (_kek(settings.signing_key(), _KEK_FROM_SECRET_INFO),)


def _wrap_ad(key_id: uuid.UUID) -> bytes:
    return b"haven.support.record-key|" + key_id.bytes


def _text_ad(record_id: uuid.UUID, field: SealedField, author_id: uuid.UUID | None) -> bytes:
    bound = author_id.bytes if author_id is not None else b""
    return b"haven.support.text.v2|" + field.value.encode() + b"|" + record_id.bytes + bound


def _wrap(kek: _Kek, key_id: uuid.UUID, data_key: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _WRAP_VERSION + kek.id + nonce + kek.aead.encrypt(nonce, data_key, _wrap_ad(key_id))


def _kek_id_of(wrapped: bytes) -> bytes:
    return wrapped[1 : 1 + _KEK_ID_BYTES]


def _unwrap(key_id: uuid.UUID, wrapped: bytes) -> bytes:
    if len(wrapped) != _WRAPPED_BYTES or wrapped[:1] != _WRAP_VERSION:
        raise TextUnavailable("the record's key has an unknown format")
    kek = next((k for k in _keyring() if k.id == _kek_id_of(wrapped)), None)
    if kek is None:
        raise TextUnavailable(
            "the record's key is wrapped under a key-encryption key that is not configured"
        )
    start = 1 + _KEK_ID_BYTES
    nonce, sealed = wrapped[start : start + _NONCE_BYTES], wrapped[start + _NONCE_BYTES :]
    try:
        return kek.aead.decrypt(nonce, sealed, _wrap_ad(key_id))
    except InvalidTag as exc:
        raise TextUnavailable("the record's key does not unwrap (altered or moved)") from exc


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def data_key(session: orm.Session, record_id: uuid.UUID) -> bytes | None:
    """The record's data key, unwrapped; None when it has none (no text, or purged)."""
    row = session.get(SupportRecordKey, record_id)
    return _unwrap(record_id, row.wrapped_key) if row is not None else None


def _data_key_or_new(session: orm.Session, record_id: uuid.UUID) -> bytes:
    existing = data_key(session, record_id)
    if existing is not None:
        return existing
    fresh = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    session.add(
        SupportRecordKey(
            id=record_id,
            wrapped_key=_wrap(_keyring()[0], record_id, fresh),
            # The day only: a feedback answer's key must not time it finer than the answer.
            created_on=clock.today(),
        )
    )
    session.flush()
    return fresh


def seal_texts(
    session: orm.Session,
    *,
    record_id: uuid.UUID,
    texts: Mapping[SealedField, str | None],
    author_id: uuid.UUID | None = None,
) -> dict[SealedField, str | None]:
    """Seal a record's texts under its data key, made (and stored wrapped) on first use.
    Empty texts stay None and need no key. ``author_id`` binds the text to its author."""
    present = {field: text for field, text in texts.items() if text}
    sealed: dict[SealedField, str | None] = dict.fromkeys(texts)
    if not present:
        return sealed
    aead = AESGCM(_data_key_or_new(session, record_id))
    for field, text in present.items():
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = aead.encrypt(nonce, text.encode(), _text_ad(record_id, field, author_id))
        sealed[field] = _TEXT_VERSION + base64.urlsafe_b64encode(nonce + ciphertext).decode()
    return sealed


def open_text(
    session: orm.Session,
    *,
    record_id: uuid.UUID,
    field: SealedField,
    sealed: str | None,
    author_id: uuid.UUID | None = None,
) -> str | None:
    """The text, opened (None when nothing is stored); raises :class:`TextUnavailable`."""
    if sealed is None:
        return None
    if not sealed.startswith(_TEXT_VERSION):
        raise TextUnavailable("the text has an unknown format")
    key = data_key(session, record_id)
    if key is None:
        raise TextUnavailable("the record's key is gone")
    try:
        raw = base64.urlsafe_b64decode(sealed[len(_TEXT_VERSION) :].encode())
        nonce, ciphertext = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        plain = AESGCM(key).decrypt(nonce, ciphertext, _text_ad(record_id, field, author_id))
    except (binascii.Error, ValueError, InvalidTag) as exc:
        raise TextUnavailable("the text does not open under its record's key") from exc
    return plain.decode()


def open_or_none(
    session: orm.Session,
    *,
    record_id: uuid.UUID,
    field: SealedField,
    sealed: str | None,
    author_id: uuid.UUID | None = None,
) -> str | None:
    """:func:`open_text`, with a text that does not open shown as absent and logged (the
    reason only: no content, no record id)."""
    try:
        return open_text(
            session, record_id=record_id, field=field, sealed=sealed, author_id=author_id
        )
    except TextUnavailable as exc:
        log.error("a support text could not be opened: %s", exc)
        return None


def load_keys(session: orm.Session, record_ids: Iterable[uuid.UUID]) -> None:
    """Load many records' keys in one query per chunk, so opening their texts one by one
    finds the keys in the session instead of asking the database for each."""
    ids = list(dict.fromkeys(record_ids))
    for chunk in _chunks(ids):
        session.execute(
            sa.select(SupportRecordKey).where(col(SupportRecordKey.id).in_(chunk))
        ).scalars().all()


def shred(session: orm.Session, record_ids: Iterable[uuid.UUID]) -> int:
    """Delete these records' keys: their sealed texts, wherever a copy is left, no longer
    open. On SQLite the WAL is checkpointed once the transaction commits. Returns how many
    keys were deleted."""
    ids = list(dict.fromkeys(record_ids))
    deleted = 0
    for chunk in _chunks(ids):
        result = session.execute(
            sa.delete(SupportRecordKey)
            .where(col(SupportRecordKey.id).in_(chunk))
            .execution_options(synchronize_session="fetch")
        )
        deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
    if deleted:
        checkpoint_after_commit(session)
    return deleted


@dataclass(frozen=True)
class RewrapBatch:
    """One batch of :func:`rewrap_keys`; ``last`` is where the next batch starts after
    (None: there were no more keys)."""

    rewrapped: int
    already_current: int
    unreadable: int
    last: uuid.UUID | None


def rewrap_keys(
    session: orm.Session, *, after: uuid.UUID | None = None, limit: int = REWRAP_BATCH
) -> RewrapBatch:
    """Re-wrap, under the current KEK, the next ``limit`` data keys by id after ``after``
    that another KEK of the ring wrapped. Keys that no configured KEK opens are counted as
    unreadable and left as they are. Each update names the old wrapped value, so a key
    purged meanwhile is simply not written back."""
    current = _keyring()[0]
    stmt = sa.select(col(SupportRecordKey.id), col(SupportRecordKey.wrapped_key)).order_by(
        col(SupportRecordKey.id)
    )
    if after is not None:
        stmt = stmt.where(col(SupportRecordKey.id) > after)
    rows = session.execute(stmt.limit(limit)).all()
    rewrapped = already_current = unreadable = 0
    for key_id, wrapped in rows:
        if _kek_id_of(wrapped) == current.id:
            already_current += 1
            continue
        try:
            plain = _unwrap(key_id, wrapped)
        except TextUnavailable:
            unreadable += 1
            continue
        session.execute(
            sa.update(SupportRecordKey)
            .where(col(SupportRecordKey.id) == key_id, col(SupportRecordKey.wrapped_key) == wrapped)
            .values(wrapped_key=_wrap(current, key_id, plain))
            .execution_options(synchronize_session=False)
        )
        rewrapped += 1
    if rewrapped:
        checkpoint_after_commit(session)
    return RewrapBatch(
        rewrapped=rewrapped,
        already_current=already_current,
        unreadable=unreadable,
        last=rows[-1][0] if rows else None,
    )

"""support free text under per-record keys

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 15:30:00

Every free-text field of support (a request's contact details and preferred times, an
encounter's private note, a feedback comment) is now stored only sealed under the record's
own data key, which lives in ``support_record_keys`` wrapped under
``HAVEN_SUPPORT_RECORD_KEY`` (see ``haven.support.sealing``). This revision creates the key
table and seals what is already stored, in place: the plaintext columns and the ``v1.``
notes sealed under ``HAVEN_SUPPORT_NOTE_KEY`` (which the upgrade then needs, when such notes
exist). It writes the stored forms with its own copy of the code, so a later change to
``haven.support.sealing`` cannot change what this revision did; the tests check that the
application opens what it wrote.

The plaintext that was stored before may remain in the database's free pages and WAL (and
in backups) until a ``VACUUM`` (SQLite) or ``VACUUM FULL`` (PostgreSQL): README's upgrade
notes recommend one. The downgrade opens everything again (the same keys are needed) and
drops the key table.
"""

import base64
import hashlib
import hmac
import os
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from haven.core.settings import ConfigurationError, Environment, get_settings

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NONCE = 12
_TEXT_VERSION = "v2."
_NOTE_V1 = "v1."

keys = sa.table(
    "support_record_keys",
    sa.column("id", sa.Uuid()),
    sa.column("wrapped_key", sa.LargeBinary()),
    sa.column("created_on", sa.Date()),
)
requests = sa.table(
    "support_requests",
    sa.column("id", sa.Uuid()),
    sa.column("created_at", sa.DateTime()),
    sa.column("contact_details", sa.String()),
    sa.column("preferred_times", sa.String()),
    sa.column("contact_details_sealed", sa.Text()),
    sa.column("preferred_times_sealed", sa.Text()),
)
encounters = sa.table(
    "support_encounters",
    sa.column("id", sa.Uuid()),
    sa.column("supporter_id", sa.Uuid()),
    sa.column("created_at", sa.DateTime()),
    sa.column("note_sealed", sa.Text()),
)
feedback = sa.table(
    "support_feedback",
    sa.column("id", sa.Uuid()),
    sa.column("given_on", sa.Date()),
    sa.column("comment", sa.String()),
    sa.column("comment_sealed", sa.Text()),
)


# --- the stored forms of haven.support.sealing (v2) and of the old notes (v1) -------------


def _hkdf(material: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        material.encode()
    )


class _Keys:
    """The KEK ring from Haven's settings, read only when there is something to seal."""

    def __init__(self) -> None:
        self._ring: list[tuple[bytes, AESGCM]] | None = None

    def ring(self) -> list[tuple[bytes, AESGCM]]:
        if self._ring is None:
            settings = get_settings()
            raw = settings.support.record_key
            materials = (
                [k.strip() for k in raw.get_secret_value().split(",") if k.strip()] if raw else []
            )
            if materials:
                keys = [_hkdf(m, b"haven.support.record-kek.v1") for m in materials]
            elif settings.env is Environment.production:
                raise ConfigurationError(
                    "HAVEN_SUPPORT_RECORD_KEY must be set to upgrade a production database "
                    "that holds support text (revision 0011 seals it)."
                )
            else:
                keys = [_hkdf(settings.signing_key(), b"haven.support.record-kek.from-secret-key.v1")]
            self._ring = [
                (hmac.new(k, b"haven.support.kek-id", hashlib.sha256).digest()[:8], AESGCM(k))
                for k in keys
            ]
        return self._ring

    def wrap(self, key_id: uuid.UUID, data_key: bytes) -> bytes:
        kek_id, aead = self.ring()[0]
        nonce = os.urandom(_NONCE)
        ad = b"haven.support.record-key|" + key_id.bytes
        return b"\x01" + kek_id + nonce + aead.encrypt(nonce, data_key, ad)

    def unwrap(self, key_id: uuid.UUID, wrapped: bytes) -> bytes:
        wrapped = bytes(wrapped)
        for kek_id, aead in self.ring():
            if wrapped[1:9] == kek_id:
                ad = b"haven.support.record-key|" + key_id.bytes
                return aead.decrypt(wrapped[9:21], wrapped[21:], ad)
        raise ConfigurationError(
            "A support record's key is wrapped under a key that HAVEN_SUPPORT_RECORD_KEY "
            "does not hold; set the key it was written with to downgrade."
        )


def _text_ad(record_id: uuid.UUID, field: str, author_id: uuid.UUID | None) -> bytes:
    bound = author_id.bytes if author_id is not None else b""
    return b"haven.support.text.v2|" + field.encode() + b"|" + record_id.bytes + bound


def _seal(data_key: bytes, record_id: uuid.UUID, field: str, text: str,
          author_id: uuid.UUID | None = None) -> str:
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(data_key).encrypt(nonce, text.encode(), _text_ad(record_id, field, author_id))
    return _TEXT_VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()


def _open(data_key: bytes, record_id: uuid.UUID, field: str, stored: str,
          author_id: uuid.UUID | None = None) -> str:
    raw = base64.urlsafe_b64decode(stored[len(_TEXT_VERSION):].encode())
    ad = _text_ad(record_id, field, author_id)
    return AESGCM(data_key).decrypt(raw[:_NONCE], raw[_NONCE:], ad).decode()


def _note_v1_aead() -> AESGCM:
    key = get_settings().support.note_key
    if key is None:
        raise ConfigurationError(
            "Private notes sealed under HAVEN_SUPPORT_NOTE_KEY exist: set that key for this "
            "migration (revision 0011 re-seals them under per-record keys)."
        )
    return AESGCM(_hkdf(key.get_secret_value(), b"haven.support.private-note.v1"))


def _note_v1_ad(encounter_id: uuid.UUID, author_id: uuid.UUID) -> bytes:
    return b"haven.support.note|" + encounter_id.bytes + author_id.bytes


def _day(value: object) -> object:
    return value.date() if hasattr(value, "date") else value


# --- upgrade ------------------------------------------------------------------------------


def upgrade() -> None:
    op.create_table(
        'support_record_keys',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
        sa.Column('created_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_support_record_keys')),
        sqlite_with_rowid=False,
    )
    op.add_column('support_requests', sa.Column('contact_details_sealed', sa.Text(), nullable=True))
    op.add_column('support_requests', sa.Column('preferred_times_sealed', sa.Text(), nullable=True))
    op.add_column('support_feedback', sa.Column('comment_sealed', sa.Text(), nullable=True))

    conn = op.get_bind()
    kek = _Keys()

    def new_key(record_id: uuid.UUID, day: object) -> bytes:
        data_key = AESGCM.generate_key(bit_length=256)
        conn.execute(
            keys.insert().values(
                id=record_id, wrapped_key=kek.wrap(record_id, data_key), created_on=_day(day)
            )
        )
        return data_key

    for row in conn.execute(
        sa.select(requests.c.id, requests.c.created_at, requests.c.contact_details,
                  requests.c.preferred_times).where(
            sa.or_(requests.c.contact_details.is_not(None), requests.c.preferred_times.is_not(None))
        )
    ).all():
        if not (row.contact_details or row.preferred_times):
            continue
        data_key = new_key(row.id, row.created_at)
        conn.execute(
            requests.update().where(requests.c.id == row.id).values(
                contact_details_sealed=_seal(data_key, row.id, "contact_details", row.contact_details)
                if row.contact_details else None,
                preferred_times_sealed=_seal(data_key, row.id, "preferred_times", row.preferred_times)
                if row.preferred_times else None,
            )
        )

    for row in conn.execute(
        sa.select(feedback.c.id, feedback.c.given_on, feedback.c.comment).where(
            feedback.c.comment.is_not(None), feedback.c.comment != ""
        )
    ).all():
        data_key = new_key(row.id, row.given_on)
        conn.execute(
            feedback.update().where(feedback.c.id == row.id).values(
                comment_sealed=_seal(data_key, row.id, "comment", row.comment)
            )
        )

    notes = conn.execute(
        sa.select(encounters.c.id, encounters.c.supporter_id, encounters.c.created_at,
                  encounters.c.note_sealed).where(encounters.c.note_sealed.is_not(None))
    ).all()
    if notes:
        v1 = _note_v1_aead()
    for row in notes:
        stored = row.note_sealed
        if row.supporter_id is None or not stored.startswith(_NOTE_V1):
            # A note without its author can never be read again: nothing to keep.
            conn.execute(encounters.update().where(encounters.c.id == row.id).values(note_sealed=None))
            continue
        raw = base64.urlsafe_b64decode(stored[len(_NOTE_V1):].encode())
        try:
            text = v1.decrypt(raw[:_NONCE], raw[_NONCE:], _note_v1_ad(row.id, row.supporter_id))
        except InvalidTag as exc:
            raise ConfigurationError(
                "A private note does not open with HAVEN_SUPPORT_NOTE_KEY: set the key the "
                "notes were sealed with for this migration."
            ) from exc
        data_key = new_key(row.id, row.created_at)
        conn.execute(
            encounters.update().where(encounters.c.id == row.id).values(
                note_sealed=_seal(data_key, row.id, "private_note", text.decode(), row.supporter_id)
            )
        )

    op.drop_column('support_requests', 'contact_details')
    op.drop_column('support_requests', 'preferred_times')
    op.drop_column('support_feedback', 'comment')


# --- downgrade ----------------------------------------------------------------------------


def downgrade() -> None:
    op.add_column('support_requests', sa.Column('contact_details', sa.String(length=200), nullable=True))
    op.add_column('support_requests', sa.Column('preferred_times', sa.String(length=200), nullable=True))
    op.add_column('support_feedback', sa.Column('comment', sa.String(length=1000), nullable=True))

    conn = op.get_bind()
    kek = _Keys()
    wrapped = {row.id: row.wrapped_key for row in conn.execute(sa.select(keys.c.id, keys.c.wrapped_key))}

    def key_of(record_id: uuid.UUID) -> bytes | None:
        stored = wrapped.get(record_id)
        return kek.unwrap(record_id, stored) if stored is not None else None

    for row in conn.execute(
        sa.select(requests.c.id, requests.c.contact_details_sealed, requests.c.preferred_times_sealed)
    ).all():
        data_key = key_of(row.id)
        if data_key is None:
            continue
        conn.execute(
            requests.update().where(requests.c.id == row.id).values(
                contact_details=_open(data_key, row.id, "contact_details", row.contact_details_sealed)
                if row.contact_details_sealed else None,
                preferred_times=_open(data_key, row.id, "preferred_times", row.preferred_times_sealed)
                if row.preferred_times_sealed else None,
            )
        )

    for row in conn.execute(
        sa.select(feedback.c.id, feedback.c.comment_sealed).where(feedback.c.comment_sealed.is_not(None))
    ).all():
        data_key = key_of(row.id)
        if data_key is not None:
            conn.execute(
                feedback.update().where(feedback.c.id == row.id).values(
                    comment=_open(data_key, row.id, "comment", row.comment_sealed)
                )
            )

    notes = conn.execute(
        sa.select(encounters.c.id, encounters.c.supporter_id, encounters.c.note_sealed).where(
            encounters.c.note_sealed.is_not(None)
        )
    ).all()
    if notes:
        v1 = _note_v1_aead()
    for row in notes:
        data_key = key_of(row.id)
        if data_key is None or row.supporter_id is None:
            conn.execute(encounters.update().where(encounters.c.id == row.id).values(note_sealed=None))
            continue
        text = _open(data_key, row.id, "private_note", row.note_sealed, row.supporter_id)
        nonce = os.urandom(_NONCE)
        sealed = v1.encrypt(nonce, text.encode(), _note_v1_ad(row.id, row.supporter_id))
        conn.execute(
            encounters.update().where(encounters.c.id == row.id).values(
                note_sealed=_NOTE_V1 + base64.urlsafe_b64encode(nonce + sealed).decode()
            )
        )

    op.drop_column('support_feedback', 'comment_sealed')
    op.drop_column('support_requests', 'preferred_times_sealed')
    op.drop_column('support_requests', 'contact_details_sealed')
    op.drop_table('support_record_keys')

"""API keys that read content wait for a second administrator

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:00:00

A key with ``reports:read`` or ``fhir:read`` is created ``pending`` and works only once another
administrator confirms it. Keys already stored with such a scope were made by one
administrator alone: upgrading makes them ``pending`` too (their secret is unchanged), so they
stop working until a second administrator confirms them, within ``HAVEN_AUTH_ROLE_GRANT_DAYS``
(else they expire). Write-only keys stay ``active``. Downgrading revokes every key that is not
``active`` (the older schema has no state, and would let them work).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import haven.core.types

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTENT_SCOPES = ('reports:read', 'fhir:read')

_keys = sa.table(
    'api_keys',
    sa.column('id', sa.Uuid()),
    sa.column('scopes', sa.JSON()),
    sa.column('status', sa.String(16)),
    sa.column('expires_at', haven.core.types.UTCDateTime()),
    sa.column('revoked_at', haven.core.types.UTCDateTime()),
    sa.column('version', sa.Integer()),
)


def _role_grant_days() -> int:
    from haven.core.settings import get_settings

    return get_settings().auth.role_grant_days


def upgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column('expires_at', haven.core.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column('decided_by_id', sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column('decided_at', haven.core.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))

    conn = op.get_bind()
    conn.execute(sa.update(_keys).values(status='active', version=1))
    waiting = [
        row.id
        for row in conn.execute(
            sa.select(_keys.c.id, _keys.c.scopes).where(_keys.c.revoked_at.is_(None))
        )
        if any(scope in _CONTENT_SCOPES for scope in (row.scopes or []))
    ]
    if waiting:
        expires_at = datetime.now(UTC) + timedelta(days=_role_grant_days())
        conn.execute(
            sa.update(_keys)
            .where(_keys.c.id.in_(waiting))
            .values(status='pending', expires_at=expires_at)
        )

    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_api_keys_status'), ['status'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_api_keys_decided_by_id_users'),
            'users',
            ['decided_by_id'],
            ['id'],
            ondelete='RESTRICT',
        )


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.update(_keys)
        .where(_keys.c.status != 'active', _keys.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_keys_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_keys_status'))
        batch_op.drop_column('version')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('status')

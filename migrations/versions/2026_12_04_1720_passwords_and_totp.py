"""Passwords done right: resets, throttling, one-time passwords

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 17:20:00

See ``haven.auth.passwords`` and ``haven.auth.totp``. On ``users``: when the password was last
set (``password_changed_at``) and the sign-in delay epoch (an administrator's unlock bumps
it). Reset links (``password_resets``: the token only as SHA-256), authenticators
(``totp_credentials``: the secret sealed) and recovery codes (``totp_recovery_codes``: SHA-256).
``email_outbox.is_secret`` marks an email whose body is emptied once sent (a reset link).

The stored per-email lockout (``sign_in_throttle``) is dropped: five failures by anyone, from
anywhere, locked the person out. Sign-in failures now slow their client in memory (growing
delays), and lock nobody out. Downgrading recreates the table empty (no account locked) and
drops everything above: reset links stop working, and enrolled authenticators are forgotten
(those people sign in with their password alone until they enrol again).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import haven.core.types

revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('password_changed_at', haven.core.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column('sign_in_delay_epoch', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_secret', sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        'password_resets',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('requested_by_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('used_at', haven.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_password_resets_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['requested_by_id'],
            ['users.id'],
            name=op.f('fk_password_resets_requested_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash')),
    )
    op.create_index(
        op.f('ix_password_resets_user_id'), 'password_resets', ['user_id'], unique=False
    )

    op.create_table(
        'totp_credentials',
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('secret_sealed', sa.String(length=255), nullable=False),
        sa.Column('created_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('confirmed_at', haven.core.types.UTCDateTime(), nullable=True),
        sa.Column('last_used_step', sa.BigInteger(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('blocked_until', haven.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_totp_credentials_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_credentials')),
    )

    op.create_table(
        'totp_recovery_codes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('used_at', haven.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_totp_recovery_codes_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_totp_recovery_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_totp_recovery_codes_code_hash')),
    )
    op.create_index(
        op.f('ix_totp_recovery_codes_user_id'), 'totp_recovery_codes', ['user_id'], unique=False
    )

    op.drop_table('sign_in_throttle')


def downgrade() -> None:
    op.create_table(
        'sign_in_throttle',
        sa.Column('email_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('locked_until', haven.core.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_sign_in_throttle')),
    )
    op.drop_index(op.f('ix_totp_recovery_codes_user_id'), table_name='totp_recovery_codes')
    op.drop_table('totp_recovery_codes')
    op.drop_table('totp_credentials')
    op.drop_index(op.f('ix_password_resets_user_id'), table_name='password_resets')
    op.drop_table('password_resets')
    for table, column in (
        ('email_outbox', 'is_secret'),
        ('users', 'sign_in_delay_epoch'),
        ('users', 'password_changed_at'),
    ):
        _drop_column(table, column)


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # Not batch mode: it would copy ``users`` to a new table and drop the old one, and
        # with foreign keys on, dropping it deletes every row that references a user with ON
        # DELETE CASCADE (roles, sessions...). SQLite 3.35+ drops a plain column in place.
        op.execute(sa.text(f'ALTER TABLE {table} DROP COLUMN {column}'))
    else:
        op.drop_column(table, column)

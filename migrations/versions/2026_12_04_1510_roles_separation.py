"""separation of roles (pending privileged grants)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:10:00

Privileged roles proposed by one administrator wait here for a second one. Existing
accounts are not changed: ``haven users check-roles`` lists those that break the rules.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import haven.core.types

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'role_grants',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('department_id', sa.Uuid(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('proposed_by_id', sa.Uuid(), nullable=False),
        sa.Column('decided_by_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('decided_at', haven.core.types.UTCDateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['department_id'],
            ['departments.id'],
            name=op.f('fk_role_grants_department_id_departments'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['proposed_by_id'],
            ['users.id'],
            name=op.f('fk_role_grants_proposed_by_id_users'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['decided_by_id'],
            ['users.id'],
            name=op.f('fk_role_grants_decided_by_id_users'),
            ondelete='RESTRICT',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grants_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grants_status'))
        batch_op.drop_index(batch_op.f('ix_role_grants_user_id'))
    op.drop_table('role_grants')

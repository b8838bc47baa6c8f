"""Single sign-on: identities at an OpenID Connect provider

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 17:00:00

A person's account at the hospital's identity provider, named for good by (issuer, subject):
one per person and provider. A role grant may now have no proposing administrator: single
sign-on proposes the privileged roles a first sign-in's directory groups map to, and any
administrator confirms them. Downgrading drops the links (people then sign in with a
password again, where they have one) and the grants single sign-on proposed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import haven.core.types

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'user_identities',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('linked_by', sa.String(length=16), nullable=False),
        sa.Column('created_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', haven.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_user_identities_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_identities')),
        sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_user_identities_issuer_subject')),
        sa.UniqueConstraint('user_id', 'issuer', name=op.f('uq_user_identities_user_id_issuer')),
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.alter_column('proposed_by_id', existing_type=sa.Uuid(), nullable=True)


def downgrade() -> None:
    grants = sa.table('role_grants', sa.column('proposed_by_id', sa.Uuid()))
    op.execute(grants.delete().where(grants.c.proposed_by_id.is_(None)))
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.alter_column('proposed_by_id', existing_type=sa.Uuid(), nullable=False)
    op.drop_table('user_identities')

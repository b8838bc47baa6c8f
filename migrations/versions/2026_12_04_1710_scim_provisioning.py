"""SCIM provisioning: external ids and groups

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 17:10:00

People as the hospital's directory knows them (see ``haven.auth.directory``): on ``users`` the
directory's id (``external_id``, unique), the SCIM ``userName`` when a directory sent one
(unique), the department as the directory names it, when the directory deleted the account,
and ``session_epoch`` (access tokens carry it; ending a person's sessions bumps it, and every
request checks it). The directory's groups and their members (``directory_groups``,
``directory_group_members``), and the bulk imports of people from a CSV file
(``people_imports``, ``people_import_rows``).

Existing accounts start at epoch 0, the epoch of tokens issued before it existed, so nobody is
signed out by the upgrade. Downgrading drops all of it: accounts keep their email, roles and
state, and lose only their link to the directory (a directory deleted account stays
deactivated).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import haven.core.types

revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN and CREATE UNIQUE INDEX, never a batch rebuild of users: on
    # SQLite a rebuild drops the old table, and with foreign keys on that deletes every
    # person's roles, tokens and grants by cascade.
    op.add_column('users', sa.Column('external_id', sa.String(length=255), nullable=True))
    op.add_column('users', sa.Column('user_name', sa.String(length=255), nullable=True))
    op.add_column(
        'users', sa.Column('directory_department', sa.String(length=255), nullable=True)
    )
    op.add_column(
        'users', sa.Column('deprovisioned_at', haven.core.types.UTCDateTime(), nullable=True)
    )
    op.add_column(
        'users', sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0')
    )
    op.create_index(op.f('ix_users_external_id'), 'users', ['external_id'], unique=True)
    op.create_index(op.f('ix_users_user_name'), 'users', ['user_name'], unique=True)

    op.create_table(
        'directory_groups',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('display_name', sa.String(length=255), nullable=False),
        sa.Column('external_id', sa.String(length=255), nullable=True),
        sa.Column('created_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_groups')),
        sa.UniqueConstraint('external_id', name=op.f('uq_directory_groups_external_id')),
    )
    op.create_table(
        'directory_group_members',
        sa.Column('group_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ['group_id'],
            ['directory_groups.id'],
            name=op.f('fk_directory_group_members_group_id_directory_groups'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_directory_group_members_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_directory_group_members')),
    )
    op.create_index(
        op.f('ix_directory_group_members_user_id'),
        'directory_group_members',
        ['user_id'],
        unique=False,
    )

    op.create_table(
        'people_imports',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_by_id', sa.Uuid(), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('processed_rows', sa.Integer(), nullable=False),
        sa.Column('created_count', sa.Integer(), nullable=False),
        sa.Column('updated_count', sa.Integer(), nullable=False),
        sa.Column('unchanged_count', sa.Integer(), nullable=False),
        sa.Column('failed_count', sa.Integer(), nullable=False),
        sa.Column('created_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('finished_at', haven.core.types.UTCDateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['created_by_id'],
            ['users.id'],
            name=op.f('fk_people_imports_created_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people_imports')),
    )
    op.create_index(
        op.f('ix_people_imports_created_by_id'), 'people_imports', ['created_by_id'], unique=False
    )
    op.create_table(
        'people_import_rows',
        sa.Column('import_id', sa.Uuid(), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=False),
        sa.Column('cells', sa.JSON(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=True),
        sa.Column('messages', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['import_id'],
            ['people_imports.id'],
            name=op.f('fk_people_import_rows_import_id_people_imports'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_people_import_rows_user_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('import_id', 'row_number', name=op.f('pk_people_import_rows')),
    )


def downgrade() -> None:
    op.drop_table('people_import_rows')
    op.drop_index(op.f('ix_people_imports_created_by_id'), table_name='people_imports')
    op.drop_table('people_imports')
    op.drop_index(
        op.f('ix_directory_group_members_user_id'), table_name='directory_group_members'
    )
    op.drop_table('directory_group_members')
    op.drop_table('directory_groups')
    # In place (SQLite 3.35 drops columns itself), for the reason given in upgrade().
    op.drop_index(op.f('ix_users_user_name'), table_name='users')
    op.drop_index(op.f('ix_users_external_id'), table_name='users')
    for column in (
        'session_epoch', 'deprovisioned_at', 'directory_department', 'user_name', 'external_id'
    ):
        op.drop_column('users', column)

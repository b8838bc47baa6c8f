"""weekly figures: report counts per week kept on write, support figures from an index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COVERING = (
    "week_start",
    "department_id",
    "minutes_to_first_contact",
    "first_in_week",
    "first_contact_at",
    "due_at",
)


def upgrade() -> None:
    op.create_table('report_week_counts',
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=48), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('week_start', 'department_id', 'dimension', 'value', name=op.f('pk_report_week_counts')),
    sqlite_with_rowid=False
    )
    # The counts of the reports already there (weeks run Monday to Sunday).
    if op.get_bind().dialect.name == 'postgresql':
        week = "CAST(date_trunc('week', occurred_on) AS DATE)"
    else:
        week = "date(occurred_on, 'weekday 0', '-6 days')"
    for dimension in ('kind', 'category', 'harm'):
        op.execute(
            "INSERT INTO report_week_counts (week_start, department_id, dimension, value, reports) "
            f"SELECT {week}, department_id, '{dimension}', {dimension}, count(*) FROM reports "
            f"GROUP BY {week}, department_id, {dimension}"
        )
    op.drop_index('ix_support_requests_week_start_department_id', table_name='support_requests')
    op.create_index('ix_support_requests_week_figures', 'support_requests', list(_COVERING))


def downgrade() -> None:
    op.drop_index('ix_support_requests_week_figures', table_name='support_requests')
    op.create_index(
        'ix_support_requests_week_start_department_id',
        'support_requests',
        ['week_start', 'department_id'],
    )
    op.drop_table('report_week_counts')

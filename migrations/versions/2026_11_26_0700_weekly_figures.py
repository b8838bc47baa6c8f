"""weekly figures: report counts per week kept on write (the reports' covering index for
insights becomes a plain occurred-on index), support figures from an index

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


# One column per figure, named dimension_value (the kinds, categories and harms of 0002).
_FIGURES = (
    ('kind', 'incident'),
    ('kind', 'near_miss'),
    ('kind', 'unsafe_condition'),
    ('kind', 'good_catch_or_excellence'),
    ('category', 'blood'),
    ('category', 'device'),
    ('category', 'fall'),
    ('category', 'healthcare_associated_infection'),
    ('category', 'medication'),
    ('category', 'perinatal'),
    ('category', 'pressure_injury'),
    ('category', 'surgery_anesthesia'),
    ('category', 'venous_thromboembolism'),
    ('category', 'other'),
    ('harm', 'death'),
    ('harm', 'severe'),
    ('harm', 'moderate'),
    ('harm', 'mild'),
    ('harm', 'none'),
    ('harm', 'unknown'),
)


def upgrade() -> None:
    op.create_table('report_week_counts',
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    *(sa.Column(f'{d}_{v}', sa.Integer(), nullable=False) for d, v in _FIGURES),
    sa.PrimaryKeyConstraint('week_start', 'department_id', name=op.f('pk_report_week_counts')),
    sqlite_with_rowid=False
    )
    # The counts of the reports already there (weeks run Monday to Sunday).
    if op.get_bind().dialect.name == 'postgresql':
        week = "CAST(date_trunc('week', occurred_on) AS DATE)"
    else:
        week = "date(occurred_on, 'weekday 0', '-6 days')"
    columns = ', '.join(f'{d}_{v}' for d, v in _FIGURES)
    counts = ', '.join(f"count(*) FILTER (WHERE {d} = '{v}')" for d, v in _FIGURES)
    op.execute(
        f'INSERT INTO report_week_counts (week_start, department_id, {columns}) '
        f'SELECT {week}, department_id, {counts} FROM reports GROUP BY {week}, department_id'
    )
    op.drop_index('ix_reports_occurred_on_department_id', table_name='reports')
    op.create_index('ix_reports_occurred_on', 'reports', ['occurred_on'])
    op.drop_index('ix_support_requests_week_start_department_id', table_name='support_requests')
    op.create_index('ix_support_requests_week_figures', 'support_requests', list(_COVERING))


def downgrade() -> None:
    op.drop_index('ix_support_requests_week_figures', table_name='support_requests')
    op.create_index(
        'ix_support_requests_week_start_department_id',
        'support_requests',
        ['week_start', 'department_id'],
    )
    op.drop_index('ix_reports_occurred_on', table_name='reports')
    op.create_index(
        'ix_reports_occurred_on_department_id',
        'reports',
        ['occurred_on', 'department_id', 'kind', 'category', 'harm'],
    )
    op.drop_table('report_week_counts')

"""insight releases: each week's figures published once, when the week closes; the weekly
report counts (by week of occurrence) they replace are dropped

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import haven.core.types

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The weekly report counts' columns as 0007 made them (for the downgrade).
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
    op.create_table(
        'insight_releases',
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('released_at', haven.core.types.UTCDateTime(), nullable=False),
        sa.Column('min_cell_size', sa.Integer(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('week_start', name=op.f('pk_insight_releases')),
    )
    # Insights read releases computed from the reports of the week they arrived in.
    op.drop_table('report_week_counts')


def downgrade() -> None:
    op.create_table(
        'report_week_counts',
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('department_id', sa.Uuid(), nullable=False),
        *(sa.Column(f'{d}_{v}', sa.Integer(), nullable=False) for d, v in _FIGURES),
        sa.PrimaryKeyConstraint('week_start', 'department_id', name=op.f('pk_report_week_counts')),
        sqlite_with_rowid=False,
    )
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
    op.drop_table('insight_releases')

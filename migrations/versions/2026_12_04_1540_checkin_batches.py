"""check-ins written in batches

Check-in answers are now written in batches of at least k (see haven.checkins), and a
response's profession may be NULL (generalised). The answers already stored are
generalised to the same rule, with k = HAVEN_INSIGHTS_MIN_CELL_SIZE as set when this runs:

* a (period, department) group of fewer than k responses loses its department (its
  responses join the period's answers without a department) and its rollup rows are merged
  into the no-department rollup, so the figures still add up;
* then, within each (period, department) group, professions are generalised as a batch's
  are: NULL where fewer than k share it, and the next-smallest too while the NULL group
  is non-empty and below k.

The downgrade makes profession required again (NULL becomes "other"); moved departments
are not restored (that would undo the protection, and the old department is not kept).

Old row versions written by the previous mechanism (PostgreSQL's dead tuples, SQLite's
freed page space and WAL) are not removed by a migration, which runs in a transaction: the
operator runs ``VACUUM FULL`` on the check-in tables (PostgreSQL) or ``VACUUM`` then
``PRAGMA wal_checkpoint(TRUNCATE)`` (SQLite) once after upgrading (see README).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 15:40:00
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from haven.core.settings import get_settings

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DEPARTMENT = uuid.UUID(int=0)

responses = sa.table(
    "checkin_responses",
    sa.column("id", sa.Uuid()),
    sa.column("department_id", sa.Uuid()),
    sa.column("profession", sa.String()),
    sa.column("period_start", sa.Date()),
)
rollups = sa.table(
    "checkin_rollups",
    sa.column("week_start", sa.Date()),
    sa.column("department_key", sa.Uuid()),
    sa.column("respondents", sa.Integer()),
)
rollup_answers = sa.table(
    "checkin_rollup_answers",
    sa.column("week_start", sa.Date()),
    sa.column("department_key", sa.Uuid()),
    sa.column("question_key", sa.String()),
    sa.column("answered", sa.Integer()),
    sa.column("total", sa.Integer()),
    sa.column("high", sa.Integer()),
)


def _set_profession_nullable(nullable: bool) -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        # SQLite cannot relax NOT NULL in place: batch mode copies the table and drops the
        # old one, and with foreign keys on that drop deletes every answer (ON DELETE
        # CASCADE). Keep the answers aside and put them back.
        op.execute("CREATE TEMP TABLE _checkin_answers_kept AS SELECT * FROM checkin_answers")
    with op.batch_alter_table(
        "checkin_responses", schema=None, table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.alter_column("profession", existing_type=sa.String(length=32), nullable=nullable)
    if sqlite:
        op.execute("DELETE FROM checkin_answers")
        op.execute("INSERT INTO checkin_answers SELECT * FROM _checkin_answers_kept")
        op.execute("DROP TABLE _checkin_answers_kept")


def _hidden_professions(counts: Counter[str], k: int) -> set[str]:
    hidden = {p for p, n in counts.items() if n < k}
    hidden_total = sum(counts[p] for p in hidden)
    for profession in sorted((p for p in counts if p not in hidden), key=lambda p: (counts[p], p)):
        if hidden_total == 0 or hidden_total >= k:
            break
        hidden.add(profession)
        hidden_total += counts[profession]
    return hidden


def _merge_rollups(bind: sa.Connection, week: date, department: uuid.UUID) -> None:
    moved = bind.execute(
        sa.select(rollups.c.respondents).where(
            rollups.c.week_start == week, rollups.c.department_key == department
        )
    ).scalar()
    if moved is not None:
        target = sa.and_(rollups.c.week_start == week, rollups.c.department_key == NO_DEPARTMENT)
        if bind.execute(sa.select(rollups.c.respondents).where(target)).scalar() is None:
            bind.execute(
                rollups.insert().values(
                    week_start=week, department_key=NO_DEPARTMENT, respondents=moved
                )
            )
        else:
            bind.execute(
                rollups.update().where(target).values(respondents=rollups.c.respondents + moved)
            )
    for key, answered, total, high in bind.execute(
        sa.select(
            rollup_answers.c.question_key,
            rollup_answers.c.answered,
            rollup_answers.c.total,
            rollup_answers.c.high,
        ).where(rollup_answers.c.week_start == week, rollup_answers.c.department_key == department)
    ).all():
        target = sa.and_(
            rollup_answers.c.week_start == week,
            rollup_answers.c.department_key == NO_DEPARTMENT,
            rollup_answers.c.question_key == key,
        )
        if bind.execute(sa.select(rollup_answers.c.answered).where(target)).scalar() is None:
            bind.execute(
                rollup_answers.insert().values(
                    week_start=week,
                    department_key=NO_DEPARTMENT,
                    question_key=key,
                    answered=answered,
                    total=total,
                    high=high,
                )
            )
        else:
            bind.execute(
                rollup_answers.update()
                .where(target)
                .values(
                    answered=rollup_answers.c.answered + answered,
                    total=rollup_answers.c.total + total,
                    high=rollup_answers.c.high + high,
                )
            )
    for table in (rollup_answers, rollups):
        bind.execute(
            table.delete().where(table.c.week_start == week, table.c.department_key == department)
        )


def _generalise(k: int) -> None:
    bind = op.get_bind()
    # 1. Departments with fewer than k answers in a period: to no department.
    small = bind.execute(
        sa.select(responses.c.period_start, responses.c.department_id)
        .where(responses.c.department_id.is_not(None))
        .group_by(responses.c.period_start, responses.c.department_id)
        .having(sa.func.count() < k)
    ).all()
    for week, department in small:
        bind.execute(
            responses.update()
            .where(responses.c.period_start == week, responses.c.department_id == department)
            .values(department_id=None)
        )
        _merge_rollups(bind, week, department)
    # 2. Within each (period, department), professions shared by fewer than k.
    groups: dict[tuple[date, uuid.UUID | None], Counter[str]] = defaultdict(Counter)
    for week, department, profession, count in bind.execute(
        sa.select(
            responses.c.period_start,
            responses.c.department_id,
            responses.c.profession,
            sa.func.count(),
        )
        .where(responses.c.profession.is_not(None))
        .group_by(responses.c.period_start, responses.c.department_id, responses.c.profession)
    ).all():
        groups[(week, department)][profession] = count
    for (week, department), counts in groups.items():
        in_department = (
            responses.c.department_id.is_(None)
            if department is None
            else responses.c.department_id == department
        )
        for profession in sorted(_hidden_professions(counts, k)):
            bind.execute(
                responses.update()
                .where(
                    responses.c.period_start == week,
                    in_department,
                    responses.c.profession == profession,
                )
                .values(profession=None)
            )


def upgrade() -> None:
    _set_profession_nullable(True)
    _generalise(get_settings().insights.min_cell_size)


def downgrade() -> None:
    op.execute(
        responses.update().where(responses.c.profession.is_(None)).values(profession="other")
    )
    _set_profession_nullable(False)

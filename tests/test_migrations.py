"""The migration chain yields exactly the models' schema, and walks down and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from haven.core.migrate import alembic_config, downgrade, upgrade
from haven.models import metadata
from tests.conftest import database_url


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_upgrade_head_matches_the_models_exactly(engine: Engine) -> None:
    assert _diff(engine) == []


def test_there_is_one_head(engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url()))
    assert len(script.get_heads()) == 1


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    url = database_url()
    downgrade(url, "base")
    with engine.connect() as conn:
        left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    assert left == set()
    upgrade(url)
    assert _diff(engine) == []
    with engine.connect() as conn:
        head = conn.execute(sa.text("SELECT last_seq, last_hash FROM audit_head")).one()
    assert head.last_seq == 0


def test_the_weekly_report_counts_are_filled_from_the_reports_already_there(
    engine: Engine,
) -> None:
    from datetime import date

    from haven.core.db import new_session
    from haven.reports import service as reports_service
    from tests.factories.checkins import add_reports
    from tests.factories.org import make_department

    url = database_url()
    department = make_department(engine)
    add_reports(engine, department, date(2026, 3, 4), 3, harm="mild")  # a Wednesday
    add_reports(engine, department, date(2026, 3, 9), 2, kind="near_miss")  # the next Monday
    downgrade(url, "0006")  # before the counts existed
    upgrade(url)
    with new_session(engine) as session:
        figures = reports_service.weekly_figures(
            session, start=date(2026, 3, 2), end=date(2026, 3, 15)
        )
    by_week = {f.week_start: f for f in figures}
    assert by_week[date(2026, 3, 2)].reports == 3
    assert by_week[date(2026, 3, 2)].harm_events == 3
    assert by_week[date(2026, 3, 9)].by_kind["near_miss"] == 2
    assert _diff(engine) == []

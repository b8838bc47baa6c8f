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


_WEEK_COUNTS = "SELECT week_start, kind_incident, kind_near_miss, harm_mild FROM report_week_counts"


def test_going_back_before_releases_counts_the_reports_by_week_again(engine: Engine) -> None:
    from datetime import date

    from tests.factories.checkins import add_reports
    from tests.factories.org import make_department

    url = database_url()
    department = make_department(engine)
    add_reports(engine, department, date(2026, 3, 4), 3, harm="mild")  # a Wednesday
    add_reports(engine, department, date(2026, 3, 9), 2, kind="near_miss")  # the next Monday
    downgrade(url, "0012")  # before releases: the weekly counts are rebuilt from the reports
    with engine.connect() as conn:
        rows = {r.week_start: r for r in conn.execute(sa.text(_WEEK_COUNTS))}
    weeks = {date.fromisoformat(str(k)): v for k, v in rows.items()}
    assert (weeks[date(2026, 3, 2)].kind_incident, weeks[date(2026, 3, 2)].harm_mild) == (3, 3)
    assert weeks[date(2026, 3, 9)].kind_near_miss == 2
    upgrade(url)
    assert _diff(engine) == []

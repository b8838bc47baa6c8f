"""Benchmark of the insights endpoints on a year of a 40-department hospital.

Data (generated straight into the tables, as an import would): check-in responses (five
answers each) over 52 complete weeks, 100,000 reports, 60,000 staffing rows and 20,000
closed support requests (their de-identified program data, as after the retention purge);
then the check-in rollups are rebuilt with their GROUP BY.

Measured, with the same run's raw SQL as the baseline:

* the first ``GET /insights/departments`` of a fresh server, which releases the 26 closed
  weeks the dashboard shows (each week computed once, audited, stored: see
  ``haven.insights.release``), and the time per released week;
* then, every week released, ``GET /insights/departments`` for a quarter (13 weeks, every
  department) and ``GET /insights/signals`` (26 weeks, every department), served by
  ``haven serve`` pinned to one core, one connection at a time: p50 / p99 latency and
  server CPU per request;
* the raw GROUP BY over the base tables that computes the same figures (check-in answers
  joined to responses, reports, staffing), timed in this process (median of runs);
* the GROUP BY Haven runs when it releases a quarter's weeks (over the check-in rollups,
  the reports of each week by reporter);
* all of it at 100,000 and at 1,000,000 responses: how the cost grows.
"""

from __future__ import annotations

import csv
import io
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.harness import LoadResult, Server, serve
from bench.reports import configure, token_for

DEPARTMENTS = 40
WEEKS = 52
REPORTS = 100_000
STAFFING_ROWS = 60_000
SUPPORT_REQUESTS = 20_000
QUESTIONS = ("stress", "workload_manageable", "staffing_adequate", "supported", "speak_up")
CATEGORIES = [
    "blood",
    "device",
    "fall",
    "medication",
    "pressure_injury",
    "surgery_anesthesia",
    "other",
]
KINDS = ["incident", "near_miss", "unsafe_condition", "good_catch_or_excellence"]
HARMS = ["none", "none", "none", "mild", "moderate", "unknown"]


def _last_complete_week() -> date:
    """The latest week released today (its check-in period and the default 48 hours' grace
    are over)."""
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=1 if today.weekday() >= 2 else 2)


def _copy_or_insert(
    conn: Any, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]
) -> int:
    """COPY on PostgreSQL, executemany on SQLite (raw driver: the load is not measured)."""
    count = 0
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    cursor = raw.cursor()
    placeholders = ", ".join("?" for _ in columns)
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 20_000:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", batch
            )
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", batch
        )
        count += len(batch)
    return count


def seed(responses: int) -> dict[str, Any]:
    from haven.auth.schemas import Profession, Role, UserCreate
    from haven.checkins import service as checkins_service
    from haven.checkins.models import CheckinTemplate
    from haven.core.db import create_db_engine, new_session
    from haven.core.migrate import upgrade
    from haven.core.settings import get_settings
    from haven.org import service as org_service
    from haven.org.schemas import DepartmentCreate

    upgrade(get_settings().database_url)
    engine = create_db_engine(get_settings())
    with new_session(engine) as session:
        departments = [
            org_service.create_department(
                session, None, data=DepartmentCreate(name=f"Ward {i:02d}", code=f"W{i:02d}")
            ).id
            for i in range(DEPARTMENTS)
        ]
        admin = org_service.create_user(
            session,
            None,
            data=UserCreate(
                email="admin@bench.example.org",
                display_name="Admin",
                roles=[Role.admin],
                profession=Profession.other,
                password=secrets.token_urlsafe(16),
            ),
        ).id
        checkins_service.ensure_default_template(session)
        template = session.exec(sa.select(CheckinTemplate)).first()[0]  # type: ignore[call-overload,index]
        session.commit()
        template_id, template_version = template.id, template.version
    pg = engine.dialect.name == "postgresql"

    def u(value: uuid.UUID) -> Any:
        return value if pg else value.hex

    def d(value: date) -> Any:
        return value if pg else value.isoformat()

    rng = random.Random(2026)
    last = _last_complete_week()
    weeks = [last - timedelta(weeks=i) for i in range(WEEKS - 1, -1, -1)]
    per_cell = responses // (WEEKS * DEPARTMENTS)
    extra = responses - per_cell * WEEKS * DEPARTMENTS
    started = time.perf_counter()
    response_rows: list[tuple[Any, ...]] = []
    answer_rows: list[tuple[Any, ...]] = []
    base_stress = {dep: rng.uniform(0.1, 0.35) for dep in departments}
    for w_index, week in enumerate(weeks):
        for dep_index, dep in enumerate(departments):
            n = per_cell + (1 if w_index * DEPARTMENTS + dep_index < extra else 0)
            p_high = base_stress[dep] + (0.3 if dep_index == 3 and w_index == WEEKS - 1 else 0.0)
            for _ in range(n):
                rid = uuid.uuid4()
                response_rows.append(
                    (u(rid), u(template_id), template_version, u(dep), "nurse", d(week))
                )
                stress = rng.choice([4, 5]) if rng.random() < p_high else rng.choice([1, 2, 3])
                values = (
                    stress,
                    int(rng.random() < 0.7),
                    int(rng.random() < 0.7),
                    rng.randint(2, 5),
                    rng.randint(2, 5),
                )
                answer_rows.extend((u(rid), q, v) for q, v in zip(QUESTIONS, values, strict=True))
    with engine.begin() as conn:
        _copy_or_insert(
            conn,
            "checkin_responses",
            [
                "id",
                "template_id",
                "template_version",
                "department_id",
                "profession",
                "period_start",
            ],
            iter(response_rows),
        )
        _copy_or_insert(
            conn, "checkin_answers", ["response_id", "question_key", "value"], iter(answer_rows)
        )
    del response_rows, answer_rows
    with new_session(engine) as session:
        checkins_service.rebuild_rollups(session, start=weeks[0], end=last + timedelta(days=6))
        session.commit()
    # Reports over the year, and staffing: three shifts a day for 500 days x 40 wards.
    first_day = weeks[0]
    report_rows = (
        (
            u(uuid.uuid4()),
            "anonymous",
            rng.choice(KINDS),
            rng.choice(CATEGORIES),
            rng.choice(HARMS),
            d(first_day + timedelta(days=rng.randrange(WEEKS * 7))),
            u(rng.choice(departments)),
            "Seeded report for the benchmark.",
            "[]",
            "submitted",
            "web",
            d(last),
            1,
        )
        for _ in range(REPORTS)
    )
    days = STAFFING_ROWS // (DEPARTMENTS * 3)
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    staffing_rows = (
        (
            u(uuid.uuid4()),
            u(dep),
            d(last + timedelta(days=6) - timedelta(days=day)),
            shift,
            10,
            rng.randint(7, 10),
            rng.randint(15, 30),
            "import",
            1,
            now,
            now,
        )
        for dep in departments
        for day in range(days)
        for shift in ("day", "evening", "night")
    )
    with engine.begin() as conn:
        _copy_or_insert(
            conn,
            "reports",
            [
                "id",
                "mode",
                "kind",
                "category",
                "harm",
                "occurred_on",
                "department_id",
                "description",
                "contributing_factors",
                "status",
                "source",
                "submitted_on",
                "version",
            ],
            report_rows,
        )
        _copy_or_insert(
            conn,
            "staffing_shifts",
            [
                "id",
                "department_id",
                "shift_on",
                "shift",
                "planned_staff",
                "actual_staff",
                "patient_census",
                "source",
                "version",
                "created_at",
                "updated_at",
            ],
            staffing_rows,
        )

    def t(value: datetime) -> Any:
        return value if pg else value.replace(tzinfo=None).isoformat(sep=" ")

    def support_row() -> tuple[Any, ...]:
        week = rng.choice(weeks)
        created = datetime.combine(
            week + timedelta(days=rng.randrange(7)), dtime(rng.randrange(24)), tzinfo=UTC
        )
        minutes = rng.uniform(20, 2000)
        contact = created + timedelta(minutes=minutes)
        return (
            u(uuid.uuid4()),
            "for_self",
            "closed",
            "routine",
            2,
            "[]",
            "[]",
            u(rng.choice(departments)),
            "nurse",
            False if pg else 0,
            d(week),
            True if pg else 1,
            t(created),
            t(created + timedelta(hours=24)),
            t(contact),
            minutes,
            t(contact + timedelta(days=3)),
            False if pg else 0,
            1,
        )

    with engine.begin() as conn:
        _copy_or_insert(
            conn,
            "support_requests",
            [
                "id",
                "kind",
                "status",
                "urgency",
                "tier",
                "excluded_user_ids",
                "passed_over_ids",
                "department_id",
                "profession",
                "not_own_department",
                "week_start",
                "first_in_week",
                "created_at",
                "due_at",
                "first_contact_at",
                "minutes_to_first_contact",
                "closed_at",
                "feedback_given",
                "version",
            ],
            (support_row() for _ in range(SUPPORT_REQUESTS)),
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if pg else "ANALYZE"))
    engine.dispose()
    return {"admin": admin, "weeks": weeks, "seconds": time.perf_counter() - started}


def _week(column: str, pg: bool) -> str:
    return (
        f"CAST(date_trunc('week', {column}) AS DATE)"
        if pg
        else f"date({column}, 'weekday 0', '-6 days')"
    )


def raw_queries(pg: bool, first: date, last: date) -> dict[str, str]:
    """The plain GROUP BYs over the base tables that compute the endpoint's figures."""
    end = last + timedelta(days=6)
    a, b = f"'{first.isoformat()}'", f"'{end.isoformat()}'"
    return {
        "checkins (responses x answers)": f"""
            SELECT r.department_id, r.period_start, a.question_key, count(*), sum(a.value),
                   sum(CASE WHEN a.question_key IN ('stress', 'supported', 'speak_up')
                                 AND a.value >= 4 THEN 1
                            WHEN a.question_key IN ('workload_manageable', 'staffing_adequate')
                                 THEN a.value
                            ELSE 0 END)
            FROM checkin_responses r JOIN checkin_answers a ON a.response_id = r.id
            WHERE r.period_start BETWEEN {a} AND {b}
            GROUP BY r.department_id, r.period_start, a.question_key""",
        **{
            f"reports by {col}": f"""
            SELECT department_id, {_week("occurred_on", pg)} AS w, {col}, count(*)
            FROM reports WHERE occurred_on BETWEEN {a} AND {b}
            GROUP BY department_id, w, {col}"""
            for col in ("kind", "category", "harm")
        },
        "support requests": f"""
            SELECT department_id, week_start, count(*),
                   sum(CASE WHEN first_in_week THEN 1 ELSE 0 END), count(first_contact_at),
                   sum(CASE WHEN first_contact_at <= due_at THEN 1 ELSE 0 END)
            FROM support_requests WHERE week_start BETWEEN {a} AND {b}
            GROUP BY department_id, week_start""",
        "staffing (day, then week)": f"""
            SELECT department_id, {_week("shift_on", pg)} AS w, sum(n), sum(p), sum(act), sum(c)
            FROM (SELECT department_id, shift_on, count(*) AS n, sum(planned_staff) AS p,
                         sum(actual_staff) AS act, avg(patient_census) AS c
                  FROM staffing_shifts WHERE shift_on BETWEEN {a} AND {b}
                  GROUP BY department_id, shift_on) days
            GROUP BY department_id, w""",
    }


def rollup_queries(first: date, last: date) -> dict[str, str]:
    """The reads Haven does when it releases these weeks (once per week, ever): the check-in
    rollups, and each week's reports by department, kind, category, harm and reporter."""
    a, b = f"'{first.isoformat()}'", f"'{(last + timedelta(days=6)).isoformat()}'"
    return {
        "checkins (responses x answers)": f"""
            SELECT c.week_start, c.department_key, c.respondents, q.question_key, q.answered,
                   q.total, q.high
            FROM checkin_rollups c JOIN checkin_rollup_answers q
              ON q.week_start = c.week_start AND q.department_key = c.department_key
            WHERE c.week_start BETWEEN {a} AND {b}""",
        "reports (by week of arrival, reporter)": f"""
            SELECT department_id, kind, category, harm, reporter_id, submitted_on, count(*)
            FROM reports WHERE submitted_on BETWEEN {a} AND {b}
            GROUP BY department_id, kind, category, harm, reporter_id, submitted_on""",
    }


def time_sql(url: str, sql: dict[str, str], *, runs: int = 7) -> tuple[float, dict[str, float]]:
    """Median wall time (ms) of running every query once, and each query's own median."""
    engine = sa.create_engine(url)
    each: dict[str, list[float]] = {name: [] for name in sql}
    totals = []
    with engine.connect() as conn:
        for query in sql.values():  # warm the cache
            conn.execute(sa.text(query)).fetchall()
        for _ in range(runs):
            total = 0.0
            for name, query in sql.items():
                started = time.perf_counter()
                conn.execute(sa.text(query)).fetchall()
                elapsed = (time.perf_counter() - started) * 1000
                each[name].append(elapsed)
                total += elapsed
            totals.append(total)
    engine.dispose()
    return statistics.median(totals), {k: statistics.median(v) for k, v in each.items()}


def _csv_rows(text: str) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(text))) - 1


def sequential(
    name: str, server: Server, path: str, *, headers: dict[str, str], duration: int
) -> LoadResult:
    """One request at a time (these are dashboard reads, not a hot path): latency as the
    client sees it on loopback, and the server process's CPU per request. At least five
    requests, more while ``duration`` seconds last."""
    import httpx

    latencies: list[float] = []
    errors = 0
    cpu_before = server.cpu()
    deadline = time.perf_counter() + duration
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
        while len(latencies) < 5 or time.perf_counter() < deadline:
            started = time.perf_counter()
            response = client.get(path)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
    cpu_ms = (server.cpu() - cpu_before) * 1000 / len(latencies)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    total_s = sum(latencies) / 1000
    return LoadResult(
        name,
        len(latencies),
        len(latencies) / total_s,
        statistics.median(latencies),
        p99,
        cpu_ms,
        errors,
    )


def _already_seeded(url: str) -> dict[str, Any]:
    """The admin and weeks of a database an earlier run seeded (``--measure-url``)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        admin = conn.execute(
            sa.text("SELECT id FROM users WHERE email = 'admin@bench.example.org'")
        ).scalar_one()
    engine.dispose()
    last = _last_complete_week()
    return {
        "admin": admin if isinstance(admin, uuid.UUID) else uuid.UUID(str(admin)),
        "weeks": [last - timedelta(weeks=i) for i in range(WEEKS - 1, -1, -1)],
        "seconds": 0.0,
    }


def measure(
    url: str, *, label: str, responses: int, duration: int, reuse: bool = False
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="haven-bench-insights-"))
    env = configure(url, workdir)
    seeded = _already_seeded(url) if reuse else seed(responses)
    print(
        f"[{label}] seeded {responses:,} responses, {REPORTS:,} reports, {STAFFING_ROWS:,} shifts, "
        f"{SUPPORT_REQUESTS:,} support requests "
        f"in {seeded['seconds']:.0f} s",
        flush=True,
    )
    weeks: list[date] = seeded["weeks"]
    quarter_first, last = weeks[-13], weeks[-1]
    window_first = weeks[-26]
    pg = url.startswith("postgresql")
    raw_quarter, raw_quarter_each = time_sql(url, raw_queries(pg, quarter_first, last))
    raw_window, _ = time_sql(url, raw_queries(pg, window_first, last))
    haven_sql = {
        name: sql
        for name, sql in raw_queries(pg, quarter_first, last).items()
        if not name.startswith("reports by")
    }
    haven_sql.update(rollup_queries(quarter_first, last))
    rollup_quarter, rollup_each = time_sql(url, haven_sql)
    token = token_for(seeded["admin"])
    results: dict[str, LoadResult] = {}
    with serve("haven", env) as server:
        import httpx

        headers = {"Authorization": f"Bearer {token}"}
        departments_path = f"/api/v1/insights/departments?start={quarter_first.isoformat()}"
        started = time.perf_counter()
        # releases the 26 weeks the dashboard's charts show (the first look after they close)
        first = httpx.get(
            server.url + f"/api/v1/insights/departments?start={window_first.isoformat()}",
            headers=headers,
            timeout=600,
        )
        cold_ms = (time.perf_counter() - started) * 1000
        assert first.status_code == 200, first.text
        first = httpx.get(server.url + departments_path, headers=headers, timeout=120)
        body = first.json()
        assert len(body["weeks"]) == 13, body["weeks"]
        csv_text = httpx.get(
            server.url + departments_path + "&format=csv", headers=headers, timeout=120
        ).text
        signals = httpx.get(server.url + "/api/v1/insights/signals", headers=headers, timeout=120)
        assert signals.status_code == 200, signals.text
        print(
            f"[{label}] first GET /departments (releases 26 weeks) {cold_ms:.0f} ms, "
            f"{cold_ms / 26:.0f} ms a week; {len(body['rows'])} rows, "
            f"{_csv_rows(csv_text)} CSV rows; /signals: {len(signals.json()['charts'])} charts",
            flush=True,
        )
        for name, path in (
            ("GET /insights/departments (quarter, all)", departments_path),
            ("GET /insights/signals (26 weeks, all)", "/api/v1/insights/signals"),
            ("GET /insights/hotspots", "/api/v1/insights/hotspots"),
        ):
            results[name] = sequential(name, server, path, headers=headers, duration=duration)
    return {
        "results": results,
        "release_26_weeks_ms": cold_ms,
        "raw_quarter_ms": raw_quarter,
        "raw_quarter_each": raw_quarter_each,
        "raw_window_ms": raw_window,
        "haven_sql_quarter_ms": rollup_quarter,
        "haven_sql_quarter_each": rollup_each,
    }


def report(label: str, size: int, m: dict[str, Any]) -> None:
    print(f"\n[{label}] {size:,} check-in responses")
    for result in m["results"].values():
        print("  " + result.line())
    print(f"  raw SQL GROUP BY, quarter (base tables):   {m['raw_quarter_ms']:8.1f} ms")
    for name, ms in m["raw_quarter_each"].items():
        print(f"      {name:<34} {ms:8.1f} ms")
    print(f"  raw SQL GROUP BY, 26 weeks (base tables):  {m['raw_window_ms']:8.1f} ms")
    print(f"  releasing 26 weeks (once, first look):     {m['release_26_weeks_ms']:8.0f} ms")
    print(f"  Haven's SQL to release a quarter:           {m['haven_sql_quarter_ms']:8.1f} ms")
    for name, ms in m["haven_sql_quarter_each"].items():
        print(f"      {name:<34} {ms:8.1f} ms")
    dep = m["results"]["GET /insights/departments (quarter, all)"]
    sig = m["results"]["GET /insights/signals (26 weeks, all)"]
    print(
        f"  /departments p50 {dep.p50_ms:.1f} ms (target < 300), "
        f"ratio to raw GROUP BY {dep.p50_ms / m['raw_quarter_ms']:.2f} (target <= 2)"
    )
    print(
        f"  /signals p50 {sig.p50_ms:.1f} ms (target < 500), "
        f"ratio to raw GROUP BY {sig.p50_ms / m['raw_window_ms']:.2f}",
        flush=True,
    )


def growth(label: str, sizes: list[int], measured: dict[int, dict[str, Any]]) -> None:
    small, large = (measured[s] for s in sizes)
    times = sizes[1] / sizes[0]
    for name in (
        "GET /insights/departments (quarter, all)",
        "GET /insights/signals (26 weeks, all)",
    ):
        ratio = large["results"][name].p50_ms / small["results"][name].p50_ms
        print(
            f"  [{label}] {name}: p50 x{ratio:.2f} for x{times:.0f} responses "
            f"(target <= x{times:.0f})"
        )
    raw = large["raw_quarter_ms"] / small["raw_quarter_ms"]
    print(f"  [{label}] raw GROUP BY: x{raw:.2f} for x{times:.0f} responses\n", flush=True)


def remeasure(urls: list[str], *, sizes: list[int], duration: int) -> None:
    """Measure databases seeded by an earlier run again (e.g. on a quieter machine)."""
    measured = {}
    for url, size in zip(urls, sizes, strict=True):
        label = "postgres" if url.startswith("postgresql") else "sqlite"
        measured[size] = measure(url, label=label, responses=size, duration=duration, reuse=True)
        report(label, size, measured[size])
    if len(urls) == 2:
        growth(label, sizes, measured)


def run(
    url_factory: Callable[[], AbstractContextManager[str]],
    *,
    label: str,
    responses: int,
    duration: int,
) -> None:
    sizes = sorted({max(responses // 10, 1000), responses})
    measured: dict[int, dict[str, Any]] = {}
    for size in sizes:
        with url_factory() as url:
            measured[size] = measure(url, label=label, responses=size, duration=duration)
        report(label, size, measured[size])
    if len(sizes) == 2:
        growth(label, sizes, measured)
    os.environ.pop("HAVEN_DATABASE_URL", None)

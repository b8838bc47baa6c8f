"""Cost of matching a support request against the supporter roster.

Two figures:

* the pure function (:func:`haven.support.policy.match_supporters`) on rosters of 50, 500
  and 5,000 generated supporters, beside an anchor measured in the same run (sorting the
  same number of tuples), so the figure survives a busy shared machine;
* the whole service step as a request pays it (load the roster, the people and the open
  caseloads from the database, then match), with 500 supporters on the roster.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from haven.support.policy import RequestFacts, SupporterFacts, Window, match_supporters

PROFESSIONS = ["nurse", "physician", "pharmacist", "allied_health", "support_staff", "other"]
LANGUAGES = ["en", "pl", "fr", "es", "ar", "ur", "pa", "de"]


def roster(size: int, rng: random.Random) -> list[SupporterFacts]:
    departments = [uuid.uuid4() for _ in range(40)]
    people = []
    for i in range(size):
        windows = tuple(
            Window(rng.randrange(7), rng.randrange(0, 20) * 60, rng.randrange(0, 24) * 60)
            for _ in range(rng.randint(1, 6))
        )
        people.append(
            SupporterFacts(
                supporter_id=uuid.uuid4(),
                user_id=uuid.uuid4(),
                display_name=f"Supporter {i:05d}",
                department_id=rng.choice(departments),
                professions=tuple(rng.sample(PROFESSIONS, rng.randint(1, 2))),
                languages=tuple(rng.sample(LANGUAGES, rng.randint(1, 3))),
                capacity=rng.randint(2, 5),
                open_caseload=rng.randint(0, 5),
                is_active=rng.random() > 0.05,
                is_paused=rng.random() < 0.1,
                training_completed_on=date(2026, 1, 1) if rng.random() > 0.03 else None,
                training_expires_on=date(2026, 6, 1) if rng.random() < 0.05 else None,
                windows=windows,
            )
        )
    return people


def _per_call_us(fn: Callable[[], object], *, min_seconds: float = 1.0) -> tuple[float, float]:
    """Median and 95th percentile of one call, in microseconds, over batches."""
    fn()
    samples = []
    deadline = time.perf_counter() + min_seconds
    while time.perf_counter() < deadline or len(samples) < 30:
        started = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def pure(sizes: tuple[int, ...] = (50, 500, 5000)) -> None:
    rng = random.Random(4)
    now = datetime(2026, 11, 24, 14, 30)
    request = RequestFacts(
        requester_id=uuid.uuid4(),
        department_id=uuid.uuid4(),
        not_own_department=True,
        preferred_profession="pharmacist",
        preferred_language="pl",
        involved_ids=frozenset(uuid.uuid4() for _ in range(5)),
    )
    print("matching: the pure function (median / p95 per call)")
    for size in sizes:
        people = roster(size, rng)
        anchor_rows = [(p.open_caseload, p.display_name, p.supporter_id) for p in people]
        result = match_supporters(request, people, local_now=now, today=now.date())
        med, p95 = _per_call_us(
            lambda people=people: match_supporters(request, people, local_now=now, today=now.date())
        )
        anchor, _ = _per_call_us(lambda rows=anchor_rows: sorted(rows))
        print(
            f"  {size:>5} supporters: {med:8.1f} us (p95 {p95:8.1f} us); "
            f"{len(result.eligible)} eligible; anchor sort of {size} tuples {anchor:6.1f} us "
            f"-> {med / anchor:5.1f}x"
        )


def with_database(database_url: str, *, label: str, size: int = 500) -> None:
    """The service path: roster, people and caseloads read from the database, then matched."""
    workdir = Path(tempfile.mkdtemp(prefix="haven-bench-match-"))
    os.environ.update(
        {
            "HAVEN_ENV": "development",
            "HAVEN_DATABASE_URL": database_url,
            "HAVEN_SECRET_KEY": secrets.token_urlsafe(48),
            "HAVEN_VAR_DIR": str(workdir / "var"),
            "HAVEN_WEB_DIR": str(workdir / "no-web"),
            "HAVEN_LOG_LEVEL": "WARNING",
        }
    )
    from haven.core.settings import get_settings

    get_settings.cache_clear()
    import sqlalchemy as sa

    from haven.auth.models import User, UserRole
    from haven.core.db import create_db_engine, new_session
    from haven.core.migrate import upgrade
    from haven.org import service as org_service
    from haven.org.schemas import DepartmentCreate
    from haven.support.matching import match_request
    from haven.support.models import Supporter, SupportRequest

    settings = get_settings()
    upgrade(settings.database_url)
    engine = create_db_engine(settings)
    rng = random.Random(9)
    now = datetime.now(UTC)
    with new_session(engine) as session:
        departments = [
            org_service.create_department(
                session, None, data=DepartmentCreate(name=f"Ward {i}", code=f"W{i}")
            ).id
            for i in range(40)
        ]
        session.commit()
    users, roles, supporters, requests = [], [], [], []
    for i in range(size + 1):
        user_id = uuid.uuid4()
        users.append(
            {
                "id": user_id,
                "email": f"s{i}@bench.example.org",
                "display_name": f"Supporter {i:05d}",
                "department_id": rng.choice(departments),
                "profession": rng.choice(PROFESSIONS),
                "is_active": True,
                "password_hash": None,
                "failed_login_count": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        if i == size:
            break  # the last one is the requester
        roles.append({"user_id": user_id, "role": "peer_supporter"})
        supporters.append(
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "training_completed_on": date(2026, 1, 1),
                "training_expires_on": None,
                "professions": [rng.choice(PROFESSIONS)],
                "languages": rng.sample(LANGUAGES, 2),
                "capacity": rng.randint(2, 5),
                "is_active": True,
                "is_paused": rng.random() < 0.1,
                # Most are reachable around the clock, some only in the day.
                "on_call": [
                    {"weekday": d, "start": "00:00", "end": "00:00"}
                    if rng.random() < 0.7
                    else {"weekday": d, "start": "07:00", "end": "19:00"}
                    for d in range(7)
                ],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        for _ in range(rng.randint(0, 2)):
            requests.append(
                {
                    "id": uuid.uuid4(),
                    "kind": "for_self",
                    "status": "active",
                    "urgency": "soon",
                    "tier": 2,
                    "supporter_id": user_id,
                    "excluded_user_ids": [],
                    "passed_over_ids": [],
                    "not_own_department": False,
                    "week_start": date.today(),
                    "first_in_week": True,
                    "created_at": now,
                    "due_at": now + timedelta(hours=4),
                    "feedback_given": False,
                    "version": 1,
                }
            )
    requester = users[-1]
    with engine.begin() as conn:
        conn.execute(sa.insert(User.__table__), users)  # type: ignore[attr-defined]
        conn.execute(sa.insert(UserRole.__table__), roles)  # type: ignore[attr-defined]
        conn.execute(sa.insert(Supporter.__table__), supporters)  # type: ignore[attr-defined]
        conn.execute(sa.insert(SupportRequest.__table__), requests)  # type: ignore[attr-defined]
    with new_session(engine) as session:
        probe = SupportRequest(
            kind="for_self",
            urgency="urgent",
            requester_id=requester["id"],
            department_id=requester["department_id"],
            not_own_department=True,
            preferred_profession="pharmacist",
            week_start=date.today(),
            created_at=now,
            due_at=now,
        )
        med, p95 = _per_call_us(lambda: match_request(session, probe), min_seconds=3.0)
        result = match_request(session, probe)
        anchor, _ = _per_call_us(
            lambda: session.execute(sa.select(Supporter.id, Supporter.on_call)).all()
        )
    engine.dispose()
    reasons: dict[str, int] = {}
    for exclusion in result.excluded:
        reasons[exclusion.reason.value] = reasons.get(exclusion.reason.value, 0) + 1
    print(
        f"matching [{label}]: load {size} supporters with people and caseloads, then match: "
        f"{med / 1000:.2f} ms (p95 {p95 / 1000:.2f} ms); anchor (read {size} roster rows) "
        f"{anchor / 1000:.2f} ms -> {med / anchor:.1f}x; {len(result.eligible)} eligible, "
        f"excluded {dict(sorted(reasons.items()))}"
    )


def run(database_url: str | None, *, label: str) -> None:
    if database_url is None:
        pure()
    else:
        with_database(database_url, label=label)

"""A season of a small hospital, watched by insiders who try to undo the suppression.

Six weeks of check-ins, reports (named, confidential, anonymous, some about events weeks
old), support requests (some made for colleagues), and an insider who pads a cell with their
own reports. After every week, every role that may see insights looks at everything it may
fetch, more than once and through several windows. Then :mod:`tests.insights.adversary`
solves for every hidden figure over all it saw, with what the padder knows of their own
records. Nothing hidden may be recovered, and no figure may change once shown.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.core import clock
from haven.core.weeks import monday_of
from haven.jobs import run_due_jobs
from tests.factories.checkins import answers
from tests.factories.org import Person, access_token_for, make_department, make_person
from tests.factories.reports import submit_anonymous, submit_report
from tests.insights.adversary import Figure, Knowledge, look, recover

WEEKS = 6
# respondents per department and week: one large, some medium, some below k
SIZES = {"A": 11, "B": 7, "C": 6, "D": 3, "E": 2, "F": 5}
HARMFUL = {"mild", "moderate", "severe", "death"}


@dataclass
class Season:
    departments: dict[str, uuid.UUID]
    people: dict[str, list[Person]]
    viewers: dict[str, Person]
    padder: Person
    weeks: list[date]
    seen: dict[str, Knowledge] = field(default_factory=dict)
    padder_owns: Counter[Figure] = field(default_factory=Counter)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _fresh(person: Person) -> Person:
    """A token minted on Haven's clock (which the season moves forward)."""
    return Person(
        id=person.id,
        email=person.email,
        password=person.password,
        roles=person.roles,
        department_id=person.department_id,
        token=access_token_for(person.id),
    )


def _set(now: datetime) -> None:
    clock.set_clock(lambda: now)


def _answer(client: TestClient, person: Person, stress: int, flip: bool) -> None:
    response = client.post(
        "/api/v1/checkins/responses",
        json={
            "answers": answers(
                stress=stress,
                workload_manageable=not flip,
                staffing_adequate=flip,
                supported=1 + (stress * 3) % 5,
                speak_up=5 - stress % 5,
            )
        },
        headers=_fresh(person).headers,
    )
    assert response.status_code in (200, 201, 202), response.text


def _report(
    client: TestClient,
    season: Season,
    person: Person | None,
    department: str,
    *,
    mode: str = "named",
    occurred: date,
    **fields: str,
) -> None:
    payload = {"occurred_on": occurred.isoformat(), **fields}
    if mode == "anonymous" or person is None:
        reporter = _fresh(season.people["A"][0])
        submit_anonymous(
            client, season.departments[department], headers=reporter.headers, **payload
        )
        return
    submit_report(client, _fresh(person), season.departments[department], mode=mode, **payload)


def _own(season: Season, week: date, department: str, **fields: str) -> None:
    """What the padder knows of one report they filed (it counts in its arrival week)."""
    w = week.isoformat()
    d = str(season.departments[department])
    names = ["rep:total", f"rep:kind:{fields['kind']}", f"rep:category:{fields['category']}"]
    names.append(f"rep:harm:{fields['harm']}")
    if fields["harm"] in HARMFUL:
        names.append("rep:harm_events")
    for row in (d, "org"):
        for name in names:
            season.padder_owns[(w, row, name)] += 1


def _look_all(client: TestClient, season: Season, week: date) -> None:
    windows = [
        {},
        {"end": week.isoformat()},
        {"start": week.isoformat(), "end": week.isoformat()},
        {"start": season.weeks[0].isoformat(), "end": week.isoformat()},
    ]
    for name, viewer in season.viewers.items():
        knowledge = season.seen.setdefault(name, Knowledge())
        knowledge.round += 1
        look(client, _fresh(viewer).headers, knowledge, windows=windows)


def _play(client: TestClient, engine: Engine) -> Season:
    first = monday_of(datetime.now(UTC).date()) + timedelta(weeks=3)
    _set(_at(first))
    departments = {name: make_department(engine, f"Ward {name}", f"W{name}") for name in SIZES}
    people = {
        name: [make_person(engine, Role.staff, department_id=dep) for _ in range(SIZES[name] + 1)]
        for name, dep in departments.items()
    }
    people["none"] = [make_person(engine, Role.staff) for _ in range(2)]
    padder = make_person(engine, Role.department_lead, department_id=departments["D"])
    viewers = {
        "staff": people["A"][-1],
        "lead (padder)": padder,
        "safety officer": make_person(engine, Role.safety_officer),
        "coordinator": make_person(engine, Role.support_coordinator),
        "admin": make_person(engine, Role.admin),
    }
    weeks = [first + timedelta(weeks=i) for i in range(WEEKS)]
    season = Season(departments, people, viewers, padder, weeks)

    for i, week in enumerate(weeks):
        _set(_at(week + timedelta(days=1)))
        # check-ins: every department's usual respondents, answers varying by week
        for name, size in SIZES.items():
            for j, person in enumerate(people[name][: size - (i % 2 if size > 3 else 0)]):
                _answer(client, person, stress=1 + (i + j * 2) % 5, flip=(i + j) % 3 == 0)
        for j, person in enumerate(people["none"][: 1 + i % 2]):
            _answer(client, person, stress=2 + j, flip=False)
        # reports: named and confidential from several people, a few anonymous
        for j, person in enumerate(people["A"][:6]):
            _report(
                client,
                season,
                person,
                "A",
                mode="named" if j % 2 else "confidential",
                occurred=week,
                kind="incident" if j % 3 else "near_miss",
                category="medication" if j % 2 else "fall",
                harm="mild" if j % 3 and not j % 2 else "none",
                **({"ncc_merp": "C" if j % 3 else "B"} if j % 2 else {}),
            )
        for j, person in enumerate(people["B"][: 2 + i % 3]):
            _report(
                client,
                season,
                person,
                "B",
                occurred=week,
                kind="incident",
                category="fall",
                harm="moderate" if j == 0 else "none",
            )
        _report(
            client,
            season,
            None,
            "C",
            mode="anonymous",
            occurred=week,
            kind="unsafe_condition",
            category="device",
            harm="none",
        )
        if i == 1:
            # one severe event in E, reported by one person
            _report(
                client,
                season,
                people["E"][0],
                "E",
                mode="confidential",
                occurred=week,
                kind="incident",
                category="blood",
                harm="severe",
            )
        if i == 3:
            # late reports of events weeks old, and an insider padding a cell with their own
            for j in range(2):
                _report(
                    client,
                    season,
                    people["F"][j],
                    "F",
                    occurred=weeks[0] + timedelta(days=j),
                    kind="incident",
                    category="surgery_anesthesia",
                    harm="mild",
                )
            _report(
                client,
                season,
                people["D"][0],
                "D",
                occurred=week,
                kind="incident",
                category="blood",
                harm="severe",
            )
            for _ in range(4):
                fields = {"kind": "incident", "category": "blood", "harm": "severe"}
                _report(client, season, padder, "D", occurred=week, **fields)
                _own(season, week, "D", **fields)
            for _ in range(2):
                fields = {"kind": "incident", "category": "blood", "harm": "severe"}
                _report(client, season, None, "D", mode="anonymous", occurred=week, **fields)
        # support: people asking for themselves, and one person asking for four colleagues
        for person in people["A"][: 2 + i % 2]:
            response = client.post(
                "/api/v1/support/requests",
                json={"kind": "for_self", "urgency": "soon", "contact_channel": "phone"},
                headers=_fresh(person).headers,
            )
            assert response.status_code == 201, response.text
        if i == 2:
            for colleague in people["B"][:4]:
                response = client.post(
                    "/api/v1/support/requests",
                    json={
                        "kind": "referral",
                        "urgency": "routine",
                        "referred_email": colleague.email,
                    },
                    headers=_fresh(people["B"][5]).headers,
                )
                assert response.status_code == 201, response.text
        # the week ends; answers still waiting are written; then everyone looks, twice
        _set(_at(week + timedelta(days=7), hour=1))
        run_due_jobs(engine)
        _look_all(client, season, week - timedelta(weeks=1))
        _set(_at(week + timedelta(days=9), hour=12))
        run_due_jobs(engine)
        _look_all(client, season, week)
    # weeks later, once everything has settled, they look again
    _set(_at(weeks[-1] + timedelta(days=30)))
    run_due_jobs(engine)
    _look_all(client, season, weeks[-1])
    return season


def test_no_role_recovers_a_hidden_figure_or_sees_one_change_even_padding(
    client: TestClient, engine: Engine
) -> None:
    season = _play(client, engine)
    report: dict[str, dict[str, Any]] = {}
    for name, knowledge in season.seen.items():
        assert knowledge.looks > 0
        report[name] = {
            "hidden": len(knowledge.hidden - set(knowledge.shown)),
            "recovered": [(r.figure, r.value) for r in recover(knowledge)],
            "changed": sorted(knowledge.changed),
        }
    assert all(r["hidden"] for r in report.values()), "every role must meet hidden figures"
    assert {name: (r["recovered"], r["changed"]) for name, r in report.items()} == {
        name: ([], []) for name in report
    }
    # the padder, with what they know of their own reports, recovers nothing either
    knowledge = season.seen["lead (padder)"]
    assert season.padder_owns
    assert [(r.figure, r.value) for r in recover(knowledge, own=season.padder_owns)] == []

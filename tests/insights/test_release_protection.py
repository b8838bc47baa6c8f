"""Releases withstand the adversary on weeks built at random (no database).

Each week has departments from empty to large, check-in answers of every shape (everyone
answering 1, nobody high, one person alone...), reports from several reporters and anonymous
ones, support requests made by people and by colleagues for them. The release's suppression
runs; what it publishes is read by the independent adversary of :mod:`tests.insights.adversary`
(as a reader who sees every department, and with one insider's own records), who must recover
no hidden figure.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest

from haven.checkins.schemas import (
    QuestionRead,
    QuestionType,
)
from haven.insights import protection, release, week
from haven.insights.protection import CHECKINS, ORG, REPORTS, SUPPORT
from haven.insights.publish import publish
from haven.reports.schemas import HARM_EVENTS, Category, Harm, ReportKind
from haven.support.schemas import SupportReleaseFigures, SupportWeekFigures
from tests.insights.adversary import Figure, Knowledge, recover

WEEK = date(2027, 3, 1)
K = 5
QUESTIONS = [
    QuestionRead(key="stress", text="Stress", type=QuestionType.scale_1_5, higher_is_better=False),
    QuestionRead(key="workload", text="Workload", type=QuestionType.yes_no),
    QuestionRead(
        key="speak_up", text="Speak up", type=QuestionType.scale_1_5, higher_is_better=True
    ),
]
_KINDS_HARMS = [
    (ReportKind.incident, Harm.none),
    (ReportKind.incident, Harm.mild),
    (ReportKind.incident, Harm.moderate),
    (ReportKind.incident, Harm.severe),
    (ReportKind.near_miss, Harm.none),
    (ReportKind.unsafe_condition, Harm.none),
    (ReportKind.good_catch_or_excellence, Harm.none),
]


def _answers(rng: random.Random, n: int, style: str) -> list[tuple[int, int, int]]:
    people = []
    for _ in range(n):
        if style == "all_low":
            people.append((1, 0, 1))
        elif style == "all_high":
            people.append((5, 1, 5))
        else:
            people.append((rng.randint(1, 5), rng.randint(0, 1), rng.randint(1, 5)))
    return people


def _week(rng: random.Random) -> week.Collected:
    departments: list[uuid.UUID | None] = [
        uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(rng.randint(2, 6))
    ]
    if rng.random() < 0.4:
        departments.append(None)
    table = protection.Week(questions=[q.type for q in QUESTIONS], report_lines=week.REPORT_LINES)
    n_parts = len(week.REPORT_PARTS)
    reporters: dict[int, list[set[int]]] = {}
    own: dict[int | None, Counter[tuple[int, int]]] = defaultdict(Counter)
    support: dict[int, SupportReleaseFigures] = {}
    shares: list[dict[int, tuple[int, int, int, int, int, int]]] = []
    for d, department in enumerate(departments):
        size = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12])
        if size:
            style = rng.choice(["mixed", "mixed", "all_low", "all_high"])
            people = _answers(rng, size, style)
            sums = []
            for qi, q in enumerate(QUESTIONS):
                values = [p[qi] for p in people]
                scale = q.type is QuestionType.scale_1_5
                high = sum(1 for v in values if (v >= 4 if scale else v))
                sums.append((size, sum(values), high))
                table.answer_values[(d, qi)] = frozenset(values)
            table.checkins[d] = protection.CheckinRow(size, sums)
        # reports: a few identified reporters (shared across departments) and anonymous ones
        counts = [0] * n_parts
        sets: list[set[int]] = [set() for _ in range(n_parts)]
        for _ in range(rng.choice([0, 0, 1, 2, 3, 6, 9])):
            who = rng.choice([None, None, *range(8)])
            kind, harm = rng.choice(_KINDS_HARMS)
            category = rng.choice([Category.fall, Category.medication, Category.blood])
            parts = [
                week.TOTAL,
                week.PART[("kind", kind.value)],
                week.PART[("category", category.value)],
                week.PART[("harm", harm.value)],
            ]
            if harm in HARM_EVENTS:
                parts.append(week.HARM_EVENTS_PART)
            for p in parts:
                counts[p] += 1
                own[who][(d, p)] += 1
                if who is not None:
                    sets[p].add(who)
        if counts[week.TOTAL]:
            table.reports[d] = tuple(counts)
            reporters[d] = sets
        requests = rng.choice([0, 0, 1, 2, 3, 5, 7])
        if requests:
            contacts = rng.randint(0, requests)
            within = rng.randint(0, contacts)
            creators = rng.randint(1, requests)
            figures = SupportWeekFigures(
                department_id=department,
                week_start=WEEK,
                requests=requests,
                requesters=rng.randint(1, requests),
                first_contacts=contacts,
                median_minutes_to_first_contact=30.0 if contacts else None,
                within_target=within,
            )
            support[d] = SupportReleaseFigures(figures=figures, creators=creators)
            table.support[d] = protection.SupportRow(requests, figures.requesters, contacts, within)
            # one creator made the rest of the requests beyond one each: they know those
            heaviest = requests - creators + 1
            share = (
                heaviest,
                min(heaviest, figures.requesters),
                min(heaviest, contacts),
                min(heaviest, within),
                min(heaviest, requests - contacts),
                min(heaviest, contacts - within),
            )
            shares.append({d: share, ORG: share})
    cells: dict[int | None, dict[tuple[int, int], int]] = {
        who: {**{(d, p): n for (d, p), n in counter.items()}} for who, counter in own.items()
    }
    for known in cells.values():
        for (_, p), n in list(known.items()):
            known[(ORG, p)] = known.get((ORG, p), 0) + n
    table.report_insiders = week.report_insiders(cells)
    table.support_insiders = shares
    people = {d: tuple(len(s) for s in sets) for d, sets in reporters.items()}
    people[ORG] = tuple(
        len(set().union(*(sets[p] for sets in reporters.values()))) for p in range(n_parts)
    )
    if support:
        total = SupportWeekFigures(
            department_id=None,
            week_start=WEEK,
            requests=sum(s.figures.requests for s in support.values()),
            requesters=sum(s.figures.requesters for s in support.values()),
            first_contacts=sum(s.figures.first_contacts for s in support.values()),
            median_minutes_to_first_contact=None,
            within_target=sum(s.figures.within_target for s in support.values()),
        )
        support[ORG] = SupportReleaseFigures(total, sum(s.creators for s in support.values()))
    collected = week.Collected(
        week=WEEK,
        questions=QUESTIONS,
        departments=departments,
        table=table,
        report_people=people,
        support=support,
        staffing={},
        debriefs={},
    )
    collected.own = own  # type: ignore[attr-defined]
    return collected


def _as_api(collected: week.Collected, published: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for row in published["rows"]:
        rows.append({**row, "week_start": WEEK.isoformat(), "department_name": "-"})
    return {"questions": published["questions"], "rows": rows}


def _own_figures(collected: week.Collected, who: int) -> dict[Figure, float]:
    """What reporter ``who`` knows: their reports and (the cautious case) every anonymous one."""
    own: dict[int | None, Counter[tuple[int, int]]] = collected.own  # type: ignore[attr-defined]
    names = {i: "rep:" + ":".join(part) for i, part in enumerate(week.REPORT_PARTS)}
    found: Counter[Figure] = Counter()
    for source in (who, None):
        for (d, p), n in own.get(source, Counter()).items():
            department = collected.departments[d]
            row = str(department) if department else "none"
            found[(WEEK.isoformat(), row, names[p])] += n
            found[(WEEK.isoformat(), "org", names[p])] += n
    return dict(found)


@pytest.mark.parametrize("seed", range(30))
def test_a_random_week_hides_nothing_the_adversary_can_recover(seed: int) -> None:
    rng = random.Random(seed)
    collected = _week(rng)
    hidden = release.hidden_cells(collected, K)
    published = publish(collected, hidden)
    knowledge = Knowledge()
    knowledge.read_table(_as_api(collected, published))
    knowledge.sees_every_department = True
    assert recover(knowledge) == []
    own: dict[int | None, Counter[tuple[int, int]]] = collected.own  # type: ignore[attr-defined]
    # the three insiders who know most of their own records (knowing one report of a cell
    # is no more than "at least 1", which every reader assumes)
    insiders = [_own_figures(collected, who) for who in own if who is not None]
    insiders = [known for known in insiders if max(known.values(), default=0) > 1]
    for known in sorted(insiders, key=lambda k: -sum(k.values()))[:3]:
        assert recover(knowledge, own=known) == []
    # every figure shown stands on at least k people: respondents, identified reporters,
    # people who asked
    for d, row in collected.table.checkins.items():
        if (CHECKINS, d, -1) not in hidden:
            assert row.respondents >= K
    for d, counts in collected.table.reports.items():
        for p, n in enumerate(counts):
            if n and (REPORTS, d, p) not in hidden:
                assert collected.report_people[d][p] >= K
    for d, s in collected.support.items():
        if (SUPPORT, d, 0) not in hidden:
            assert s.creators >= K

"""The true figures of one week, as the release audit reads them (see ``protection``).

A cell is named ``(family, row, figure)``: the family (:data:`CHECKINS`, :data:`REPORTS`,
:data:`SUPPORT`), the department index of its row (:data:`ORG` for the organisation's
total), and which of the row's figures it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from haven.checkins.schemas import QuestionType

ORG = -1
Cell = tuple[int, int, int]  # (family, row, figure); rows are department indices, ORG the total
CHECKINS, REPORTS, SUPPORT = 0, 1, 2


@dataclass
class CheckinRow:
    respondents: int
    questions: list[tuple[int, int, int]]  # (answered, total, high), aligned with the table's


@dataclass
class SupportRow:
    requests: int
    requesters: int
    first_contacts: int
    within_target: int


# What one creator of support requests contributed to a row: (requests, requesters, first
# contacts, within target, requests without contact, contacts outside the target).
SupportShare = tuple[int, int, int, int, int, int]


@dataclass
class Week:
    """One week's true figures, per department index (the ORG row is derived)."""

    questions: list[QuestionType]
    checkins: dict[int, CheckinRow] = field(default_factory=dict)
    # the distinct answers given to a question in a row: what one respondent may know
    answer_values: dict[tuple[int, int], frozenset[int]] = field(default_factory=dict)
    reports: dict[int, tuple[int, ...]] = field(default_factory=dict)
    report_lines: Sequence[tuple[int, Sequence[int]]] = ()
    # per insider: what they know of each (row, report figure), ORG included
    report_insiders: list[dict[tuple[int, int], int]] = field(default_factory=list)
    support: dict[int, SupportRow] = field(default_factory=dict)
    # per insider: what they know of each row's support figures, ORG included
    support_insiders: list[dict[int, SupportShare]] = field(default_factory=list)

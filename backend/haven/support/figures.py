"""Support figures for insights' weekly releases: the week's counts (``weekly_figures`` of the
service) with the facts the small-cell rules need about the people behind them.

A request counts in the week it was made (``week_start``). Its *creator* is the person who
asked: the requester, or for a referral the colleague who referred them. Creators are told
apart only inside this computation: the release needs how many there are and what each one
contributed (as an anonymous list: what one insider may know). Requests already purged
(their people emptied by retention) have no known creator: they are counted, never as a
creator, and are assumed to be known to every creator (the cautious assumption).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col

from haven.support.models import SupportRequest
from haven.support.schemas import (
    CreatorShare,
    RequestKind,
    SupportRelease,
    SupportReleaseFigures,
    SupportWeekFigures,
)


@dataclass
class _Tally:
    requests: int = 0
    requesters: int = 0
    first_contacts: int = 0
    within_target: int = 0

    def add(self, *, requester_first: bool, contacted: bool, in_target: bool) -> None:
        self.requests += 1
        self.requesters += int(requester_first)
        self.first_contacts += int(contacted)
        self.within_target += int(in_target)

    def share(self, unknown: _Tally) -> CreatorShare:
        q = self.requests + unknown.requests
        f = self.first_contacts + unknown.first_contacts
        w = self.within_target + unknown.within_target
        return (q, self.requesters + unknown.requesters, f, w, q - f, f - w)


def release_figures(
    session: Session, *, week: date, weekly: Sequence[SupportWeekFigures]
) -> SupportRelease:
    """``weekly``: the week's figures per department (``service.weekly_figures``)."""
    by_creator: dict[uuid.UUID, dict[uuid.UUID | None, _Tally]] = defaultdict(
        lambda: defaultdict(_Tally)
    )
    creator_totals: dict[uuid.UUID, _Tally] = defaultdict(_Tally)
    unknown: dict[uuid.UUID | None, _Tally] = defaultdict(_Tally)
    unknown_total = _Tally()
    for (
        department_id,
        kind,
        requester_id,
        referrer_id,
        first,
        contact_at,
        due_at,
    ) in session.execute(
        sa.select(
            col(SupportRequest.department_id),
            col(SupportRequest.kind),
            col(SupportRequest.requester_id),
            col(SupportRequest.referrer_id),
            col(SupportRequest.first_in_week),
            col(SupportRequest.first_contact_at),
            col(SupportRequest.due_at),
        ).where(col(SupportRequest.week_start) == week)
    ).all():
        creator = referrer_id if kind == RequestKind.referral.value else requester_id
        facts = {
            "requester_first": bool(first),
            "contacted": contact_at is not None,
            "in_target": contact_at is not None and contact_at <= due_at,
        }
        if creator is None:
            unknown[department_id].add(**facts)
            unknown_total.add(**facts)
        else:
            by_creator[creator][department_id].add(**facts)
            creator_totals[creator].add(**facts)
    found = [
        SupportReleaseFigures(
            figures=f,
            creators=sum(1 for t in by_creator.values() if f.department_id in t),
        )
        for f in weekly
    ]
    organisation = None
    if weekly:
        total = SupportWeekFigures(
            department_id=None,
            week_start=week,
            requests=sum(f.requests for f in weekly),
            requesters=sum(f.requesters for f in weekly),
            first_contacts=sum(f.first_contacts for f in weekly),
            median_minutes_to_first_contact=None,
            within_target=sum(f.within_target for f in weekly),
        )
        organisation = SupportReleaseFigures(figures=total, creators=len(by_creator))
    people = [(by_creator[c], creator_totals[c]) for c in by_creator]
    if unknown_total.requests:
        people.append(({}, _Tally()))  # someone who knows only of the purged requests
    shares = [
        (
            {
                d: tallies.get(d, _Tally()).share(unknown.get(d, _Tally()))
                for d in {*tallies, *unknown}
            },
            total_tally.share(unknown_total),
        )
        for tallies, total_tally in people
    ]
    return SupportRelease(departments=found, organisation=organisation, shares=shares)

"""Loading past check-in answers in bulk (the demo, imports): no person attached, and
generalised like a batch (see :mod:`haven.checkins`, rule 3)."""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from haven.checkins.batches import batch_size, generalised_professions
from haven.checkins.models import CheckinAnswer, CheckinResponse
from haven.checkins.rollups import rebuild_rollups
from haven.checkins.templates import active_template, ensure_default_template
from haven.core.errors import NotFound
from haven.core.weeks import week_end

# An order nobody can predict or reproduce.
_shuffle = random.SystemRandom().shuffle


@dataclass(frozen=True)
class LoadedResponse:
    """One past answer to load in bulk (an import, the demo): no person attached."""

    department_id: uuid.UUID | None
    profession: str | None
    period_start: date
    answers: dict[str, int]


def generalise_loaded(responses: Sequence[LoadedResponse], k: int) -> list[LoadedResponse]:
    """Rule 3 of :mod:`haven.checkins` for a bulk load: a (period, department) group of
    fewer than k loses its department (it joins the period's answers without one), then
    each (period, department) group's professions are generalised as a batch's are."""
    sizes = Counter((r.period_start, r.department_id) for r in responses)
    moved = [
        r
        if r.department_id is None or sizes[(r.period_start, r.department_id)] >= k
        else LoadedResponse(None, None, r.period_start, r.answers)
        for r in responses
    ]
    groups: dict[tuple[date, uuid.UUID | None], list[LoadedResponse]] = defaultdict(list)
    for r in moved:
        groups[(r.period_start, r.department_id)].append(r)
    generalised: list[LoadedResponse] = []
    for group in groups.values():
        named = [r.profession for r in group if r.profession is not None]
        kept = generalised_professions(named, k, unnamed=len(group) - len(named))
        generalised += [
            LoadedResponse(
                r.department_id,
                None if r.profession is None else kept[r.profession],
                r.period_start,
                r.answers,
            )
            for r in group
        ]
    return generalised


def load_responses(session: Session, *, responses: Sequence[LoadedResponse]) -> None:
    """Load answers of past periods in bulk, then rebuild the rollups of those periods.

    Nobody's participation is recorded (the people are not known): for imports and the
    demo only. Each response gets a random id; rows are inserted in a random order. The
    load is generalised like a batch (:func:`generalise_loaded`): no (period, department)
    group of it below k keeps its department, no profession group below k its profession.
    """
    if not responses:
        return
    ensure_default_template(session)
    template = active_template(session)
    if template is None:
        raise NotFound("No check-in template is active.")
    rows = generalise_loaded(responses, batch_size())
    _shuffle(rows)
    response_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for loaded in rows:
        response_id = uuid.uuid4()
        response_rows.append(
            {
                "id": response_id,
                "template_id": template.id,
                "template_version": template.version,
                "department_id": loaded.department_id,
                "profession": loaded.profession,
                "period_start": loaded.period_start,
            }
        )
        answer_rows += [
            {"response_id": response_id, "question_key": k, "value": v, "text": None}
            for k, v in loaded.answers.items()
        ]
    session.execute(sa.insert(CheckinResponse.__table__), response_rows)  # type: ignore[attr-defined]
    session.execute(sa.insert(CheckinAnswer.__table__), answer_rows)  # type: ignore[attr-defined]
    first = min(r.period_start for r in rows)
    last = max(r.period_start for r in rows)
    rebuild_rollups(session, start=first, end=week_end(last))

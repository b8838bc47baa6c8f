"""Writing check-in answers in batches of at least k (see :mod:`haven.checkins`).

Once a (period, department) pool holds k answers, :func:`write_ready_batches` writes the
whole pool in one transaction of its own: the people's participations and their
responses, each set in an order drawn independently, and the rollups moved by the batch's
sums. :func:`write_ended_periods` (a periodic job) writes what is left when a period ends.
Professions are generalised within each batch (:func:`generalised_professions`).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from haven.auth import service as auth_service
from haven.checkins.models import (
    NO_DEPARTMENT,
    CheckinAnswer,
    CheckinParticipation,
    CheckinResponse,
    CheckinRollup,
    CheckinRollupAnswer,
)
from haven.checkins.pool import POOL, WaitingAnswer
from haven.checkins.rollups import sqlite_write_lock
from haven.core import clock
from haven.core.db import dialect_insert, new_session
from haven.core.settings import get_settings

log = logging.getLogger("haven.checkins")

# Orders and ids nobody can predict or reproduce (module attributes, so a test can fix them).
_shuffle = random.SystemRandom().shuffle
_new_id = uuid.uuid4


def batch_size() -> int:
    """k: the fewest answers written together, the smallest group any stored value shares."""
    return get_settings().insights.min_cell_size


def generalised_professions(
    professions: Sequence[str], k: int, *, unnamed: int = 0
) -> dict[str, str | None]:
    """Which profession each answer of a batch is stored under: its own where at least k
    of the batch share it, else none (NULL). If the answers without a profession (with
    ``unnamed`` that came without one) would be fewer than k, but some, the next-smallest
    professions are hidden too, until they are k or more, or every profession is hidden."""
    counts = Counter(professions)
    hidden = {p for p, n in counts.items() if n < k}
    hidden_total = unnamed + sum(counts[p] for p in hidden)
    for profession in sorted((p for p in counts if p not in hidden), key=lambda p: (counts[p], p)):
        if hidden_total == 0 or hidden_total >= k:
            break
        hidden.add(profession)
        hidden_total += counts[profession]
    return {p: None if p in hidden else p for p in counts}


def write_ready_batches(engine: Engine) -> int:
    """Write every waiting pool that holds at least k answers (and retry batches whose
    write failed), each in a transaction of its own; returns how many answers were
    written."""
    k = batch_size()
    written = 0
    for sealed in POOL.take_sealed():
        written += _write_batch(engine, sealed.answers, k=k, leftover=sealed.leftover, sealed=True)
    for batch in POOL.take_ready(k):
        written += _write_batch(engine, batch, k=k, leftover=False)
    return written


def write_ended_periods(engine: Engine) -> int:
    """Write what still waits for periods that have ended (before today): per period, every
    department's leftovers together as one batch, stored under no department and no
    profession, or not at all when they are fewer than k, first writing every pool that is
    ready. Returns how many answers were written. Runs after each accepted answer, as a
    periodic job, and at shutdown; insights call it before computing a period's release."""
    written = write_ready_batches(engine)
    k = batch_size()
    for batch in POOL.take_ended(clock.today()):
        written += _write_batch(engine, batch, k=k, leftover=True)
    return written


@dataclass
class _Batch:
    written: list[WaitingAnswer] = field(default_factory=list)
    dropped: list[WaitingAnswer] = field(default_factory=list)  # answered elsewhere already
    kept: list[WaitingAnswer] = field(default_factory=list)  # not written: too few


def _write_batch(
    engine: Engine,
    answers: Sequence[WaitingAnswer],
    *,
    k: int,
    leftover: bool,
    sealed: bool = False,
) -> int:
    """One batch in one transaction of its own. If it fails, the batch is sealed and
    retried as it is (see :meth:`WaitingPool.seal`)."""
    batch = _Batch()
    try:
        with new_session(engine) as session:
            _insert_batch(session, answers, k=k, leftover=leftover, sealed=sealed, batch=batch)
            if batch.written:
                session.commit()
            else:
                session.rollback()
    except Exception:
        # No count, department or period in the line: only that a write failed.
        log.exception("a batch of check-in answers could not be written; it is retried")
        POOL.seal(answers, leftover)
        return 0
    # Released only now: until the participations are committed the people stay held, so
    # a second answer from them is refused throughout.
    POOL.release(batch.written + batch.dropped)
    if batch.kept and (leftover or (sealed and batch.dropped)):
        # Not stored: a leftover batch below k is the price of an anonymity set that
        # small; a failed batch that lost a member cannot be retried without that
        # member's answer showing as the difference from its dead attempt. These people
        # have no participation, so they may answer again while the period is open.
        POOL.release(batch.kept)
    elif batch.kept and sealed:
        POOL.seal(batch.kept, leftover)
    elif batch.kept:
        POOL.put_back(batch.kept)
    return len(batch.written)


def _insert_batch(
    session: Session,
    answers: Sequence[WaitingAnswer],
    *,
    k: int,
    leftover: bool,
    sealed: bool,
    batch: _Batch,
) -> None:
    """Fill ``batch`` with what was written, dropped and kept back; the caller commits
    only when something was written."""
    period_start = answers[0].period_start
    participations = CheckinParticipation.__table__  # type: ignore[attr-defined]
    # So the participations read are the ones the batch is checked against (PostgreSQL
    # relies on ON CONFLICT below).
    sqlite_write_lock(session)
    people = [a.user_id for a in answers]
    answered = set(
        session.execute(
            sa.select(participations.c.user_id).where(
                participations.c.period_start == period_start,
                participations.c.user_id.in_(people),
            )
        ).scalars()
    )
    present = set(auth_service.users_by_id(session, people))
    for answer in answers:
        if answer.user_id in answered or answer.user_id not in present:
            batch.dropped.append(answer)
        else:
            batch.kept.append(answer)
    if len(batch.kept) < k or (sealed and batch.dropped):
        return
    rows = [{"user_id": a.user_id, "period_start": period_start} for a in batch.kept]
    _shuffle(rows)
    insert = dialect_insert(session)
    inserted = set(
        session.execute(
            insert(participations)
            .on_conflict_do_nothing(index_elements=["user_id", "period_start"])
            .returning(participations.c.user_id),
            rows,
        ).scalars()
    )
    if len(inserted) < len(batch.kept):  # another process wrote some of them meanwhile
        batch.dropped += [a for a in batch.kept if a.user_id not in inserted]
        batch.kept = [a for a in batch.kept if a.user_id in inserted]
        if len(batch.kept) < k or sealed:
            return  # rolled back by the caller
    kept, batch.kept = batch.kept, []
    department_id = None if leftover else answers[0].department_id
    stored = {} if leftover else generalised_professions([a.profession for a in kept], k)
    _insert_responses(session, kept, department_id=department_id, professions=stored)
    _add_to_rollups(session, kept, week=period_start, department_key=department_id or NO_DEPARTMENT)
    batch.written = kept


def _insert_responses(
    session: Session,
    answers: Sequence[WaitingAnswer],
    *,
    department_id: uuid.UUID | None,
    professions: dict[str, str | None],
) -> None:
    """Fresh random ids, and an order of their own: drawn again, independently of the
    participations' order and of the order people answered in."""
    order = list(answers)
    _shuffle(order)
    response_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    for answer in order:
        response_id = _new_id()
        response_rows.append(
            {
                "id": response_id,
                "template_id": answer.template_id,
                "template_version": answer.template_version,
                "department_id": department_id,
                "profession": professions.get(answer.profession),
                "period_start": answer.period_start,
            }
        )
        answer_rows += [
            {"response_id": response_id, "question_key": key, "value": value, "text": text}
            for key, (value, text) in answer.answers.items()
        ]
    session.execute(sa.insert(CheckinResponse.__table__), response_rows)  # type: ignore[attr-defined]
    if answer_rows:
        session.execute(sa.insert(CheckinAnswer.__table__), answer_rows)  # type: ignore[attr-defined]


def _add_to_rollups(
    session: Session, answers: Sequence[WaitingAnswer], *, week: date, department_key: uuid.UUID
) -> None:
    """The batch's sums, one statement per rollup row: no row ever moves by fewer than k."""
    sums: dict[str, list[int]] = {}
    for answer in answers:
        for key, (value, _text) in answer.answers.items():
            if value is None:
                continue
            high = int(value >= 4) if key in answer.scale_keys else value
            row = sums.setdefault(key, [0, 0, 0])
            row[0] += 1
            row[1] += value
            row[2] += high
    insert = dialect_insert(session)
    cells = CheckinRollup.__table__  # type: ignore[attr-defined]
    stmt = insert(cells).values(
        week_start=week, department_key=department_key, respondents=len(answers)
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["week_start", "department_key"],
            set_={"respondents": cells.c.respondents + len(answers)},
        )
    )
    table = CheckinRollupAnswer.__table__  # type: ignore[attr-defined]
    for key, (answered, total, high) in sorted(sums.items()):
        stmt = insert(table).values(
            week_start=week,
            department_key=department_key,
            question_key=key,
            answered=answered,
            total=total,
            high=high,
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["week_start", "department_key", "question_key"],
                set_={
                    "answered": table.c.answered + answered,
                    "total": table.c.total + total,
                    "high": table.c.high + high,
                },
            )
        )

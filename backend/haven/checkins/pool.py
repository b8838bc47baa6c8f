"""Check-in answers waiting, in this process's memory only, to be written in a batch.

Nothing of a check-in answer is written when it is submitted: it waits here, in a pool
per (period, department), until the pool holds at least k answers (see
:mod:`haven.checkins`). The pool also remembers who is waiting ("held"), from the moment a
submission is accepted until the person's participation is in the database, so a second
answer in the same period is refused (409) in this process.

What lives here dies with the process: answers still waiting when a process is killed are
lost, and since no participation was written for them, their people may answer again.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

Answer = tuple[int | None, str | None]
PoolKey = tuple[date, uuid.UUID | None]


@dataclass(frozen=True, slots=True, eq=False)
class WaitingAnswer:
    """One person's answer to one period's check-in, not yet written."""

    user_id: uuid.UUID
    period_start: date
    period_end: date
    department_id: uuid.UUID | None
    profession: str
    template_id: uuid.UUID
    template_version: int
    answers: Mapping[str, Answer]  # question key -> (value, text); never the reach-out answer
    scale_keys: frozenset[str]  # which of the keys are 1-5 scales (the others are yes/no, text)

    @property
    def key(self) -> PoolKey:
        return (self.period_start, self.department_id)


@dataclass(frozen=True, slots=True)
class Sealed:
    """A batch whose write failed: retried exactly as it was (see :meth:`WaitingPool.seal`)."""

    answers: tuple[WaitingAnswer, ...]
    leftover: bool


class WaitingPool:
    """Thread-safe: request threads add, and whichever thread finds a pool ready takes it
    out whole, so two threads never write the same answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[PoolKey, list[WaitingAnswer]] = {}
        self._sealed: list[Sealed] = []
        self._held: set[tuple[uuid.UUID, date]] = set()

    def hold(self, user_id: uuid.UUID, period_start: date) -> bool:
        """Mark a person as answering this period; False if they already are."""
        with self._lock:
            if (user_id, period_start) in self._held:
                return False
            self._held.add((user_id, period_start))
            return True

    def is_held(self, user_id: uuid.UUID, period_start: date) -> bool:
        with self._lock:
            return (user_id, period_start) in self._held

    def release(self, answers: Sequence[WaitingAnswer]) -> None:
        """Forget these people's holds (their participation is written, their answer was
        dropped, or their submission was undone)."""
        with self._lock:
            for answer in answers:
                self._held.discard((answer.user_id, answer.period_start))

    def add(self, answer: WaitingAnswer) -> None:
        """An accepted answer (its person is held) starts waiting."""
        with self._lock:
            self._waiting.setdefault(answer.key, []).append(answer)

    def put_back(self, answers: list[WaitingAnswer]) -> None:
        """Answers taken out for a batch that wrote nothing of them wait again, with the
        answers that arrive meanwhile."""
        with self._lock:
            for answer in answers:
                self._waiting.setdefault(answer.key, []).append(answer)

    def seal(self, answers: Sequence[WaitingAnswer], leftover: bool) -> None:
        """A batch whose write failed once it had written rows (rolled back, but PostgreSQL
        keeps the dead tuples until VACUUM): it is retried as exactly the same set, never
        merged with later answers, or the difference between the dead attempt and the
        written batch would be one person's answer."""
        with self._lock:
            self._sealed.append(Sealed(tuple(answers), leftover))

    def take_sealed(self) -> list[Sealed]:
        with self._lock:
            sealed, self._sealed = self._sealed, []
            return sealed

    def take_ready(self, k: int) -> list[list[WaitingAnswer]]:
        """Take out every pool of at least ``k`` answers, whole."""
        with self._lock:
            ready = [key for key, answers in self._waiting.items() if len(answers) >= k]
            return [self._waiting.pop(key) for key in ready]

    def take_ended(self, today: date) -> list[list[WaitingAnswer]]:
        """Take out every answer of periods that ended before ``today``, one list per period
        (all departments together)."""
        with self._lock:
            ended: dict[date, list[WaitingAnswer]] = {}
            for key in [k for k, answers in self._waiting.items() if answers[0].period_end < today]:
                ended.setdefault(key[0], []).extend(self._waiting.pop(key))
            return list(ended.values())

    def waiting(self) -> int:
        with self._lock:
            pools = sum(len(answers) for answers in self._waiting.values())
            return pools + sum(len(s.answers) for s in self._sealed)

    def clear(self) -> None:
        """Forget everything (tests; a restart does the same)."""
        with self._lock:
            self._waiting.clear()
            self._sealed.clear()
            self._held.clear()


POOL = WaitingPool()

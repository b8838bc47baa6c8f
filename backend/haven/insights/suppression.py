"""Small-cell suppression with complementary suppression: pure functions, no I/O.

A *cell* is one figure's group of people (a department's check-in respondents in a week,
its medication reports that week...). A *line* says that a published total is the sum of
some cells (the organisation's respondents are the departments' respondents added up; a
department's reports are its reports of each kind added up). Lines are how a suppressed
cell could be recovered by subtraction, so:

1. primary: a cell of 1 to k-1 people is suppressed (0 is shown: it is nobody);
2. complementary: in every line whose total is shown, the suppressed cells must be at
   least two, together holding at least k people; while they are not, the smallest other
   cell with people in it (then any other cell, then the total itself) is suppressed too;
3. ties: suppressing a cell suppresses the cells that depend on it (a department's
   check-in block hides all its per-question figures).

The rules run to a fixed point over the whole week, every department included, before
anyone's view is cut out of it: so the same cell is hidden for everyone, whatever they may
see and whatever range they asked for.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Line(Generic[K]):
    """``total`` is published as the sum of ``members``."""

    total: K
    members: tuple[K, ...]


def suppress(
    people: Mapping[K, int],
    lines: Sequence[Line[K]],
    *,
    k: int,
    ties: Mapping[K, Iterable[K]] | None = None,
) -> set[K]:
    """The cells to suppress. ``people`` must name every cell used by ``lines``/``ties``;
    its order breaks ties between equally small cells (deterministically)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    order = {key: i for i, key in enumerate(people)}
    dependants = {key: tuple(children) for key, children in (ties or {}).items()}
    lines_of: dict[K, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        for member in line.members:
            lines_of[member].append(index)

    hidden: set[K] = set()
    queue: deque[int] = deque()
    queued: set[int] = set()

    def enqueue(index: int) -> None:
        if index not in queued:
            queued.add(index)
            queue.append(index)

    def hide(key: K) -> None:
        stack = [key]
        while stack:
            current = stack.pop()
            if current in hidden:
                continue
            hidden.add(current)
            for index in lines_of.get(current, ()):
                enqueue(index)
            stack.extend(dependants.get(current, ()))

    for key, count in people.items():
        if 0 < count < k:
            hide(key)

    while queue:
        index = queue.popleft()
        queued.discard(index)
        line = lines[index]
        if line.total in hidden:
            continue
        members_hidden = [m for m in line.members if m in hidden]
        if not members_hidden:
            continue
        hidden_people = sum(people[m] for m in members_hidden)
        if len(members_hidden) >= 2 and hidden_people >= k:
            continue
        shown = [m for m in line.members if m not in hidden]
        if shown:
            # The next-smallest cell with people in it; an empty cell only when none is left.
            pick = min(shown, key=lambda m: (people[m] == 0, people[m], order[m]))
            hide(pick)
        else:
            hide(line.total)
        enqueue(index)
    return hidden


def line_is_protected(people: Mapping[K, int], line: Line[K], hidden: set[K], *, k: int) -> bool:
    """Whether no suppressed member of the line can be recovered from its shown total
    (the invariant :func:`suppress` establishes; used by tests and assertions)."""
    if line.total in hidden:
        return True
    members_hidden = [m for m in line.members if m in hidden]
    if not members_hidden:
        return True
    return len(members_hidden) >= 2 and sum(people[m] for m in members_hidden) >= k

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
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)


class Line(NamedTuple, Generic[K]):
    """``total`` is published as the sum of ``members``. (A named tuple: lines are hashed
    and compared thousands of times per table, and a tuple does that in C.)"""

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
    lines_of: dict[K, list[Line[K]]] = defaultdict(list)
    for line in lines:
        for member in line.members:
            lines_of[member].append(line)
    dependants = {key: tuple(children) for key, children in (ties or {}).items()}
    return suppress_lazily(
        people,
        lambda key: lines_of.get(key, ()),
        k=k,
        ties=lambda key: dependants.get(key, ()),
    )


def suppress_lazily(
    people: Mapping[K, int],
    lines_of: Callable[[K], Iterable[Line[K]]],
    *,
    k: int,
    ties: Callable[[K], Iterable[K]],
    primary: Iterable[K] | None = None,
) -> set[K]:
    """:func:`suppress` for large tables: ``lines_of(cell)`` gives the lines a cell is a
    member of, so only the lines that touch a suppressed cell are ever built. Lines are
    compared by value. A cell missing from ``people`` counts as empty. ``primary``, when
    given, names the cells to hide in the first place instead of rule 1 (a caller that
    counts the people behind a figure otherwise than by its value, or hides more)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    order = {key: i for i, key in enumerate(people)}

    hidden: set[K] = set()
    queue: deque[Line[K]] = deque()
    queued: set[Line[K]] = set()

    def enqueue(line: Line[K]) -> None:
        if line not in queued:
            queued.add(line)
            queue.append(line)

    def hide(key: K) -> None:
        stack = [key]
        while stack:
            current = stack.pop()
            if current in hidden:
                continue
            hidden.add(current)
            for line in lines_of(current):
                enqueue(line)
            stack.extend(ties(current))

    if primary is None:
        primary = [key for key, count in people.items() if 0 < count < k]
    for key in primary:
        hide(key)

    while queue:
        line = queue.popleft()
        queued.discard(line)
        if line.total in hidden:
            continue
        members_hidden = [m for m in line.members if m in hidden]
        if not members_hidden:
            continue
        hidden_people = sum(people.get(m, 0) for m in members_hidden)
        if len(members_hidden) >= 2 and hidden_people >= k:
            continue
        shown = [m for m in line.members if m not in hidden]
        if shown:
            # The next-smallest cell with people in it; an empty cell only when none is left.
            def rank(m: K) -> tuple[bool, int, int]:
                n = people.get(m, 0)
                return (n == 0, n, order.get(m, len(order)))

            hide(min(shown, key=rank))
        else:
            hide(line.total)
        enqueue(line)
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

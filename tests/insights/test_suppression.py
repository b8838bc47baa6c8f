"""Small-cell suppression: pure, and tried against the subtraction attack."""

from __future__ import annotations

import itertools
import random

import pytest

from haven.insights.suppression import Line, line_is_protected, suppress


def _recoverable(people: dict[str, int], lines: list[Line[str]], hidden: set[str]) -> set[str]:
    """The subtraction attack: repeatedly solve every published line that has exactly one
    unknown member (or an unknown total with every member known)."""
    known = {key: value for key, value in people.items() if key not in hidden}
    recovered: set[str] = set()
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [m for m in line.members if m not in known]
            if line.total in known and len(unknown) == 1:
                (member,) = unknown
                known[member] = known[line.total] - sum(
                    known[m] for m in line.members if m in known
                )
                recovered.add(member)
                changed = True
            elif line.total not in known and not unknown:
                known[line.total] = sum(known[m] for m in line.members)
                recovered.add(line.total)
                changed = True
    return recovered & hidden


def test_a_cell_below_k_is_suppressed() -> None:
    assert suppress({"a": 4, "b": 5}, [], k=5) == {"a"}


def test_zero_is_not_suppressed() -> None:
    assert suppress({"a": 0, "b": 9}, [], k=5) == set()


def test_k_itself_is_shown() -> None:
    assert suppress({"a": 5}, [], k=5) == set()


def test_one_suppressed_member_of_a_shown_total_takes_the_next_smallest_with_it() -> None:
    people = {"total": 40, "a": 3, "b": 20, "c": 9, "d": 8}
    lines = [Line("total", ("a", "b", "c", "d"))]
    assert suppress(people, lines, k=5) == {"a", "d"}


def test_the_subtraction_attack_fails_on_a_single_line() -> None:
    people = {"total": 40, "a": 3, "b": 20, "c": 9, "d": 8}
    lines = [Line("total", ("a", "b", "c", "d"))]
    hidden = suppress(people, lines, k=5)
    assert _recoverable(people, lines, hidden) == set()


def test_without_complementary_suppression_the_attack_would_work() -> None:
    people = {"total": 40, "a": 3, "b": 20, "c": 9, "d": 8}
    lines = [Line("total", ("a", "b", "c", "d"))]
    primary_only = {"a"}
    assert _recoverable(people, lines, primary_only) == {"a"}


def test_hidden_cells_of_a_line_must_hold_at_least_k_people() -> None:
    people = {"total": 30, "a": 1, "b": 1, "c": 20, "d": 8}
    lines = [Line("total", ("a", "b", "c", "d"))]
    hidden = suppress(people, lines, k=5)
    assert hidden == {"a", "b", "d"}


def test_a_complement_is_a_cell_with_people_in_it_rather_than_an_empty_one() -> None:
    people = {"total": 12, "a": 2, "z": 0, "c": 10}
    lines = [Line("total", ("a", "z", "c"))]
    assert suppress(people, lines, k=5) == {"a", "c"}


def test_a_total_with_a_single_member_is_suppressed_with_it() -> None:
    people = {"total": 3, "a": 3}
    assert suppress(people, [Line("total", ("a",))], k=5) == {"a", "total"}


def test_ties_hide_dependent_cells() -> None:
    people = {"block": 2, "block.q1": 2, "block.q2": 2, "other": 9}
    assert suppress(people, [], k=5, ties={"block": ["block.q1", "block.q2"]}) == {
        "block",
        "block.q1",
        "block.q2",
    }


def test_a_suppressed_total_needs_no_complement() -> None:
    people = {"total": 4, "a": 4, "b": 0}
    hidden = suppress(people, [Line("total", ("a", "b"))], k=5)
    assert hidden == {"total", "a"}


def test_the_choice_of_complement_is_deterministic() -> None:
    people = {"total": 30, "a": 2, "b": 14, "c": 14}
    lines = [Line("total", ("a", "b", "c"))]
    assert suppress(people, lines, k=5) == {"a", "b"}
    assert suppress(dict(people), list(lines), k=5) == {"a", "b"}


def test_a_two_way_table_resists_subtraction_through_rows_and_columns() -> None:
    # Departments x categories, with department totals, category totals and a grand total.
    cells = {
        ("d1", "c1"): 3,
        ("d1", "c2"): 12,
        ("d1", "c3"): 7,
        ("d2", "c1"): 9,
        ("d2", "c2"): 6,
        ("d2", "c3"): 11,
        ("d3", "c1"): 10,
        ("d3", "c2"): 8,
        ("d3", "c3"): 2,
    }
    people: dict[str, int] = {f"{d}.{c}": n for (d, c), n in cells.items()}
    departments, categories = ("d1", "d2", "d3"), ("c1", "c2", "c3")
    for d in departments:
        people[f"{d}.*"] = sum(cells[(d, c)] for c in categories)
    for c in categories:
        people[f"*.{c}"] = sum(cells[(d, c)] for d in departments)
    people["*.*"] = sum(cells.values())
    lines = [Line(f"{d}.*", tuple(f"{d}.{c}" for c in categories)) for d in departments]
    lines += [Line(f"*.{c}", tuple(f"{d}.{c}" for d in departments)) for c in categories]
    lines.append(Line("*.*", tuple(f"{d}.*" for d in departments)))
    lines.append(Line("*.*", tuple(f"*.{c}" for c in categories)))
    hidden = suppress(people, lines, k=5)
    assert {"d1.c1", "d3.c3"} <= hidden
    assert _recoverable(people, lines, hidden) == set()
    assert all(line_is_protected(people, line, hidden, k=5) for line in lines)


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_never_give_a_hidden_cell_away(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(2, 6), rng.randint(2, 5)
    people: dict[str, int] = {}
    for r, c in itertools.product(range(rows), range(cols)):
        people[f"{r}.{c}"] = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 30])
    for r in range(rows):
        people[f"{r}.*"] = sum(people[f"{r}.{c}"] for c in range(cols))
    for c in range(cols):
        people[f"*.{c}"] = sum(people[f"{r}.{c}"] for r in range(rows))
    people["*.*"] = sum(people[f"{r}.*"] for r in range(rows))
    lines = [Line(f"{r}.*", tuple(f"{r}.{c}" for c in range(cols))) for r in range(rows)]
    lines += [Line(f"*.{c}", tuple(f"{r}.{c}" for r in range(rows))) for c in range(cols)]
    lines.append(Line("*.*", tuple(f"{r}.*" for r in range(rows))))
    lines.append(Line("*.*", tuple(f"*.{c}" for c in range(cols))))
    hidden = suppress(people, lines, k=5)
    assert all(n == 0 or n >= 5 or key in hidden for key, n in people.items())
    assert all(line_is_protected(people, line, hidden, k=5) for line in lines)
    assert _recoverable(people, lines, hidden) == set()


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="k must be"):
        suppress({"a": 1}, [], k=0)

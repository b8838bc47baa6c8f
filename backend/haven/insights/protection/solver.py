"""The integer program behind the release audit: figures as variables, what a reader knows
as constraints, and HiGHS (through ``scipy.optimize.milp``) to solve it.

:class:`_Model` is one family's figures and relations; :class:`_Insider` what one insider
knows beyond the release; :class:`_Target` a hidden figure (a count, or a ratio num/den);
:class:`_Problem` one connected part of a family, built once and solved many times with a
few extra rows each time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from haven.insights.protection.figures import Cell

_BIG = 1e9
_EPS = 1e-6

Row = tuple[dict[int, float], float, float]


class _Model:
    def __init__(self) -> None:
        self.index: dict[tuple[int, str], int] = {}
        self.names: list[tuple[int, str]] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[Row] = []
        self.truth: list[float] = []

    def var(self, row: int, name: str, truth: float) -> int:
        key = (row, name)
        if key not in self.index:
            self.index[key] = len(self.lower)
            self.names.append(key)
            self.lower.append(0.0)
            self.upper.append(_BIG)
            self.truth.append(float(truth))
        return self.index[key]

    def at_least(self, i: int, value: float) -> None:
        self.lower[i] = max(self.lower[i], value)

    def fix(self, i: int) -> None:
        self.lower[i] = self.upper[i] = self.truth[i]

    def add(self, terms: Mapping[int, float], lo: float, hi: float) -> None:
        self.rows.append((dict(terms), lo, hi))


@dataclass
class _Insider:
    """What one insider knows beyond the release: tighter bounds and constraints, and the
    records they contributed themself (a figure pinned at no more than that tells nothing)."""

    at_least: dict[int, float] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    own: dict[int, float] = field(default_factory=dict)
    whole_rows: set[tuple[int, int]] = field(default_factory=set)  # (num var, den var) known

    def admits(self, x: np.ndarray) -> bool:
        if any(x[i] < lo - _EPS for i, lo in self.at_least.items()):
            return False
        for terms, lo, hi in self.rows:
            value = sum(x[i] * w for i, w in terms.items())
            if value < lo - _EPS or value > hi + _EPS:
                return False
        return True

    def touches(self, ids: set[int]) -> bool:
        return any(i in ids for i in self.at_least) or any(
            i in ids for terms, _, _ in self.rows for i in terms
        )


@dataclass(frozen=True)
class _Target:
    cell: Cell
    num: dict[int, float]
    den: dict[int, float]


def _dot(x: np.ndarray | Sequence[float], terms: Mapping[int, float]) -> float:
    return float(sum(x[i] * w for i, w in terms.items()))


class _Problem:
    """One connected part of a family: its free figures, constraints and hidden targets."""

    def __init__(self, model: _Model, ids: list[int], rows: list[Row]) -> None:
        self.ids = ids
        self.local = {i: j for j, i in enumerate(ids)}
        self.model = model
        self.lower = np.array([model.lower[i] for i in ids])
        self.upper = np.array([model.upper[i] for i in ids])
        self.truth = np.array([model.truth[i] for i in ids])
        # The part's own constraints, in its local variables (shown figures folded into
        # the bounds), built once: every solve adds only its few extra rows.
        self._data: list[float] = []
        self._r: list[int] = []
        self._c: list[int] = []
        self._lo: list[float] = []
        self._hi: list[float] = []
        for terms, low, high in rows:
            self._add(self._data, self._r, self._c, self._lo, self._hi, terms, low, high)

    def _add(
        self,
        data: list[float],
        r_idx: list[int],
        c_idx: list[int],
        lo: list[float],
        hi: list[float],
        terms: Mapping[int, float],
        low: float,
        high: float,
    ) -> None:
        local_terms: dict[int, float] = {}
        constant = 0.0
        for i, w in terms.items():
            j = self.local.get(i)
            if j is None:
                constant += w * self.model.lower[i]
            else:
                local_terms[j] = local_terms.get(j, 0.0) + w
        if not local_terms:
            return
        r = len(lo)
        for j, w in local_terms.items():
            r_idx.append(r)
            c_idx.append(j)
            data.append(w)
        lo.append(low - constant)
        hi.append(high - constant)

    def full(self, x: np.ndarray) -> np.ndarray:
        """A solution of this part as values of the whole model (the rest at its truth)."""
        out = np.array(self.model.truth, dtype=float)
        out[self.ids] = x
        return out

    def solve(
        self,
        objective: Mapping[int, float],
        *,
        extra_lower: Mapping[int, float] | None = None,
        extra_rows: Sequence[Row] = (),
        nearest: bool = False,
    ) -> np.ndarray | None:
        """Minimise an objective (over the whole model's variable ids); with ``nearest``, the
        solution closest to the truth (L1) among those satisfying the extra rows."""
        n = len(self.ids)
        lower = self.lower.copy()
        for i, value in (extra_lower or {}).items():
            if i in self.local:
                lower[self.local[i]] = max(lower[self.local[i]], value)
        size = 2 * n if nearest else n
        data, r_idx, c_idx = list(self._data), list(self._r), list(self._c)
        lo, hi = list(self._lo), list(self._hi)
        for terms, low, high in extra_rows:
            self._add(data, r_idx, c_idx, lo, hi, terms, low, high)
        c = np.zeros(size)
        for i, w in objective.items():
            if i in self.local:
                c[self.local[i]] += w
        bounds_lo = list(lower)
        bounds_hi = list(self.upper)
        if nearest:
            # t_j >= |x_j - truth_j|; minimise the sum of t
            base = len(lo)
            for j in range(n):
                r_idx += [base + 2 * j, base + 2 * j, base + 2 * j + 1, base + 2 * j + 1]
                c_idx += [j, n + j, j, n + j]
                data += [1.0, -1.0, 1.0, 1.0]
                lo += [-np.inf, float(self.truth[j])]
                hi += [float(self.truth[j]), np.inf]
            c[n:] = 1.0
            bounds_lo += [0.0] * n
            bounds_hi += [_BIG] * n
        constraints = (
            [LinearConstraint(coo_array((data, (r_idx, c_idx)), shape=(len(lo), size)), lo, hi)]
            if lo
            else []
        )
        result = milp(
            c,
            integrality=np.ones(size),
            bounds=Bounds(bounds_lo, bounds_hi),
            constraints=constraints,
        )
        if result.status == 2:  # infeasible
            return None
        if result.status != 0 or result.x is None:
            raise RuntimeError(f"the release audit could not be solved: {result.message}")
        return np.asarray(result.x[:n])

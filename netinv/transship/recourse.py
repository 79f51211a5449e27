"""The second stage of the stocking problem, solved exactly for every demand sample at once.

For levels S and one demand sample D, the recourse of :mod:`netinv.transship.saa` is the small LP

    Q(S, D) = min c . x   subject to   A x <= b(S, D),  x >= 0,

with columns x = (f, t[, y, z]) — own stock meeting own demand [f_i], stock moved on a paying edge
[t_x], and with full pooling stock given to / taken from the pool [y_i, z_i] — and rows

    stock of i:       f_i + sum_{x out of i} t_x + y_i         <= S_i
    demand of j:      f_j + sum_{x into j}  t_x + z_j          <= D_j
    capacity of x:    t_x                                      <= cap_x   (finite capacities only)
    pool (two rows):  +-(sum_i y_i - sum_j z_j)                <= 0       (full pooling only)

costs c_f = -(h_i + p_i), c_t = c_x - h_i - p_j, c_y = -h_i, c_z = -p_j. The sample's cost is then
h . S + p . D + Q(S, D). A is totally unimodular (negate the demand rows and one pool row and every
column is a column of a directed graph's incidence matrix, plus unit rows and slack columns), so the
inverse of every basis has entries in {-1, 0, 1}: :class:`BatchedSimplex` keeps one basis inverse per
sample as int8, and its arithmetic stays exact up to the rounding of sums of demands.

A and c are the same for every sample and every S; only b changes. So a basis that is optimal for one
(S, D) stays *dual* feasible for all of them: when S moves, each sample restarts the dual simplex from
its last optimal basis, and most samples need no pivot at all. The dual values of an optimal basis,
y = c_B B^-1 <= 0, give Q(S', D) >= y . b(S', D) for every S' (the same y is dual feasible everywhere),
with equality at S: that is the exact cut of the decomposition (:mod:`netinv.transship.decomposition`).

Two backends run the same dual simplex (the most infeasible basic variable leaves, the smallest index
among the ratio test's ties enters; Bland's rule, which cannot cycle, for a sample that takes unusually
many pivots): ``numba`` (:mod:`netinv.transship.recourse_kernel`, one sample at a time in a compiled
loop, columns stored sparse) and ``numpy`` (all samples pivoted together, one pivot per sample per
round, as array operations over the samples still pivoting; about 5-20x slower). ``auto`` takes numba
when it is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netinv.errors import InputError, SolverError
from netinv.transship.problem import TransshipmentProblem

CHUNK = 4096  # samples per array operation (bounds the float64 copies of the basis inverses)
BACKENDS = ("auto", "numba", "numpy")


def _resolve(backend: str) -> str:
    """``auto``: numba where it is installed, else numpy."""
    if backend != "auto":
        return backend
    try:
        import numba  # noqa: F401
    except ImportError:
        return "numpy"
    return "numba"


@dataclass(frozen=True)
class RecourseLP:
    """The recourse LP's data, shared by every sample.

    matrix: (m, n) constraint matrix A (entries 0, +-1).
    cost: (n,) column costs c.
    edges: indices (into the problem's edges) of the t columns, which follow the L f columns.
    capacity_rows: for each capacity row, its edge's position among ``edges``.
    pooling: whether the y, z columns and the two pool rows are there.
    """

    matrix: np.ndarray
    cost: np.ndarray
    num_locations: int
    edges: np.ndarray
    capacity_rows: np.ndarray
    capacity: np.ndarray
    pooling: bool

    @property
    def num_rows(self) -> int:
        return self.matrix.shape[0]

    @property
    def num_columns(self) -> int:
        return self.matrix.shape[1]

    def rhs(self, levels: np.ndarray, demand: np.ndarray) -> np.ndarray:
        """(K, m) right-hand sides b(S, D_k): levels, demands, capacities, 0 for the pool rows."""
        K, L = demand.shape
        b = np.zeros((K, self.num_rows))
        b[:, :L] = levels
        b[:, L:2 * L] = demand
        if self.capacity_rows.size:
            b[:, 2 * L:2 * L + self.capacity_rows.size] = self.capacity
        return b


def recourse_lp(problem: TransshipmentProblem, edges: np.ndarray, *, pooling: bool = False) -> RecourseLP:
    """The recourse LP of ``problem`` with transshipment on ``edges`` (usually the paying ones) and, with
    ``pooling``, free transshipment between every pair through a pool."""
    L = problem.num_locations
    h, p = problem.holding_cost, problem.shortage_cost
    edges = np.asarray(edges, dtype=np.int64)
    X = edges.size
    src, dst = problem.edge_source[edges], problem.edge_target[edges]
    capacity = problem.capacity[edges]
    capped = np.flatnonzero(np.isfinite(capacity))
    P = L if pooling else 0
    m = 2 * L + capped.size + (2 if pooling else 0)
    n = L + X + 2 * P
    A = np.zeros((m, n))
    A[np.arange(L), np.arange(L)] = 1.0  # f_i in the stock and demand rows of i
    A[L + np.arange(L), np.arange(L)] = 1.0
    A[src, L + np.arange(X)] = 1.0  # t_x in the stock row of its source and the demand row of its target
    A[L + dst, L + np.arange(X)] = 1.0
    A[2 * L + np.arange(capped.size), L + capped] = 1.0
    cost = np.concatenate([-(h + p), problem.unit_cost[edges] - h[src] - p[dst]])
    if pooling:
        y, z = L + X + np.arange(L), L + X + L + np.arange(L)
        A[np.arange(L), y] = 1.0
        A[L + np.arange(L), z] = 1.0
        pool = 2 * L + capped.size
        A[pool, y], A[pool, z] = 1.0, -1.0
        A[pool + 1, y], A[pool + 1, z] = -1.0, 1.0
        cost = np.concatenate([cost, -h, -p])
    return RecourseLP(matrix=A, cost=cost, num_locations=L, edges=edges, capacity_rows=capped,
                      capacity=capacity[capped], pooling=pooling)


@dataclass(frozen=True)
class RecourseSolution:
    """Optimal recourse of every sample at one set of levels.

    value: (K,) Q(S, D_k) (the sample's cost less h . S + p . D_k).
    duals: (K, m) optimal dual values y_k (<= 0); ``duals[:, :L]`` is dQ/dS.
    pivots: pivots made by this call, summed over the samples.
    """

    value: np.ndarray
    duals: np.ndarray
    pivots: int


class BatchedSimplex:
    """Exact recourse for K demand samples, warm-started from one call to the next.

    The first call solves the mean demand by the primal simplex from the slack basis (x = 0 is feasible
    because b >= 0) and gives its optimal basis to every sample: dual feasible whatever the sample and
    the levels. Every call then runs the dual simplex from each sample's last optimal basis, until every
    basis is primal feasible within ``tolerance`` (relative to the largest demand) — with its dual
    feasibility, an optimality certificate per sample, re-checked from scratch for every sample that
    pivoted.

    State per sample, kept between calls: the basis, its inverse (int8, exact), the reduced costs
    c - y A and the duals y, and B^-1 times the part of b that does not depend on the levels.
    """

    def __init__(self, lp: RecourseLP, demand: np.ndarray, *, tolerance: float = 1e-10,
                 max_rounds: int | None = None, backend: str = "auto"):
        if backend not in BACKENDS:
            raise InputError(f"recourse backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        self.backend = _resolve(backend)
        self.lp = lp
        self.demand = np.asarray(demand, dtype=np.float64)
        K, m, n = self.demand.shape[0], lp.num_rows, lp.num_columns
        L = lp.num_locations
        self.full = np.hstack([lp.matrix, np.eye(m)])  # [A | I]: slack columns n..n+m-1
        self.full_int = self.full.astype(np.int8)
        self.full_cost = np.concatenate([lp.cost, np.zeros(m)])
        self.fixed_rhs = lp.rhs(np.zeros(L), self.demand)[:, L:]  # b without the levels
        self.basis = np.broadcast_to(np.arange(n, n + m), (K, m)).copy()
        self.inverse = np.broadcast_to(np.eye(m, dtype=np.int8), (K, m, m)).copy()
        self.reduced = np.broadcast_to(self.full_cost, (K, n + m)).copy()
        self.duals = np.zeros((K, m))
        self.fixed_basic = np.zeros((K, m))  # B^-1[:, L:] @ b[L:]
        self.fixed_value = np.zeros(K)  # y[L:] @ b[L:]
        scale = max(1.0, float(np.abs(self.demand).max(initial=0.0)))
        self.primal_tolerance = tolerance * scale
        self.dual_tolerance = tolerance * max(1.0, float(np.abs(lp.cost).max(initial=0.0)))
        self.max_rounds = max_rounds or 50 * (n + m)
        self.bland_after = 4 * (n + m)
        self.started = False

    @property
    def num_samples(self) -> int:
        return self.demand.shape[0]

    # --------------------------------------------------------------------------------------------
    def solve(self, levels: np.ndarray) -> RecourseSolution:
        """Optimal recourse of every sample at ``levels`` (L,)."""
        levels = np.asarray(levels, dtype=np.float64)
        every = np.arange(self.num_samples)
        pivots = 0
        if not self.started:
            pivots += self._crash(levels)
            self._refresh(every)
            self.started = True
        if self.backend == "numba":
            pivots += self._dual_numba(levels)
        else:
            moved, count = self._dual(self._basic_values(levels, every))
            pivots += count
            if moved.size:
                self._refresh(moved)
                self._certify(levels, moved)
        L = self.lp.num_locations
        value = self.duals[:, :L] @ levels + self.fixed_value
        return RecourseSolution(value=value, duals=self.duals.copy(), pivots=pivots)

    def columns(self, levels: np.ndarray) -> np.ndarray:
        """(K, n) the basic solutions x_k = (f, t[, y, z]) of the current bases at ``levels`` (call after
        :meth:`solve` with the same levels: then they are optimal)."""
        levels = np.asarray(levels, dtype=np.float64)
        basic = self._basic_values(levels, np.arange(self.num_samples))
        n = self.lp.num_columns
        out = np.zeros((self.num_samples, n))
        structural = self.basis < n
        rows = np.nonzero(structural)[0]
        out[rows, self.basis[structural]] = np.maximum(basic[structural], 0.0)
        return out

    # --------------------------------------------------------------------------------------------
    def _crash(self, levels: np.ndarray) -> int:
        """Every sample starts from one optimal basis: that of the mean demand (primal simplex from the
        slack basis). It is dual feasible for every sample; the dual simplex does the rest."""
        mean = BatchedSimplex(self.lp, self.demand.mean(axis=0, keepdims=True))
        pivots = mean._primal(mean.lp.rhs(levels, mean.demand))
        self.basis[:] = mean.basis[0]
        self.inverse[:] = mean.inverse[0]
        return pivots

    def _refresh(self, idx: np.ndarray) -> None:
        """Recompute from the basis inverse (exactly) the duals, reduced costs and fixed parts of ``idx``."""
        L = self.lp.num_locations
        for lo in range(0, idx.size, CHUNK):
            part = idx[lo:lo + CHUNK]
            inv = self.inverse[part].astype(np.float64)
            duals = np.einsum("ki,kij->kj", self.full_cost[self.basis[part]], inv)
            self.duals[part] = duals
            self.reduced[part] = self.full_cost - duals @ self.full
            self.fixed_basic[part] = np.einsum("kij,kj->ki", inv[:, :, L:], self.fixed_rhs[part])
            self.fixed_value[part] = np.einsum("kj,kj->k", duals[:, L:], self.fixed_rhs[part])

    def _certify(self, levels: np.ndarray, idx: np.ndarray) -> None:
        worst_dual = float(self.reduced[idx].min(initial=0.0))
        worst_primal = float(self._basic_values(levels, idx).min(initial=0.0))
        if worst_dual < -10 * self.dual_tolerance or worst_primal < -10 * self.primal_tolerance:
            raise SolverError(f"transshipment recourse: simplex ended without an optimality certificate "
                              f"(primal {worst_primal:.3g}, dual {worst_dual:.3g})")

    def _basic_values(self, levels: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """(|idx|, m) B^-1 b(levels) of samples ``idx``."""
        L = self.lp.num_locations
        out = np.empty((idx.size, self.lp.num_rows))
        for lo in range(0, idx.size, CHUNK):
            part = idx[lo:lo + CHUNK]
            out[lo:lo + CHUNK] = self.fixed_basic[part] + self.inverse[part, :, :L] @ levels
        return out

    def _pivot(self, idx, inv, row, enter, alpha) -> None:
        """Column ``enter`` replaces the basic variable of ``row`` in the bases of samples ``idx``; ``inv``
        is their basis inverse and ``alpha`` = B^-1 A_enter, both int8: every entry, the pivot included,
        is -1, 0 or 1 (total unimodularity), so the update is exact in integers."""
        k = np.arange(idx.size)
        pivot_row = inv[k, row] * alpha[k, row][:, None]  # dividing by +-1 is multiplying by it
        inv -= alpha[:, :, None] * pivot_row[:, None, :]
        inv[k, row] = pivot_row
        self.inverse[idx] = inv
        self.basis[idx, row] = enter

    def _column(self, inv: np.ndarray, enter: np.ndarray) -> np.ndarray:
        """(k, m) int8 B^-1 A_enter for the bases ``inv`` (k, m, m) int8."""
        columns = self.full_int[:, enter].T
        if inv.shape[1] < 128:  # partial sums of m terms in {-1, 0, 1} fit in int8
            return np.einsum("kij,kj->ki", inv, columns)
        return np.einsum("kij,kj->ki", inv.astype(np.int32), columns.astype(np.int32)).astype(np.int8)

    def _primal(self, b: np.ndarray) -> int:
        """Primal simplex from the slack basis (small batches only: it recomputes everything each round)."""
        active = np.arange(b.shape[0])
        pivots = 0
        for round_ in range(self.max_rounds):
            inv = self.inverse[active].astype(np.float64)
            duals = np.einsum("ki,kij->kj", self.full_cost[self.basis[active]], inv)
            reduced = self.full_cost - duals @ self.full
            reduced[np.arange(active.size)[:, None], self.basis[active]] = 0.0
            negative = reduced < -self.dual_tolerance
            go = negative.any(axis=1)
            active, inv, reduced, negative = active[go], inv[go], reduced[go], negative[go]
            if not active.size:
                return pivots
            # Dantzig's rule, then Bland's (the first improving column), which cannot cycle
            enter = np.argmin(reduced, axis=1) if round_ < self.bland_after else np.argmax(negative, axis=1)
            basic = np.einsum("kij,kj->ki", inv, b[active])
            alpha = self._column(self.inverse[active], enter)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(alpha > 0, np.maximum(basic, 0.0) / alpha, np.inf)
            best = ratio.min(axis=1, keepdims=True)
            if np.isinf(best).any():
                raise SolverError("transshipment recourse: unbounded (a column with no row limiting it)")
            ties = ratio <= best + self.primal_tolerance
            # among ties, the basic variable of smallest index leaves (Bland's rule when it applies)
            row = np.argmin(np.where(ties, self.basis[active], np.iinfo(np.int64).max), axis=1)
            self._pivot(active, self.inverse[active], row, enter, alpha)
            pivots += active.size
        raise SolverError(f"transshipment recourse: primal simplex did not finish in {self.max_rounds} rounds")

    def _columns_csc(self):
        import scipy.sparse as sp

        csc = sp.csc_matrix(self.full_int.astype(np.int64))
        return csc.indptr.astype(np.int64), csc.indices.astype(np.int64), csc.data.astype(np.int64)

    def _dual_numba(self, levels: np.ndarray) -> int:
        from netinv.transship import recourse_kernel as kernel

        moved = np.zeros(self.num_samples, dtype=np.bool_)
        status, pivots, sample = kernel.dual_simplex(
            levels, self.lp.num_locations, *self._columns_csc(), self.full_cost, self.basis, self.inverse,
            self.reduced, self.duals, self.fixed_basic, self.fixed_value, self.fixed_rhs, self.primal_tolerance,
            self.dual_tolerance, self.max_rounds, self.bland_after, moved)
        if status != kernel.OK:
            why = {kernel.NO_RATIO: "has no feasible recourse",
                   kernel.TOO_MANY_PIVOTS: f"took more than {self.max_rounds} pivots",
                   kernel.NO_CERTIFICATE: "ended without an optimality certificate"}[status]
            raise SolverError(f"transshipment recourse: sample {sample} {why}")
        return int(pivots)

    def _dual(self, basic: np.ndarray) -> tuple[np.ndarray, int]:
        """Dual simplex on every sample whose basic values ``basic`` (K, m) are infeasible. Returns the
        samples that pivoted and the number of pivots."""
        big = np.iinfo(np.int64).max
        active = np.flatnonzero((basic < -self.primal_tolerance).any(axis=1))
        moved = active
        basic = basic[active]
        pivots = 0
        for round_ in range(self.max_rounds):
            infeasible = basic < -self.primal_tolerance
            go = infeasible.any(axis=1)
            active, basic, infeasible = active[go], basic[go], infeasible[go]
            if not active.size:
                return moved, pivots
            if round_ < self.bland_after:  # the most infeasible basic variable leaves
                row = np.argmin(basic, axis=1)
            else:  # Bland: the infeasible basic variable of smallest index leaves
                row = np.argmin(np.where(infeasible, self.basis[active], big), axis=1)
            k = np.arange(active.size)
            inv = self.inverse[active]
            pivot_row = inv[k, row].astype(np.float64) @ self.full  # row of B^-1 [A | I], integer
            reduced = self.reduced[active]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(pivot_row < -0.5, np.maximum(reduced, 0.0) / -pivot_row, np.inf)
            best = ratio.min(axis=1, keepdims=True)
            if np.isinf(best).any():
                raise SolverError("transshipment recourse: a sample has no feasible recourse")
            enter = np.argmax(ratio <= best + self.dual_tolerance, axis=1)  # smallest index among ties
            alpha = self._column(inv, enter)
            primal_step = basic[k, row] / alpha[k, row]
            basic -= primal_step[:, None] * alpha
            basic[k, row] = primal_step
            dual_step = reduced[k, enter] / pivot_row[k, enter]
            self.reduced[active] = reduced - dual_step[:, None] * pivot_row
            self._pivot(active, inv, row, enter, alpha)
            pivots += active.size
        raise SolverError(f"transshipment recourse: dual simplex did not finish in {self.max_rounds} rounds")

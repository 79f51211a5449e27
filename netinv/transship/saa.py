"""Two-stage stocking with transshipment as a sample-average LP, built with numpy and handed to HiGHS.

The model (Herer, Tzur & Yücesan 2006). First stage: an order-up-to level S_i at every location i.
Then demand D_ik of sample k = 1..K is realized and, per sample, stock is used locally (f_ik), moved
along transshipment edges x = (i -> j) to meet j's demand (t_xk, cost c_x), left over
(e_ik = S_i - f_ik - sum_{x out of i} t_xk, cost h_i) or short (r_ik = D_ik - f_ik - sum_{x into i}
t_xk, cost p_i). The sample average of

    sum_i h_i e_ik + p_i r_ik + sum_x c_x t_xk

is minimized. Substituting e and r leaves, per sample, the columns f and t and two rows per location,

    stock:   f_ik + sum_{x out of i} t_xk - S_i <= 0
    demand:  f_ik + sum_{x into i}  t_xk        <= D_ik

with objective  sum_i h_i S_i + (1/K) sum_k [ -(h_i + p_i) f_ik + sum_x (c_x - h_i - p_j) t_xk ]  plus
the constant (1/K) sum_k sum_i p_i D_ik. An edge with c_x >= h_i + p_j never pays (its column has a
cost >= 0) and is left out: such a network is a set of independent newsvendors.

*Full pooling* (free transshipment between every pair of locations) goes through a hub instead of
L(L-1) edges: per sample y_ik (stock of i pooled, reduced cost -h_i) and z_ik (pooled stock meeting
i's demand, reduced cost -p_i) with sum_i y_ik = sum_i z_ik.

An independent formulation of the same model in Pyomo (with e and r kept) is
:func:`netinv.transship.pyomo_model.build_stocking_model`; the tests compare the two.

Two methods solve it: ``"decomposition"`` (the default) minimizes over the levels only, with every
sample's recourse solved exactly by a warm-started dual simplex (:mod:`netinv.transship.decomposition`),
until its upper and lower bounds meet (relative gap 1e-9); ``"extensive"`` hands the whole LP above to
HiGHS. They reach the same optimal cost; the tests check it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from netinv.errors import InputError, SolverError
from netinv.exact.highs import SolverOptions, Status, failure_message, new_highs, pass_model, run
from netinv.exact.solution import Solution
from netinv.transship.decomposition import BundleOptions, bundle_minimize
from netinv.transship.problem import TransshipmentProblem
from netinv.transship.recourse import BatchedSimplex, recourse_lp

IPM = SolverOptions(method="ipm")  # HiGHS' interior point (with crossover): ~10x dual simplex on these LPs
METHODS = ("decomposition", "extensive")


@dataclass(frozen=True)
class StockingResult:
    """Levels and their sample-average cost.

    levels: location -> order-up-to level [S_i].
    expected_cost: mean over the samples of the cost per sample (holding + shortage + transshipment).
    stderr: standard error of that mean (sample standard deviation / sqrt(K)).
    transshipped: ``"source->target"`` -> mean units moved per sample.
    sample_costs: (K,) the cost of each sample.
    solution: the LP's :class:`~netinv.exact.solution.Solution` (status, size, seconds).
    """

    levels: dict[str, float]
    expected_cost: float
    stderr: float
    transshipped: dict[str, float]
    sample_costs: np.ndarray = field(repr=False)
    solution: Solution = field(repr=False)

    @property
    def total_transshipped(self) -> float:
        return float(sum(self.transshipped.values()))


def solve_stocking(problem: TransshipmentProblem, demand: np.ndarray, *, pooling: bool = False,
                   solver: SolverOptions = IPM, method: str = "decomposition",
                   bundle: BundleOptions = BundleOptions()) -> StockingResult:
    """Optimal levels for the demand samples ``demand`` (K, L).

    ``pooling=True``: free transshipment between every pair of locations (full pooling), whatever the
    problem's edges. ``method``: ``"decomposition"`` (level bundle over the levels, exact recourse;
    ``bundle`` sets its tolerance) or ``"extensive"`` (the whole LP to HiGHS with ``solver``). With the
    decomposition, ``solution.objective`` / ``solution.bound`` are its upper / lower bound.
    """
    demand = as_demand(problem, demand)
    if _method(method) == "extensive":
        return _solve(problem, demand, pooling=pooling, levels=None, solver=solver)
    return _decompose(problem, demand, pooling=pooling, levels=None, bundle=bundle)


def evaluate_levels(problem: TransshipmentProblem, levels, demand: np.ndarray, *,
                    solver: SolverOptions = IPM, method: str = "decomposition") -> StockingResult:
    """The sample-average cost of given levels (a mapping location -> level, or an (L,) array) with the
    best transshipments in every sample: the out-of-sample cost when ``demand`` is a fresh sample."""
    demand, levels = as_demand(problem, demand), _as_levels(problem, levels)
    if _method(method) == "extensive":
        return _solve(problem, demand, pooling=False, levels=levels, solver=solver)
    return _decompose(problem, demand, pooling=False, levels=levels, bundle=BundleOptions())


def _method(method: str) -> str:
    if method not in METHODS:
        raise InputError(f"transshipment method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


def _decompose(problem, demand, *, pooling, levels, bundle) -> StockingResult:
    """Levels by the level bundle method (or the given ``levels``), costs and flows from the exact recourse."""
    start = time.perf_counter()
    edges = np.zeros(0, dtype=np.int64) if pooling else paying_edges(problem)
    lp = recourse_lp(problem, edges, pooling=pooling)
    K, L = demand.shape
    if levels is None:
        found = bundle_minimize(problem, demand, lp, bundle)
        oracle, level_values = found.oracle, found.levels
        status, objective, bound = found.status, found.upper_bound, found.lower_bound
        seconds = dict(found.seconds)
        size = {"samples": K, "recourse_rows": lp.num_rows, "recourse_columns": lp.num_columns,
                "iterations": found.iterations, "pivots": found.pivots}
    else:
        oracle, level_values = BatchedSimplex(lp, demand), levels
        status, objective, bound, seconds, size = Status.OPTIMAL, None, None, {}, {
            "samples": K, "recourse_rows": lp.num_rows, "recourse_columns": lp.num_columns}
    recourse = oracle.solve(level_values)  # the bases at these levels (no pivot after the bundle)
    per_sample = level_values @ problem.holding_cost + demand @ problem.shortage_cost + recourse.value
    if objective is None:
        objective = bound = float(per_sample.mean())
    moved = oracle.columns(level_values)[:, L:L + edges.size]
    transshipped = np.zeros(problem.num_edges)
    transshipped[edges] = moved.mean(axis=0)
    seconds["total"] = time.perf_counter() - start
    gap = (objective - bound) / max(1.0, abs(objective))
    solution = Solution(status=status, objective=objective, form="cost", bound=bound, gap=gap, seconds=seconds,
                        size=size)
    return _result(problem, level_values, per_sample, transshipped, solution)


def _result(problem: TransshipmentProblem, level_values: np.ndarray, per_sample: np.ndarray,
            transshipped: np.ndarray, solution: Solution) -> StockingResult:
    """The result from the levels, each sample's cost and the mean transshipped quantity per edge."""
    K = per_sample.size
    return StockingResult(
        levels={n: float(v) for n, v in zip(problem.locations, level_values, strict=True)},
        expected_cost=float(per_sample.mean()),
        stderr=float(per_sample.std(ddof=1) / np.sqrt(K)) if K > 1 else float("nan"),
        transshipped={label: float(q) for label, q in zip(problem.edge_labels(), transshipped, strict=True)},
        sample_costs=per_sample,
        solution=solution,
    )


# --------------------------------------------------------------------------------------------------


def as_demand(problem: TransshipmentProblem, demand) -> np.ndarray:
    """``demand`` as a float (samples, locations) array; a wrong shape or a negative or non-finite value
    is an :class:`~netinv.errors.InputError`."""
    d = np.asarray(demand, dtype=np.float64)
    if d.ndim != 2 or d.shape[1] != problem.num_locations or d.shape[0] < 1:
        raise InputError(
            f"demand must have shape (samples, locations={problem.num_locations}), got {d.shape}"
        )
    if not np.all(np.isfinite(d)) or (d < 0).any():
        raise InputError("demand samples must be finite and >= 0")
    return d


def _as_levels(problem: TransshipmentProblem, levels) -> np.ndarray:
    if isinstance(levels, dict):
        unknown = set(levels) - set(problem.locations)
        if unknown:
            raise InputError(f"levels: unknown location(s) {sorted(unknown)}; locations are {list(problem.locations)}")
        missing = [n for n in problem.locations if n not in levels]
        if missing:
            raise InputError(f"levels: no level for location(s) {missing}")
        levels = [levels[n] for n in problem.locations]
    s = np.asarray(levels, dtype=np.float64)
    if s.shape != (problem.num_locations,) or not np.all(np.isfinite(s)) or (s < 0).any():
        raise InputError(f"levels must be {problem.num_locations} finite numbers >= 0, got {levels!r}")
    return s


def paying_edges(problem: TransshipmentProblem) -> np.ndarray:
    """Indices of the edges on which moving a unit can pay: c_ij < h_i + p_j."""
    saving = problem.holding_cost[problem.edge_source] + problem.shortage_cost[problem.edge_target]
    return np.flatnonzero(problem.unit_cost < saving)


def _solve(problem, demand, *, pooling, levels, solver) -> StockingResult:
    start = time.perf_counter()
    K, L = demand.shape
    h, p = problem.holding_cost, problem.shortage_cost
    edges = np.zeros(0, dtype=np.int64) if pooling else paying_edges(problem)
    X = edges.size
    src, dst = problem.edge_source[edges], problem.edge_target[edges]
    P = L if pooling else 0
    # Columns: the levels S (L), then per sample f (L), t (X), (y, z) (2L when pooling).
    # (Per-sample copies of S chained by equalities, to keep the normal equations sparse, were tried:
    # no faster with HiGHS' interior point method, which handles the L dense level columns itself.)
    width = L + X + 2 * P
    height = 2 * L + (1 if pooling else 0)  # rows per sample: stock, demand, (pool)
    base = L + np.arange(K)[:, None] * width  # first column of each sample
    row0 = np.arange(K)[:, None] * height
    f = base + np.arange(L)
    t = base + L + np.arange(X)
    stock_row = row0 + np.arange(L)
    demand_row = row0 + L + np.arange(L)
    ones = np.ones((K, L))
    # (row, column, value) blocks: f and t in the stock and demand rows, -S_i in every stock row
    rows = [stock_row, demand_row, stock_row[:, src], demand_row[:, dst], stock_row]
    cols = [f, f, t, t, np.broadcast_to(np.arange(L), (K, L))]
    vals = [ones, ones, np.ones((K, X)), np.ones((K, X)), -ones]
    n_col = L + K * width
    cost = np.zeros(n_col)
    cost[:L] = h
    cost[f] = -(h + p) / K
    cost[t] = (problem.unit_cost[edges] - h[src] - p[dst]) / K
    upper = np.full(n_col, np.inf)
    upper[t] = problem.capacity[edges]
    if pooling:
        y = base + L + X + np.arange(L)
        z = y + L
        pool_row = row0 + 2 * L
        rows += [stock_row, demand_row, np.broadcast_to(pool_row, (K, L)), np.broadcast_to(pool_row, (K, L))]
        cols += [y, z, y, z]
        vals += [ones, ones, ones, -ones]
        cost[y] = -h / K
        cost[z] = -p / K
    n_row = K * height
    matrix = sp.csc_matrix(
        (np.concatenate([v.ravel() for v in vals]),
         (np.concatenate([r.ravel() for r in rows]), np.concatenate([c.ravel() for c in cols]))),
        shape=(n_row, n_col),
    )
    lower = np.zeros(n_col)
    if levels is not None:
        lower[:L] = upper[:L] = levels
    row_upper = np.zeros((K, height))
    row_upper[:, L:2 * L] = demand
    row_lower = np.full((K, height), -np.inf)
    row_lower[:, 2 * L:] = 0.0  # the pool row is an equality
    offset = float((demand @ p).mean())
    highs = new_highs(solver)
    pass_model(highs, cost, lower, upper, row_lower.ravel(), row_upper.ravel(), matrix, offset=offset)
    handed = time.perf_counter()
    result = run(highs, integer=False)
    what = f"transshipment stocking LP of {problem.name!r}"
    seconds = {"build": 0.0, "handoff": handed - start, "solve": result.seconds}
    size = {"columns": n_col, "rows": n_row, "nonzeros": int(matrix.nnz), "integers": 0}
    if result.status != Status.OPTIMAL:
        raise SolverError(failure_message(result.status, what))
    values = result.values
    level_values = np.maximum(values[:L], 0.0)
    moved = values[t] if X else np.zeros((K, 0))
    sold = values[f]
    # per-sample cost: h (S - f - out) + p (D - f - in) + c t, written as the objective's terms
    per_sample = level_values @ h + demand @ p - sold @ (h + p)
    if X:
        per_sample += moved @ (problem.unit_cost[edges] - h[src] - p[dst])
    if pooling:
        per_sample -= values[y] @ h + values[z] @ p
    transshipped = np.zeros(problem.num_edges)
    transshipped[edges] = moved.mean(axis=0) if X else 0.0
    solution = Solution(status=result.status, objective=result.objective, form="cost", bound=result.bound,
                        gap=result.gap, seconds=seconds, size=size)
    return _result(problem, level_values, per_sample, transshipped, solution)

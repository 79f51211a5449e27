"""The sample-average stocking LP solved exactly by decomposition: a level bundle method over the levels.

The extensive LP of :mod:`netinv.transship.saa` has K copies of a small recourse LP linked only by the L
levels. For fixed levels S its optimal value is

    F(S) = h . S + (1/K) sum_k [ p . D_k + Q(S, D_k) ],

with Q the recourse LP of :mod:`netinv.transship.recourse` (holding, shortage and transshipment costs
after demand). Every Q(., D_k) is convex and piecewise linear in S, and an optimal dual y_k of sample
k's recourse gives Q(S', D_k) >= y_k . b(S', D_k) for all S' with equality at S; so the oracle
:class:`~netinv.transship.recourse.BatchedSimplex`, which solves all K recourse LPs exactly (warm-started
dual simplex), returns F(S) and the exact cut

    F(S') >= F(S) + g . (S' - S),    g = h + (1/K) sum_k y_k[stock rows]

(check: the recourse dual polytope {y <= 0 : y A <= c} is the same for every sample and every S; the
purchase cost is not part of this model, and transshipment edge i -> j uses stock of i for demand of j).

The level bundle method (Lemaréchal, Nemirovskii & Nesterov 1995) keeps the cuts; the lower bound LB is
the minimum of their maximum over the box 0 <= S <= U (U_i: the most stock i could ever use in a
sample, beyond which a level only costs holding), the upper bound UB the best F evaluated. Each step
goes to the point nearest the best one where the cuts are at most the level LB + lambda (UB - LB) (a
small QP), and stops when UB - LB <= tolerance * max(1, |UB|). Once the gap is below 1e-6, every fourth
step also tries the minimizer of the cut model itself (a Kelley step): the level steps only approach
the optimal vertex of the piecewise linear F, the Kelley step lands on it once the cuts around it are
known, which gives the exact levels where they are unique. F has finitely many pieces and every cut
is exact, so the method reaches the LP optimum. LB is a Lagrangian bound computed in numpy from the
master LP's multipliers (re-solved exactly on the cuts HiGHS made active), valid whatever the master's
tolerances; the one other source of LB is a level QP that HiGHS finds infeasible (its level is then a
lower bound, up to HiGHS' feasibility tolerance 1e-10).

The transshipped quantities reported are those of the recourse bases at the optimal levels. Where a
sample's recourse has several optimal flows (ties in cost), this is one of them; so is the extensive
LP's, and the two may differ — only the cost and, where unique, the levels are the same.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from netinv.errors import InputError, SolverError
from netinv.exact.highs import SolverOptions, Status, new_highs, pass_model, run
from netinv.transship.problem import TransshipmentProblem
from netinv.transship.recourse import BatchedSimplex, RecourseLP

MASTER = SolverOptions(method="simplex")
QP_ITERATION_LIMIT = 10_000  # per level problem (they take tens to a few hundred iterations)
KELLEY_GAP = 1e-6  # below this relative gap, the cut model's minimizer is tried as well,
KELLEY_EVERY = 4  # every this many oracle calls


@dataclass(frozen=True)
class BundleOptions:
    """Settings of the level bundle method.

    tolerance: stop when UB - LB <= tolerance * max(1, |UB|) (relative gap).
    level: lambda in (0, 1): the next point's cut level is LB + lambda (UB - LB); near 1, short steps from
        the best point (0.9 took about half the iterations of 0.3 on the ring benchmark).
    max_iterations: oracle calls at most; then the best levels are returned with their gap
        (status ``time_limit``).
    """

    tolerance: float = 1e-9
    level: float = 0.9
    max_iterations: int = 2000

    def __post_init__(self):
        if not 0 < self.tolerance < 1:
            raise InputError(f"bundle tolerance must be in (0, 1), got {self.tolerance}")
        if not 0 < self.level < 1:
            raise InputError(f"bundle level must be in (0, 1), got {self.level}")
        if self.max_iterations < 1:
            raise InputError(f"bundle max_iterations must be >= 1, got {self.max_iterations}")


@dataclass(frozen=True)
class BundleResult:
    """The levels found and the proof of their optimality.

    levels: (L,) best levels found [S*].
    upper_bound: F(levels), the sample-average cost.
    lower_bound: a lower bound on min F.
    iterations: oracle calls; pivots: simplex pivots over all samples and calls.
    seconds: ``oracle`` (recourse), ``master`` (bound LP and level QP), ``total``.
    status: ``optimal`` when the relative gap is within the tolerance, else ``time_limit``.
    """

    levels: np.ndarray
    upper_bound: float
    lower_bound: float
    iterations: int
    pivots: int
    seconds: dict
    status: Status
    oracle: BatchedSimplex

    @property
    def gap(self) -> float:
        return (self.upper_bound - self.lower_bound) / max(1.0, abs(self.upper_bound))


def level_box(problem: TransshipmentProblem, demand: np.ndarray, lp: RecourseLP) -> np.ndarray:
    """(L,) U: no sample can use more than U_i units of i's stock (its own demand plus the demands it can
    reach), so a level above U_i only adds holding cost."""
    reach = np.eye(problem.num_locations)
    if lp.pooling:
        reach[:] = 1.0
    else:
        reach[problem.edge_source[lp.edges], problem.edge_target[lp.edges]] = 1.0
    return (demand @ reach.T).max(axis=0)


def bundle_minimize(problem: TransshipmentProblem, demand: np.ndarray, lp: RecourseLP,
                    options: BundleOptions = BundleOptions()) -> BundleResult:
    """Minimize F over the levels by the level bundle method with the exact recourse oracle."""
    start = time.perf_counter()
    K, L = demand.shape
    h = problem.holding_cost
    constant = float((demand @ problem.shortage_cost).mean())
    upper = level_box(problem, demand, lp)
    oracle = BatchedSimplex(lp, demand)
    oracle_seconds = master_seconds = 0.0
    pivots = 0

    def evaluate(levels):
        nonlocal oracle_seconds, pivots
        tick = time.perf_counter()
        recourse = oracle.solve(levels)
        oracle_seconds += time.perf_counter() - tick
        pivots += recourse.pivots
        value = float(h @ levels) + constant + float(recourse.value.mean())
        return value, h + recourse.duals[:, :L].mean(axis=0)

    # the newsvendor levels of every location on its own samples: a good first point
    ratio = np.divide(problem.shortage_cost, problem.shortage_cost + h,
                      out=np.zeros(L), where=problem.shortage_cost + h > 0)
    first = np.array([np.quantile(demand[:, i], ratio[i]) for i in range(L)]) if K else np.zeros(L)
    points, values, slopes = [np.clip(first, 0.0, upper)], [], []
    value, slope = evaluate(points[0])
    values.append(value)
    slopes.append(slope)
    best = 0
    lower = -np.inf
    kelley_points = []
    status = Status.TIME_LIMIT
    iterations = 1
    while True:
        ub = values[best]
        tick = time.perf_counter()
        centre = points[best]
        # cuts as a_k + g_k . (S - centre)
        P, V, G = np.array(points), np.array(values), np.array(slopes)
        offsets = V + np.einsum("kl,kl->k", G, centre - P)
        bound, vertex = _lower_bound(offsets, G, -centre, upper - centre)
        lower = max(lower, bound)
        master_seconds += time.perf_counter() - tick
        done = ub - lower <= options.tolerance * max(1.0, abs(ub))
        # The cut model's minimizer is a vertex; once the cuts around the optimum are known it is the
        # LP's optimal vertex itself, which the level steps only approach. So when the gap is small, try
        # it (a Kelley step): exact levels where they are unique, and the last digits of the gap.
        point = np.clip(centre + vertex, 0.0, upper)
        near = ub - lower <= KELLEY_GAP * max(1.0, abs(ub)) and iterations % KELLEY_EVERY == 0
        if (done or near) and not any(np.array_equal(point, seen) for seen in kelley_points):
            kelley_points.append(point)
            value, slope = evaluate(point)
            iterations += 1
            points.append(point)
            values.append(value)
            slopes.append(slope)
            if value <= values[best]:
                best = len(values) - 1
            if not done:
                continue
        if done:
            status = Status.OPTIMAL
            break
        if iterations >= options.max_iterations:
            break
        tick = time.perf_counter()
        level = lower + options.level * (ub - lower)
        step = _project(offsets, G, level, -centre, upper - centre)
        master_seconds += time.perf_counter() - tick
        if step is None:  # the level set is empty: the level is a lower bound
            lower = level
            continue
        point = np.clip(centre + step, 0.0, upper)
        value, slope = evaluate(point)
        iterations += 1
        points.append(point)
        values.append(value)
        slopes.append(slope)
        if value < values[best]:
            best = len(values) - 1
    return BundleResult(
        levels=points[best], upper_bound=values[best], lower_bound=min(lower, values[best]),
        iterations=iterations, pivots=pivots,
        seconds={"oracle": oracle_seconds, "master": master_seconds, "total": time.perf_counter() - start},
        status=status, oracle=oracle,
    )


def _master_highs():
    highs = new_highs(MASTER)
    for option in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
        highs.setOptionValue(option, 1e-10)
    return highs


def _lower_bound(offsets: np.ndarray, slopes: np.ndarray, low: np.ndarray, high: np.ndarray):
    """min over low <= x <= high of max_k offsets_k + slopes_k . x, bounded from below rigorously; and
    the minimizer HiGHS found.

    HiGHS solves min theta s.t. slopes_k . x - theta <= -offsets_k; its row multipliers lambda (made
    >= 0, summing to 1) give the Lagrangian bound sum_k lambda_k offsets_k + min over the box of
    (sum_k lambda_k slopes_k) . x, valid for any such lambda."""
    import scipy.sparse as sp

    C, L = slopes.shape
    matrix = sp.csc_matrix(np.hstack([slopes, -np.ones((C, 1))]))
    cost = np.zeros(L + 1)
    cost[L] = 1.0
    highs = _master_highs()
    pass_model(highs, cost, np.append(low, -np.inf), np.append(high, np.inf), np.full(C, -np.inf), -offsets, matrix)
    result = run(highs, integer=False)
    if result.status != Status.OPTIMAL:
        raise SolverError(f"transshipment bundle: the bound LP ended {result.status}")
    vertex = result.values[:L]
    hull = np.maximum(-np.asarray(highs.getSolution().row_dual), 0.0)
    best = _lagrangian_bound(hull, offsets, slopes, low, high)
    # HiGHS' multipliers are exact only to its tolerances, and their error times the box's width can
    # exceed the gap wanted: solve for exact ones on the cuts it made active, with the slope zero along
    # every coordinate where its minimizer is strictly inside the box
    active = np.flatnonzero(hull > 0)
    free = (vertex > low + 1e-9 * (1 + np.abs(low))) & (vertex < high - 1e-9 * (1 + np.abs(high)))
    if active.size:
        system = np.vstack([slopes[active][:, free].T, np.ones((1, active.size))])
        target = np.zeros(system.shape[0])
        target[-1] = 1.0
        exact, *_ = np.linalg.lstsq(system, target, rcond=None)
        if np.all(exact >= 0):
            weights = np.zeros(C)
            weights[active] = exact
            best = max(best, _lagrangian_bound(weights, offsets, slopes, low, high))
    return best, vertex


def _lagrangian_bound(weights, offsets, slopes, low, high) -> float:
    """sum_k w_k offsets_k + min over the box of (sum_k w_k slopes_k) . x, for w >= 0 scaled to sum 1:
    a lower bound on min over the box of max_k offsets_k + slopes_k . x."""
    total = weights.sum()
    if not total > 0:
        return -np.inf
    weights = weights / total
    direction = weights @ slopes
    return float(weights @ offsets + np.minimum(direction * low, direction * high).sum())


@contextlib.contextmanager
def stdout_silenced():
    """File descriptor 1 pointed at the null device for the block (a C library's stray prints would
    otherwise land in ``--json`` output)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (an embedded interpreter): nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _project(offsets, slopes, level, low, high):
    """The x nearest 0 in the box with offsets_k + slopes_k . x <= level for every k, or ``None`` when
    there is none. Euclidean (a QP); if HiGHS' QP solver fails, the infinity norm (an LP)."""
    import scipy.sparse as sp

    C, L = slopes.shape
    rows = sp.csc_matrix(slopes)
    for tight in (True, False):
        highs = _master_highs() if tight else new_highs(MASTER)
        # HiGHS' QP solver was seen to cycle for ever on one level problem (4 locations, 120 samples):
        # bounded, so that it falls back to the looser tolerances, then to the LP below
        highs.setOptionValue("qp_iteration_limit", QP_ITERATION_LIMIT)
        pass_model(highs, np.zeros(L), low, high, np.full(C, -np.inf), level - offsets, rows)
        highs.passHessian(L, L, 1, np.arange(L + 1, dtype=np.int32), np.arange(L, dtype=np.int32), np.ones(L))
        with stdout_silenced():  # HiGHS' QP solver prints 'error' lines to stdout whatever output_flag says
            result = run(highs, integer=False)
        if result.status == Status.INFEASIBLE:
            return None
        if result.status == Status.OPTIMAL:
            return result.values
    # min r s.t. -r <= x_i <= r, cuts <= level
    matrix = sp.vstack([sp.hstack([rows, sp.csc_matrix((C, 1))]),
                        sp.hstack([sp.identity(L), -np.ones((L, 1))]),
                        sp.hstack([-sp.identity(L), -np.ones((L, 1))])])
    cost = np.zeros(L + 1)
    cost[L] = 1.0
    highs = _master_highs()
    pass_model(highs, cost, np.append(low, 0.0), np.append(high, np.inf), np.full(C + 2 * L, -np.inf),
               np.concatenate([level - offsets, np.zeros(2 * L)]), matrix)
    result = run(highs, integer=False)
    if result.status == Status.INFEASIBLE:
        return None
    if result.status != Status.OPTIMAL:
        raise SolverError(f"transshipment bundle: the level problem ended {result.status} ({C} cuts)")
    return result.values[:L]

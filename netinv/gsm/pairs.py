"""Guaranteed-service placement as a MILP over each stage's (S, SI) pairs, linked by cumulative constraints.

Formulation (the "pairs" or disaggregated, time-indexed form; cf. the per-value formulations of Magnanti,
Shen, Shu, Simchi-Levi & Teo 2006, *Oper. Res. Lett.* 34:228-238): for every stage j and every pair
p = (S, SI) of its ranges (:class:`~netinv.gsm.instance.StageRanges`) with tau = SI + T_j - S in
its range, a binary x_p, and

- ``choose``:  sum_{p of j} x_p = 1 (stage j takes exactly one pair; its cost c_j sqrt(tau_p) is exact,
  so no approximation of the concave cost is needed);
- ``link``:    for every supplier edge i -> j with lead time L_ij and every level k,
  P(SI_j >= k + L_ij) >= P(S_i >= k), where P(S_i >= k) = sum_{p of i, S_p >= k} x_p (and likewise for
  SI_j). At 0/1 values this says: S_i >= k implies SI_j >= k + L_ij for every k, i.e.
  SI_j >= S_i + L_ij.

The cumulative probabilities are columns of their own (F^S_j(k) = F^S_j(k+1) + sum_{p: S_p = k} x_p),
so every pair enters two rows and every edge level is a row with two entries.

Why it is strong: the LP relaxation is the local-marginal relaxation in which each stage's pair is a
distribution and each edge asks only that the distribution of SI_j dominates that of S_i + L_ij
(first-order stochastic dominance) — it equals the Lagrangian dual of splitting every stage into its
own copy per edge, far tighter than relaxing the edge inequality with one multiplier per edge
(:mod:`netinv.gsm.bounds`). Measured on the 19 Willems (2008) chains: the LP optimum equals the
integer optimum on every one (1.34% gap closed on willems_27, where the spanning-tree Lagrangian dual
is 1.1% below the optimum). Integrality is not guaranteed in general (the cost is concave in SI - S),
so a fractional LP answer goes on to HiGHS' branch and bound on the same model.

Exactness: the model holds every placement inside the ranges and its cost is exact there, so the LP
value (or HiGHS' dual bound) is a lower bound on the placements inside the ranges, and an integral
answer is an optimal placement. Lagrangian domain reduction (:func:`netinv.gsm.bounds.reduce_ranges`)
first narrows the ranges to those holding every placement cheaper than a cutoff just above the
incumbent's cost, which shrinks the model (willems_19: 187,270 pairs to a few thousand); then
min(bound, cutoff) bounds the whole instance, and an infeasible model proves the incumbent optimal.
Times are first divided by their greatest common divisor (:func:`netinv.gsm.bounds.time_unit`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from netinv.errors import SolverError
from netinv.exact.highs import SolverOptions, Status
from netinv.gsm.bounds import (
    Incumbent,
    in_time_units,
    lagrangian_bound,
    reduce_ranges,
    time_unit,
    tree_relaxation,
)
from netinv.gsm.instance import GSMInstance, StageRanges
from netinv.gsm.types import GSMOptions, GSMSolution, gap_closed

INTEGRALITY_TOLERANCE = 1e-6
MAX_PAIRS = 2_000_000  # larger pairs models are not built: about 1.7 kB a pair, HiGHS included (willems_25)


class EmptyRanges(Exception):
    """The ranges hold no feasible placement (some stage has no pair, or an edge cannot hold)."""


@dataclass(frozen=True, eq=False)
class PairsModel:
    """The pairs MILP of an instance on given ranges, in HiGHS' column form (minimize cost . x).

    Columns: the binaries x_p of the candidate pairs first (``num_pairs`` of them, stage ``stage[p]``
    with S = ``service[p]``, SI = ``inbound[p]``), then the cumulative columns F^S_j(k) = P(S_j >= k) for
    k in (S_low_j, S_high_j] and F^SI_j(k) for k in (SI_low_j, SI_high_j] (continuous in [0, 1]).
    Rows: ``choose`` (N), the cumulative definitions (one per cumulative column), the edge levels.
    """

    instance: GSMInstance
    ranges: StageRanges
    stage: np.ndarray  # (P,) int
    service: np.ndarray  # (P,) int [S]
    inbound: np.ndarray  # (P,) int [SI]
    service_column: np.ndarray  # (N,) first F^S column of each stage
    inbound_column: np.ndarray  # (N,) first F^SI column of each stage
    cost: np.ndarray  # (columns,)
    column_lower: np.ndarray
    column_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: object  # scipy.sparse (rows x columns)

    @property
    def num_pairs(self) -> int:
        return len(self.stage)

    @property
    def num_columns(self) -> int:
        return len(self.cost)

    def placement(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """(S, SI, integral) of a solution's column values: per stage the pair of largest weight;
        ``integral`` when every pair's weight is 0 or 1 (within :data:`INTEGRALITY_TOLERANCE`)."""
        x = values[: self.num_pairs]
        integral = bool(np.all(np.minimum(np.abs(x), np.abs(1 - x)) <= INTEGRALITY_TOLERANCE))
        n = self.instance.num_stages
        order = np.lexsort((-x, self.stage))  # by stage, largest weight first
        first = order[np.searchsorted(self.stage[order], np.arange(n))]
        return self.service[first].copy(), self.inbound[first].copy(), integral

    def start_values(self, service_time: np.ndarray, inbound_service_time: np.ndarray) -> np.ndarray | None:
        """Column values of a placement (a MIP start); ``None`` when one of its pairs is not a column."""
        S, SI = np.asarray(service_time), np.asarray(inbound_service_time)
        chosen = (self.service == S[self.stage]) & (self.inbound == SI[self.stage])
        if np.count_nonzero(chosen) != self.instance.num_stages:
            return None
        values = np.zeros(self.num_columns)
        values[: self.num_pairs] = chosen
        r = self.ranges
        for first, low, high, value in ((self.service_column, r.service_low, r.service_high, S),
                                        (self.inbound_column, r.inbound_low, r.inbound_high, SI)):
            counts = high - low
            level = np.repeat(low, counts) + 1 + _within(counts)  # k of every cumulative column
            owner = np.repeat(np.arange(len(low)), counts)
            values[np.repeat(first, counts) + _within(counts)] = value[owner] >= level
        return values


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c - 1 for every count c, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def count_pairs(instance: GSMInstance, ranges: StageRanges) -> int:
    """The number of pairs (S, SI) of ``ranges`` whose tau = SI + T - S lies in its range: the pairs
    model's binaries, counted without building them."""
    r = ranges
    T = instance.processing_time.astype(np.int64)
    count = np.maximum(r.service_high - r.service_low + 1, 0)
    stage = np.repeat(np.arange(instance.num_stages), count)
    service = r.service_low[stage] + _within(count)
    low = np.maximum(r.inbound_low[stage], np.maximum(r.net_low, 0)[stage] + service - T[stage])
    high = np.minimum(r.inbound_high[stage], r.net_high[stage] + service - T[stage])
    return int(np.maximum(high - low + 1, 0).sum())


def build_pairs_model(instance: GSMInstance, ranges: StageRanges | None = None) -> PairsModel:
    """The pairs MILP (module docstring) of ``instance`` on ``ranges`` (default: the instance's own).

    Raises:
        EmptyRanges: some stage has no pair, or the ranges break an edge for every pair.
    """
    import scipy.sparse as sp

    inst = instance
    r = StageRanges.of(inst) if ranges is None else ranges
    n = inst.num_stages
    T = inst.processing_time.astype(np.int64)
    s_lo, s_hi = r.service_low.astype(np.int64), r.service_high.astype(np.int64)
    si_lo, si_hi = r.inbound_low.astype(np.int64), r.inbound_high.astype(np.int64)
    if np.any(s_hi < s_lo) or np.any(si_hi < si_lo):
        raise EmptyRanges("a stage has an empty range")
    width = si_hi - si_lo + 1
    cells = (s_hi - s_lo + 1) * width
    stage = np.repeat(np.arange(n), cells)
    offset = _within(cells)
    service = s_lo[stage] + offset // width[stage]
    inbound = si_lo[stage] + offset % width[stage]
    tau = inbound + T[stage] - service
    keep = (tau >= np.maximum(r.net_low, 0)[stage]) & (tau <= r.net_high[stage])
    stage, service, inbound, tau = stage[keep], service[keep], inbound[keep], tau[keep]
    if np.any(np.bincount(stage, minlength=n) == 0):
        raise EmptyRanges("a stage has no pair")
    P = len(stage)
    s_count, si_count = s_hi - s_lo, si_hi - si_lo  # cumulative columns per stage
    service_column = P + np.cumsum(s_count) - s_count
    inbound_column = P + int(s_count.sum()) + np.cumsum(si_count) - si_count
    num_columns = P + int(s_count.sum()) + int(si_count.sum())

    def cumulative(first, low, count):
        """(column of F(j, k), j, k) for every cumulative column."""
        owner = np.repeat(np.arange(n), count)
        k = _within(count)
        return np.repeat(first, count) + k, owner, low[owner] + 1 + k

    rows, cols, vals = [np.arange(n)[stage]], [np.arange(P)], [np.ones(P)]  # choose: row j
    row_lower, row_upper = [np.ones(n)], [np.ones(n)]
    next_row = n
    for first, low, high, count, value in ((service_column, s_lo, s_hi, s_count, service),
                                           (inbound_column, si_lo, si_hi, si_count, inbound)):
        column, owner, level = cumulative(first, low, count)
        row = next_row + (column - first[0])  # one row per cumulative column, in the same order
        rows += [row, row[level < high[owner]]]
        cols += [column, column[level < high[owner]] + 1]  # F(j, k) - F(j, k + 1)
        vals += [np.ones(len(column)), -np.ones(int(np.count_nonzero(level < high[owner])))]
        above = value > low[stage]  # - sum of the pairs with this value
        rows.append(next_row + (first[stage[above]] - first[0]) + (value[above] - low[stage[above]] - 1))
        cols.append(np.flatnonzero(above))
        vals.append(-np.ones(int(np.count_nonzero(above))))
        row_lower.append(np.zeros(len(column)))
        row_upper.append(np.zeros(len(column)))
        next_row += len(column)
    column_lower, column_upper = np.zeros(num_columns), np.ones(num_columns)
    # edges i -> j, levels k in [S_low_i, S_high_i]: F^SI_j(k + L) >= F^S_i(k), F^S_i(S_low_i) = 1
    src, dst, lead = inst.edge_source.astype(np.int64), inst.edge_target.astype(np.int64), inst.edge_lead_time.astype(np.int64)
    levels = s_hi[src] - s_lo[src] + 1
    edge = np.repeat(np.arange(len(src)), levels)
    i, j = src[edge], dst[edge]
    k = s_lo[i] + _within(levels)
    m = k + lead[edge]
    lowest = k == s_lo[i]
    if np.any(lowest & (m > si_hi[j])):
        raise EmptyRanges("an edge cannot hold at its supplier's least service time")
    inside = (m > si_lo[j]) & (m <= si_hi[j])
    fixed_one = lowest & inside  # F^SI_j(m) >= 1
    column_lower[inbound_column[j[fixed_one]] + m[fixed_one] - si_lo[j[fixed_one]] - 1] = 1.0
    beyond = ~lowest & (m > si_hi[j])  # F^S_i(k) <= 0
    column_upper[service_column[i[beyond]] + k[beyond] - s_lo[i[beyond]] - 1] = 0.0
    linked = ~lowest & inside
    count = int(np.count_nonzero(linked))
    edge_row = next_row + np.arange(count)
    rows += [edge_row, edge_row]
    cols += [inbound_column[j[linked]] + m[linked] - si_lo[j[linked]] - 1,
             service_column[i[linked]] + k[linked] - s_lo[i[linked]] - 1]
    vals += [np.ones(count), -np.ones(count)]
    row_lower.append(np.zeros(count))
    row_upper.append(np.full(count, np.inf))
    next_row += count
    if np.any(column_lower > column_upper):
        raise EmptyRanges("the edges' bounds on the cumulative columns conflict")
    matrix = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(next_row, num_columns))
    cost = np.zeros(num_columns)
    cost[:P] = inst.cost_coefficient[stage] * np.sqrt(tau)
    return PairsModel(instance=inst, ranges=r, stage=stage, service=service, inbound=inbound,
                      service_column=service_column, inbound_column=inbound_column, cost=cost,
                      column_lower=column_lower, column_upper=column_upper, row_lower=np.concatenate(row_lower),
                      row_upper=np.concatenate(row_upper), matrix=matrix)


@dataclass
class PairsRun:
    """One HiGHS run of a pairs model: status, value, dual bound, placement read (None if none)."""

    status: Status
    objective: float | None
    bound: float | None
    service_time: np.ndarray | None
    inbound_service_time: np.ndarray | None
    integral: bool
    seconds: float


def run_pairs_model(model: PairsModel, *, integer: bool, options: SolverOptions, start=None) -> PairsRun:
    """Solve the LP relaxation (``integer=False``) or the MILP with HiGHS; ``start``: (S, SI) MIP start."""
    from netinv.exact.highs import new_highs, pass_model, run

    h = new_highs(options)
    integrality = np.zeros(model.num_columns, dtype=np.int32)
    if integer:
        integrality[: model.num_pairs] = 1
    pass_model(h, model.cost, model.column_lower, model.column_upper, model.row_lower, model.row_upper,
               model.matrix, integrality)
    if integer and start is not None:
        values = model.start_values(*start)
        if values is not None:
            h.setSolution(model.num_columns, np.arange(model.num_columns, dtype=np.int32), values)
    result = run(h, integer=integer)
    S = SI = None
    integral = False
    if result.values is not None:
        S, SI, integral = model.placement(result.values)
    return PairsRun(result.status, result.objective, result.bound, S, SI, integral, result.seconds)


def solve_gsm_pairs(instance: GSMInstance, options: GSMOptions = GSMOptions(), *, start=None,
                    lower: float = -np.inf, reduction: bool = True, relaxation_first: bool = True,
                    root_iterations: int = 60, reductions: int = 12, max_pairs: int = MAX_PAIRS) -> GSMSolution:
    """Exact guaranteed-service placement by the pairs formulation (module docstring).

    Steps: times in units of their greatest common divisor; Lagrangian bound and domain reduction at
    the root (``reduction``; rounds of ``root_iterations`` subgradient steps while the ranges shrink by
    more than a tenth, at most ``reductions`` rounds); the LP relaxation of the pairs model on the
    ranges left (``relaxation_first``) — proven optimal when its answer is integral, as on every chain
    measured; else HiGHS' branch and bound on the same model, started from the best placement.
    ``start``: a feasible placement (S, SI, tau); ``lower``: a known lower bound. Stops at
    ``options.time_limit`` with status ``time_limit``, the best placement and a valid bound; so it
    does, without building it, when the model would have more than ``max_pairs`` pairs.
    """
    unit = time_unit(instance)
    if unit > 1:  # every vertex lies on the grid of the unit (see time_unit)
        return in_time_units(instance, unit, start, lambda coarse, start: solve_gsm_pairs(
            coarse, options, start=start, lower=lower, reduction=reduction, relaxation_first=relaxation_first,
            root_iterations=root_iterations, reductions=reductions, max_pairs=max_pairs))
    return _solve(instance, options, start, lower, reduction, relaxation_first, root_iterations, reductions,
                  max_pairs)


def _solve(inst: GSMInstance, options: GSMOptions, start, lower: float, reduction: bool, relaxation_first: bool,
           root_iterations: int, reductions: int, max_pairs: int) -> GSMSolution:
    search = _PairsSearch(inst, options, start, lower)
    ranges = search.ranges
    if np.any(ranges.net_low > ranges.net_high):
        j = int(np.flatnonzero(ranges.net_low > ranges.net_high)[0])
        raise SolverError(f"stage {inst.stages[j]!r}: no feasible service time (max service time too small)")
    if reduction and len(inst.edge_source):
        search.reduce(root_iterations, reductions)
    if search.incumbent.placement is None:  # no reduction ran: the tightest inbound times of S = 0
        search.incumbent.consider(np.zeros(inst.num_stages, dtype=np.int64), search.ranges.inbound_low.copy())
    if search.proven() or time.perf_counter() > search.deadline:
        return search.finish()
    pairs = count_pairs(inst, search.ranges)
    if pairs > max_pairs:
        return search.finish(f"the pairs model would have {pairs} pairs (limit {max_pairs})")
    return search.solve_model(relaxation_first)


class _PairsSearch:
    """The state of one :func:`solve_gsm_pairs` run: the incumbent, the bound, the cutoff the ranges
    were reduced with, the ranges, the timings and the steps taken."""

    def __init__(self, instance: GSMInstance, options: GSMOptions, start, lower: float):
        self.begin = time.perf_counter()
        self.instance, self.options = instance, options
        self.deadline = np.inf if options.time_limit is None else self.begin + options.time_limit
        self.incumbent = Incumbent(instance)
        if start is not None:
            self.incumbent.consider(np.asarray(start[0]), np.asarray(start[1]))
        self.ranges = StageRanges.of(instance)
        self.bound, self.cutoff = lower, np.inf
        self.seconds: dict[str, float] = {}
        self.steps: list[str] = []

    def proven(self) -> bool:
        return gap_closed(self.incumbent.cost, self.bound, self.options.tolerance)

    def nothing_cheaper(self) -> None:
        """Nothing inside the ranges is cheaper than the cutoff: the cutoff is a bound (with no cutoff
        yet, the instance has no feasible placement)."""
        if not np.isfinite(self.cutoff):
            raise SolverError(f"guaranteed-service model of {self.instance.name!r}: no feasible placement")
        self.bound = max(self.bound, self.cutoff)

    def finish(self, message: str = "") -> GSMSolution:
        """The best placement, with the bound and the steps taken."""
        S, SI, tau = self.incumbent.placement
        value = min(self.bound, self.incumbent.cost)
        status = Status.OPTIMAL if self.proven() else Status.TIME_LIMIT
        if status != Status.OPTIMAL:
            gap = f"best placement within {100 * (self.incumbent.cost - value) / self.incumbent.cost:.3g}% of optimal"
            message = f"{message}: {gap}" if message else gap
        self.seconds["total"] = time.perf_counter() - self.begin
        method = "pairs-milp" + (f" ({', '.join(self.steps)})" if self.steps else "")
        return GSMSolution(status=status, cost=float(self.incumbent.cost), bound=float(value), method=method,
                           instance=self.instance, service_time=S, inbound_service_time=SI, net_time=tau,
                           seconds=self.seconds, rounds=len(self.steps), message=message)

    def reduce(self, root_iterations: int, reductions: int) -> None:
        """Lagrangian bound and domain reduction at the root, while the ranges shrink by more than a tenth."""
        tol = self.options.tolerance
        _, dropped, base, _ = tree_relaxation(self.instance)
        lam = np.zeros(len(dropped.source))
        t0 = time.perf_counter()
        for _ in range(reductions):
            value, lam, S, _ = lagrangian_bound(base, self.ranges, dropped, lam, root_iterations, self.incumbent,
                                                tol / 10, self.deadline)
            if S is None:  # nothing inside the ranges: once the cutoff excluded everything cheaper
                self.nothing_cheaper()
                break
            self.bound = max(self.bound, min(value, self.cutoff))
            if self.proven() or time.perf_counter() > self.deadline:
                break
            self.cutoff = self.incumbent.cost * (1 + tol / 10)  # keeps the incumbent inside
            reduced = reduce_ranges(base, self.ranges, dropped, lam, self.cutoff)
            if reduced.is_empty():
                self.bound = max(self.bound, self.cutoff)
                break
            shrink = reduced.size() / max(self.ranges.size(), 1)
            self.ranges = reduced
            if shrink > 0.9:
                break
        self.seconds["reduction"] = time.perf_counter() - t0
        self.steps.append("lagrangian reduction")

    def solve_model(self, relaxation_first: bool) -> GSMSolution:
        """Build the pairs model on the ranges; its LP relaxation first (``relaxation_first``), then, unless
        proven, HiGHS' branch and bound on it, started from the incumbent."""
        t0 = time.perf_counter()
        try:
            model = build_pairs_model(self.instance, self.ranges)
        except EmptyRanges:  # no placement cheaper than the cutoff inside the ranges
            model = None
        if model is None:
            self.nothing_cheaper()
            return self.finish()
        self.seconds["build"] = time.perf_counter() - t0
        tol = self.options.tolerance
        for integer in ((False, True) if relaxation_first else (True,)):
            left = self.deadline - time.perf_counter()
            if left <= 0:
                break
            run = run_pairs_model(model, integer=integer,
                                  options=SolverOptions(time_limit=None if np.isinf(left) else left,
                                                        mip_gap=tol / 10 if integer else None,
                                                        threads=self.options.threads),
                                  start=self.incumbent.placement[:2] if integer else None)
            self.seconds["milp" if integer else "lp"] = run.seconds
            self.steps.append(f"pairs {'milp' if integer else 'lp'}, {model.num_pairs} pairs")
            if run.status == Status.INFEASIBLE:  # nothing cheaper than the cutoff inside the ranges
                self.nothing_cheaper()
                break
            if run.bound is not None and run.status in (Status.OPTIMAL, Status.TIME_LIMIT):
                self.bound = max(self.bound, min(run.bound, self.cutoff))
            if run.service_time is not None:  # an integral LP answer is the optimum: its cost meets the bound
                self.incumbent.consider(run.service_time, run.inbound_service_time)
            if self.proven() or run.status != Status.OPTIMAL:
                break
        return self.finish()

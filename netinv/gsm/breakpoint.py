"""Guaranteed-service placement by the breakpoint MILP, exact on general acyclic networks (Pyomo + HiGHS).

The model is stated in :mod:`netinv.gsm.instance`. Its objective sum_j c_j sqrt(tau_j) is concave,
and the constraints (SI_j >= S_i + L_ij, tau_j = SI_j + T_j - S_j, bounds) form a network matrix, so
the optimum sits at an integer vertex. The naive MILP — one binary per stage and possible value of
tau — was measured to need more than five minutes on real chains of 68 and 116 stages. Here:

**Breakpoint refinement** (a piecewise-linear outer approximation, exact at integer points): for each
stage the concave cost is replaced by its chords between a few integer breakpoints b_0 < ... < b_m of
tau's range (a multiple-choice formulation: one binary per *segment*, locally ideal). Chords of a
concave function lie below it, so the MILP's optimum is a **lower bound** on the true optimum; its
service times are feasible, so their true cost is an **upper bound**. Each round adds the solution's
tau_j as a breakpoint wherever it is not one yet. When every stage's tau is a breakpoint the
approximation is exact at the solution, the two bounds meet, and the solution is proven optimal
(reported ``bound`` = ``cost`` up to HiGHS' MIP tolerance). It terminates: breakpoints are integers in
finite ranges. The first round (breakpoints at the ends of each range only) is an LP.

Ranges are tightened before the first round: SI_j <= the longest path of processing and lead times into
j, S_j <= min(max service time, SI_j + T_j), so tau_j lies in [max(0, SI_lb + T - S_ub), SI_ub + T].

**After Lagrangian domain reduction** (:func:`solve_gsm_reduced`, method ``reduced-milp``): the ranges
are first narrowed by :func:`netinv.gsm.bounds.reduce_ranges`; the far shorter net-time ranges make the
chords tight.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from netinv.errors import SolverError
from netinv.exact.highs import SolverOptions, Status
from netinv.gsm.bounds import Incumbent, lagrangian_bound, reduce_ranges, tree_relaxation
from netinv.gsm.instance import GSMInstance, StageRanges
from netinv.gsm.types import GSMOptions, GSMSolution, gap_closed


def build_gsm_model(instance: GSMInstance, breakpoints: list[np.ndarray] | None = None, *,
                    integer_times: bool = False, ranges: StageRanges | None = None):
    """The GSM MILP with the cost of stage j interpolated between ``breakpoints[j]`` (sorted integers
    covering tau_j's range; default: its two ends). Returns a ``pyo.ConcreteModel`` (nothing solved).
    ``ranges``: the ranges of S, SI and tau to keep to (default: the instance's own).

    Components: ``S[j]``, ``SI[j]`` (integer when ``integer_times``; integral at every vertex anyway),
    ``tau[j]``, ``segment[j, s]`` (binary, one per segment of
    stages with several), ``part[j, s]`` (tau on that segment); constraints ``inbound`` (per edge),
    ``net_time``, ``pick``, ``split``, ``segment_low``, ``segment_high``; objective ``cost``.
    """
    import pyomo.environ as pyo

    start = time.perf_counter()
    inst = instance
    N = inst.num_stages
    ranges = StageRanges.of(inst) if ranges is None else ranges
    s_lo, s_up, si_lo, si_up = ranges.service_low, ranges.service_high, ranges.inbound_low, ranges.inbound_high
    tau_lo, tau_up = ranges.net_low, ranges.net_high
    if breakpoints is None:
        breakpoints = [np.unique([tau_lo[j], tau_up[j]]) for j in range(N)]
    coef = inst.cost_coefficient
    m = pyo.ConcreteModel(name=f"gsm {inst.name}")
    m.J = pyo.RangeSet(0, N - 1)
    m.E = pyo.RangeSet(0, len(inst.edge_source) - 1)
    # S and SI need not be declared integer: with the segments fixed, the constraints form a network
    # matrix with integer bounds, so HiGHS' vertex solutions are integral (checked by the caller).
    domain = pyo.NonNegativeIntegers if integer_times else pyo.NonNegativeReals
    m.S = pyo.Var(m.J, domain=domain, bounds=lambda m, j: (int(s_lo[j]), int(s_up[j])))
    m.SI = pyo.Var(m.J, domain=domain, bounds=lambda m, j: (int(si_lo[j]), int(si_up[j])))
    m.tau = pyo.Var(m.J, bounds=lambda m, j: (float(tau_lo[j]), float(tau_up[j])))
    m.inbound = pyo.Constraint(
        m.E, rule=lambda m, e: m.SI[int(inst.edge_target[e])] >= m.S[int(inst.edge_source[e])] + int(inst.edge_lead_time[e])
    )
    m.net_time = pyo.Constraint(m.J, rule=lambda m, j: m.tau[j] == m.SI[j] + int(inst.processing_time[j]) - m.S[j])
    segments = [(j, s) for j in range(N) if coef[j] > 0 for s in range(len(breakpoints[j]) - 1)]
    multi = {j for j in range(N) if coef[j] > 0 and len(breakpoints[j]) > 2}
    m.SEG = pyo.Set(initialize=segments, dimen=2, ordered=True)
    m.MULTI = pyo.Set(initialize=sorted(multi), ordered=True)
    m.MSEG = pyo.Set(initialize=[(j, s) for j, s in segments if j in multi], dimen=2, ordered=True)
    m.segment = pyo.Var(m.MSEG, domain=pyo.Binary)
    m.part = pyo.Var(m.SEG, domain=pyo.NonNegativeReals)

    def chosen(j, s):
        return m.segment[j, s] if j in multi else 1.0

    m.pick = pyo.Constraint(m.MULTI, rule=lambda m, j: sum(m.segment[j, s] for s in range(len(breakpoints[j]) - 1)) == 1)
    m.split = pyo.Constraint(
        pyo.Set(initialize=sorted({j for j, _ in segments})),
        rule=lambda m, j: m.tau[j] == sum(m.part[j, s] for s in range(len(breakpoints[j]) - 1)),
    )
    m.segment_low = pyo.Constraint(m.SEG, rule=lambda m, j, s: m.part[j, s] >= float(breakpoints[j][s]) * chosen(j, s))
    m.segment_high = pyo.Constraint(m.SEG, rule=lambda m, j, s: m.part[j, s] <= float(breakpoints[j][s + 1]) * chosen(j, s))

    def segment_cost(j, s):
        lo, hi = float(breakpoints[j][s]), float(breakpoints[j][s + 1])
        f_lo, f_hi = coef[j] * np.sqrt(lo), coef[j] * np.sqrt(hi)
        slope = (f_hi - f_lo) / (hi - lo)
        return (f_lo - slope * lo) * chosen(j, s) + slope * m.part[j, s]

    # stages whose range is one point contribute a constant
    constant = float(sum(coef[j] * np.sqrt(breakpoints[j][0]) for j in range(N) if coef[j] > 0 and len(breakpoints[j]) == 1))
    m.cost = pyo.Objective(expr=constant + sum(segment_cost(j, s) for j, s in segments), sense=pyo.minimize)
    m._gsm = {"build_seconds": time.perf_counter() - start}
    return m


def _set_start(model, best, breakpoints, coef) -> None:
    """Load the incumbent into the model's variables (a feasible start for HiGHS; once its net times are
    breakpoints its interpolated cost is its true cost)."""
    S, SI, tau = best
    for j in range(len(S)):
        model.S[j].set_value(int(S[j]))
        model.SI[j].set_value(int(SI[j]))
        model.tau[j].set_value(float(tau[j]))
        if coef[j] <= 0 or len(breakpoints[j]) < 2:
            continue
        b = breakpoints[j]
        seg = int(np.clip(np.searchsorted(b, tau[j], side="left") - 1, 0, len(b) - 2))
        for s in range(len(b) - 1):
            if (j, s) in model.segment:
                model.segment[j, s].set_value(1 if s == seg else 0)
            model.part[j, s].set_value(float(tau[j]) if s == seg else 0.0)


def _initial_breakpoints(tau_low: np.ndarray, tau_high: np.ndarray) -> list[np.ndarray]:
    """The first round's breakpoints: the ends of each stage's range of tau."""
    return [np.unique([lo, hi]) for lo, hi in zip(tau_low.tolist(), tau_high.tolist())]


class _Refinement:
    """The state of a breakpoint-refinement solve: breakpoints, the best placement, the lower bound,
    and the rounds' timings; :meth:`next_round` builds and solves one MILP and refines the breakpoints."""

    def __init__(self, instance: GSMInstance, options: GSMOptions, ranges: StageRanges, lower: float, cutoff: float):
        self.instance, self.options, self.ranges, self.cutoff = instance, options, ranges, cutoff
        self.begin = time.perf_counter()
        self.breakpoints = _initial_breakpoints(ranges.net_low, ranges.net_high)
        self.best_cost, self.best = np.inf, None
        self.lower = lower
        self.seconds = {"build": 0.0, "handoff": 0.0, "solve": 0.0}
        self.status = Status.TIME_LIMIT
        self.tight = False  # the breakpoints are final: solve to the tolerance
        self.integer_times = False

    def start_from(self, start) -> None:
        """A feasible placement (S, SI, tau): the upper bound to beat, and HiGHS' start from round 2 on."""
        S0, SI0, _ = start
        self.best_cost, SI0, tau0 = self.instance.evaluate(S0, SI0)
        self.best = (np.asarray(S0), SI0, tau0)

    def _time_left(self, handoff: float = 0.0) -> float | None:
        if self.options.time_limit is None:
            return None
        return self.options.time_limit - (time.perf_counter() - self.begin) - handoff

    def next_round(self, rounds: int) -> bool:
        """Round number ``rounds``; False when the search stops (proven, time limit, nothing to refine)."""
        from netinv.exact.pyomo_highs import solve_model

        options = self.options
        remaining = self._time_left()
        if remaining is not None and remaining <= 0:
            return False
        model = build_gsm_model(self.instance, self.breakpoints, integer_times=self.integer_times, ranges=self.ranges)
        if self.best is not None:
            _set_start(model, self.best, self.breakpoints, self.instance.cost_coefficient)
        if options.time_limit is not None:  # building and handing over a large model take seconds of the limit too
            handoff = self.seconds["handoff"] / (rounds - 1) if rounds > 1 else 0.0  # the rounds so far, per round
            remaining = self._time_left(handoff)
            if remaining <= 0:
                return False
        gap = options.tolerance / 10 if self.tight else options.round_gap
        solution = solve_model(model, SolverOptions(time_limit=remaining, mip_gap=gap, threads=options.threads),
                               raise_on_failure=False, warm_start=self.best is not None)
        if options.verbose:
            print(f"round {rounds}: {solution.size['integers']} binaries, LB {solution.bound}, "
                  f"HiGHS {solution.seconds['solve']:.2f} s", flush=True)
        self.seconds["build"] += model._gsm["build_seconds"]
        self.seconds["handoff"] += solution.seconds["handoff"]
        self.seconds["solve"] += solution.seconds["solve"]
        if solution.objective is None:
            return self._no_answer(solution)
        if solution.bound is not None and solution.status in (Status.OPTIMAL, Status.TIME_LIMIT):
            self.lower = max(self.lower, min(solution.bound, self.cutoff))  # HiGHS' dual bound: valid whatever the gap
        return self._read_answer(model, solution)

    def _no_answer(self, solution) -> bool:
        """A round without an answer: stopped, or (restricted ranges) nothing cheaper than the cutoff."""
        if solution.status in (Status.TIME_LIMIT, Status.INTERRUPTED):
            return False
        if solution.status == Status.INFEASIBLE and np.isfinite(self.cutoff) and self.best is not None:
            self.lower = max(self.lower, self.cutoff)  # nothing cheaper than the cutoff inside the ranges
            self.status = Status.OPTIMAL if gap_closed(self.best_cost, self.lower, self.options.tolerance) else self.status
            return False
        raise SolverError(solution.message or f"guaranteed-service model of {self.instance.name!r}: {solution.status}")

    def _read_answer(self, model, solution) -> bool:
        """Keep the round's placement if cheaper; refine at its net times, or stop when proven."""
        inst, N = self.instance, self.instance.num_stages
        raw = np.array([[model.S[j].value, model.SI[j].value] for j in range(N)], dtype=np.float64)
        if not self.integer_times and np.abs(raw - np.round(raw)).max() > 1e-6:
            self.integer_times = True  # a non-vertex answer: redo this round with integer service times
            return True
        S = np.round(raw[:, 0]).astype(np.int64)
        SI = np.round(raw[:, 1]).astype(np.int64)
        cost, SI, tau = inst.evaluate(S, SI)
        if cost < self.best_cost:
            self.best_cost, self.best = cost, (S, SI, tau)
        if gap_closed(self.best_cost, self.lower, self.options.tolerance):
            self.status = Status.OPTIMAL
            return False
        if solution.status != Status.OPTIMAL:
            return False  # time limit inside the round: keep the incumbent
        model_tau = np.array([round(model.tau[j].value) for j in range(N)], dtype=np.int64)
        if self._refine(model_tau, tau):
            return True
        if self.tight:  # exact at the solution, solved to the tolerance: its value is both bounds
            tolerance = self.options.tolerance
            self.lower = max(self.lower, min(solution.objective * (1 - tolerance / 10), self.cutoff))
            if gap_closed(self.best_cost, self.lower, tolerance):
                self.status = Status.OPTIMAL
            return False
        self.tight = True  # same breakpoints, now solved to the tolerance
        return True

    def _refine(self, model_tau: np.ndarray, tau: np.ndarray) -> bool:
        """Add the model's own net times (and the placement's) as breakpoints; whether any was new."""
        tau_lo, tau_up = self.ranges.net_low, self.ranges.net_high
        added = False
        for j in np.flatnonzero(self.instance.cost_coefficient > 0):
            new = {int(model_tau[j]), int(tau[j])} - set(self.breakpoints[j].tolist())
            new = {x for x in new if tau_lo[j] <= x <= tau_up[j]}
            if new:
                self.breakpoints[j] = np.array(sorted(set(self.breakpoints[j].tolist()) | new))
                added = True
        return added

    def solution(self, rounds: int) -> GSMSolution:
        """The best placement after ``rounds`` rounds, with its bound."""
        inst = self.instance
        if self.best is None:
            raise SolverError(f"guaranteed-service model of {inst.name!r}: no placement found within the time limit")
        message = ""
        if self.status != Status.OPTIMAL:
            message = (f"stopped after {rounds} rounds: best placement within "
                       f"{100 * (self.best_cost - self.lower) / self.best_cost:.3g}% of optimal")
        self.seconds["total"] = time.perf_counter() - self.begin
        S, SI, tau = self.best
        return GSMSolution(status=self.status, cost=float(self.best_cost), bound=float(min(self.lower, self.best_cost)),
                           method="milp", instance=inst, service_time=S, inbound_service_time=SI, net_time=tau,
                           seconds=self.seconds, rounds=rounds, message=message)


def solve_gsm(instance: GSMInstance, options: GSMOptions = GSMOptions(), *, start=None,
              lower: float = -np.inf, ranges: StageRanges | None = None, cutoff: float = np.inf) -> GSMSolution:
    """Exact GSM by breakpoint refinement (see the module docstring); proven optimal unless the time
    limit stops it first (then the best placement found, with its gap). ``start``: a feasible
    placement (S, SI, tau): the upper bound to beat and HiGHS' start from the second round on; ``lower``:
    a known lower bound on the optimal cost; ``ranges`` (default: the instance's own) and ``cutoff``:
    ranges of S, SI and tau that hold every placement cheaper than ``cutoff`` (what Lagrangian domain
    reduction proves). The MILP then searches only them; its bounds, capped at ``cutoff``, bound the
    whole instance (and an empty restricted model proves ``cutoff`` itself)."""
    ranges = StageRanges.of(instance) if ranges is None else ranges
    if np.any(ranges.net_low > ranges.net_high):
        j = int(np.flatnonzero(ranges.net_low > ranges.net_high)[0])
        raise SolverError(f"stage {instance.stages[j]!r}: no feasible service time (max service time too small)")
    search = _Refinement(instance, options, ranges, lower, cutoff)
    if start is not None:
        search.start_from(start)
    rounds = 0
    for rounds in range(1, options.max_rounds + 1):
        if not search.next_round(rounds):
            break
    return search.solution(rounds)


def solve_gsm_reduced(instance: GSMInstance, options: GSMOptions = GSMOptions(), *, start=None,
                      lower: float = -np.inf, iterations: int = 40, reductions: int = 8) -> GSMSolution:
    """Lagrangian domain reduction, then the breakpoint-refinement MILP on what is left.

    Rounds of: subgradient on the Lagrangian relaxation of the edges outside a spanning tree
    (:func:`netinv.gsm.bounds.lagrangian_bound`, multipliers carried over), then
    :func:`netinv.gsm.bounds.reduce_ranges` with cutoff = the incumbent's cost (1 + tolerance / 10), so
    the incumbent stays inside. Each round's bound holds for the placements inside the current ranges,
    the others cost more than the incumbent: min(bound, incumbent's cost) bounds the instance. Stops
    when the bound meets the incumbent or the ranges shrink by less than a fifth; then
    :func:`solve_gsm` searches the ranges (far narrower net-time ranges, so far tighter chords), started
    from the incumbent. ``start``: a feasible placement (S, SI, tau);
    ``lower``: a known lower bound.
    """
    begin = time.perf_counter()
    inst = instance
    deadline = np.inf if options.time_limit is None else begin + options.time_limit
    tol = options.tolerance
    _, dropped, base, _ = tree_relaxation(inst)
    incumbent = Incumbent(inst)
    if start is not None:
        incumbent.consider(np.asarray(start[0]), np.asarray(start[1]))
    ranges = StageRanges.of(inst)
    lam = np.zeros(len(dropped[0]))
    cutoff, bound, rounds = np.inf, lower, 0
    proven = False
    while rounds < reductions:
        rounds += 1
        value, lam, _, _ = lagrangian_bound(base, ranges, dropped, lam, iterations, incumbent, tol / 10, deadline,
                                             every_answer=True, min_iterations=0)
        bound = max(bound, min(value, cutoff))
        if gap_closed(incumbent.cost, bound, tol):
            proven = True
            break
        # keep the incumbent itself (cutoff just above its cost): the MILP then starts from it and prunes by it
        cutoff = incumbent.cost * (1 + tol / 10)
        reduced = reduce_ranges(base, ranges, dropped, lam, cutoff)
        if reduced.is_empty():  # only by rounding: the incumbent's own values have bounds <= its cost
            bound, proven = max(bound, incumbent.cost), True
            break
        shrink = reduced.size() / max(ranges.size(), 1)
        ranges = reduced
        if shrink > 0.8 or time.perf_counter() > deadline:
            break
    seconds = {"reduction": time.perf_counter() - begin}
    S, SI, tau = incumbent.placement
    if proven:
        seconds["total"] = seconds["reduction"]
        return GSMSolution(status=Status.OPTIMAL, cost=float(incumbent.cost), bound=float(min(bound, incumbent.cost)),
                           method="lagrangian reduction", instance=inst, service_time=S, inbound_service_time=SI,
                           net_time=tau, seconds=seconds, rounds=rounds)
    left = None if options.time_limit is None else max(deadline - time.perf_counter(), 0.1)
    solution = solve_gsm(inst, replace(options, time_limit=left), start=(S, SI, tau), lower=bound,
                         ranges=ranges, cutoff=cutoff)
    solution.method = "lagrangian reduction, then milp"
    solution.seconds = {**solution.seconds, **seconds, "total": time.perf_counter() - begin}
    return solution

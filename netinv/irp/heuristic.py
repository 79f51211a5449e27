"""A heuristic for larger inventory-routing instances (30-50 customers): visit schedules searched locally.

A plan is decided by its visit schedule, the set of customers visited in each period. For a schedule:

1. an LP gives the deliveries and levels with the fleet's total capacity K Q per period (DIMACS rules);
2. each period's visited customers are routed by Clarke & Wright savings with those deliveries as loads
   (at most Q a route, at most K routes), each route improved by 2-opt;
3. an LP re-optimizes the deliveries for these routes (a route's load <= Q); the first LP's deliveries fit
   them, so the second never costs more.

The start is "just in time" (a customer is visited in the period its stock would run out); a local search
moves, removes and adds single visits while it improves the cost, and random kicks of three moves restart
it from the best schedule (iterated local search) until the time limit. The lower
bound reported is the branch and cut's root bound (the LP with every violated subtour and capacity cut),
valid for the whole problem, so the gap is a true gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from netinv.exact.highs import Status
from netinv.irp.instance import IrpInstance
from netinv.irp.solution import IrpSolution, Policy, evaluate_plan

Schedule = tuple[frozenset[int], ...]  # customers visited in each period


@dataclass(frozen=True)
class HeuristicOptions:
    """policy: ``ml`` or ``ou``. time_limit: seconds for the local search (the root bound comes first).
    seed: the order in which moves are tried."""

    policy: Policy = Policy.ml
    time_limit: float = 60.0
    seed: int = 0


def solve_heuristic(instance: IrpInstance, options: HeuristicOptions = HeuristicOptions()) -> IrpSolution:
    """The best plan the local search finds in the time limit, with the root lower bound."""
    start = time.perf_counter()
    bound = root_bound(instance, options.policy)
    schedule = just_in_time(instance)
    best = price(instance, schedule, options.policy)
    if best is None:  # just in time does not fit the fleet: visit everyone needing stock every period
        schedule = tuple(frozenset(range(1, instance.customers + 1)) for _ in range(instance.horizon))
        best = price(instance, schedule, options.policy)
    rng = np.random.default_rng(options.seed)
    deadline = start + options.time_limit
    current = (schedule, best)
    while best is not None and time.perf_counter() < deadline:
        if bound is not None and best[0] <= bound + 1e-6:
            break  # proven optimal by the root bound
        current = local_search(instance, *current, options.policy, rng, deadline)
        if current[1][0] < best[0] - 1e-9:
            schedule, best = current
        current = kick(instance, schedule, options.policy, rng) or (schedule, best)
    seconds = time.perf_counter() - start
    if best is None:
        return IrpSolution(Status.TIME_LIMIT, None, bound, seconds=seconds, message="no feasible schedule found")
    cost, routes, deliveries = best
    plan_cost = evaluate_plan(instance, routes, deliveries, options.policy)
    status = Status.OPTIMAL if bound is not None and cost <= bound + 1e-6 else Status.TIME_LIMIT
    return IrpSolution(status, plan_cost.total, None if bound is None else min(bound, plan_cost.total),
                       routes=routes, deliveries=deliveries, plan_cost=plan_cost, seconds=seconds)


def local_search(instance: IrpInstance, schedule: Schedule, priced, policy: Policy, rng, deadline: float):
    """First-improvement descent over the one-visit moves, to a local optimum or the deadline."""
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for candidate in neighbours(instance, schedule, rng):
            if time.perf_counter() >= deadline:
                break
            trial = price(instance, candidate, policy)
            if trial is not None and trial[0] < priced[0] - 1e-9:
                schedule, priced, improved = candidate, trial, True
                break
    return schedule, priced


def kick(instance: IrpInstance, schedule: Schedule, policy: Policy, rng, moves: int = 3):
    """The best schedule after ``moves`` random one-visit moves that keep a feasible plan (iterated local
    search), or ``None``."""
    for _ in range(20):
        candidate = schedule
        for _ in range(moves):
            options = list(neighbours(instance, candidate, rng))
            candidate = options[int(rng.integers(len(options)))]
        priced = price(instance, candidate, policy)
        if priced is not None:
            return candidate, priced
    return None


def root_bound(instance: IrpInstance, policy: Policy) -> float | None:
    """The LP bound with every violated subtour and capacity cut (the branch and cut's root)."""
    from netinv.exact.highs import run
    from netinv.irp.branch_cut import BranchCutOptions, CutLoop, root_cuts

    loop = CutLoop(instance, BranchCutOptions(policy=policy))
    root_cuts(loop, 200, lambda: None)
    result = run(loop.highs, integer=False)
    return result.objective if result.status == Status.OPTIMAL else None


def just_in_time(instance: IrpInstance) -> Schedule:
    """Visit a customer in the period its stock would fall below its minimum, filling it to the maximum."""
    stock = instance.start_stock.astype(float).copy()
    schedule = []
    for _ in range(instance.horizon):
        visited = frozenset(i for i in range(1, instance.customers + 1)
                            if stock[i] - instance.consumption[i] < instance.min_level[i])
        for i in visited:
            stock[i] = instance.max_level[i]
        stock = stock - instance.consumption
        schedule.append(visited)
    return tuple(schedule)


def neighbours(instance: IrpInstance, schedule: Schedule, rng):
    """Schedules one visit away: a visit moved to the period before or after, removed, or added."""
    H, n = instance.horizon, instance.customers
    moves = [(i, t) for t in range(H) for i in range(1, n + 1)]
    rng.shuffle(moves)
    for i, t in moves:
        if i in schedule[t]:
            yield change(schedule, {t: -i})
            for s in (t - 1, t + 1):
                if 0 <= s < H and i not in schedule[s]:
                    yield change(schedule, {t: -i, s: i})
        else:
            yield change(schedule, {t: i})


def change(schedule: Schedule, edits: dict[int, int]) -> Schedule:
    """``schedule`` with customer |c| added (c > 0) or removed (c < 0) in each edited period."""
    out = list(schedule)
    for t, customer in edits.items():
        out[t] = out[t] | {customer} if customer > 0 else out[t] - {-customer}
    return tuple(out)


def price(instance: IrpInstance, schedule: Schedule, policy: Policy):
    """(cost, routes, deliveries) of a schedule, or ``None`` when it has no feasible plan. The routes are
    built twice, on the deliveries of least holding cost and on the least deliveries (which merge into
    fewer routes), and the cheaper plan is kept."""
    best = None
    for least in (False, True):
        loads = deliveries_lp(instance, schedule, policy, routes=None, least=least)
        if loads is None:
            return None
        routes = [savings_routes(instance, sorted(visited), loads[1][t]) for t, visited in enumerate(schedule)]
        if any(period is None for period in routes):
            continue
        exact = deliveries_lp(instance, schedule, policy, routes=routes)
        if exact is None:
            continue
        routing = sum(route_cost(instance.distance, route) for period in routes for route in period)
        if best is None or routing + exact[0] < best[0]:
            best = (routing + exact[0], routes, exact[1])
    return best


def deliveries_lp(instance: IrpInstance, schedule: Schedule, policy: Policy, routes, *, least: bool = False):
    """(holding cost, deliveries [H, n+1]) minimizing holding for the visits in ``schedule`` under the
    DIMACS rules; capacity K Q per period when ``routes`` is None, else Q per route. ``least``: minimize the
    units delivered instead (the cost returned is still the holding cost). ``None``: infeasible."""
    from scipy.optimize import linprog

    inst = instance
    H, n = inst.horizon, inst.customers
    # variables: q[t, i] (H n), then customer levels I[t, i] (H n), then supplier levels B[t] (H)
    nq = H * n
    size = 2 * nq + H

    def q(t, i):
        return t * n + i - 1

    def level(t, i):
        return nq + t * n + i - 1

    def supplier(t):
        return 2 * nq + t

    holding = np.zeros(size)
    holding[nq:2 * nq] = np.tile(inst.holding_cost[1:], H)
    holding[2 * nq:] = inst.holding_cost[0]
    cost = holding
    if least:
        cost = np.zeros(size)
        cost[:nq] = 1.0
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    bounds = [(0, 0)] * size
    for t in range(H):
        row = np.zeros(size)
        row[supplier(t)] = 1
        row[[q(t, i) for i in range(1, n + 1)]] = 1
        if t:
            row[supplier(t - 1)] = -1
        eq_rows.append(row)
        eq_rhs.append(inst.production + (inst.start_stock[0] if t == 0 else 0))
        bounds[supplier(t)] = (0, None)
        for i in range(1, n + 1):
            row = np.zeros(size)
            row[level(t, i)], row[q(t, i)] = 1, -1
            if t:
                row[level(t - 1, i)] = -1
            eq_rows.append(row)
            eq_rhs.append(-inst.consumption[i] + (inst.start_stock[i] if t == 0 else 0))
            bounds[level(t, i)] = (inst.min_level[i], inst.max_level[i])
            visited = i in schedule[t]
            bounds[q(t, i)] = (0, min(inst.capacity, inst.max_level[i]) if visited else 0)
            fill = np.zeros(size)  # I_{t-1} + q_t <= U (== U for an order-up-to visit)
            fill[q(t, i)] = 1
            if t:
                fill[level(t - 1, i)] = 1
            fill_rhs = inst.max_level[i] - (inst.start_stock[i] if t == 0 else 0)
            if policy == Policy.ou and visited:
                eq_rows.append(fill)
                eq_rhs.append(fill_rhs)
            else:
                ub_rows.append(fill)
                ub_rhs.append(fill_rhs)
        groups = [range(1, n + 1)] if routes is None else routes[t]
        for group in groups:
            row = np.zeros(size)
            row[[q(t, i) for i in group]] = 1
            ub_rows.append(row)
            ub_rhs.append(inst.capacity * (inst.vehicles if routes is None else 1))
    result = linprog(cost, A_ub=np.array(ub_rows), b_ub=ub_rhs, A_eq=np.array(eq_rows), b_eq=eq_rhs,
                     bounds=bounds, method="highs")
    if result.status != 0:
        return None
    deliveries = np.zeros((H, n + 1))
    deliveries[:, 1:] = np.round(result.x[:nq].reshape(H, n), 9)
    return float(holding @ result.x), deliveries


def savings_routes(instance: IrpInstance, visited: list[int], loads: np.ndarray):
    """Clarke & Wright savings routes (load <= Q) then 2-opt; ``None`` if more than K routes are needed."""
    d = instance.distance
    route_of = {i: [i] for i in visited}
    load = {i: loads[i] for i in visited}
    pairs = sorted(((d[0, i] + d[0, j] - d[i, j], i, j) for a, i in enumerate(visited) for j in visited[a + 1:]),
                   reverse=True)
    for saving, i, j in pairs:
        ri, rj = route_of[i], route_of[j]
        if saving <= 0 or ri is rj or load[ri[0]] + load[rj[0]] > instance.capacity + 1e-9:
            continue
        if ri[-1] != i and ri[0] != i or rj[0] != j and rj[-1] != j:
            continue  # i and j must be route ends
        merged = (ri if ri[-1] == i else ri[::-1]) + (rj if rj[0] == j else rj[::-1])
        total = load[ri[0]] + load[rj[0]]
        for k in merged:
            route_of[k] = merged
        load[merged[0]] = total
    routes = {id(r): r for r in route_of.values()}.values()
    if len(routes) > instance.vehicles:
        return None
    return sorted(tuple(two_opt(d, list(r))) for r in routes)


def two_opt(d: np.ndarray, route: list[int]) -> list[int]:
    """A route improved by reversing segments while that shortens it."""
    best, improved = route, True
    while improved:
        improved = False
        for a in range(len(best) - 1):
            for b in range(a + 1, len(best)):
                candidate = best[:a] + best[a:b + 1][::-1] + best[b + 1:]
                if route_cost(d, candidate) < route_cost(d, best) - 1e-9:
                    best, improved = candidate, True
    return best


def route_cost(d: np.ndarray, route) -> float:
    stops = (0, *route, 0)
    return float(sum(d[a, b] for a, b in zip(stops, stops[1:])))


HEURISTIC_FROM = 16  # customers: from this size, solve() starts the branch and cut from the heuristic's plan
HEURISTIC_SHARE = 0.2  # of the time limit


def solve(instance: IrpInstance, options) -> IrpSolution:
    """What ``netinv route`` runs (``options``: :class:`~netinv.irp.branch_cut.BranchCutOptions`): the
    branch and cut; with a time limit on an instance of 16 customers or more, the heuristic runs first
    (a fifth of the time limit) and its plan starts the branch and cut, so that a plan is reported even
    when the cut loop has not found one of its own."""
    from dataclasses import replace

    from netinv.irp.branch_cut import solve_irp

    if options.time_limit is None or instance.customers < HEURISTIC_FROM:
        return solve_irp(instance, options)
    start = time.perf_counter()
    plan = solve_heuristic(instance, HeuristicOptions(policy=options.policy,
                                                      time_limit=HEURISTIC_SHARE * options.time_limit))
    left = max(options.time_limit - (time.perf_counter() - start), 0.01)
    solution = solve_irp(instance, replace(options, time_limit=left), start_plan=plan)
    if plan.bound is not None and (solution.bound is None or plan.bound > solution.bound):
        solution.bound = min(plan.bound, solution.cost) if solution.cost is not None else plan.bound
    solution.seconds = time.perf_counter() - start
    return solution

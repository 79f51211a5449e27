"""Exact guaranteed-service placement by branch and bound over a spanning-tree relaxation.

Drop the supply edges that close undirected cycles: what is left is a spanning forest, on which the
Graves-Willems dynamic program (:func:`netinv.gsm.tree.gsm_tree_dp`) finds the optimum
exactly — a **lower bound** for the whole network, since constraints were dropped (the inbound bounds
SI_j <= longest path stay those of the whole network). Its service times, with inbound times made
tight over *all* edges, are feasible: an **upper bound**. When the relaxation's answer breaks a dropped
edge i -> j (S_i + L_ij > SI_j), branch on v = floor((S_i + SI_j - L_ij) / 2): either S_i <= v, or
S_i >= v + 1, which implies SI_j >= v + 1 + L_ij — both exclude the answer and only tighten per-stage
bounds, which the dynamic program takes as they are. Best-first search; proven optimal when the best
open lower bound meets the incumbent.

**Lagrangian domain reduction** (:func:`solve_gsm_reduced`): the dropped edges' constraints priced by
multipliers lambda >= 0 (subgradient), the tree DP's min-marginals bound from below every placement that
gives a stage a given S, SI or tau; the values whose bound reaches the incumbent's cost are cut
(reduced-cost fixing, :func:`reduce_ranges`). Repeated, then the MILP of :mod:`netinv.gsm.solve` searches
the narrowed ranges, whose short net-time ranges make its chords tight.

**Branch and bound with reduction at every node** (:func:`solve_gsm_reduced_bnb`): the same Lagrangian bound
and domain reduction repeated in every node of a branch and bound over boxes of ranges, each tree DP
compiled with numba (:func:`netinv.gsm.tree.tree_dp_fast`); times are first divided by their
greatest common divisor (:func:`time_unit`), which keeps every vertex, hence the optimum.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np

from netinv.exact.highs import Status
from netinv.gsm.instance import GSMInstance, StageRanges
from netinv.gsm.solve import GSMOptions, GSMSolution, gap_closed


def _forest(instance: GSMInstance, si_up: np.ndarray) -> np.ndarray:
    """Edges of a spanning forest, keeping first the edges on long supply paths (most likely binding)."""
    weight = si_up[instance.edge_source] + instance.processing_time[instance.edge_source] + instance.edge_lead_time
    order = np.argsort(-weight, kind="stable")
    uf = nx.utils.UnionFind(range(instance.num_stages))
    keep = []
    for e in order:
        i, j = int(instance.edge_source[e]), int(instance.edge_target[e])
        if uf[i] != uf[j]:
            uf.union(i, j)
            keep.append(int(e))
    return np.array(sorted(keep), dtype=np.int64)


def _relaxation(inst: GSMInstance):
    """(inbound upper bounds, dropped edges (source, target, lead), forest instance, S upper bounds)."""
    si_up = inst.inbound_upper_bound()
    keep = _forest(inst, si_up)
    dropped = np.setdiff1d(np.arange(len(inst.edge_source)), keep)
    edges = inst.edge_source[dropped], inst.edge_target[dropped], inst.edge_lead_time[dropped]
    base = replace(inst, edge_source=inst.edge_source[keep], edge_target=inst.edge_target[keep],
                   edge_lead_time=inst.edge_lead_time[keep], inbound_upper=si_up)
    s_cap = np.minimum(inst.max_service_time, si_up + inst.processing_time).astype(np.int64)
    return si_up, edges, base, s_cap


def solve_gsm_bnb(instance: GSMInstance, options: GSMOptions = GSMOptions()) -> GSMSolution:
    from netinv.gsm.tree import gsm_tree_dp

    start = time.perf_counter()
    inst = instance
    T = inst.processing_time
    si_up, (d_src, d_dst, d_lead), base, s_cap = _relaxation(inst)

    best_cost, best = np.inf, None
    counter = 0
    dp_seconds = 0.0

    def relax(s_max, si_low):
        nonlocal dp_seconds
        if np.any(si_low > si_up) or np.any(s_max < 0) or np.any(si_low + T - np.minimum(s_max, si_up + T) > si_up + T):
            return None
        node = replace(base, max_service_time=s_max.astype(float), inbound_lower_bound=si_low)
        t0 = time.perf_counter()
        res = gsm_tree_dp(node)
        dp_seconds += time.perf_counter() - t0
        return res if np.isfinite(res.cost) else None

    root = relax(s_cap.copy(), inst.inbound_lower_bound.copy())
    heap = [(root.cost, 0, s_cap.copy(), inst.inbound_lower_bound.copy(), root)] if root is not None else []
    nodes = 0
    status = Status.OPTIMAL
    lower = root.cost if root is not None else np.inf
    while heap:
        if options.time_limit is not None and time.perf_counter() - start > options.time_limit:
            status = Status.TIME_LIMIT
            break
        bound, _, s_max, si_low, res = heapq.heappop(heap)
        lower = bound
        if bound >= best_cost - options.tolerance * max(1.0, abs(best_cost)):
            lower = best_cost
            heap = []
            break
        nodes += 1
        S = res.service_time
        tight = inst.inbound_lower_bound.copy()
        np.maximum.at(tight, inst.edge_target, S[inst.edge_source] + inst.edge_lead_time)
        cost, SI, tau = inst.evaluate(S, np.maximum(tight, res.inbound_service_time))  # feasible
        if cost < best_cost:
            best_cost, best = cost, (S, SI, tau)
        violation = S[d_src] + d_lead - res.inbound_service_time[d_dst]
        if violation.size == 0 or violation.max() <= 0:
            continue  # the relaxation's answer is feasible: this node is solved
        k = int(np.argmax(violation))
        i, j, lead = int(d_src[k]), int(d_dst[k]), int(d_lead[k])
        v = (int(S[i]) + int(res.inbound_service_time[j]) - lead) // 2
        left_s = s_max.copy()
        left_s[i] = min(left_s[i], v)
        right_si = si_low.copy()
        right_si[j] = max(right_si[j], v + 1 + lead)
        for child_s, child_si in ((left_s, si_low), (s_max, right_si)):
            child = relax(child_s, child_si)
            if child is not None and child.cost < best_cost:
                counter += 1
                heapq.heappush(heap, (child.cost, counter, child_s, child_si, child))
    if not heap and status == Status.OPTIMAL:
        lower = best_cost
    seconds = {"dp": dp_seconds, "total": time.perf_counter() - start}
    S, SI, tau = best
    message = "" if status == Status.OPTIMAL else f"stopped after {nodes} nodes"
    return GSMSolution(status=status, cost=float(best_cost), bound=float(min(lower, best_cost)), method="tree-bnb",
                       instance=inst, service_time=S, inbound_service_time=SI, net_time=tau, seconds=seconds,
                       rounds=nodes, message=message)


def solve_gsm_lagrangian(instance: GSMInstance, options: GSMOptions = GSMOptions(), *,
                         root_iterations: int = 300, node_iterations: int = 30) -> GSMSolution:
    """Branch and bound whose bound at each node is a Lagrangian relaxation: the dropped edges'
    constraints S_i + L_ij - SI_j <= 0 enter the objective with multipliers lambda >= 0, so each
    evaluation is the tree DP with linear terms (:func:`netinv.gsm.tree.tree_dp_core`), and
    max over lambda (subgradient steps, Polyak step size towards the incumbent, multipliers inherited
    from the parent) bounds the node's optimum from below — at least as tight as dropping the edges.
    Every DP answer, made feasible (inbound times tight over all edges), is a candidate placement.
    Branching: on the dropped edge the best answer breaks most, as in :func:`solve_gsm_bnb`; when the
    answer breaks none, on an edge that can still bind in the node (largest lambda_e |slack_e|), split
    so that both children shrink; when no dropped edge can bind, the tree DP solves the node exactly.
    Proven optimal when the best open bound meets the incumbent.
    """
    from netinv.gsm.tree import tree_dp_fast as tree_dp_core

    start = time.perf_counter()
    deadline = np.inf if options.time_limit is None else start + options.time_limit
    inst = instance
    N = inst.num_stages
    si_up, (ds, dt, dl), base, s_cap = _relaxation(inst)
    tol = options.tolerance
    incumbent = [np.inf, None]

    def consider(S, SI):
        tight = inst.inbound_lower_bound.copy()
        np.maximum.at(tight, inst.edge_target, S[inst.edge_source] + inst.edge_lead_time)
        cost, SI_f, tau = inst.evaluate(S, np.maximum(tight, SI))
        if cost < incumbent[0]:
            incumbent[0], incumbent[1] = cost, (S.copy(), SI_f, tau)

    def bound(s_max, si_low, lam, iterations):
        """(best bound, multipliers, (S, SI) at the best bound); bound = inf when the node is empty."""
        if np.any(s_max < 0) or np.any(si_low > si_up):
            return np.inf, lam, None
        node = replace(base, max_service_time=s_max.astype(float), inbound_lower_bound=si_low)
        best, best_lam, best_sol = -np.inf, lam, None
        theta, stall = 1.0, 0
        for _ in range(max(iterations, 1)):
            a, b = np.zeros(N), np.zeros(N)
            np.add.at(a, ds, lam)
            np.add.at(b, dt, -lam)
            total, S, SI = tree_dp_core(node, a, b)
            if not np.isfinite(total):
                return np.inf, lam, None
            value = total + float(lam @ dl)
            consider(S, SI)
            g = S[ds] + dl - SI[dt]
            if value > best:
                best, best_lam, best_sol, stall = value, lam.copy(), (S, SI), 0
            else:
                stall += 1
                if stall >= 8:
                    theta, stall = theta / 2, 0
            if best >= incumbent[0] * (1 - tol) or not len(g) or (g.max() <= 0 and float(lam @ g) == 0.0):
                break  # pruned, or the answer is feasible with complementary slackness: the node is solved
            if time.perf_counter() > deadline:
                break  # the bound so far is valid; the time limit is checked between nodes too
            norm = float(g @ g)
            if norm == 0:
                break
            lam = np.maximum(0.0, lam + theta * (incumbent[0] - value) / norm * g)
        return best, best_lam, best_sol

    s0, si0 = s_cap.copy(), inst.inbound_lower_bound.copy()
    value, lam, sol = bound(s0, si0, np.zeros(len(ds)), root_iterations)
    heap = [] if sol is None else [(value, 0, s0, si0, lam, sol)]
    counter, nodes, status = 0, 0, Status.OPTIMAL
    lower = value
    while heap:
        if options.time_limit is not None and time.perf_counter() - start > options.time_limit:
            status = Status.TIME_LIMIT
            break
        value, _, s_max, si_low, lam, (S, SI) = heapq.heappop(heap)
        lower = value
        if value >= incumbent[0] * (1 - tol):
            heap = []
            break
        nodes += 1
        g = S[ds] + dl - SI[dt]
        if len(g) and g.max() > 0:
            k = int(np.argmax(g))
            i, j, lead = int(ds[k]), int(dt[k]), int(dl[k])
            v = (int(S[i]) + int(SI[j]) - lead) // 2
        else:  # a feasible answer whose bound is below its cost: split an edge that can still bind
            if not len(g):
                continue
            room = s_max[ds] - (si_low[dt] - dl)  # > 0: S_i <= v / SI_j >= v + 1 + L shrinks both sides
            active = np.flatnonzero(room > 0)
            if active.size == 0:  # every dropped edge holds throughout the node: the tree DP is exact
                node = replace(base, max_service_time=s_max.astype(float), inbound_lower_bound=si_low)
                _, S0, SI0 = tree_dp_core(node)
                consider(S0, SI0)
                continue
            k = int(active[np.argmax((lam * np.abs(g))[active])])
            i, j, lead = int(ds[k]), int(dt[k]), int(dl[k])
            v = int(np.clip((int(S[i]) + int(SI[j]) - lead) // 2, si_low[j] - lead, s_max[i] - 1))
        left = s_max.copy()
        left[i] = min(left[i], v)
        right = si_low.copy()
        right[j] = max(right[j], v + 1 + lead)
        for child_s, child_si in ((left, si_low), (s_max, right)):
            child_value, child_lam, child_sol = bound(child_s, child_si, lam, node_iterations)
            if child_sol is not None and child_value < incumbent[0] * (1 - tol):
                counter += 1
                heapq.heappush(heap, (max(child_value, value), counter, child_s, child_si, child_lam, child_sol))
    if not heap and status == Status.OPTIMAL:
        lower = incumbent[0]
    S, SI, tau = incumbent[1]
    message = "" if status == Status.OPTIMAL else f"stopped after {nodes} nodes"
    return GSMSolution(status=status, cost=float(incumbent[0]), bound=float(min(lower, incumbent[0])),
                       method="lagrangian-bnb", instance=inst, service_time=S, inbound_service_time=SI, net_time=tau,
                       seconds={"total": time.perf_counter() - start}, rounds=nodes, message=message)


@dataclass
class _Incumbent:
    """The best feasible placement seen: cost and (S, SI, tau)."""

    instance: GSMInstance
    cost: float = np.inf
    placement: tuple | None = None

    def consider(self, S: np.ndarray, SI: np.ndarray) -> None:
        """Make (S, SI) feasible (inbound times tight over every edge, never below SI) and keep it if cheaper."""
        inst = self.instance
        tight = inst.inbound_lower_bound.copy()
        np.maximum.at(tight, inst.edge_target, S[inst.edge_source] + inst.edge_lead_time)
        cost, SI_f, tau = inst.evaluate(S, np.maximum(tight, SI))
        if cost < self.cost:
            self.cost, self.placement = cost, (S.copy(), SI_f, tau)


def reduce_ranges(base: GSMInstance, ranges: StageRanges, dropped, lam: np.ndarray, cutoff: float) -> StageRanges:
    """Lagrangian domain reduction: the ranges of S, SI and tau that hold every placement cheaper than
    ``cutoff`` (possibly empty: then none is).

    With multipliers lambda >= 0 on the dropped edges, the tree recursion's min-marginal of a value
    (:func:`netinv.gsm.tree.tree_dp_marginals`) plus lambda . L bounds from below the cost of
    every placement of the whole network, inside ``ranges``, that takes that value; values whose bound
    reaches ``cutoff`` are cut from the ends of each range (reduced-cost fixing)."""
    from netinv.gsm.tree import tree_dp_marginals, tree_reduce_fast

    ds, dt, dl = dropped
    N = base.num_stages
    a, b = np.zeros(N), np.zeros(N)
    np.add.at(a, ds, lam)
    np.add.at(b, dt, -lam)
    limit = cutoff - float(lam @ dl) + 1e-9 * abs(cutoff)  # slack for rounding in the marginals
    kept = tree_reduce_fast(base, a, b, ranges, limit)  # compiled; None without numba
    if kept is not None:
        if kept.is_empty():
            return replace(ranges, service_low=ranges.service_high + 1)
        new = StageRanges(np.maximum(ranges.service_low, kept.service_low), np.minimum(ranges.service_high, kept.service_high),
                          np.maximum(ranges.inbound_low, kept.inbound_low), np.minimum(ranges.inbound_high, kept.inbound_high),
                          np.maximum(ranges.net_low, kept.net_low), np.minimum(ranges.net_high, kept.net_high))
        return new.tightened(base.processing_time)
    marginals = tree_dp_marginals(base, a, b, ranges=ranges)
    ends = []
    for values, first in ((marginals.by_service, marginals.service_first),
                          (marginals.by_inbound, marginals.inbound_first), (marginals.by_net, marginals.net_first)):
        low, high = np.zeros(N, dtype=np.int64), np.full(N, -1, dtype=np.int64)
        for j in range(N):
            kept = np.flatnonzero(values[j] <= limit)
            if kept.size == 0:
                return replace(ranges, service_low=ranges.service_high + 1)  # empty
            low[j], high[j] = first[j] + kept[0], first[j] + kept[-1]
        ends.append((low, high))
    (s_lo, s_hi), (si_lo, si_hi), (t_lo, t_hi) = ends
    new = StageRanges(np.maximum(ranges.service_low, s_lo), np.minimum(ranges.service_high, s_hi),
                      np.maximum(ranges.inbound_low, si_lo), np.minimum(ranges.inbound_high, si_hi),
                      np.maximum(ranges.net_low, t_lo), np.minimum(ranges.net_high, t_hi))
    return new.tightened(base.processing_time)


def solve_gsm_reduced(instance: GSMInstance, options: GSMOptions = GSMOptions(), *, start=None,
                      lower: float = -np.inf, iterations: int = 40, reductions: int = 8) -> GSMSolution:
    """Lagrangian domain reduction, then the breakpoint-refinement MILP on what is left.

    Rounds of: subgradient on the Lagrangian relaxation of the edges outside a spanning tree
    (:func:`_lagrangian_bound`, multipliers carried over), then :func:`reduce_ranges` with cutoff = the
    incumbent's cost (1 + tolerance / 10), so the incumbent stays inside. Each round's bound holds for
    the placements inside the current ranges, the others cost more than the incumbent: min(bound,
    incumbent's cost) bounds the instance. Stops when the bound meets the incumbent or the ranges
    shrink by less than a fifth; then
    :func:`netinv.gsm.solve_gsm` searches the ranges (far narrower net-time ranges, so far
    tighter chords), started from the incumbent. ``start``: a feasible placement (S, SI, tau);
    ``lower``: a known lower bound.
    """
    from netinv.gsm.solve import solve_gsm

    begin = time.perf_counter()
    inst = instance
    deadline = np.inf if options.time_limit is None else begin + options.time_limit
    tol = options.tolerance
    _, dropped, base, _ = _relaxation(inst)
    incumbent = _Incumbent(inst)
    if start is not None:
        incumbent.consider(np.asarray(start[0]), np.asarray(start[1]))
    ranges = StageRanges.of(inst)
    lam = np.zeros(len(dropped[0]))
    cutoff, bound, rounds = np.inf, lower, 0
    proven = False
    while rounds < reductions:
        rounds += 1
        value, lam, _, _ = _lagrangian_bound(base, ranges, dropped, lam, iterations, incumbent, tol / 10, deadline,
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


def _lagrangian_bound(base: GSMInstance, ranges: StageRanges, dropped, lam: np.ndarray, iterations: int,
                      incumbent: _Incumbent, tolerance: float, deadline: float, *, every_answer: bool = False,
                      min_iterations: int = 1):
    """max over lambda >= 0 of the Lagrangian bound on the placements inside ``ranges`` (subgradient
    steps, Polyak step size towards the incumbent, step halved after 8 steps without progress), with the
    tree DP's answer (S, SI) at the best multipliers: (best bound, its multipliers, S, SI); bound = inf
    and S = None when no point fits ``ranges``. The answers at improving multipliers (``every_answer``:
    every answer) are offered to the incumbent, made feasible."""
    from netinv.gsm.tree import tree_dp_fast as tree_dp_core

    ds, dt, dl = dropped
    N = base.num_stages
    best, best_lam, best_answer = -np.inf, lam.copy(), (None, None)
    theta, stall = 1.0, 0
    for _ in range(max(iterations, min_iterations)):
        a = np.bincount(ds, weights=lam, minlength=N)
        b = -np.bincount(dt, weights=lam, minlength=N)
        total, S, SI = tree_dp_core(base, a, b, ranges=ranges)
        if not np.isfinite(total):
            return np.inf, lam, None, None
        value = total + float(lam @ dl)
        if every_answer:
            incumbent.consider(S, SI)
        if value > best:
            if not every_answer:
                incumbent.consider(S, SI)
            best, best_lam, best_answer, stall = value, lam.copy(), (S, SI), 0
        else:
            stall += 1
            if stall >= 8:
                theta, stall = theta / 2, 0
        g = (S[ds] + dl - SI[dt]).astype(float)
        norm = float(g @ g)
        if best >= incumbent.cost * (1 - tolerance) or norm == 0 or time.perf_counter() > deadline:
            break
        lam = np.maximum(0.0, lam + theta * (incumbent.cost - value) / norm * g)
    return best, best_lam, best_answer[0], best_answer[1]


def _split(ranges: StageRanges, processing_time: np.ndarray, source: int, target: int, value: int,
           lead: int) -> list[StageRanges]:
    """The two children of a dropped edge's branching: S_source <= value, or S_source >= value + 1
    with SI_target >= value + 1 + lead (the edge's constraint then forces it); empty children left out."""
    left_high = ranges.service_high.copy()
    left_high[source] = min(left_high[source], value)
    right_low, right_inbound = ranges.service_low.copy(), ranges.inbound_low.copy()
    right_low[source] = max(right_low[source], value + 1)
    right_inbound[target] = max(right_inbound[target], value + 1 + lead)
    children = [replace(ranges, service_high=left_high),
                replace(ranges, service_low=right_low, inbound_low=right_inbound)]
    return [c for c in (child.tightened(processing_time) for child in children) if not c.is_empty()]


def solve_gsm_reduced_bnb(instance: GSMInstance, options: GSMOptions = GSMOptions(), *, start=None,
                          lower: float = -np.inf, root_iterations: int = 60, root_reductions: int = 12,
                          node_iterations: int = 20) -> GSMSolution:
    """Branch and bound with a Lagrangian bound and Lagrangian domain reduction at every node.

    A node is a box of :class:`StageRanges`. Its bound: the Lagrangian relaxation of the edges outside a
    spanning tree, maximized by subgradient steps from the parent's multipliers
    (:func:`_lagrangian_bound`), each evaluation the tree DP on the node's ranges; every DP answer, made
    feasible, is a candidate placement. Then reduced-cost fixing with the incumbent's cost as cutoff
    (:func:`reduce_ranges`) narrows the box — children inherit the narrowed ranges, so the DP grid
    shrinks with depth. Branching: on the dropped edge i -> j that the best DP answer breaks most, at
    v = floor((S_i + SI_j - L_ij) / 2): S_i <= v, or S_i >= v + 1 and SI_j >= v + 1 + L_ij (both
    exclude the answer); when the answer breaks no dropped edge but its bound is below the incumbent,
    on an edge that can still bind in the box; when none can, the tree DP on the box is exact.
    Best-first; proven optimal when the least open bound meets the incumbent. The root repeats
    subgradient and reduction while the ranges shrink (as :func:`solve_gsm_reduced`). ``start``: a
    feasible placement (S, SI, tau); ``lower``: a known lower bound.
    """
    from netinv.gsm.tree import tree_dp_fast as tree_dp_core

    begin = time.perf_counter()
    unit = time_unit(instance)
    if unit > 1:  # every vertex lies on the grid of the unit: solve the instance in units of it
        return in_time_units(instance, unit, start, lambda coarse, start: solve_gsm_reduced_bnb(
            coarse, options, start=start, lower=lower, root_iterations=root_iterations,
            root_reductions=root_reductions, node_iterations=node_iterations))
    inst = instance
    T = inst.processing_time
    deadline = np.inf if options.time_limit is None else begin + options.time_limit
    tol = options.tolerance
    _, dropped, base, _ = _relaxation(inst)
    ds, dt, dl = dropped
    incumbent = _Incumbent(inst)
    if start is not None:
        incumbent.consider(np.asarray(start[0]), np.asarray(start[1]))

    def cutoff() -> float:  # boxes that can only hold placements this expensive are closed
        return incumbent.cost * (1 - tol / 10)

    def reduce(ranges, lam):  # keep the incumbent's own values (cutoff just above its cost)
        return reduce_ranges(base, ranges, dropped, lam, incumbent.cost * (1 + tol / 10)) if np.isfinite(incumbent.cost) else ranges

    ranges = StageRanges.of(inst)
    lam = np.zeros(len(ds))
    value, S, SI = -np.inf, None, None
    for _ in range(root_reductions):
        value, lam, S, SI = _lagrangian_bound(base, ranges, dropped, lam, root_iterations, incumbent, tol / 10, deadline)
        if S is None or value >= cutoff() or time.perf_counter() > deadline:
            break
        reduced = reduce(ranges, lam)
        if reduced.is_empty():
            value, S = np.inf, None
            break
        shrink = reduced.size() / max(ranges.size(), 1)
        ranges = reduced
        if shrink > 0.9:
            break
    heap = [] if S is None or value >= cutoff() else [(value, 0, ranges, lam, S, SI)]
    pruned = value if not heap else np.inf  # the least bound of a box closed within the tolerance
    counter, nodes, status = 0, 0, Status.OPTIMAL
    bound = max(lower, value)
    while heap:
        if time.perf_counter() > deadline:
            status = Status.TIME_LIMIT
            break
        value, _, ranges, lam, S, SI = heapq.heappop(heap)
        bound = max(bound, value)
        if value >= cutoff():  # so is every open box
            pruned, heap = min(pruned, value), []
            break
        nodes += 1
        g = S[ds] + dl - SI[dt]
        if len(g) and g.max() > 0:
            k = int(np.argmax(g))
            v = (int(S[ds[k]]) + int(SI[dt[k]]) - int(dl[k])) // 2
        else:  # a feasible answer whose bound is below its cost: split an edge that can still bind
            room = ranges.service_high[ds] + dl - ranges.inbound_low[dt]
            active = np.flatnonzero(room > 0)
            if active.size == 0:  # every dropped edge holds throughout the box: the tree DP is exact there
                _, S0, SI0 = tree_dp_core(base, ranges=ranges)
                incumbent.consider(S0, SI0)
                continue
            k = int(active[np.argmax((lam * np.abs(g) + 1e-9 * room)[active])])
            v = int(np.clip((int(S[ds[k]]) + int(SI[dt[k]]) - int(dl[k])) // 2,
                            ranges.inbound_low[dt[k]] - dl[k], ranges.service_high[ds[k]] - 1))
        for child in _split(ranges, T, int(ds[k]), int(dt[k]), v, int(dl[k])):
            c_value, c_lam, c_S, c_SI = _lagrangian_bound(base, child, dropped, lam, node_iterations, incumbent,
                                                          tol / 10, deadline)
            if c_S is None or c_value >= cutoff():
                pruned = min(pruned, c_value)
                continue
            child = reduce(child, c_lam)
            if child.is_empty():
                continue
            counter += 1
            heapq.heappush(heap, (max(c_value, value), counter, child, c_lam, c_S, c_SI))
    if not heap and status == Status.OPTIMAL:  # every box closed: by the incumbent, or within the tolerance
        bound = max(bound, min(incumbent.cost, pruned))
    elif heap:
        bound = max(bound, heap[0][0]) if status != Status.OPTIMAL else bound
    S, SI, tau = incumbent.placement
    bound = min(bound, incumbent.cost)
    proven = gap_closed(incumbent.cost, bound, tol)
    status = Status.OPTIMAL if proven else Status.TIME_LIMIT
    message = "" if proven else f"stopped after {nodes} nodes: best placement within {100 * (incumbent.cost - bound) / incumbent.cost:.3g}% of optimal"
    return GSMSolution(status=status, cost=float(incumbent.cost), bound=float(bound), method="reduced-bnb",
                       instance=inst, service_time=S, inbound_service_time=SI, net_time=tau,
                       seconds={"total": time.perf_counter() - begin}, rounds=nodes, message=message)


def time_unit(instance: GSMInstance) -> int:
    """The greatest common divisor of the instance's times (processing and lead times, finite maximum
    service times, inbound lower bounds); 1 when they have none but 1.

    The constraints are difference constraints (x_a - x_b >= constant, bounds against 0), so every
    vertex of the feasible region has coordinates that are sums of these constants along a path: multiples
    of the unit. The cost sum_j c_j sqrt(tau_j) is concave, so a vertex is optimal, and the instance can be
    solved with every time divided by the unit (:func:`coarsened`) without losing the optimum."""
    finite = instance.max_service_time[np.isfinite(instance.max_service_time)]
    values = np.concatenate([instance.processing_time, instance.edge_lead_time, finite,
                             instance.inbound_lower_bound]).astype(np.int64)
    unit = int(np.gcd.reduce(values)) if values.size else 1
    return max(unit, 1)


def in_time_units(instance: GSMInstance, unit: int, start, solve) -> GSMSolution:
    """``solve(coarse, start)`` on the instance with every time divided by ``unit`` (``start`` divided too
    when it lies on the grid, else None), its placement carried back to ``instance``'s units and
    re-costed there; the method names the unit."""
    on_grid = start is not None and all(np.all(np.asarray(x) % unit == 0) for x in start[:2])
    solution = solve(coarsened(instance, unit), tuple(np.asarray(x) // unit for x in start) if on_grid else None)
    S, SI = solution.service_time * unit, solution.inbound_service_time * unit
    cost, SI, tau = instance.evaluate(S, SI)
    solution.instance, solution.service_time, solution.inbound_service_time, solution.net_time = instance, S, SI, tau
    solution.cost, solution.bound = cost, min(solution.bound, cost)
    solution.method = f"{solution.method} (times in units of {unit})"
    return solution


def coarsened(instance: GSMInstance, unit: int) -> GSMInstance:
    """The instance with every time divided by ``unit`` (a divisor of all of them, :func:`time_unit`) and
    every cost coefficient times sqrt(unit), so that a placement costs the same in either: c sqrt(unit tau')."""
    return replace(instance, processing_time=instance.processing_time // unit,
                   edge_lead_time=instance.edge_lead_time // unit, max_service_time=instance.max_service_time / unit,
                   inbound_lower_bound=instance.inbound_lower_bound // unit,
                   holding_cost=instance.holding_cost * np.sqrt(unit), inbound_upper=None)

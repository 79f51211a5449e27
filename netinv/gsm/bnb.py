"""Exact guaranteed-service placement by branch and bound over a spanning-tree relaxation.

Drop the supply edges that close undirected cycles (:func:`netinv.gsm.bounds.tree_relaxation`): what is
left is a spanning forest, on which the Graves-Willems dynamic program
(:func:`netinv.gsm.tree.gsm_tree_dp`) finds the optimum exactly — a **lower bound** for the whole
network. Its service times, with inbound times made tight over *all* edges, are feasible: an **upper
bound** (:class:`netinv.gsm.bounds.Incumbent`). When the relaxation's answer breaks a dropped edge
i -> j (S_i + L_ij > SI_j), branch on v = floor((S_i + SI_j - L_ij) / 2): either S_i <= v, or
S_i >= v + 1, which implies SI_j >= v + 1 + L_ij — both exclude the answer and only tighten per-stage
bounds, which the dynamic program takes as they are. Best-first search; proven optimal when the best
open lower bound meets the incumbent (:func:`solve_gsm_bnb`, method ``tree-bnb``).

**Lagrangian bounds** (:func:`solve_gsm_lagrangian`, method ``lagrangian``): the same search with each
node bounded by the Lagrangian relaxation of the dropped edges.

**Branch and bound with reduction at every node** (:func:`solve_gsm_reduced_bnb`, method ``reduced-bnb``):
the Lagrangian bound (:func:`netinv.gsm.bounds.lagrangian_bound`) and domain reduction
(:func:`netinv.gsm.bounds.reduce_ranges`) repeated in every node of a branch and bound over boxes of
ranges, each tree DP compiled with numba (:func:`netinv.gsm.tree.tree_dp_fast`); times are first divided
by their greatest common divisor (:func:`netinv.gsm.bounds.time_unit`), which keeps every vertex, hence
the optimum.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import replace

import numpy as np

from netinv.exact.highs import Status
from netinv.gsm.bounds import (
    Incumbent,
    TreeRelaxation,
    in_time_units,
    lagrangian_bound,
    reduce_ranges,
    time_unit,
    tree_relaxation,
)
from netinv.gsm.instance import GSMInstance, StageRanges
from netinv.gsm.tree import gsm_tree_dp, tree_dp_fast
from netinv.gsm.types import GSMOptions, GSMSolution, gap_closed


def solve_gsm_bnb(instance: GSMInstance, options: GSMOptions = GSMOptions()) -> GSMSolution:
    """Branch and bound whose bound at each node is the tree DP on the spanning forest (module
    docstring); a node is a box of S upper and SI lower bounds. Proven optimal when the best open bound
    meets the incumbent (within ``options.tolerance``), unless the time limit stops it first."""
    start = time.perf_counter()
    inst = instance
    T = inst.processing_time
    si_up, (d_src, d_dst, d_lead), base, s_cap = tree_relaxation(inst)
    incumbent = Incumbent(inst)
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
        if bound >= incumbent.cost - options.tolerance * max(1.0, abs(incumbent.cost)):
            lower = incumbent.cost
            heap = []
            break
        nodes += 1
        S = res.service_time
        incumbent.consider(S, res.inbound_service_time)
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
            if child is not None and child.cost < incumbent.cost:
                counter += 1
                heapq.heappush(heap, (child.cost, counter, child_s, child_si, child))
    if not heap and status == Status.OPTIMAL:
        lower = incumbent.cost
    seconds = {"dp": dp_seconds, "total": time.perf_counter() - start}
    S, SI, tau = incumbent.placement
    message = "" if status == Status.OPTIMAL else f"stopped after {nodes} nodes"
    return GSMSolution(status=status, cost=float(incumbent.cost), bound=float(min(lower, incumbent.cost)),
                       method="tree-bnb", instance=inst, service_time=S, inbound_service_time=SI, net_time=tau,
                       seconds=seconds, rounds=nodes, message=message)


def _node_bound(relaxation: TreeRelaxation, s_max: np.ndarray, si_low: np.ndarray, lam: np.ndarray, iterations: int,
               incumbent: Incumbent, tolerance: float, deadline: float):
    """The Lagrangian bound of the box S <= s_max, SI >= si_low: (best bound, its multipliers, (S, SI) at
    the best bound); bound inf when the box is empty. Subgradient steps from ``lam``, Polyak step size
    towards the incumbent, step halved after 8 steps without progress; every answer, made feasible, is
    offered to the incumbent. Stops early when pruned, or when the answer is feasible with complementary
    slackness (the node is solved)."""
    si_up, (ds, dt, dl), base, _ = relaxation
    N = base.num_stages
    if np.any(s_max < 0) or np.any(si_low > si_up):
        return np.inf, lam, None
    node = replace(base, max_service_time=s_max.astype(float), inbound_lower_bound=si_low)
    best, best_lam, best_sol = -np.inf, lam, None
    theta, stall = 1.0, 0
    for _ in range(max(iterations, 1)):
        a, b = np.zeros(N), np.zeros(N)
        np.add.at(a, ds, lam)
        np.add.at(b, dt, -lam)
        total, S, SI = tree_dp_fast(node, a, b)
        if not np.isfinite(total):
            return np.inf, lam, None
        value = total + float(lam @ dl)
        incumbent.consider(S, SI)
        g = S[ds] + dl - SI[dt]
        if value > best:
            best, best_lam, best_sol, stall = value, lam.copy(), (S, SI), 0
        else:
            stall += 1
            if stall >= 8:
                theta, stall = theta / 2, 0
        if best >= incumbent.cost * (1 - tolerance) or not len(g) or (g.max() <= 0 and float(lam @ g) == 0.0):
            break  # pruned, or the answer is feasible with complementary slackness: the node is solved
        if time.perf_counter() > deadline:
            break  # the bound so far is valid; the time limit is checked between nodes too
        norm = float(g @ g)
        if norm == 0:
            break
        lam = np.maximum(0.0, lam + theta * (incumbent.cost - value) / norm * g)
    return best, best_lam, best_sol


def _node_branch(relaxation: TreeRelaxation, s_max: np.ndarray, si_low: np.ndarray, lam: np.ndarray, S: np.ndarray,
                SI: np.ndarray, incumbent: Incumbent):
    """The dropped edge to branch on and where, (i, j, L_ij, v), for the box S <= s_max, SI >= si_low
    whose best Lagrangian answer is (S, SI); None when the box needs no branching (solved, the tree DP's
    answer then offered to the incumbent)."""
    _, (ds, dt, dl), base, _ = relaxation
    g = S[ds] + dl - SI[dt]
    if len(g) and g.max() > 0:  # the answer breaks a dropped edge: the one it breaks most
        k = int(np.argmax(g))
        i, j, lead = int(ds[k]), int(dt[k]), int(dl[k])
        return i, j, lead, (int(S[i]) + int(SI[j]) - lead) // 2
    if not len(g):
        return None
    # a feasible answer whose bound is below its cost: split an edge that can still bind
    room = s_max[ds] - (si_low[dt] - dl)  # > 0: S_i <= v / SI_j >= v + 1 + L shrinks both sides
    active = np.flatnonzero(room > 0)
    if active.size == 0:  # every dropped edge holds throughout the node: the tree DP is exact
        node = replace(base, max_service_time=s_max.astype(float), inbound_lower_bound=si_low)
        _, S0, SI0 = tree_dp_fast(node)
        incumbent.consider(S0, SI0)
        return None
    k = int(active[np.argmax((lam * np.abs(g))[active])])
    i, j, lead = int(ds[k]), int(dt[k]), int(dl[k])
    return i, j, lead, int(np.clip((int(S[i]) + int(SI[j]) - lead) // 2, si_low[j] - lead, s_max[i] - 1))


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
    start = time.perf_counter()
    deadline = np.inf if options.time_limit is None else start + options.time_limit
    inst = instance
    relaxation = tree_relaxation(inst)
    tol = options.tolerance
    incumbent = Incumbent(inst)

    def bound(s_max, si_low, lam, iterations):
        return _node_bound(relaxation, s_max, si_low, lam, iterations, incumbent, tol, deadline)

    s0, si0 = relaxation.service_high.copy(), inst.inbound_lower_bound.copy()
    value, lam, sol = bound(s0, si0, np.zeros(len(relaxation.dropped.source)), root_iterations)
    heap = [] if sol is None else [(value, 0, s0, si0, lam, sol)]
    counter, nodes, status = 0, 0, Status.OPTIMAL
    lower = value
    while heap:
        if options.time_limit is not None and time.perf_counter() - start > options.time_limit:
            status = Status.TIME_LIMIT
            break
        value, _, s_max, si_low, lam, (S, SI) = heapq.heappop(heap)
        lower = value
        if value >= incumbent.cost * (1 - tol):
            heap = []
            break
        nodes += 1
        branch = _node_branch(relaxation, s_max, si_low, lam, S, SI, incumbent)
        if branch is None:
            continue
        i, j, lead, v = branch
        left = s_max.copy()
        left[i] = min(left[i], v)
        right = si_low.copy()
        right[j] = max(right[j], v + 1 + lead)
        for child_s, child_si in ((left, si_low), (s_max, right)):
            child_value, child_lam, child_sol = bound(child_s, child_si, lam, node_iterations)
            if child_sol is not None and child_value < incumbent.cost * (1 - tol):
                counter += 1
                heapq.heappush(heap, (max(child_value, value), counter, child_s, child_si, child_lam, child_sol))
    if not heap and status == Status.OPTIMAL:
        lower = incumbent.cost
    S, SI, tau = incumbent.placement
    message = "" if status == Status.OPTIMAL else f"stopped after {nodes} nodes"
    return GSMSolution(status=status, cost=float(incumbent.cost), bound=float(min(lower, incumbent.cost)),
                       method="lagrangian-bnb", instance=inst, service_time=S, inbound_service_time=SI, net_time=tau,
                       seconds={"total": time.perf_counter() - start}, rounds=nodes, message=message)


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


class _Boxes:
    """What the boxes of :func:`solve_gsm_reduced_bnb` share: the relaxation, the incumbent, the
    tolerance, the deadline."""

    def __init__(self, instance: GSMInstance, options: GSMOptions, deadline: float, start):
        _, self.dropped, self.base, _ = tree_relaxation(instance)
        self.incumbent = Incumbent(instance)
        if start is not None:
            self.incumbent.consider(np.asarray(start[0]), np.asarray(start[1]))
        self.tolerance, self.deadline = options.tolerance, deadline

    def cutoff(self) -> float:
        """Boxes that can only hold placements this expensive are closed."""
        return self.incumbent.cost * (1 - self.tolerance / 10)

    def reduce(self, ranges: StageRanges, lam: np.ndarray) -> StageRanges:
        """Domain reduction that keeps the incumbent's own values (cutoff just above its cost)."""
        if not np.isfinite(self.incumbent.cost):
            return ranges
        return reduce_ranges(self.base, ranges, self.dropped, lam, self.incumbent.cost * (1 + self.tolerance / 10))

    def bound(self, ranges: StageRanges, lam: np.ndarray, iterations: int):
        """(bound, multipliers, S, SI) of the box (:func:`netinv.gsm.bounds.lagrangian_bound`)."""
        return lagrangian_bound(self.base, ranges, self.dropped, lam, iterations, self.incumbent, self.tolerance / 10,
                                self.deadline)

    def root(self, ranges: StageRanges, iterations: int, reductions: int):
        """Subgradient and reduction repeated at the root while the ranges shrink by more than a tenth:
        (bound, ranges, multipliers, S, SI); S None when the root box is empty."""
        lam = np.zeros(len(self.dropped.source))
        value, S, SI = -np.inf, None, None
        for _ in range(reductions):
            value, lam, S, SI = self.bound(ranges, lam, iterations)
            if S is None or value >= self.cutoff() or time.perf_counter() > self.deadline:
                break
            reduced = self.reduce(ranges, lam)
            if reduced.is_empty():
                value, S = np.inf, None
                break
            shrink = reduced.size() / max(ranges.size(), 1)
            ranges = reduced
            if shrink > 0.9:
                break
        return value, ranges, lam, S, SI

    def branch(self, ranges: StageRanges, lam: np.ndarray, S: np.ndarray, SI: np.ndarray):
        """(dropped edge k, value v) to branch on in the box whose best answer is (S, SI); None when the
        box needs none (the tree DP on it is exact; its answer is offered to the incumbent)."""
        ds, dt, dl = self.dropped
        g = S[ds] + dl - SI[dt]
        if len(g) and g.max() > 0:
            k = int(np.argmax(g))
            return k, (int(S[ds[k]]) + int(SI[dt[k]]) - int(dl[k])) // 2
        # a feasible answer whose bound is below its cost: split an edge that can still bind
        room = ranges.service_high[ds] + dl - ranges.inbound_low[dt]
        active = np.flatnonzero(room > 0)
        if active.size == 0:  # every dropped edge holds throughout the box: the tree DP is exact there
            _, S0, SI0 = tree_dp_fast(self.base, ranges=ranges)
            self.incumbent.consider(S0, SI0)
            return None
        k = int(active[np.argmax((lam * np.abs(g) + 1e-9 * room)[active])])
        return k, int(np.clip((int(S[ds[k]]) + int(SI[dt[k]]) - int(dl[k])) // 2,
                              ranges.inbound_low[dt[k]] - dl[k], ranges.service_high[ds[k]] - 1))


def solve_gsm_reduced_bnb(instance: GSMInstance, options: GSMOptions = GSMOptions(), *, start=None,
                          lower: float = -np.inf, root_iterations: int = 60, root_reductions: int = 12,
                          node_iterations: int = 20) -> GSMSolution:
    """Branch and bound with a Lagrangian bound and Lagrangian domain reduction at every node.

    A node is a box of :class:`StageRanges`. Its bound: the Lagrangian relaxation of the edges outside a
    spanning tree, maximized by subgradient steps from the parent's multipliers
    (:func:`netinv.gsm.bounds.lagrangian_bound`), each evaluation the tree DP on the node's ranges; every
    DP answer, made feasible, is a candidate placement. Then reduced-cost fixing with the incumbent's cost
    as cutoff (:func:`netinv.gsm.bounds.reduce_ranges`) narrows the box — children inherit the narrowed
    ranges, so the DP grid shrinks with depth. Branching: on the dropped edge i -> j that the best DP
    answer breaks most, at v = floor((S_i + SI_j - L_ij) / 2): S_i <= v, or S_i >= v + 1 and
    SI_j >= v + 1 + L_ij (both exclude the answer); when the answer breaks no dropped edge but its bound
    is below the incumbent, on an edge that can still bind in the box; when none can, the tree DP on the
    box is exact. Best-first; proven optimal when the least open bound meets the incumbent. The root
    repeats subgradient and reduction while the ranges shrink (as
    :func:`netinv.gsm.breakpoint.solve_gsm_reduced`). ``start``: a feasible placement (S, SI, tau);
    ``lower``: a known lower bound.
    """
    begin = time.perf_counter()
    unit = time_unit(instance)
    if unit > 1:  # every vertex lies on the grid of the unit: solve the instance in units of it
        return in_time_units(instance, unit, start, lambda coarse, start: solve_gsm_reduced_bnb(
            coarse, options, start=start, lower=lower, root_iterations=root_iterations,
            root_reductions=root_reductions, node_iterations=node_iterations))
    inst = instance
    T = inst.processing_time
    deadline = np.inf if options.time_limit is None else begin + options.time_limit
    boxes = _Boxes(inst, options, deadline, start)
    incumbent, (ds, dt, dl) = boxes.incumbent, boxes.dropped
    value, ranges, lam, S, SI = boxes.root(StageRanges.of(inst), root_iterations, root_reductions)
    heap = [] if S is None or value >= boxes.cutoff() else [(value, 0, ranges, lam, S, SI)]
    pruned = value if not heap else np.inf  # the least bound of a box closed within the tolerance
    counter, nodes, status = 0, 0, Status.OPTIMAL
    bound = max(lower, value)
    while heap:
        if time.perf_counter() > deadline:
            status = Status.TIME_LIMIT
            break
        value, _, ranges, lam, S, SI = heapq.heappop(heap)
        bound = max(bound, value)
        if value >= boxes.cutoff():  # so is every open box
            pruned, heap = min(pruned, value), []
            break
        nodes += 1
        branch = boxes.branch(ranges, lam, S, SI)
        if branch is None:
            continue
        k, v = branch
        for child in _split(ranges, T, int(ds[k]), int(dt[k]), v, int(dl[k])):
            c_value, c_lam, c_S, c_SI = boxes.bound(child, lam, node_iterations)
            if c_S is None or c_value >= boxes.cutoff():
                pruned = min(pruned, c_value)
                continue
            child = boxes.reduce(child, c_lam)
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
    proven = gap_closed(incumbent.cost, bound, options.tolerance)
    status = Status.OPTIMAL if proven else Status.TIME_LIMIT
    message = "" if proven else f"stopped after {nodes} nodes: best placement within {100 * (incumbent.cost - bound) / incumbent.cost:.3g}% of optimal"
    return GSMSolution(status=status, cost=float(incumbent.cost), bound=float(bound), method="reduced-bnb",
                       instance=inst, service_time=S, inbound_service_time=SI, net_time=tau,
                       seconds={"total": time.perf_counter() - begin}, rounds=nodes, message=message)

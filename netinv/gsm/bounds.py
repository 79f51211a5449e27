"""What the exact guaranteed-service solvers share: bounds, the incumbent, domain reduction, time units.

**Spanning-tree relaxation** (:func:`tree_relaxation`): drop the supply edges that close undirected
cycles; on the spanning forest left the Graves-Willems dynamic program (:mod:`netinv.gsm.tree`) finds
the optimum exactly — a **lower bound** for the whole network, since constraints were dropped (the
inbound bounds SI_j <= longest path stay those of the whole network).

**Lagrangian bound** (:func:`lagrangian_bound`): the dropped edges' constraints S_i + L_ij - SI_j <= 0
priced by multipliers lambda >= 0, maximized over lambda by subgradient steps; each evaluation is the
tree DP with linear terms, so every value is a lower bound at least as tight as dropping the edges.

**Incumbent** (:class:`Incumbent`): the best feasible placement seen; any (S, SI) is made feasible by
making the inbound times tight over every edge.

**Lagrangian domain reduction** (:func:`reduce_ranges`): the tree DP's min-marginals under the
multipliers bound from below every placement that gives a stage a given S, SI or tau; values whose bound
reaches a cutoff are cut (reduced-cost fixing).

**Time units** (:func:`time_unit`, :func:`coarsened`, :func:`in_time_units`): with every time a multiple
of their greatest common divisor, the instance is solved in units of it without losing the optimum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import NamedTuple

import networkx as nx
import numpy as np

from netinv.gsm.instance import GSMInstance, StageRanges
from netinv.gsm.tree import tree_dp_fast, tree_dp_marginals, tree_reduce_fast
from netinv.gsm.types import GSMSolution


class DroppedEdges(NamedTuple):
    """The supply edges left out of the spanning forest: (E',) int arrays."""

    source: np.ndarray
    target: np.ndarray
    lead_time: np.ndarray  # [L]


class TreeRelaxation(NamedTuple):
    """An instance relaxed to a spanning forest (what :func:`tree_relaxation` returns).

    inbound_high: (N,) the whole network's inbound upper bounds [SI_j <= longest path into j];
    dropped: the edges left out; forest: the instance on the forest's edges, keeping ``inbound_high``;
    service_high: (N,) S upper bounds, min(max service time, inbound_high + T).
    """

    inbound_high: np.ndarray
    dropped: DroppedEdges
    forest: GSMInstance
    service_high: np.ndarray


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


def tree_relaxation(instance: GSMInstance) -> TreeRelaxation:
    """The spanning-tree relaxation of ``instance``: the edges on long supply paths are kept first (most
    likely to bind); the tree DP on ``forest`` bounds the instance's optimum from below."""
    si_up = instance.inbound_upper_bound()
    keep = _forest(instance, si_up)
    dropped = np.setdiff1d(np.arange(len(instance.edge_source)), keep)
    edges = DroppedEdges(instance.edge_source[dropped], instance.edge_target[dropped], instance.edge_lead_time[dropped])
    forest = replace(instance, edge_source=instance.edge_source[keep], edge_target=instance.edge_target[keep],
                     edge_lead_time=instance.edge_lead_time[keep], inbound_upper=si_up)
    s_cap = np.minimum(instance.max_service_time, si_up + instance.processing_time).astype(np.int64)
    return TreeRelaxation(si_up, edges, forest, s_cap)


@dataclass
class Incumbent:
    """The best feasible placement seen: cost and (S, SI, tau) (``placement`` None until one is)."""

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


class LagrangianBound(NamedTuple):
    """What :func:`lagrangian_bound` returns: the best bound, its multipliers, and the tree DP's answer
    (S, SI) there (``value`` inf and ``service_time`` None when no point fits the ranges)."""

    value: float
    multipliers: np.ndarray
    service_time: np.ndarray | None
    inbound_service_time: np.ndarray | None


def lagrangian_bound(base: GSMInstance, ranges: StageRanges, dropped: DroppedEdges, lam: np.ndarray,
                     iterations: int, incumbent: Incumbent, tolerance: float, deadline: float, *,
                     every_answer: bool = False, min_iterations: int = 1) -> LagrangianBound:
    """max over lambda >= 0 of the Lagrangian bound on the placements inside ``ranges``.

    ``base``: the forest instance of :func:`tree_relaxation`; ``dropped``: its dropped edges; ``lam``: the
    starting multipliers. Subgradient steps, Polyak step size towards the incumbent's cost, step halved
    after 8 steps without progress; at most ``iterations`` steps (at least ``min_iterations``), fewer once
    the bound reaches the incumbent (within ``tolerance``), the subgradient vanishes or ``deadline``
    (a ``time.perf_counter()`` value) passes. The answers at improving multipliers (``every_answer``:
    every answer) are offered to the incumbent, made feasible."""
    ds, dt, dl = dropped
    N = base.num_stages
    best, best_lam, best_answer = -np.inf, lam.copy(), (None, None)
    theta, stall = 1.0, 0
    for _ in range(max(iterations, min_iterations)):
        a = np.bincount(ds, weights=lam, minlength=N)
        b = -np.bincount(dt, weights=lam, minlength=N)
        total, S, SI = tree_dp_fast(base, a, b, ranges=ranges)
        if not np.isfinite(total):
            return LagrangianBound(np.inf, lam, None, None)
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
    return LagrangianBound(best, best_lam, best_answer[0], best_answer[1])


def _empty(ranges: StageRanges) -> StageRanges:
    return replace(ranges, service_low=ranges.service_high + 1)


def reduce_ranges(base: GSMInstance, ranges: StageRanges, dropped: DroppedEdges, lam: np.ndarray,
                  cutoff: float) -> StageRanges:
    """Lagrangian domain reduction: the ranges of S, SI and tau that hold every placement cheaper than
    ``cutoff`` (possibly empty: then none is).

    With multipliers lambda >= 0 on the dropped edges, the tree recursion's min-marginal of a value
    (:func:`netinv.gsm.tree.tree_dp_marginals`) plus lambda . L bounds from below the cost of
    every placement of the whole network, inside ``ranges``, that takes that value; values whose bound
    reaches ``cutoff`` are cut from the ends of each range (reduced-cost fixing)."""
    ds, dt, dl = dropped
    N = base.num_stages
    a, b = np.zeros(N), np.zeros(N)
    np.add.at(a, ds, lam)
    np.add.at(b, dt, -lam)
    limit = cutoff - float(lam @ dl) + 1e-9 * abs(cutoff)  # slack for rounding in the marginals
    kept = tree_reduce_fast(base, a, b, ranges, limit)  # compiled; None without numba
    if kept is not None:
        return _empty(ranges) if kept.is_empty() else ranges.intersection(kept).tightened(base.processing_time)
    marginals = tree_dp_marginals(base, a, b, ranges=ranges)
    ends = []
    for values, first in ((marginals.by_service, marginals.service_first),
                          (marginals.by_inbound, marginals.inbound_first), (marginals.by_net, marginals.net_first)):
        low, high = np.zeros(N, dtype=np.int64), np.full(N, -1, dtype=np.int64)
        for j in range(N):
            kept = np.flatnonzero(values[j] <= limit)
            if kept.size == 0:
                return _empty(ranges)
            low[j], high[j] = first[j] + kept[0], first[j] + kept[-1]
        ends.append((low, high))
    (s_lo, s_hi), (si_lo, si_hi), (t_lo, t_hi) = ends
    kept = StageRanges(s_lo, s_hi, si_lo, si_hi, t_lo, t_hi)
    return ranges.intersection(kept).tightened(base.processing_time)


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

"""Base-stock levels for a network, by the best method that applies.

==================  ==================================================  ============================
method              applies to                                          optimal?
==================  ==================================================  ============================
``newsvendor``      every demand node served straight from an           exact for that case; a
                    unlimited source (one stage); elsewhere a           heuristic (each node alone)
                    node-by-node newsvendor on demand over L + 1
``clark-scarf``     serial systems, normal or Poisson demand, backlog   exact (echelon levels)
``search``          any network: coordinate search over the safety      best found, judged by the
                    factors of all nodes, judged by the simulator with  simulator on independent paths
                    common random numbers
``auto``            clark-scarf if serial, newsvendor if one stage,
                    else search
==================  ==================================================  ============================

An order placed on an edge with lead time L meets demand L periods later, so a single stage's base
stock covers L + 1 periods of demand (see :mod:`netinv.sim.simulator`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy import stats

from netinv import timing
from netinv.demand.distributions import Normal, Poisson
from netinv.errors import InputError, InvalidNetworkError
from netinv.network.compile import NetworkArrays, compile_network
from netinv.network.summary import topology

METHODS = ("auto", "newsvendor", "clark-scarf", "search")


@dataclass(frozen=True)
class LevelsResult:
    """Levels found for a network.

    method: the method used. kind: ``installation`` or ``echelon`` (what the levels mean).
    levels: node id -> level. expected_cost: per period, analytic where the method is exact, else the
    simulated mean on independent paths. note: why this method, in a sentence.
    """

    method: str
    kind: str
    levels: dict
    expected_cost: float | None
    note: str = ""
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "kind": self.kind,
            "levels": self.levels,
            "expected_cost": self.expected_cost,
            "note": self.note,
            **self.details,
        }

    def policy(self):
        from netinv.policies.basestock import EchelonBaseStock, InstallationBaseStock

        return EchelonBaseStock(self.levels) if self.kind == "echelon" else InstallationBaseStock(self.levels)


def best_levels(graph: nx.DiGraph, method: str = "auto", *, seed: int = 0) -> LevelsResult:
    """Levels for ``graph`` by ``method`` (one of :data:`METHODS`)."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    arrays = compile_network(graph)
    if method == "auto":
        if is_single_stage(arrays):
            return newsvendor_levels(arrays)
        if topology(graph) == "serial" and clark_scarf_applies(arrays):
            try:
                return _clark_scarf(graph)
            except InvalidNetworkError as exc:  # e.g. capacities or lost orders on the line: search instead
                found = search_levels(arrays, seed=seed)
                return dataclasses.replace(found, note=f"{found.note} (Clark-Scarf does not apply: {exc})")
        method = "search"
    if method == "newsvendor":
        return newsvendor_levels(arrays)
    if method == "clark-scarf":
        return _clark_scarf(graph)
    return search_levels(arrays, seed=seed)


def _clark_scarf(graph: nx.DiGraph) -> LevelsResult:
    from netinv.analytic.clark_scarf import clark_scarf_levels

    exact = clark_scarf_levels(graph)
    return LevelsResult(
            method="clark-scarf",
            kind="echelon",
            levels={k: float(v) for k, v in exact.echelon_levels.items()},
            expected_cost=float(exact.expected_cost),
            note="exact: Clark-Scarf optimal echelon base-stock levels of a serial system",
            details={"local_levels": {k: float(v) for k, v in exact.local_levels.items()}},
        )


def is_single_stage(arrays: NetworkArrays) -> bool:
    """True when every ordering node is a demand node supplied only by unlimited sources: then each is a
    newsvendor of its own and :func:`newsvendor_levels` is exact."""
    ordering = np.unique(arrays.edge_target)
    return bool(np.all(arrays.unlimited[arrays.edge_source])) and ordering.size == arrays.num_demand_nodes


def clark_scarf_applies(arrays: NetworkArrays) -> bool:
    """True when the demand side fits Clark-Scarf: one demand node with normal or Poisson demand,
    backordered, and no assembly (the caller checks that the network is a serial line)."""
    return (
        arrays.num_demand_nodes == 1
        and isinstance(arrays.demand_specs[0], (Normal, Poisson))
        and bool(arrays.backlog[arrays.demand_slice].all())
        and not arrays.assembly.any()
    )


# --------------------------------------------------------------------------------------------------
# newsvendor, node by node


def exposure_distribution(spec, periods: int):
    """Distribution of the sum of ``periods`` i.i.d. demands (exact for normal, Poisson and gamma;
    a moment-matched normal otherwise)."""
    from netinv.demand.distributions import Gamma

    if isinstance(spec, Normal):
        return stats.norm(spec.mean * periods, max(spec.std * np.sqrt(periods), 1e-12))
    if isinstance(spec, Poisson):
        return stats.poisson(spec.mean * periods)
    if isinstance(spec, Gamma):
        return stats.gamma(spec.shape * periods, scale=spec.scale)
    return stats.norm(spec.mean * periods, max(spec.std_dev * np.sqrt(periods), 1e-12))


def newsvendor_levels(arrays: NetworkArrays) -> LevelsResult:
    """Each demand node: newsvendor on demand over L + 1 periods; other nodes: their downstream mean
    demand over L + 1 periods (a pass-through heuristic). Exact when every demand node is one stage."""
    from netinv.analytic.newsvendor import newsvendor

    levels: dict[str, float] = {}
    total = 0.0
    ds = arrays.demand_slice
    first = ds.start
    for k, spec in enumerate(arrays.demand_specs):
        node = first + k
        edge = arrays.primary_edge[node]
        if edge < 0:
            continue
        periods = timing.cover_periods(arrays.lead_time[edge])
        result = newsvendor(
            exposure_distribution(spec, periods), float(arrays.holding_cost[node]), float(arrays.shortage_cost[node])
        )
        levels[arrays.node_ids[node]] = float(result.level)
        total += result.expected_cost
    mean, _ = downstream_moments(arrays)
    for node in np.unique(arrays.edge_target):
        node_id = arrays.node_ids[node]
        if node_id not in levels:
            periods = timing.cover_periods(arrays.lead_time[arrays.primary_edge[node]])
            levels[node_id] = float(mean[node] * periods)
    exact = is_single_stage(arrays)
    return LevelsResult(
        method="newsvendor",
        kind="installation",
        levels=levels,
        expected_cost=float(total) if exact else None,
        note="exact: every demand node is a single stage" if exact else "heuristic: node-by-node newsvendor",
    )


def downstream_moments(arrays: NetworkArrays) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the external demand each node ultimately serves (independent nodes)."""
    mean = np.zeros(arrays.num_nodes)
    var = np.zeros(arrays.num_nodes)
    ds = arrays.demand_slice
    mean[ds] = [s.mean for s in arrays.demand_specs]
    var[ds] = [s.std_dev**2 for s in arrays.demand_specs]
    down = arrays.downstream(np.float64)
    return down @ mean, down @ var


# --------------------------------------------------------------------------------------------------
# simulation search


def search_levels(
    arrays: NetworkArrays,
    *,
    seed: int = 0,
    paths: int = 128,
    periods: int = 160,
    warmup: int = 40,
    sweeps: int = 4,
    groups: str = "node",
) -> LevelsResult:
    """Installation base-stock levels by coordinate search over per-node safety factors.

    ``groups="echelon"`` searches one safety factor per echelon instead (shared by the echelon's
    nodes, added to each node's own starting fractile): a handful of simulations whatever the size of
    the network, for networks too large for a search node by node.

    Level of node j: mu_j (L_j + 1) + z_j sigma_j sqrt(L_j + 1), with mu_j, sigma_j^2 the mean and
    variance of the external demand j serves. Starting from z = critical-ratio fractiles at demand
    nodes and 0 upstream, each sweep tries z_j +- step for every node in turn and keeps a move that
    lowers the simulated mean cost (same demand paths for every candidate); the step halves after
    each sweep. The chosen levels are then evaluated on independent paths (a different seed).
    """
    from netinv.policies.basestock import InstallationBaseStock
    from netinv.sim.simulator import SimConfig, simulate

    mean, var = downstream_moments(arrays)
    ordering = np.unique(arrays.edge_target)
    periods_cover = np.array([timing.cover_periods(arrays.lead_time[arrays.primary_edge[n]]) for n in ordering], dtype=float)
    mu = mean[ordering] * periods_cover
    sigma = np.sqrt(var[ordering] * periods_cover)
    z = np.zeros(ordering.size)
    for i, node in enumerate(ordering):
        p, h = arrays.shortage_cost[node], arrays.holding_cost[node]
        if p > 0:
            z[i] = stats.norm.ppf(p / (p + h)) if h > 0 else 3.0
    ids = [arrays.node_ids[n] for n in ordering]
    if groups not in ("node", "echelon"):
        raise InputError(f"groups must be 'node' or 'echelon', got {groups!r}")
    if groups == "echelon":
        _, group = np.unique(arrays.echelon[ordering], return_inverse=True)
        base, z = z, np.zeros(int(group.max()) + 1 if group.size else 0)
    else:
        group, base = np.arange(z.size), np.zeros(z.size)

    def levels_of(zs):
        factors = base + zs[group]
        return {node: float(max(0.0, m + zz * s)) for node, m, zz, s in zip(ids, mu, factors, sigma)}

    config = SimConfig(periods=periods, paths=paths, seed=seed, warmup=warmup)

    def cost(zs):
        result = simulate(arrays, InstallationBaseStock(levels_of(zs)), config)
        if result.interrupted:  # a partial simulation must not steer the search
            raise KeyboardInterrupt
        return result.mean_cost

    best = cost(z)
    evaluations = 1
    step = 1.0
    for _ in range(sweeps):
        for i in range(z.size):
            for direction in (1.0, -1.0):
                trial = z.copy()
                trial[i] += direction * step
                c = cost(trial)
                evaluations += 1
                if c < best - 1e-9:
                    best, z = c, trial
                    break
        step /= 2
    levels = levels_of(z)
    check = simulate(
        arrays, InstallationBaseStock(levels), SimConfig(periods=periods * 2, paths=paths * 2, seed=seed + 1, warmup=warmup)
    )
    return LevelsResult(
        method="search",
        kind="installation",
        levels=levels,
        expected_cost=float(check.mean_cost),
        note=f"simulation search ({groups} safety factors): {evaluations} evaluations on {paths} paths x "
        f"{periods} periods; "
        "expected_cost simulated on independent paths",
        details={"expected_cost_ci95": list(check.ci95)},
    )

"""The value of transshipment from simulation, with base-stock levels optimized in the simulator.

Three settings, as in :func:`netinv.transship.analysis.transshipment_value`, but multi-period, with the
network's lead times, backorders carried over, and the simulator's
:class:`~netinv.sim.transshipment.CostAwareTransshipment` rule in place of the LP's optimal recourse:

- ``independent``: no transshipment rule;
- ``with_transshipment``: the rule on the network's transshipment edges at their costs and lead times;
- ``full_pooling``: the rule on a copy of the network whose locations are linked both ways by free
  transshipment edges with lead time 0 (the network's own transshipment edges are replaced).

In each setting every location orders up to its level (installation base-stock; nodes upstream of the
locations keep the node-by-node newsvendor levels of :func:`netinv.policies.levels.newsvendor_levels`).
The levels start from the sample-average optimum of the same setting plus mean demand over the supply
lead time (the pipeline), and are improved by a coordinate search with common random numbers: every
candidate is simulated on the same demand paths (seed ``seed``); each sweep tries S_i +- step for every
location in turn and keeps a move that lowers the mean cost; the step (initially half a standard
deviation of one period's demand) halves after a sweep that moved nothing, until it is below 1% of it
or ``sweeps`` sweeps have run. The levels found are then simulated on independent paths (another stream
of the seed), which gives the reported cost per period and its standard error (over paths) — an
unbiased estimate of the levels' cost, not biased low by the search.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from netinv import attrs
from netinv.errors import InputError
from netinv.network.compile import compile_network
from netinv.transship.analysis import TransshipmentValue, transshipment_value
from netinv.transship.problem import sample_demand, transshipment_problem

SETTINGS = ("independent", "with_transshipment", "full_pooling")


@dataclass(frozen=True)
class SimulationSearch:
    """Settings of the simulation and of the search.

    periods: periods simulated per path (warm-up included); paths: demand paths per simulation.
    warmup: periods left out of the cost (``None``: a fifth of ``periods``, at most 50).
    sweeps: coordinate-search sweeps at most.
    samples: demand samples of the sample-average problems that give the starting levels.
    """

    periods: int = 200
    paths: int = 200
    seed: int = 0
    warmup: int | None = None
    sweeps: int = 12
    samples: int = 5_000

    def __post_init__(self):
        for label in ("periods", "paths", "sweeps", "samples"):
            value = getattr(self, label)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise InputError(f"simulated value: {label} must be an integer >= 1, got {value!r}")
        if self.warmup is not None and not 0 <= self.warmup < self.periods:
            raise InputError(f"simulated value: warmup must be in [0, periods), got {self.warmup}")

    @property
    def warmup_periods(self) -> int:
        return self.warmup if self.warmup is not None else min(self.periods // 5, 50)


def pooled_network(graph: nx.DiGraph, locations) -> nx.DiGraph:
    """A copy of ``graph`` with free (cost 0, lead time 0, uncapacitated) transshipment edges both ways
    between every pair of ``locations`` in place of its own transshipment edges. A pair already linked
    by a supply edge keeps it and gets no transshipment edge that way."""
    pooled = graph.copy()
    pooled.remove_edges_from([(u, v) for u, v, d in graph.edges(data=True)
                              if d.get(attrs.KIND) == attrs.TRANSSHIPMENT])
    for u in locations:
        for v in locations:
            if u != v and not pooled.has_edge(u, v):
                pooled.add_edge(u, v, **{attrs.KIND: attrs.TRANSSHIPMENT, attrs.UNIT_COST: 0.0,
                                         attrs.LEAD_TIME: 0})
    return pooled


def simulated_value(graph: nx.DiGraph, *, periods: int = 200, paths: int = 200, seed: int = 0,
                    warmup: int | None = None, sweeps: int = 12, samples: int = 5_000,
                    saa: TransshipmentValue | None = None) -> dict:
    """Simulated cost per period of the three settings with optimized base-stock levels, beside the
    sample-average (single-period) optimum of each.

    Returns ``{setting: {"cost": ..., "stderr": ..., "levels": {location: S}, "saa_cost": ...,
    "saa_levels": {...}, "evaluations": n}}`` for the settings ``independent``, ``with_transshipment``,
    ``full_pooling``, plus ``"search"``: the simulation settings. ``saa``: the sample-average values
    when already computed (otherwise solved on ``samples`` samples of stream ``seed``).
    """
    search = SimulationSearch(periods=periods, paths=paths, seed=seed, warmup=warmup, sweeps=sweeps,
                              samples=samples)
    problem = transshipment_problem(graph)
    if saa is None:
        saa = transshipment_value(problem, sample_demand(problem, search.samples, seed))
    networks = {"independent": graph, "with_transshipment": graph,
                "full_pooling": pooled_network(graph, problem.locations)}
    out = {}
    for setting in SETTINGS:
        optimum = getattr(saa, setting)
        found = _optimize(networks[setting], optimum.levels, search, transship=setting != "independent")
        out[setting] = {**found, "saa_cost": optimum.expected_cost, "saa_stderr": optimum.stderr,
                        "saa_levels": dict(optimum.levels)}
    out["search"] = {"periods": search.periods, "paths": search.paths, "warmup": search.warmup_periods,
                     "seed": search.seed, "sweeps": search.sweeps,
                     "method": "coordinate search on common random numbers from the sample-average levels "
                               "(+ pipeline), judged on independent paths"}
    return out


def _optimize(graph: nx.DiGraph, start: dict, search: SimulationSearch, *, transship: bool) -> dict:
    from netinv.policies.basestock import InstallationBaseStock
    from netinv.policies.levels import newsvendor_levels
    from netinv.sim import CostAwareTransshipment, SimConfig, simulate

    arrays = compile_network(graph)
    locations = list(start)
    fixed = {n: v for n, v in newsvendor_levels(arrays).levels.items() if n not in start}
    spread, pipeline = [], []
    for name in locations:
        node = arrays.index[name]
        spec = arrays.demand_specs[node - arrays.demand_slice.start]
        edge = arrays.primary_edge[node]
        lead = int(arrays.lead_time[edge]) if edge >= 0 else 0
        frozen = spec.scipy()
        mean = float(frozen.mean()) if frozen is not None else float(np.mean(spec.values))
        std = float(frozen.std()) if frozen is not None else float(np.std(spec.values))
        spread.append(max(std, 1e-6 * max(1.0, mean)))
        pipeline.append(mean * lead)
    spread = np.asarray(spread)
    levels = np.array([start[n] for n in locations]) + np.asarray(pipeline)
    rule = CostAwareTransshipment() if transship else None
    search_paths, check_paths = np.random.SeedSequence(search.seed).spawn(2)

    def config(stream):
        return SimConfig(periods=search.periods, paths=search.paths, warmup=search.warmup_periods,
                         seed=int(stream.generate_state(1)[0]))

    def simulate_levels(values, stream):
        policy = InstallationBaseStock({**fixed, **dict(zip(locations, np.maximum(values, 0.0).tolist(), strict=True))})
        return simulate(arrays, policy, config(stream), transshipment=rule)

    best = simulate_levels(levels, search_paths).mean_cost
    evaluations = 1
    step = 0.5 * spread
    for _ in range(search.sweeps):
        moved = False
        for i in range(len(locations)):
            for direction in (1.0, -1.0):
                trial = levels.copy()
                trial[i] = max(0.0, trial[i] + direction * step[i])
                cost = simulate_levels(trial, search_paths).mean_cost
                evaluations += 1
                if cost < best - 1e-12 * max(1.0, abs(best)):
                    best, levels, moved = cost, trial, True
                    break
        if not moved:
            step = step / 2
            if np.all(step < 0.01 * spread):
                break
    check = simulate_levels(levels, check_paths)
    costs = np.asarray(check.path_costs, dtype=float)
    return {"cost": float(costs.mean()),
            "stderr": float(costs.std(ddof=1) / np.sqrt(costs.size)) if costs.size > 1 else float("nan"),
            "levels": {n: float(v) for n, v in zip(locations, np.maximum(levels, 0.0), strict=True)},
            "evaluations": evaluations}

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
The levels start from the best (on the search paths) of: the sample-average optimum of the same setting
plus mean demand over the supply lead time (the pipeline), the node-by-node newsvendor levels over the
lead time, and the levels found for the setting before it (independent -> with transshipment -> full
pooling); they are improved by a coordinate search with common random numbers: every candidate is
simulated on the same demand paths (seed ``seed``); each sweep tries S_i +- step_i for every location in
turn and keeps a move that lowers the mean cost; a location's step (initially half a standard deviation
of one period's demand) doubles after a move and halves after a try that moved nothing, until every
step is below :data:`MIN_STEP` of it, a sweep gains less than :data:`MIN_GAIN` of the cost, or
``sweeps`` sweeps have run. The levels found are then
simulated on independent check paths (another stream of the seed, the same paths for the three
settings), which gives each setting's cost per period and its standard error (over paths) — an unbiased
estimate of the levels' cost, not biased low by the search — and the saving of each setting against
``independent`` with a paired 95% CI (the mean and CI of the per-path differences).

What the numbers are: the sample-average values (``saa_cost``) are one period's expected cost of the
demand locations alone (holding, shortage, transshipment; no lead times, no upstream); the simulated
costs are the whole network's cost per period (every node's holding and shortage, ordering and
transshipment costs) over many periods, so the same saving is a much smaller percentage of them. The
simulator's rule serves backorders only: a lost-sales location's unmet demand is lost before any
transshipment, so transshipment helps lost-sales stores only as senders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from netinv import attrs
from netinv.display import format_number
from netinv.errors import InputError
from netinv.network.compile import compile_network
from netinv.transship.analysis import TransshipmentValue, transshipment_value
from netinv.transship.problem import sample_demand, transshipment_problem

SETTINGS = ("independent", "with_transshipment", "full_pooling")

MIN_STEP = 0.05
"""The search stops once its step is below this fraction of a standard deviation of one period's demand."""
MIN_GAIN = 1e-4
"""... or once a sweep lowered the mean cost on the search paths by less than this fraction of it."""


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
                    saa: TransshipmentValue | None = None,
                    progress: Callable[[str], None] | None = None) -> dict:
    """Simulated cost per period of the three settings with optimized base-stock levels, beside the
    sample-average (single-period) optimum of each, and the paired saving of each setting against
    ``independent``.

    Returns ``{setting: {"cost": ..., "stderr": ..., "levels": {location: S}, "start": ..., "saa_cost": ...,
    "saa_levels": {...}, "evaluations": n}}`` for the settings ``independent``, ``with_transshipment``,
    ``full_pooling``; ``"saving"``: ``{setting: {"per_period": d, "ci95": [lo, hi], "percent": ...}}`` for
    the two settings with transshipment, d = mean over the check paths of (cost without - cost with) per
    period, the same demand paths for all three settings, the CI that of the mean of the per-path
    differences (normal approximation), ``percent`` of the independent cost; and ``"search"``: the
    simulation settings. ``saa``: the sample-average values when already computed (otherwise solved on
    ``samples`` samples of stream ``seed``). ``progress``: called with one line per finished sweep.

    Each setting's search starts from the best (on the search paths) of its own sample-average levels
    plus the pipeline, the newsvendor levels over the lead time and the levels found for the setting
    before it: the sample-average levels of full
    pooling are not unique (free moves make any split of the pooled stock optimal in one period, e.g. all
    of it at one store), and in a multi-period simulation such a split starves the other stores (a
    lost-sales store loses its demand before any transshipment).
    """
    search = SimulationSearch(periods=periods, paths=paths, seed=seed, warmup=warmup, sweeps=sweeps,
                              samples=samples)
    problem = transshipment_problem(graph)
    if saa is None:
        saa = transshipment_value(problem, sample_demand(problem, search.samples, seed))
    networks = {"independent": graph, "with_transshipment": graph,
                "full_pooling": pooled_network(graph, problem.locations)}
    out, previous, check_costs = {}, None, {}
    for setting in SETTINGS:
        optimum = getattr(saa, setting)
        found, path_costs = _optimize(networks[setting], optimum.levels, search,
                                      transship=setting != "independent", previous=previous,
                                      progress=None if progress is None else _prefixed(progress, setting))
        previous = found["levels"]
        check_costs[setting] = path_costs
        out[setting] = {**found, "saa_cost": optimum.expected_cost, "saa_stderr": optimum.stderr,
                        "saa_levels": dict(optimum.levels)}
    out["saving"] = {setting: paired_saving(check_costs["independent"], check_costs[setting])
                     for setting in SETTINGS[1:]}
    out["search"] = {"periods": search.periods, "paths": search.paths, "warmup": search.warmup_periods,
                     "seed": search.seed, "sweeps": search.sweeps,
                     "method": "coordinate search on common random numbers from the better of the "
                               "sample-average levels (+ pipeline) and the previous setting's levels, "
                               "judged on independent paths shared by the three settings"}
    return out


def paired_saving(without: np.ndarray, with_: np.ndarray) -> dict:
    """Mean saving per period of ``with_`` against ``without`` (per-path costs on the same demand paths)
    with the 95% confidence interval of the mean of the per-path differences (normal approximation), and
    the saving in percent of the mean cost ``without``."""
    difference = np.asarray(without, dtype=float) - np.asarray(with_, dtype=float)
    mean = float(difference.mean())
    half = 1.96 * float(difference.std(ddof=1)) / np.sqrt(difference.size) if difference.size > 1 else float("nan")
    base = float(np.mean(without))
    return {"per_period": mean, "ci95": [mean - half, mean + half],
            "percent": 100.0 * mean / base if base else float("nan")}


def _prefixed(progress: Callable[[str], None], setting: str) -> Callable[[str], None]:
    return lambda line: progress(f"{setting}: {line}")


def _location_spread(arrays, locations) -> tuple[np.ndarray, np.ndarray]:
    """Per location: the standard deviation of one period's demand (floored) and the mean demand over
    the supply lead time (the pipeline)."""
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
    return np.asarray(spread), np.asarray(pipeline)


def _optimize(graph: nx.DiGraph, start: dict, search: SimulationSearch, *, transship: bool,
              previous: dict | None, progress: Callable[[str], None] | None) -> tuple[dict, np.ndarray]:
    from netinv.policies.basestock import InstallationBaseStock
    from netinv.policies.levels import newsvendor_levels
    from netinv.sim import CostAwareTransshipment, SimConfig, simulate

    arrays = compile_network(graph)
    locations = list(start)
    newsvendor = newsvendor_levels(arrays).levels
    fixed = {n: v for n, v in newsvendor.items() if n not in start}
    spread, pipeline = _location_spread(arrays, locations)
    rule = CostAwareTransshipment() if transship else None
    search_paths, check_paths = np.random.SeedSequence(search.seed).spawn(2)

    def config(stream):
        return SimConfig(periods=search.periods, paths=search.paths, warmup=search.warmup_periods,
                         seed=int(stream.generate_state(1)[0]))

    def simulate_levels(values, stream):
        policy = InstallationBaseStock({**fixed, **dict(zip(locations, np.maximum(values, 0.0).tolist(), strict=True))})
        return simulate(arrays, policy, config(stream), transshipment=rule)

    candidates = [("sample-average levels + pipeline", np.array([start[n] for n in locations]) + pipeline),
                  ("newsvendor levels over the lead time", np.array([newsvendor[n] for n in locations]))]
    if previous is not None:
        candidates.append(("levels of the setting before", np.array([previous[n] for n in locations])))
    best, levels, began_from = np.inf, None, ""
    for label, values in candidates:
        cost = simulate_levels(values, search_paths).mean_cost
        if cost < best:
            best, levels, began_from = cost, values, label
    evaluations = len(candidates)
    step = 0.5 * spread  # per location: doubles after a move, halves after a try that moved nothing
    for sweep in range(search.sweeps):
        before = best
        for i in range(len(locations)):
            moved = False
            for direction in (1.0, -1.0):
                trial = levels.copy()
                trial[i] = max(0.0, trial[i] + direction * step[i])
                cost = simulate_levels(trial, search_paths).mean_cost
                evaluations += 1
                if cost < best - 1e-12 * max(1.0, abs(best)):
                    best, levels, moved = cost, trial, True
                    break
            step[i] = min(2.0 * step[i], 8.0 * spread[i]) if moved else step[i] / 2
        if progress is not None:
            progress(f"sweep {sweep + 1}/{search.sweeps}, {evaluations} simulations, cost per period "
                     f"{format_number(best)} on the search paths")
        if np.all(step < MIN_STEP * spread) or before - best < MIN_GAIN * abs(before):
            break
    check = simulate_levels(levels, check_paths)
    costs = np.asarray(check.path_costs, dtype=float)
    return {"cost": float(costs.mean()),
            "stderr": float(costs.std(ddof=1) / np.sqrt(costs.size)) if costs.size > 1 else float("nan"),
            "levels": {n: float(v) for n, v in zip(locations, np.maximum(levels, 0.0), strict=True)},
            "start": began_from, "evaluations": evaluations}, costs

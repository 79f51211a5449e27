"""Building the planner's report: every number and figure of the page for a scenario, as plain values
(rendered to HTML by :mod:`netinv.report.html`).

The page holds the network drawn by echelon, stocking targets and safety stock per node (table and
picture), the cost breakdown, service levels per demand node with 95% confidence intervals, simulated
inventory trajectories of a few nodes, bullwhip per echelon, and, where the scenario has them, the
transshipment analysis (transshipment edges) and the contract analysis (demand nodes with a price).
Pictures are embedded as base64 PNG data URIs and the style sheet is inline: the page needs no network
access and no JavaScript (one small inline script only records, for tests, that the page loaded and
each image's natural size).

Methods:

- ``exact``: base-stock levels by the best method that applies (:func:`netinv.policies.levels.best_levels`:
  newsvendor, Clark-Scarf, or simulation search), the guaranteed-service safety-stock placement where the
  demand nodes have service levels, the transshipment SAA LP; the base-stock policy is simulated.
- ``gnn``: the trained GNN policy (``models/gnn.pt`` by default) is simulated; its stock on hand is shown.
- ``auto``: ``exact`` when the exact path is estimated to fit the time budget (:func:`estimate_exact_seconds`)
  and its models fit :mod:`netinv.exact.limits`, else ``gnn``; the page and the result say which and why.

Service levels and costs are measured on ``replications`` independent batches of paths (batch means):
the 95% interval of a ratio such as the fill rate comes from the spread of the batches' values.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

from netinv import attrs, timing
from netinv.display import format_number
from netinv.errors import InputError, NetinvError
from netinv.report.figures import png_size

METHODS = ("auto", "exact", "gnn")
DEFAULT_MODEL = Path("models/gnn.pt")

# rough throughput of the simulator on this project's machine (benchmarks/RESULTS.md): a fixed cost per
# simulated period (Python overhead, small networks) plus node-periods at about 20 M per second
SIM_SECONDS_PER_STEP = 2e-4
SIM_NODE_PERIODS_PER_SECOND = 2e7
# the transshipment SAA LP (3 solves + an out-of-sample evaluation): seconds per sample and location
# (measured: 2,000 samples x 6 locations and 2 edges in 5.3 s)
TRANSSHIP_SECONDS_PER_CELL = 4e-4
MAX_CONTRACT_EDGES = 500


@dataclass(frozen=True)
class ReportConfig:
    """What the report computes.

    method: ``auto`` | ``exact`` | ``gnn`` (see the module docstring).
    seed: seed of every random draw (demand paths, searches, samples).
    paths: simulated demand paths, split into ``replications`` independent batches.
    periods: simulated periods per path; the first ``warmup`` are left out of every KPI.
    time_budget: seconds the exact path may take for ``auto`` to choose it.
    model: the GNN checkpoint of the ``gnn`` method.
    transshipment_samples: demand samples of the transshipment LP.
    contracts: contract strings evaluated on every supply edge into a demand node (``netinv contracts``
        syntax); empty = a wholesale-price contract at the midpoint of cost and price, and the buyback
        and revenue-sharing contracts that coordinate the channel at the same retailer share.
    trajectory_nodes: nodes whose inventory trajectories are drawn.
    transshipment: the transshipment rule of the simulation (:func:`netinv.sim.run.choose_transshipment`;
        None: cost-aware on a network with transshipment edges, none without).
    threads: torch threads of the ``gnn`` method (set when its model is loaded).
    """

    method: str = "auto"
    seed: int = 0
    paths: int = 200
    periods: int = 120
    warmup: int = 20
    replications: int = 10
    time_budget: float = 60.0
    model: Path = DEFAULT_MODEL
    transshipment_samples: int = 1000
    contracts: tuple[str, ...] = ()
    trajectory_nodes: int = 4
    transshipment: str | None = None
    threads: int = 1

    def __post_init__(self):
        if self.method not in METHODS:
            raise InputError(f"method: must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.replications < 2 or self.paths < 2 * self.replications:
            raise InputError(f"paths: need at least {2 * max(self.replications, 2)} paths for "
                             f"{self.replications} replications, got {self.paths}")
        if not 0 <= self.warmup < self.periods - 1:
            raise InputError(f"warmup: must be in [0, periods - 1), got {self.warmup} with {self.periods} periods")
        if not self.time_budget > 0:
            raise InputError(f"time budget: must be > 0 seconds, got {self.time_budget}")


@dataclass
class Figure:
    """One embedded picture."""

    name: str
    title: str
    png: bytes = field(repr=False)

    @property
    def size(self) -> tuple[int, int]:
        return png_size(self.png)



# --------------------------------------------------------------------------------------------------
# choosing the method


def estimate_exact_seconds(graph: nx.DiGraph, arrays, config: ReportConfig) -> dict[str, float]:
    """Rough seconds of each part of the exact path (see the constants of this module)."""
    from netinv.network.summary import topology
    from netinv.policies.levels import clark_scarf_applies, is_single_stage

    N = arrays.num_nodes
    steps = config.periods * config.replications
    node_periods = N * config.periods * config.paths
    parts = {"simulation": steps * SIM_SECONDS_PER_STEP + node_periods / SIM_NODE_PERIODS_PER_SECOND}
    if is_single_stage(arrays) or (topology(graph) == "serial" and clark_scarf_applies(arrays)):
        parts["levels"] = 0.1
    else:  # search_levels: at most 2 trials per ordering node and sweep (4 sweeps), then a check on 4x
        ordering = len(np.unique(arrays.edge_target))
        evaluations = 1 + 8 * ordering + 4
        parts["levels"] = evaluations * (160 * SIM_SECONDS_PER_STEP + N * 160 * 128 / SIM_NODE_PERIODS_PER_SECOND)
    if _has_service_levels(graph):
        parts["placement"] = _placement_budget(config)
    if arrays.trans_keys:
        parts["transshipment"] = TRANSSHIP_SECONDS_PER_CELL * config.transshipment_samples * (
            arrays.num_demand_nodes + len(arrays.trans_keys))
    return parts


def _placement_budget(config: ReportConfig) -> float:
    return min(30.0, config.time_budget / 4)


def choose_method(graph: nx.DiGraph, arrays, config: ReportConfig) -> tuple[str, str, dict]:
    """(method, reason, estimate): the method ``config.method`` resolves to and why."""
    from netinv.exact.limits import check_exact_size

    parts = estimate_exact_seconds(graph, arrays, config)
    total = sum(parts.values())
    detail = ", ".join(f"{k} {format_number(v, 3)} s" for k, v in parts.items())
    if config.method == "gnn":
        return "gnn", "asked for (--method gnn)", parts
    try:
        check_exact_size(arrays, "gsm")
    except InputError as exc:
        if config.method == "exact":
            raise
        return "gnn", f"the exact models are too large: {exc}", parts
    if config.method == "exact":
        return "exact", f"asked for (--method exact); estimated {format_number(total, 3)} s ({detail})", parts
    if total <= config.time_budget:
        return "exact", (f"the exact path is estimated at {format_number(total, 3)} s ({detail}), within the time budget of "
                         f"{config.time_budget:g} s"), parts
    return "gnn", (f"the exact path is estimated at {format_number(total, 3)} s ({detail}), over the time budget of "
                   f"{config.time_budget:g} s"), parts


# --------------------------------------------------------------------------------------------------
# computing the report


def build_report(file: str | Path, config: ReportConfig) -> dict:
    """Everything the page shows, as plain values plus a list of :class:`Figure` under ``figures``."""
    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.network.summary import echelons, summarize
    from netinv.network.validate import supply_subgraph

    start = time.perf_counter()
    graph = load(file)
    arrays = compile_network(graph)
    trajectory_nodes = _trajectory_nodes(arrays, config.trajectory_nodes)
    check_trajectory_size(trajectory_nodes.size, config)
    method, reason, estimate = choose_method(graph, arrays, config)
    supply = supply_subgraph(graph)
    ech = echelons(graph, supply=supply)
    info = summarize(graph)
    report: dict = {
        "scenario": str(file),
        "name": info["name"],
        "description": info["description"],
        "summary": {k: info[k] for k in ("nodes", "edges", "transshipment_edges", "echelons", "topology",
                                         "demand_nodes", "mean_demand_per_period")},
        "method": method,
        "method_requested": config.method,
        "method_reason": reason,
        "exact_estimate_seconds": estimate,
        "config": {"seed": config.seed, "paths": config.paths, "periods": config.periods, "warmup": config.warmup,
                   "replications": config.replications, "time_budget": config.time_budget},
        "notes": [],
    }
    figures: list[Figure] = []
    placement = None
    if method == "exact":
        policy, targets, levels_info = _exact_targets(graph, arrays, config)
        placement = _placement(graph, config, report["notes"])
    else:
        policy, targets, levels_info = _gnn_policy(config), None, {"method": "gnn", "model": str(config.model)}
    report["levels"] = levels_info

    sim = _simulate(arrays, policy, config, trajectory_nodes)
    report["simulation"] = {k: v for k, v in sim.items() if k != "trajectories"}
    rows = _target_rows(arrays, ech, targets, sim["nodes"], placement)
    report["targets"] = rows
    decisions = getattr(policy, "decisions_", None)  # the GNN's: per node the position it saw, its target
    if decisions is not None:
        report["decisions"] = decisions.to_dict()

    from netinv.report import figures as F

    value_of = {r["node"]: r["safety_stock"] if targets is not None else r["mean_on_hand"] for r in rows}
    trans_edges = [(u, v) for u, v in arrays.trans_keys]
    figures.append(Figure("network", "The network by echelon", F.png_bytes(F.network_figure(
        supply, ech, value_of, trans_edges=trans_edges,
        title=f"{info['name']}: " + ("safety stock per node (units)" if targets is not None else
                                     "mean stock on hand per node (units, GNN policy)"),
        value_label="safety stock (units)" if targets is not None else "mean on hand (units)"))))
    ranked = sorted((r for r in rows if not r.get("external")),
                    key=lambda r: -(abs(r["safety_stock"]) if targets is not None else r["mean_on_hand"]))
    bars = [({"node": r["node"], "cycle": r["cycle_stock"], "safety": r["safety_stock"]} if targets is not None
             else {"node": r["node"], "stock": r["mean_on_hand"]}) for r in ranked]
    figures.append(Figure("targets", "Stocking targets per node", F.png_bytes(F.targets_figure(
        bars, title="base-stock level = expected demand over the cover + safety stock" if targets is not None
        else "mean stock on hand per node under the GNN policy"))))
    figures.append(Figure("costs", "Cost breakdown", F.png_bytes(F.cost_figure(
        sim["cost_breakdown"], title=f"cost per period by component ({config.paths} paths, 95% CI)"))))
    if sim["service"]:
        figures.append(Figure("service", "Service levels", F.png_bytes(F.service_figure(
            sim["service"], title="service per demand node (95% CI over replications)"))))
    figures.append(Figure("trajectories", "Inventory trajectories", F.png_bytes(F.trajectories_figure(
        sim["trajectories"], config.warmup, title="net stock (on hand - backorders) at the start of each period"))))
    if sim["bullwhip"]:
        figures.append(Figure("bullwhip", "Bullwhip", F.png_bytes(F.bullwhip_figure(
            sim["bullwhip"], title="bullwhip per echelon (95% CI over replications)"))))
    if placement is not None:
        report["placement"] = placement["summary"]
        figures.append(Figure("placement", "Guaranteed-service placement", placement["png"]))
    if arrays.trans_keys:
        report["transshipment"] = _transshipment(graph, arrays, config, method, figures, report["notes"])
    if np.any(arrays.price[arrays.demand_slice] > 0):
        report["contracts"] = _contracts(graph, config, figures, report["notes"])
    report["excess"] = excess_summary(file, report["notes"])
    report["figures"] = figures
    report["seconds"] = time.perf_counter() - start
    return report


def _has_service_levels(graph: nx.DiGraph) -> bool:
    demand = [d for _, d in graph.nodes(data=True) if d.get(attrs.DEMAND) is not None]
    return bool(demand) and all(d.get(attrs.SERVICE_LEVEL) is not None or d.get(attrs.SERVICE_FACTOR) is not None
                                for d in demand)


def _exact_targets(graph, arrays, config: ReportConfig):
    """The base-stock policy of the best levels method, and per node its level and cover."""
    from netinv.sim.run import auto_levels

    found = auto_levels(graph, config.seed)
    info = {"method": found.method, "kind": found.kind, "note": found.note, "expected_cost": found.expected_cost}
    return found.policy(), {"kind": found.kind, "levels": found.levels,
                            "local_levels": found.details.get("local_levels")}, info


def _gnn_policy(config: ReportConfig):
    """The GNN policy of ``config.model`` (torch: only on this branch); a missing file is a one-line
    error naming it."""
    from netinv.sim.run import gnn_policy

    path = Path(config.model)
    return gnn_policy(path, name=f"gnn ({path.name})", hint="train one, give another with --model, or use --method "
                      "exact", threads=config.threads, explain_from=config.warmup)


def _placement(graph, config: ReportConfig, notes: list) -> dict | None:
    """The guaranteed-service placement, where every demand node has a service level."""
    if not _has_service_levels(graph):
        notes.append("Guaranteed-service placement: skipped, the demand nodes have no service_level / "
                     "service_factor.")
        return None
    from netinv.gsm.instance import gsm_instance
    from netinv.gsm.plot import plot_placement
    from netinv.gsm.solve import GSMOptions, solve_placement

    solution = solve_placement(gsm_instance(graph), "auto", GSMOptions(time_limit=_placement_budget(config)))
    with tempfile.TemporaryDirectory() as folder:
        png = Path(plot_placement(graph, solution, Path(folder) / "placement.png")).read_bytes()
    summary = {k: v for k, v in solution.to_dict().items() if k != "stages"}
    return {"summary": summary, "stages": solution.stages(), "png": png}


def _cover(arrays) -> tuple[np.ndarray, np.ndarray]:
    """Per node: periods a base-stock level covers (arrival delay of its primary edge + the review period,
    netinv.timing; 0 for sources)
    and the mean external demand it serves per period."""
    cover = np.zeros(arrays.num_nodes)
    has = arrays.primary_edge >= 0
    cover[has] = arrays.lead_time[arrays.primary_edge[has]] + timing.REVIEW_PERIOD
    mean = np.zeros(arrays.num_nodes)
    mean[arrays.demand_slice] = [s.mean for s in arrays.demand_specs]
    return cover, arrays.downstream(np.float64) @ mean


def _target_rows(arrays, ech: dict, targets: dict | None, nodes: dict, placement: dict | None) -> list[dict]:
    rows = []
    if targets is not None:
        cover, mean = _cover(arrays)
        if targets["kind"] == "echelon":  # an echelon level covers the node's and every downstream node's time
            cover = arrays.downstream(np.float64) @ cover
    stages = placement["stages"] if placement else {}
    for i, node in enumerate(arrays.node_ids):
        kpi = nodes.get(node, {})
        row = {"node": node, "echelon": int(ech.get(node, 0)), "mean_on_hand": float(kpi.get("mean_on_hand", 0.0)),
               "external": bool(arrays.unlimited[i])}
        if targets is not None:
            level = targets["levels"].get(node)
            row["level"] = None if level is None else float(level)
            row["cover_periods"] = float(cover[i])
            row["cycle_stock"] = float(mean[i] * cover[i]) if level is not None else 0.0
            row["safety_stock"] = float(level - row["cycle_stock"]) if level is not None else 0.0
            if targets.get("local_levels"):
                row["local_level"] = targets["local_levels"].get(node)
        if node in stages:
            stage = stages[node]
            row["gsm"] = {k: stage[k] for k in ("service_time", "net_time", "safety_stock", "base_stock", "level")}
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------------
# simulation


class _Trajectories:
    """Wraps a policy and records the net stock (on hand - backorders) of a few nodes at the start of
    every period, for every path (implements :class:`netinv.policies.base.Policy`)."""

    def __init__(self, policy, nodes: np.ndarray, periods: int, paths: int):
        self.policy = policy
        self.name = getattr(policy, "name", type(policy).__name__)
        self.nodes = nodes
        self.values = np.zeros((periods, nodes.size, paths), dtype=np.float32)

    def prepare(self, arrays, paths: int) -> None:
        self.policy.prepare(arrays, paths)

    def orders(self, state) -> np.ndarray:
        lo = state.first_path
        net = state.on_hand[self.nodes] - state.backlog[self.nodes]
        self.values[state.t, :, lo:lo + state.paths] = net
        return self.policy.orders(state)


def _trajectory_nodes(arrays, count: int) -> np.ndarray:
    """Up to ``count`` nodes, one per echelon from the demand side up: the one serving the most demand."""
    _, mean = _cover(arrays) if arrays.num_nodes <= 5000 else (None, np.ones(arrays.num_nodes))
    chosen = []
    for level in sorted(set(arrays.echelon.tolist())):
        members = np.flatnonzero((arrays.echelon == level) & ~arrays.unlimited)
        if members.size:
            chosen.append(int(members[np.argmax(mean[members])]))
        if len(chosen) == count:
            break
    return np.array(chosen, dtype=np.int64)


def _batch_ci(values: list[float]) -> dict:
    """Mean and 95% confidence interval (Student t) of independent replications."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"mean": float("nan"), "ci95": [float("nan"), float("nan")]}
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": mean, "ci95": [mean, mean]}
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def check_trajectory_size(nodes: int, config: ReportConfig) -> None:
    """Refuse (one line) a report whose recorded trajectories (periods x ``nodes`` x paths of the first
    replication, float32) would exceed :data:`netinv.sim.kpis.MAX_TRACE_BYTES`, before anything runs."""
    from netinv.errors import InputError
    from netinv.sim.kpis import MAX_TRACE_BYTES

    size = 4 * config.periods * nodes * (config.paths // config.replications)
    if size > MAX_TRACE_BYTES:
        raise InputError(f"report: the trajectories of {config.paths:,} paths x {config.periods:,} periods would "
                         f"take about {size / 1024**3:.3g} GB, over the limit of {MAX_TRACE_BYTES / 1024**3:.3g} GB "
                         "(netinv.sim.kpis.MAX_TRACE_BYTES); use fewer --paths or --periods")


def _simulate(arrays, policy, config: ReportConfig, trajectory_nodes: np.ndarray) -> dict:
    """``config.replications`` independent simulations of ``config.paths / replications`` paths each."""
    from netinv.sim import SimConfig, simulate
    from netinv.sim.run import choose_transshipment

    rule_name, rule = choose_transshipment(arrays, config.transshipment)
    R = config.replications
    per = config.paths // R
    results = []
    recorder = _Trajectories(policy, trajectory_nodes, config.periods, per)
    for r in range(R):
        seed = int(np.random.SeedSequence([config.seed, r]).generate_state(1)[0])
        sim_config = SimConfig(periods=config.periods, paths=per, seed=seed, warmup=config.warmup)
        results.append(simulate(arrays, recorder if r == 0 else policy, sim_config, transshipment=rule))
    costs = np.concatenate([res.path_costs for res in results])
    profits = np.concatenate([res.path_profits for res in results])
    breakdown = {c: _batch_ci([res.cost_breakdown[c]["mean"] for res in results]) for c in results[0].cost_breakdown}
    breakdown = {c: v for c, v in breakdown.items() if abs(v["mean"]) > 0 or max(map(abs, v["ci95"])) > 0}
    first = arrays.num_nodes - arrays.num_demand_nodes
    service = []
    for k in range(arrays.num_demand_nodes):
        node = arrays.node_ids[first + k]
        row = {"node": node}
        for key in ("fill_rate", "cycle_service_level", "mean_backorders", "mean_lost_sales"):
            row[key] = _batch_ci([res.nodes[node][key] for res in results])
        service.append(row)
    nodes = {node: {key: float(np.mean([res.nodes[node][key] for res in results])) for key in results[0].nodes[node]}
             for node in arrays.node_ids}
    bullwhip = {}
    for level in results[0].bullwhip or {}:
        value = _batch_ci([res.bullwhip.get(level, float("nan")) for res in results])
        if np.isfinite(value["mean"]):
            bullwhip[level] = value
    half = 1.959964 * float(costs.std(ddof=1)) / np.sqrt(costs.size)
    return {
        "policy": results[0].policy,
        "transshipment_rule": rule_name,
        "transshipped": {e: float(np.mean([res.transshipped[e] for res in results])) for e in results[0].transshipped},
        "paths": int(costs.size),
        "replications": R,
        "periods": config.periods,
        "warmup": config.warmup,
        "mean_cost": float(costs.mean()),
        "ci95": [float(costs.mean() - half), float(costs.mean() + half)],
        "mean_profit": float(profits.mean()),
        "mean_revenue": float(np.mean([res.mean_revenue for res in results])),
        "cost_breakdown": breakdown,
        "service": service,
        "nodes": nodes,
        "bullwhip": bullwhip,
        "trajectory_nodes": [arrays.node_ids[i] for i in trajectory_nodes],
        "trajectories": {arrays.node_ids[i]: recorder.values[:, k, :] for k, i in enumerate(trajectory_nodes)},
    }


# --------------------------------------------------------------------------------------------------
# transshipment and contracts


def _transshipment(graph, arrays, config: ReportConfig, method: str, figures: list, notes: list) -> dict | None:
    from netinv.transship.analysis import TransshipConfig, analyze_transshipment
    from netinv.transship.plot import plot_transshipment

    cells = config.transshipment_samples * (arrays.num_demand_nodes + len(arrays.trans_keys))
    if method == "gnn" and TRANSSHIP_SECONDS_PER_CELL * cells > config.time_budget:
        notes.append(f"Transshipment analysis: skipped, its LP ({cells:,} sample x location cells) is estimated "
                     f"over the time budget of {config.time_budget:g} s.")
        return None
    try:
        analysis = analyze_transshipment(graph, TransshipConfig(samples=config.transshipment_samples,
                                                                seed=config.seed))
    except InputError as exc:
        notes.append(f"Transshipment analysis: not applicable: {exc}")
        return None
    with tempfile.TemporaryDirectory() as folder:
        png = Path(plot_transshipment(graph, analysis, Path(folder) / "transshipment.png")).read_bytes()
    figures.append(Figure("transshipment", "Transshipment", png))
    return analysis.to_dict()


def _contracts(graph, config: ReportConfig, figures: list, notes: list) -> dict | None:
    """Contracts on every supply edge into a demand node, with totals per contract."""
    from netinv.contracts import Buyback, RevenueSharing, WholesalePrice, coordinating
    from netinv.contracts.cli import parse_contract
    from netinv.contracts.network import edge_markets, evaluate_network

    try:
        markets = edge_markets(graph)
    except InputError as exc:
        notes.append(f"Contract analysis: not applicable: {exc}")
        return None
    if len(markets) > MAX_CONTRACT_EDGES:
        notes.append(f"Contract analysis: skipped, {len(markets):,} retail edges (more than {MAX_CONTRACT_EDGES}).")
        return None
    designs: dict[str, object] = {}
    if config.contracts:
        for text in config.contracts:
            terms = parse_contract(text)
            if terms is None:
                continue  # the integrated channel is always shown
            designs[text.strip()] = terms
        basis = "the contracts asked for"
    else:
        wholesale = {}
        for key, m in markets.items():
            if m.price <= m.cost:
                notes.append(f"Contract analysis: skipped, edge {key[0]} -> {key[1]}: price {m.price:g} does not "
                             f"exceed the channel's unit cost {m.cost:g}.")
                return None
            wholesale[key] = WholesalePrice((m.supplier_cost + m.price) / 2)
        designs["wholesale (midpoint price)"] = wholesale
        try:
            outcome = evaluate_network(graph, wholesale)
            for family in (Buyback, RevenueSharing):
                designs[f"{family.family} (coordinating)"] = {
                    key: coordinating(family, markets[key], share=min(max(o.retailer_share, 0.0), 1.0))
                    for key, o in outcome.edges.items()}
        except InputError as exc:
            notes.append(f"Contract analysis: no coordinating terms at the wholesale contract's split: {exc}")
        basis = ("a wholesale-price contract at the midpoint of each edge's supplier cost and retail price, and the "
                 "buyback and revenue-sharing terms that coordinate each edge at the retailer's share under it")
    rows = []
    for name, terms in designs.items():
        try:
            outcome = evaluate_network(graph, terms)
        except InputError as exc:
            notes.append(f"Contract analysis: {name}: {exc}")
            continue
        rows.append({"name": name, "retailer_profit": outcome.retailer_profit,
                     "supplier_profit": outcome.supplier_profit, "channel_profit": outcome.channel_profit,
                     "integrated_profit": outcome.integrated_profit, "efficiency": outcome.efficiency,
                     "edges": len(outcome.edges)})
    if not rows:
        return None
    from netinv.report import figures as F

    figures.append(Figure("contracts", "Contracts", F.png_bytes(F.contracts_figure(
        rows, rows[0]["integrated_profit"], title="profit split per contract design, totals over the retail edges"))))
    return {"basis": basis, "edges": len(markets), "rows": rows}


def excess_summary(file, notes: list) -> dict | None:
    """Slow and obsolete stock (:mod:`netinv.excess`) of a scenario with a sales history: the flagged nodes
    and the disposal plan's value."""
    from netinv.history.scenario import has_history
    from netinv.network.io import read_document

    if not has_history(read_document(file)):
        return None
    from netinv.excess.analysis import analyse

    try:
        result = analyse(str(file))
    except NetinvError as exc:  # a bad excess block or no solver answer: the rest of the report stands
        notes.append(f"Slow and obsolete stock: not analysed: {exc}")
        return None
    rows = [{"node": f.node, "on_hand": f.on_hand, "age": f.age_oldest, "since_sale": f.periods_since_sale,
             "p_no_sale": f.p_no_sale, "reasons": f.flags, "recommendation": result.recommendation(f.node)}
            for f in result.findings if f.flagged]
    plan = result.plan
    return {"k": result.settings.config.k, "horizon": result.settings.horizon, "rows": rows,
            "plan": None if plan is None else {"value": plan.value, "keep_value": plan.keep_value, "gain": plan.gain}}

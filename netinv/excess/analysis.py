"""``netinv excess FILE``: the slow and obsolete stock of a scenario, and the plan that disposes of it.

- **Sales per period** of a node: its own ``demand: {history: FILE}`` (:mod:`netinv.history`, cleaned and
  summed into the scenario's periods), on the history file's common period grid; a node whose rows end
  before the file's last period sold nothing after its last row (a history records sales). A node
  without a history of its own that supplies history nodes (a DC) sells what they sell: the sum of the
  series of the history nodes below it on supply edges. Other nodes have no sales history and are listed
  without findings.
- **Stock**: on hand now (the scenario's ``state.on_hand``, else ``initial_inventory``;
  :mod:`netinv.network.state`).
- **Findings**: :func:`netinv.excess.detect.find_node` with the thresholds of the ``excess:`` block
  (:mod:`netinv.excess.channels`).
- **Plan**: :mod:`netinv.excess.disposal` over every node with a sales history; the flagged nodes
  dispose (their channels, transfers on their transshipment edges), the others sell at full price at
  their recent rate (and receive transfers). The value of a unit sold at full price is the node's
  ``value`` in the block, else its price, else the unit cost of its cheapest supply edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np

from netinv import attrs, timing
from netinv.excess.channels import ExcessSettings, read_settings
from netinv.excess.detect import NodeFinding, find_node
from netinv.excess.disposal import (
    REGULAR,
    DisposalPlan,
    DisposalProblem,
    Location,
    Outlet,
    Transfer,
    plan_disposal,
)

PERIOD_NAMES = {1: "days", 7: "weeks"}


@dataclass
class ExcessReport:
    """Findings (one per node that holds or sells stock) and the disposal plan (None when nothing is
    flagged)."""

    scenario: str
    period_days: int | None
    findings: list[NodeFinding]
    plan: DisposalPlan | None = None
    settings: ExcessSettings = field(default_factory=ExcessSettings, repr=False)

    def recommendation(self, node: str) -> str:
        """The plan for ``node``'s stock in words: each disposal channel and its units, then what is kept
        (sold at full price or still held after the horizon); "keep" when nothing is disposed of."""
        flows = (self.plan.flows.get(node, {}) if self.plan else {})
        parts = [f"{name}: {units:g}" for name, units in flows.items() if name not in (REGULAR, "left") and units > 5e-7]
        kept = flows.get(REGULAR, 0.0) + flows.get("left", 0.0)
        if not parts:
            return "keep"
        return "; ".join(parts + ([f"keep: {kept:g}"] if kept > 5e-7 else []))

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "period_days": self.period_days,
            "horizon": self.settings.horizon,
            "k": self.settings.config.k,
            "nodes": [{**f.to_dict(), "recommendation": self.recommendation(f.node)} for f in self.findings],
            "plan": None if self.plan is None else self.plan.to_dict(),
        }


def analyse(path: str) -> ExcessReport:
    """The findings and disposal plan of the scenario file ``path`` (module docstring)."""
    from netinv.history.scenario import scenario_period_days
    from netinv.network.io import load, read_document

    doc = read_document(path)
    graph = load(path)
    settings = read_settings(graph.graph.get(attrs.EXCESS), graph, path)
    period_days = scenario_period_days(doc, path)
    if period_days in PERIOD_NAMES:
        settings = replace(settings, config=replace(settings.config, period_name=PERIOD_NAMES[period_days]))
    config = settings.config
    sales = node_sales(doc, path, graph)
    stock = on_hand(graph)
    findings = []
    for node in graph.nodes:
        if graph.nodes[node].get(attrs.EXTERNAL_SUPPLY) or (node not in sales and stock[node] <= 0):
            continue
        findings.append(find_node(node, sales.get(node, []), stock[node], config))
    report = ExcessReport(str(path), period_days, findings, settings=settings)
    if any(f.flagged for f in findings):
        report.plan = plan_disposal(disposal_problem(graph, findings, settings))
    return report


def node_sales(doc: dict, path: str, graph: nx.DiGraph) -> dict[str, np.ndarray]:
    """Sales per period of every node with a history of its own or below it (module docstring)."""
    from netinv.history.scenario import history_periods
    from netinv.network.validate import supply_subgraph

    series = history_periods(doc, path) if any(
        isinstance(n, dict) and isinstance(n.get("demand"), dict) and "history" in n["demand"]
        for n in doc.get("nodes", [])) else []
    if not series:
        return {}
    first = min(per.start for _, per in series)
    days = series[0][1].period_days
    offsets = {str(node["id"]): (per.start - first).days // days for node, per in series}
    length = max(offsets[str(node["id"])] + per.values.size for node, per in series)
    sales = {}
    for node, per in series:
        row = np.full(length, np.nan)
        start = offsets[str(node["id"])]
        row[start:start + per.values.size] = per.values
        row[start + per.values.size:] = 0.0  # no row after its last: no sale
        sales[str(node["id"])] = row
    supply = supply_subgraph(graph)
    for node in graph.nodes:
        below = [n for n in nx.descendants(supply, node) if n in sales]
        if node not in sales and below and not graph.nodes[node].get(attrs.EXTERNAL_SUPPLY):
            stacked = np.vstack([sales[n] for n in below])
            sales[node] = np.where(np.isfinite(stacked).any(axis=0), np.nansum(stacked, axis=0), np.nan)
    return sales


def on_hand(graph: nx.DiGraph) -> dict[str, float]:
    """Units on hand now at every node (:func:`netinv.network.state.state_arrays`)."""
    from netinv.network.state import state_arrays

    nodes = list(graph.nodes)
    edges = [(u, v) for u, v, d in graph.edges(data=True) if d.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY]
    convention = timing.convention_of(graph)
    delay = np.array([timing.arrival_delay(graph.edges[e].get(attrs.LEAD_TIME) or 0,
                                           graph.nodes[e[1]].get(attrs.PROCESSING_TIME) or 0, convention)
                      for e in edges], dtype=int)
    initial = np.array([graph.nodes[n].get(attrs.INITIAL_INVENTORY) or 0.0 for n in nodes])
    state = state_arrays(graph, nodes, edges, delay, initial)
    return dict(zip(nodes, state.on_hand.tolist(), strict=True))


def keep_value(graph: nx.DiGraph, node: str, settings: ExcessSettings) -> float:
    """A unit's value sold at full price (module docstring)."""
    given = settings.nodes.get(node)
    if given is not None and given.value is not None:
        return given.value
    price = graph.nodes[node].get(attrs.PRICE) or 0.0
    if price > 0:
        return float(price)
    costs = [d.get(attrs.UNIT_COST) or 0.0 for _, _, d in graph.in_edges(node, data=True)
             if d.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY]
    return float(min(costs)) if costs else 0.0


def disposal_problem(graph: nx.DiGraph, findings: list[NodeFinding], settings: ExcessSettings) -> DisposalProblem:
    """The disposal problem of a scenario's findings (module docstring)."""
    locations = []
    for found in findings:
        if found.periods == 0:
            continue
        channels = settings.nodes.get(found.node)
        locations.append(Location(
            node=found.node, on_hand=found.on_hand, price=keep_value(graph, found.node, settings),
            rate=found.recent_rate, holding_cost=graph.nodes[found.node].get(attrs.HOLDING_COST) or 0.0,
            markdown=channels.markdown if channels else (),
            outlets=channels.outlets if channels else (Outlet("scrap", 0.0),),
            dispose=found.flagged))
    names = {loc.node for loc in locations}
    transfers = tuple(
        Transfer(u, v, d.get(attrs.UNIT_COST) or 0.0, d.get(attrs.LEAD_TIME) or 0)
        for u, v, d in graph.edges(data=True)
        if d.get(attrs.KIND) == attrs.TRANSSHIPMENT and u in names and v in names
    )
    return DisposalProblem(tuple(locations), transfers, settings.horizon, settings.terminal_value, settings.batch)

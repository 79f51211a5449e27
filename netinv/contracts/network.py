"""Contract terms on every supply edge into a demand node of a network (a DC serving many retailers).

Each edge ``u -> v`` into a demand node v is one supplier-retailer pair, evaluated as a single season
of one period's demand, independently of the others (the supplier's stock and capacity are not
shared or limited). The market of an edge is read from the graph:

* price [p]: the demand node's ``price``;
* demand [D]: the demand node's ``demand`` spec (``normal`` untruncated unless ``censored_normal``);
* supplier's cost [c_s]: the mean ``unit_cost`` of the supply edges into u plus u's ``operating_cost``
  (0 for a source), unless given per supplier in ``supplier_cost``;
* retailer's cost [c_r]: the edge's ``pipeline_holding_cost`` times its ``lead_time``;
* retailer's goodwill [g_r]: the demand node's ``shortage_cost``; salvage and supplier goodwill 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from netinv import attrs
from netinv.contracts.demand import Demand
from netinv.contracts.evaluate import ContractOutcome, evaluate
from netinv.contracts.market import Market
from netinv.contracts.terms import Contract
from netinv.errors import InputError


@dataclass(frozen=True)
class NetworkContractOutcome:
    """The outcome on every edge and the totals per party.

    Attributes:
        edges: ``{(supplier, retailer): ContractOutcome}``.
        retailer_profit, supplier_profit, channel_profit: totals over the edges.
        integrated_profit: total of the edges' integrated-channel profits.
        efficiency: channel_profit / integrated_profit.
        supplier_totals: ``{supplier: (its profit, its retailers' profit)}``.
    """

    edges: dict[tuple[str, str], ContractOutcome]
    retailer_profit: float
    supplier_profit: float
    channel_profit: float
    integrated_profit: float
    efficiency: float
    supplier_totals: dict[str, tuple[float, float]]

    def to_dict(self) -> dict:
        return {
            "edges": [{"supplier": u, "retailer": v, **{k: val for k, val in o.to_dict().items() if k != "contract"}}
                      for (u, v), o in self.edges.items()],
            "retailer_profit": self.retailer_profit,
            "supplier_profit": self.supplier_profit,
            "channel_profit": self.channel_profit,
            "integrated_profit": self.integrated_profit,
            "efficiency": self.efficiency,
            "suppliers": {s: {"supplier_profit": a, "retailer_profit": b} for s, (a, b) in self.supplier_totals.items()},
        }


def edge_markets(graph: nx.DiGraph, *, supplier_cost: Mapping[str, float] | None = None,
                 censored_normal: bool = False) -> dict[tuple[str, str], Market]:
    """The market of every supply edge into a demand node (see the module docstring)."""
    markets = {}
    for u, v, edge in graph.edges(data=True):
        node = graph.nodes[v]
        if edge.get(attrs.KIND, attrs.SUPPLY) != attrs.SUPPLY or not node.get(attrs.DEMAND):
            continue
        spec = node[attrs.DEMAND]
        if isinstance(spec, Mapping):
            from netinv.demand.distributions import parse_demand

            spec = parse_demand(dict(spec))
        cost = _supplier_cost(graph, u) if supplier_cost is None or u not in supplier_cost else supplier_cost[u]
        try:
            markets[u, v] = Market(
                price=float(node.get(attrs.PRICE, 0.0)),
                supplier_cost=float(cost),
                demand=Demand.from_spec(spec, censored=censored_normal),
                retailer_cost=float(edge.get(attrs.PIPELINE_HOLDING_COST, 0.0)) * int(edge.get(attrs.LEAD_TIME, 0)),
                retailer_goodwill=float(node.get(attrs.SHORTAGE_COST) or 0.0),
            )
        except InputError as exc:
            raise InputError(f"edge {u} -> {v}: {exc}") from None
    if not markets:
        raise InputError("network: no supply edge into a demand node")
    return markets


def evaluate_network(graph: nx.DiGraph, contract: Contract | Mapping[tuple[str, str], Contract], *,
                     supplier_cost: Mapping[str, float] | None = None,
                     censored_normal: bool = False) -> NetworkContractOutcome:
    """Evaluate ``contract`` (one for all edges, or one per edge) on every supply edge into a demand node."""
    markets = edge_markets(graph, supplier_cost=supplier_cost, censored_normal=censored_normal)
    outcomes = {}
    for key, market in markets.items():
        terms = contract.get(key) if isinstance(contract, Mapping) else contract
        if terms is None:
            raise InputError(f"edge {key[0]} -> {key[1]}: no contract given")
        try:
            outcomes[key] = evaluate(terms, market)
        except InputError as exc:
            raise InputError(f"edge {key[0]} -> {key[1]}: {exc}") from None
    per_supplier: dict[str, tuple[float, float]] = {}
    for (u, _), o in outcomes.items():
        s, r = per_supplier.get(u, (0.0, 0.0))
        per_supplier[u] = (s + o.supplier_profit, r + o.retailer_profit)
    channel = sum(o.channel_profit for o in outcomes.values())
    best = sum(o.integrated.channel_profit for o in outcomes.values())
    return NetworkContractOutcome(
        edges=outcomes,
        retailer_profit=sum(o.retailer_profit for o in outcomes.values()),
        supplier_profit=sum(o.supplier_profit for o in outcomes.values()),
        channel_profit=channel,
        integrated_profit=best,
        efficiency=channel / best,
        supplier_totals=per_supplier,
    )


def _supplier_cost(graph: nx.DiGraph, node: str) -> float:
    inbound = [d.get(attrs.UNIT_COST, 0.0) for _, _, d in graph.in_edges(node, data=True)
               if d.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY]
    bought = sum(inbound) / len(inbound) if inbound else 0.0
    return float(bought + graph.nodes[node].get(attrs.OPERATING_COST, 0.0))

"""Contract terms on every supply edge into a demand node of a network (a DC serving many retailers).

Each edge ``u -> v`` into a demand node v is one supplier-retailer pair, evaluated as a single season
of one period's demand, independently of the others (the supplier's stock and capacity are not
shared or limited): **a single-period, lost-sales model** (Cachon 2003). The market of an edge is
read from the graph under the network accounting (README, "Network accounting"): a ``unit_cost`` is
a cost of the network only on an edge from an external supply; internal prices are transfers.

* price [p]: the demand node's ``price``;
* demand [D]: the demand node's ``demand`` spec (``normal`` untruncated unless ``censored_normal``);
* supplier's cost [c_s]: what a unit delivered on the edge costs the network
  (:func:`network_unit_cost`): the purchases from external supplies and the ``operating_cost`` of
  every node that ships it on the way, averaged over a node's supply edges; a transfer price on an
  internal edge is not a cost. Or given per supplier in ``supplier_cost``;
* retailer's cost [c_r]: the edge's ``pipeline_holding_cost`` times its ``lead_time`` plus the demand
  node's ``operating_cost`` (per unit sold);
* retailer's goodwill [g_r]: the demand node's ``shortage_cost``; salvage and supplier goodwill 0.

**Reconciliation with the network's own profit.** The contract model writes off what is left at the
end of the season (salvage 0) and loses every unit short, also at a store that backlogs. The same
stock levels held period after period (the store refilled to its integrated order q each period, as
a base-stock policy with lead time 0 from an ample supplier does, which is what the simulator
computes for such a network) give, per period, with S = E[min(D, q)], I = q - S, L = E[D] - S and
C = c_s + c_r, h the store's ``holding_cost``, b its ``shortage_cost``:

* lost sales: (p - C) S - h I - b L;
* backlog:    (p - C) E[D] - h I - b L (every unit short is sold later, b per unit per period).

That steady-state profit minus the contract model's integrated profit p S - C q - b L is
(C - h) I (the leftover carried at its holding cost instead of written off) plus, at a backlog store,
(p - C) L (the shortfall sold later instead of lost). Neither model holds the upstream stock, lead
times and capacities that the simulator's network profit (``netinv simulate``) also includes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

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
    steady_state: dict[tuple[str, str], dict] = field(default_factory=dict)

    @property
    def steady_state_profit(self) -> float:
        """Total per period of the integrated orders held period after period (module docstring)."""
        return sum(row["steady_state_profit"] for row in self.steady_state.values())

    def to_dict(self) -> dict:
        leftover = sum(r["leftover_carried"] for r in self.steady_state.values())
        backlog = sum(r["backlog_sold_later"] for r in self.steady_state.values())
        return {
            "model": MODEL,
            "edges": [{"supplier": u, "retailer": v, **{k: val for k, val in o.to_dict().items() if k != "contract"},
                       **self.steady_state.get((u, v), {})} for (u, v), o in self.edges.items()],
            "retailer_profit": self.retailer_profit,
            "supplier_profit": self.supplier_profit,
            "channel_profit": self.channel_profit,
            "integrated_profit": self.integrated_profit,
            "efficiency": self.efficiency,
            "suppliers": {s: {"supplier_profit": a, "retailer_profit": b} for s, (a, b) in self.supplier_totals.items()},
            "reconciliation": {
                "integrated_profit": self.integrated_profit,
                "steady_state_profit": self.steady_state_profit,
                "difference": self.steady_state_profit - self.integrated_profit,
                "leftover_carried": leftover,
                "backlog_sold_later": backlog,
                "explained": RECONCILIATION,
            },
        }


MODEL = ("single-period newsvendor per supply edge into a store (Cachon 2003): lost sales, leftover written off, "
         "stores independent, upstream stock, lead times and capacities not modelled; costs under the network "
         "accounting (unit_cost counts only on edges from an external supply, internal prices are transfers)")
RECONCILIATION = ("integrated_profit: the contract model per period (sales x price - every unit ordered x its network "
                  "cost - lost units x shortage_cost; backlog stores too are counted as losing their shortfall). "
                  "steady_state_profit: the same store levels refilled every period, the simulator's accounting for "
                  "a store supplied at once: only sold units are bought again, leftover pays holding_cost, a backlog "
                  "store sells its shortfall later and pays shortage_cost per unit backlogged. difference = "
                  "leftover_carried ((unit cost - holding_cost) x leftover) + backlog_sold_later ((price - unit "
                  "cost) x shortfall at backlog stores). Neither includes upstream holding, pipeline and shortages "
                  "of plants and DCs, which the simulated network profit (netinv simulate) adds.")


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
        cost = delivered_cost(graph, u, v) if supplier_cost is None or u not in supplier_cost else supplier_cost[u]
        try:
            markets[u, v] = Market(
                price=float(node.get(attrs.PRICE, 0.0)),
                supplier_cost=float(cost),
                demand=Demand.from_spec(spec, censored=censored_normal),
                retailer_cost=float(edge.get(attrs.PIPELINE_HOLDING_COST, 0.0)) * int(edge.get(attrs.LEAD_TIME, 0))
                + float(node.get(attrs.OPERATING_COST) or 0.0),
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
    steady = {key: steady_state(graph, key, market, outcomes[key].integrated.order) for key, market in markets.items()}
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
        efficiency=channel / best if best else math.nan,  # undefined when nothing can be earned
        supplier_totals=per_supplier,
        steady_state=steady,
    )


def steady_state(graph: nx.DiGraph, edge: tuple[str, str], market: Market, order: float) -> dict:
    """The per-period profit of holding the store of ``edge`` at ``order`` period after period, and the
    two terms that separate it from the contract model's integrated profit (module docstring)."""
    node = graph.nodes[edge[1]]
    backlog = bool(node.get(attrs.BACKLOG, True))
    mean = market.demand.mean
    sold = float(market.demand.sales(order))
    leftover, short = order - sold, mean - sold
    unit = market.cost
    holding = float(node.get(attrs.HOLDING_COST) or 0.0)
    shortage = float(node.get(attrs.SHORTAGE_COST) or 0.0)
    carried = (unit - holding) * leftover
    later = (market.price - unit) * short if backlog else 0.0
    profit = (market.price - unit) * (mean if backlog else sold) - holding * leftover - shortage * short
    return {"backlog": backlog, "unit_network_cost": unit, "steady_state_profit": profit, "leftover_carried": carried,
            "backlog_sold_later": later}


def network_unit_cost(graph: nx.DiGraph, node: str, _seen: dict | None = None) -> float:
    """What a unit in ``node``'s stock has cost the network: over each supply edge ``w -> node``, the
    external purchase (``unit_cost`` when w is an external supply, else nothing: a transfer) plus w's
    ``operating_cost`` plus what the unit cost at w, averaged over the supply edges; 0 at a source."""
    seen = {} if _seen is None else _seen
    if node not in seen:
        inbound = [w for w, _, d in graph.in_edges(node, data=True) if d.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY]
        seen[node] = float(sum(delivered_cost(graph, w, node, seen) for w in inbound) / len(inbound)) if inbound else 0.0
    return seen[node]


def delivered_cost(graph: nx.DiGraph, source: str, target: str, _seen: dict | None = None) -> float:
    """What a unit shipped on ``source -> target`` costs the network: the unit's cost at ``source``
    (:func:`network_unit_cost`), ``source``'s ``operating_cost``, and the edge's ``unit_cost`` only when
    ``source`` is an external supply (a source node with ``external_supply``, the default)."""
    data = graph.nodes[source]
    external = not any(d.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY for _, _, d in graph.in_edges(source, data=True)) \
        and bool(data.get(attrs.EXTERNAL_SUPPLY, True))
    purchase = float(graph.edges[source, target].get(attrs.UNIT_COST) or 0.0) if external else 0.0
    return network_unit_cost(graph, source, _seen) + float(data.get(attrs.OPERATING_COST) or 0.0) + purchase

"""A short summary of a network: what ``netinv validate`` prints and ``netinv info --json`` returns."""

from __future__ import annotations

import networkx as nx

from netinv import attrs
from netinv.demand.distributions import parse_demand
from netinv.network.validate import supply_subgraph


def topology(graph: nx.DiGraph) -> str:
    """``serial``, ``distribution`` (a tree fanning out), ``assembly`` (a tree converging) or ``general``."""
    supply = supply_subgraph(graph)
    max_in = max((d for _, d in supply.in_degree()), default=0)
    max_out = max((d for _, d in supply.out_degree()), default=0)
    if max_in <= 1 and max_out <= 1:
        return "serial"
    if max_in <= 1:
        return "distribution"
    if max_out <= 1:
        return "assembly"
    return "general"


def echelons(graph: nx.DiGraph, *, supply: nx.DiGraph | None = None) -> dict[str, int]:
    """Echelon of each node: 1 for nodes with no supply customers, else 1 + the max over customers.

    ``supply``: the graph's supply subgraph, when the caller has already built it.
    """
    supply = supply_subgraph(graph) if supply is None else supply
    out: dict[str, int] = {}
    for node in reversed(list(nx.topological_sort(supply))):
        out[node] = 1 + max((out[s] for s in supply.successors(node)), default=0)
    return out


def summarize(graph: nx.DiGraph) -> dict:
    supply = supply_subgraph(graph)
    ech = echelons(graph)
    demand_nodes = [n for n, d in graph.nodes(data=True) if d.get(attrs.DEMAND) is not None]
    sources = [n for n in graph.nodes if supply.in_degree(n) == 0]
    kinds = [d.get(attrs.KIND, attrs.SUPPLY) for _, _, d in graph.edges(data=True)]
    mean_demand = sum(parse_demand(graph.nodes[n][attrs.DEMAND]).mean for n in demand_nodes)
    lead_times = [d.get(attrs.LEAD_TIME, 0) for _, _, d in graph.edges(data=True)]
    return {
        "name": graph.graph.get(attrs.NAME),
        "description": graph.graph.get(attrs.DESCRIPTION, ""),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "supply_edges": kinds.count(attrs.SUPPLY),
        "transshipment_edges": kinds.count(attrs.TRANSSHIPMENT),
        "echelons": max(ech.values(), default=0),
        "topology": topology(graph),
        "demand_nodes": len(demand_nodes),
        "sources": len(sources),
        "mean_demand_per_period": mean_demand,
        "max_lead_time": max(lead_times, default=0),
        "nodes_per_echelon": {str(k): sum(1 for v in ech.values() if v == k) for k in sorted(set(ech.values()))},
        "demand_node_ids": demand_nodes[:50],
        "source_node_ids": sources[:50],
    }

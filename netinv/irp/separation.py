"""Separation of the subtour-elimination and fractional capacity cuts of one period's routing.

Both cuts are written on a customer set S (the supplier 0 outside it) in the sparse inside-edge form that
the degree equations make equivalent to the cut form:

- subtour elimination (Archetti et al. 2007): x(E(S)) <= z(S) - z_k for a k in S, i.e.
  x(delta(S)) >= 2 z_k: a visited customer is connected to the supplier;
- fractional capacity: x(E(S)) <= z(S) - q(S) / Q, i.e. x(delta(S)) >= 2 q(S) / Q: the routes through S
  carry q(S), so at least q(S) / Q of them enter S.

Separation is exact, by minimum cuts on the support graph (networkx): for the subtour cuts one cut between
each visited customer k and the supplier; for the capacity cuts one cut from a source linked to each
customer i with capacity 2 q_i / Q to the supplier (min over S of x(delta(S)) - 2 q(S) / Q).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-6
VIOLATION = 1e-4


@dataclass(frozen=True)
class Cut:
    """x(E(S)) - z(S) + z_k + q(S) / Q * [capacity] <= 0 in period ``period`` (1-based).

    members: the customer set S; anchor: k for a subtour cut, ``None`` for a capacity cut.
    """

    period: int
    members: frozenset[int]
    anchor: int | None
    violation: float


def support_graph(x: dict[tuple[int, int], float]):
    """Undirected networkx graph of the edges with x > EPSILON, ``capacity`` = x."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_node(0)
    for (i, j), value in x.items():
        if value > EPSILON:
            graph.add_edge(i, j, capacity=float(value))
    return graph


def inside(members: frozenset[int], x: dict[tuple[int, int], float]) -> float:
    return sum(v for (i, j), v in x.items() if i in members and j in members)


def separate_period(period: int, x: dict[tuple[int, int], float], z: np.ndarray, q: np.ndarray,
                    capacity: float) -> list[Cut]:
    """The violated subtour and capacity cuts of one period; ``x`` maps edges (i < j) to values, ``z`` and
    ``q`` are indexed by customer (index 0 unused)."""
    graph = support_graph(x)
    cuts: dict[tuple[frozenset[int], int | None], Cut] = {}
    for members in component_sets(graph):
        add_if_violated(cuts, period, members, x, z, q, capacity)
    for members in subtour_sets(graph, z):
        add_if_violated(cuts, period, members, x, z, q, capacity)
    members = capacity_set(graph, q, capacity)
    if members:
        add_if_violated(cuts, period, members, x, z, q, capacity)
    return sorted(cuts.values(), key=lambda cut: -cut.violation)


def add_if_violated(cuts: dict, period: int, members: frozenset[int], x, z, q, capacity: float) -> None:
    """Record the subtour cut (best anchor) and the capacity cut of ``members`` that are violated."""
    edges_in = inside(members, x)
    visits = sum(z[i] for i in members)
    anchor = max(members, key=lambda i: z[i])
    sec = edges_in - visits + z[anchor]
    if sec > VIOLATION:
        cuts[members, anchor] = Cut(period, members, anchor, sec)
    cap = edges_in - visits + sum(q[i] for i in members) / capacity
    if cap > VIOLATION:
        cuts[members, None] = Cut(period, members, None, cap)


def component_sets(graph) -> list[frozenset[int]]:
    """Connected components of the support graph without the supplier (a route, or a subtour)."""
    import networkx as nx

    customers = graph.subgraph([v for v in graph.nodes if v != 0])
    return [frozenset(c) for c in nx.connected_components(customers)]


def subtour_sets(graph, z: np.ndarray) -> list[frozenset[int]]:
    """For each visited customer k, the k side of a minimum k-supplier cut when it is below 2 z_k."""
    import networkx as nx

    found = []
    for k in range(1, len(z)):
        if z[k] <= EPSILON:
            continue
        if k not in graph:
            continue
        if not nx.has_path(graph, k, 0):
            found.append(frozenset(nx.node_connected_component(graph, k)))
            continue
        value, (side, _) = nx.minimum_cut(graph, k, 0, capacity="capacity")
        if value < 2 * z[k] - VIOLATION:
            found.append(frozenset(side))
    return found


def capacity_set(graph, q: np.ndarray, capacity: float) -> frozenset[int]:
    """The set S minimizing x(delta(S)) - 2 q(S) / Q when that minimum is negative, else empty."""
    import networkx as nx

    flow = nx.DiGraph()
    for i, j, data in graph.edges(data=True):
        flow.add_edge(i, j, capacity=data["capacity"])
        flow.add_edge(j, i, capacity=data["capacity"])
    weights = {i: 2 * q[i] / capacity for i in range(1, len(q)) if q[i] > EPSILON}
    if not weights:
        return frozenset()
    for i, w in weights.items():
        flow.add_edge("source", i, capacity=w)
    flow.add_node(0)
    value, (side, _) = nx.minimum_cut(flow, "source", 0, capacity="capacity")
    if value < sum(weights.values()) - VIOLATION:
        return frozenset(v for v in side if v != "source")
    return frozenset()

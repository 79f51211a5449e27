"""Compile a network graph into :class:`NetworkArrays`: a frozen numpy view every consumer shares.

Nodes are numbered so that demand nodes come last (``demand_slice``), which lets the simulator touch
them with a slice instead of a gather. Supply edges are kept apart from transshipment edges. Missing
optional attributes take their documented defaults; capacities without a value are ``inf``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx
import numpy as np
import scipy.sparse as sp

from netinv import attrs, timing
from netinv.demand.distributions import parse_demand
from netinv.network.state import StateArrays, state_arrays
from netinv.network.summary import echelons
from netinv.network.validate import supply_subgraph


@dataclass(frozen=True, eq=False)
class NetworkArrays:
    """Index maps, per-node and per-edge parameters of a network as numpy arrays.

    Shapes: N nodes, E supply edges, X transshipment edges, D demand nodes (the last D node indices).
    """

    name: str
    node_ids: tuple[str, ...]
    index: Mapping[str, int]
    # per node (N,)
    holding_cost: np.ndarray
    initial_inventory: np.ndarray
    capacity: np.ndarray  # inf = unlimited
    operating_cost: np.ndarray
    yield_: np.ndarray
    shortage_cost: np.ndarray  # 0 where the node has no external demand
    backlog: np.ndarray  # bool
    price: np.ndarray
    processing_time: np.ndarray  # int
    is_source: np.ndarray  # bool: no supply edge comes in
    unlimited: np.ndarray  # bool: a source with unlimited external supply
    assembly: np.ndarray  # bool
    echelon: np.ndarray  # int, 1 = no supply customers (most downstream)
    demand_specs: tuple  # parsed demand spec of each demand node, in index order
    # supply edges (E,)
    edge_keys: tuple[tuple[str, str], ...]
    edge_source: np.ndarray
    edge_target: np.ndarray
    lead_time: np.ndarray  # int: arrival delay, the edge lead_time + the target processing_time (netinv.timing)
    unit_cost: np.ndarray
    pipeline_holding_cost: np.ndarray
    edge_capacity: np.ndarray
    quantity: np.ndarray
    fixed_order_cost: np.ndarray
    lot_size: np.ndarray  # 0 = any quantity
    edge_backlog: np.ndarray  # bool
    primary_edge: np.ndarray  # (N,) the cheapest supply edge into each node, -1 for sources
    # transshipment edges (X,)
    trans_keys: tuple[tuple[str, str], ...]
    trans_source: np.ndarray
    trans_target: np.ndarray
    trans_lead_time: np.ndarray
    trans_unit_cost: np.ndarray
    trans_capacity: np.ndarray
    start: StateArrays | None = None  # the current state (netinv.network.state); on hand = initial_inventory
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def num_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def num_edges(self) -> int:
        return len(self.edge_keys)

    @property
    def num_demand_nodes(self) -> int:
        return len(self.demand_specs)

    @property
    def demand_slice(self) -> slice:
        return slice(self.num_nodes - self.num_demand_nodes, self.num_nodes)

    @property
    def num_echelons(self) -> int:
        return int(self.echelon.max()) if self.num_nodes else 0

    @property
    def purchase_cost(self) -> np.ndarray:
        """(E,) what the network pays per unit shipped on each supply edge: ``unit_cost`` on edges from an
        external supply; 0 on internal edges, whose price is a transfer between two nodes of the network
        and cancels in its total."""
        return np.where(self.unlimited[self.edge_source], self.unit_cost, 0.0)

    def edge_index(self, source: str, target: str) -> int:
        return self.edge_keys.index((source, target))

    def out_incidence(self, dtype=np.float32) -> sp.csr_matrix:
        """(N, E) sparse matrix, 1 where the edge leaves the node: ``out_incidence @ x`` sums per source."""
        return self._incidence("out", self.edge_source, dtype)

    def in_incidence(self, dtype=np.float32) -> sp.csr_matrix:
        """(N, E) sparse matrix, 1 where the edge enters the node: ``in_incidence @ x`` sums per target."""
        return self._incidence("in", self.edge_target, dtype)

    def downstream(self, dtype=np.float32) -> sp.csr_matrix:
        """(N, N) sparse 0/1 matrix: row i marks i and every node reachable from i over supply edges."""
        key = ("downstream", np.dtype(dtype).str)
        if key not in self._cache:
            graph = nx.DiGraph()
            graph.add_nodes_from(range(self.num_nodes))
            graph.add_edges_from(zip(self.edge_source.tolist(), self.edge_target.tolist()))
            rows, cols = [], []
            for i in range(self.num_nodes):
                reach = nx.descendants(graph, i) | {i}
                rows.extend([i] * len(reach))
                cols.extend(reach)
            data = np.ones(len(rows), dtype=dtype)
            self._cache[key] = sp.csr_matrix((data, (rows, cols)), shape=(self.num_nodes, self.num_nodes))
        return self._cache[key]

    def assembly_groups(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Component edges of assembly nodes grouped by node, for ``np.minimum.reduceat``:
        (edges sorted by target, start of each group, the node of each group, each edge's group)."""
        if "assembly_groups" not in self._cache:
            edges = np.flatnonzero(self.assembly[self.edge_target])
            edges = edges[np.argsort(self.edge_target[edges], kind="stable")]
            targets = self.edge_target[edges]
            nodes, starts, group = np.unique(targets, return_index=True, return_inverse=True)
            self._cache["assembly_groups"] = (edges, starts, nodes, group)
        return self._cache["assembly_groups"]

    def _incidence(self, which: str, ends: np.ndarray, dtype) -> sp.csr_matrix:
        key = (which, np.dtype(dtype).str)
        if key not in self._cache:
            data = np.ones(self.num_edges, dtype=dtype)
            cols = np.arange(self.num_edges)
            self._cache[key] = sp.csr_matrix((data, (ends, cols)), shape=(self.num_nodes, self.num_edges))
        return self._cache[key]


def compile_network(graph: nx.DiGraph) -> NetworkArrays:
    """Compile a validated network (as returned by :func:`netinv.network.load`) into arrays."""
    supply = supply_subgraph(graph)
    demand_nodes = [n for n, d in graph.nodes(data=True) if d.get(attrs.DEMAND) is not None]
    is_demand = set(demand_nodes)
    node_ids = tuple([n for n in graph.nodes if n not in is_demand] + demand_nodes)
    index = {n: i for i, n in enumerate(node_ids)}
    nodes = [graph.nodes[n] for n in node_ids]

    def node_array(key, default, dtype=np.float64):
        return np.array([d.get(key, default) if d.get(key) is not None else default for d in nodes], dtype=dtype)

    in_degree = np.array([supply.in_degree(n) for n in node_ids], dtype=np.int64)
    is_source = in_degree == 0
    external = node_array(attrs.EXTERNAL_SUPPLY, True, bool)
    by_node = echelons(graph, supply=supply)
    echelon = np.array([by_node[n] for n in node_ids], dtype=np.int64)

    convention = timing.convention_of(graph)

    unlimited_source = {n for n in node_ids if supply.in_degree(n) == 0 and graph.nodes[n].get(attrs.EXTERNAL_SUPPLY, True)
                        is not False}

    def delay(u, v, d) -> int:  # the one timing convention: netinv.timing
        ships = graph.nodes[u].get(attrs.PROCESSING_TIME) or 0 if u in unlimited_source else 0
        return timing.arrival_delay(d.get(attrs.LEAD_TIME) or 0, graph.nodes[v].get(attrs.PROCESSING_TIME) or 0,
                                    convention, source_processing_time=ships)

    supply_edges = [(u, v, d) for u, v, d in graph.edges(data=True) if d.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY]
    # Sorted by arrival delay first: the simulator then books shipments into its pipeline by slices.
    supply_edges.sort(key=lambda e: (delay(*e), index[e[1]], index[e[0]]))
    trans_edges = [(u, v, d) for u, v, d in graph.edges(data=True) if d.get(attrs.KIND) == attrs.TRANSSHIPMENT]

    def edge_array(edges, key, default, dtype=np.float64):
        return np.array(
            [d.get(key) if d.get(key) is not None else default for _, _, d in edges], dtype=dtype
        ).reshape(len(edges))

    edge_target = np.array([index[v] for _, v, _ in supply_edges], dtype=np.int64)
    unit_cost = edge_array(supply_edges, attrs.UNIT_COST, 0.0)
    primary = np.full(len(node_ids), -1, dtype=np.int64)
    for e in np.argsort(unit_cost, kind="stable")[::-1]:  # cheapest wins (last written)
        primary[edge_target[e]] = e

    edge_keys = tuple((u, v) for u, v, _ in supply_edges)
    lead_time = np.array([delay(u, v, d) for u, v, d in supply_edges], dtype=np.int64).reshape(len(supply_edges))
    start = state_arrays(graph, node_ids, edge_keys, lead_time, node_array(attrs.INITIAL_INVENTORY, 0.0))
    return NetworkArrays(
        name=str(graph.graph.get(attrs.NAME, "network")),
        node_ids=node_ids,
        index=MappingProxyType(index),
        holding_cost=node_array(attrs.HOLDING_COST, 0.0),
        initial_inventory=start.on_hand,
        capacity=node_array(attrs.CAPACITY, np.inf),
        operating_cost=node_array(attrs.OPERATING_COST, 0.0),
        yield_=node_array(attrs.YIELD, 1.0),
        shortage_cost=node_array(attrs.SHORTAGE_COST, 0.0),
        backlog=node_array(attrs.BACKLOG, True, bool),
        price=node_array(attrs.PRICE, 0.0),
        processing_time=node_array(attrs.PROCESSING_TIME, 0, np.int64),
        is_source=is_source,
        unlimited=is_source & external,
        assembly=node_array(attrs.ASSEMBLY, False, bool) & (in_degree > 0),
        echelon=echelon,
        demand_specs=tuple(parse_demand(graph.nodes[n][attrs.DEMAND]) for n in demand_nodes),
        edge_keys=edge_keys,
        edge_source=np.array([index[u] for u, _, _ in supply_edges], dtype=np.int64),
        edge_target=edge_target,
        lead_time=lead_time,
        unit_cost=unit_cost,
        pipeline_holding_cost=edge_array(supply_edges, attrs.PIPELINE_HOLDING_COST, 0.0),
        edge_capacity=edge_array(supply_edges, attrs.EDGE_CAPACITY, np.inf),
        quantity=edge_array(supply_edges, attrs.QUANTITY, 1.0),
        fixed_order_cost=edge_array(supply_edges, attrs.FIXED_ORDER_COST, 0.0),
        lot_size=edge_array(supply_edges, attrs.LOT_SIZE, 0.0),
        edge_backlog=edge_array(supply_edges, attrs.EDGE_BACKLOG, True, bool),
        primary_edge=primary,
        trans_keys=tuple((u, v) for u, v, _ in trans_edges),
        trans_source=np.array([index[u] for u, _, _ in trans_edges], dtype=np.int64),
        trans_target=np.array([index[v] for _, v, _ in trans_edges], dtype=np.int64),
        trans_lead_time=edge_array(trans_edges, attrs.LEAD_TIME, 0, np.int64),
        trans_unit_cost=edge_array(trans_edges, attrs.UNIT_COST, 0.0),
        trans_capacity=edge_array(trans_edges, attrs.EDGE_CAPACITY, np.inf),
        start=start,
    )


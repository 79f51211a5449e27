"""Tests for netinv.network.generators: determinism, validity, file round trips and the structure of each kind."""

from __future__ import annotations

import math
import time

import networkx as nx
import pytest

from netinv import attrs
from netinv.errors import InputError
from netinv.network import load, save, validate
from netinv.network.generators import MIN_NODES, NetworkKind, distribution_network, generate
from netinv.network.validate import supply_subgraph

KINDS = [kind.value for kind in NetworkKind]
# (kind, transshipment): transshipment needs stores that share a supplier.
VARIANTS = [("serial", False), ("assembly", False), ("distribution", True), ("general", True)]
SIZE = 300


def _same_network(a: nx.DiGraph, b: nx.DiGraph) -> None:
    assert a.graph == b.graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(data=True)) == list(b.edges(data=True))


def _is_transshipment(graph: nx.DiGraph, u: str, v: str) -> bool:
    return graph.edges[u, v][attrs.KIND] == attrs.TRANSSHIPMENT


def _served(graph: nx.DiGraph, node: str) -> float:
    """Mean demand ``node`` serves in a network where every node has at most one customer (trees)."""
    supply = supply_subgraph(graph)
    total = 0.0
    for store in nx.descendants(supply, node) | {node}:
        spec = graph.nodes[store].get(attrs.DEMAND)
        if spec is None:
            continue
        path = nx.shortest_path(supply, node, store)
        total += spec["mean"] * math.prod(
            graph.edges[u, v][attrs.QUANTITY] for u, v in nx.utils.pairwise(path)
        )
    return total


# --- determinism ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "transshipment"), VARIANTS)
def test_same_seed_same_network(kind, transshipment):
    _same_network(
        generate(kind, SIZE, 7, transshipment=transshipment),
        generate(kind, SIZE, 7, transshipment=transshipment),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_different_seed_different_network(kind):
    a, b = generate(kind, SIZE, 1), generate(kind, SIZE, 2)
    assert list(a.nodes(data=True)) != list(b.nodes(data=True))


@pytest.mark.parametrize("kind", KINDS)
def test_exact_node_count(kind):
    for nodes in (MIN_NODES[NetworkKind(kind)], MIN_NODES[NetworkKind(kind)] + 1, 57, 1000):
        assert generate(kind, nodes, 0).number_of_nodes() == nodes


# --- validity and files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "transshipment"), VARIANTS)
def test_validates_to_the_same_graph(kind, transshipment):
    graph = generate(kind, SIZE, 3, transshipment=transshipment)
    checked = validate(graph)
    _same_network(graph, checked)
    # Exactly what the loader builds: same keys in the same order, plain Python values.
    for node, data in graph.nodes(data=True):
        assert list(data) == list(checked.nodes[node])
        assert all(type(value) in (int, float, bool, str, dict) for value in data.values()), node
    for u, v, data in graph.edges(data=True):
        assert list(data) == list(checked.edges[u, v])
        assert all(type(value) in (int, float, bool, str) for value in data.values()), (u, v)


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".graphml"])
@pytest.mark.parametrize(("kind", "transshipment"), VARIANTS)
def test_file_round_trip(kind, transshipment, suffix, tmp_path):
    graph = generate(kind, 120, 5, transshipment=transshipment)
    _same_network(graph, load(save(graph, tmp_path / f"network{suffix}")))


# --- structure of each kind -------------------------------------------------------------------------


def test_serial_is_a_path_to_stage_1():
    graph = generate("serial", 12, 0)
    chain = ["supplier_0"] + [f"stage_{k}" for k in range(11, 0, -1)]
    assert list(graph.edges) == list(nx.utils.pairwise(chain))
    assert [n for n, d in graph.nodes(data=attrs.DEMAND) if d is not None] == ["stage_1"]
    assert graph.nodes["supplier_0"][attrs.EXTERNAL_SUPPLY] is True


def test_distribution_is_an_arborescence_with_demand_at_stores():
    graph = generate("distribution", SIZE, 0)
    assert nx.is_arborescence(graph)
    assert [n for n in graph if graph.in_degree(n) == 0] == ["supplier_0"]
    demand = {n for n, d in graph.nodes(data=attrs.DEMAND) if d is not None}
    assert (
        demand
        == {n for n in graph if n.startswith("store_")}
        == {n for n in graph if graph.out_degree(n) == 0}
    )
    plants = [n for n in graph if n.startswith("plant_")]
    dcs = [n for n in graph if n.startswith("dc_")]
    assert len(plants) == 3 and len(dcs) == 30  # one plant per ~100 nodes, DCs ~10%


def test_distribution_network_has_the_requested_counts():
    graph = distribution_network(1, 10, 100, seed=0)
    assert graph.number_of_nodes() == 112
    assert nx.is_arborescence(graph)
    prefixes = [n.rsplit("_", 1)[0] for n in graph]
    assert [prefixes.count(p) for p in ("supplier", "plant", "dc", "store")] == [1, 1, 10, 100]
    assert all(graph.out_degree(n) > 0 for n in graph if not n.startswith("store_"))


def test_assembly_converges_to_one_final_product():
    graph = generate("assembly", SIZE, 0)
    assert nx.is_arborescence(graph.reverse(copy=False))
    sinks = [n for n in graph if graph.out_degree(n) == 0]
    assert sinks == ["final_0"]
    assert [n for n, d in graph.nodes(data=attrs.DEMAND) if d is not None] == ["final_0"]
    for node, assembly in graph.nodes(data=attrs.ASSEMBLY):
        assert assembly == (graph.in_degree(node) > 1), node
    sources = {n for n in graph if graph.in_degree(n) == 0}
    assert sources == {n for n in graph if n.startswith("component_")}
    assert {q for *_, q in graph.edges(data=attrs.QUANTITY)} == {1.0, 2.0, 3.0}


def test_general_is_a_layered_dag_with_multi_sourcing():
    graph = generate("general", SIZE, 0, transshipment=True)
    supply = supply_subgraph(graph)
    assert nx.is_directed_acyclic_graph(supply)
    assert any(supply.in_degree(n) == 2 for n in supply)
    assert max(supply.in_degree(n) for n in supply) == 2
    assert any(supply.out_degree(n) > 1 for n in supply)
    assert not any(assembly for _, assembly in graph.nodes(data=attrs.ASSEMBLY))
    demand = {n for n, d in graph.nodes(data=attrs.DEMAND) if d is not None}
    assert demand == {n for n in graph if n.startswith("store_")}
    assert {n for n in supply if supply.in_degree(n) == 0} == {n for n in graph if n.startswith("supplier_")}


@pytest.mark.parametrize("kind", ["distribution", "general"])
def test_transshipment_links_stores_with_a_common_supplier(kind):
    graph = generate(kind, 500, 4, transshipment=True)
    supply = supply_subgraph(graph)
    lateral = [(u, v) for u, v in graph.edges if _is_transshipment(graph, u, v)]
    assert len(lateral) >= 2
    for u, v in lateral:
        assert u.startswith("store_") and v.startswith("store_")
        assert set(supply.predecessors(u)) & set(supply.predecessors(v)), (u, v)
        assert graph.has_edge(v, u) and _is_transshipment(graph, v, u)
        assert graph.edges[u, v][attrs.LEAD_TIME] in (0, 1)


def test_no_transshipment_unless_asked():
    graph = generate("distribution", SIZE, 0)
    assert all(kind == attrs.SUPPLY for *_, kind in graph.edges(data=attrs.KIND))


# --- documented attribute ranges ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "transshipment"), VARIANTS)
def test_attributes_lie_in_the_documented_ranges(kind, transshipment):
    graph = generate(kind, SIZE, 11, transshipment=transshipment)
    supply = supply_subgraph(graph)
    holding = dict(graph.nodes(data=attrs.HOLDING_COST))
    for u, v in supply.edges:
        assert holding[u] <= holding[v], (u, v)  # holding costs never decrease downstream
        assert graph.edges[u, v][attrs.LEAD_TIME] in range(5)
        assert 0 <= graph.edges[u, v][attrs.PIPELINE_HOLDING_COST] <= holding[u]
    for node, data in graph.nodes(data=True):
        if supply.in_degree(node) == 0:
            assert data[attrs.EXTERNAL_SUPPLY] is True and holding[node] == 0.0
            continue
        spec = data.get(attrs.DEMAND)
        if spec is None:
            assert 0.1 <= holding[node] <= 1.5, node
            assert attrs.SHORTAGE_COST not in data and data[attrs.PRICE] == 0.0
            continue
        assert 1.0 <= holding[node] <= 3.0, node
        assert 5 - 1e-3 <= data[attrs.SHORTAGE_COST] / holding[node] <= 20 + 1e-3, node
        assert data[attrs.PRICE] > max(
            graph.edges[u, node][attrs.UNIT_COST] for u in supply.predecessors(node)
        )
        assert data[attrs.BACKLOG] is True
        assert spec["distribution"] in ("normal", "poisson")
        assert 5 <= spec["mean"] <= 50
        if spec["distribution"] == "normal":
            assert 0.1 - 1e-2 <= spec["std"] / spec["mean"] <= 0.4 + 1e-2


@pytest.mark.parametrize("kind", ["distribution", "assembly", "serial"])
def test_capacity_and_initial_inventory_follow_the_demand_served(kind):
    # Cross-check against demand summed along tree paths, independently of the generator's pass.
    graph = generate(kind, 150, 2)
    supply = supply_subgraph(graph)
    for node, data in graph.nodes(data=True):
        if supply.in_degree(node) == 0:
            assert data[attrs.INITIAL_INVENTORY] == 0.0
            continue
        served = _served(graph, node)
        assert 1.5 * served - 0.5 <= data[attrs.INITIAL_INVENTORY] <= 2.5 * served + 0.5, node
        fed_by_sources = all(supply.in_degree(u) == 0 for u in supply.predecessors(node))
        assert (attrs.CAPACITY in data) == fed_by_sources, node
        if fed_by_sources:
            assert 1.4 * served - 0.5 <= data[attrs.CAPACITY] <= 1.6 * served + 0.5, node


# --- errors -----------------------------------------------------------------------------------------


def test_unknown_kind_names_the_closest():
    with pytest.raises(InputError, match="unknown network kind 'serail'.*did you mean 'serial'"):
        generate("serail", 10, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_too_few_nodes(kind):
    minimum = MIN_NODES[NetworkKind(kind)]
    with pytest.raises(InputError, match=f"nodes >= {minimum}, got {minimum - 1}"):
        generate(kind, minimum - 1, 0)


@pytest.mark.parametrize("kind", ["serial", "assembly"])
def test_transshipment_needs_peer_stores(kind):
    with pytest.raises(InputError, match="transshipment"):
        generate(kind, 10, 0, transshipment=True)


def test_distribution_network_needs_a_customer_for_every_node():
    with pytest.raises(InputError, match="dcs >= 2, got 1"):
        distribution_network(2, 1, 10, seed=0)
    with pytest.raises(InputError, match="stores >= 10, got 5"):
        distribution_network(1, 10, 5, seed=0)
    with pytest.raises(InputError, match="must be an integer"):
        distribution_network(1, 10.0, 100, seed=0)


# --- scale ------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "transshipment"), VARIANTS)
def test_hundred_thousand_nodes(kind, transshipment):
    start = time.perf_counter()
    graph = generate(kind, 100_000, 0, transshipment=transshipment)
    elapsed = time.perf_counter() - start
    assert graph.number_of_nodes() == 100_000
    assert nx.is_directed_acyclic_graph(supply_subgraph(graph))
    assert elapsed < 60  # about 1 s on a laptop; a generous bound that still catches quadratic work

"""Tests for netinv.network.generators: determinism, validity, file round trips and the structure of each kind."""

from __future__ import annotations

import json
import math
import time

import networkx as nx
import pytest

from netinv import attrs
from netinv.errors import InputError
from netinv.network import load, save, validate
from netinv.network.compile import compile_network
from netinv.network.generators import (
    MIN_NODES,
    NetworkKind,
    distribution_network,
    generate,
    planner_like_network,
)
from netinv.network.validate import supply_subgraph
from netinv.policies.checks import check_policy
from tests.cli.conftest import run
from tests.conftest import SCENARIOS
from tests.policies.test_checks import POLICIES

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


# --- planner-like family ----------------------------------------------------------------------------

PLANNER_SEEDS = range(20)


def _role_nodes(graph: nx.DiGraph, role: str) -> list[str]:
    return [n for n in graph if n.startswith(f"{role}_")]


def _primary(graph: nx.DiGraph, dc: str) -> str:
    """A DC's primary plant: its cheaper supplier."""
    return min(graph.predecessors(dc), key=lambda u: graph.edges[u, dc][attrs.UNIT_COST])


def _mean(spec: dict) -> float:
    return spec["mean"] if "mean" in spec else sum(spec["values"]) / len(spec["values"])


def test_planner_same_seed_same_document_and_seeds_differ(tmp_path):
    a, b = planner_like_network(5), planner_like_network(5)
    _same_network(a, b)
    assert save(a, tmp_path / "a.yaml").read_text() == save(b, tmp_path / "b.yaml").read_text()
    assert list(planner_like_network(6).nodes(data=True)) != list(a.nodes(data=True))


@pytest.mark.parametrize("seed", PLANNER_SEEDS)
def test_planner_validates_to_the_same_graph(seed):
    graph = planner_like_network(seed)
    checked = validate(graph)
    _same_network(graph, checked)
    for node, data in graph.nodes(data=True):
        assert list(data) == list(checked.nodes[node])
    for u, v, data in graph.edges(data=True):
        assert list(data) == list(checked.edges[u, v])


@pytest.mark.parametrize("seed", PLANNER_SEEDS)
def test_planner_structure(seed):
    graph = planner_like_network(seed)
    supply = supply_subgraph(graph)
    plants, dcs, stores = (_role_nodes(graph, role) for role in ("plant", "dc", "store"))
    assert _role_nodes(graph, "supplier") == ["supplier_0"]
    assert 1 <= len(plants) <= 3 and 2 <= len(dcs) <= 6 and 8 <= len(stores) <= 60
    assert graph.number_of_nodes() == 1 + len(plants) + len(dcs) + len(stores)
    # Echelons: supplier_0 -> every plant -> DCs (one or two plants) -> stores (one DC each).
    assert set(supply.successors("supplier_0")) == set(plants)
    for plant in plants:
        assert list(supply.predecessors(plant)) == ["supplier_0"]
        assert supply.out_degree(plant) >= 1 and set(supply.successors(plant)) <= set(dcs)
        assert 4 <= graph.edges["supplier_0", plant][attrs.LEAD_TIME] <= 8
    for dc in dcs:
        suppliers = list(supply.predecessors(dc))
        assert set(suppliers) <= set(plants) and 1 <= len(suppliers) <= 2
        assert supply.out_degree(dc) >= 1 and set(supply.successors(dc)) <= set(stores)
        primary = graph.edges[_primary(graph, dc), dc]
        assert primary[attrs.LEAD_TIME] in (1, 2)
        for other in set(suppliers) - {_primary(graph, dc)}:  # slower and dearer
            assert primary[attrs.LEAD_TIME] + 1 <= graph.edges[other, dc][attrs.LEAD_TIME] <= primary[attrs.LEAD_TIME] + 2
            assert graph.edges[other, dc][attrs.UNIT_COST] > primary[attrs.UNIT_COST]
    for store in stores:
        (dc,) = supply.predecessors(store)
        assert dc in dcs and graph.edges[dc, store][attrs.LEAD_TIME] in (1, 2)
        assert supply.out_degree(store) == 0
    if len(plants) > 1:
        assert any(supply.in_degree(dc) == 2 for dc in dcs)
    demand = {n for n, d in graph.nodes(data=attrs.DEMAND) if d is not None}
    assert demand == set(stores)


@pytest.mark.parametrize("seed", PLANNER_SEEDS)
def test_planner_costs_demand_and_stock(seed):
    graph = planner_like_network(seed)
    supply = supply_subgraph(graph)
    holding = dict(graph.nodes(data=attrs.HOLDING_COST))
    for u, v in supply.edges:
        if u != "supplier_0":
            assert holding[u] < holding[v], (u, v)  # plant < DC < store
    served: dict[str, float] = {}
    backlog, kinds = set(), set()
    for store in _role_nodes(graph, "store"):
        data = graph.nodes[store]
        h, p, spec = data[attrs.HOLDING_COST], data[attrs.SHORTAGE_COST], data[attrs.DEMAND]
        assert 2 - 1e-3 <= p / h <= 10 + 1e-3 and p > h
        (dc,) = supply.predecessors(store)
        assert data[attrs.PRICE] > graph.edges[dc, store][attrs.UNIT_COST]
        # 20-30% a year of the store's value (what it pays), per week
        assert 0.20 / 52 - 1e-3 <= h / graph.edges[dc, store][attrs.UNIT_COST] <= 0.30 / 52 + 1e-3
        assert 0.90 <= data[attrs.SERVICE_LEVEL] <= 0.98
        assert data[attrs.BACKLOG] is (int(store.split("_")[1]) % 2 == 0)
        backlog.add(data[attrs.BACKLOG])
        kinds.add(spec["distribution"])
        if spec["distribution"] == "normal":
            assert 0.2 - 1e-2 <= spec["std"] / spec["mean"] <= 0.6 + 1e-2
        if spec["distribution"] == "series":
            assert len(spec["values"]) == 52
        served[store] = _mean(spec)
        lead = graph.edges[dc, store][attrs.LEAD_TIME]
        assert data[attrs.INITIAL_INVENTORY] >= served[store] * (lead + 1) - 0.5
    assert backlog == {True, False} and "series" in kinds
    for dc in _role_nodes(graph, "dc"):
        served[dc] = sum(served[s] for s in supply.successors(dc))
    for plant in _role_nodes(graph, "plant"):
        data = graph.nodes[plant]
        mean = sum(served[dc] for dc in supply.successors(plant) if _primary(graph, dc) == plant)
        assert 1.1 * mean - 0.5 <= data[attrs.CAPACITY] <= 1.6 * mean + 0.5, plant
        assert data[attrs.OPERATING_COST] > 0
        lead = graph.edges["supplier_0", plant][attrs.LEAD_TIME]
        assert data[attrs.INITIAL_INVENTORY] >= mean * (lead + 1) - 0.5
    assert all(attrs.CAPACITY not in graph.nodes[n] for n in graph if not n.startswith("plant_"))


@pytest.mark.parametrize("seed", PLANNER_SEEDS)
def test_planner_transshipment_between_neighbours_both_ways(seed):
    graph = planner_like_network(seed)
    supply = supply_subgraph(graph)
    lateral = [(u, v) for u, v in graph.edges if _is_transshipment(graph, u, v)]
    assert lateral
    for u, v in lateral:
        assert graph.has_edge(v, u) and _is_transshipment(graph, v, u)
        assert list(supply.predecessors(u)) == list(supply.predecessors(v))  # same DC
        assert abs(int(u.split("_")[1]) - int(v.split("_")[1])) == 1
        for end in (u, v):
            data = graph.nodes[end]
            assert 0 < graph.edges[u, v][attrs.UNIT_COST] < data[attrs.HOLDING_COST] + data[attrs.SHORTAGE_COST]
    assert not any(_is_transshipment(graph, u, v) for u, v in planner_like_network(seed, transshipment=False).edges)


def test_planner_sizes():
    for stores in (2, 8, 30, 60, 200):
        graph = planner_like_network(3, stores=stores)
        assert len(_role_nodes(graph, "store")) == stores
    for nodes in (6, 7, 12, 31, 57, 1000):
        graph = generate("planner", nodes, 2, transshipment=True)
        assert graph.number_of_nodes() == nodes
        validate(graph)
    with pytest.raises(InputError, match="stores >= 2, got 1"):
        planner_like_network(0, stores=1)


@pytest.mark.parametrize("seed", [0, 1])
def test_planner_runs_every_built_in_policy(seed):
    arrays = compile_network(planner_like_network(seed, stores=10))
    for name in sorted(POLICIES):
        check_policy(POLICIES[name](arrays), arrays)


@pytest.mark.parametrize(("policy", "levels"), [("base-stock", "auto"), ("echelon-base-stock", "file"),
                                               ("mpc-deterministic", None)])
def test_planner_simulates_through_the_cli(policy, levels, tmp_path, monkeypatch, capsys):
    path = tmp_path / "planner.yaml"
    code, out, err = run(["generate", "--kind", "planner", "--nodes", "14", "--seed", "3", "--transshipment",
                          "-o", path], monkeypatch, capsys)
    assert code == 0, err
    args = ["simulate", path, "--policy", policy, "--periods", "12", "--paths", "5", "--json"]
    if levels == "file":  # a level of 100 at every ordering node
        graph = load(path)
        levels_path = tmp_path / "levels.json"
        levels_path.write_text(json.dumps({n: 100.0 for n in graph if not n.startswith("supplier_")}))
        args += ["--levels", levels_path]
    elif levels is None:
        args += ["--horizon", "4"]
    code, out, err = run(args, monkeypatch, capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["policy"] == policy and result["paths"] == 5
    assert math.isfinite(result["mean_cost"]) and result["mean_cost"] > 0


def test_bundled_planner_scenario_is_the_documented_command():
    # scenarios/README.md: netinv generate --kind planner --nodes 30 --seed 1 --transshipment
    bundled, made = load(SCENARIOS / "planner_weekly.yaml"), generate("planner", 30, 1, transshipment=True)
    assert bundled.graph[attrs.NAME] == "planner_weekly" and "--kind planner" in bundled.graph[attrs.SOURCE]
    assert list(bundled.nodes(data=True)) == list(made.nodes(data=True))
    assert list(bundled.edges(data=True)) == list(made.edges(data=True))

"""Tests for netinv.network.generators.perez_like_network: determinism, validity, structure, ranges, and
that the family covers the published network it is modelled on (Perez et al. 2021)."""

from __future__ import annotations

import networkx as nx
import pytest

from netinv import attrs
from netinv.errors import InputError
from netinv.network import load, validate
from netinv.network.compile import compile_network
from netinv.network.generators import perez_like_network
from netinv.network.validate import supply_subgraph

from .test_generators import _same_network

SEEDS = range(1000, 1040)  # training seeds (>= 1000), as fine-tuning draws them
PEREZ = "scenarios/perez2021_network.yaml"


def _role(node: str) -> str:
    return node.split("_")[0]


def _ratios(graph: nx.DiGraph) -> dict[str, list[float]]:
    """Cost ratios to the stores' price [P], by what they are on (the family's documented ranges)."""
    stores = [n for n, d in graph.nodes(data=True) if d.get(attrs.DEMAND) is not None]
    price = graph.nodes[stores[0]][attrs.PRICE]
    out: dict[str, list[float]] = {"shortage": [], "store holding": [], "plant holding": [], "operating": [],
                                   "raw material": []}
    for node, data in graph.nodes(data=True):
        if node in stores:
            out["shortage"].append(data[attrs.SHORTAGE_COST] / price)
            out["store holding"].append(data[attrs.HOLDING_COST] / price)
        elif data.get(attrs.CAPACITY) is not None:
            out["plant holding"].append(data[attrs.HOLDING_COST] / price)
            out["operating"].append(data[attrs.OPERATING_COST] / price)
    for u, _, data in graph.edges(data=True):
        if graph.nodes[u].get(attrs.EXTERNAL_SUPPLY):
            out["raw material"].append(data[attrs.UNIT_COST] / price)
    return out


RANGES = {"shortage": (0.02, 0.1), "store holding": (0.01, 0.02), "plant holding": (0.004, 0.008),
          "operating": (0.003, 0.01), "raw material": (0.02, 0.1)}


def test_same_seed_same_network_and_seeds_differ():
    _same_network(perez_like_network(1234), perez_like_network(1234))
    assert list(perez_like_network(1000).nodes(data=True)) != list(perez_like_network(1001).nodes(data=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_valid_and_as_the_loader_builds_it(seed):
    graph = perez_like_network(seed)
    _same_network(graph, validate(graph))
    arrays = compile_network(graph)
    assert arrays.num_nodes == graph.number_of_nodes()


@pytest.mark.parametrize("seed", SEEDS)
def test_structure_sources_plants_dcs_stores(seed):
    graph = perez_like_network(seed)
    supply = supply_subgraph(graph)
    assert nx.is_directed_acyclic_graph(supply)
    order = {node: k for k, node in enumerate(graph)}
    assert all(order[u] < order[v] for u, v in graph.edges)  # suppliers before their customers
    above = {"plant": "supplier", "dc": "plant", "store": "dc"}
    counts = {role: sum(_role(n) == role for n in graph) for role in ("supplier", "plant", "dc", "store")}
    assert 1 <= counts["supplier"] <= 3 and 2 <= counts["plant"] <= 4
    assert 1 <= counts["dc"] <= 3 and 1 <= counts["store"] <= 2
    for node, data in graph.nodes(data=True):
        role = _role(node)
        suppliers = list(graph.predecessors(node))
        if role == "supplier":
            assert data[attrs.EXTERNAL_SUPPLY] and not suppliers
        else:
            assert 1 <= len(suppliers) <= counts[above[role]] and {_role(u) for u in suppliers} == {above[role]}
        if role != "store":
            assert list(graph.successors(node)), f"{node} has no customer"
            assert data.get(attrs.DEMAND) is None
        else:
            assert data[attrs.DEMAND]["mean"] > 0 and data[attrs.PRICE] > 0
        assert (data.get(attrs.CAPACITY) is not None) == (role == "plant")
    leads = {"plant": (0, 2), "dc": (6, 12), "store": (2, 6)}
    for _, v, data in graph.edges(data=True):
        low, high = leads[_role(v)]
        assert low <= data[attrs.LEAD_TIME] <= high


def test_cost_ratios_within_the_documented_ranges():
    for seed in SEEDS:
        for name, values in _ratios(perez_like_network(seed)).items():
            low, high = RANGES[name]
            # costs are rounded to 6 decimals of a price of 0.15 or more
            assert all(low - 1e-4 <= value <= high + 1e-4 for value in values), (seed, name, values)


def test_the_published_network_lies_in_the_family():
    """The ratios of Perez et al.'s network (price 2, shortage 0.1, ...) are inside the family's ranges."""
    graph = load(PEREZ)
    graph = nx.relabel_nodes(graph, {"1": "store_0", "2": "dc_0", "3": "dc_1", "4": "plant_0", "5": "plant_1",
                                     "6": "plant_2", "7": "supplier_0", "8": "supplier_1"})
    for name, values in _ratios(graph).items():
        low, high = RANGES[name]
        assert values and all(low <= value <= high for value in values), (name, values)


def test_bad_seed_is_one_clear_error():
    with pytest.raises(InputError, match="seed must be an integer"):
        perez_like_network("7")

"""The bundled scenario library: every file loads, the promised published answers are recorded, and the
structural facts (and a few cheap consistency checks of the transcribed data) hold."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import networkx as nx
import pytest
from scipy import stats

from netinv import attrs
from netinv.network import load
from netinv.network.validate import supply_subgraph

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
YAML_FILES = sorted(SCENARIOS.glob("*.yaml"))

# scenario name -> keys its `known` block must have
KNOWN_KEYS = {
    "clark_scarf_ss61": {"echelon_base_stock_levels", "expected_cost", "textbook_lead_times"},
    "newsvendor_normal": {"base_stock_level", "expected_cost"},
    "newsvendor_poisson": {"base_stock_level", "expected_cost"},
    "gsm_ss_example_6_5": {"optimal_outbound_service_times", "optimal_cost"},
    "gsm_camera_fig_6_14": {"optimal_outbound_service_times", "optimal_cost"},
    "perez2021_network": {"published_mean_profit", "horizon", "demand_paths", "published_profits"},
}
EXPECTED_FILES = set(KNOWN_KEYS) | {"retail_network"}


def _load(name: str) -> nx.DiGraph:
    return load(SCENARIOS / f"{name}.yaml")


# --------------------------------------------------------------------------------------------------
# the library as a whole


def test_library_is_complete():
    assert {p.stem for p in YAML_FILES} >= EXPECTED_FILES
    assert (SCENARIOS / "README.md").is_file()


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.stem)
def test_every_scenario_loads(path):
    graph = load(path)
    assert graph.graph[attrs.NAME] == path.stem
    assert graph.number_of_nodes() >= 2
    assert graph.graph.get(attrs.SOURCE), "every bundled scenario cites its source"
    assert any(d.get(attrs.DEMAND) for _, d in graph.nodes(data=True)), "at least one demand node"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.stem)
def test_readme_mentions_every_scenario(path):
    assert f"`{path.name}`" in (SCENARIOS / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(KNOWN_KEYS))
def test_known_blocks(name):
    known = _load(name).graph.get(attrs.KNOWN)
    assert isinstance(known, dict)
    missing = KNOWN_KEYS[name] - set(known)
    assert not missing, f"{name}: known block lacks {sorted(missing)}"


# --------------------------------------------------------------------------------------------------
# Clark-Scarf serial system (S&S Example 6.1)


def test_clark_scarf_is_serial():
    g = _load("clark_scarf_ss61")
    assert g.number_of_nodes() == 4
    order = list(nx.topological_sort(g))
    assert order == ["supplier", "stage3", "stage2", "stage1"]
    assert nx.is_isomorphic(g.to_undirected(), nx.path_graph(4))
    assert all(g.in_degree(n) <= 1 and g.out_degree(n) <= 1 for n in g)
    known = g.graph[attrs.KNOWN]
    # netinv lead_time = textbook L - 1 on the edge into each stage
    for u, v in g.edges:
        assert g.edges[u, v][attrs.LEAD_TIME] == known["textbook_lead_times"][v] - 1
    assert g.nodes["stage1"][attrs.DEMAND] == {"distribution": "normal", "mean": 5.0, "std": 1.0}
    assert g.nodes["stage1"][attrs.SHORTAGE_COST] == pytest.approx(37.12)
    assert [g.nodes[s][attrs.HOLDING_COST] for s in ("stage1", "stage2", "stage3")] == [7.0, 4.0, 2.0]
    levels = known["echelon_base_stock_levels"]
    assert levels == {"stage1": 6.49, "stage2": 12.02, "stage3": 22.71}
    local = known["local_base_stock_levels"]
    assert levels["stage2"] == pytest.approx(local["stage1"] + local["stage2"])
    assert levels["stage3"] == pytest.approx(local["stage1"] + local["stage2"] + local["stage3"])
    assert known["expected_cost"] == pytest.approx(47.66)


# --------------------------------------------------------------------------------------------------
# newsvendors: the recorded answer is the critical-fractile solution of the file's own data


@pytest.mark.parametrize("name", ["newsvendor_normal", "newsvendor_poisson"])
def test_newsvendor_known_answer_matches_data(name):
    g = _load(name)
    store = g.nodes["store"]
    h, p = store[attrs.HOLDING_COST], store[attrs.SHORTAGE_COST]
    assert g.edges["supplier", "store"][attrs.LEAD_TIME] == 0
    spec = store[attrs.DEMAND]
    known = g.graph[attrs.KNOWN]
    ratio = p / (p + h)
    if spec["distribution"] == "normal":
        dist = stats.norm(spec["mean"], spec["std"])
        level = dist.ppf(ratio)
        z = (level - spec["mean"]) / spec["std"]
        loss = stats.norm.pdf(z) - z * stats.norm.sf(z)
        cost = h * (level - spec["mean"]) + (h + p) * spec["std"] * loss
        assert known["base_stock_level"] == pytest.approx(level, abs=1e-3)
    else:
        dist = stats.poisson(spec["mean"])
        level = int(dist.ppf(ratio))
        xs = range(0, 400)
        cost = sum(dist.pmf(x) * (h * max(level - x, 0) + p * max(x - level, 0)) for x in xs)
        assert known["base_stock_level"] == level
    assert known["expected_cost"] == pytest.approx(cost, abs=1e-4)


# --------------------------------------------------------------------------------------------------
# guaranteed-service instances: the published optimum is feasible and its cost recomputes from the data


def _gsm_cost(g: nx.DiGraph, outbound: dict[str, int]) -> float:
    supply = supply_subgraph(g)
    sources = {n for n in g if supply.in_degree(n) == 0}
    stages = [n for n in nx.topological_sort(supply) if n not in sources]
    assert set(outbound) == set(stages)
    z = {n: stats.norm.ppf(g.nodes[n][attrs.SERVICE_LEVEL]) for n in stages}
    total = 0.0
    for n in stages:
        data = g.nodes[n]
        served = [m for m in ({n} | nx.descendants(supply, n)) if g.nodes[m].get(attrs.DEMAND)]
        sigma = math.sqrt(sum(g.nodes[m][attrs.DEMAND]["std"] ** 2 for m in served))
        inbound = max(
            (outbound.get(u, 0) + supply.edges[u, n][attrs.LEAD_TIME] for u in supply.predecessors(n)),
            default=0,
        )
        s = outbound[n]
        if data.get(attrs.MAX_SERVICE_TIME) is not None:
            assert s <= data[attrs.MAX_SERVICE_TIME], f"{n}: service time above the promised maximum"
        net = inbound + data[attrs.PROCESSING_TIME] - s
        assert net >= 0, f"{n}: outbound service time exceeds inbound + processing time"
        total += data[attrs.HOLDING_COST] * z[n] * sigma * math.sqrt(net)
    return total


@pytest.mark.parametrize("name", ["gsm_ss_example_6_5", "gsm_camera_fig_6_14"])
def test_gsm_published_optimum_recomputes(name):
    g = _load(name)
    known = g.graph[attrs.KNOWN]
    assert _gsm_cost(g, known["optimal_outbound_service_times"]) == pytest.approx(
        known["optimal_cost"], rel=1e-9
    )
    for _, data in g.nodes(data=True):
        if data.get(attrs.DEMAND):
            assert data.get(attrs.MAX_SERVICE_TIME) is not None
            assert data[attrs.DEMAND]["distribution"] == "normal"


def test_gsm_example_6_5_structure():
    g = _load("gsm_ss_example_6_5")
    assert set(g.edges) == {
        ("supplier", "stage1"),
        ("stage1", "stage3"),
        ("stage3", "stage2"),
        ("stage3", "stage4"),
    }
    assert g.graph[attrs.KNOWN]["optimal_cost"] == pytest.approx(3 + 2 * math.sqrt(2) + math.sqrt(6))
    assert [g.nodes[f"stage{i}"][attrs.PROCESSING_TIME] for i in (1, 2, 3, 4)] == [2, 1, 1, 1]
    assert [g.nodes[f"stage{i}"][attrs.HOLDING_COST] for i in (1, 2, 3, 4)] == [1.0, 3.0, 2.0, 3.0]


def test_gsm_camera_variants_recompute():
    g = _load("gsm_camera_fig_6_14")
    assert g.number_of_nodes() == 11  # 10 stages + the external supplier
    assert nx.is_tree(g.subgraph(n for n in g if n != "supplier").to_undirected())
    assert g.nodes["build_test_pack"][attrs.ASSEMBLY] and g.nodes["imager_assembly"][attrs.ASSEMBLY]
    for variant in g.graph[attrs.KNOWN]["variants"].values():
        h = g.copy()
        h.nodes["build_test_pack"][attrs.MAX_SERVICE_TIME] = variant["optimal_outbound_service_times"][
            "build_test_pack"
        ]
        assert _gsm_cost(h, variant["optimal_outbound_service_times"]) == pytest.approx(
            variant["optimal_cost"], rel=1e-9
        )


# --------------------------------------------------------------------------------------------------
# Perez et al. (2021) 9-node network

PEREZ_EDGES = {  # (supplier, customer): (lead time, unit price, pipeline holding cost)
    ("2", "1"): (5, 1.500, 0.010),
    ("3", "1"): (3, 1.600, 0.015),
    ("4", "2"): (8, 1.000, 0.008),
    ("4", "3"): (10, 0.800, 0.006),
    ("5", "2"): (9, 0.700, 0.005),
    ("6", "2"): (11, 0.750, 0.007),
    ("6", "3"): (12, 0.800, 0.004),
    ("7", "4"): (0, 0.150, 0.000),
    ("7", "5"): (1, 0.050, 0.005),
    ("8", "5"): (2, 0.070, 0.002),
    ("8", "6"): (0, 0.200, 0.000),
}


def test_perez_structure():
    g = _load("perez2021_network")
    assert set(g.nodes) == {str(i) for i in range(1, 9)}
    supply = [(u, v) for u, v, k in g.edges(data=attrs.KIND) if k == attrs.SUPPLY]
    assert len(supply) == 11 and set(supply) == set(PEREZ_EDGES)
    for (u, v), (lead, price, pipe) in PEREZ_EDGES.items():
        e = g.edges[u, v]
        assert (e[attrs.LEAD_TIME], e[attrs.UNIT_COST], e[attrs.PIPELINE_HOLDING_COST]) == (lead, price, pipe)
    retailer = g.nodes["1"]
    assert retailer[attrs.DEMAND] == {"distribution": "poisson", "mean": 20.0}
    assert (retailer[attrs.PRICE], retailer[attrs.SHORTAGE_COST], retailer[attrs.BACKLOG]) == (2.0, 0.1, True)
    assert [n for n, d in g.nodes(data=True) if d.get(attrs.DEMAND)] == ["1"]
    assert {n for n in g if g.in_degree(n) == 0} == {"7", "8"}
    caps = {n: g.nodes[n].get(attrs.CAPACITY) for n in ("4", "5", "6")}
    assert caps == {"4": 90.0, "5": 90.0, "6": 80.0}
    assert [g.nodes[n][attrs.INITIAL_INVENTORY] for n in "123456"] == [100, 110, 80, 400, 350, 380]


def test_perez_published_data_files():
    g = _load("perez2021_network")
    known = g.graph[attrs.KNOWN]
    with open(SCENARIOS / known["demand_paths"], newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["path"] + [f"t{t}" for t in range(known["horizon"])]
    assert len(rows) == 101 and all(len(r) == 31 for r in rows)
    demand = [float(x) for r in rows[1:] for x in r[1:]]
    assert min(demand) >= 0 and sum(demand) / len(demand) == pytest.approx(20.0, abs=0.5)
    with open(SCENARIOS / known["published_profits"], newline="") as fh:
        profits = list(csv.DictReader(fh))
    assert len(profits) == 100
    columns = {
        "oracle": "oracle",
        "deterministic_shrinking": "deterministic_shrinking_horizon",
        "stochastic_shrinking": "stochastic_shrinking_horizon",
        "deterministic_rolling10": "deterministic_rolling_10",
        "stochastic_rolling10": "stochastic_rolling_10",
    }
    for column, key in columns.items():
        mean = sum(float(r[column]) for r in profits) / len(profits)
        assert mean == pytest.approx(known["published_mean_profit"][key], abs=0.05)


# --------------------------------------------------------------------------------------------------
# the demo network


def test_retail_network_structure():
    g = _load("retail_network")
    kinds = nx.get_edge_attributes(g, attrs.KIND)
    trans = [e for e, k in kinds.items() if k == attrs.TRANSSHIPMENT]
    assert len(trans) == 2
    stores = [n for n, d in g.nodes(data=True) if d.get(attrs.DEMAND)]
    assert len(stores) == 6
    assert all(u in stores and v in stores for u, v in trans)
    assert {g.nodes[s][attrs.DEMAND]["distribution"] for s in stores} == {"normal", "poisson"}
    means = [g.nodes[s][attrs.DEMAND]["mean"] for s in stores]
    assert 8 <= min(means) and max(means) <= 40
    supply = supply_subgraph(g)
    sources = [n for n in g if supply.in_degree(n) == 0]
    assert sources == ["supplier"] and g.nodes["supplier"][attrs.HOLDING_COST] == 0
    assert g.nodes["plant"][attrs.CAPACITY] == 400
    # value added: holding cost never falls along a supply edge out of a stocking node
    for u, v in supply.edges:
        if u not in sources:
            assert g.nodes[v][attrs.HOLDING_COST] >= g.nodes[u][attrs.HOLDING_COST]
    for s in stores:
        ratio = g.nodes[s][attrs.SHORTAGE_COST] / g.nodes[s][attrs.HOLDING_COST]
        assert 10 <= ratio <= 20
        assert g.nodes[s][attrs.PRICE] > 0
    assert all(1 <= supply.edges[e][attrs.LEAD_TIME] <= 3 for e in supply.edges)

"""netinv's one timing convention (netinv/timing.py), crossed between the models that read it.

The promise: levels recommended by the guaranteed-service model, simulated by the simulator, deliver
the service the model promised, on generated networks of every kind; a hand-computed line shows the
exact period in which an order meets demand, in the simulator, the GSM and Clark–Scarf alike.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from netinv import attrs, timing
from netinv.analytic.clark_scarf import clark_scarf, clark_scarf_levels
from netinv.gsm.instance import gsm_instance
from netinv.gsm.solve import solve_gsm
from netinv.network import load
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.network.validate import document_to_graph
from netinv.policies.basestock import InstallationBaseStock
from netinv.sim.simulator import SimConfig, simulate


def test_the_convention_in_numbers():
    assert timing.arrival_delay(2, 1) == 3
    assert timing.cover_periods(3) == 4  # an order placed in t meets demand in t+3: it covers t..t+3
    assert timing.gsm_stage_time(1) == 2  # processing time + the review period
    assert timing.textbook_lead_time(0) == 1  # a textbook serial lead time L is netinv lead_time L - 1
    # published stage times read as they are by GSM; by the periodic models as L + T - 1 (at least 0)
    assert timing.gsm_stage_time(3, timing.TEXTBOOK) == 3
    assert timing.arrival_delay(0, 3, timing.TEXTBOOK) == 2
    assert timing.arrival_delay(1, 0, timing.TEXTBOOK) == 0
    assert timing.arrival_delay(0, 0, timing.TEXTBOOK) == 0


def _line(lead_time: int, processing_time: int, demand: float) -> nx.DiGraph:
    return document_to_graph({
        "name": "line",
        "nodes": [
            {"id": "supplier"},
            {"id": "dc", "holding_cost": 1.0, "processing_time": processing_time},
            {"id": "store", "holding_cost": 2.0, "demand": {"distribution": "normal", "mean": demand, "std": 1.0},
             "shortage_cost": 20.0, "service_level": 0.95},
        ],
        "edges": [
            {"source": "supplier", "target": "dc", "lead_time": lead_time},
            {"source": "dc", "target": "store", "lead_time": 1},
        ],
    })


@pytest.mark.parametrize(("lead_time", "processing_time"), [(0, 0), (2, 1), (3, 0)])
def test_a_hand_computed_line_in_every_model(lead_time, processing_time):
    """Constant demand d: the store's stock covers 2 periods (lead time 1 + the review period), the DC's
    lead time + processing time + 1. Levels of exactly d x cover never run out; one unit less does."""
    d = 10.0
    graph = _line(lead_time, processing_time, d)
    dc_cover = lead_time + processing_time + 1
    # GSM: tau = SI + T - S with T = processing time + 1 (both quote S = 0 here: nothing to gain upstream)
    instance = gsm_instance(graph)
    stages = dict(zip(instance.stages, instance.processing_time, strict=True))
    assert stages == {"dc": processing_time + 1, "store": 1}
    assert instance.inbound_lower_bound[instance.stages.index("dc")] == lead_time
    # Clark–Scarf reads the same line as textbook stage lead times (store 2, DC lead + processing + 1)
    leads = [2, dc_cover]
    cs_graph = clark_scarf_levels(graph)
    textbook = clark_scarf([2.0, 1.0], leads, 20.0, d, 1.0)
    assert cs_graph.echelon_levels["store"] == pytest.approx(textbook.echelon_levels[0])
    assert cs_graph.echelon_levels["dc"] == pytest.approx(textbook.echelon_levels[1])
    # the simulator: base-stock levels of d x cover never run out on constant demand (after the start-up)
    arrays = compile_network(graph)
    demand = np.full((80, 1, 1), d)
    exact = {"dc": d * dc_cover, "store": d * 2}
    config = SimConfig(periods=80, paths=1, seed=0, warmup=30)
    enough = simulate(arrays, InstallationBaseStock(exact), config, demand=demand)
    assert enough.nodes["store"]["cycle_service_level"] == 1.0
    short = simulate(arrays, InstallationBaseStock({"dc": exact["dc"] - 1, "store": exact["store"]}), config,
                     demand=demand)
    assert short.nodes["store"]["cycle_service_level"] < 1.0
    short = simulate(arrays, InstallationBaseStock({"dc": exact["dc"], "store": exact["store"] - 1}), config,
                     demand=demand)
    assert short.nodes["store"]["cycle_service_level"] < 1.0


def with_service_levels(graph: nx.DiGraph, seed: int, distribution: str) -> nx.DiGraph:
    """Service levels 0.90 / 0.95 / 0.98 at demand nodes, lead times 0-6, processing times 0-2, backorders,
    no capacities (the guaranteed-service model has none); benchmarks/bench_gsm_service.py uses it too."""
    rng = np.random.default_rng(seed)
    for node, data in graph.nodes(data=True):
        data.pop(attrs.CAPACITY, None)
        if graph.in_degree(node):
            data[attrs.PROCESSING_TIME] = int(rng.integers(0, 3))
        if data.get(attrs.DEMAND) is not None:
            mean = float(rng.uniform(5, 40))
            data[attrs.DEMAND] = ({"distribution": "normal", "mean": mean, "std": mean * float(rng.uniform(0.2, 0.4))}
                                  if distribution == "normal" else {"distribution": "poisson", "mean": mean})
            data[attrs.SERVICE_LEVEL] = float(rng.choice([0.90, 0.95, 0.98]))
            data[attrs.BACKLOG] = True
            data.pop(attrs.MAX_SERVICE_TIME, None)
    for _, _, data in graph.edges(data=True):
        data.pop(attrs.EDGE_CAPACITY, None)
        if data.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY:
            data[attrs.LEAD_TIME] = int(rng.integers(0, 7))
    return graph


@pytest.mark.parametrize("distribution", ["normal", "poisson"])
@pytest.mark.parametrize("kind", ["serial", "assembly", "distribution", "general", "planner"])
def test_gsm_levels_simulated_reach_their_service_level(kind, distribution):
    for seed in (0, 1):
        graph = with_service_levels(generate(kind, 10 + 2 * seed, seed), seed, distribution)
        solution = solve_gsm(gsm_instance(graph))
        levels = solution.to_dict()["levels"]
        arrays = compile_network(graph)
        result = simulate(arrays, InstallationBaseStock(levels), SimConfig(periods=400, paths=40, seed=seed + 7,
                                                                             warmup=60))
        for node, data in graph.nodes(data=True):
            if data.get(attrs.DEMAND) is not None:
                reached = result.nodes[node]["cycle_service_level"]
                assert reached >= data[attrs.SERVICE_LEVEL] - 0.02, (kind, seed, node, reached)


def test_textbook_data_keep_their_published_times():
    """A scenario with published stage times (time_convention: textbook) gives the GSM its times unchanged."""
    graph = load("scenarios/gsm_ss_example_6_5.yaml")
    assert graph.graph[attrs.TIME_CONVENTION] == timing.TEXTBOOK
    instance = gsm_instance(graph)
    stages = dict(zip(instance.stages, instance.processing_time, strict=True))
    assert stages == {"stage1": 2, "stage2": 1, "stage3": 1, "stage4": 1}
    assert solve_gsm(instance).cost == pytest.approx(graph.graph[attrs.KNOWN]["optimal_cost"], rel=1e-9)

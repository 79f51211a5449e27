"""Clark-Scarf serial systems: the textbook instance, reductions, a simulation and the graph adapter."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from netinv import attrs
from netinv.analytic.clark_scarf import (
    ClarkScarfResult,
    clark_scarf,
    clark_scarf_levels,
    clark_scarf_poisson,
    echelon_to_local,
)
from netinv.analytic.newsvendor import newsvendor
from netinv.errors import InputError, InvalidDemandError, InvalidNetworkError

# Snyder & Shen, Fundamentals of Supply Chain Theory, Example 6.1 (stage 1 first)
LOCAL_HOLDING = (7.0, 4.0, 2.0)
LEAD_TIMES = (1, 1, 2)
SHORTAGE = 37.12
MEAN, STD = 5.0, 1.0


def simulate_serial(local_levels, local_holding, lead_times, shortage_cost, demand, warmup=50):
    """Average cost per period of each path of an installation base-stock serial system.

    Textbook timing, every period: shipments arrive; demand hits stage 1; every stage orders the
    demand from its supplier (stage N from the outside, which ships at once); every stage ships what
    it owes its customer from stock, arriving L periods later. Costs at the end of the period: h'_i
    per unit on hand, h'_{i+1} per unit in transit into stage i, p per unit backordered.
    ``demand`` has shape (periods, paths).
    """
    stages = len(local_levels)
    periods, paths = demand.shape
    on_hand = [np.full(paths, float(level)) for level in local_levels]
    owed = [np.zeros(paths) for _ in range(stages)]  # owed[i]: what stage i owes downstream
    pipes = [np.zeros((lead, paths)) for lead in lead_times]  # pipes[i][t % L_i] arrives in period t
    upstream_holding = [*local_holding[1:], 0.0]
    total = np.zeros(paths)
    for t in range(periods):
        for i in range(stages):
            slot = t % lead_times[i]
            on_hand[i] += pipes[i][slot]
            pipes[i][slot] = 0.0
        for i in range(stages):  # stage 1 owes the customers, stage i + 1 owes stage i
            owed[i] += demand[t]
        pipes[-1][t % lead_times[-1]] += demand[t]  # the outside supplier ships at once
        for i in range(stages):
            shipped = np.minimum(on_hand[i], owed[i])
            on_hand[i] -= shipped
            owed[i] -= shipped
            if i > 0:
                pipes[i - 1][t % lead_times[i - 1]] += shipped
        if t >= warmup:
            total += shortage_cost * owed[0]
            for i in range(stages):
                total += local_holding[i] * on_hand[i] + upstream_holding[i] * pipes[i].sum(axis=0)
    return total / (periods - warmup)


def mean_and_standard_error(samples):
    return samples.mean(), samples.std(ddof=1) / math.sqrt(samples.size)


def test_snyder_shen_example_6_1():
    result = clark_scarf(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, MEAN, STD)
    assert isinstance(result, ClarkScarfResult)
    assert result.echelon_levels == pytest.approx((6.49, 12.02, 22.71), abs=0.01)
    assert result.expected_cost == pytest.approx(47.66, rel=5e-4)
    # the pipeline part: h'_2 L_1 mu + h'_3 L_2 mu = 4 * 1 * 5 + 2 * 1 * 5
    assert result.pipeline_cost == pytest.approx(30.0)
    s1, s2, s3 = result.echelon_levels
    assert result.local_levels == pytest.approx((s1, s2 - s1, s3 - s2))


def test_stage_one_is_a_newsvendor_with_the_upstream_holding_cost():
    # C_1(y) = h_1 E[y - D_1] + (p + h'_1) E[(D_1 - y)^+]: a newsvendor with overage h'_1 and underage p + h'_2
    result = clark_scarf(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, MEAN, STD)
    ratio = (SHORTAGE + LOCAL_HOLDING[1]) / (SHORTAGE + LOCAL_HOLDING[0])
    assert result.echelon_levels[0] == pytest.approx(stats.norm.ppf(ratio, MEAN, STD), abs=1e-4)


@pytest.mark.parametrize(
    ("holding", "lead", "shortage", "mean", "std"),
    [(0.18, 1, 0.70, 50.0, 8.0), (3.0, 2, 20.0, 10.0, 2.0), (1.0, 4, 9.0, 100.0, 30.0)],
)
def test_one_stage_is_the_newsvendor_over_the_lead_time(holding, lead, shortage, mean, std):
    result = clark_scarf([holding], [lead], shortage, mean, std)
    reference = newsvendor(stats.norm(lead * mean, math.sqrt(lead) * std), holding, shortage)
    assert result.echelon_levels[0] == pytest.approx(reference.level, abs=1e-4 * std)
    assert result.expected_cost == pytest.approx(reference.expected_cost, rel=1e-5)
    assert result.pipeline_cost == 0.0


@pytest.mark.parametrize(
    ("holding", "lead", "shortage", "mean"), [(0.18, 1, 0.70, 50.0), (3.0, 3, 20.0, 4.0)]
)
def test_one_stage_poisson_is_the_discrete_newsvendor(holding, lead, shortage, mean):
    result = clark_scarf_poisson([holding], [lead], shortage, mean)
    reference = newsvendor(stats.poisson(lead * mean), holding, shortage)
    assert result.echelon_levels[0] == reference.level
    assert result.expected_cost == pytest.approx(reference.expected_cost, rel=1e-10)


def test_example_6_1_cost_matches_simulation_and_perturbed_levels_cost_more():
    result = clark_scarf(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, MEAN, STD)
    rng = np.random.default_rng(2024)
    demand = np.maximum(rng.normal(MEAN, STD, size=(450, 2000)), 0.0)  # P(D < 0) ~ 3e-7
    best = simulate_serial(result.local_levels, LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, demand)
    mean, standard_error = mean_and_standard_error(best)
    assert abs(mean - result.expected_cost) < 4 * standard_error
    # common random numbers: moving any one echelon level by 0.3 costs significantly more
    for stage in range(3):
        for shift in (-0.3, 0.3):
            levels = list(result.echelon_levels)
            levels[stage] += shift
            other = simulate_serial(echelon_to_local(levels), LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, demand)
            extra, extra_error = mean_and_standard_error(other - best)
            assert extra > 4 * extra_error, (stage, shift)


def test_poisson_two_stage_cost_matches_simulation_and_no_neighbour_is_cheaper():
    local, leads, shortage, rate = (2.0, 1.0), (2, 1), 10.0, 3.0
    result = clark_scarf_poisson(local, leads, shortage, rate)
    assert all(level == int(level) for level in result.echelon_levels)
    demand = np.random.default_rng(7).poisson(rate, size=(450, 2000)).astype(float)
    best = simulate_serial(result.local_levels, local, leads, shortage, demand)
    mean, standard_error = mean_and_standard_error(best)
    assert abs(mean - result.expected_cost) < 4 * standard_error
    s1, s2 = result.echelon_levels
    for levels in ((s1 - 1, s2), (s1 + 1, s2), (s1, s2 - 1), (s1, s2 + 1)):
        other = simulate_serial(echelon_to_local(levels), local, leads, shortage, demand)
        extra, extra_error = mean_and_standard_error(other - best)
        assert extra > -3 * extra_error, levels  # near-ties are allowed, a cheaper neighbour is not


def test_deterministic_demand_holds_exactly_the_lead_time_demand():
    result = clark_scarf(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, MEAN, 0.0)
    assert result.echelon_levels == pytest.approx((5.0, 10.0, 20.0))
    assert result.expected_cost == pytest.approx(result.pipeline_cost) and result.pipeline_cost == 30.0


def test_poisson_and_normal_agree_for_large_demand():
    # Poisson(400) per period is close to N(400, 20^2): the optimal costs should be close.
    poisson = clark_scarf_poisson(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, 400.0)
    normal = clark_scarf(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, 400.0, 20.0)
    assert poisson.expected_cost == pytest.approx(normal.expected_cost, rel=2e-3)
    assert poisson.echelon_levels == pytest.approx(normal.echelon_levels, abs=1.5)


def test_holding_cost_rising_upstream_gives_an_unbounded_echelon_level():
    result = clark_scarf([1.0, 5.0, 0.5], [1, 1, 2], 10.0, 5.0, 1.0)
    assert result.echelon_levels[0] == math.inf
    assert all(math.isfinite(level) and level >= 0 for level in result.local_levels)
    assert result.local_levels[1] == 0.0  # stage 2 passes everything on to the cheaper stage 1


def test_echelon_to_local():
    assert echelon_to_local([5.0, 8.0, 20.0]) == (5.0, 3.0, 12.0)
    # an echelon level above an upstream one is never reached: it acts as the upstream one
    assert echelon_to_local([9.0, 7.0, 20.0]) == (7.0, 0.0, 13.0)
    assert echelon_to_local([math.inf, 7.0]) == (7.0, 0.0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([], [], 1.0, 5.0, 1.0), "at least one stage"),
        (([1.0, 2.0], [1], 1.0, 5.0, 1.0), "lead_times has 1"),
        (([1.0], [-1], 1.0, 5.0, 1.0), "lead_times of stage 1"),
        (([-1.0], [1], 1.0, 5.0, 1.0), "holding_costs_local of stage 1"),
        (([1.0], [1], 0.0, 5.0, 1.0), "shortage_cost must be > 0"),
        (([1.0], [1], 1.0, float("nan"), 1.0), "demand_mean"),
        (([1.0], [1], 1.0, 5.0, -1.0), "demand_std"),
    ],
)
def test_bad_arguments_raise_input_error(arguments, message):
    with pytest.raises(InputError, match=message):
        clark_scarf(*arguments)


# --------------------------------------------------------------------------------------------------
# the graph adapter


def serial_graph(demand=None, netinv_lead_times=(0, 0, 1)):
    """Example 6.1 as a netinv graph: source -> factory -> dc -> store (store faces demand)."""
    graph = nx.DiGraph()
    graph.add_node("source", **{attrs.HOLDING_COST: 0.0})
    graph.add_node("factory", **{attrs.HOLDING_COST: 2.0})
    graph.add_node("dc", **{attrs.HOLDING_COST: 4.0})
    graph.add_node(
        "store",
        **{
            attrs.HOLDING_COST: 7.0,
            attrs.DEMAND: demand or {"distribution": "normal", "mean": MEAN, "std": STD},
            attrs.SHORTAGE_COST: SHORTAGE,
            attrs.BACKLOG: True,
        },
    )
    store_lead, dc_lead, factory_lead = netinv_lead_times
    graph.add_edge("source", "factory", **{attrs.LEAD_TIME: factory_lead})
    graph.add_edge("factory", "dc", **{attrs.LEAD_TIME: dc_lead})
    graph.add_edge("dc", "store", **{attrs.LEAD_TIME: store_lead})
    return graph


def test_graph_adapter_maps_netinv_lead_times_to_stage_lead_times():
    # netinv lead time l is the textbook stage lead time l + 1: (0, 0, 1) is Example 6.1's (1, 1, 2)
    levels = clark_scarf_levels(serial_graph())
    reference = clark_scarf(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, MEAN, STD)
    assert levels.stages == ("store", "dc", "factory")
    assert [levels.echelon_levels[n] for n in levels.stages] == list(reference.echelon_levels)
    assert [levels.local_levels[n] for n in levels.stages] == list(reference.local_levels)
    assert levels.expected_cost == reference.expected_cost
    assert levels.pipeline_cost == reference.pipeline_cost


def test_graph_adapter_on_a_loaded_scenario():
    from netinv.network.io import document_to_graph

    document = {
        "name": "example_6_1",
        "nodes": [
            {"id": "source"},
            {"id": "3", "holding_cost": 2.0},
            {"id": "2", "holding_cost": 4.0},
            {
                "id": "1",
                "holding_cost": 7.0,
                "shortage_cost": SHORTAGE,
                "demand": {"distribution": "normal", "mean": MEAN, "std": STD},
            },
        ],
        "edges": [
            {"source": "source", "target": "3", "lead_time": 1},
            {"source": "3", "target": "2"},
            {"source": "2", "target": "1"},
        ],
    }
    levels = clark_scarf_levels(document_to_graph(document))
    assert [levels.echelon_levels[n] for n in ("1", "2", "3")] == pytest.approx(
        (6.49, 12.02, 22.71), abs=0.01
    )
    assert levels.expected_cost == pytest.approx(47.66, rel=5e-4)


def test_graph_adapter_poisson():
    levels = clark_scarf_levels(serial_graph({"distribution": "poisson", "mean": MEAN}))
    reference = clark_scarf_poisson(LOCAL_HOLDING, LEAD_TIMES, SHORTAGE, MEAN)
    assert tuple(levels.echelon_levels.values()) == reference.echelon_levels


def _branching():
    graph = serial_graph()
    graph.add_node("outlet", **{attrs.HOLDING_COST: 7.0})
    graph.add_edge("dc", "outlet")
    return graph


def _two_suppliers():
    graph = serial_graph()
    graph.add_node("second_source")
    graph.add_edge("second_source", "dc")
    return graph


def _two_demands():
    graph = _branching()
    graph.nodes["outlet"].update(
        {attrs.DEMAND: {"distribution": "poisson", "mean": 3.0}, attrs.SHORTAGE_COST: 1.0}
    )
    return graph


def _stray_node():
    graph = serial_graph()
    graph.add_node("island")
    return graph


def _with(node, **data):
    graph = serial_graph()
    graph.nodes[node].update(data)
    return graph


@pytest.mark.parametrize(
    ("graph", "error", "message"),
    [
        (_branching(), InvalidNetworkError, "node 'dc'"),
        (_two_suppliers(), InvalidNetworkError, "node 'dc'"),
        (_two_demands(), InvalidNetworkError, "exactly one demand node"),
        (_stray_node(), InvalidNetworkError, "node 'island'"),
        (
            serial_graph({"distribution": "gamma", "mean": 5.0, "std": 1.0}),
            InvalidDemandError,
            "node 'store'",
        ),
        (serial_graph({"distribution": "normal", "mean": 5.0}), InvalidDemandError, "node 'store'"),
        (_with("store", backlog=False), InvalidNetworkError, "node 'store'.*backlog"),
        (_with("dc", capacity=10.0), InvalidNetworkError, "node 'dc'.*capacity"),
        (serial_graph(netinv_lead_times=(0, -1, 1)), InvalidNetworkError, "edge 'factory' -> 'dc'"),
    ],
)
def test_graph_adapter_rejects_what_the_model_cannot_solve(graph, error, message):
    with pytest.raises(error, match=message):
        clark_scarf_levels(graph)


def test_invalid_network_error_is_one_line():
    with pytest.raises(InvalidNetworkError) as caught:
        clark_scarf_levels(_branching())
    assert "\n" not in str(caught.value)

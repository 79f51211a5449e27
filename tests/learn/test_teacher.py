"""The teacher: its planning window, the samples it labels, the states it plans from, the recorder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netinv.errors import InputError
from netinv.learn.features import network_features, path_graphs, state_graph
from netinv.learn.sampling import sample_network
from netinv.learn.teacher import (
    SAMPLE_FIELDS,
    Recorder,
    TeacherConfig,
    make_samples,
    make_teacher,
    planning_horizon,
    teacher_state,
)
from netinv.network.compile import compile_network
from tests.learn.helpers import generated_graph, random_state


def test_the_planning_horizon_is_the_longest_supply_path_plus_slack():
    graph, _ = sample_network(1000, 3, (6, 6))
    arrays = compile_network(graph)
    # brute force over all source-to-sink paths
    import networkx as nx

    g = nx.DiGraph()
    g.add_edges_from((int(s), int(t), {"w": int(lead) + 1})
                     for s, t, lead in zip(arrays.edge_source, arrays.edge_target, arrays.lead_time))
    longest = max(sum(g.edges[u, v]["w"] for u, v in zip(path, path[1:]))
                  for s in g for t in g for path in nx.all_simple_paths(g, s, t))
    assert planning_horizon(arrays, slack=4) == longest + 4


def test_the_window_is_the_configured_horizon_or_the_planning_horizon():
    arrays = compile_network(generated_graph("serial", 4, 1))
    assert TeacherConfig(horizon=7).window(arrays) == 7
    assert TeacherConfig(slack=2).window(arrays) == planning_horizon(arrays, slack=2)
    assert make_teacher(arrays, TeacherConfig(horizon=5, scenarios=3), periods=12).config.horizon == 5
    for bad, text in (({"scenarios": 0}, "scenarios must be >= 1"), ({"horizon": 0}, "horizon must be >= 1"),
                      ({"slack": -1}, "slack must be >= 0")):
        with pytest.raises(InputError, match=text):
            TeacherConfig(**bad)


def test_samples_carry_the_orders_in_mu_units_and_the_normalized_objective():
    arrays = compile_network(generated_graph("distribution", 6, 3))
    network = network_features(arrays)
    data = state_graph(network, random_state(arrays, paths=3, seed=0))
    orders = np.random.default_rng(1).uniform(0, 10, (arrays.num_edges, 3))
    objectives = np.array([10.0, -4.0, 0.0])
    samples = make_samples(data, orders, objectives, network=network, network_id=42, period=5, round=2)
    assert len(samples) == 3
    for b, (sample, graph) in enumerate(zip(samples, path_graphs(data))):
        assert all(key in sample for key in SAMPLE_FIELDS)
        torch.testing.assert_close(sample.x, graph.x)
        np.testing.assert_allclose(sample.y.numpy() * network.edge_scale, orders[:, b], rtol=1e-5)
        assert float(sample.objective) == pytest.approx(objectives[b] / (network.cost_scale * network.demand_scale),
                                                        rel=1e-6)
        assert (int(sample.network), int(sample.period), int(sample.round)) == (42, 5, 2)
    cost = make_samples(data, orders, objectives, network=network, network_id=42, period=5, round=2, profit=False)
    assert float(cost[0].objective) == pytest.approx(-float(samples[0].objective))


def test_the_teacher_plans_from_non_negative_stocks_and_leaves_the_state_alone():
    arrays = compile_network(generated_graph("assembly", 6, 2))
    state = random_state(arrays, paths=2, seed=3)
    state.on_hand[0, 0] = -6e-5
    state.components[:] = -1e-6
    planned = teacher_state(state)
    assert planned.on_hand.min() >= 0 and planned.components.min() >= 0 and planned.pipeline.min() >= 0
    assert planned.on_hand[0, 0] == 0 and state.on_hand[0, 0] == np.float32(-6e-5)  # a copy
    np.testing.assert_array_equal(planned.on_hand[1:], state.on_hand[1:])


def test_a_recorder_with_beta_outside_zero_one_is_refused():
    arrays = compile_network(generated_graph("serial", 3, 1))
    teacher = make_teacher(arrays, TeacherConfig(scenarios=2))
    with pytest.raises(InputError, match=r"beta: must be in \[0, 1\], got 1.5"):
        Recorder(teacher, beta=1.5)

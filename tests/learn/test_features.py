"""Graph features: known scales on tiny networks, invariance to node order and to volume, PlanState form."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.learn.features import (
    EDGE_FEATURES,
    NODE_FEATURES,
    PIPELINE_SLOTS,
    network_features,
    path_graphs,
    pipeline_slots,
    state_graph,
)
from netinv.network.compile import compile_network
from netinv.sim import SimState
from tests.conftest import network
from tests.learn.helpers import all_graphs, compile_both, move_state, random_state

GRAPHS = all_graphs()


def _store(node_id, mean, **extra):
    return {"id": node_id, "shortage_cost": 10.0, "price": 20.0, "holding_cost": 1.0,
            "demand": {"distribution": "normal", "mean": mean, "std": 0.0}, **extra}


def test_throughput_and_edge_scale_follow_quantity_yield_and_sourcing():
    """plant -> dc (quantity 2, dc yield 0.5) -> two stores (10 and 30 per period); store_b also buys from
    a second dc: its 30 split evenly between its two suppliers."""
    graph = network(
        [{"id": "plant"}, {"id": "dc", "yield": 0.5}, {"id": "dc2"}, _store("store_a", 10.0), _store("store_b", 30.0)],
        [{"source": "plant", "target": "dc", "quantity": 2.0}, {"source": "plant", "target": "dc2"},
         {"source": "dc", "target": "store_a"}, {"source": "dc", "target": "store_b"},
         {"source": "dc2", "target": "store_b"}],
    )
    arrays = compile_network(graph)
    net = network_features(arrays)
    lam = dict(zip(arrays.node_ids, net.node_scale))
    mu = dict(zip(arrays.edge_keys, net.edge_scale))
    assert lam["store_a"] == pytest.approx(10) and lam["store_b"] == pytest.approx(30)
    assert mu[("dc", "store_b")] == pytest.approx(15) and mu[("dc2", "store_b")] == pytest.approx(15)
    assert lam["dc"] == pytest.approx(25) and lam["dc2"] == pytest.approx(15)
    assert mu[("plant", "dc")] == pytest.approx(25 * 2 / 0.5)
    assert lam["plant"] == pytest.approx(100 + 15)
    assert net.demand_scale == pytest.approx(40) and net.cost_scale == pytest.approx(20)
    up = dict(zip(arrays.edge_keys, net.up_weight))
    assert up[("dc", "store_a")] + up[("dc", "store_b")] == pytest.approx(1)


def test_assembly_edges_each_carry_the_whole_throughput():
    graph = network(
        [{"id": "a"}, {"id": "b"}, {"id": "kit", "assembly": True}, _store("store", 8.0)],
        [{"source": "a", "target": "kit", "quantity": 3.0}, {"source": "b", "target": "kit"},
         {"source": "kit", "target": "store"}],
    )
    arrays = compile_network(graph)
    mu = dict(zip(arrays.edge_keys, network_features(arrays).edge_scale))
    assert mu[("a", "kit")] == pytest.approx(24) and mu[("b", "kit")] == pytest.approx(8)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_shapes_finite_and_state_columns(name):
    arrays = compile_network(GRAPHS[name])
    state = random_state(arrays, 3, seed=1)
    data = state_graph(arrays, state)
    n, e = arrays.num_nodes, arrays.num_edges
    assert tuple(data.x.shape) == (n, 3, len(NODE_FEATURES))
    assert tuple(data.edge_attr.shape) == (e, 3, len(EDGE_FEATURES))
    assert np.isfinite(data.x.numpy()).all() and np.isfinite(data.edge_attr.numpy()).all()
    lam = data.node_scale.numpy()[:, None]
    mu = data.edge_scale.numpy()[:, None]
    x, edge = data.x.numpy(), data.edge_attr.numpy()
    np.testing.assert_allclose(x[:, :, NODE_FEATURES.index("on_hand")] * lam, state.on_hand, rtol=1e-5)
    np.testing.assert_allclose(x[:, :, NODE_FEATURES.index("inventory_position")] * lam,
                               state.inventory_position(), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(edge[:, :, EDGE_FEATURES.index("owed")] * mu, state.owed, rtol=1e-5)
    pipe = edge[:, :, EDGE_FEATURES.index("pipeline_0"):] * mu[:, :, None]
    np.testing.assert_allclose(pipe.sum(axis=2), state.in_transit, rtol=1e-4, atol=1e-3)
    assert pipe.shape[2] == PIPELINE_SLOTS


def test_pipeline_slot_k_arrives_in_k_periods():
    arrays = compile_network(GRAPHS["perez2021_network.yaml"])  # lead times up to 12 > PIPELINE_SLOTS
    state = SimState.initial(arrays, 1)
    state.t = 5
    depth = state.pipeline.shape[0]
    for k in range(depth):
        state.pipeline[(state.t + k) % depth, 0, 0] = 1.0 + k
    slots = pipeline_slots(state)[:, 0, 0]
    np.testing.assert_array_equal(slots[: PIPELINE_SLOTS - 1], 1.0 + np.arange(PIPELINE_SLOTS - 1))
    assert slots[-1] == sum(1.0 + k for k in range(PIPELINE_SLOTS - 1, depth))


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_relabelled_nodes_permute_the_features(name):
    a, b, node_map, edge_map = compile_both(GRAPHS[name], seed=7)
    state = random_state(a, 2, seed=3)
    first, second = state_graph(a, state), state_graph(b, move_state(state, b, node_map, edge_map))
    np.testing.assert_allclose(second.x.numpy()[node_map], first.x.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(second.edge_attr.numpy()[edge_map], first.edge_attr.numpy(), rtol=1e-6, atol=1e-6)
    for key in ("node_scale", "available"):
        np.testing.assert_allclose(second[key].numpy()[node_map], first[key].numpy(), rtol=1e-6)
    for key in ("edge_scale", "owed", "up_weight", "down_weight", "edge_capacity"):
        np.testing.assert_allclose(second[key].numpy()[edge_map], first[key].numpy(), rtol=1e-6)
    # the same edges, renumbered
    np.testing.assert_array_equal(node_map[first.edge_index.numpy()], second.edge_index.numpy()[:, edge_map])


def test_more_volume_same_features():
    """Every demand, stock and capacity times 7: not one feature changes (so one model serves any volume)."""
    def graph(k):
        return network(
            [{"id": "plant", "capacity": 90.0 * k}, {"id": "dc"}, _store("store_a", 10.0 * k), _store("store_b", 30.0 * k)],
            [{"source": "plant", "target": "dc", "lead_time": 2, "capacity": 70.0 * k},
             {"source": "dc", "target": "store_a", "lead_time": 1}, {"source": "dc", "target": "store_b"}],
        )
    small, large = compile_network(graph(1)), compile_network(graph(7))
    state = random_state(small, 2, seed=0)
    big = SimState.initial(large, 2)
    for key in ("on_hand", "backlog", "owed", "in_transit", "components", "pipeline"):
        setattr(big, key, getattr(state, key) * 7)
    big.t = state.t
    one, seven = state_graph(small, state), state_graph(large, big)
    np.testing.assert_allclose(one.x.numpy(), seven.x.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(one.edge_attr.numpy(), seven.edge_attr.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["perez2021_network.yaml", "assembly-12"])
def test_plan_state_gives_the_graph_of_its_path(name):
    from netinv.exact.planning import PlanState

    arrays = compile_network(GRAPHS[name])
    state = random_state(arrays, 3, seed=5)
    state.owed[:] = 0.0  # a PlanState has nothing owed
    data = state_graph(arrays, state)
    plans = [PlanState.from_sim(state, b) for b in range(3)]
    one = state_graph(arrays, plans[1])
    many = state_graph(arrays, plans)
    np.testing.assert_allclose(one.x.numpy()[:, 0], data.x.numpy()[:, 1], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(many.edge_attr.numpy(), data.edge_attr.numpy(), rtol=1e-6, atol=1e-6)


def test_forecast_argument_and_series_default():
    graph = network(
        [{"id": "dc"}, {"id": "store", "shortage_cost": 1.0, "demand": {"distribution": "series", "values": [4, 8, 12]}}],
        [{"source": "dc", "target": "store"}],
    )
    arrays = compile_network(graph)
    state = SimState.initial(arrays, 2)
    state.t = 1
    column = NODE_FEATURES.index("forecast_0")
    store = arrays.index["store"]
    lam = 8.0  # mean of the series
    default = state_graph(arrays, state).x.numpy()[store, 0, column : column + 4] * lam
    np.testing.assert_allclose(default, [8, 12, 4, 8], rtol=1e-6)
    given = state_graph(arrays, state, forecast=np.array([[1.0], [2.0]])).x.numpy()[store, :, column : column + 4]
    np.testing.assert_allclose(given * lam, [[1, 2, 2, 2]] * 2, rtol=1e-6)
    with pytest.raises(ValueError, match="forecast"):
        state_graph(arrays, state, forecast=np.ones((2, 3)))


def test_path_graphs_split_the_path_axis():
    arrays = compile_network(GRAPHS["retail_network.yaml"])
    data = state_graph(arrays, random_state(arrays, 3, seed=2))
    parts = path_graphs(data)
    assert len(parts) == 3
    np.testing.assert_array_equal(parts[2].x.numpy(), data.x.numpy()[:, 2])
    np.testing.assert_array_equal(parts[2].owed.numpy(), data.owed.numpy()[:, 2])
    assert parts[2].edge_index is data.edge_index


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_lead_to_demand_is_the_shortest_lead_time_path_and_windows_count_down(name):
    """lead_to_demand against networkx's Dijkstra on the supply graph (lead times as weights, from the
    demand nodes backwards); sell windows: periods in which stock here (an order on the edge) can still
    reach a customer before the end, 1 when the horizon is unknown."""
    import networkx as nx

    from netinv.learn.features import REACH_CAP, lead_to_demand

    arrays = compile_network(GRAPHS[name])
    reverse = nx.DiGraph()
    reverse.add_nodes_from(range(arrays.num_nodes))
    for s, t, lead in zip(arrays.edge_source, arrays.edge_target, arrays.lead_time):
        reverse.add_edge(int(t), int(s), weight=float(lead))
    demand_nodes = list(range(arrays.num_nodes))[arrays.demand_slice]
    distance = nx.multi_source_dijkstra_path_length(reverse, demand_nodes)
    expected = np.array([distance.get(i, np.inf) for i in range(arrays.num_nodes)])
    np.testing.assert_array_equal(lead_to_demand(arrays), expected)

    net = network_features(arrays)
    reach = arrays.lead_time + expected[arrays.edge_target]
    state = random_state(arrays, 2, seed=3)
    for periods, t in ((None, 0), (30, 0), (30, 17), (30, 29), (12, 40)):
        state.periods, state.t = periods, t
        data = state_graph(arrays, state)
        node = data.x.numpy()[:, :, NODE_FEATURES.index("sell_window")]
        edge = data.edge_attr.numpy()[:, :, EDGE_FEATURES.index("sell_window")]
        if periods is None:
            want_node, want_edge = np.ones_like(expected), np.ones_like(reach)
        else:
            want_node = np.clip(periods - t - expected, 0, 20) / 20
            want_edge = np.clip(periods - t - reach, 0, 20) / 20
        np.testing.assert_allclose(node, np.broadcast_to(want_node[:, None], node.shape))
        np.testing.assert_allclose(edge, np.broadcast_to(want_edge[:, None], edge.shape))
        if periods is not None:  # an order that cannot reach a customer before the end reads 0
            assert (edge[periods - t - reach <= 0] == 0).all()
    static = data.x.numpy()[:, 0, NODE_FEATURES.index("lead_to_demand")]
    np.testing.assert_allclose(static, np.minimum(expected, REACH_CAP) / 10.0)
    np.testing.assert_allclose(net.reach_time, reach)

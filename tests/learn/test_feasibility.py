"""The feasibility layer: never infeasible, the identity on feasible orders, the simulator's own cut."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from netinv.learn.feasibility import feasible_orders, repair
from netinv.network.compile import compile_network
from netinv.sim import SimConfig, simulate
from tests.learn.helpers import all_graphs, random_state

TOLERANCE = 1e-5  # float32: a sum of scaled orders may pass its bound by a rounding error


@st.composite
def problems(draw):
    """A random bipartite shape: N nodes, E edges with random sources, B paths; random orders (some
    negative), owed orders, edge capacities and stock, each sometimes unlimited (inf)."""
    n = draw(st.integers(1, 6))
    e = draw(st.integers(0, 12))
    b = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    source = rng.integers(0, n, e)
    orders = rng.normal(5, 10, (e, b)) * (rng.random((e, b)) < 0.9)
    owed = rng.uniform(0, 10, (e, b)) * (rng.random((e, b)) < draw(st.sampled_from([0.0, 0.3])))
    capacity = np.where(rng.random(e) < 0.5, rng.uniform(0, 20, e), np.inf)
    available = np.where(rng.random((n, b)) < 0.8, rng.uniform(0, 40, (n, b)) * (rng.random((n, b)) < 0.9), np.inf)
    return n, source, orders, owed, capacity, available


def _check_feasible(z, n, source, owed, capacity, available):
    cap = capacity[:, None]
    assert np.all(z >= 0)
    assert np.all(z <= np.maximum(cap - owed, 0) * (1 + TOLERANCE) + TOLERANCE)
    committed = np.zeros((n, z.shape[1]))
    np.add.at(committed, source, np.minimum(owed, cap))
    total = np.zeros((n, z.shape[1]))
    np.add.at(total, source, z)
    headroom = np.maximum(available - committed, 0)
    assert np.all(total <= headroom * (1 + TOLERANCE) + TOLERANCE)


def _layer(n, source, orders, owed, capacity, available, dtype=torch.float32):
    t = lambda x: torch.as_tensor(x, dtype=dtype)  # noqa: E731
    return feasible_orders(t(orders), torch.as_tensor(source, dtype=torch.long), t(owed), t(capacity), t(available), n)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_never_infeasible(problem):
    n, source, orders, owed, capacity, available = problem
    z = _layer(*problem).numpy().astype(np.float64)
    assert z.shape == orders.shape and np.isfinite(z).all()
    _check_feasible(z, n, source, owed, capacity, available)


@settings(max_examples=300, deadline=None)
@given(problems(), st.floats(0.0, 1.0))
def test_identity_on_feasible_orders(problem, fraction):
    """Feasible orders (the layer's output shrunk by any fraction) come back unchanged; the layer is
    idempotent."""
    n, source, orders, owed, capacity, available = problem
    z = _layer(*problem, dtype=torch.float64).numpy()
    for feasible in (z, z * fraction):
        again = _layer(n, source, feasible, owed, capacity, available, dtype=torch.float64).numpy()
        np.testing.assert_allclose(again, feasible, rtol=1e-12, atol=0)


def test_proportional_cut_of_a_short_node():
    """Node 0 has 30 on hand, asked 20 + 40 on two edges (one with 10 already owed): 20 left for new
    orders, split 1:2; node 1 is unlimited, its edge capped at 15."""
    z = _layer(2, np.array([0, 0, 1]), np.array([[20.0], [40.0], [50.0]]), np.array([[10.0], [0.0], [0.0]]),
               np.array([np.inf, np.inf, 15.0]), np.array([[30.0], [np.inf]])).numpy()
    np.testing.assert_allclose(z[:, 0], [20 / 3, 40 / 3, 15], rtol=1e-6)


def test_gradient_flows_through_a_binding_node():
    source = torch.tensor([0, 0, 1])
    orders = torch.tensor([[20.0], [40.0], [5.0]], dtype=torch.float64, requires_grad=True)
    owed = torch.zeros(3, 1, dtype=torch.float64)
    capacity = torch.tensor([np.inf, np.inf, 10.0], dtype=torch.float64)
    available = torch.tensor([[30.0], [np.inf]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, s: feasible_orders(x, source, owed, capacity, s, 2), (orders, available))
    z = feasible_orders(orders, source, owed, capacity, available, 2)
    z.sum().backward()
    assert torch.isfinite(orders.grad).all() and torch.isfinite(available.grad).all()
    assert available.grad[0, 0].item() == pytest.approx(1.0, rel=1e-9)  # one more unit on hand, one more shipped


def _rationed_layer(problem, weight, dtype=torch.float64):
    n, source, orders, owed, capacity, available = problem
    t = lambda x: torch.as_tensor(x, dtype=dtype)  # noqa: E731
    return feasible_orders(t(orders), torch.as_tensor(source, dtype=torch.long), t(owed), t(capacity), t(available),
                           n, t(weight))


def _water_filling_by_bisection(problem, weight):
    """An independent reference: the cut of :func:`_layer` where no node binds; at a binding node, lambda
    found by bisection so that sum_e y_e * min(1, lambda * w_e) = headroom (float64)."""
    n, source, orders, owed, capacity, available = problem
    cap = capacity[:, None]
    y = np.minimum(np.maximum(orders, 0), np.maximum(cap - owed, 0))
    committed = np.zeros((n, y.shape[1]))
    np.add.at(committed, source, np.minimum(owed, cap))
    headroom = np.maximum(available - committed, 0)
    z = y.copy()
    for i in range(n):
        edges = np.flatnonzero(source == i)
        for b in range(y.shape[1]):
            ye, we = y[edges, b], weight[edges, b]
            if ye.sum() <= headroom[i, b]:
                continue
            low, high = 0.0, 1.0 / we.min()
            for _ in range(200):
                mid = (low + high) / 2
                low, high = (mid, high) if (ye * np.minimum(1, mid * we)).sum() < headroom[i, b] else (low, mid)
            z[edges, b] = ye * np.minimum(1, low * we)
    return z


@settings(max_examples=300, deadline=None)
@given(problems(), st.integers(0, 2**32 - 1))
def test_rationing_by_priority_is_feasible_and_is_water_filling(problem, seed):
    """With priorities the layer stays feasible, equals water-filling found by bisection, and gives the
    proportional cut when every priority is the same."""
    n, source, orders, owed, capacity, available = problem
    weight = np.exp(np.random.default_rng(seed).uniform(-4, 4, orders.shape))
    z = _rationed_layer(problem, weight).numpy()
    assert np.isfinite(z).all()
    _check_feasible(z, n, source, owed, capacity, available)
    np.testing.assert_allclose(z, _water_filling_by_bisection(problem, weight), rtol=1e-9, atol=1e-9)
    equal = _rationed_layer(problem, np.full(orders.shape, 3.0)).numpy()
    np.testing.assert_allclose(equal, _layer(*problem, dtype=torch.float64).numpy(), rtol=1e-12, atol=1e-12)
    again = _rationed_layer((n, source, z, owed, capacity, available), weight).numpy()
    np.testing.assert_allclose(again, z, rtol=1e-12, atol=0)


def test_priority_rations_a_short_node():
    """Node 0 can ship 30 and is asked 20, 20 and 10. Priorities 10, 1, 1: the first order is met in
    full; the other two share the 10 left in proportion to w * y (20 : 10)."""
    problem = (1, np.array([0, 0, 0]), np.array([[20.0], [20.0], [10.0]]), np.zeros((3, 1)), np.full(3, np.inf),
               np.array([[30.0]]))
    z = _rationed_layer(problem, np.array([[10.0], [1.0], [1.0]])).numpy()
    np.testing.assert_allclose(z[:, 0], [20, 20 / 3, 10 / 3], rtol=1e-12)


def test_gradient_flows_through_rationing():
    source = torch.tensor([0, 0, 0, 1])
    orders = torch.tensor([[20.0], [20.0], [10.0], [5.0]], dtype=torch.float64, requires_grad=True)
    owed = torch.zeros(4, 1, dtype=torch.float64)
    capacity = torch.tensor([np.inf, np.inf, np.inf, 10.0], dtype=torch.float64)
    available = torch.tensor([[30.0], [np.inf]], dtype=torch.float64, requires_grad=True)
    weight = torch.tensor([[10.0], [1.0], [2.0], [1.0]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, s, w: feasible_orders(x, source, owed, capacity, s, 2, w),
                                    (orders, available, weight))
    z = feasible_orders(orders, source, owed, capacity, available, 2, weight)
    z.sum().backward()
    for grad in (orders.grad, available.grad, weight.grad):
        assert torch.isfinite(grad).all()
    assert available.grad[0, 0].item() == pytest.approx(1.0, rel=1e-9)
    # met in full: a unit more for it is a unit less for the two orders that share the rest
    assert orders.grad[0, 0].item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", ["retail_network.yaml", "perez2021_network.yaml", "distribution-30", "assembly-12"])
def test_repair_matches_the_layer_and_the_simulator_ships_it_all(name):
    """numpy ``repair`` = the torch layer; a policy of repaired random orders is never cut by the
    simulator: nothing stays owed and every order ships."""
    graph = all_graphs()[name]
    arrays = compile_network(graph)
    state = random_state(arrays, 4, seed=11)
    rng = np.random.default_rng(0)
    orders = rng.normal(20, 30, state.owed.shape).astype(np.float32)
    fixed = repair(orders, state, arrays)
    available = np.minimum(np.maximum(state.on_hand, 0), arrays.capacity[:, None])
    available[arrays.unlimited] = arrays.capacity[arrays.unlimited, None]
    layer = _layer(arrays.num_nodes, arrays.edge_source, orders, state.owed, arrays.edge_capacity, available).numpy()
    np.testing.assert_allclose(fixed, layer, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(repair(fixed, state, arrays), fixed)

    class RepairedNoise:
        name = "repaired-noise"

        def prepare(self, arrays, paths):
            self.arrays = arrays

        def orders(self, s):
            noise = np.random.default_rng(s.t).uniform(0, 60, s.owed.shape).astype(np.float32)
            return repair(noise, s, self.arrays)

    trace = simulate(arrays, RepairedNoise(), SimConfig(periods=15, paths=4, record=True)).trace
    scale = max(1.0, float(trace["orders"].max()))
    assert trace["owed"].max() <= 1e-5 * scale
    np.testing.assert_allclose(trace["shipped"], trace["orders"], rtol=1e-5, atol=1e-5 * scale)

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

"""The GNN policy honours the policy contract and is never cut by the simulator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netinv.learn.model import ModelConfig, OrderGNN
from netinv.learn.policy import GNNPolicy
from netinv.network.compile import compile_network
from netinv.policies.checks import check_policy
from netinv.sim import SimConfig, simulate
from tests.learn.helpers import all_graphs

GRAPHS = all_graphs()


def _policy(**kwargs):
    torch.manual_seed(0)
    return GNNPolicy(OrderGNN(ModelConfig(hidden=16, layers=2)), **kwargs)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_untrained_gnn_passes_the_policy_contract(name):
    check_policy(_policy(), compile_network(GRAPHS[name]))


@pytest.mark.parametrize("name", ["retail_network.yaml", "distribution-30", "general-25"])
def test_the_simulator_never_cuts_its_orders(name):
    arrays = compile_network(GRAPHS[name])
    trace = simulate(arrays, _policy(), SimConfig(periods=12, paths=3, record=True)).trace
    scale = max(1.0, float(trace["orders"].max()))
    assert trace["owed"].max() <= 1e-5 * scale
    np.testing.assert_allclose(trace["shipped"], trace["orders"], rtol=1e-5, atol=1e-5 * scale)


def test_paths_in_groups_give_the_same_orders():
    arrays = compile_network(GRAPHS["general-25"])
    whole = simulate(arrays, _policy(), SimConfig(periods=6, paths=5, record=True)).trace["orders"]
    grouped = simulate(arrays, _policy(rows_per_pass=2 * arrays.num_nodes), SimConfig(periods=6, paths=5,
                                                                                       record=True)).trace["orders"]
    np.testing.assert_allclose(grouped, whole, rtol=1e-5, atol=1e-5)


def test_one_pass_for_all_paths_gives_each_path_its_own_orders():
    """B paths batched into one forward pass per period give, to float32 rounding, the orders of the same
    paths simulated one at a time (one path per pass, its own simulation)."""
    arrays = compile_network(GRAPHS["general-25"])
    periods, paths = 5, 4
    demand = np.random.default_rng(3).gamma(2.0, 5.0, (periods, arrays.num_demand_nodes, paths)).astype(np.float32)
    policy = _policy()
    batched = simulate(arrays, policy, SimConfig(periods=periods, paths=paths, record=True), demand=demand)
    assert policy.paths_per_pass_ >= paths  # one pass served them all
    for b in range(paths):
        alone = simulate(arrays, _policy(), SimConfig(periods=periods, paths=1, record=True), demand=demand[:, :, b])
        scale = max(1.0, float(alone.trace["orders"].max()))
        np.testing.assert_allclose(batched.trace["orders"][:, :, b], alone.trace["orders"][:, :, 0],
                                   rtol=1e-4, atol=1e-5 * scale)


def _position_from_trace(arrays, trace, t: int) -> np.ndarray:
    """(N, B) the installation position at the start of period t >= 1, from the simulator's recorded state at
    the end of period t - 1: on hand - backorders - owed to customers + (owed + in transit + components) /
    quantity on the inbound edges (a network without assembly nodes)."""
    q = arrays.quantity[:, None]
    on_hand, backlog, owed, transit, parts = (trace[k][t - 1].astype(np.float64) for k in
                                              ("on_hand", "backlog", "owed", "in_transit", "components"))
    return on_hand - backlog - arrays.out_incidence() @ owed + arrays.in_incidence() @ ((owed + transit + parts) / q)


@pytest.mark.parametrize("name", ["retail_network.yaml", "general-25"])
def test_the_explained_decisions_are_what_the_simulator_saw_and_ordered(name):
    """position = the inventory position recomputed from the simulator's own state; target - position = the
    orders placed (what the simulator received), per unit of the node; means over the measured periods and
    paths, and over the paths of the last period."""
    arrays = compile_network(GRAPHS[name])
    assert not arrays.assembly.any()
    periods, warmup = 7, 2
    policy = _policy(explain_from=warmup)
    trace = simulate(arrays, policy, SimConfig(periods=periods, paths=3, warmup=warmup, record=True)).trace
    measured = range(warmup, periods)
    position = np.stack([_position_from_trace(arrays, trace, t) for t in measured])
    ordered = np.stack([arrays.in_incidence() @ (trace["orders"][t] / arrays.quantity[:, None]) for t in measured])
    assert ordered.max() > 0  # the relation is not 0 = 0
    log = policy.decisions_.to_dict()
    ordering = sorted(set(arrays.edge_target.tolist()))
    assert list(log) == [arrays.node_ids[j] for j in ordering]  # every node that orders, none else
    for j in ordering:
        row = log[arrays.node_ids[j]]
        scale = max(1.0, float(np.abs(position[:, j]).max()))
        assert row["position"] == pytest.approx(position[:, j].mean(), rel=1e-5, abs=1e-5 * scale)
        assert row["target"] - row["position"] == pytest.approx(ordered[:, j].mean(), rel=1e-4, abs=1e-5 * scale)
        assert row["last_position"] == pytest.approx(position[-1, j].mean(), rel=1e-5, abs=1e-5 * scale)
        assert row["last_target"] - row["last_position"] == pytest.approx(ordered[-1, j].mean(), rel=1e-4,
                                                                           abs=1e-5 * scale)


def test_the_decision_log_counts_from_its_start_and_over_every_simulation():
    arrays = compile_network(GRAPHS["retail_network.yaml"])
    policy = _policy(explain_from=3)
    simulate(arrays, policy, SimConfig(periods=5, paths=2, warmup=3))
    assert (policy.decisions_.count, policy.decisions_.last_t, policy.decisions_.last_count) == (4, 4, 2)
    simulate(arrays, policy, SimConfig(periods=5, paths=3, warmup=3))
    assert (policy.decisions_.count, policy.decisions_.last_count) == (10, 5)
    assert _policy().decisions_ is None and GNNPolicy(policy.model).decisions_ is None  # off by default

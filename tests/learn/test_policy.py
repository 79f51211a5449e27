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

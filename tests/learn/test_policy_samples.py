"""Policy-labelled samples: the labels are the orders the simulator executed, the states its states."""

from __future__ import annotations

import numpy as np
import torch

from netinv.learn.feasibility import repair
from netinv.learn.features import NODE_FEATURES, network_features
from netinv.learn.policy_samples import policy_samples
from netinv.network.compile import compile_network
from netinv.policies.levels import newsvendor_levels
from netinv.sim import SimConfig, simulate
from tests.learn.helpers import generated_graph


class Repaired:
    """``policy`` with its orders cut as the simulator would cut them, written out here apart from the
    recorder."""

    def __init__(self, policy):
        self.policy, self.name = policy, "repaired"

    def prepare(self, arrays, paths):
        self.arrays = arrays
        self.policy.prepare(arrays, paths)

    def orders(self, state):
        return repair(self.policy.orders(state), state, self.arrays)


def test_labels_and_states_are_those_of_the_simulation():
    """Each sample's y x mu is the order of its period and path in the simulation of the repaired
    base-stock policy, and its on-hand feature x lambda that simulation's stock at the end of the period
    before; the simulator never cuts these orders, though it cuts raw base-stock's on this network."""
    arrays = compile_network(generated_graph("distribution", 12, 3))
    config = SimConfig(periods=6, paths=3, seed=7, record=True)
    raw = simulate(arrays, newsvendor_levels(arrays).policy(), config).trace
    trace = simulate(arrays, Repaired(newsvendor_levels(arrays).policy()), config).trace
    assert raw["owed"].max() > 1.0 and trace["owed"].max() < 1e-3
    warmup = 2
    samples = policy_samples(arrays, newsvendor_levels(arrays).policy(), network=11, periods=config.periods,
                             paths=config.paths, seed=config.seed, warmup=warmup)
    assert len(samples) == (config.periods - warmup) * config.paths
    net = network_features(arrays)
    on_hand = NODE_FEATURES.index("on_hand")
    for k, sample in enumerate(samples):
        t, b = warmup + k // config.paths, k % config.paths
        assert (int(sample.period), int(sample.network), int(sample["round"])) == (t, 11, 0)
        assert sample.y.dtype == torch.float32 and torch.isnan(sample.objective).all()
        np.testing.assert_allclose(sample.y.numpy() * net.edge_scale, trace["orders"][t][:, b], rtol=1e-5,
                                   atol=1e-4)
        np.testing.assert_allclose(sample.x[:, on_hand].numpy() * net.node_scale, trace["on_hand"][t - 1][:, b],
                                   rtol=1e-5, atol=1e-3)

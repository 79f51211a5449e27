"""The GNN policy's ``forecast``: what the model sees in its forecast features follows it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netinv.demand.forecast import DemandForecast
from netinv.errors import InputError
from netinv.exact.planning import expected_demand
from netinv.learn.features import FORECAST_PERIODS, NODE_FEATURES
from netinv.learn.policy import GNNPolicy
from netinv.network.compile import compile_network
from netinv.sim import SimConfig, simulate
from tests.learn.helpers import scenario_graph

FIRST = NODE_FEATURES.index("forecast_0")


class Recorder(torch.nn.Module):
    """Stands in for the model: keeps the forecast features of every period, orders nothing."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, data):
        self.seen.append(data.x[:, :, FIRST:FIRST + FORECAST_PERIODS].numpy().copy())  # (N, B, F)
        return torch.zeros(data.edge_attr.shape[0], data.x.shape[1])


def forecast_features(arrays, forecast, periods=6, paths=2):
    recorder = Recorder()
    simulate(arrays, GNNPolicy(recorder, forecast=forecast), SimConfig(periods=periods, paths=paths))
    return np.stack(recorder.seen)  # (T, N, B, F)


def test_forecast_features_follow_a_callable_and_a_forecast_object():
    arrays = compile_network(scenario_graph("retail_network.yaml"))
    demand_ids = list(arrays.node_ids[arrays.demand_slice])
    D, ds = len(demand_ids), arrays.demand_slice
    policy = GNNPolicy(Recorder())
    policy.prepare(arrays, 1)
    scale = policy.network_.node_scale[ds]  # the features are demand / lambda

    # without a forecast: the distributions' means
    plain = forecast_features(arrays, None)
    np.testing.assert_allclose(plain[:, ds, 0, 0], expected_demand(arrays, 0, 6) / scale, rtol=1e-5)

    # a callable t -> (H, D): period t sees rows t, t+1, ...
    def ramp(t):
        return (10.0 * t + np.arange(FORECAST_PERIODS))[:, None] * np.ones(D)

    seen = forecast_features(arrays, ramp)
    for t in range(6):
        np.testing.assert_allclose(seen[t, ds, 1, :], ramp(t).T / scale[:, None], rtol=1e-5)
    assert not np.allclose(seen[:, ds], plain[:, ds])
    np.testing.assert_array_equal(np.delete(seen, np.r_[ds], axis=1), np.delete(plain, np.r_[ds], axis=1))

    # a DemandForecast covering one store: its mean path there, the distribution elsewhere; near its
    # end the periods it still covers, the last one repeated
    covered = demand_ids[1]
    mean = np.arange(1.0, 8.0)[:, None] * 5  # 7 periods
    seen = forecast_features(arrays, DemandForecast((covered,), mean, np.zeros((0, 1))))
    j = 1
    for t in range(6):
        rows = np.minimum(t + np.arange(FORECAST_PERIODS), 6)
        np.testing.assert_allclose(seen[t, ds.start + j, 0, :], mean[rows, 0] / scale[j], rtol=1e-5)
    others = [k for k in range(D) if k != j]
    np.testing.assert_allclose(seen[:, ds.start + np.array(others)], plain[:, ds.start + np.array(others)], rtol=1e-6)


def test_a_forecast_that_has_run_out_is_an_error():
    arrays = compile_network(scenario_graph("retail_network.yaml"))
    node = arrays.node_ids[arrays.demand_slice][0]
    short = DemandForecast((node,), np.ones((3, 1)), np.zeros((0, 1)))
    with pytest.raises(InputError, match="covers periods 0..2, the policy is at period 3"):
        simulate(arrays, GNNPolicy(Recorder(), forecast=short), SimConfig(periods=5, paths=1))

"""Expected and sampled demand over a window, and the normal-demand formulas shared across netinv."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netinv.demand.distributions import DemandSampler, parse_demand
from netinv.demand.expected import (
    censored_normal_mean,
    expected_demand,
    mean_demand,
    normal_loss,
    sample_demand,
)
from netinv.network.compile import compile_network
from tests.conftest import network

PHI0 = 1 / math.sqrt(2 * math.pi)  # phi(0)


def test_normal_loss_known_values():
    assert normal_loss(0.0) == pytest.approx(PHI0)  # E[Z^+]
    assert normal_loss(-3.0) == pytest.approx(3.0 + normal_loss(3.0))  # L(-z) = z + L(z)
    assert normal_loss(1.0) == pytest.approx(0.0833155, abs=1e-7)  # the textbook table
    np.testing.assert_allclose(normal_loss(np.array([0.0, 8.0])), [PHI0, 0.0], atol=1e-12)


def test_censored_normal_mean_against_the_closed_form_and_sampling():
    assert censored_normal_mean(0.0, 1.0) == pytest.approx(PHI0)  # E[max(0, Z)]
    assert censored_normal_mean(50.0, 5.0) == pytest.approx(50.0)  # censoring negligible 10 sigma out
    assert censored_normal_mean(2.0, 3.0) == pytest.approx(3.0 * normal_loss(-2.0 / 3.0))  # sigma L(-mu/sigma)
    draws = DemandSampler([parse_demand({"distribution": "normal", "mean": 1.0, "std": 2.0})], seed=3).draw(0, 400, 500)
    assert draws.mean() == pytest.approx(censored_normal_mean(1.0, 2.0), abs=0.01)


def test_mean_demand_of_each_kind_of_spec():
    assert mean_demand(parse_demand({"distribution": "poisson", "mean": 7.0})) == 7.0
    assert mean_demand(parse_demand({"distribution": "normal", "mean": 4.0, "std": 0.0})) == 4.0
    assert mean_demand(parse_demand({"distribution": "normal", "mean": 0.0, "std": 2.0})) == pytest.approx(2 * PHI0)
    assert mean_demand(parse_demand({"distribution": "uniform", "low": 2.0, "high": 8.0})) == 5.0
    assert mean_demand(parse_demand({"distribution": "series", "values": [1.0, 2.0, 6.0]})) == 3.0


def _stores():
    return compile_network(network(
        [{"id": "plant"},
         {"id": "a", "shortage_cost": 1.0, "demand": {"distribution": "series", "values": [1, 2, 3]}},
         {"id": "b", "shortage_cost": 1.0, "demand": {"distribution": "normal", "mean": 0.0, "std": 1.0}},
         {"id": "c", "shortage_cost": 1.0, "demand": {"distribution": "uniform", "low": 0.0, "high": 4.0}}],
        [{"source": "plant", "target": "a"}, {"source": "plant", "target": "b"}, {"source": "plant", "target": "c"}],
    ))


def test_expected_demand_repeats_series_and_censors_normals():
    arrays = _stores()
    column = {n: j for j, n in enumerate(arrays.node_ids[arrays.demand_slice])}
    out = expected_demand(arrays, 2, 4)
    assert out.shape == (4, 3)
    assert out[:, column["a"]].tolist() == [3.0, 1.0, 2.0, 3.0]  # periods 2..5 of the cycle 1, 2, 3
    np.testing.assert_allclose(out[:, column["b"]], PHI0)
    np.testing.assert_allclose(out[:, column["c"]], 2.0)


def test_sample_demand_plain_is_the_simulators_stream_and_stratified_covers_every_stratum():
    arrays = _stores()
    plain = sample_demand(arrays, 0, 5, 6, 9)
    assert plain.shape == (6, 5, 3) and plain.dtype == np.float64
    np.testing.assert_array_equal(plain, np.transpose(DemandSampler(arrays.demand_specs, seed=9).draw(0, 5, 6), (2, 0, 1)))
    K = 8
    column = list(arrays.node_ids[arrays.demand_slice]).index("c")
    strata = sample_demand(arrays, 0, 5, K, 1, stratified=True)
    # uniform on [0, 4]: in every period exactly one of the K scenarios in each of the K strata
    for t in range(5):
        assert sorted(np.floor(strata[:, t, column] / (4.0 / K)).astype(int).tolist()) == list(range(K))
    series = list(arrays.node_ids[arrays.demand_slice]).index("a")
    assert (strata[:, :, series] == [1, 2, 3, 1, 2]).all()
    assert (strata >= 0).all()
    np.testing.assert_array_equal(strata, sample_demand(arrays, 0, 5, K, 1, stratified=True))  # seeded

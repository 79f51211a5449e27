"""Demand specs (the scenario's ``demand`` field) and the bulk sampler."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from netinv.demand.distributions import DISTRIBUTIONS, DemandSampler, parse_demand


def test_specs_know_their_moments():
    gamma = parse_demand({"distribution": "gamma", "mean": 10.0, "std": 4.0})
    assert gamma.shape == pytest.approx(6.25) and gamma.scale == pytest.approx(1.6)
    assert gamma.scipy().mean() == pytest.approx(10.0) and gamma.scipy().std() == pytest.approx(4.0)
    uniform = parse_demand({"distribution": "uniform", "low": 2.0, "high": 8.0})
    assert uniform.mean == 5.0 and uniform.std_dev == pytest.approx(6 / np.sqrt(12))
    empirical = parse_demand({"distribution": "empirical", "values": [3, 5, 9], "probabilities": [0.2, 0.5, 0.3]})
    assert empirical.mean == pytest.approx(0.6 + 2.5 + 2.7)
    assert parse_demand({"distribution": "poisson", "mean": 16}).std_dev == 4.0
    assert parse_demand({"distribution": "series", "values": [4, 6]}).to_dict() == {"distribution": "series",
                                                                                    "values": [4, 6]}
    assert set(DISTRIBUTIONS) == {"normal", "poisson", "gamma", "uniform", "empirical", "series"}


@pytest.mark.parametrize("spec", [
    {"distribution": "uniform", "low": 5.0, "high": 1.0},
    {"distribution": "empirical", "values": [1, 2], "probabilities": [0.5, 0.6]},
    {"distribution": "poisson", "mean": -1},
    {"distribution": "normal", "mean": 1, "std": 1, "extra": 3},
    {"distribution": "lognormal", "mean": 1},
])
def test_bad_specs_are_refused(spec):
    with pytest.raises(ValidationError):
        parse_demand(spec)


def test_sampler_shapes_moments_and_common_random_numbers():
    specs = [parse_demand(s) for s in (
        {"distribution": "poisson", "mean": 20},
        {"distribution": "normal", "mean": 50, "std": 5},
        {"distribution": "series", "values": [1, 2, 3]},
        {"distribution": "empirical", "values": [3, 5, 9], "probabilities": [0.2, 0.5, 0.3]},
    )]
    draws = DemandSampler(specs, seed=4).draw(1, 300, 200)
    assert draws.shape == (300, 4, 200) and draws.dtype == np.float32
    assert draws[:, 0].mean() == pytest.approx(20, rel=0.01) and draws[:, 0].var() == pytest.approx(20, rel=0.05)
    assert draws[:, 1].mean() == pytest.approx(50, rel=0.005) and (draws >= 0).all()
    np.testing.assert_array_equal(draws[:4, 2, 0], [2, 3, 1, 2])  # period 1 onwards of the cycle
    assert set(np.unique(draws[:, 3])) == {3, 5, 9}
    np.testing.assert_array_equal(draws, DemandSampler(specs, seed=4).draw(1, 300, 200))

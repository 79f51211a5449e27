"""Tagaras' two-location cost: the issue's symmetric instance, limits, and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from netinv.analytic.newsvendor import newsvendor
from netinv.demand.distributions import parse_demand
from netinv.errors import InputError
from netinv.transship.two_location import two_location_cost, two_location_optimum

NORMAL = parse_demand({"distribution": "normal", "mean": 100, "std": 30})
POISSON = parse_demand({"distribution": "poisson", "mean": 20})


def test_symmetric_normal_instance_of_the_issue():
    result = two_location_optimum([NORMAL, NORMAL], (1, 1), (4, 4), (0.5, 0.5))
    assert result.levels == pytest.approx((118.444, 118.444), abs=2e-3)
    assert result.expected_cost == pytest.approx(62.092, abs=1e-3)


def test_without_paying_transshipment_it_is_two_newsvendors():
    single = newsvendor(NORMAL, 1.0, 4.0)  # the plain normal X
    # censored at zero, E[(S - D)^+] = E[(S - X)^+] - E[(-X)^+] = ... - sigma L(mu / sigma)
    z = 100 / 30
    censoring = 30 * (stats.norm.pdf(z) - z * stats.norm.sf(z))
    for cost in ((5.0, 5.0), (math.inf, math.inf)):
        result = two_location_cost([NORMAL, NORMAL], (single.level, single.level), (1, 1), (4, 4), cost)
        assert result == pytest.approx(2 * (single.expected_cost - censoring), abs=1e-7)
    poisson = newsvendor(POISSON, 1.0, 4.0)
    exact = two_location_cost([POISSON, POISSON], (poisson.level, poisson.level), (1, 1), (4, 4), (5, 5))
    assert exact == pytest.approx(2 * poisson.expected_cost, rel=1e-9)


@pytest.mark.parametrize("demand", [NORMAL, POISSON, parse_demand({"distribution": "gamma", "mean": 20, "std": 8})])
def test_closed_form_equals_monte_carlo(demand):
    rng = np.random.default_rng(5)
    levels, h, p, c = np.array([22.0, 19.0]), np.array([1.0, 2.0]), np.array([4.0, 6.0]), (0.5, 1.5)
    if demand is NORMAL:
        levels = np.array([115.0, 105.0])
        d = np.maximum(rng.normal(100, 30, (1_000_000, 2)), 0.0)
    elif demand is POISSON:
        d = rng.poisson(20, (1_000_000, 2)).astype(float)
    else:
        d = rng.gamma(demand.shape, demand.scale, (1_000_000, 2))
    left, short = np.maximum(levels - d, 0), np.maximum(d - levels, 0)
    t12, t21 = np.minimum(left[:, 0], short[:, 1]), np.minimum(left[:, 1], short[:, 0])
    cost = (h[0] * (left[:, 0] - t12) + h[1] * (left[:, 1] - t21) + p[0] * (short[:, 0] - t21)
            + p[1] * (short[:, 1] - t12) + c[0] * t12 + c[1] * t21)
    exact = two_location_cost([demand, demand], levels, h, p, c)
    assert abs(cost.mean() - exact) < 4 * cost.std() / np.sqrt(cost.size)


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(InputError, match="holding_costs must be finite numbers >= 0"):
        two_location_cost([NORMAL, NORMAL], (100, 100), (-1, 1), (4, 4), (0.5, 0.5))
    with pytest.raises(InputError, match="has no probability distribution"):
        two_location_cost([parse_demand({"distribution": "series", "values": [1]}), NORMAL], (1, 1), (1, 1),
                          (4, 4), (0.5, 0.5))

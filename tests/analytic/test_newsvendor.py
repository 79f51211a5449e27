"""Newsvendor: textbook answers, closed form vs integration vs Monte Carlo, and brute-force optimality."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from netinv.analytic.newsvendor import NewsvendorResult, newsvendor, newsvendor_cost
from netinv.demand.distributions import parse_demand
from netinv.errors import InputError

HOLDING, SHORTAGE = 0.18, 0.70  # Snyder & Shen Example 4.3

DISTRIBUTIONS = {
    "normal": stats.norm(50, 8),
    "poisson": stats.poisson(50),
    "gamma": stats.gamma(4.0, scale=5.0),
    "uniform": stats.uniform(20, 40),
    "empirical": stats.rv_discrete(values=([10, 20, 30, 45], [0.1, 0.4, 0.3, 0.2])),
}


def test_normal_textbook_example():
    result = newsvendor(stats.norm(50, 8), HOLDING, SHORTAGE)
    assert isinstance(result, NewsvendorResult)
    assert result.level == pytest.approx(56.604, abs=0.001)
    assert result.expected_cost == pytest.approx(1.9976, abs=0.0005)
    assert result.critical_ratio == pytest.approx(0.70 / 0.88)


def test_poisson_textbook_example():
    result = newsvendor(stats.poisson(50), HOLDING, SHORTAGE)
    assert result.level == 56
    assert result.expected_cost == pytest.approx(1.7972, abs=0.0005)
    # the smallest integer reaching the critical ratio
    assert stats.poisson.cdf(55, 50) < result.critical_ratio <= stats.poisson.cdf(56, 50)


@pytest.mark.parametrize(
    ("spec", "frozen"),
    [
        ({"distribution": "normal", "mean": 50, "std": 8}, stats.norm(50, 8)),
        ({"distribution": "poisson", "mean": 50}, stats.poisson(50)),
        ({"distribution": "gamma", "mean": 20, "std": 10}, stats.gamma(4.0, scale=5.0)),
        ({"distribution": "uniform", "low": 20, "high": 60}, stats.uniform(20, 40)),
    ],
)
def test_demand_spec_equals_its_scipy_distribution(spec, frozen):
    from_spec = newsvendor(parse_demand(spec), HOLDING, SHORTAGE)
    from_scipy = newsvendor(frozen, HOLDING, SHORTAGE)
    assert from_spec.level == pytest.approx(from_scipy.level, rel=1e-12)
    assert from_spec.expected_cost == pytest.approx(from_scipy.expected_cost, rel=1e-12)


@pytest.mark.parametrize("level", [30.0, 50.0, 56.604, 75.0])
def test_normal_closed_form_equals_integration(level):
    def integrand(x):
        return (HOLDING * max(level - x, 0.0) + SHORTAGE * max(x - level, 0.0)) * stats.norm.pdf(x, 50, 8)

    integral, _ = integrate.quad(integrand, -50, 150, points=[level], limit=200)
    assert newsvendor_cost(stats.norm(50, 8), level, HOLDING, SHORTAGE) == pytest.approx(integral, rel=1e-9)


@pytest.mark.parametrize("level", [0.0, 40.5, 56.0, 80.0])
def test_discrete_summation_equals_direct_sum(level):
    support = np.arange(0, 400)
    pmf = stats.poisson.pmf(support, 50)
    direct = np.dot(HOLDING * np.maximum(level - support, 0) + SHORTAGE * np.maximum(support - level, 0), pmf)
    assert newsvendor_cost(stats.poisson(50), level, HOLDING, SHORTAGE) == pytest.approx(direct, rel=1e-10)


@pytest.mark.parametrize("name", ["gamma", "uniform"])
def test_expected_cost_matches_monte_carlo(name):
    frozen = DISTRIBUTIONS[name]
    result = newsvendor(frozen, HOLDING, SHORTAGE)
    draws = frozen.rvs(size=1_000_000, random_state=np.random.default_rng(12345))
    costs = HOLDING * np.maximum(result.level - draws, 0) + SHORTAGE * np.maximum(draws - result.level, 0)
    standard_error = costs.std(ddof=1) / np.sqrt(costs.size)
    assert abs(costs.mean() - result.expected_cost) < 4 * standard_error


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_optimal_level_beats_brute_force(name):
    frozen = DISTRIBUTIONS[name]
    result = newsvendor(frozen, HOLDING, SHORTAGE)
    assert newsvendor_cost(frozen, result.level, HOLDING, SHORTAGE) == pytest.approx(result.expected_cost)
    for neighbour in (result.level - 1, result.level + 1):
        assert newsvendor_cost(frozen, neighbour, HOLDING, SHORTAGE) > result.expected_cost
    if name in ("poisson", "empirical"):
        grid = np.arange(result.level - 30, result.level + 31)
    else:
        grid = np.linspace(result.level - 1, result.level + 1, 201)
    costs = np.array([newsvendor_cost(frozen, level, HOLDING, SHORTAGE) for level in grid])
    assert result.expected_cost <= costs.min() + 1e-12
    assert abs(grid[costs.argmin()] - result.level) <= (grid[1] - grid[0]) / 2 + 1e-9


def test_discrete_ties_go_to_the_smallest_level():
    # F(20) = 0.5 exactly = p / (p + h): levels 20 and 30 cost the same; the rule picks 20.
    frozen = stats.rv_discrete(values=([10, 20, 30], [0.25, 0.25, 0.5]))
    result = newsvendor(frozen, 1.0, 1.0)
    assert result.level == 20
    assert newsvendor_cost(frozen, 30, 1.0, 1.0) == pytest.approx(result.expected_cost)


def test_unfrozen_table_distribution_and_empirical_spec():
    table = stats.rv_discrete(values=([10, 20, 30, 45], [0.1, 0.4, 0.3, 0.2]))
    spec = parse_demand(
        {"distribution": "empirical", "values": [10, 20, 30, 45], "probabilities": [0.1, 0.4, 0.3, 0.2]}
    )
    assert newsvendor(table, HOLDING, SHORTAGE) == newsvendor(spec, HOLDING, SHORTAGE)


@pytest.mark.parametrize(
    ("distribution", "holding", "shortage", "message"),
    [
        (stats.norm(50, 8), -1.0, 0.7, "holding_cost"),
        (stats.norm(50, 8), 0.18, float("nan"), "shortage_cost"),
        (stats.norm(50, 8), 0.0, 0.0, "must be > 0"),
        (stats.norm(50, 8), 1.0, 0.0, "unbounded"),
        (parse_demand({"distribution": "series", "values": [1, 2]}), 1.0, 1.0, "series"),
        ([1, 2, 3], 1.0, 1.0, "list"),
        (stats.gamma, 1.0, 1.0, "parameters"),
    ],
)
def test_bad_input_raises_input_error(distribution, holding, shortage, message):
    with pytest.raises(InputError, match=message):
        newsvendor(distribution, holding, shortage)

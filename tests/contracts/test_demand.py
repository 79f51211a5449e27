"""Season demand: the closed-form expected sales against integration and sums, parsing, sampling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from netinv.contracts import Demand
from netinv.demand.distributions import parse_demand
from netinv.errors import InputError

ORDERS = [0.0, 3.5, 40.0, 97.2, 150.0]

CONTINUOUS = {
    "normal": (Demand.normal(100, 30), lambda x: stats.norm(100, 30).sf(x), -np.inf),
    "gamma": (Demand.gamma(80, 40), stats.gamma(4.0, scale=20.0).sf, 0.0),
    "uniform": (Demand.uniform(20, 120), stats.uniform(20, 100).sf, 0.0),
    "scipy-lognormal": (Demand.from_scipy(stats.lognorm(0.5, scale=60)), stats.lognorm(0.5, scale=60).sf, 0.0),
}


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
@pytest.mark.parametrize("order", ORDERS)
def test_expected_sales_equals_integration(name, order):
    demand, sf, low = CONTINUOUS[name]
    if np.isfinite(low):  # S(x) = integral_0^x P(D > y) dy for D >= 0
        expected = integrate.quad(sf, 0, order, limit=200)[0]
    else:  # untruncated normal: E[min(D, x)] = integral of min(y, x) f(y) dy
        pdf = stats.norm(100, 30).pdf
        expected = integrate.quad(lambda y: min(y, order) * pdf(y), -200, 400, points=[order], limit=400)[0]
    assert float(demand.sales(order)) == pytest.approx(expected, rel=1e-8, abs=1e-8)


def test_censored_normal_is_max_of_zero():
    demand = Demand.normal(20, 30, censored=True)
    pdf = stats.norm(20, 30).pdf
    for order in ORDERS:
        expected = integrate.quad(lambda y, order=order: min(max(y, 0.0), order) * pdf(y), -200, 250, points=[0, order], limit=400)[0]
        assert float(demand.sales(order)) == pytest.approx(expected, rel=1e-8, abs=1e-8)
    mean = integrate.quad(lambda y: max(y, 0.0) * pdf(y), -200, 250, points=[0], limit=400)[0]
    assert demand.mean == pytest.approx(mean, rel=1e-9)
    assert demand.ppf(0.1) == 0.0  # the 10% quantile of N(20, 30) is negative
    assert demand.sample(1000, np.random.default_rng(0)).min() == 0.0


@pytest.mark.parametrize("order", [0.0, 7.0, 7.5, 20.0, 35.0])
def test_poisson_sales_equal_the_direct_sum(order):
    k = np.arange(0, 200)
    expected = np.dot(np.minimum(k, order), stats.poisson.pmf(k, 20))
    assert float(Demand.poisson(20).sales(order)) == pytest.approx(expected, rel=1e-12)


def test_empirical_sales_and_quantile():
    demand = Demand.empirical([5, 1, 3, 3], [0.1, 0.2, 0.3, 0.4])
    assert list(demand.values) == [1, 3, 5]
    for order in [0, 1, 2, 3, 4.5, 9]:
        assert float(demand.sales(order)) == pytest.approx(0.2 * min(1, order) + 0.7 * min(3, order)
                                                           + 0.1 * min(5, order))
    assert demand.ppf(0.2) == 1 and demand.ppf(0.21) == 3 and demand.ppf(0.95) == 5
    assert demand.mean == pytest.approx(0.2 + 2.1 + 0.5)


def test_vectorized_over_orders():
    demand = Demand.gamma(50, 20)
    orders = np.array(ORDERS)
    assert np.allclose(demand.sales(orders), [float(demand.sales(x)) for x in ORDERS])


@pytest.mark.parametrize(
    ("text", "kind", "mean"),
    [("normal:100,30", "normal", 100.0), ("normal-censored:10,30", "normal-censored", None),
     ("poisson:12", "poisson", 12.0), ("uniform:10,30", "uniform", 20.0), ("gamma:50,20", "gamma", 50.0)],
)
def test_parse(text, kind, mean):
    demand = Demand.parse(text)
    assert demand.kind == kind
    if mean is not None:
        assert demand.mean == pytest.approx(mean)


def test_parse_empirical_file(tmp_path):
    path = tmp_path / "sample.csv"
    path.write_text("demand\n10\n20\n20\n40\n")
    demand = Demand.parse(f"empirical:{path}")
    assert list(demand.values) == [10, 20, 40] and demand.mean == pytest.approx(22.5)


def test_from_spec_matches_parse():
    spec = parse_demand({"distribution": "gamma", "mean": 50, "std": 20})
    assert Demand.from_spec(spec) == Demand.parse("gamma:50,20")
    assert Demand.from_spec(parse_demand({"distribution": "normal", "mean": 5, "std": 1})).kind == "normal"


@pytest.mark.parametrize(
    "text",
    ["normal", "normal:100", "normal:100,-3", "lognormal:1,2", "poisson:abc", "uniform:30,10", "gamma:0,1",
     "empirical:/no/such/file.csv"],
)
def test_bad_demand_strings_are_one_line_errors(text):
    with pytest.raises(InputError) as info:
        Demand.parse(text)
    assert "\n" not in str(info.value)

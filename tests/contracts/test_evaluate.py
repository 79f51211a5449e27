"""Contract evaluation: the published numbers, Cachon's coordination identities, global optimality, Monte
Carlo agreement and the sample-average LPs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netinv.contracts import (
    Buyback,
    CoordinatingDiscount,
    Demand,
    Market,
    Options,
    QuantityDiscount,
    QuantityFlexibility,
    RevenueSharing,
    SalesRebate,
    WholesalePrice,
    coordinates,
    coordinating,
    evaluate,
    integrated,
)
from netinv.contracts.evaluate import retailer_profit

TEXTBOOK = Market(price=10, supplier_cost=3, salvage=1, demand=Demand.normal(100, 30))
LINEAR = ["buyback", "revenue-sharing", "options", "quantity-discount"]
FAMILIES = [*LINEAR, "quantity-flexibility", "sales-rebate"]
DEMANDS = {
    "normal": Demand.normal(100, 30),
    "normal-censored": Demand.normal(40, 30, censored=True),
    "gamma": Demand.gamma(80, 50),
    "uniform": Demand.uniform(20, 180),
    "poisson": Demand.poisson(30),
}


def _market(demand="normal", **overrides):
    demand = DEMANDS[demand] if isinstance(demand, str) else demand
    values = {"price": 10, "supplier_cost": 3, "salvage": 1, "demand": demand} | overrides
    return Market(**values)


# --------------------------------------------------------------------------------------------------
# the numbers: N(100, 30) untruncated, p = 10, c_s = 3, c_r = 0, v = 1


def test_integrated_channel_textbook_numbers():
    best = integrated(TEXTBOOK)
    assert best.order == pytest.approx(122.941, abs=5e-4)
    assert best.channel_profit == pytest.approx(619.594, abs=5e-4)
    assert best.method == "closed form"


def test_wholesale_price_textbook_numbers():
    outcome = evaluate(WholesalePrice(6), TEXTBOOK)
    assert outcome.order == pytest.approx(95.809, abs=5e-4)
    assert outcome.retailer_profit == pytest.approx(293.332, abs=5e-4)
    assert outcome.supplier_profit == pytest.approx(287.426, abs=5e-4)
    assert outcome.efficiency == pytest.approx(0.9373, abs=5e-5)
    assert outcome.sales + outcome.leftover == pytest.approx(outcome.order)
    assert outcome.sales + outcome.lost_sales == pytest.approx(100)


# --------------------------------------------------------------------------------------------------
# coordination (Cachon 2003)


@pytest.mark.parametrize("demand", sorted(DEMANDS))
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("share", [0.2, 0.5, 0.8])
def test_coordinating_terms_coordinate_and_split_by_share(family, share, demand):
    market = _market(demand)
    if demand == "poisson" and family not in LINEAR:
        pytest.skip("first-order coordination needs continuous demand")
    contract = coordinating(family, market, share)
    outcome = evaluate(contract, market)
    best = integrated(market)
    assert coordinates(contract, market)
    assert outcome.channel_profit == pytest.approx(best.channel_profit, rel=1e-7)
    if family in LINEAR:  # closed form: exactly the integrated order
        assert outcome.order == pytest.approx(best.order, rel=1e-9)
    else:  # global search: the same order up to the search's tolerance
        assert outcome.order == pytest.approx(best.order, rel=1e-5)
    assert outcome.retailer_share == pytest.approx(share, abs=1e-6)


@pytest.mark.parametrize("family", LINEAR)
def test_coordination_with_goodwill_and_retailer_cost(family):
    market = Market(price=12, supplier_cost=4, retailer_cost=1, salvage=2, retailer_goodwill=1.5,
                    supplier_goodwill=0.5, demand=Demand.gamma(60, 25))
    for share in (0.3, 0.7):
        outcome = evaluate(coordinating(family, market, share), market)
        assert outcome.efficiency == pytest.approx(1.0, abs=1e-9)
        assert outcome.retailer_share == pytest.approx(share, abs=1e-9)


def test_textbook_coordinating_parameters():
    # without goodwill, lambda = share: b = (1 - lambda)(p - v), w = lambda (c - v) + v + b; phi = lambda, w = phi c
    buyback = coordinating("buyback", TEXTBOOK, 0.6)
    assert (buyback.wholesale_price, buyback.buyback_price) == pytest.approx((5.8, 3.6))
    revenue = coordinating("revenue-sharing", TEXTBOOK, 0.6)
    assert revenue.revenue_share == pytest.approx(0.6) and revenue.wholesale_price == pytest.approx(0.6 * 3)
    assert coordinating("quantity-discount", TEXTBOOK, 0.6).fraction == pytest.approx(0.6)


@pytest.mark.parametrize("demand", sorted(set(DEMANDS) - {"poisson"}))
@pytest.mark.parametrize("price", [3.01, 4.0, 6.0, 9.5])
def test_wholesale_price_above_cost_never_coordinates(price, demand):
    # continuous demand: the retailer's fractile (p - w)/(p - v) is below the channel's for every w > c_s
    market = _market(demand)
    outcome = evaluate(WholesalePrice(price), market)
    assert not coordinates(WholesalePrice(price), market)
    assert outcome.order < outcome.integrated.order
    assert outcome.efficiency < 1


def test_integer_orders_can_hide_a_small_markup():
    # Poisson demand: a wholesale price just above cost can leave the integer order unchanged
    market = _market("poisson")
    assert coordinates(WholesalePrice(3.01), market)
    assert not coordinates(WholesalePrice(4.0), market)


def test_wholesale_price_at_cost_coordinates_with_everything_to_the_retailer():
    assert coordinates(WholesalePrice(3), TEXTBOOK)
    assert coordinating("wholesale", TEXTBOOK, 1.0) == WholesalePrice(3)
    with pytest.raises(Exception, match="only at w = c_s"):
        coordinating("wholesale", TEXTBOOK, 0.5)


@pytest.mark.parametrize("demand", sorted(DEMANDS))
@pytest.mark.parametrize("phi", [0.05, 0.2, 0.45, 0.7, 0.95, 1.0])
def test_revenue_sharing_with_w_equal_phi_c_coordinates_for_every_phi(phi, demand):
    market = _market(demand)
    contract = RevenueSharing(phi * market.supplier_cost, phi)
    outcome = evaluate(contract, market)
    assert coordinates(contract, market)
    assert outcome.retailer_share == pytest.approx(phi, rel=1e-9)


# --------------------------------------------------------------------------------------------------
# the retailer's global optimum


def test_sales_rebate_takes_the_global_not_the_first_stationary_point():
    contract = SalesRebate(6, 6, 105)  # local maxima near 95.8 (below t) and 112.9 (above t)
    outcome = evaluate(contract, TEXTBOOK)
    first = evaluate(WholesalePrice(6), TEXTBOOK).order  # the stationary point below the threshold
    assert first < 105 < outcome.order
    assert outcome.retailer_profit > float(retailer_profit(contract, TEXTBOOK, first)) + 0.5


CONTRACTS = [
    WholesalePrice(6), Buyback(6, 3), RevenueSharing(1.5, 0.5), Options(1, 4), CoordinatingDiscount(0.4),
    QuantityFlexibility(6.5, 0.2), QuantityFlexibility(8, 0.6), SalesRebate(6, 6, 105), SalesRebate(7, 3, 60),
    QuantityDiscount(((0, 7), (90, 6.5), (130, 5))), QuantityDiscount(((0, 7), (90, 5.5)), all_units=False),
]


@pytest.mark.parametrize("demand", sorted(DEMANDS))
@pytest.mark.parametrize("contract", CONTRACTS, ids=repr)
def test_order_beats_brute_force_grid(contract, demand):
    market = _market(demand)
    outcome = evaluate(contract, market)
    top = 3 * market.demand.upper()
    grid = np.arange(0, top) if market.demand.is_discrete else np.linspace(0, top, 200_001)
    brute = float(np.max(retailer_profit(contract, market, grid)))
    assert outcome.retailer_profit >= brute - 1e-7 * max(1.0, abs(brute))
    if market.demand.is_discrete:
        assert outcome.order == int(outcome.order)


def test_poisson_orders_are_the_smallest_integer_fractile():
    market = _market("poisson")
    outcome = evaluate(WholesalePrice(6), market)
    ratio = 4 / 9
    assert market.demand.cdf(outcome.order - 1) < ratio <= market.demand.cdf(outcome.order)


# --------------------------------------------------------------------------------------------------
# Monte Carlo verification


def test_monte_carlo_estimates_the_textbook_numbers():
    outcome = evaluate(Buyback(6, 3), TEXTBOOK, monte_carlo=200_000, seed=1)
    for name in ("sales", "leftover", "lost_sales", "retailer_profit", "supplier_profit", "channel_profit",
                 "efficiency"):
        assert outcome.monte_carlo[name].agrees(getattr(outcome, name)), name
    assert outcome.monte_carlo["integrated_channel_profit"].agrees(outcome.integrated.channel_profit)


def _contracts_for(market, draw):
    c_s, p, v = market.supplier_cost, market.price, market.salvage
    w = c_s + draw(st.floats(0.0, 0.8)) * (p - c_s)
    b = draw(st.floats(0.0, 0.9)) * (w + market.retailer_cost - v)
    phi = draw(st.floats(0.05, 1))
    reserve = draw(st.floats(0.1, 1)) * c_s
    return [
        WholesalePrice(w), Buyback(w, b), RevenueSharing(phi * v + draw(st.floats(0.05, 1)) * c_s, phi),
        QuantityFlexibility(w, draw(st.floats(0, 1))), SalesRebate(w, draw(st.floats(0, 5)), draw(st.floats(0, 150))),
        Options(reserve, c_s - reserve + draw(st.floats(0, 0.8)) * (p - c_s)),
        CoordinatingDiscount(draw(st.floats(0.05, 1))),
        QuantityDiscount(((0, w), (draw(st.floats(1, 150)), max(c_s, w - 1)))),
    ]


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_monte_carlo_agrees_with_every_analytic_number(data):
    """Random markets (price 1.2 to 4 times the channel's cost) and contracts: every Monte Carlo estimate
    (20,000 draws) lies within 4 standard errors of the analytic number."""
    draw = data.draw
    demand = draw(st.sampled_from([Demand.normal(draw(st.floats(50, 150)), draw(st.floats(5, 40))),
                                   Demand.normal(draw(st.floats(0, 40)), draw(st.floats(5, 40)), censored=True),
                                   Demand.gamma(draw(st.floats(10, 100)), draw(st.floats(5, 60))),
                                   Demand.uniform(draw(st.floats(0, 50)), draw(st.floats(60, 200))),
                                   Demand.poisson(draw(st.floats(2, 60)))]))
    supplier_cost, retailer_cost = draw(st.floats(1, 10)), draw(st.floats(0, 1))
    cost = supplier_cost + retailer_cost
    market = Market(price=cost * draw(st.floats(1.2, 4)), supplier_cost=supplier_cost, demand=demand,
                    retailer_cost=retailer_cost, salvage=draw(st.floats(0, 0.9)) * cost,
                    retailer_goodwill=draw(st.floats(0, 2)), supplier_goodwill=draw(st.floats(0, 2)))
    contract = draw(st.sampled_from(_contracts_for(market, draw)))
    outcome = evaluate(contract, market, monte_carlo=20_000, seed=draw(st.integers(0, 2**31)))
    for name, estimate in outcome.monte_carlo.items():
        value = outcome.integrated.channel_profit if name == "integrated_channel_profit" else getattr(outcome, name)
        assert estimate.agrees(value), f"{name}: analytic {value}, Monte Carlo {estimate}"


# --------------------------------------------------------------------------------------------------
# empirical demand: sample-average LPs


@pytest.fixture(scope="module")
def big_sample():
    return Demand.empirical(Demand.gamma(80, 30).sample(10_000, np.random.default_rng(7)))


def test_saa_lp_matches_the_empirical_quantile_and_the_closed_form(big_sample):
    market = _market(big_sample)
    exact = _market(Demand.gamma(80, 30))
    best = integrated(market)
    assert best.method == "sample-average LP"
    # the LP's optimum is the empirical critical fractile (the same expected profit, ties aside)
    fractile = market.demand.ppf(market.critical_ratio)
    from netinv.contracts.evaluate import channel_profit

    assert channel_profit(market, best.order) == pytest.approx(channel_profit(market, fractile), rel=1e-9)
    # and close to the closed form of the distribution sampled
    assert best.order == pytest.approx(integrated(exact).order, rel=0.02)
    assert best.channel_profit == pytest.approx(integrated(exact).channel_profit, rel=0.02)
    outcome = evaluate(Buyback(6, 3), market)
    assert outcome.method == "sample-average LP"
    assert outcome.order == pytest.approx(evaluate(Buyback(6, 3), exact).order, rel=0.02)
    assert outcome.retailer_profit == pytest.approx(evaluate(Buyback(6, 3), exact).retailer_profit, rel=0.02)


def test_saa_lp_equals_breakpoint_enumeration():
    demand = Demand.empirical(np.random.default_rng(3).poisson(40, size=300).astype(float))
    market = Market(price=10, supplier_cost=3, salvage=1, demand=demand)
    for contract in (WholesalePrice(6), Buyback(6, 4), RevenueSharing(1, 0.4), Options(1, 5)):
        lp = evaluate(contract, market)
        assert lp.method == "sample-average LP"
        enumerated = float(np.max(retailer_profit(contract, market, np.concatenate([[0], demand.values]))))
        assert lp.retailer_profit == pytest.approx(enumerated, rel=1e-9)
    # non-concave contracts are enumerated over their kinks
    flexible = evaluate(QuantityFlexibility(7, 0.3), market)
    assert flexible.method == "global search"
    grid = np.linspace(0, 2 * demand.values.max(), 100_001)
    assert flexible.retailer_profit >= float(np.max(retailer_profit(QuantityFlexibility(7, 0.3), market, grid))) - 1e-9

"""Contract terms: each payment formula against the transfer written out per demand draw, the linear terms
against the payment, and one-line errors for bad terms."""

from __future__ import annotations

import numpy as np
import pytest

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
    evaluate,
)
from netinv.errors import InputError, InvalidContractError

MARKET = Market(price=10, supplier_cost=3, retailer_cost=0.5, salvage=1, demand=Demand.gamma(100, 30))
P, V = MARKET.price, MARKET.salvage
DEMAND = np.array([0.0, 20.0, 60.0, 95.0, 100.0, 130.0, 250.0])
Q = 100.0

# the payment on each demand draw d, written out by hand from the contract's definition
DIRECT = {
    WholesalePrice(6): lambda d: 6 * Q + 0 * d,
    Buyback(6, 2): lambda d: 6 * Q - 2 * np.maximum(Q - d, 0),
    RevenueSharing(1.5, 0.4): lambda d: 1.5 * Q + 0.6 * (P * np.minimum(d, Q) + V * np.maximum(Q - d, 0)),
    QuantityFlexibility(6, 0.25): lambda d: 6 * Q - (6 - V) * np.minimum(np.maximum(Q - d, 0), 0.25 * Q),
    SalesRebate(6, 2, 70): lambda d: 6 * Q - 2 * np.maximum(np.minimum(d, Q) - 70, 0),
    Options(1, 4): lambda d: 1 * Q + 4 * np.minimum(d, Q) + V * np.maximum(Q - d, 0),
    QuantityDiscount(((0, 7), (80, 6), (150, 5))): lambda d: 6 * Q + 0 * d,
    QuantityDiscount(((0, 7), (80, 6), (150, 5)), all_units=False): lambda d: 7 * 80 + 6 * 20 + 0 * d,
}


@pytest.mark.parametrize("contract", list(DIRECT), ids=repr)
def test_payment_equals_the_transfer_written_out(contract):
    realized = contract.payment(Q, lambda x: np.minimum(DEMAND, x), MARKET)
    assert np.allclose(realized, DIRECT[contract](DEMAND))


@pytest.mark.parametrize("contract", [WholesalePrice(6), Buyback(6, 2), RevenueSharing(1.5, 0.4), Options(1, 4),
                                      CoordinatingDiscount(0.3), QuantityDiscount(((0, 6),))], ids=repr)
def test_linear_terms_reproduce_the_retailer_profit(contract):
    from netinv.contracts.evaluate import retailer_profit

    a, b = contract.linear_terms(MARKET)
    orders = np.array([0.0, 50.0, 100.0, 140.0])
    expected = a * MARKET.demand.sales(orders) - b * orders - MARKET.retailer_goodwill * MARKET.demand.mean
    assert np.allclose(retailer_profit(contract, MARKET, orders), expected)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: evaluate(WholesalePrice(2), MARKET), "wholesale price w=2 is below the supplier's cost c_s=3"),
        (lambda: evaluate(Buyback(2.5, 1), MARKET), "below the supplier's cost"),
        (lambda: evaluate(QuantityFlexibility(2, 0.1), MARKET), "below the supplier's cost"),
        (lambda: evaluate(SalesRebate(2, 1, 50), MARKET), "below the supplier's cost"),
        (lambda: evaluate(QuantityDiscount(((0, 6), (100, 2.5))), MARKET), "unit price from order 100"),
        (lambda: evaluate(Buyback(6, 6), MARKET), "orders without limit"),
        (lambda: RevenueSharing(1, 1.3), r"phi must be in \[0, 1\], got 1.3"),
        (lambda: RevenueSharing(1, -0.1), "must be >= 0"),
        (lambda: QuantityFlexibility(6, 2), r"delta must be in \[0, 1\]"),
        (lambda: WholesalePrice(-1), "wholesale_price must be >= 0, got -1"),
        (lambda: WholesalePrice(float("nan")), "finite"),
        (lambda: QuantityDiscount(((10, 6),)), "first break must be at order 0"),
        (lambda: QuantityDiscount(((0, 6), (0, 5))), "must increase"),
        (lambda: Market(price=-10, supplier_cost=3, demand=Demand.normal(100, 30)), "price must be >= 0, got -10"),
        (lambda: Market(price=10, supplier_cost=-3, demand=Demand.normal(100, 30)), "supplier_cost must be >= 0"),
        (lambda: Market(price=10, supplier_cost=3, salvage=4, demand=Demand.normal(100, 30)), "salvage"),
        (lambda: Market(price=2, supplier_cost=3, demand=Demand.normal(100, 30)), "nothing is worth selling"),
    ],
)
def test_bad_terms_are_one_line_errors(make, match):
    with pytest.raises(InputError, match=match) as info:
        make()
    assert "\n" not in str(info.value)


def test_contract_errors_are_input_errors():
    assert issubclass(InvalidContractError, InputError)
    assert InvalidContractError("x").exit_code == 2


@pytest.mark.parametrize(("contract", "message"), [
    (lambda: RevenueSharing(wholesale_price=1.0, revenue_share=1.5),
     "revenue-sharing: revenue_share phi must be in [0, 1], got 1.5"),
    (lambda: QuantityFlexibility(wholesale_price=6.0, flexibility=1.2),
     "quantity-flexibility: flexibility delta must be in [0, 1], got 1.2"),
])
def test_fractions_must_be_in_the_unit_interval(contract, message):
    with pytest.raises(InvalidContractError) as error:
        contract()
    assert str(error.value) == message

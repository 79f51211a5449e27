"""netinv.contracts.market: the channel's costs, its critical ratio and one-line errors."""

from __future__ import annotations

import pytest

from netinv.contracts import Demand, Market
from netinv.demand.distributions import parse_demand
from netinv.errors import InputError


def test_channel_cost_goodwill_and_critical_ratio():
    market = Market(price=10.0, supplier_cost=3.0, demand=Demand.normal(100, 30), retailer_cost=1.0, salvage=2.0,
                    retailer_goodwill=0.5, supplier_goodwill=1.5)
    assert market.cost == 4.0 and market.goodwill == 2.0
    assert market.critical_ratio == pytest.approx((10 + 2 - 4) / (10 + 2 - 2))
    assert market.to_dict()["demand"] == market.demand.label


def test_a_netinv_spec_is_accepted():
    market = Market(price=10.0, supplier_cost=3.0, demand=parse_demand({"distribution": "poisson", "mean": 4.0}))
    assert isinstance(market.demand, Demand) and market.demand.mean == pytest.approx(4.0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"price": -1.0}, "market: price must be >= 0, got -1.0"),
    ({"salvage": 3.0}, "market: salvage v=3.0 must be below the channel's unit cost c_s + c_r = 3.0"),
    ({"price": 2.0}, "market: price + goodwill (2.0) must exceed the channel's unit cost c_s + c_r = 3.0"),
    ({"supplier_cost": float("nan")}, "market: supplier_cost must be a finite number, got nan"),
])
def test_bad_markets_are_one_line_errors(changes, message):
    terms = {"price": 10.0, "supplier_cost": 3.0, "demand": Demand.normal(100, 30)} | changes
    with pytest.raises(InputError) as error:
        Market(**terms)
    assert str(error.value).startswith(message)

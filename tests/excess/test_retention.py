"""netinv.excess.retention: Tersine & Toelle's closed form against enumeration and an independent cost account."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.excess.retention import (
    RetentionCase,
    disposal_benefit,
    economic_retention,
    retention_by_enumeration,
    retention_time,
)

CASE = RetentionCase(demand_rate=10, unit_price=20, salvage_price=8, order_cost=50, lot_size=100, holding_cost=0.2,
                     on_hand=2000)


def test_closed_form_by_hand_and_by_enumeration():
    # t0 = (P - Ps + C/Q) / h + Q / (2R) = (20 - 8 + 0.5) / 0.2 + 100 / 20 = 67.5 periods: 675 units
    assert retention_time(CASE) == pytest.approx(67.5)
    assert economic_retention(CASE) == pytest.approx(675)
    assert retention_by_enumeration(CASE) == 675
    small = RetentionCase(10, 20, 8, 50, 100, 0.2, on_hand=400)  # below R t0: keep it all
    assert economic_retention(small) == 400 == retention_by_enumeration(small)


def test_benefit_equals_an_independent_cost_account():
    """Integrate the stock over time directly (retained stock drawn down at R, then EOQ cycles of Q) and
    price the repurchases and orders: the cost saved by disposing equals NB for whole cycles, and the
    best whole-cycle retention is the one nearest the closed form."""
    c = CASE

    def cost(retained: float) -> float:
        horizon = c.on_hand / c.demand_rate
        t = np.linspace(0.0, horizon, 40_001)
        cycle_t = np.maximum(t - retained / c.demand_rate, 0.0)
        stock = np.where(t < retained / c.demand_rate, retained - c.demand_rate * t,
                         c.lot_size - np.mod(c.demand_rate * cycle_t, c.lot_size))
        bought = c.on_hand - retained
        held = float(np.sum((stock[1:] + stock[:-1]) / 2 * np.diff(t)))
        return c.holding_cost * held + (c.unit_price - c.salvage_price) * bought + c.order_cost * bought / c.lot_size

    whole = [c.on_hand - n * c.lot_size for n in range(0, 20)]
    for retained in (1900, 700, 600, 100):
        assert cost(c.on_hand) - cost(retained) == pytest.approx(disposal_benefit(c, retained), rel=1e-3, abs=1.0)
    assert min(whole, key=cost) == 700  # the whole-cycle retention nearest 675


def test_case_is_checked():
    with pytest.raises(InputError, match="demand_rate, lot_size and holding_cost must be > 0"):
        RetentionCase(0, 20, 8, 50, 100, 0.2, 10)
    with pytest.raises(InputError, match="salvage_price <= unit_price"):
        RetentionCase(1, 20, 28, 50, 100, 0.2, 10)

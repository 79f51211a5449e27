"""How much excess stock to keep: Tersine and Toelle's (1985) economic retention.

R. J. Tersine and R. A. Toelle, "Optimum stock levels for excess inventory items", Journal of Operations
Management 5(3), 1985, pp. 245-256 (first model, no discounting). An item with stock W on hand and a
steady demand [R] units per period is normally bought in lots [Q] at a unit price [P] with an order
cost [C] and a holding cost [h = P F] per unit per period; a unit disposed of now fetches [P_s]. Keeping
a time supply t (R t units) and disposing of W - R t, the net benefit of the disposal is

    NB(t) = P_s (W - R t)                          salvage revenue
          + h (W^2 - R^2 t^2) / (2 R)              holding cost saved (stock drawn down linearly)
          - P (W - R t)                            the units bought again later
          - C (W - R t) / Q                        the orders placed for them
          - h Q (W - R t) / (2 R)                  their cycle stock, Q / 2 held over (W - R t) / R

a concave parabola in t; dNB/dt = 0 gives the paper's optimum time supply

    t0 = (P - P_s + C / Q) / h + Q / (2 R)         [Tersine & Toelle's t0 = (P - Ps + C/Q)/(PF) + Q/(2R)]

so the economic retention is R t0 units: stock above it is worth more disposed of at P_s (when
W <= R t0, keep it all). :func:`retention_by_enumeration` checks the closed form against NB evaluated
on every whole retained quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netinv.errors import InputError


@dataclass(frozen=True)
class RetentionCase:
    """One item. demand_rate [R] units per period; unit_price [P]; salvage_price [P_s] per unit
    disposed of; order_cost [C] per order; lot_size [Q] units per order; holding_cost [h = P F] per unit
    per period; on_hand [W] units."""

    demand_rate: float
    unit_price: float
    salvage_price: float
    order_cost: float
    lot_size: float
    holding_cost: float
    on_hand: float

    def __post_init__(self):
        if min(self.demand_rate, self.lot_size, self.holding_cost) <= 0:
            raise InputError("demand_rate, lot_size and holding_cost must be > 0")
        if min(self.unit_price, self.order_cost, self.on_hand) < 0 or self.salvage_price > self.unit_price:
            raise InputError("unit_price, order_cost, on_hand must be >= 0 and salvage_price <= unit_price")


def retention_time(case: RetentionCase) -> float:
    """Tersine and Toelle's optimum time supply retained t0, in periods (module docstring)."""
    c = case
    return (c.unit_price - c.salvage_price + c.order_cost / c.lot_size) / c.holding_cost + c.lot_size / (2 * c.demand_rate)


def economic_retention(case: RetentionCase) -> float:
    """Units to keep: min(W, R t0); the rest is disposed of at the salvage price."""
    return min(case.on_hand, case.demand_rate * retention_time(case))


def disposal_benefit(case: RetentionCase, retained: float) -> float:
    """NB: the net benefit of keeping ``retained`` units and disposing of the rest (module docstring)."""
    c, rate = case, case.demand_rate
    out = c.on_hand - retained
    held = c.holding_cost * (c.on_hand**2 - retained**2) / (2 * rate)
    cycle = c.holding_cost * c.lot_size * out / (2 * rate)
    return c.salvage_price * out + held - c.unit_price * out - c.order_cost * out / c.lot_size - cycle


def retention_by_enumeration(case: RetentionCase) -> int:
    """The whole number of units to keep with the largest NB, by evaluating every one of 0..W."""
    grid = np.arange(int(np.floor(case.on_hand)) + 1, dtype=float)
    return int(grid[np.argmax([disposal_benefit(case, q) for q in grid])])

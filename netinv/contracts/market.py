"""The supplier-retailer market a contract is written for (Cachon 2003, section 2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from netinv.contracts.demand import Demand
from netinv.errors import InputError


@dataclass(frozen=True)
class Market:
    """A single-season market: a newsvendor retailer buys from a supplier before demand is known.

    Attributes:
        price: retail price per unit sold [p].
        supplier_cost: supplier's production cost per unit [c_s].
        demand: season demand [D] (:class:`~netinv.contracts.demand.Demand`, or a netinv demand spec,
            whose ``normal`` is taken untruncated).
        retailer_cost: retailer's marginal cost per unit ordered [c_r].
        salvage: value per unit left over at the end of the season [v], < c_s + c_r.
        retailer_goodwill: retailer's goodwill cost per unit of lost sales [g_r].
        supplier_goodwill: supplier's goodwill cost per unit of lost sales [g_s].

    The channel's profit at order q is
    Pi(q) = (p - v + g) S(q) - (c - v) q - g mu, with c = c_s + c_r and g = g_r + g_s.
    """

    price: float
    supplier_cost: float
    demand: Demand
    retailer_cost: float = 0.0
    salvage: float = 0.0
    retailer_goodwill: float = 0.0
    supplier_goodwill: float = 0.0

    def __post_init__(self):
        for name in ("price", "supplier_cost", "retailer_cost", "salvage", "retailer_goodwill",
                     "supplier_goodwill"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InputError(f"market: {name} must be a finite number, got {value!r}")
            if value < 0:
                raise InputError(f"market: {name} must be >= 0, got {value}")
        if not isinstance(self.demand, Demand):
            object.__setattr__(self, "demand", Demand.from_spec(self.demand))
        if self.salvage >= self.cost:
            raise InputError(f"market: salvage v={self.salvage} must be below the channel's unit cost "
                             f"c_s + c_r = {self.cost} (else any order is worth placing)")
        if self.price + self.goodwill <= self.cost:
            raise InputError(f"market: price + goodwill ({self.price + self.goodwill}) must exceed the channel's "
                             f"unit cost c_s + c_r = {self.cost}, or nothing is worth selling")

    @property
    def cost(self) -> float:
        """The channel's unit cost c = c_s + c_r."""
        return self.supplier_cost + self.retailer_cost

    @property
    def goodwill(self) -> float:
        """The channel's goodwill cost g = g_r + g_s."""
        return self.retailer_goodwill + self.supplier_goodwill

    @property
    def critical_ratio(self) -> float:
        """The integrated channel's fractile (p + g - c) / (p + g - v)."""
        return (self.price + self.goodwill - self.cost) / (self.price + self.goodwill - self.salvage)

    def to_dict(self) -> dict:
        return {"price": self.price, "supplier_cost": self.supplier_cost, "retailer_cost": self.retailer_cost,
                "salvage": self.salvage, "retailer_goodwill": self.retailer_goodwill,
                "supplier_goodwill": self.supplier_goodwill, "demand": self.demand.label}

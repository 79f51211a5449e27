"""Contract terms between a supplier and a newsvendor retailer (Cachon 2003; Cachon & Lariviere 2005).

Each contract is a small frozen dataclass that knows one thing: the retailer's payment to the supplier,
T(q), as a function of the order q and of the sales function ``sales(x) = min(D, x)``. The same formula
gives the expected transfer (``sales`` = the expected-sales function S) and the transfer on a demand
draw (``sales`` = the realized ``min(d, x)``), because every transfer is linear in sales at fixed
points. With leftover I(q) = q - S(q) and lost sales L(q) = mu - S(q), the parties earn

    retailer:  pi_r(q) = p S(q) + v I(q) - g_r L(q) - c_r q - T(q)
    supplier:  pi_s(q) = T(q) - c_s q - g_s L(q)

and their sum is the channel's profit Pi(q), whatever T is. The retailer salvages leftover units at v;
where a contract returns units to the supplier (buyback, quantity flexibility, options) the supplier's
salvage value is v too, which lets T carry the net credit.

A contract whose retailer profit is a S(q) - b q - g_r mu (wholesale price, buyback, revenue sharing,
options, the coordinating quantity discount) also reports ``linear_terms`` (a, b): its retailer's
problem is a newsvendor with critical ratio 1 - b / a, solved in closed form, and as a linear program
for empirical demand. The others (quantity flexibility, sales rebate, discount tables) have
non-concave retailer profits; :func:`netinv.contracts.evaluate` searches them globally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from netinv.errors import InvalidContractError


class Contract:
    """Base class: ``family`` is the contract's name (as in ``--contract FAMILY:...``); ``keys`` maps each
    short key of the contract string to a field."""

    family: ClassVar[str] = ""
    keys: ClassVar[dict[str, str]] = {}

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                if not math.isfinite(value):
                    raise InvalidContractError(f"{self.family}: {f.name} must be a finite number, got {value}")
                if value < 0:
                    raise InvalidContractError(f"{self.family}: {f.name} must be >= 0, got {value}")

    def payment(self, order, sales, market):
        """The retailer's payment to the supplier [T(q)] (see the module docstring)."""
        raise NotImplementedError

    def linear_terms(self, market) -> tuple[float, float] | None:
        """(a, b) with pi_r(q) = a S(q) - b q - g_r mu, or None when pi_r is not of that form."""
        return None

    def kinks(self, market) -> tuple[float, ...]:
        """Orders where the retailer's profit has a kink or a jump (searched explicitly)."""
        return ()

    def check(self, market) -> None:
        """Raise :class:`InvalidContractError` when the terms make no sense in ``market``."""

    def parameters(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict:
        return {"family": self.family, **self.parameters()}

    def _price_at_least_cost(self, price: float, market, what: str = "wholesale price w") -> None:
        if price < market.supplier_cost:
            raise InvalidContractError(f"{self.family}: {what}={price:g} is below the supplier's cost "
                                       f"c_s={market.supplier_cost:g}")


@dataclass(frozen=True)
class WholesalePrice(Contract):
    """The retailer pays w per unit ordered: T = w q.

    Attributes:
        wholesale_price: per unit ordered [w], >= c_s.
    """

    wholesale_price: float
    family: ClassVar[str] = "wholesale"
    keys: ClassVar[dict[str, str]] = {"w": "wholesale_price"}

    def payment(self, order, sales, market):
        return self.wholesale_price * np.asarray(order, dtype=float)

    def linear_terms(self, market):
        m = market
        return m.price - m.salvage + m.retailer_goodwill, self.wholesale_price + m.retailer_cost - m.salvage

    def check(self, market):
        self._price_at_least_cost(self.wholesale_price, market)


@dataclass(frozen=True)
class Buyback(Contract):
    """Wholesale price w, and the supplier credits b per unit left over: T = w q - b I(q).

    Attributes:
        wholesale_price: per unit ordered [w], >= c_s.
        buyback_price: credit per unit left over at the end of the season [b].
    """

    wholesale_price: float
    buyback_price: float
    family: ClassVar[str] = "buyback"
    keys: ClassVar[dict[str, str]] = {"w": "wholesale_price", "b": "buyback_price"}

    def payment(self, order, sales, market):
        q = np.asarray(order, dtype=float)
        return self.wholesale_price * q - self.buyback_price * (q - sales(q))

    def linear_terms(self, market):
        m, b = market, self.buyback_price
        return m.price - m.salvage + m.retailer_goodwill - b, self.wholesale_price + m.retailer_cost - m.salvage - b

    def check(self, market):
        self._price_at_least_cost(self.wholesale_price, market)
        if self.buyback_price + market.salvage >= self.wholesale_price + market.retailer_cost:
            raise InvalidContractError(
                f"buyback: b + v = {self.buyback_price + market.salvage:g} must be below w + c_r = "
                f"{self.wholesale_price + market.retailer_cost:g}, or the retailer orders without limit")


def _require_fraction(family: str, name: str, value: float) -> None:
    """A contract parameter that is a fraction: ``<family>: <name> must be in [0, 1], got <value>``."""
    if not 0 <= value <= 1:
        raise InvalidContractError(f"{family}: {name} must be in [0, 1], got {value}")


@dataclass(frozen=True)
class RevenueSharing(Contract):
    """Wholesale price w, and the retailer keeps the fraction phi of its revenue (sales and salvage):
    T = w q + (1 - phi) (p S(q) + v I(q)). The wholesale price may be below c_s.

    Attributes:
        wholesale_price: per unit ordered [w].
        revenue_share: the retailer's share of revenue [phi], in [0, 1].
    """

    wholesale_price: float
    revenue_share: float
    family: ClassVar[str] = "revenue-sharing"
    keys: ClassVar[dict[str, str]] = {"w": "wholesale_price", "phi": "revenue_share"}

    def __post_init__(self):
        super().__post_init__()
        _require_fraction(self.family, "revenue_share phi", self.revenue_share)

    def payment(self, order, sales, market):
        q = np.asarray(order, dtype=float)
        sold = sales(q)
        return self.wholesale_price * q + (1 - self.revenue_share) * (market.price * sold + market.salvage * (q - sold))

    def linear_terms(self, market):
        m, phi = market, self.revenue_share
        a = phi * (m.price - m.salvage) + m.retailer_goodwill
        return a, self.wholesale_price + m.retailer_cost - phi * m.salvage

    def check(self, market):
        a, b = self.linear_terms(market)
        if b <= 0:
            raise InvalidContractError(f"revenue-sharing: w + c_r - phi v = {b:g} must be > 0, or the retailer "
                                       "orders without limit")


@dataclass(frozen=True)
class QuantityFlexibility(Contract):
    """Wholesale price w; after demand the retailer may return up to delta q unsold units for a full
    refund w: T = w q - (w - v)^+ E[min(I(q), delta q)], and min(I(q), delta q) = I(q) - I((1 - delta) q).

    Attributes:
        wholesale_price: per unit ordered [w], >= c_s.
        flexibility: fraction of the order that may be returned [delta], in [0, 1].
    """

    wholesale_price: float
    flexibility: float
    family: ClassVar[str] = "quantity-flexibility"
    keys: ClassVar[dict[str, str]] = {"w": "wholesale_price", "delta": "flexibility"}

    def __post_init__(self):
        super().__post_init__()
        _require_fraction(self.family, "flexibility delta", self.flexibility)

    def payment(self, order, sales, market):
        q = np.asarray(order, dtype=float)
        kept = (1 - self.flexibility) * q
        returned = (q - sales(q)) - (kept - sales(kept))
        return self.wholesale_price * q - max(self.wholesale_price - market.salvage, 0.0) * returned

    def kinks(self, market):
        d = market.demand
        if d.is_empirical and self.flexibility < 1:
            return tuple(d.values / (1 - self.flexibility))
        return ()

    def check(self, market):
        self._price_at_least_cost(self.wholesale_price, market)


@dataclass(frozen=True)
class SalesRebate(Contract):
    """Wholesale price w; the supplier pays r per unit sold above the threshold t:
    T = w q - r E[(min(D, q) - t)^+] = w q - r (S(max(q, t)) - S(t)).

    Attributes:
        wholesale_price: per unit ordered [w], >= c_s.
        rebate: per unit sold above the threshold [r].
        threshold: sales above which the rebate is paid [t].
    """

    wholesale_price: float
    rebate: float
    threshold: float
    family: ClassVar[str] = "sales-rebate"
    keys: ClassVar[dict[str, str]] = {"w": "wholesale_price", "r": "rebate", "t": "threshold"}

    def payment(self, order, sales, market):
        q = np.asarray(order, dtype=float)
        above = sales(np.maximum(q, self.threshold)) - sales(np.full_like(q, self.threshold))
        return self.wholesale_price * q - self.rebate * above

    def kinks(self, market):
        return (self.threshold,)

    def check(self, market):
        self._price_at_least_cost(self.wholesale_price, market)


@dataclass(frozen=True)
class Options(Contract):
    """The retailer reserves q units at o each and, after demand, exercises min(D, q) of them at e each;
    the supplier builds q and salvages the unexercised units at v: T = o q + e S(q) + v I(q) (the
    retailer's salvage v I passes to the supplier). c_r is paid per unit reserved.

    Attributes:
        reservation_price: per unit reserved [o].
        exercise_price: per unit exercised [e].
    """

    reservation_price: float
    exercise_price: float
    family: ClassVar[str] = "options"
    keys: ClassVar[dict[str, str]] = {"reserve": "reservation_price", "exercise": "exercise_price"}

    def payment(self, order, sales, market):
        q = np.asarray(order, dtype=float)
        sold = sales(q)
        return self.reservation_price * q + self.exercise_price * sold + market.salvage * (q - sold)

    def linear_terms(self, market):
        m = market
        return m.price + m.retailer_goodwill - self.exercise_price, self.reservation_price + m.retailer_cost

    def check(self, market):
        if self.reservation_price + market.retailer_cost <= 0:
            raise InvalidContractError("options: reservation price + c_r must be > 0, or the retailer reserves "
                                       "without limit")
        self._price_at_least_cost(self.reservation_price + self.exercise_price, market,
                                  "reservation + exercise price o + e")


@dataclass(frozen=True)
class QuantityDiscount(Contract):
    """A price schedule by order size: ``breaks`` = ((q_0 = 0, w_0), (q_1, w_1), ...), increasing q_k.

    All-units (default): every unit costs w_k when q_k <= q < q_{k+1}, T = w_k q. Incremental: the
    units between q_k and q_{k+1} cost w_k each.

    Attributes:
        breaks: (minimum order, unit price) pairs, the first at order 0.
        all_units: all-units (True) or incremental (False) discount.
    """

    breaks: tuple[tuple[float, float], ...]
    all_units: bool = True
    family: ClassVar[str] = "quantity-discount"
    keys: ClassVar[dict[str, str]] = {}

    def __post_init__(self):
        try:
            pairs = tuple((float(q), float(w)) for q, w in self.breaks)
        except (TypeError, ValueError):
            raise InvalidContractError("quantity-discount: breaks must be (minimum order, unit price) pairs") from None
        object.__setattr__(self, "breaks", pairs)
        if not pairs or pairs[0][0] != 0:
            raise InvalidContractError("quantity-discount: the first break must be at order 0")
        for q, w in pairs:
            if not (math.isfinite(q) and math.isfinite(w) and w >= 0):
                raise InvalidContractError(f"quantity-discount: unit price at {q:g} must be a finite number >= 0, got {w}")
        if any(b[0] <= a[0] for a, b in zip(pairs, pairs[1:])):
            raise InvalidContractError("quantity-discount: break quantities must increase")

    def payment(self, order, sales, market):
        q = np.asarray(order, dtype=float)
        starts = np.array([b[0] for b in self.breaks])
        prices = np.array([b[1] for b in self.breaks])
        if self.all_units:
            return prices[np.searchsorted(starts, q, side="right") - 1] * q
        ends = np.append(starts[1:], np.inf)
        return sum(w * np.clip(q - s, 0.0, e - s) for s, e, w in zip(starts, ends, prices))

    def linear_terms(self, market):
        if len(self.breaks) == 1:
            m = market
            return m.price - m.salvage + m.retailer_goodwill, self.breaks[0][1] + m.retailer_cost - m.salvage
        return None

    def kinks(self, market):
        return tuple(q for q, _ in self.breaks[1:])

    def check(self, market):
        for q, w in self.breaks:
            self._price_at_least_cost(w, market, f"unit price from order {q:g}")

    def parameters(self):
        return {"breaks": [list(b) for b in self.breaks], "all_units": self.all_units}


@dataclass(frozen=True)
class CoordinatingDiscount(Contract):
    """Cachon's (2003) coordinating quantity discount: the price schedule
    w(q) q = T(q) = [(p - v + g_r) - lambda (p - v + g)] S(q) + [v - c_r + lambda (c - v)] q,
    a unit price w(q) that falls as q grows (S(q) / q falls). The schedule is fixed before demand, so the
    payment uses the *expected* sales S(q) whatever demand turns out to be; the retailer then earns
    lambda [(p - v + g) S(q) - (c - v) q] - g_r mu.

    Attributes:
        fraction: the retailer's fraction of the channel's gross profit [lambda], in (0, 1].
    """

    fraction: float
    family: ClassVar[str] = "quantity-discount"
    keys: ClassVar[dict[str, str]] = {"lambda": "fraction"}

    def __post_init__(self):
        super().__post_init__()
        if not 0 < self.fraction <= 1:
            raise InvalidContractError(f"coordinating discount: fraction lambda must be in (0, 1], got {self.fraction}")

    def payment(self, order, sales, market):
        m, lam = market, self.fraction
        q = np.asarray(order, dtype=float)
        expected = m.demand.sales(q)
        return ((m.price - m.salvage + m.retailer_goodwill - lam * (m.price - m.salvage + m.goodwill)) * expected
                + (m.salvage - m.retailer_cost + lam * (m.cost - m.salvage)) * q)

    def linear_terms(self, market):
        m = market
        return self.fraction * (m.price - m.salvage + m.goodwill), self.fraction * (m.cost - m.salvage)


CONTRACTS: dict[str, type[Contract]] = {
    cls.family: cls
    for cls in (WholesalePrice, Buyback, RevenueSharing, QuantityFlexibility, SalesRebate, Options, QuantityDiscount)
}

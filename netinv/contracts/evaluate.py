"""Evaluate a contract: the retailer's optimal order, each party's expected profit, channel efficiency.

How the retailer's order is found (``method`` in the outcome):

* ``closed form``: contracts with ``linear_terms`` (a, b): the critical fractile q = F^{-1}(1 - b / a)
  (the smallest integer reaching it for Poisson demand);
* ``sample-average LP``: the same contracts under empirical demand, the LP of :mod:`netinv.contracts.saa`
  solved by HiGHS;
* ``global search``: non-concave retailer profits (quantity flexibility, sales rebate, discount tables):
  every integer for Poisson demand; every kink for empirical demand (the profit is piecewise linear, so
  the maximum is at a kink); otherwise a grid of 4001 orders on [0, F^{-1}(1 - 1e-10)] plus the
  contract's kinks, each local maximum refined by bounded Brent search. The best candidate wins: the
  global optimum, not the first stationary point.

Expected sales, leftover, lost sales and profits are then exact (the closed-form S of
:class:`~netinv.contracts.demand.Demand`). ``monte_carlo=n`` adds an estimate and standard error of
every number from n demand draws at the same orders (a verification mode).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from netinv.contracts.market import Market
from netinv.contracts.terms import (
    CONTRACTS,
    Buyback,
    Contract,
    CoordinatingDiscount,
    Options,
    QuantityFlexibility,
    RevenueSharing,
    SalesRebate,
    WholesalePrice,
)
from netinv.errors import InputError, InvalidContractError

GRID_POINTS = 4001
COORDINATION_TOLERANCE = 1e-7  # relative channel-profit loss still called coordination


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: sample mean and its standard error."""

    mean: float
    standard_error: float

    def agrees(self, value: float, sigmas: float = 4.0) -> bool:
        """|mean - value| <= sigmas standard errors (plus a rounding allowance)."""
        return abs(self.mean - value) <= sigmas * self.standard_error + 1e-9 * max(1.0, abs(value))

    def __repr__(self) -> str:
        return f"{self.mean:.6g} ± {self.standard_error:.2g}"


@dataclass(frozen=True)
class IntegratedOutcome:
    """The integrated channel (one firm owning supplier and retailer).

    Attributes:
        order: optimal quantity [q°], F(q°) = (p + g - c) / (p + g - v).
        channel_profit: expected profit Pi(q°).
        sales, leftover, lost_sales: expected S(q°), I(q°), L(q°).
        method: ``closed form`` or ``sample-average LP``.
    """

    order: float
    channel_profit: float
    sales: float
    leftover: float
    lost_sales: float
    method: str

    def to_dict(self) -> dict:
        return {"order": self.order, "channel_profit": self.channel_profit, "sales": self.sales,
                "leftover": self.leftover, "lost_sales": self.lost_sales, "method": self.method}


@dataclass(frozen=True)
class ContractOutcome:
    """What a contract leads to.

    Attributes:
        contract, market: what was evaluated.
        order: the retailer's optimal order [q].
        sales, leftover, lost_sales: expected S(q), I(q), L(q).
        retailer_profit, supplier_profit, channel_profit: expected pi_r(q), pi_s(q), Pi(q).
        efficiency: Pi(q) / Pi(q°); NaN when the integrated channel earns nothing (Pi(q°) = 0).
        integrated: the integrated channel.
        method: how the order was found (see the module docstring).
        monte_carlo: estimate of each number above (and of ``integrated_channel_profit``) in
            verification mode, else empty.
    """

    contract: Contract
    market: Market
    order: float
    sales: float
    leftover: float
    lost_sales: float
    retailer_profit: float
    supplier_profit: float
    channel_profit: float
    efficiency: float
    integrated: IntegratedOutcome
    method: str
    monte_carlo: dict[str, Estimate] = field(default_factory=dict, repr=False)

    @property
    def retailer_share(self) -> float:
        """The retailer's share of the channel profit, pi_r / Pi."""
        return self.retailer_profit / self.channel_profit

    def to_dict(self) -> dict:
        out = {
            "contract": self.contract.to_dict(),
            "order": self.order,
            "retailer_profit": self.retailer_profit,
            "supplier_profit": self.supplier_profit,
            "channel_profit": self.channel_profit,
            "efficiency": self.efficiency,
            "sales": self.sales,
            "leftover": self.leftover,
            "lost_sales": self.lost_sales,
            "method": self.method,
            "integrated": {"order": self.integrated.order, "channel_profit": self.integrated.channel_profit},
        }
        if self.monte_carlo:
            out["monte_carlo"] = {k: {"mean": e.mean, "standard_error": e.standard_error}
                                  for k, e in self.monte_carlo.items()}
        return out


# --------------------------------------------------------------------------------------------------
# profits


def accounts(contract: Contract, market: Market, order, sales, demand) -> dict[str, np.ndarray]:
    """Sales, leftover, lost sales and each party's profit at ``order``.

    ``sales(x)`` is E[min(D, x)] and ``demand`` is mu for expected values; for one draw per entry of an
    array d, ``sales(x) = min(d, x)`` and ``demand = d``.
    """
    m = market
    q = np.asarray(order, dtype=float)
    sold = sales(q)
    leftover = q - sold
    lost = demand - sold
    payment = contract.payment(q, sales, m) if contract is not None else m.supplier_cost * q
    retailer = m.price * sold + m.salvage * leftover - m.retailer_goodwill * lost - m.retailer_cost * q - payment
    supplier = payment - m.supplier_cost * q - m.supplier_goodwill * lost
    return {"sales": sold, "leftover": leftover, "lost_sales": lost, "retailer_profit": retailer,
            "supplier_profit": supplier, "channel_profit": retailer + supplier}


def channel_profit(market: Market, order) -> float:
    """Expected channel profit Pi(q) = (p - v + g) S(q) - (c - v) q - g mu."""
    m = market
    s = m.demand.sales(np.asarray(order, dtype=float))
    return (m.price - m.salvage + m.goodwill) * s - (m.cost - m.salvage) * order - m.goodwill * m.demand.mean


def retailer_profit(contract: Contract, market: Market, order):
    """The retailer's expected profit pi_r(q), vectorized over q."""
    return accounts(contract, market, order, market.demand.sales, market.demand.mean)["retailer_profit"]


# --------------------------------------------------------------------------------------------------
# orders


def integrated(market: Market) -> IntegratedOutcome:
    """The integrated channel's optimal order and expected profit."""
    m = market
    a, b = m.price - m.salvage + m.goodwill, m.cost - m.salvage
    order, method = _newsvendor_order(m, a, b, "integrated_channel")
    acc = accounts(None, m, order, m.demand.sales, m.demand.mean)
    return IntegratedOutcome(order=order, channel_profit=float(channel_profit(m, order)),
                             sales=float(acc["sales"]), leftover=float(acc["leftover"]),
                             lost_sales=float(acc["lost_sales"]), method=method)


def retailer_order(contract: Contract, market: Market) -> tuple[float, str]:
    """The retailer's globally optimal order under ``contract`` and how it was found."""
    terms = contract.linear_terms(market)
    if terms is not None:
        return _newsvendor_order(market, *terms, "retailer")
    return _global_search(contract, market), "global search"


def _newsvendor_order(market: Market, sales_value: float, order_cost: float, name: str) -> tuple[float, str]:
    """argmax of sales_value S(q) - order_cost q, q >= 0."""
    if order_cost <= 0:
        raise InputError(f"{name}: the cost per unit ordered is {order_cost:g} <= 0, so the order is unbounded")
    if sales_value <= order_cost:
        return 0.0, "closed form"
    demand = market.demand
    if demand.is_empirical:
        from netinv.contracts.saa import solve_newsvendor_lp

        return solve_newsvendor_lp(demand, sales_value, order_cost, name=name), "sample-average LP"
    return max(demand.ppf(1.0 - order_cost / sales_value), 0.0), "closed form"


def _global_search(contract: Contract, market: Market) -> float:
    demand = market.demand
    kinks = np.array([k for k in contract.kinks(market) if k >= 0], dtype=float)
    top = max(demand.upper(), kinks.max() if kinks.size else 0.0)

    def profit(q):
        return retailer_profit(contract, market, q)

    if demand.is_discrete:
        grid = np.arange(0.0, math.ceil(top) + 2.0)
        values = profit(grid)
        return float(grid[int(np.argmax(values))])
    if demand.is_empirical:
        grid = np.unique(np.concatenate([[0.0], demand.values, kinks]))
        values = profit(grid)
        return float(grid[int(np.argmax(values))])
    grid = np.unique(np.concatenate([np.linspace(0.0, top, GRID_POINTS), kinks]))
    values = profit(grid)
    best_q, best_value = float(grid[int(np.argmax(values))]), float(values.max())
    interior = np.flatnonzero((values[1:-1] >= values[:-2]) & (values[1:-1] >= values[2:])) + 1
    for i in interior[np.argsort(values[interior])[::-1][:8]]:
        found = optimize.minimize_scalar(lambda q: -float(profit(q)), bounds=(grid[i - 1], grid[i + 1]),
                                         method="bounded", options={"xatol": 1e-10 * max(1.0, top)})
        if -found.fun > best_value:
            best_q, best_value = float(found.x), -float(found.fun)
    return best_q


# --------------------------------------------------------------------------------------------------
# the entry point


def evaluate(contract: Contract, market: Market, *, monte_carlo: int = 0, seed: int = 0) -> ContractOutcome:
    """Evaluate ``contract`` in ``market``.

    Args:
        contract: one of the contracts of :mod:`netinv.contracts.terms`.
        market: the supplier-retailer market.
        monte_carlo: draws of demand for the verification estimates (0: none).
        seed: seed of those draws.

    Raises:
        InvalidContractError: the terms are invalid in this market (a wholesale price below cost, ...).
    """
    if not isinstance(contract, Contract):
        raise InvalidContractError(f"expected a contract, got {type(contract).__name__}")
    contract.check(market)
    best = integrated(market)
    order, method = retailer_order(contract, market)
    acc = {k: float(v) for k, v in accounts(contract, market, order, market.demand.sales, market.demand.mean).items()}
    outcome = ContractOutcome(
        contract=contract, market=market, order=order, method=method, integrated=best,
        efficiency=acc["channel_profit"] / best.channel_profit if best.channel_profit else math.nan, **acc,
    )
    if monte_carlo:
        outcome.monte_carlo.update(_monte_carlo(contract, market, order, best.order, monte_carlo, seed))
    return outcome


def _monte_carlo(contract, market, order, best_order, draws: int, seed: int) -> dict[str, Estimate]:
    if draws < 2:
        raise InputError(f"monte_carlo: need at least 2 draws, got {draws}")
    d = market.demand.sample(int(draws), np.random.default_rng(seed))

    def realized(x):
        return np.minimum(d, x)

    acc = accounts(contract, market, order, realized, d)
    out = {k: _estimate(v) for k, v in acc.items()}
    best = accounts(None, market, best_order, realized, d)["channel_profit"]
    out["integrated_channel_profit"] = _estimate(best)
    # efficiency: a ratio of means, its standard error by the delta method on the paired draws
    x, y = acc["channel_profit"], best
    mx, my = x.mean(), y.mean()
    if my == 0:  # the integrated channel earns nothing: the efficiency is undefined (JSON null)
        out["efficiency"] = Estimate(math.nan, math.nan)
        return out
    ratio = mx / my
    spread = x - ratio * y
    out["efficiency"] = Estimate(float(ratio), float(spread.std(ddof=1) / math.sqrt(d.size) / abs(my)))
    return out


def _estimate(values: np.ndarray) -> Estimate:
    return Estimate(float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size)))


# --------------------------------------------------------------------------------------------------
# coordination


def coordinates(contract: Contract, market: Market, *, tolerance: float = COORDINATION_TOLERANCE) -> bool:
    """True when the retailer's optimal order under ``contract`` maximizes the channel's profit."""
    return evaluate(contract, market).efficiency >= 1.0 - tolerance


def coordinating(family, market: Market, share: float, *, threshold: float | None = None) -> Contract:
    """Terms of contract ``family`` that coordinate the channel and give the retailer ``share`` of the
    channel profit: pi_r(q°) = share * Pi(q°) (Cachon 2003).

    The linear families (buyback, revenue sharing, options, quantity discount) make the retailer's profit
    lambda [(p - v + g) S(q) - (c - v) q] - g_r mu; lambda = (share Pi° + g_r mu) / (Pi° + g mu), which is
    ``share`` itself without goodwill:

    * buyback: b = p - v + g_r - lambda (p - v + g), w = lambda (c - v) + v + b - c_r;
    * revenue sharing: phi = (lambda (p - v + g) - g_r) / (p - v), w = lambda (c - v) + phi v - c_r
      (without goodwill phi = lambda and w = phi c - c_r, i.e. w = phi c_s when c_r = 0);
    * options: e = p + g_r - lambda (p - v + g), o = lambda (c - v) - c_r;
    * quantity discount: :class:`CoordinatingDiscount` with that lambda;
    * wholesale price: only w = c_s, share 1 and g_s = 0;
    * quantity flexibility (continuous demand): for each delta the wholesale price that puts the
      retailer's first-order condition at q°,
      w = v + ((p - v + g_r)(1 - F(q°)) - c_r) / (1 - F(q°) + (1 - delta) F((1 - delta) q°)),
      and delta is the root of the share (Brent);
    * sales rebate (continuous demand): threshold t (default min(median, q°)), r from the first-order
      condition r = (w + c_r - v) / (1 - F(q°)) - (p - v + g_r) and w solving the (linear) share equation.

    Every result is checked with :func:`coordinates` (the retailer's *global* optimum must be q°).

    Raises:
        InputError: unknown family, or no terms of the family coordinate at this share.
    """
    name = family if isinstance(family, str) else getattr(family, "family", str(family))
    if not 0 <= share <= 1:
        raise InputError(f"coordinating: share must be in [0, 1], got {share}")
    m = market
    best = integrated(m)
    mu = m.demand.mean
    gross = best.channel_profit + m.goodwill * mu
    lam = (share * best.channel_profit + m.retailer_goodwill * mu) / gross
    margin, unit = m.price - m.salvage + m.goodwill, m.cost - m.salvage
    if name == "wholesale":
        if abs(share - 1) > 1e-12 or m.supplier_goodwill > 0:
            raise InputError("coordinating: a wholesale-price contract coordinates only at w = c_s with no supplier "
                             "goodwill cost, which leaves the supplier nothing (share 1)")
        contract = WholesalePrice(m.supplier_cost)
    elif name == "buyback":
        b = m.price - m.salvage + m.retailer_goodwill - lam * margin
        contract = _make(Buyback, lam * unit + m.salvage + b - m.retailer_cost, b)
    elif name == "revenue-sharing":
        phi = (lam * margin - m.retailer_goodwill) / (m.price - m.salvage)
        contract = _make(RevenueSharing, lam * unit + phi * m.salvage - m.retailer_cost, phi)
    elif name == "options":
        contract = _make(Options, lam * unit - m.retailer_cost, m.price + m.retailer_goodwill - lam * margin)
    elif name == "quantity-discount":
        contract = _make(CoordinatingDiscount, lam)
    elif name == "quantity-flexibility":
        contract = _flexibility(m, best, share)
    elif name == "sales-rebate":
        contract = _rebate(m, best, share, threshold)
    else:
        raise InputError(f"coordinating: unknown contract family {name!r}; expected one of "
                         f"{', '.join(sorted(CONTRACTS))}")
    try:
        contract.check(m)
    except InvalidContractError as exc:
        raise InputError(f"coordinating {name} at share {share:g}: {exc}") from None
    if not coordinates(contract, m, tolerance=1e-6):
        raise InputError(f"coordinating {name} at share {share:g}: the terms {contract.parameters()} put the "
                         "retailer's global optimum away from the channel optimum")
    return contract


def _make(cls, *args):
    try:
        return cls(*args)
    except InvalidContractError as exc:
        raise InputError(f"coordinating {cls.family}: no valid terms at this share ({exc})") from None


def _continuous(market: Market, family: str) -> None:
    if market.demand.is_discrete or market.demand.is_empirical:
        raise InputError(f"coordinating {family}: needs continuous demand (the first-order condition), "
                         f"got {market.demand.label}")


def _flexibility(m: Market, best: IntegratedOutcome, share: float) -> QuantityFlexibility:
    _continuous(m, "quantity-flexibility")
    q0, f0 = best.order, float(m.demand.cdf(best.order))

    def price(delta):
        kept = float(m.demand.cdf((1 - delta) * q0))
        return m.salvage + ((m.price - m.salvage + m.retailer_goodwill) * (1 - f0) - m.retailer_cost) / (
            1 - f0 + (1 - delta) * kept)

    def gap(delta):
        contract = QuantityFlexibility(price(delta), delta)
        return float(retailer_profit(contract, m, q0)) / best.channel_profit - share

    deltas = np.linspace(1e-6, 1 - 1e-6, 201)
    gaps = np.array([gap(d) for d in deltas])
    crossing = np.flatnonzero(np.sign(gaps[:-1]) != np.sign(gaps[1:]))
    if not crossing.size:
        raise InputError(f"coordinating quantity-flexibility: retailer shares reachable are "
                         f"{gaps.min() + share:.4g} to {gaps.max() + share:.4g}, not {share:g}")
    i = int(crossing[0])
    delta = optimize.brentq(gap, deltas[i], deltas[i + 1], xtol=1e-13)
    return QuantityFlexibility(price(delta), delta)


def _rebate(m: Market, best: IntegratedOutcome, share: float, threshold: float | None) -> SalesRebate:
    _continuous(m, "sales-rebate")
    q0, f0 = best.order, float(m.demand.cdf(best.order))
    t = min(m.demand.ppf(0.5), q0) if threshold is None else float(threshold)
    if t > q0:
        raise InputError(f"coordinating sales-rebate: threshold t={t:g} must not exceed the channel optimum {q0:.6g}")
    s0, st = float(m.demand.sales(q0)), float(m.demand.sales(t))
    a = m.price - m.salvage + m.retailer_goodwill
    slope = (s0 - st) / (1 - f0) - q0
    if abs(slope) < 1e-12:
        raise InputError(f"coordinating sales-rebate: threshold t={t:g} leaves the share independent of w")
    unit = (share * best.channel_profit - a * st + m.retailer_goodwill * m.demand.mean) / slope
    rebate = unit / (1 - f0) - a
    return _make(SalesRebate, unit - m.retailer_cost + m.salvage, rebate, t)

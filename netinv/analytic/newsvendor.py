"""The single-period newsvendor: optimal base-stock level and its exact expected cost.

For demand D with distribution F, a level S [S] costs per period

    g(S) = h E[(S - D)^+] + p E[(D - S)^+]

with holding (overage) cost h and shortage (underage) cost p. The minimizer is the critical fractile
of the critical ratio p / (p + h):

* continuous F: S* = F^{-1}(p / (p + h));
* discrete F (integer support): S* = the smallest integer S with F(S) >= p / (p + h).

The expected cost is computed exactly, not by sampling:

* normal: closed form with the standard normal loss function,
  g(S) = h (S - mu) + (h + p) sigma L((S - mu) / sigma), L(z) = phi(z) - z (1 - Phi(z));
* discrete: summation of E[(S - D)^+] over the support up to S (the lower tail is cut where its mass
  is below 1e-12 when the support is unbounded below), and E[(D - S)^+] = E[D] - S + E[(S - D)^+];
* other continuous: E[(S - D)^+] = integral of F from the bottom of the support to S
  (:func:`scipy.integrate.quad`), and the same identity for E[(D - S)^+].

A netinv demand spec (:mod:`netinv.demand.distributions`) is accepted wherever a distribution is, through its
``.scipy()``. Note that a ``normal`` spec is used as the plain normal distribution here (the textbook
convention), not censored at zero as the sampler does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats

from netinv.errors import InputError

LOWER_TAIL_MASS = 1e-12  # lower tail of an unbounded support left out of sums and integrals


@dataclass(frozen=True)
class NewsvendorResult:
    """The optimal newsvendor level.

    Attributes:
        level: the optimal base-stock (order-up-to) level [S*].
        expected_cost: expected holding plus shortage cost per period at ``level`` [g(S*)].
        critical_ratio: p / (p + h), the fractile that ``level`` attains.
    """

    level: float
    expected_cost: float
    critical_ratio: float


def newsvendor(distribution, holding_cost: float, shortage_cost: float) -> NewsvendorResult:
    """Optimal newsvendor level and its expected cost.

    Args:
        distribution: demand per period [D]: a frozen scipy distribution, continuous or discrete
            (integer support), or a netinv demand spec.
        holding_cost: cost per unit left over [h], >= 0.
        shortage_cost: cost per unit short [p], >= 0; ``holding_cost + shortage_cost`` must be > 0.

    Raises:
        InputError: a cost is negative or not finite, the distribution is not usable, or the optimal
            level is unbounded (for example p = 0 with demand unbounded below).
    """
    frozen = _frozen(distribution)
    ratio = _critical_ratio(holding_cost, shortage_cost)
    if _is_discrete(frozen):
        level = _discrete_fractile(frozen, ratio)
    else:
        level = float(frozen.ppf(ratio))
    if not math.isfinite(level):
        raise InputError(
            f"newsvendor: the optimal level is unbounded (critical ratio {ratio:.6g}, "
            f"holding_cost={holding_cost}, shortage_cost={shortage_cost})"
        )
    cost = _expected_cost(frozen, level, holding_cost, shortage_cost)
    return NewsvendorResult(level=level, expected_cost=cost, critical_ratio=ratio)


def newsvendor_cost(distribution, level: float, holding_cost: float, shortage_cost: float) -> float:
    """Expected cost per period h E[(S - D)^+] + p E[(D - S)^+] of a given level [S].

    Args:
        distribution: demand per period [D], as for :func:`newsvendor`.
        level: the base-stock level [S], any finite number.
        holding_cost: cost per unit left over [h], >= 0.
        shortage_cost: cost per unit short [p], >= 0.
    """
    frozen = _frozen(distribution)
    _critical_ratio(holding_cost, shortage_cost)
    if not math.isfinite(level):
        raise InputError(f"newsvendor: level must be a finite number, got {level}")
    return _expected_cost(frozen, float(level), holding_cost, shortage_cost)


# --------------------------------------------------------------------------------------------------


def _frozen(distribution):
    """The frozen scipy distribution of ``distribution`` (a frozen distribution or a demand spec)."""
    if hasattr(distribution, "scipy") and callable(distribution.scipy):
        spec, distribution = distribution, distribution.scipy()
        if distribution is None:
            kind = getattr(spec, "distribution", type(spec).__name__)
            raise InputError(f"newsvendor: a '{kind}' demand has no probability distribution")
    if isinstance(distribution, stats.rv_continuous | stats.rv_discrete):
        # A distribution object that is already fully specified (rv_discrete(values=...), rv_histogram).
        try:
            distribution = distribution.freeze()
            distribution.mean()
        except TypeError as exc:
            raise InputError(f"newsvendor: the distribution needs its parameters ({exc})") from None
    dist = getattr(distribution, "dist", None)
    if isinstance(dist, stats.rv_continuous | stats.rv_discrete):
        return distribution
    raise InputError(
        f"newsvendor: expected a frozen scipy distribution or a demand spec, got {type(distribution).__name__}"
    )


def _critical_ratio(holding_cost: float, shortage_cost: float) -> float:
    for name, value in (("holding_cost", holding_cost), ("shortage_cost", shortage_cost)):
        if not (math.isfinite(value) and value >= 0):
            raise InputError(f"newsvendor: {name} must be a finite number >= 0, got {value}")
    if holding_cost + shortage_cost <= 0:
        raise InputError("newsvendor: holding_cost + shortage_cost must be > 0")
    return shortage_cost / (shortage_cost + holding_cost)


def _is_discrete(frozen) -> bool:
    return isinstance(frozen.dist, stats.rv_discrete)


def _is_normal(frozen) -> bool:
    return frozen.dist.name == "norm" and float(frozen.std()) > 0


def _normal_loss(z: float) -> float:
    """Standard normal loss function L(z) = E[(Z - z)^+] = phi(z) - z (1 - Phi(z))."""
    return float(stats.norm.pdf(z) - z * stats.norm.sf(z))


def _expected_cost(frozen, level: float, holding_cost: float, shortage_cost: float) -> float:
    if _is_normal(frozen):
        mean, std = float(frozen.mean()), float(frozen.std())
        z = (level - mean) / std
        return holding_cost * (level - mean) + (holding_cost + shortage_cost) * std * _normal_loss(z)
    mean = float(frozen.mean())
    if not math.isfinite(mean):
        raise InputError("newsvendor: the demand distribution has no finite mean")
    if _is_discrete(frozen):
        left = _discrete_left_loss(frozen, level)
    else:
        left = _continuous_left_loss(frozen, level)
    right = mean - level + left  # E[(D - S)^+] = E[D] - S + E[(S - D)^+]
    return holding_cost * left + shortage_cost * max(right, 0.0)


def _discrete_fractile(frozen, ratio: float) -> float:
    """The smallest support point S with F(S) >= ratio (guarding scipy's ppf against rounding)."""
    support = _explicit_support(frozen)
    if support is not None:
        values, masses = support
        cumulative = np.cumsum(masses)
        index = int(np.searchsorted(cumulative, ratio - 1e-14, side="left"))
        return float(values[min(index, values.size - 1)])
    level = float(frozen.ppf(ratio))
    if not math.isfinite(level):
        return level
    while frozen.cdf(level - 1) >= ratio:
        level -= 1
    while frozen.cdf(level) < ratio:
        level += 1
    return level


def _explicit_support(frozen):
    """(values, masses) of a distribution given by an explicit table (``rv_discrete(values=...)``)."""
    values = getattr(frozen.dist, "xk", None)
    if values is None:
        return None
    return np.asarray(values, dtype=float), np.asarray(frozen.dist.pk, dtype=float)


def _discrete_left_loss(frozen, level: float) -> float:
    """E[(S - D)^+] = sum over support points d <= S of (S - d) P(D = d)."""
    support = _explicit_support(frozen)
    if support is not None:
        values, masses = support
    else:
        low = float(frozen.support()[0])
        if not math.isfinite(low):
            low = float(frozen.ppf(LOWER_TAIL_MASS))
        if level < low:
            return 0.0
        values = np.arange(low, math.floor(level) + 1, dtype=float)
        masses = frozen.pmf(values)
    below = values <= level
    return float(np.dot(level - values[below], masses[below]))


def _continuous_left_loss(frozen, level: float) -> float:
    """E[(S - D)^+] = integral of F(x) dx from the bottom of the support up to S."""
    low, high = (float(v) for v in frozen.support())
    if not math.isfinite(low):
        low = float(frozen.ppf(LOWER_TAIL_MASS))
    if level <= low:
        return 0.0
    top = min(level, high)
    value, _ = integrate.quad(frozen.cdf, low, top, epsabs=1e-12, epsrel=1e-12, limit=500)
    return float(value + max(level - high, 0.0))  # F = 1 above a bounded support

"""Two locations with transshipment: the expected cost of given levels by one-dimensional integration.

Tagaras (1989). Locations 1 and 2 with independent demands D_1, D_2 >= 0, levels S_1, S_2, holding
costs [h_i], shortage costs [p_i] and transshipment costs [c_12] (from 1 to 2) and [c_21]. After
demand, a location with surplus ships to one short of stock min(surplus, shortage) units when it pays
(c_ij < h_i + p_j), saving h_i + p_j - c_ij per unit. So

    C(S_1, S_2) = g_1(S_1) + g_2(S_2)
                  - (h_1 + p_2 - c_12)^+ E[min((S_1 - D_1)^+, (D_2 - S_2)^+)]
                  - (h_2 + p_1 - c_21)^+ E[min((S_2 - D_2)^+, (D_1 - S_1)^+)]

with g_i the newsvendor cost h_i E[(S_i - D_i)^+] + p_i E[(D_i - S_i)^+]. For independent A, B >= 0,
E[min(A, B)] = integral over t >= 0 of P(A > t) P(B > t): with A = (S_i - D_i)^+ and B = (D_j - S_j)^+,
one integral of P(D_i < S_i - t) P(D_j > S_j + t) over t in [0, S_i].

Demand is taken as netinv samples it: a ``normal`` spec is censored at zero (D = max(0, X)), unlike
:mod:`netinv.analytic.newsvendor`, which uses the plain normal. Continuous demands (normal, gamma,
uniform) are integrated with :func:`scipy.integrate.quad`; discrete ones (poisson, empirical with
integer values) are summed exactly over their support (cut where the tail mass is below 1e-12).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, stats

from netinv.errors import InputError

TAIL_MASS = 1e-12


@dataclass(frozen=True)
class TwoLocationResult:
    """Levels [S_1, S_2] and their expected cost per period [C(S_1, S_2)]."""

    levels: tuple[float, float]
    expected_cost: float


class _Censored:
    """A continuous demand max(0, X) as the sampler draws it: cdf, survival, support and mean."""

    def __init__(self, spec):
        self.spec = spec
        self.frozen = spec.scipy()
        if self.frozen is None:
            raise InputError(f"two locations: a '{spec.distribution}' demand has no probability distribution")
        self.discrete = isinstance(self.frozen.dist, stats.rv_discrete)
        if spec.distribution == "empirical" and not self.discrete:
            raise InputError("two locations: empirical demand must take integer values here")

    def cdf(self, x):  # P(D <= x)
        return np.where(np.asarray(x) < 0, 0.0, self.frozen.cdf(x))

    def sf(self, x):  # P(D > x)
        return np.where(np.asarray(x) < 0, 1.0, self.frozen.sf(x))

    def upper(self) -> float:
        return float(self.frozen.isf(TAIL_MASS))

    def support_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Integer support points >= 0 (below 0 the mass is pushed to 0) and their probabilities."""
        top = int(math.ceil(self.upper()))
        values = np.arange(0, top + 1, dtype=float)
        mass = self.frozen.pmf(values)
        mass[0] += self.frozen.cdf(-1)
        return values, mass


def _left_loss(d: _Censored, level: float) -> float:
    """E[(S - D)^+]."""
    if level <= 0:
        return 0.0
    if d.discrete:
        values, mass = d.support_table()
        return float(np.dot(np.maximum(level - values, 0.0), mass))
    value, _ = integrate.quad(lambda x: float(d.cdf(x)), 0.0, level, epsabs=1e-11, epsrel=1e-11, limit=500)
    return value


def _right_loss(d: _Censored, level: float) -> float:
    """E[(D - S)^+]."""
    if d.discrete:
        values, mass = d.support_table()
        return float(np.dot(np.maximum(values - level, 0.0), mass))
    start = max(level, 0.0)
    value, _ = integrate.quad(lambda x: float(d.sf(x)), start, max(d.upper(), start) + 1.0,
                              epsabs=1e-11, epsrel=1e-11, limit=500)
    return value + max(-level, 0.0)


def _expected_min(surplus: _Censored, level_surplus: float, short: _Censored, level_short: float) -> float:
    """E[min((S_i - D_i)^+, (D_j - S_j)^+)] for independent D_i, D_j."""
    if level_surplus <= 0:
        return 0.0
    if surplus.discrete or short.discrete:
        a_values, a_mass = _excess_table(surplus, level_surplus, below=True)
        b_values, b_mass = _excess_table(short, level_short, below=False)
        return float(a_mass @ np.minimum(a_values[:, None], b_values[None, :]) @ b_mass)

    def integrand(t):
        # P(D_i < S_i - t) = cdf for a continuous demand
        return float(surplus.cdf(level_surplus - t) * short.sf(level_short + t))

    value, _ = integrate.quad(integrand, 0.0, level_surplus, epsabs=1e-11, epsrel=1e-11, limit=500)
    return value


def _excess_table(d: _Censored, level: float, *, below: bool) -> tuple[np.ndarray, np.ndarray]:
    """Values and probabilities of (S - D)^+ (``below``) or (D - S)^+, discrete or on a fine grid."""
    if d.discrete:
        values, mass = d.support_table()
    else:  # a continuous partner of a discrete demand: midpoint rule on a fine grid
        edges = np.linspace(0.0, d.upper(), 20_001)
        values = 0.5 * (edges[1:] + edges[:-1])
        mass = np.diff(d.cdf(edges))
        mass[0] += float(d.cdf(0.0))
    excess = np.maximum(level - values, 0.0) if below else np.maximum(values - level, 0.0)
    return excess, mass


def two_location_cost(demands, levels, holding_costs, shortage_costs, transshipment_costs) -> float:
    """Expected cost per period of ``levels`` (S_1, S_2).

    Args:
        demands: two netinv demand specs (independent), e.g. ``parse_demand({...})``.
        levels: (S_1, S_2).
        holding_costs: (h_1, h_2), per unit left over.
        shortage_costs: (p_1, p_2), per unit short.
        transshipment_costs: (c_12, c_21), per unit moved from 1 to 2 and from 2 to 1; ``math.inf``
            where there is no edge.
    """
    d1, d2 = (_Censored(s) for s in demands)
    s1, s2 = (float(x) for x in levels)
    h1, h2 = _pair(holding_costs, "holding_costs")
    p1, p2 = _pair(shortage_costs, "shortage_costs")
    c12, c21 = _pair(transshipment_costs, "transshipment_costs", allow_inf=True)
    cost = h1 * _left_loss(d1, s1) + p1 * _right_loss(d1, s1) + h2 * _left_loss(d2, s2) + p2 * _right_loss(d2, s2)
    save_12, save_21 = max(h1 + p2 - c12, 0.0), max(h2 + p1 - c21, 0.0)
    if save_12 > 0:
        cost -= save_12 * _expected_min(d1, s1, d2, s2)
    if save_21 > 0:
        cost -= save_21 * _expected_min(d2, s2, d1, s1)
    return float(cost)


def two_location_optimum(demands, holding_costs, shortage_costs, transshipment_costs, *,
                         start=None) -> TwoLocationResult:
    """Levels minimizing :func:`two_location_cost` (Nelder-Mead from the newsvendor levels, or ``start``;
    the cost is convex in the levels). For continuous demands; discrete levels are not searched."""
    specs = list(demands)
    h, p = _pair(holding_costs, "holding_costs"), _pair(shortage_costs, "shortage_costs")
    if start is None:
        start = [_Censored(s).frozen.ppf(pi / (pi + hi)) if pi + hi > 0 else 0.0
                 for s, hi, pi in zip(specs, h, p, strict=True)]

    def cost(x):
        return two_location_cost(specs, np.maximum(x, 0.0), h, p, transshipment_costs)

    result = optimize.minimize(cost, np.asarray(start, dtype=float), method="Nelder-Mead",
                               options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 2000})
    levels = np.maximum(result.x, 0.0)
    return TwoLocationResult(levels=(float(levels[0]), float(levels[1])), expected_cost=float(result.fun))


def _pair(values, label: str, *, allow_inf: bool = False) -> tuple[float, float]:
    pair = tuple(float(v) for v in values)
    if len(pair) != 2:
        raise InputError(f"two locations: {label} must have two entries, got {len(pair)}")
    for v in pair:
        if not (v >= 0 and (allow_inf or math.isfinite(v))):
            raise InputError(f"two locations: {label} must be finite numbers >= 0, got {pair}")
    return pair

"""Base-stock levels that deliver the promised service when simulated: the guaranteed-service placement,
with every demand stage's level raised to cover the lateness of its suppliers.

The guaranteed-service model (:mod:`netinv.gsm.instance`) assumes that every stage meets the service time
it quotes: demand beyond a stage's bound is met by "extraordinary measures" (expediting, overtime;
Graves & Willems 2000, §2). netinv's simulator, like a network without expediting, has none: when a
supplier stage runs short its customers' replenishments come late, and a demand stage stocked at the
textbook base stock mu tau + z sigma sqrt(tau) serves less than its target (by up to 0.06 on long serial
lines with service levels 0.90-0.98: ``benchmarks/RESULTS.md``).

Lateness propagation (installation base-stock policies, stationary demand; the decomposition of serial
base-stock systems, e.g. Axsäter, *Inventory Control*, 3rd ed., 2015, §5.3): at a random period the units
stage j owes beyond its quoted service time are

    X_j = (D_j(tau_j) + U_j - B_j)^+,

where D_j(tau_j) is the demand the stage serves over its net replenishment time (normal, mean mu_j tau_j,
std sigma_j sqrt(tau_j), Poisson included: the model's own approximation), B_j its GSM base stock, and U_j
the lateness it inherits from its suppliers, independent of D_j(tau_j) (the two windows of demand do not
overlap). A customer k of j inherits X_j mu_k / mu_j of its own units (proportional allocation: its share
of what j serves); a stage with several suppliers the largest of theirs (taken as independent). Interior
stages keep their GSM base stock; a demand stage's level is the smallest B with

    P(D_k(tau_k) + U_k <= B) >= Phi(z_k),

which is the GSM base stock exactly when nothing upstream can be late (external supply, or suppliers
that hold enough). A demand stage whose demand is a deterministic ``series`` (a season of known
per-period demands, repeating) is not the stationary demand the model assumes: its level covers the
largest demand of tau consecutive periods of the season (plus the lateness quantile), so that a
constant level never runs out in the peak. Distributions are carried on at most ``ATOMS`` atoms.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

ATOMS = 200
"""Atoms that carry each lateness distribution (a histogram of the tail)."""
TAIL_STDS = 8.0
"""Demand over tau is followed this many standard deviations above its mean."""


def delivered_levels(solution) -> np.ndarray:
    """(N,) the base-stock level of every stage (``solution.instance.stages`` order): GSM's base stock at
    interior stages; at demand stages the level that meets the stage's service level when its suppliers
    may be late. ``solution``: a :class:`~netinv.gsm.types.GSMSolution` (whose ``levels`` call this)."""
    inst = solution.instance
    base = np.asarray(solution.base_stock, dtype=float)
    levels = base.copy()
    if inst.demand_std is None or inst.demand_stage is None:
        return levels
    mu, tau = inst.mean_demand, solution.net_time.astype(float)
    spread = inst.demand_std * np.sqrt(tau)
    into = inst.suppliers()
    late: list[tuple[np.ndarray, np.ndarray]] = []  # X_j as (values, probabilities)
    for j in range(inst.num_stages):  # topological order: suppliers first
        inherited = [_scaled(late[int(inst.edge_source[e])], mu[j] / mu[int(inst.edge_source[e])])
                     for e in into[j] if mu[int(inst.edge_source[e])] > 0]
        U = _largest(inherited)
        series = inst.series[j] if inst.series is not None else None
        if inst.demand_stage[j] and series is not None:  # deterministic, seasonal: cover the season's peak
            z = inst.safety_coefficient[j] / inst.demand_std[j] if inst.demand_std[j] > 0 else 0.0
            peak = _peak_window(series, int(tau[j]))
            levels[j] = peak + _level(U, 0.0, 0.0, float(stats.norm.cdf(z))) if U[0].max() > 0 else peak
        elif inst.demand_stage[j] and inst.demand_std[j] > 0 and U[0].max() > 0:
            z = inst.safety_coefficient[j] / inst.demand_std[j]
            level = _level(U, mu[j] * tau[j], spread[j], float(stats.norm.cdf(z)))
            whole = inst.whole_units is not None and inst.whole_units[j]
            levels[j] = max(base[j], np.ceil(level - 1e-9) if whole else level)
        late.append(_shortfall(U, mu[j] * tau[j], spread[j], base[j]))
    return levels


def _peak_window(values: np.ndarray, periods: int) -> float:
    """The largest demand of ``periods`` consecutive periods of a repeating series."""
    if periods <= 0:
        return 0.0
    n = len(values)
    laps, rest = divmod(periods, n)
    doubled = np.concatenate([values, values])
    windows = np.convolve(doubled, np.ones(rest), mode="valid")[:n] if rest else np.zeros(n)
    return float(laps * values.sum() + windows.max())


def _level(U: tuple[np.ndarray, np.ndarray], mean: float, spread: float, target: float) -> float:
    """The smallest B with P(D + U <= B) >= target, D normal(mean, spread)."""
    values, probs = U
    if spread <= 0:
        order = np.argsort(values)
        cdf = np.cumsum(probs[order])
        return float(mean + values[order][min(np.searchsorted(cdf, target - 1e-12), len(values) - 1)])

    def gap(level: float) -> float:
        return float(probs @ stats.norm.cdf((level - mean - values) / spread)) - target

    low = mean + spread * stats.norm.ppf(target)
    high = low + float(values.max())
    return low if gap(low) >= 0 else float(optimize.brentq(gap, low, high, xtol=1e-6 * max(spread, 1.0)))


def _shortfall(U: tuple[np.ndarray, np.ndarray], mean: float, spread: float, level: float):
    """X = (D + U - level)^+ as atoms, D normal(mean, spread) (a constant when spread is 0)."""
    values, probs = U
    if spread <= 0:
        return _compress(np.maximum(mean + values - level, 0.0), probs)
    top = float(values.max()) + mean + TAIL_STDS * spread - level
    if top <= 0:
        return np.zeros(1), np.ones(1)
    grid = np.linspace(0.0, top, ATOMS + 1)
    survival = stats.norm.sf((level + grid[:, None] - mean - values[None, :]) / spread) @ probs  # P(X > x)
    mass = -np.diff(survival)
    mids = 0.5 * (grid[1:] + grid[:-1])
    out_values = np.concatenate([[0.0], mids, [top]])
    out_probs = np.concatenate([[1.0 - survival[0]], mass, [survival[-1]]])
    return out_values, out_probs / out_probs.sum()


def _scaled(X: tuple[np.ndarray, np.ndarray], factor: float):
    return X[0] * factor, X[1]


def _largest(parts: list[tuple[np.ndarray, np.ndarray]]):
    """The largest of independent lateness variables (none: no lateness)."""
    parts = [p for p in parts if p[0].max() > 0]
    if not parts:
        return np.zeros(1), np.ones(1)
    if len(parts) == 1:
        return parts[0]
    values = np.unique(np.concatenate([p[0] for p in parts]))
    cdf = np.ones_like(values)
    for v, p in parts:
        order = np.argsort(v)
        cum = np.cumsum(p[order])
        cdf *= cum[np.clip(np.searchsorted(v[order], values, side="right") - 1, 0, None)] * (values >= v.min())
    return _compress(values, np.diff(np.concatenate([[0.0], cdf])))


def _compress(values: np.ndarray, probs: np.ndarray):
    """At most ``ATOMS`` + 1 atoms: the mass at 0 kept, the rest binned (each bin at its mean)."""
    keep = probs > 0
    values, probs = values[keep], probs[keep]
    if len(values) <= ATOMS + 1:
        return values, probs / probs.sum()
    zero = values <= 0
    bins = np.linspace(values[~zero].min(), values.max(), ATOMS + 1)
    which = np.clip(np.searchsorted(bins, values[~zero], side="right") - 1, 0, ATOMS - 1)
    mass = np.bincount(which, weights=probs[~zero], minlength=ATOMS)
    sums = np.bincount(which, weights=probs[~zero] * values[~zero], minlength=ATOMS)
    used = mass > 0
    out_values = np.concatenate([[0.0], sums[used] / mass[used]])
    out_probs = np.concatenate([[probs[zero].sum()], mass[used]])
    return out_values, out_probs / out_probs.sum()

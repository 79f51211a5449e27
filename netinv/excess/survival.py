"""Time between sales: Kaplan-Meier and a geometric (Poisson-process) fit, the open last gap censored.

A node's sales per period ``y_0 .. y_{n-1}`` (NaN = missing, counted as no sale) sell in periods
``s_1 < ... < s_m`` (``y > 0``). The gaps between sales ``s_{i+1} - s_i`` (periods, >= 1) are observed
events; the open interval after the last sale is censored: the next sale comes after more than
``d = n - 1 - s_m`` periods (``d`` = periods since the last sale, 0 when the last period sold). The
interval before the first sale is left out (its start is unknown: left-truncated).

- :func:`kaplan_meier`: the product-limit estimate S(t) = P(gap > t) = prod over event times
  t_j <= t of (1 - d_j / n_j) [d_j events at t_j, n_j gaps at risk: length >= t_j];
- :func:`geometric_fit`: a sale happens in a period with probability p [p], independently (the
  discrete Poisson process): gaps are geometric, P(gap > t) = (1 - p)^t; the censored maximum
  likelihood estimate is p = events / exposure (exposure: the total length of all gaps, the censored
  one included);
- :func:`smoothed_sale_probability`: the probability of a sale in a period as Teunter, Syntetos and
  Babai's (2011) method updates it (TSB, "Intermittent demand: linking forecasting to inventory
  obsolescence", EJOR 214(3)): each period ``p <- p + beta (1{sale} - p)`` [beta], started at the
  history's share of periods with a sale; it decays by (1 - beta) a period without sales, so it follows
  an item that stopped selling where the stationary fit cannot;
- :func:`no_sale_probability`: P(no sale in the next k periods | none in the last d) =
  S(d + k) / S(d); memoryless for the geometric fit, (1 - p)^k, and so for TSB's p.

Kaplan-Meier says nothing beyond the longest gap seen (an item that stopped selling is exactly there);
the geometric fit assumes the sale rate never changed. :mod:`netinv.excess.detect` reports the three
and takes Kaplan-Meier where it reaches, else TSB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Gaps:
    """Inter-sale times of one node. observed: the closed gaps (periods); open: periods since the last
    sale (the censored gap), None when the node never sold."""

    observed: np.ndarray
    open: int | None

    @property
    def events(self) -> int:
        return int(self.observed.size)


def inter_sale_times(sales) -> Gaps:
    """The gaps between sales of a per-period sales series (see the module docstring)."""
    y = np.nan_to_num(np.asarray(sales, dtype=float), nan=0.0)
    sold = np.flatnonzero(y > 0)
    if sold.size == 0:
        return Gaps(np.zeros(0, dtype=int), None)
    return Gaps(np.diff(sold).astype(int), int(y.size - 1 - sold[-1]))


@dataclass(frozen=True)
class KaplanMeier:
    """The product-limit survival curve: ``survival[j]`` = S(t) for ``times[j] <= t < times[j+1]``
    (S = 1 before the first event time); ``last``: the longest gap seen (event or censored), beyond
    which S is not estimated, unless the curve has reached 0 (every gap closed by then)."""

    times: np.ndarray
    survival: np.ndarray
    last: int

    def at(self, t: float) -> float | None:
        """S(t) = P(gap > t); None beyond the longest gap seen, unless S has reached 0 there."""
        if t > self.last:
            return 0.0 if self.survival.size and self.survival[-1] == 0 else None
        k = int(np.searchsorted(self.times, t, side="right"))
        return 1.0 if k == 0 else float(self.survival[k - 1])


def kaplan_meier(gaps: Gaps) -> KaplanMeier | None:
    """Kaplan-Meier on the closed gaps with the open one censored; None without any gap."""
    censored = [] if gaps.open is None else [gaps.open]
    lengths = np.concatenate([gaps.observed, censored]).astype(float)
    if lengths.size == 0:
        return None
    is_event = np.concatenate([np.ones(gaps.observed.size, bool), np.zeros(len(censored), bool)])
    times = np.unique(gaps.observed)
    survival, s = [], 1.0
    for t in times:
        at_risk = np.sum(lengths >= t)
        deaths = np.sum((lengths == t) & is_event)
        s *= 1.0 - deaths / at_risk
        survival.append(s)
    return KaplanMeier(times.astype(int), np.asarray(survival), int(lengths.max()))


def geometric_fit(gaps: Gaps) -> float | None:
    """The probability of a sale in a period [p]: events / exposure (censored MLE); None when the node
    never sold."""
    exposure = float(gaps.observed.sum()) + float(gaps.open or 0)
    if gaps.open is None or exposure == 0:
        return None
    return gaps.events / exposure if gaps.events else 0.0


def smoothed_sale_probability(sales, beta: float = 0.2) -> float | None:
    """TSB's probability of a sale in the next period (module docstring); None for an empty history."""
    sold = np.nan_to_num(np.asarray(sales, dtype=float), nan=0.0) > 0
    if sold.size == 0:
        return None
    p = float(sold.mean())
    for hit in sold:
        p += beta * (float(hit) - p)
    return p


def no_sale_probability(gaps: Gaps, k: int) -> dict:
    """P(no sale in the next ``k`` periods | no sale in the ``gaps.open`` periods so far), by
    Kaplan-Meier (``km``, None where S is not estimated: beyond the longest gap seen, or no history)
    and by the geometric fit (``geometric``)."""
    out = {"km": None, "geometric": None}
    p = geometric_fit(gaps)
    if p is not None:
        out["geometric"] = float((1.0 - p) ** k)
    curve = kaplan_meier(gaps)
    if curve is not None and gaps.open is not None:
        now, later = curve.at(gaps.open), curve.at(gaps.open + k)
        if now and later is not None:
            out["km"] = later / now
    return out

"""Finding slow-moving and obsolete stock at one node, from its sales per period and its stock.

For a node with sales ``y_0 .. y_{n-1}`` per period and ``on_hand`` units now:

- **age (FIFO)**: netinv keeps no receipt records, so the age is read from the sales history under two
  stated assumptions: receipts replaced sales one for one (the node was replenished to what it sold)
  and stock left first in, first out. The units on hand are then the most recent receipts: walking back
  from the last period, period t's receipt is y_t units, received ``n - 1 - t`` periods ago, until the
  on-hand quantity is reached; what is left when the history runs out is older than the history
  (``age_oldest`` is then the history's length and ``older_than_history`` the units). A node that
  stopped selling holds stock received before its last sale: old stock.
- **turnover**: units sold over the last ``config.window`` periods per unit on hand (the one stock
  record a scenario holds is the stock now: the average stock is taken as that), and **cover**: on
  hand / the mean sales per period over that window (periods of stock at the recent rate).
- **periods since the last sale** and **P(no sale in the next k periods)**:
  :mod:`netinv.excess.survival`: Kaplan-Meier where the data reach, else TSB's smoothed sale
  probability; the stationary geometric fit is reported beside them as the parametric check.
- **anomaly**: the recent window's sales against the history before it: the lower-tail probability
  P(X <= x) of the window's total x, with X Poisson with the earlier mean (negative binomial with the
  earlier mean and variance when those are over-dispersed). Small = the recent pattern is unlikely
  under the history (a slowdown).

:func:`find_node` gives a :class:`NodeFinding` with the flags and their reasons in words.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from netinv.errors import InputError
from netinv.excess.survival import inter_sale_times, no_sale_probability, smoothed_sale_probability


@dataclass(frozen=True)
class ExcessConfig:
    """The thresholds that flag a node (defaults in brackets).

    k: periods ahead of the no-sale probability [8]. window: the recent periods of turnover, cover and
    the anomaly [8]. no_sale_periods: flag when a node has not sold for at least this many periods [8].
    p_no_sale: flag when P(no sale in k) is at least this [0.5]. anomaly_p: flag when the anomaly's tail
    probability is below this [0.01]. max_cover: flag when the stock covers more periods than this at the
    recent rate [26]. max_age: flag when the oldest unit is older than this many periods [26].
    smoothing: TSB's smoothing constant of the sale probability [beta] [0.2].
    period_name: the word for a period in the reasons ["periods"; "weeks" for a 7-day history].
    """

    k: int = 8
    window: int = 8
    no_sale_periods: int = 8
    p_no_sale: float = 0.5
    anomaly_p: float = 0.01
    max_cover: float = 26.0
    max_age: int = 26
    smoothing: float = 0.2
    period_name: str = "periods"

    def __post_init__(self):
        for name in ("k", "window", "no_sale_periods", "max_age"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"{name}: must be an integer >= 1, got {value!r}")
        for name in ("p_no_sale", "anomaly_p", "smoothing"):
            if not 0 < getattr(self, name) < 1:
                raise InputError(f"{name}: must be in (0, 1), got {getattr(self, name)!r}")
        if not self.max_cover > 0:
            raise InputError(f"max_cover: must be > 0, got {self.max_cover!r}")


@dataclass
class NodeFinding:
    """What was found at one node; ``None`` where the history does not tell."""

    node: str
    on_hand: float
    periods: int
    age_oldest: int | None = None
    age_mean: float | None = None
    older_than_history: float = 0.0
    turnover: float | None = None
    cover: float | None = None
    recent_rate: float = 0.0
    periods_since_sale: int | None = None
    p_no_sale: float | None = None
    p_no_sale_km: float | None = None
    p_no_sale_geometric: float | None = None
    p_no_sale_smoothed: float | None = None
    anomaly_p: float | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def to_dict(self) -> dict:
        """As JSON: an infinite cover (no recent sales) is null."""
        out = {**asdict(self), "flagged": self.flagged}
        out["cover"] = None if self.cover is not None and math.isinf(self.cover) else self.cover
        return out


def fifo_age(sales, on_hand: float) -> tuple[int | None, float | None, float]:
    """(age of the oldest unit, mean age, units older than the history) of ``on_hand`` units under the
    module docstring's FIFO assumption; ages in periods, 0 = received in the last period."""
    y = np.nan_to_num(np.asarray(sales, dtype=float), nan=0.0)[::-1]  # y[a]: the receipt of age a
    if on_hand <= 0:
        return None, None, 0.0
    before = np.concatenate([[0.0], np.cumsum(y)[:-1]])
    taken = np.clip(on_hand - before, 0.0, y)  # units of each receipt still on hand
    rest = max(on_hand - float(y.sum()), 0.0)
    ages = np.arange(y.size)
    oldest = int(y.size) if rest > 0 else int(ages[taken > 0].max())
    mean = (float(np.dot(taken, ages)) + rest * y.size) / on_hand
    return oldest, mean, rest


def window_tail(sales, window: int) -> float | None:
    """P(X <= x) of the last ``window`` periods' total x under the earlier periods' distribution (module
    docstring); None when fewer than ``window`` earlier periods were seen."""
    from scipy import stats

    y = np.asarray(sales, dtype=float)
    recent, earlier = y[-window:], y[:-window]
    earlier, recent = earlier[np.isfinite(earlier)], recent[np.isfinite(recent)]
    if earlier.size < window or recent.size == 0:
        return None
    mean, var = float(earlier.mean()) * recent.size, float(earlier.var(ddof=1)) * recent.size
    x = float(recent.sum())
    if mean <= 0:
        return 1.0
    if var <= mean:
        return float(stats.poisson.cdf(math.floor(x), mean))
    size = mean**2 / (var - mean)
    return float(stats.nbinom.cdf(math.floor(x), size, size / (size + mean)))


def find_node(node: str, sales, on_hand: float, config: ExcessConfig = ExcessConfig()) -> NodeFinding:
    """The finding of one node from its sales per period (NaN = missing) and its units on hand."""
    y = np.asarray(sales, dtype=float)
    found = NodeFinding(node=node, on_hand=float(on_hand), periods=int(y.size))
    if y.size == 0:
        return found
    found.age_oldest, found.age_mean, found.older_than_history = fifo_age(y, on_hand)
    recent = y[-config.window:]
    sold = float(np.nansum(recent))
    found.recent_rate = sold / max(np.isfinite(recent).sum(), 1)
    found.turnover = sold / on_hand if on_hand > 0 else None
    found.cover = (on_hand / found.recent_rate if found.recent_rate > 0 else math.inf) if on_hand > 0 else 0.0
    gaps = inter_sale_times(y)
    found.periods_since_sale = gaps.open if gaps.open is not None else int(y.size)
    chance = no_sale_probability(gaps, config.k)
    found.p_no_sale_km, found.p_no_sale_geometric = chance["km"], chance["geometric"]
    smoothed = smoothed_sale_probability(y, config.smoothing)
    found.p_no_sale_smoothed = None if smoothed is None else (1.0 - smoothed) ** config.k
    found.p_no_sale = chance["km"] if chance["km"] is not None else found.p_no_sale_smoothed
    found.anomaly_p = window_tail(y, config.window)
    found.flags = reasons(found, config) if on_hand > 0 else []
    return found


def reasons(found: NodeFinding, config: ExcessConfig) -> list[str]:
    """The flags of a finding, each a reason in words."""
    out = []
    since, chance, unit = found.periods_since_sale, found.p_no_sale, config.period_name
    if since is not None and (since >= config.no_sale_periods or (chance or 0) >= config.p_no_sale):
        odds = "" if chance is None else f"; P(no sale in next {config.k} {unit}) = {chance:.2f}"
        out.append(f"no sale in {since} {unit}{odds}")
    if found.anomaly_p is not None and found.anomaly_p < config.anomaly_p:
        out.append(f"last {config.window} {unit} sold {found.recent_rate * config.window:g} units, "
                   f"unlikely under the history before them (P = {found.anomaly_p:.2g})")
    if found.cover is not None and found.cover > config.max_cover:
        out.append(f"stock on hand and no sale in the last {config.window} {unit}" if math.isinf(found.cover) else
                   f"stock covers {found.cover:.0f} {unit} at the recent rate (above {config.max_cover:g})")
    if found.age_oldest is not None and found.age_oldest > config.max_age:
        older = "+" if found.older_than_history > 0 else ""
        out.append(f"oldest unit {found.age_oldest}{older} {unit} old (above {config.max_age})")
    return out

"""Aggregation of a cleaned history to the scenario's period length.

A period of ``period_days`` days holds ``period_days / step_days`` records of the history's grid.
Periods are counted from a common ``anchor`` (the history's first date) so that every node's period
k covers the same days. A period's demand is the sum of its records, scaled by
expected / observed records when some are missing (pro rata) as long as at least ``min_coverage`` of
them are there; otherwise the period is missing (NaN). Periods that run past a node's last date are
left out (an incomplete last period is not low demand).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from netinv.errors import InputError
from netinv.history.quality import NodeSeries


@dataclass
class PeriodSeries:
    """A node's demand per period: ``values[k]`` over ``[start + k * period_days, ...)``; NaN = missing.
    ``scaled`` counts the periods filled pro rata from a partial set of records."""

    node: str
    start: dt.date
    period_days: int
    values: np.ndarray
    scaled: int = 0

    @property
    def observed(self) -> np.ndarray:
        return self.values[np.isfinite(self.values)]


def aggregate(
    series: NodeSeries, period_days: int, *, anchor: dt.date | None = None, min_coverage: float = 0.5
) -> PeriodSeries:
    """``series`` summed into periods of ``period_days`` days counted from ``anchor`` (default: the
    series' first date). ``period_days`` must be a whole multiple of the history's step."""
    step = series.step_days
    if period_days < 1:
        raise InputError(f"period_days must be >= 1, got {period_days}")
    if period_days % step:
        raise InputError(f"node '{series.node}': the history has one record every {step} day(s); cannot "
                         f"aggregate it to periods of {period_days} day(s) (use a multiple of {step})")
    anchor = series.start if anchor is None else anchor
    per = period_days // step
    offset = (series.start - anchor).days
    if offset < 0 or offset % step:
        raise InputError(f"node '{series.node}': the anchor {anchor} must be on the history's grid before "
                         f"{series.start}")
    # place the series on the anchor's grid, then cut whole periods
    lead = offset // step
    grid = np.concatenate([np.full(lead, np.nan), series.values])
    first = lead // per  # the node's first period: periods before its first record are not its demand
    periods = grid.size // per
    if periods <= first:
        return PeriodSeries(series.node, anchor + dt.timedelta(days=first * period_days), period_days, np.empty(0))
    blocks = grid[: periods * per].reshape(periods, per)[first:]
    seen = np.isfinite(blocks).sum(axis=1)
    total = np.nansum(blocks, axis=1)
    enough = seen >= max(1, min_coverage * per)
    values = np.where(enough, total * per / np.maximum(seen, 1), np.nan)
    scaled = int(np.sum(enough & (seen < per)))
    return PeriodSeries(series.node, anchor + dt.timedelta(days=first * period_days), period_days, values, scaled)

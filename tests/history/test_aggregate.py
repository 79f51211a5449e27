"""netinv.history.aggregate: a daily series summed into periods, partial periods scaled pro rata."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.history.aggregate import aggregate
from netinv.history.quality import NodeSeries

MONDAY = dt.date(2024, 1, 1)


def test_whole_periods_are_sums():
    daily = NodeSeries("a", MONDAY, 1, np.arange(1.0, 15.0))  # 14 days: 1..14
    weekly = aggregate(daily, 7)
    np.testing.assert_array_equal(weekly.values, [28.0, 77.0])
    assert weekly.start == MONDAY and weekly.period_days == 7 and weekly.scaled == 0


def test_partial_periods_are_scaled_or_missing():
    values = np.ones(8)
    values[[1, 2]] = np.nan  # first 4-day period: 2 of 4 days seen -> scaled; second: all seen
    per = aggregate(NodeSeries("a", MONDAY, 1, values), 4)
    np.testing.assert_array_equal(per.values, [4.0, 4.0])
    assert per.scaled == 1
    values[0] = np.nan  # 1 of 4 seen: below the default coverage 0.5
    assert np.isnan(aggregate(NodeSeries("a", MONDAY, 1, values), 4).values[0])


def test_anchor_before_the_series_skips_periods_it_did_not_cover():
    series = NodeSeries("a", MONDAY + dt.timedelta(days=7), 1, np.full(7, 2.0))
    weekly = aggregate(series, 7, anchor=MONDAY)
    assert weekly.start == MONDAY + dt.timedelta(days=7)
    np.testing.assert_array_equal(weekly.values, [14.0])


def test_period_must_be_a_multiple_of_the_step():
    with pytest.raises(InputError, match="node 'a': the history has one record every 2 day"):
        aggregate(NodeSeries("a", MONDAY, 2, np.ones(4)), 3)
    with pytest.raises(InputError, match="period_days must be >= 1, got 0"):
        aggregate(NodeSeries("a", MONDAY, 1, np.ones(4)), 0)

"""Forecasts follow the season when there is one; quantile safety stock agrees with the normal formula
on i.i.d. normal demand and exceeds it on skewed demand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from netinv.history.forecast import ForecastConfig, forecast_demand, safety_stock


def test_seasonal_forecast_follows_the_week():
    rng = np.random.default_rng(1)
    weekly = np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.8, 1.6])
    y = rng.poisson(20 * weekly[np.arange(364) % 7]).astype(float)
    y[[30, 31, 100]] = np.nan  # missing periods are filled, and counted
    fc = forecast_demand(y, ForecastConfig(horizon=14, season_length=7, paths=500))
    assert fc.seasonal and fc.filled == 3
    expected = 20 * weekly[np.arange(364, 378) % 7]
    assert np.max(np.abs(fc.mean - expected)) < 4
    assert np.all(fc.quantiles[0.05] <= fc.mean + 1e-9) and np.all(fc.quantiles[0.95] >= fc.mean - 1e-9)


def test_no_season_on_iid_demand_and_normal_formula_agrees():
    rng = np.random.default_rng(2)
    y = np.round(rng.normal(100, 15, 500))
    fc = forecast_demand(y, ForecastConfig(horizon=4, season_length=7, paths=4000))
    assert not fc.seasonal
    assert fc.mean == pytest.approx(np.full(4, 100), abs=4)
    ss = safety_stock(fc, periods=3, service_level=0.95)
    assert ss.normal == pytest.approx(stats.norm.ppf(0.95) * 15 * np.sqrt(3), rel=0.15)
    assert ss.quantile == pytest.approx(ss.normal, rel=0.2)  # level noise of the smoother adds a little


def test_quantile_safety_stock_sees_skew():
    rng = np.random.default_rng(3)
    y = rng.gamma(0.5, 20, 600)  # very skewed demand, mean 10
    ss = safety_stock(forecast_demand(y, ForecastConfig(horizon=1, paths=4000)), periods=1, service_level=0.99)
    assert ss.quantile > ss.normal  # the normal formula understates a skewed right tail

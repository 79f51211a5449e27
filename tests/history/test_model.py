"""The demand model of a history node: backtest, chosen forecast, distribution centred on it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netinv.demand.distributions import parse_demand
from netinv.errors import InputError
from netinv.history.model import (
    ModelConfig,
    backtest,
    candidate_forecast,
    centred_spec,
    demand_model,
    holt_winters,
)
from netinv.history.quality import season_length
from netinv.history.records import write_history
from netinv.network import load
from tests.history.synthetic import period_values, planner_history


def test_simple_candidates_by_hand():
    y = np.array([1.0, 2, 3, np.nan, 5, 6, 7, 8])
    np.testing.assert_allclose(candidate_forecast("mean", y, 2), [32 / 7, 32 / 7])
    np.testing.assert_allclose(candidate_forecast("recent-mean", y, 3, recent=2), [7.5] * 3)
    # season of 4: the last value at the same position; a missing one goes back a season
    np.testing.assert_allclose(candidate_forecast("seasonal-naive", y, 5, season_length=4), [5, 6, 7, 8, 5])
    y2 = np.array([1.0, 2, 3, 4, 5, np.nan, 7, 8])
    np.testing.assert_allclose(candidate_forecast("seasonal-naive", y2, 2, season_length=4), [5, 2])
    assert candidate_forecast("holt-winters", y[:5], 2) is None  # fewer than 8 periods


def test_holt_winters_recovers_a_line_and_a_season_exactly():
    t = np.arange(40)
    line = 10 + 0.5 * t
    np.testing.assert_allclose(holt_winters(line, 3, trend=True), 10 + 0.5 * np.arange(40, 43), atol=0.05)
    season = np.array([5.0, 9, 7, 1])
    wave = 20 + season[t % 4]
    np.testing.assert_allclose(holt_winters(wave, 6, season=4), 20 + season[np.arange(40, 46) % 4], atol=1e-6)


def test_backtest_scores_held_out_periods_only():
    # a constant series of 10 with 14 in its last period: the mean's errors are known by hand
    y = np.full(20, 10.0)
    y[-1] = 14.0
    mae, _, errors = backtest(y, ModelConfig(origins=2, steps=2, recent=5))
    # origins 17 and 18 (the last one n - steps), two periods each: y[17:19] and y[18:20]; the mean of
    # the periods before an origin is 10, so only y[19] = 14 misses, by 4: MAE 4 / 4
    assert errors["mean"].size == 4 and mae["mean"] == pytest.approx(1.0)
    assert mae["recent-mean"] == pytest.approx(1.0) and mae["seasonal-naive"] == pytest.approx(1.0)
    mae, _, errors = backtest(y, ModelConfig(origins=2, steps=4, recent=5))
    # origins 15 and 16: y[15:19] and y[16:20]; y[19] is scored once: MAE 4 / 8
    assert errors["mean"].size == 8 and mae["mean"] == pytest.approx(0.5)
    y[16] = np.nan  # a missing period is not scored
    mae, _, errors = backtest(y, ModelConfig(origins=2, steps=4, recent=5))
    assert errors["mean"].size == 6 and mae["mean"] == pytest.approx(4 / 6)


def test_the_distribution_is_centred_on_the_forecast():
    rows, _ = planner_history(3, holdout_days=0, growth=0.5)
    y = period_values(rows, 7)
    model = demand_model(y, ModelConfig(season_length=season_length(7)))
    assert model.method == min(model.backtest, key=model.backtest.get)
    assert model.level == pytest.approx(model.forecast[:13].mean())
    assert parse_demand(model.spec).mean == pytest.approx(model.level, rel=1e-6)
    expected = np.sqrt(np.var(model.errors, ddof=1) + np.var(model.forecast[:13]))
    assert model.spread == pytest.approx(expected)
    # a growing history: the level is above the history's mean (the fitted distribution's old centre)
    assert model.level > model.history_mean


@pytest.mark.parametrize("family", ["normal", "gamma", "poisson", "negative_binomial", "empirical"])
def test_every_shape_has_the_level_as_its_mean(family):
    errors = np.array([-3.0, -1, 0, 2, 2])
    window = np.array([19.0, 20, 21])
    spread = 2.0 if family == "poisson" else 6.0
    spec = centred_spec(family, 20.0, spread, window, errors)
    assert parse_demand(spec).mean == pytest.approx(20.0, rel=1e-6)
    if family in ("normal", "gamma"):
        assert parse_demand(spec).std == pytest.approx(6.0)
    if family == "negative_binomial":  # over-dispersed: the variance is kept (its pmf as a table)
        values, probabilities = np.array(spec["values"]), np.array(spec["probabilities"])
        assert np.sqrt(probabilities @ (values - 20.0) ** 2) == pytest.approx(6.0, rel=1e-4)


@pytest.mark.parametrize("period_days", [7, 1])
def test_chosen_forecast_beats_seasonal_naive_and_mean_on_held_out_data(period_days):
    """Histories with trend, weekly season, missing weeks, a duplicate row and an outlier: over a few
    seeds, the chosen forecast's MAE on the periods after the history (never seen) is below that of
    the seasonal-naive forecast and of the fitted mean (benchmarks/bench_forecast_backtest.py: many seeds)."""
    held = 8
    scores = {"chosen": [], "seasonal-naive": [], "mean": []}
    m = season_length(period_days)
    for seed in range(5):
        rows, future = planner_history(seed, holdout_days=held * period_days)
        y = period_values(rows, period_days)
        truth = future.reshape(held, period_days).sum(axis=1)
        model = demand_model(y, ModelConfig(season_length=m), periods=held)
        scores["chosen"].append(np.abs(truth - model.forecast[:held]).mean())
        for name in ("seasonal-naive", "mean"):
            scores[name].append(np.abs(truth - candidate_forecast(name, y, held, season_length=m)).mean())
    mean = {k: float(np.mean(v)) for k, v in scores.items()}
    assert mean["chosen"] < mean["seasonal-naive"] and mean["chosen"] < mean["mean"], mean


def test_every_command_reads_one_model(tmp_path):
    """The loaded graph's distribution, the rolling-horizon forecast and `data forecast` agree."""
    from netinv.history.cli import forecast_command
    from netinv.history.forecast import scenario_forecast

    rows, _ = planner_history(5, node="store")
    write_history(tmp_path / "sales.csv", rows)
    (tmp_path / "net.json").write_text(json.dumps({
        "name": "one store", "nodes": [{"id": "dc", "external_supply": True},
                                       {"id": "store", "holding_cost": 1, "shortage_cost": 9,
                                        "demand": {"history": "sales.csv", "period_days": 7}}],
        "edges": [{"source": "dc", "target": "store", "lead_time": 1}]}))
    graph = load(tmp_path / "net.json")
    shown = forecast_command(tmp_path / "net.json", periods=13)["nodes"][0]
    forecast = scenario_forecast(tmp_path / "net.json", periods=13)
    assert graph.nodes["store"]["demand"] == shown["distribution"]
    np.testing.assert_allclose(forecast.mean[:, 0], shown["forecast"])
    assert parse_demand(graph.nodes["store"]["demand"]).mean == pytest.approx(forecast.mean[:, 0].mean(), rel=1e-6)
    assert shown["period_days"] == 7 and shown["missing_periods"] >= 1


def test_a_short_history_gets_the_mean_and_a_too_short_one_is_one_line():
    y = np.array([3.0, 5, 4, 6, 2, 4, 5, 3, 4, 4])  # 10 periods: too few to hold 4 out after 8
    model = demand_model(y, node="s")
    assert model.method == "mean" and model.backtest == {} and model.level == pytest.approx(4.0)
    assert model.spread == pytest.approx(np.std(y, ddof=1))
    with pytest.raises(InputError, match="node 's': 5 usable period"):
        demand_model(y[:5], node="s")

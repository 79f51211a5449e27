"""Rolling- and shrinking-horizon policies: on the published 9-node benchmark (Perez et al. 2021), on a
demand forecast, and fixed order plans."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netinv.demand.expected import expected_demand, sample_demand
from netinv.demand.forecast import DemandForecast
from netinv.errors import InputError
from netinv.history.forecast import scenario_forecast
from netinv.history.records import write_history
from netinv.network import load
from netinv.network.compile import compile_network
from netinv.policies.rolling import RollingHorizon, RollingHorizonConfig
from netinv.sim import SimConfig, simulate
from tests.conftest import SCENARIOS
from tests.exact.test_planning import PEREZ, perez_paths
from tests.history.synthetic import daily_rows


def evaluate(config: RollingHorizonConfig, paths: np.ndarray) -> np.ndarray:
    """Total 30-period profit of each path."""
    arrays = compile_network(load(PEREZ))
    policy = RollingHorizon(config)
    result = simulate(arrays, policy, SimConfig(periods=30, paths=len(paths)), demand=paths.T[:, None, :])
    assert policy.solves == 30 * len(paths)
    return result.path_profits * 30


def test_deterministic_shrinking_horizon_reproduces_published_profits_on_ten_paths():
    paths, published = perez_paths()
    profits = evaluate(RollingHorizonConfig(periods=30), paths[:10])
    np.testing.assert_allclose(profits, published["deterministic_shrinking"][:10], rtol=1e-2)  # the bar
    np.testing.assert_allclose(profits, published["deterministic_shrinking"][:10], atol=1e-3)  # what we get


def test_stochastic_shrinking_horizon_beats_deterministic_on_ten_paths():
    paths, published = perez_paths()
    profits = evaluate(RollingHorizonConfig(stochastic=True, periods=30, scenarios=10), paths[:10])
    assert profits.mean() > published["deterministic_shrinking"][:10].mean()
    assert np.all(profits <= published["oracle"][:10] + 1e-6)  # nothing beats perfect information


@pytest.mark.slow
def test_deterministic_shrinking_horizon_reproduces_the_published_mean():
    paths, published = perez_paths()
    profits = evaluate(RollingHorizonConfig(periods=30), paths)
    assert profits.mean() == pytest.approx(825.3, rel=1e-2)
    np.testing.assert_allclose(profits, published["deterministic_shrinking"], atol=1e-3)


@pytest.mark.slow
def test_stochastic_shrinking_horizon_reaches_the_published_multistage_program():
    paths, _ = perez_paths()
    profits = evaluate(RollingHorizonConfig(stochastic=True, periods=30, scenarios=20), paths)
    assert profits.mean() >= 847.7


@pytest.mark.slow
def test_rolling_ten_period_window_reproduces_published_deterministic_profits():
    paths, published = perez_paths()
    profits = evaluate(RollingHorizonConfig(horizon=10, periods=30), paths[:20])
    np.testing.assert_allclose(profits, published["deterministic_rolling10"][:20], rtol=1e-2)


def test_a_shrinking_horizon_needs_the_evaluation_length():
    with pytest.raises(InputError, match="shrinking horizon"):
        RollingHorizonConfig()
    with pytest.raises(InputError, match="horizon: must be >= 1"):
        RollingHorizonConfig(horizon=0)


def test_stochastic_orders_are_a_function_of_the_state():
    """Scenario draws are seeded by the state itself: the same state gives the same orders."""
    from netinv.sim import SimState

    arrays = compile_network(load(SCENARIOS / "perez2021_network.yaml"))
    policy = RollingHorizon(RollingHorizonConfig(stochastic=True, horizon=6, scenarios=4, seed=3))
    policy.prepare(arrays, 3)
    state = SimState.initial(arrays, 3)
    first = policy.orders(state)
    np.testing.assert_array_equal(first, policy.orders(state))
    np.testing.assert_array_equal(first[:, 0], first[:, 1])  # identical paths, identical draws


@pytest.mark.parametrize("cut_at", [5, 0])
def test_interrupting_an_evaluation_keeps_the_finished_paths(cut_at):
    """Ctrl-C during path 2 (paths run one per block): paths 0 and 1 are kept, marked interrupted, also when
    the cut block had not finished a single period (that block is dropped: the run is still interrupted)."""
    paths, published = perez_paths()
    arrays = compile_network(load(PEREZ))

    class Interrupted(RollingHorizon):
        def orders(self, state):
            if state.first_path == 2 and state.t == cut_at:
                raise KeyboardInterrupt
            return super().orders(state)

    policy = Interrupted(RollingHorizonConfig(periods=30))
    result = simulate(arrays, policy, SimConfig(periods=30, paths=4, block_paths=1), demand=paths[:4].T[:, None, :])
    assert result.interrupted and result.paths == 2
    np.testing.assert_allclose(result.path_profits * 30, published["deterministic_shrinking"][:2], atol=1e-3)


# --------------------------------------------------------------------------------------------------
# Rolling-horizon policies planning on a demand history's Holt-Winters forecast.
#
# A store sells weekly-seasonal Poisson demand (weekends busy). Its scenario reads the demand from the
# history; the fitted distribution has no season, the forecast has. With lead time 1, holding and a
# large backorder cost, the deterministic policy's optimal plan is just in time: it orders in period t
# exactly the demand it plans for period t + 1. So its orders reveal the demand it planned on: the
# forecast's weekly profile with a forecast, a flat line without one.

WEEKLY = np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.8, 1.6])  # Monday first; the history starts on a Monday
DAYS = 364  # 52 weeks: the forecast's period 0 is a Monday again


@pytest.fixture(scope="module")
def seasonal_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seasonal")
    rng = np.random.default_rng(11)
    write_history(folder / "sales.csv", daily_rows({"store": rng.poisson(20 * WEEKLY[np.arange(DAYS) % 7])}))
    scenario = {
        "name": "seasonal store",
        "nodes": [{"id": "supplier"},
                  {"id": "store", "holding_cost": 1.0, "shortage_cost": 20.0, "initial_inventory": 25.0,
                   "demand": {"history": "sales.csv"}}],
        "edges": [{"source": "supplier", "target": "store", "lead_time": 1}],
    }
    (folder / "store.json").write_text(json.dumps(scenario))
    path = folder / "store.json"
    return path, compile_network(load(path)), scenario_forecast(path, periods=21)


def test_the_forecast_follows_the_season_of_the_history(seasonal_store):
    _, arrays, forecast = seasonal_store
    assert forecast.nodes == ("store",) and forecast.periods == 21
    truth = 20 * WEEKLY[np.arange(21) % 7]
    assert np.max(np.abs(forecast.mean[:, 0] - truth)) < 4
    assert set(np.argsort(forecast.mean[:7, 0])[-2:]) == {5, 6}  # Saturday and Sunday on top
    assert forecast.residuals.shape[1] == 1 and 3 < forecast.residuals.std() < 7  # about sqrt(20 x season)
    flat = expected_demand(arrays, 0, 21)
    assert np.ptp(flat) == 0  # the fitted distribution: no season
    np.testing.assert_array_equal(expected_demand(arrays, 3, 7, forecast=forecast)[:, 0], forecast.mean[3:10, 0])


def deterministic_run(arrays, demand, forecast=None, periods=14):
    policy = RollingHorizon(RollingHorizonConfig(horizon=7, periods=periods), forecast=forecast)
    return simulate(arrays, policy, SimConfig(periods=periods, paths=1, record=True), demand=demand[:periods, :, None])


def test_deterministic_policy_plans_on_the_forecast(seasonal_store):
    _, arrays, forecast = seasonal_store
    mean = forecast.mean[:, 0]
    realized = forecast.mean  # the world follows the forecast: planning on it is planning on the truth
    result = deterministic_run(arrays, realized, forecast)
    orders = result.trace["orders"][:, 0, 0]
    # just in time: period 0 orders the forecast of period 1 less what is left of the initial 25 units,
    # then every period t the forecast of period t + 1; the last period orders nothing (too late)
    assert mean[0] < 25 and mean[1] > 25 - mean[0]
    np.testing.assert_allclose(orders[0], mean[1] - (25 - mean[0]), atol=1e-4)
    np.testing.assert_allclose(orders[1:-1], mean[2:14], atol=1e-4)
    assert orders[-1] == 0
    assert np.argmax(orders[:7]) in (4, 5)  # the big orders go out on Friday / Saturday for the weekend
    assert result.mean_cost < 25 / 14  # nothing short, nothing held but the first day's leftover
    # without the forecast the same policy plans on the fitted (flat) mean: it orders the season late
    # and pays for backorders and stock the forecast would have avoided
    flat = deterministic_run(arrays, realized)
    assert np.max(np.abs(flat.trace["orders"][1:-1, 0, 0] - mean[2:14])) > 3
    assert flat.mean_cost > 10 * result.mean_cost + 1


def test_stochastic_scenarios_are_the_forecast_plus_bootstrapped_errors(seasonal_store):
    _, arrays, forecast = seasonal_store
    residuals = forecast.residuals[:, 0]
    for stratified in (False, True):
        draws = sample_demand(arrays, 2, 10, 4000, 7, stratified=stratified, forecast=forecast)[:, :, 0]
        assert draws.shape == (4000, 10)
        # the mean follows the forecast (censoring at 0 is negligible here), the spread the residuals
        np.testing.assert_allclose(draws.mean(axis=0), forecast.mean[2:12, 0], atol=4 * residuals.std() / np.sqrt(4000) + 0.05)
        np.testing.assert_allclose(draws.std(axis=0), residuals.std(), rtol=0.1)
        errors = draws - forecast.mean[2:12, 0]
        assert np.isin(np.round(errors[draws > 0], 6), np.round(residuals, 6)).all()  # drawn from the pool
    policy = RollingHorizon(RollingHorizonConfig(stochastic=True, horizon=5, periods=6, scenarios=5), forecast=forecast)
    result = simulate(arrays, policy, SimConfig(periods=6, paths=2, seed=1))
    assert policy.solves == 12 and np.isfinite(result.mean_cost)


def test_a_forecast_must_cover_the_plan_and_the_network(seasonal_store):
    _, arrays, forecast = seasonal_store
    RollingHorizon(RollingHorizonConfig(horizon=5, periods=21), forecast=forecast).prepare(arrays, 1)  # enough
    with pytest.raises(InputError, match="forecast at least 22 periods"):
        RollingHorizon(RollingHorizonConfig(horizon=5, periods=22), forecast=forecast).prepare(arrays, 1)
    other = DemandForecast(("supplier",), np.ones((30, 1)), np.zeros((0, 1)))
    with pytest.raises(InputError, match="'supplier' is not a demand node"):
        RollingHorizon(RollingHorizonConfig(horizon=5, periods=20), forecast=other).prepare(arrays, 1)
    with pytest.raises(InputError, match="mean must be finite and >= 0"):
        DemandForecast(("store",), -np.ones((3, 1)), np.zeros((0, 1)))


def test_no_history_no_forecast(tmp_path):
    (tmp_path / "plain.json").write_text(json.dumps({
        "name": "plain", "nodes": [{"id": "s"}, {"id": "d", "demand": {"distribution": "poisson", "mean": 3}}],
        "edges": [{"source": "s", "target": "d"}]}))
    assert scenario_forecast(tmp_path / "plain.json", periods=5) is None


def test_planned_orders_follow_the_plan_of_each_path_and_stop_at_its_end():
    from netinv.policies.rolling import PlannedOrders
    from netinv.sim import SimState
    from tests.conftest import network

    arrays = compile_network(network(
        [{"id": "plant"}, {"id": "store", "shortage_cost": 1.0, "demand": {"distribution": "poisson", "mean": 3}}],
        [{"source": "plant", "target": "store"}],
    ))
    shared = PlannedOrders(np.array([[4.0], [6.0]]), name="plan")
    shared.prepare(arrays, 3)
    state = SimState.initial(arrays, 3)
    assert shared.name == "plan" and shared.orders(state).tolist() == [[4.0, 4.0, 4.0]]
    state.t = 2  # past the plan: nothing more
    assert shared.orders(state).tolist() == [[0.0, 0.0, 0.0]]
    per_path = PlannedOrders(np.arange(8.0).reshape(4, 2, 1))  # 4 paths x 2 periods x 1 edge
    per_path.prepare(arrays, 2)
    block = SimState.initial(arrays, 2, first_path=2)  # the second block of two paths
    block.t = 1
    assert per_path.orders(block).tolist() == [[5.0, 7.0]]
    with pytest.raises(InputError, match="has 4 paths"):
        per_path.orders(SimState.initial(arrays, 2, first_path=3))
    with pytest.raises(InputError, match="expected shape"):
        PlannedOrders(np.zeros((2, 3))).prepare(arrays, 1)

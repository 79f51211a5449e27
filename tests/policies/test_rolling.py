"""Rolling- and shrinking-horizon policies on the published 9-node benchmark (Perez et al. 2021)."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.network import load
from netinv.network.compile import compile_network
from netinv.policies.rolling import RollingHorizon, RollingHorizonConfig
from netinv.sim import SimConfig, simulate
from tests.conftest import SCENARIOS
from tests.exact.test_planning import PEREZ, perez_paths


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

"""A demand forecast: its checks, its window, its bootstrapped errors and its expected demand."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.demand.forecast import DemandForecast
from netinv.errors import InputError
from netinv.network.compile import compile_network
from tests.conftest import network


def _forecast():
    return DemandForecast(("b",), np.arange(10.0)[:, None], np.array([[-2.0], [1.0], [0.0], [4.0]]))


def test_window_and_errors():
    forecast = _forecast()
    assert forecast.periods == 10 and forecast.nodes == ("b",)
    np.testing.assert_array_equal(forecast.window(3, 2)[:, 0], [3.0, 4.0])
    with pytest.raises(InputError, match="covers periods 0..9"):
        forecast.window(8, 3)
    # the empirical inverse of the sorted residuals (-2, 0, 1, 4) at probabilities u
    np.testing.assert_array_equal(forecast.errors(np.array([[0.0], [0.3], [0.5], [0.99]]))[:, 0], [-2, 0, 1, 4])
    empty = DemandForecast(("b",), np.ones((2, 1)), np.zeros((0, 1)))
    assert not empty.errors(np.array([[0.7]])).any()


def test_expected_demand_takes_the_forecast_where_it_covers_a_node():
    arrays = compile_network(network(
        [{"id": "plant"},
         {"id": "a", "shortage_cost": 1.0, "demand": {"distribution": "poisson", "mean": 6}},
         {"id": "b", "shortage_cost": 1.0, "demand": {"distribution": "poisson", "mean": 2}}],
        [{"source": "plant", "target": "a"}, {"source": "plant", "target": "b"}],
    ))
    forecast = _forecast()
    demand_ids = list(arrays.node_ids[arrays.demand_slice])
    assert forecast.columns(arrays).tolist() == [demand_ids.index("b")]
    out = forecast.expected(arrays, 4, 3)
    np.testing.assert_array_equal(out[:, demand_ids.index("b")], [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(out[:, demand_ids.index("a")], 6.0)
    with pytest.raises(InputError, match="'plant' is not a demand node"):
        DemandForecast(("plant",), np.ones((2, 1)), np.zeros((0, 1))).columns(arrays)


@pytest.mark.parametrize(("nodes", "mean", "residuals", "message"), [
    (("a", "a"), np.ones((2, 2)), np.zeros((0, 2)), "listed twice"),
    (("a",), np.ones((2, 2)), np.zeros((0, 1)), "mean must have shape"),
    (("a",), np.ones((2, 1)), np.zeros((3, 2)), "residuals must have shape"),
    (("a",), np.full((2, 1), np.nan), np.zeros((0, 1)), "finite and >= 0"),
])
def test_bad_forecasts_are_refused(nodes, mean, residuals, message):
    with pytest.raises(InputError, match=message):
        DemandForecast(nodes, mean, residuals)

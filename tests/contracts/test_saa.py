"""netinv.contracts.saa: the sample-average newsvendor LP against the empirical quantile."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.contracts import Demand
from netinv.contracts.saa import build_newsvendor_lp, solve_newsvendor_lp


def test_optimal_order_is_the_critical_quantile():
    # value a = 10 per unit sold, cost b: raise the order past q while a P(D > q) > b
    demand = Demand.empirical([10.0, 20.0, 30.0, 40.0, 50.0])
    assert solve_newsvendor_lp(demand, 10.0, 5.0) == pytest.approx(30.0)  # P(D > 30) = 0.4 < 0.5 <= P(D > 20)
    assert solve_newsvendor_lp(demand, 10.0, 1.0) == pytest.approx(50.0)  # P(D > 40) = 0.2 > 0.1


def test_model_shape():
    model = build_newsvendor_lp(np.array([1.0, 2.0]), np.array([0.5, 0.5]), 3.0, 1.0)
    assert len(model.scenarios) == 2 and model.order.bounds == (0.0, 2.0)

"""netinv.exact.fastlp: the planning LP built with numpy index arithmetic, re-solved in place."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.exact.fastlp import PlanningLP
from netinv.exact.planning import sample_demand
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from tests.conftest import network
from tests.exact.helpers import random_state


def single_store():
    return compile_network(network(
        [{"id": "supplier"},
         {"id": "store", "holding_cost": 1.0, "shortage_cost": 3.0, "price": 5.0,
          "demand": {"distribution": "poisson", "mean": 4.0}}],
        [{"source": "supplier", "target": "store", "unit_cost": 2.0}],
    ))


def test_size_of_a_single_store_model():
    lp = PlanningLP(single_store(), horizon=3)
    # columns: orders, on hand, sales, unmet (3 periods each); rows: balance and demand per period
    assert lp.size == {"columns": 12, "rows": 6, "nonzeros": lp.size["nonzeros"], "integers": 0}


def test_zero_lead_time_sells_every_unit_of_demand():
    demand = np.array([[3.0], [0.0], [7.0]])
    solution = PlanningLP(single_store(), horizon=3).solve(demand)
    assert solution.is_optimal and solution.form == "profit"
    assert solution.objective == pytest.approx(10.0 * (5.0 - 2.0))  # price - unit cost per unit sold
    np.testing.assert_allclose(solution.decisions["orders"][0, :, 0], [3.0, 0.0, 7.0], atol=1e-9)


def test_bad_sizes_are_input_errors():
    with pytest.raises(InputError, match="horizon and scenarios must be >= 1, got 0, 1"):
        PlanningLP(single_store(), horizon=0)
    with pytest.raises(InputError, match=r"this model has 1 scenario\(s\) x 3 periods, got 1 x 2"):
        PlanningLP(single_store(), horizon=3).solve(np.ones((2, 1)))


def test_re_solving_in_place_equals_a_fresh_model():
    arrays = compile_network(generate("general", 12, 5))
    lp = PlanningLP(arrays, horizon=8, scenarios=3)
    rng = np.random.default_rng(0)
    for k in range(3):
        demand = sample_demand(arrays, 0, 8, 3, k)
        state = random_state(arrays, rng)
        again = lp.solve(demand, state)
        fresh = PlanningLP(arrays, horizon=8, scenarios=3).solve(demand, state)
        assert again.objective == pytest.approx(fresh.objective, rel=1e-9, abs=1e-9)

"""netinv.transship.pyomo_model: the sample-average stocking model in Pyomo, against known optima."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.exact.pyomo_highs import solve_model
from netinv.transship import transshipment_problem
from netinv.transship.pyomo_model import build_stocking_model
from tests.transship.conftest import stores_network

POISSON = {"distribution": "poisson", "mean": 2.0}


def problem(edges):
    return transshipment_problem(stores_network([POISSON, POISSON], [1.0, 1.0], [3.0, 3.0], edges))


def test_without_edges_each_store_is_a_sample_newsvendor():
    # critical ratio p / (p + h) = 0.75: any level in [3, 4] of samples 1..4 costs (3 + 3) / 4 = 1.5
    demand = np.array([[1.0, 4.0], [2.0, 3.0], [3.0, 2.0], [4.0, 1.0]])
    model = build_stocking_model(problem([]), demand)
    solution = solve_model(model)
    assert solution.is_optimal
    assert solution.objective == pytest.approx(2 * 1.5)
    assert 3.0 - 1e-9 <= model.level["s0"].value <= 4.0 + 1e-9


def test_free_transshipment_pools_the_two_stores():
    # demand always sums to 5 with free moves both ways: stock 5 in total, never short, nothing left
    demand = np.array([[1.0, 4.0], [2.0, 3.0], [3.0, 2.0], [4.0, 1.0]])
    model = build_stocking_model(problem([(0, 1, 0.0), (1, 0, 0.0)]), demand)
    solution = solve_model(model)
    assert solution.objective == pytest.approx(0.0, abs=1e-9)
    assert model.level["s0"].value + model.level["s1"].value == pytest.approx(5.0)


def test_demand_of_the_wrong_shape_is_an_input_error():
    with pytest.raises(InputError, match=r"demand must have shape \(samples, locations=2\), got \(3,\)"):
        build_stocking_model(problem([]), np.ones(3))

"""netinv.exact.pyomo_highs: a Pyomo model solved by HiGHS; the termination is checked before reading."""

from __future__ import annotations

import pytest

from netinv.errors import SolverError
from netinv.exact.pyomo_highs import solve_model


def test_a_small_lp_has_its_known_optimum():
    import pyomo.environ as pyo

    model = pyo.ConcreteModel(name="textbook")
    model.x = pyo.Var(domain=pyo.NonNegativeReals)
    model.y = pyo.Var(domain=pyo.NonNegativeReals)
    model.a = pyo.Constraint(expr=model.x + 2 * model.y <= 14)
    model.b = pyo.Constraint(expr=3 * model.x - model.y >= 0)
    model.c = pyo.Constraint(expr=model.x - model.y <= 2)
    model.profit = pyo.Objective(expr=3 * model.x + 4 * model.y, sense=pyo.maximize)
    solution = solve_model(model)
    assert solution.is_optimal
    assert solution.objective == pytest.approx(34.0)  # x = 6, y = 4
    assert (pyo.value(model.x), pyo.value(model.y)) == pytest.approx((6.0, 4.0))


def test_an_unbounded_model_is_reported_not_read():
    import pyomo.environ as pyo

    model = pyo.ConcreteModel(name="runaway")
    model.x = pyo.Var(domain=pyo.NonNegativeReals)
    model.profit = pyo.Objective(expr=model.x, sense=pyo.maximize)
    with pytest.raises(SolverError, match="unbounded|infeasible or unbounded"):
        solve_model(model)
    assert model.x.value is None  # nothing was loaded from an unsolved model

"""netinv.exact.pyomo_highs: a Pyomo model solved by HiGHS; the termination is checked before reading."""

from __future__ import annotations

import pytest

from netinv.errors import SolverError
from netinv.exact.pyomo_highs import solve_model


def _textbook_lp():
    """max 3x + 4y s.t. x + 2y <= 14, 3x - y >= 0, x - y <= 2, x, y >= 0 (optimum x = 6, y = 4: 34)."""
    import pyomo.environ as pyo

    model = pyo.ConcreteModel(name="textbook")
    model.x = pyo.Var(domain=pyo.NonNegativeReals)
    model.y = pyo.Var(domain=pyo.NonNegativeReals)
    model.a = pyo.Constraint(expr=model.x + 2 * model.y <= 14)
    model.b = pyo.Constraint(expr=3 * model.x - model.y >= 0)
    model.c = pyo.Constraint(expr=model.x - model.y <= 2)
    model.profit = pyo.Objective(expr=3 * model.x + 4 * model.y, sense=pyo.maximize)
    return model


def test_a_small_lp_has_its_known_optimum():
    import pyomo.environ as pyo

    model = _textbook_lp()
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


def test_to_highs_hands_over_the_columns_for_a_cut_loop():
    """The compiled model, a row added afterwards on HiGHS' side (a cut), re-solved: the known new optimum."""
    import numpy as np

    from netinv.exact.highs import run
    from netinv.exact.pyomo_highs import to_highs

    model = _textbook_lp()
    h, columns, integrality, maximize, shape = to_highs(model)
    assert maximize and shape["rows"] == 3 and not integrality.any()
    assert run(h, integer=False).objective == pytest.approx(-34.0)  # minimization sense
    y = [id(v) for v in columns].index(id(model.y))
    h.addRow(-np.inf, 3.0, 1, np.array([y], dtype=np.int32), np.array([1.0]))  # y <= 3: x = 5, y = 3
    assert run(h, integer=False).objective == pytest.approx(-27.0)

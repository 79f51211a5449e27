"""Sample-average LPs (Pyomo + HiGHS) for empirical demand.

With demand equal to d_i with probability w_i, a newsvendor whose profit is a S(q) - b q is the LP

    maximize   a sum_i w_i s_i - b q
    subject to s_i <= q,  s_i <= d_i,  s_i >= 0,  0 <= q <= max_i d_i

(s_i: sales in scenario i). The integrated channel is this LP with a = p - v + g, b = c - v; a retailer
under a contract with ``linear_terms`` (a, b) is the same LP with its own coefficients.
"""

from __future__ import annotations

import numpy as np

from netinv.errors import SolverError


def build_newsvendor_lp(values, weights, sales_value: float, order_cost: float, *, name: str = "newsvendor_saa"):
    """The sample-average newsvendor LP over demand ``values`` with probabilities ``weights``.

    Args:
        values: demand in each scenario [d_i].
        weights: probability of each scenario [w_i].
        sales_value: value per unit of expected sales [a].
        order_cost: cost per unit ordered [b].
    """
    import pyomo.environ as pyo

    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    model = pyo.ConcreteModel(name=name)
    model.scenarios = pyo.RangeSet(0, values.size - 1)
    model.order = pyo.Var(bounds=(0.0, float(values.max())))
    model.sales = pyo.Var(model.scenarios, within=pyo.NonNegativeReals)
    model.up_to_order = pyo.Constraint(model.scenarios, rule=lambda m, i: m.sales[i] <= m.order)
    model.up_to_demand = pyo.Constraint(model.scenarios, rule=lambda m, i: m.sales[i] <= float(values[i]))
    model.profit = pyo.Objective(
        expr=sales_value * sum(float(weights[i]) * model.sales[i] for i in range(values.size))
        - order_cost * model.order,
        sense=pyo.maximize,
    )
    return model


def solve_newsvendor_lp(demand, sales_value: float, order_cost: float, *, name: str = "newsvendor_saa") -> float:
    """The optimal order of the sample-average newsvendor LP for empirical ``demand``."""
    from netinv.exact.pyomo_highs import solve_model

    model = build_newsvendor_lp(demand.values, demand.weights, sales_value, order_cost, name=name)
    solution = solve_model(model)
    if not solution.is_optimal:
        raise SolverError(f"model {name!r}: {solution.message or solution.status}")
    return float(model.order.value)

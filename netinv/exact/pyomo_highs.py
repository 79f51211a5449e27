"""Solve a Pyomo model with HiGHS through Pyomo's standard-form compiler (the fast hand-off).

Pyomo's persistent / appsi interfaces were measured here to spend more time handing a model over than
HiGHS spends solving it; compiling the model to CSC arrays with
``pyomo.repn.plugins.standard_form.LinearStandardFormCompiler`` and passing those arrays to
``highspy.Highs.passModel`` is about ten times faster. Values are loaded back into the model's
variables, so a user who added constraints reads the answer the usual Pyomo way.
"""

from __future__ import annotations

import time

import numpy as np

from netinv.errors import SolverError
from netinv.exact.highs import SolverOptions, Status, failure_message, new_highs, pass_model, run
from netinv.exact.solution import Solution


def solve_model(model, options: SolverOptions = SolverOptions(), *, raise_on_failure: bool = True,
                warm_start: bool = False) -> Solution:
    """Solve ``model`` (any linear / mixed-integer Pyomo model with one active objective).

    Planning models built by :func:`netinv.exact.planning.build_planning_model` come back with their
    decisions as arrays; other models come back with ``objective`` and the values in the Pyomo model.
    Raises :class:`~netinv.errors.SolverError` (CLI exit code 3) when there is no usable solution, unless
    ``raise_on_failure`` is false; a time limit with an incumbent returns it with status ``time_limit``
    and its gap. ``warm_start``: hand the variables' current values to HiGHS as a starting solution
    (a MIP start; variables without a value count as 0).
    """
    meta = getattr(model, "_netinv", {})
    start = time.perf_counter()
    h, columns, integrality, maximize, shape = to_highs(model, options)
    n = len(columns)
    if warm_start and n:
        start_values = np.array([0.0 if v.value is None else float(v.value) for v in columns])
        h.setSolution(n, np.arange(n, dtype=np.int32), start_values)
    handed = time.perf_counter()
    integer = bool(integrality.any())
    result = run(h, integer=integer)
    if result.values is not None:
        for var, value in zip(columns, result.values):
            var.set_value(float(value), skip_validation=True)
    sign = -1.0 if maximize else 1.0  # back to the model's own sense
    form = meta.get("form", "max" if maximize else "min")
    report = -1.0 if form == "profit" else sign  # planning models minimize cost - revenue
    seconds = {
        "build": float(meta.get("build_seconds", 0.0)),
        "handoff": handed - start,
        "solve": result.seconds,
    }
    what = f"model {model.name!r}"
    message = "" if result.status == Status.OPTIMAL else failure_message(result.status, what)
    if result.values is None and raise_on_failure:
        raise SolverError(message)
    objective = None if result.objective is None else report * result.objective
    bound = None if result.bound is None else report * result.bound
    if result.status == Status.TIME_LIMIT and objective is not None:
        message = f"{what}: time limit reached; best plan found, relative gap {result.gap:.3g}"
    solution = Solution(
        status=result.status,
        objective=objective,
        form=form,
        bound=bound,
        gap=result.gap,
        seconds=seconds,
        size={"columns": n, "rows": shape["rows"], "nonzeros": shape["nonzeros"],
              "integers": int(integrality.sum())},
        message=message,
    )
    if meta.get("arrays") is not None and result.values is not None:
        _planning_decisions(model, meta, solution)
    return solution


def to_highs(model, options: SolverOptions = SolverOptions()):
    """Compile ``model`` (linear / mixed-integer, one active objective) into a fresh ``highspy.Highs``, as a
    minimization: ``(highs, columns, integrality, maximize, shape)``. ``columns`` are the Pyomo variables
    in HiGHS' column order, for reading values back or adding rows (a cut loop);
    ``shape`` = rows and nonzeros."""
    import pyomo.environ as pyo
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=pyo.minimize)
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1:
        raise SolverError(f"model {model.name!r}: expected one active objective, found {len(objectives)}")
    maximize = objectives[0].sense == pyo.maximize
    columns = repn.columns
    n = len(columns)
    lower = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=np.float64)
    upper = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=np.float64)
    integrality = np.array([1 if v.is_integer() or v.is_binary() else 0 for v in columns], dtype=np.int32)
    senses = np.array([sense for _, sense in repn.rows], dtype=np.int8)
    rhs = np.asarray(repn.rhs, dtype=np.float64)
    row_lower = np.where(senses <= 0, rhs, -np.inf)
    row_upper = np.where(senses >= 0, rhs, np.inf)
    cost = repn.c.toarray().ravel() if n else np.zeros(0)
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    h = new_highs(options)
    pass_model(h, cost, lower, upper, row_lower, row_upper, repn.A, integrality, offset)
    return h, columns, integrality, maximize, {"rows": len(rhs), "nonzeros": int(repn.A.nnz)}


def _planning_decisions(model, meta, solution: Solution) -> None:
    """Read a planning model's variables into [scenario, period, item] arrays."""
    a = meta["arrays"]
    K, T = meta["scenarios"], meta["horizon"]
    ds = a.demand_slice
    solution.nodes = a.node_ids
    solution.edges = a.edge_keys
    solution.demand_nodes = a.node_ids[ds]
    solution.transshipment_edges = a.trans_keys
    edge_pos = {key: e for e, key in enumerate(a.edge_keys)}
    orders = np.zeros((K, T, a.num_edges))
    for (s, t, u, v), var in model.order.items():
        orders[s, t, edge_pos[u, v]] = var.value or 0.0
    on_hand = np.broadcast_to(meta["state"].on_hand[None, None, :], (K, T, a.num_nodes)).astype(np.float64)
    for (s, t, n), var in model.on_hand.items():
        on_hand[s, t, a.index[n]] = var.value or 0.0
    first = a.num_nodes - a.num_demand_nodes
    sales = np.zeros((K, T, a.num_demand_nodes))
    unmet = np.zeros_like(sales)
    for (s, t, n), var in model.sales.items():
        sales[s, t, a.index[n] - first] = var.value or 0.0
    for (s, t, n), var in model.unmet.items():
        unmet[s, t, a.index[n] - first] = var.value or 0.0
    kits = np.zeros((K, T, a.num_nodes))
    for (s, t, n), var in model.kits.items():
        kits[s, t, a.index[n]] = var.value or 0.0
    trans = np.zeros((K, T, len(a.trans_keys)))
    trans_pos = {key: x for x, key in enumerate(a.trans_keys)}
    for (s, t, u, v), var in model.transship.items():
        trans[s, t, trans_pos[u, v]] = var.value or 0.0
    placed = np.zeros((K, T, a.num_edges))
    for (s, t, u, v), var in model.order_placed.items():
        placed[s, t, edge_pos[u, v]] = round(var.value or 0.0)
    solution.decisions = {"orders": orders, "on_hand": on_hand, "sales": sales, "unmet": unmet,
                          "kits": kits, "transshipped": trans, "order_placed": placed}

"""The stocking-with-transshipment model in Pyomo, in its textbook form (Herer, Tzur & Yücesan 2006).

Variables: ``level[i]`` [S_i]; per sample k: ``sold[k, i]`` (own stock meeting own demand, f_ik),
``moved[k, u, v]`` (stock of u meeting v's demand, t), ``left[k, i]`` (e_ik) and ``short[k, i]`` (r_ik).
Constraints: sold + moved out + left = level; sold + moved in + short = demand. Objective: the sample
average of holding + shortage + transshipment cost. Every edge is kept (none is pruned), so this is an
independent check of the numpy build in :mod:`netinv.transship.saa`; users may add constraints before
solving it with :func:`netinv.exact.pyomo_highs.solve_model`.
"""

from __future__ import annotations

import time

import numpy as np

from netinv.transship.problem import TransshipmentProblem


def build_stocking_model(problem: TransshipmentProblem, demand: np.ndarray):
    """A Pyomo ``ConcreteModel`` of the sample-average stocking problem over ``demand`` (K, L)."""
    import pyomo.environ as pyo

    from netinv.transship.saa import as_demand

    start = time.perf_counter()
    d = as_demand(problem, demand)
    K = d.shape[0]
    names = problem.locations
    m = pyo.ConcreteModel(name=f"transshipment stocking of {problem.name}")
    m.locations = pyo.Set(initialize=names, ordered=True)
    m.samples = pyo.RangeSet(0, K - 1)
    m.edges = pyo.Set(initialize=problem.edge_keys, dimen=2, ordered=True)
    h = dict(zip(names, problem.holding_cost.tolist(), strict=True))
    p = dict(zip(names, problem.shortage_cost.tolist(), strict=True))
    c = dict(zip(problem.edge_keys, problem.unit_cost.tolist(), strict=True))
    cap = dict(zip(problem.edge_keys, problem.capacity.tolist(), strict=True))
    m.level = pyo.Var(m.locations, domain=pyo.NonNegativeReals)
    m.sold = pyo.Var(m.samples, m.locations, domain=pyo.NonNegativeReals)
    m.moved = pyo.Var(m.samples, m.edges, domain=pyo.NonNegativeReals,
                      bounds=lambda _, k, u, v: (0, None if np.isinf(cap[u, v]) else cap[u, v]))
    m.left = pyo.Var(m.samples, m.locations, domain=pyo.NonNegativeReals)
    m.short = pyo.Var(m.samples, m.locations, domain=pyo.NonNegativeReals)
    out_of = {n: [e for e in problem.edge_keys if e[0] == n] for n in names}
    into = {n: [e for e in problem.edge_keys if e[1] == n] for n in names}
    col = {n: i for i, n in enumerate(names)}

    @m.Constraint(m.samples, m.locations)
    def stock(m, k, i):
        return m.sold[k, i] + sum(m.moved[k, u, v] for u, v in out_of[i]) + m.left[k, i] == m.level[i]

    @m.Constraint(m.samples, m.locations)
    def meet(m, k, i):
        return m.sold[k, i] + sum(m.moved[k, u, v] for u, v in into[i]) + m.short[k, i] == float(d[k, col[i]])

    m.cost = pyo.Objective(
        expr=(1.0 / K) * sum(
            sum(h[i] * m.left[k, i] + p[i] * m.short[k, i] for i in names)
            + sum(c[u, v] * m.moved[k, u, v] for u, v in problem.edge_keys)
            for k in range(K)
        ),
        sense=pyo.minimize,
    )
    m._netinv = {"form": "cost", "build_seconds": time.perf_counter() - start}
    return m

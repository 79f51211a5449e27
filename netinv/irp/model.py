"""The compact inventory-routing model (Archetti et al. 2007, multi-vehicle DIMACS form) in Pyomo.

Aggregated (vehicle-free) two-index formulation, for every period t = 1..H:

- ``x[i, j, t]`` (i < j): times edge {i, j} is travelled; 0..1 between customers, 0..2 on a supplier
  edge (2 = a route serving one customer); ``z[i, t]``: customer i visited [0/1]; ``vehicles[t]``: routes
  leaving the supplier, 0..K;
- ``q[i, t]`` delivered, ``stock[i, t]`` the customer's end-of-period level [I_it], ``supplier[t]`` the
  supplier's [B_t].

Why aggregated: a vehicle index multiplies the routing variables by K and makes K! symmetric copies of
every plan; without it a plan is a set of routes, and the per-route capacity is enforced by fractional
capacity cuts x(delta(S)) >= 2 q(S) / Q, separated like the subtour cuts (:mod:`netinv.irp.separation`).
An integer point that passes every subtour and capacity cut is a set of K or fewer routes within
capacity, so the cut loop is exact.

Constraints of the compact model: inventory balances in the DIMACS event order (production first, then
deliveries, then consumption), the maximum-level rule I_{t-1} + q_t <= U (order-up-to: q_t >= U z_t -
I_{t-1} too), degrees (2 z_i at a customer, 2 vehicles[t] at the supplier), total load <= Q vehicles[t],
and the valid inequalities of the literature: x_ij <= z_i, x_0i <= 2 z_i, z_i <= vehicles (a visit needs a
route, Archetti's x_it <= y_0t), q_it <= min(Q, U_i - L_i) z_it, the stock-cover inequalities
I_{t-k-1} - L >= (k+1) r (1 - sum_{j=0..k} z_{t-j}) (no visit in t-k..t: the stock at t-k-1 must last),
the visit counts sum_{s<=t} z_is >= ceil((t r_i + L_i - I_i0) / min(Q, U_i - L_i)) and the route counts
sum_{s<=t} vehicles[s] >= ceil(sum_i (t r_i + L_i - I_i0)^+ / Q).
"""

from __future__ import annotations

import math

import numpy as np

from netinv.irp.instance import IrpInstance
from netinv.irp.solution import Policy


def build_model(instance: IrpInstance, policy: Policy = Policy.ml, *, integer_quantities: bool = False):
    """The compact Pyomo model of ``instance`` (no subtour or capacity cut yet)."""
    import pyomo.environ as pyo

    inst = instance
    n, H, Q, K = inst.customers, inst.horizon, inst.capacity, inst.vehicles
    m = pyo.ConcreteModel(name=f"irp {inst.name}")
    m.T = pyo.RangeSet(1, H)
    m.N = pyo.RangeSet(1, n)
    m.E = pyo.Set(initialize=[(i, j) for i in range(n + 1) for j in range(i + 1, n + 1)], dimen=2)
    c = inst.distance
    U, L, r, h = inst.max_level, inst.min_level, inst.consumption, inst.holding_cost

    def edge_bounds(model, i, j, t):
        return (0, 2) if i == 0 else (0, 1)

    m.x = pyo.Var(m.E, m.T, domain=pyo.NonNegativeIntegers, bounds=edge_bounds)
    m.z = pyo.Var(m.N, m.T, domain=pyo.Binary)
    m.vehicles = pyo.Var(m.T, domain=pyo.NonNegativeIntegers, bounds=(0, K))
    m.q = pyo.Var(m.N, m.T, domain=pyo.NonNegativeIntegers if integer_quantities else pyo.NonNegativeReals,
                  bounds=lambda model, i, t: (0, min(Q, U[i] - L[i])))
    m.stock = pyo.Var(m.N, m.T, bounds=lambda model, i, t: (L[i], U[i]))
    m.supplier = pyo.Var(m.T, domain=pyo.NonNegativeReals)

    def before(i, t):
        """I_{i,t-1}: the start stock in period 1."""
        return inst.start_stock[i] if t == 1 else m.stock[i, t - 1]

    m.supplier_balance = pyo.Constraint(m.T, rule=lambda model, t: model.supplier[t] == (
        inst.start_stock[0] if t == 1 else model.supplier[t - 1]) + inst.production - sum(
        model.q[i, t] for i in model.N))
    m.customer_balance = pyo.Constraint(m.N, m.T, rule=lambda model, i, t: model.stock[i, t] == before(i, t)
                                        + model.q[i, t] - r[i])
    m.max_level = pyo.Constraint(m.N, m.T, rule=lambda model, i, t: before(i, t) + model.q[i, t] <= U[i])
    if policy == Policy.ou:
        m.order_up_to = pyo.Constraint(m.N, m.T, rule=lambda model, i, t: model.q[i, t] >= U[i] * model.z[i, t]
                                       - before(i, t))
    add_routing_constraints(m, inst)
    add_valid_inequalities(m, inst, before)
    m.cost = pyo.Objective(expr=sum(c[i, j] * m.x[i, j, t] for (i, j) in m.E for t in m.T)
                           + sum(h[0] * m.supplier[t] for t in m.T)
                           + sum(h[i] * m.stock[i, t] for i in m.N for t in m.T))
    return m


def add_routing_constraints(m, inst: IrpInstance) -> None:
    """Degrees, linking of edges to visits, and the fleet's total load."""
    import pyomo.environ as pyo

    n, Q, U, L = inst.customers, inst.capacity, inst.max_level, inst.min_level

    def incident(model, i, t):
        return sum(model.x[min(i, j), max(i, j), t] for j in range(n + 1) if j != i)

    m.degree = pyo.Constraint(m.N, m.T, rule=lambda model, i, t: incident(model, i, t) == 2 * model.z[i, t])
    m.supplier_degree = pyo.Constraint(m.T, rule=lambda model, t: incident(model, 0, t) == 2 * model.vehicles[t])
    m.edge_visit = pyo.Constraint(m.E, m.T, rule=lambda model, i, j, t: (
        model.x[i, j, t] <= 2 * model.z[j, t] if i == 0 else model.x[i, j, t] <= model.z[i, t]))
    m.edge_visit_head = pyo.Constraint(
        [(i, j) for (i, j) in m.E if i > 0], m.T, rule=lambda model, i, j, t: model.x[i, j, t] <= model.z[j, t])
    m.fleet_load = pyo.Constraint(m.T, rule=lambda model, t: sum(model.q[i, t] for i in model.N)
                            <= Q * model.vehicles[t])
    m.visit_delivery = pyo.Constraint(m.N, m.T, rule=lambda model, i, t: model.q[i, t]
                                      <= min(Q, U[i] - L[i]) * model.z[i, t])
    m.visit_needs_route = pyo.Constraint(m.N, m.T, rule=lambda model, i, t: model.z[i, t] <= model.vehicles[t])


def add_valid_inequalities(m, inst: IrpInstance, before) -> None:
    """Archetti et al.'s stock-cover inequalities and the rounded counts of visits and routes."""
    import pyomo.environ as pyo

    H, Q = inst.horizon, inst.capacity
    U, L, r, start = inst.max_level, inst.min_level, inst.consumption, inst.start_stock
    cover = [(i, t, k) for i in m.N for t in m.T for k in range(t)]
    m.stock_cover = pyo.Constraint(cover, rule=lambda model, i, t, k: before(i, t - k) - L[i] >= (k + 1) * r[i] * (
        1 - sum(model.z[i, t - j] for j in range(k + 1))))
    m.visit_count = pyo.ConstraintList()
    m.route_count = pyo.ConstraintList()
    for t in range(1, H + 1):
        short = np.maximum(0.0, t * r + L - start)[1:]
        for i in m.N:
            per_visit = min(Q, U[i] - L[i])
            if short[i - 1] > 0 and per_visit > 0:
                m.visit_count.add(sum(m.z[i, s] for s in range(1, t + 1))
                                  >= math.ceil(short[i - 1] / per_visit - 1e-9))
        if short.sum() > 0:
            m.route_count.add(sum(m.vehicles[s] for s in range(1, t + 1)) >= math.ceil(short.sum() / Q - 1e-9))

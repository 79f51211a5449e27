"""An inventory-routing plan, its cost under the DIMACS rules, and the result object of a solve.

The DIMACS event order inside period t = 1..H:

1. the supplier receives its production: B := B_{t-1} + r0 (shippable in the same period);
2. deliveries arrive: maximum-level policy I_{i,t-1} + q_it <= U_i (order-up-to: a visited customer is
   filled to exactly U_i);
3. the customers consume: I_it = I_{i,t-1} + q_it - r_i >= L_i;
4. the supplier ends with B_t = B_{t-1} + r0 - sum_i q_it >= 0.

Cost = routing (sum of c_ij over the arcs travelled) + sum_{t=1..H} h0 B_t + sum_{t=1..H} sum_i h_i I_it:
end-of-period levels of periods 1..H are charged, the starting levels are not.
:func:`evaluate_plan` applies these rules to a plan independently of any model, so every solver's answer
is re-priced and re-checked by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from netinv.exact.highs import Status
from netinv.irp.instance import IrpInstance

TOLERANCE = 1e-6


class Policy(StrEnum):
    """How much a visit may deliver: ``ml`` any quantity up to the maximum level; ``ou`` exactly up to it."""

    ml = "ml"
    ou = "ou"


@dataclass(frozen=True)
class PlanCost:
    """A plan re-priced: costs and the end-of-period levels [supplier B_t: H], [customers I_it: H, n+1]."""

    routing: float
    supplier_holding: float
    customer_holding: float
    supplier_stock: np.ndarray
    customer_stock: np.ndarray
    violations: tuple[str, ...]

    @property
    def total(self) -> float:
        return self.routing + self.supplier_holding + self.customer_holding

    @property
    def feasible(self) -> bool:
        return not self.violations


Routes = list[list[tuple[int, ...]]]  # per period, each route as the customers in visiting order


def evaluate_plan(instance: IrpInstance, routes: Routes, deliveries: np.ndarray,
                  policy: Policy = Policy.ml) -> PlanCost:
    """Price ``routes`` (per period, tuples of customers) with ``deliveries`` [H, n+1] (column 0 unused) by
    the DIMACS rules; every broken rule is one line in ``violations``."""
    inst, H = instance, instance.horizon
    q = np.asarray(deliveries, dtype=np.float64)
    violations: list[str] = []
    if q.shape != (H, inst.customers + 1):
        raise ValueError(f"deliveries: expected shape {(H, inst.customers + 1)}, got {q.shape}")
    if len(routes) != H:
        raise ValueError(f"routes: expected {H} periods, got {len(routes)}")
    distance = inst.distance
    routing = 0.0
    for t, period in enumerate(routes):
        violations += route_violations(inst, t, period, q[t])
        for route in period:
            stops = (0, *route, 0)
            routing += sum(distance[a, b] for a, b in zip(stops, stops[1:]))
    supplier = np.empty(H)
    customers = np.empty((H, inst.customers + 1))
    stock_b, stock_i = inst.start_stock[0], inst.start_stock.copy()
    stock_i[0] = 0.0
    for t in range(H):
        before = stock_i.copy()
        filled = before + q[t]
        for i in range(1, inst.customers + 1):
            if filled[i] > inst.max_level[i] + TOLERANCE:
                violations.append(f"period {t + 1}, customer {i}: delivery fills {filled[i]:g} > max level")
            if policy == Policy.ou and q[t, i] > TOLERANCE and abs(filled[i] - inst.max_level[i]) > TOLERANCE:
                violations.append(f"period {t + 1}, customer {i}: order-up-to visit fills {filled[i]:g}, "
                                  f"not the max level {inst.max_level[i]:g}")
        stock_i = filled - inst.consumption
        stock_i[0] = 0.0
        for i in np.flatnonzero(stock_i[1:] < inst.min_level[1:] - TOLERANCE) + 1:
            violations.append(f"period {t + 1}, customer {i}: stock {stock_i[i]:g} below min level")
        stock_b = stock_b + inst.production - q[t, 1:].sum()
        if stock_b < -TOLERANCE:
            violations.append(f"period {t + 1}: supplier stock {stock_b:g} < 0")
        supplier[t], customers[t] = stock_b, stock_i
    return PlanCost(
        routing=float(routing),
        supplier_holding=float(inst.holding_cost[0] * supplier.sum()),
        customer_holding=float((customers[:, 1:] * inst.holding_cost[None, 1:]).sum()),
        supplier_stock=supplier, customer_stock=customers, violations=tuple(violations),
    )


def route_violations(instance: IrpInstance, t: int, period: list[tuple[int, ...]], q: np.ndarray) -> list[str]:
    """Rules on one period's routes: at most K routes, each within capacity, each customer at most once,
    deliveries only to visited customers, none negative."""
    out = []
    if len(period) > instance.vehicles:
        out.append(f"period {t + 1}: {len(period)} routes, only {instance.vehicles} vehicles")
    visits = [i for route in period for i in route]
    if len(set(visits)) != len(visits) or any(not 1 <= i <= instance.customers for i in visits):
        out.append(f"period {t + 1}: a customer visited twice or an unknown customer in {period}")
    for route in period:
        load = sum(q[i] for i in route if 1 <= i <= instance.customers)
        if load > instance.capacity + TOLERANCE:
            out.append(f"period {t + 1}: route {route} carries {load:g} > capacity {instance.capacity:g}")
    unvisited = sorted(set(range(1, instance.customers + 1)) - set(visits))
    if any(q[i] > TOLERANCE for i in unvisited) or (q[1:] < -TOLERANCE).any():
        out.append(f"period {t + 1}: a delivery to an unvisited customer or a negative one")
    return out


@dataclass
class IrpSolution:
    """A solved (or failed) inventory-routing instance.

    status: how the solve ended; cost: the plan's total cost (``None`` without a plan); bound: the best
    lower bound proven; gap: (cost - bound) / cost. routes: per period, the routes as node lists from and
    back to the supplier (``[0, 3, 1, 0]``). deliveries [H, n+1]: units delivered (column 0 unused).
    plan_cost: the plan re-priced by :func:`evaluate_plan`. seconds, iterations, cuts: solver statistics.
    """

    status: Status
    cost: float | None
    bound: float | None
    routes: Routes = field(default_factory=list)
    deliveries: np.ndarray | None = None
    plan_cost: PlanCost | None = None
    seconds: float = 0.0
    iterations: int = 0
    cuts: int = 0
    message: str = ""

    @property
    def gap(self) -> float | None:
        if self.cost is None or self.bound is None:
            return None
        return max(0.0, (self.cost - self.bound) / max(abs(self.cost), 1e-9))

    @property
    def is_optimal(self) -> bool:
        return self.status == Status.OPTIMAL

    def to_dict(self) -> dict:
        """The JSON of ``netinv route --json``: status, cost, bound, gap, routes, deliveries, inventory and
        cost_breakdown (routing, supplier_holding, customer_holding)."""
        pc = self.plan_cost
        return {
            "status": str(self.status),
            "cost": self.cost,
            "bound": self.bound,
            "gap": self.gap,
            "routes": [[[0, *route, 0] for route in period] for period in self.routes],
            "deliveries": None if self.deliveries is None else plain(self.deliveries[:, 1:]),
            "inventory": None if pc is None else {"supplier": plain(pc.supplier_stock),
                                                  "customers": plain(pc.customer_stock[:, 1:])},
            "cost_breakdown": None if pc is None else {"routing": pc.routing,
                                                       "supplier_holding": pc.supplier_holding,
                                                       "customer_holding": pc.customer_holding},
        }


def plain(values: np.ndarray) -> list:
    """Nested lists of floats, -0.0 written as 0.0."""
    return np.where(values == 0, 0.0, values).tolist()

"""From an optimal plan to an order plan a planner can use: an end-of-horizon condition, whole units,
the projected stock, tidy tables.

**End of the horizon.** A plan over T periods that ends there runs the network dry: nothing ordered
near the end arrives in time to pay, so the model orders nothing (the planner's ``plan --horizon 12``
bought raw material in weeks 0-1 only). ``end="extend"`` (the default) plans
``T + extension_periods(arrays)`` periods and reports the first T: the extension is the longest time
an order takes to reach demand (the longest supply chain of arrival delays, each plus the review
period: :mod:`netinv.timing`), so every order of periods 0..T-1 is planned against the demand it will
serve. Demand past the horizon is the expected demand (or the rest of a given path). ``end="none"`` is
the textbook finite horizon (what the model does when asked for exactly T periods).

**Whole units.** Order quantities are rounded to whole units by cumulative rounding per edge (the
quantity of period t is round(C_t) - round(C_{t-1}), C the cumulative LP orders): no solver crumbs
(1e-06, 0.0054), and each edge's cumulative orders stay within half a unit of the optimal plan's. Edges
with a ``lot_size`` keep the model's multiples; ``--integer`` plans are whole already.

**Projected stock** is what the simulator does with those orders on the planned demand (the expected
path, or the given one), from the network's current state (:mod:`netinv.network.state`): per node and
period on hand and backlog at the end of the period and units in transit towards the node.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from netinv import timing
from netinv.network.compile import NetworkArrays

END_CONDITIONS = ("extend", "none")


@dataclass
class OrderPlan:
    """A usable plan of ``periods`` periods.

    orders (T, E): whole units shipped on each supply edge (source units), the first scenario's.
    on_hand, backlog, in_transit (T, N): projected at the end of each period (in transit: towards the node).
    extension: periods planned past the horizon (0 with ``end="none"``).
    """

    arrays: NetworkArrays
    periods: int
    orders: np.ndarray
    on_hand: np.ndarray
    backlog: np.ndarray
    in_transit: np.ndarray
    extension: int

    def order_rows(self) -> list[dict]:
        """Tidy orders: one row per (edge, period) with a positive quantity."""
        rows = []
        for e, (u, v) in enumerate(self.arrays.edge_keys):
            for t in np.flatnonzero(self.orders[:, e] > 0):
                rows.append({"source": u, "target": v, "period": int(t), "quantity": float(self.orders[t, e])})
        return rows

    def stock_rows(self) -> list[dict]:
        """Tidy projected stock: one row per (node, period), external supplies left out."""
        rows = []
        for i, node in enumerate(self.arrays.node_ids):
            if self.arrays.unlimited[i]:
                continue
            for t in range(self.periods):
                rows.append({"node": node, "period": t, "on_hand": _clean(self.on_hand[t, i]),
                             "backlog": _clean(self.backlog[t, i]), "in_transit": _clean(self.in_transit[t, i])})
        return rows

    def to_dict(self) -> dict:
        return {"end_of_horizon": "extend" if self.extension else "none", "extension_periods": self.extension,
                "orders": self.order_rows(), "projected_stock": self.stock_rows()}


def _clean(value: float) -> float:
    """A projected quantity to 3 decimals (float32 noise of the simulator removed)."""
    out = round(float(value), 3)
    return 0.0 if out == 0 else out


def extension_periods(arrays: NetworkArrays) -> int:
    """The longest time an order takes to meet demand: the longest supply path, each edge counting its
    arrival delay plus the review period (:func:`netinv.timing.cover_periods`)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(arrays.num_nodes))
    for e in range(arrays.num_edges):
        graph.add_edge(int(arrays.edge_source[e]), int(arrays.edge_target[e]),
                       weight=timing.cover_periods(int(arrays.lead_time[e])))
    return int(nx.dag_longest_path_length(graph, weight="weight")) if arrays.num_edges else 0


def whole_units(orders: np.ndarray, arrays: NetworkArrays) -> np.ndarray:
    """(T, E) orders rounded to whole units by cumulative rounding per edge (lot-size edges unchanged)."""
    cumulative = np.round(np.cumsum(np.maximum(orders, 0.0), axis=0))
    out = np.diff(cumulative, axis=0, prepend=0.0)
    lots = arrays.lot_size > 0
    out[:, lots] = np.where(orders[:, lots] > 1e-9, orders[:, lots], 0.0)
    return np.maximum(out, 0.0)


def project(arrays: NetworkArrays, orders: np.ndarray, demand: np.ndarray) -> OrderPlan:
    """The plan of ``orders`` (T, E) on one demand path ``demand`` (T, D), simulated from the current state."""
    from netinv.policies.rolling import PlannedOrders
    from netinv.sim.simulator import SimConfig, simulate

    periods = orders.shape[0]
    result = simulate(arrays, PlannedOrders(orders, name="plan"),
                      SimConfig(periods=periods, paths=1, seed=0, warmup=0, record=True),
                      demand=demand[:, :, None])
    trace = result.trace
    inbound = trace["in_transit"][:, :, 0] + trace["owed"][:, :, 0]
    in_transit = np.zeros((periods, arrays.num_nodes))
    np.add.at(in_transit.T, arrays.edge_target, (inbound / arrays.quantity[None, :]).T)
    return OrderPlan(arrays=arrays, periods=periods, orders=orders, on_hand=trace["on_hand"][:, :, 0].astype(float),
                     backlog=trace["backlog"][:, :, 0].astype(float), in_transit=in_transit, extension=0)


def usable_plan(arrays: NetworkArrays, solution, demand: np.ndarray, periods: int, *, whole: bool = True) -> OrderPlan:
    """The first ``periods`` periods of ``solution`` (planned on ``demand`` (K, T', D), T' >= periods) as an
    :class:`OrderPlan`: orders of the first scenario in whole units, projected on its demand."""
    orders = solution.decisions["orders"][0]
    if whole:
        orders = whole_units(orders, arrays)
    plan = project(arrays, orders[:periods], demand[0, :periods])
    plan.extension = demand.shape[1] - periods
    return plan


def unmet_lines(solution, arrays: NetworkArrays, periods: int, *, limit: int = 5) -> str:
    """Where demand goes unmet in ``solution`` (first ``periods`` periods): ``node period t: units`` for
    the largest shortfalls, for the message of an infeasible ``--meet-demand``."""
    unmet = solution.decisions["unmet"][0, :periods]
    names = arrays.node_ids[arrays.demand_slice]
    cells = [(float(unmet[t, d]), names[d], t) for t, d in zip(*np.nonzero(unmet > 1e-6), strict=True)]
    cells.sort(key=lambda c: (-c[0], c[2], c[1]))
    total = sum(c[0] for c in cells)
    shown = "; ".join(f"{node} in period {t}: {units:,.1f}" for units, node, t in cells[:limit])
    more = f"; and {len(cells) - limit} more" if len(cells) > limit else ""
    return f"{len(cells)} node-periods cannot be served, {total:,.1f} units in all ({shown}{more})"

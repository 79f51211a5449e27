"""Usable order plans (netinv.exact.plans): the end-of-horizon extension, whole units by cumulative
rounding, and the projection from the current state, against hand-computed values."""

from __future__ import annotations

import numpy as np

from netinv.exact.fastlp import PlanningLP
from netinv.exact.planning import expected_demand
from netinv.exact.plans import extension_periods, project, unmet_lines, usable_plan, whole_units
from netinv.network.compile import compile_network
from netinv.network.validate import document_to_graph


def _line(state: dict | None = None):
    """supplier -(lead 3)-> dc (processing 1) -(lead 1)-> store, demand 10.4 a period."""
    doc = {
        "name": "line",
        "nodes": [
            {"id": "supplier"},
            {"id": "dc", "holding_cost": 0.5, "processing_time": 1},
            {"id": "store", "holding_cost": 1.0, "shortage_cost": 9.0, "price": 20.0,
             "demand": {"distribution": "normal", "mean": 10.4, "std": 0.0}},
        ],
        "edges": [{"source": "supplier", "target": "dc", "lead_time": 3, "unit_cost": 2.0},
                  {"source": "dc", "target": "store", "lead_time": 1}],
    }
    if state:
        doc["state"] = state
    return compile_network(document_to_graph(doc))


def test_the_extension_is_the_longest_order_to_demand_time():
    # supplier -> dc: delay 3 + 1 (processing) + 1 review; dc -> store: 1 + 1
    assert extension_periods(_line()) == 5 + 2


def test_whole_units_keep_the_cumulative_plan_within_half_a_unit():
    arrays = _line()
    orders = np.array([[10.4, 0.0054], [10.4, 1e-6], [10.4, 10.4], [10.4, 10.4]])
    rounded = whole_units(orders, arrays)
    assert rounded[:, 0].tolist() == [10.0, 11.0, 10.0, 11.0]  # cumulative 10.4, 20.8, 31.2, 41.6
    assert rounded[:, 1].tolist() == [0.0, 0.0, 10.0, 11.0]  # the crumbs vanish
    assert np.all(np.abs(np.cumsum(rounded, axis=0) - np.cumsum(orders, axis=0)) <= 0.5 + 1e-9)


def test_the_projection_starts_from_the_state_by_hand():
    """On hand 25 at the store and 12 arriving in period 0; no orders: on hand 26.6, 16.2, 5.8, then 4.6 short."""
    arrays = _line({"on_hand": {"store": 25.0},
                    "in_transit": [{"source": "dc", "target": "store", "quantity": 12.0, "arrives": 0}]})
    arrays_late = _line({"on_hand": {"store": 25.0}})
    demand = np.full((4, 1), 10.4)
    plan = project(arrays, np.zeros((4, arrays.num_edges)), demand)
    store = arrays.index["store"]
    np.testing.assert_allclose(plan.on_hand[:, store], [26.6, 16.2, 5.8, 0.0], atol=1e-4)
    np.testing.assert_allclose(plan.backlog[:, store], [0.0, 0.0, 0.0, 4.6], atol=1e-4)
    late = project(arrays_late, np.zeros((4, arrays.num_edges)), demand)
    np.testing.assert_allclose(late.on_hand[:, store], [14.6, 4.2, 0.0, 0.0], atol=1e-4)


def test_a_usable_plan_orders_to_the_end_and_projects_no_shortage():
    arrays = _line({"on_hand": {"store": 30.0, "dc": 40.0}})
    horizon = 10
    periods = horizon + extension_periods(arrays)
    demand = expected_demand(arrays, 0, periods)[None]
    solution = PlanningLP(arrays, periods).solve(demand)
    plan = usable_plan(arrays, solution, demand, horizon)
    e = arrays.edge_keys.index(("dc", "store"))
    assert plan.orders.shape == (horizon, arrays.num_edges) and plan.extension == periods - horizon
    assert plan.orders[-1, e] > 0  # still ordering in the last planned period
    assert np.all(plan.orders == np.round(plan.orders))
    assert plan.backlog[:, arrays.index["store"]].max() < 1.0  # short by less than the rounding to units
    rows = plan.order_rows()
    assert {(r["source"], r["target"]) for r in rows} == set(arrays.edge_keys)
    assert len(plan.stock_rows()) == horizon * 2  # dc and store; the external supply is left out


def test_unmet_lines_name_the_worst_cells():
    class Fake:
        decisions = {"unmet": np.array([[[3.0], [0.0], [5.5]]])}

    arrays = _line()
    assert unmet_lines(Fake(), arrays, 3) == ("2 node-periods cannot be served, 8.5 units in all (store in period 2: "
                                              "5.5; store in period 0: 3.0)")
    assert unmet_lines(Fake(), arrays, 1) == "1 node-periods cannot be served, 3.0 units in all (store in period 0: 3.0)"

"""The DIMACS rules applied to a plan by hand, and the JSON of a solution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netinv.exact.highs import Status
from netinv.irp.instance import parse_dat, read_dat
from netinv.irp.solution import IrpSolution, Policy, evaluate_plan

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "irp"

# supplier at (0, 0); customers at (3, 4) (c = 5) and (6, 8) (c = 10, 5 from customer 1)
TWO = """3 2 10 1
0 0.0 0.0 5 4 0.1
1 3.0 4.0 2 6 0 1 0.2
2 6.0 8.0 3 5 0 3 0.3
"""


def test_event_order_and_charged_levels_by_hand():
    inst = parse_dat(TWO)
    # period 1: route 0-1-2-0 (5 + 5 + 10 = 20) fills both to their maximum: q1 = 4 (2 + 4 = 6), q2 = 2 (3 + 2)
    deliveries = np.array([[0, 4, 2], [0, 0, 0]])
    priced = evaluate_plan(inst, [[(1, 2)], []], deliveries)
    assert priced.routing == 20
    # production first: B_1 = 5 + 4 - 6 = 3 (shippable in period 1), B_2 = 3 + 4 = 7 -> 0.1 * (3 + 7) = 1
    assert priced.supplier_stock.tolist() == [3, 7] and priced.supplier_holding == pytest.approx(1.0)
    # I_1 = (2 + 4 - 1, 3 + 2 - 3) = (5, 2); I_2 = (4, -1): customer 2 runs short in period 2
    assert priced.customer_stock[:, 1:].tolist() == [[5, 2], [4, -1]]
    assert priced.customer_holding == pytest.approx(0.2 * (5 + 4) + 0.3 * (2 - 1))  # end levels 1..H only
    assert priced.violations == ("period 2, customer 2: stock -1 below min level",)


def test_every_broken_rule_is_reported():
    inst = parse_dat(TWO)
    over_capacity = evaluate_plan(inst, [[(1, 2)], [(2,)]], np.array([[0, 4, 2], [0, 0, 3]]))
    assert over_capacity.feasible and over_capacity.total == pytest.approx(20 + 20 + 0.1 * (3 + 4) + 0.2 * 9
                                                                          + 0.3 * (2 + 2))
    checks = {
        "carries 11 > capacity 10": ([[(1, 2)], []], [[0, 6, 5], [0, 0, 0]]),
        "fills 7 > max level": ([[(1,)], [(2,)]], [[0, 5, 0], [0, 0, 3]]),
        "an unvisited customer": ([[(1,)], [(2,)]], [[0, 4, 2], [0, 0, 3]]),
        "routes, only 1 vehicles": ([[(1,), (2,)], [(2,)]], [[0, 4, 2], [0, 0, 3]]),
        "supplier stock -1 < 0": ([[(1, 2)], [(2,)]], [[0, 4, 2], [0, 0, 4 + 1 + 3 - 3 + 3]]),
    }
    for expected, (routes, q) in checks.items():
        priced = evaluate_plan(inst, routes, np.array(q))
        assert any(expected in v for v in priced.violations), (expected, priced.violations)


def test_order_up_to_requires_filling_to_the_maximum():
    inst = parse_dat(TWO)
    plan = ([[(1, 2)], [(2,)]], np.array([[0, 4, 2], [0, 0, 3]]))
    assert evaluate_plan(inst, *plan, Policy.ou).feasible  # both visits fill to U
    short = evaluate_plan(inst, plan[0], np.array([[0, 3, 2], [0, 0, 3]]), Policy.ou)
    assert any("order-up-to" in v for v in short.violations)


def test_json_has_exactly_the_issue_keys():
    inst = read_dat(SCENARIOS / "S_abs1n5_2_L3.dat")
    routes = [[(1,)], [(3,), (5, 2, 4)], []]
    q = np.zeros((3, 6))
    q[0, 1], q[1, 2:6] = 65, [35, 116, 48, 22]
    priced = evaluate_plan(inst, routes, q)
    assert priced.feasible and round(priced.total, 2) == 1373.41  # the published optimum's plan, re-priced
    solution = IrpSolution(Status.OPTIMAL, priced.total, priced.total, routes=routes, deliveries=q, plan_cost=priced)
    data = solution.to_dict()
    assert list(data) == ["status", "cost", "bound", "gap", "routes", "deliveries", "inventory", "cost_breakdown"]
    assert list(data["cost_breakdown"]) == ["routing", "supplier_holding", "customer_holding"]
    assert data["routes"][1] == [[0, 3, 0], [0, 5, 2, 4, 0]] and data["gap"] == 0
    assert data["deliveries"][1] == [0, 35, 116, 48, 22] and len(data["inventory"]["supplier"]) == 3
    assert sum(data["cost_breakdown"].values()) == pytest.approx(data["cost"])

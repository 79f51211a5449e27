"""netinv.exact.solution: the Solution object, its plan views and its dict form."""

from __future__ import annotations

import numpy as np

from netinv.exact.highs import Status
from netinv.exact.solution import Solution


def solution():
    orders = np.array([[[1.0, 2.0], [3.0, 4.0]]])  # [scenario, period, edge]
    return Solution(Status.OPTIMAL, 12.5, "cost", bound=12.5, gap=0.0, decisions={"orders": orders},
                    edges=(("a", "b"), ("b", "c")), seconds={"solve": 0.25})


def test_plan_views():
    s = solution()
    assert s.is_optimal and s.has_solution
    assert s.orders() == {"a->b": 1.0, "b->c": 2.0}
    assert s.orders(period=1) == {"a->b": 3.0, "b->c": 4.0}
    assert s.order_plan() == {"a->b": [1.0, 3.0], "b->c": [2.0, 4.0]}


def test_to_dict_and_repr():
    d = solution().to_dict(plan=False)
    assert d["status"] == str(Status.OPTIMAL) and d["objective"] == 12.5 and d["orders"] == {"a->b": 1.0, "b->c": 2.0}
    assert repr(solution()) == f"Solution(status={Status.OPTIMAL!s}, cost=12.5, gap=0.0, solve=0.25s)"


def test_a_failed_solve_has_no_plan():
    failed = Solution(Status.INFEASIBLE, None, "profit", message="infeasible")
    assert not failed.is_optimal and not failed.has_solution
    assert "orders" not in failed.to_dict()

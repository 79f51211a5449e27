"""The local-search heuristic: hand-checked parts, and its cost and bound around a published optimum."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from netinv.irp.heuristic import (
    HeuristicOptions,
    just_in_time,
    price,
    route_cost,
    savings_routes,
    solve_heuristic,
    two_opt,
)
from netinv.irp.instance import parse_dat, read_dat
from netinv.irp.solution import Policy

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "irp"

# customers on a line east of the supplier at x = 1, 2 and 10; capacity 10, two vehicles
LINE = """4 2 10 2
0 0.0 0.0 100 9 0.1
1 1.0 0.0 3 8 0 3 0.2
2 2.0 0.0 1 8 0 3 0.2
3 10.0 0.0 6 8 0 3 0.2
"""


def test_just_in_time_visits_when_the_stock_would_run_out():
    # customer 1 (3 left, uses 3): fine in period 1, then empty -> period 2; customer 2 (1 left) -> period 1,
    # filled to 8, lasts; customer 3 (6 left): 3 after period 1, 0 after period 2 -> never
    assert just_in_time(parse_dat(LINE)) == (frozenset({2}), frozenset({1}))


def test_savings_merges_neighbours_within_capacity_and_two_opt_untangles():
    inst = parse_dat(LINE)
    loads = np.array([0, 4, 5, 4.0])
    # savings s_23 = 2 + 10 - 8 = 4 > s_12 = s_13 = 2: 2 and 3 merge (load 9), 1 no longer fits (13 > 10)
    assert savings_routes(inst, [1, 2, 3], loads) == [(1,), (2, 3)]
    (route,) = savings_routes(inst, [1, 2, 3], np.array([0, 3, 3, 3.0]))  # one route, out and back: 20
    assert sorted(route) == [1, 2, 3] and route_cost(inst.distance, route) == 20
    assert savings_routes(parse_dat(LINE.replace("4 2 10 2", "4 2 10 1")), [1, 2, 3], loads) is None
    assert two_opt(inst.distance, [2, 1, 3]) in ([1, 2, 3], [3, 2, 1])


def test_priced_schedule_is_a_feasible_plan():
    inst = parse_dat(LINE)
    cost, routes, deliveries = price(inst, just_in_time(inst), Policy.ml)
    assert routes == [[(2,)], [(1,)]]
    # customer 2's only visit (period 1) must cover both periods: 3 + 3 - 1 = 5; customer 1 gets 3 in period 2;
    # B = 100 + 9 - 5 = 104, 104 + 9 - 3 = 110; I = (0, 3, 3), (0, 0, 0): routing 4 + 2, holding
    # 0.1 * 214 + 0.2 * 6
    assert deliveries[:, 1:].tolist() == [[0, 5, 0], [3, 0, 0]]
    assert abs(cost - (4 + 2 + 21.4 + 1.2)) < 1e-9


def test_heuristic_cost_and_bound_bracket_the_published_optimum():
    inst = read_dat(SCENARIOS / "S_abs1n5_2_L3.dat")
    solution = solve_heuristic(inst, HeuristicOptions(time_limit=2.0))
    assert solution.plan_cost.feasible
    assert solution.bound <= 1373.41 <= solution.cost + 1e-6
    assert solution.gap == (solution.cost - solution.bound) / solution.cost


def test_solve_runs_the_heuristic_first_only_on_large_instances_with_a_time_limit():
    from netinv.irp.branch_cut import BranchCutOptions
    from netinv.irp.heuristic import HEURISTIC_FROM, solve

    inst = read_dat(SCENARIOS / "S_abs1n5_2_L3.dat")
    assert inst.customers < HEURISTIC_FROM
    solution = solve(inst, BranchCutOptions(time_limit=60))  # the branch and cut alone: optimal
    assert solution.is_optimal and round(solution.cost, 2) == 1373.41

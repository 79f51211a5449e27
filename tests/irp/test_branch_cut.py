"""The branch and cut against full enumeration on tiny instances and against the published optima."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from netinv.exact.highs import Status
from netinv.irp.branch_cut import BranchCutOptions, routes_from_edges, solve_irp
from netinv.irp.brute_force import brute_force
from netinv.irp.instance import parse_dat, read_dat
from netinv.irp.solution import Policy, evaluate_plan

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "irp"
# the published values (scenarios/irp/README.md says where from) of the n = 5, H = 3 instances copied there
PUBLISHED = {row["instance"]: float(row["value"]) for row in csv.DictReader((SCENARIOS / "published.csv").open())
             if (SCENARIOS / f"{row['instance']}.dat").exists()}


def tiny_instance(seed: int, customers: int, horizon: int, vehicles: int) -> str:
    """A random instance small enough to enumerate: levels <= 4, consumption <= 2, capacity 3..6."""
    rng = np.random.default_rng(seed)
    capacity = int(rng.integers(3, 7))
    lines = [f"{customers + 1} {horizon} {capacity} {vehicles}"]
    consumption = rng.integers(0, 3, customers)
    supplier_start = int(rng.integers(0, 5))
    lines.append(f"0 {rng.integers(0, 20)}.0 {rng.integers(0, 20)}.0 {supplier_start} {consumption.sum()} "
                 f"{rng.choice([0.03, 0.3])}")
    for i in range(customers):
        maximum = int(rng.integers(max(2, consumption[i]), 5))
        start = int(rng.integers(0, maximum + 1))
        holding = rng.choice([0.02, 0.05, 0.2, 0.5])
        lines.append(f"{i + 1} {rng.integers(0, 20)}.0 {rng.integers(0, 20)}.0 {start} {maximum} 0 "
                     f"{consumption[i]} {holding}")
    return "\n".join(lines) + "\n"


# (seed, customers, periods, vehicles): two to four customers, H <= 3; the seeds 13-23 have optima with two
# routes in a period or a route through three customers
CASES = [(0, 2, 2, 1), (1, 2, 3, 1), (2, 3, 2, 1), (3, 3, 2, 2), (4, 3, 3, 2), (5, 3, 3, 1), (7, 4, 2, 1),
         (13, 3, 3, 2), (15, 3, 3, 2), (15, 4, 2, 2), (16, 4, 2, 2), (19, 3, 3, 2), (22, 4, 2, 2), (23, 3, 3, 2)]


@pytest.mark.parametrize("policy", [Policy.ml, Policy.ou])
def test_branch_and_cut_agrees_with_full_enumeration(policy):
    checked, longest = 0, 0
    for seed, n, horizon, vehicles in CASES:
        inst = parse_dat(tiny_instance(seed, n, horizon, vehicles), name=f"tiny{seed}")
        try:
            expected, _, _ = brute_force(inst, policy)
        except ValueError:  # no feasible plan: the branch and cut must say so too
            with pytest.raises(Exception, match="infeasible"):
                solve_irp(inst, BranchCutOptions(policy=policy, integer_quantities=True))
            continue
        solution = solve_irp(inst, BranchCutOptions(policy=policy, integer_quantities=True))
        assert solution.status == Status.OPTIMAL
        assert solution.cost == pytest.approx(expected, abs=1e-6), (seed, n, horizon, vehicles)
        assert solution.bound == pytest.approx(expected, abs=1e-5)
        assert solution.plan_cost.feasible
        checked += 1
        longest = max(longest, *(len(period) + max(map(len, period), default=0) for period in solution.routes))
    assert checked >= 10 and longest >= 4  # most cases are feasible; some need two routes or a long one


FAST = ("S_abs1n5_2_L3", "S_abs3n5_3_L3")  # about a second each; the other two take a few seconds


def check_published_optima(names):
    for name in names:
        published = PUBLISHED[name]
        solution = solve_irp(read_dat(SCENARIOS / f"{name}.dat"))
        assert solution.status == Status.OPTIMAL
        assert round(solution.cost, 2) == published and round(solution.bound, 2) == published, name
        priced = evaluate_plan(read_dat(SCENARIOS / f"{name}.dat"), solution.routes, solution.deliveries)
        assert priced.total == pytest.approx(solution.cost, abs=1e-9)


def test_published_optima_of_small_instances():
    assert len(PUBLISHED) == 4
    check_published_optima(FAST)


@pytest.mark.slow  # 5-20 s on the shared 2-core machine: the n = 5 instances that need more cut rounds
def test_published_optima_of_the_other_small_instances():
    check_published_optima(sorted(set(PUBLISHED) - set(FAST)))


def test_routes_from_edges_follow_each_route_back_to_the_supplier():
    edges = {(0, 1): 1, (1, 3): 1, (0, 3): 1, (0, 2): 2, (2, 3): 0}
    assert routes_from_edges(edges, 3) in ([(1, 3), (2,)], [(2,), (3, 1)], [(2,), (1, 3)], [(3, 1), (2,)])


def test_a_time_limit_reports_a_bound_without_claiming_optimality():
    solution = solve_irp(read_dat(SCENARIOS / "S_abs4n5_3_H3.dat"), BranchCutOptions(time_limit=0.05))
    assert solution.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    if solution.status == Status.TIME_LIMIT and solution.bound is not None:
        assert solution.bound <= PUBLISHED["S_abs4n5_3_H3"] + 1e-6


def test_a_start_plan_is_taken_when_it_fits_and_reported_at_the_time_limit():
    from dataclasses import replace

    from netinv.irp.heuristic import HeuristicOptions, solve_heuristic

    inst = read_dat(SCENARIOS / "S_abs1n5_2_L3.dat")
    plan = solve_heuristic(inst, HeuristicOptions(time_limit=0.5))
    solution = solve_irp(inst, BranchCutOptions(time_limit=1e-3), start_plan=plan)
    assert solution.status == Status.TIME_LIMIT and solution.cost == pytest.approx(plan.cost, abs=1e-6)
    assert solution.plan_cost.feasible
    wrong = replace(plan, cost=plan.cost - 1.0)  # a cost the plan does not have: not trusted
    assert solve_irp(inst, BranchCutOptions(time_limit=1e-3), start_plan=wrong).cost is None

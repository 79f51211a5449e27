"""The level bundle decomposition against the extensive LP: the same optimal cost, each method's levels
optimal for the other, bounds that bracket the optimum, and unique levels where they are unique."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.transship import evaluate_levels, sample_demand, solve_stocking
from netinv.transship.decomposition import BundleOptions
from tests.transship.random_instances import random_problem


def _correlation(rng, size):
    factors = rng.normal(size=(size, 2))
    cov = factors @ factors.T + np.diag(rng.uniform(0.2, 1.0, size))
    scale = np.sqrt(np.diag(cov))
    return cov / np.outer(scale, scale)


@pytest.mark.parametrize("seed", range(8))
def test_same_optimum_as_the_extensive_lp(seed):
    rng = np.random.default_rng(100 + seed)
    locations = 2 + seed % 5  # 2..6
    problem = random_problem(rng, locations)
    correlation = _correlation(rng, locations) if seed % 2 else None
    demand = sample_demand(problem, 400, seed, correlation=correlation)
    for pooling in (False, True):
        fast = solve_stocking(problem, demand, pooling=pooling)
        exact = solve_stocking(problem, demand, pooling=pooling, method="extensive")
        assert fast.solution.is_optimal
        tolerance = 1e-8 * max(1.0, abs(exact.expected_cost))
        # the bounds bracket the extensive LP's optimum, and the cost is within the bundle's gap of it
        assert fast.solution.bound <= exact.expected_cost + tolerance
        assert exact.expected_cost <= fast.solution.objective + tolerance
        assert fast.expected_cost == pytest.approx(exact.expected_cost, rel=1e-8, abs=1e-8)
        assert fast.solution.gap <= 1e-9
        if not pooling:
            # each method's levels are optimal when priced by the other method's recourse
            crossed = evaluate_levels(problem, exact.levels, demand)
            assert crossed.expected_cost == pytest.approx(exact.expected_cost, rel=1e-8, abs=1e-8)
            crossed = evaluate_levels(problem, fast.levels, demand, method="extensive")
            assert crossed.expected_cost == pytest.approx(fast.expected_cost, rel=1e-8, abs=1e-8)
            assert sum(fast.transshipped.values()) >= 0.0


def test_unique_levels_are_found_exactly():
    """Without paying edges the optimum is one sample quantile per location: unique when K p / (h + p) is
    not an integer, and both methods must find it."""
    rng = np.random.default_rng(3)
    problem = random_problem(rng, 4, edge_probability=0.0)
    demand = sample_demand(problem, 501, 3)
    fast = solve_stocking(problem, demand)
    exact = solve_stocking(problem, demand, method="extensive")
    h, p = problem.holding_cost, problem.shortage_cost
    for i, name in enumerate(problem.locations):
        quantile = np.sort(demand[:, i])[int(np.ceil(501 * p[i] / (h[i] + p[i]))) - 1]
        assert fast.levels[name] == pytest.approx(quantile, abs=1e-9)
        assert exact.levels[name] == pytest.approx(quantile, abs=1e-6)


def test_bound_and_iterations_are_reported_and_a_loose_tolerance_stops_early():
    rng = np.random.default_rng(9)
    problem = random_problem(rng, 5, edge_probability=0.8)
    demand = sample_demand(problem, 1_000, 9)
    tight = solve_stocking(problem, demand)
    loose = solve_stocking(problem, demand, bundle=BundleOptions(tolerance=1e-3))
    assert tight.solution.bound <= tight.solution.objective
    assert loose.solution.size["iterations"] <= tight.solution.size["iterations"]
    assert loose.solution.gap <= 1e-3
    assert loose.expected_cost >= tight.expected_cost - 1e-9 * abs(tight.expected_cost)
    capped = solve_stocking(problem, demand, bundle=BundleOptions(max_iterations=2))
    assert capped.solution.status == "time_limit"
    assert capped.solution.bound <= tight.expected_cost + 1e-9 * abs(tight.expected_cost)
    with pytest.raises(Exception, match="transshipment method must be one of"):
        solve_stocking(problem, demand, method="benders")


def test_the_level_problem_leaves_stdout_alone(capfd):
    """HiGHS' QP solver prints 'error' lines on some level problems whatever its output flag (seen on a
    31-node planner network): ``--json`` output must stay parseable."""
    import os

    from netinv.transship.decomposition import stdout_silenced

    with stdout_silenced():
        os.write(1, b"error\n")
    os.write(1, b"kept\n")
    assert capfd.readouterr().out == "kept\n"

"""The sample-average stocking LP: known answers, the Pyomo builder, full pooling and monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from netinv.analytic.newsvendor import newsvendor
from netinv.demand.distributions import parse_demand
from netinv.exact.pyomo_highs import solve_model
from netinv.transship import (
    evaluate_levels,
    sample_demand,
    solve_stocking,
    transshipment_problem,
    two_location_cost,
)
from netinv.transship.pyomo_model import build_stocking_model
from tests.transship.conftest import stores_network
from tests.transship.random_instances import random_edges

NORMAL = {"distribution": "normal", "mean": 100, "std": 30}


def _problem(demands, holding, shortage, edges):
    return transshipment_problem(stores_network(demands, holding, shortage, edges))


@pytest.mark.parametrize("factor", [1.0, 1.5])
def test_transshipment_costs_at_or_above_h_plus_p_give_independent_poisson_newsvendors(factor):
    # critical fractiles at least 0.02 away from the cdf's steps: 5,000 samples find the exact levels
    demands = [{"distribution": "poisson", "mean": m} for m in (10, 12, 20)]
    holding, shortage = [2.0, 1.0, 1.0], [6.0, 4.0, 3.0]
    # c_ij = factor * (h_i + p_j): exactly at the threshold, or above it
    edges = [(i, j, factor * (holding[i] + shortage[j])) for i in range(3) for j in range(3) if i != j]
    problem = _problem(demands, holding, shortage, edges)
    demand = sample_demand(problem, 5_000, 3)
    result = solve_stocking(problem, demand)
    alone = solve_stocking(problem.without_edges(), demand)
    for k, name in enumerate(problem.locations):
        exact = newsvendor(parse_demand(demands[k]), holding[k], shortage[k]).level
        assert result.levels[name] == pytest.approx(exact, abs=1e-6), name
    assert result.expected_cost == pytest.approx(alone.expected_cost, rel=1e-9)
    assert result.total_transshipped == 0.0


def test_two_symmetric_normal_locations_match_the_closed_form():
    problem = _problem([NORMAL, NORMAL], [1, 1], [4, 4], [(0, 1, 0.5), (1, 0, 0.5)])
    demand = sample_demand(problem, 20_000, 11)
    result = solve_stocking(problem, demand)
    exact = 62.0921  # closed form at its optimal levels 118.444 each (test_two_location)
    # the optimum of the LP within its standard error (in-sample, so biased a little low)
    assert abs(result.expected_cost - exact) <= 2 * result.stderr, (result.expected_cost, result.stderr)
    assert all(abs(s - 118.44) < 3.0 for s in result.levels.values()), result.levels
    # the LP's recourse prices the closed form's optimal levels on a fresh sample, within its stderr
    fresh = sample_demand(problem, 20_000, 12)
    at_optimum = evaluate_levels(problem, {"s0": 118.444, "s1": 118.444}, fresh)
    assert abs(at_optimum.expected_cost - exact) <= 2 * at_optimum.stderr
    # and the LP's levels, on the fresh sample, cost what the closed form says they cost
    levels = list(result.levels.values())
    out = evaluate_levels(problem, result.levels, fresh)
    closed = two_location_cost([parse_demand(NORMAL)] * 2, levels, (1, 1), (4, 4), (0.5, 0.5))
    assert abs(out.expected_cost - closed) <= 2 * out.stderr
    assert closed - exact < 0.05  # the LP's levels are nearly optimal


def _random_problem(rng, locations, edge_probability=0.6):
    demands = [
        {"distribution": "normal", "mean": float(rng.uniform(20, 60)), "std": float(rng.uniform(5, 20))}
        if rng.random() < 0.5 else {"distribution": "poisson", "mean": float(rng.uniform(5, 40))}
        for _ in range(locations)
    ]
    holding = rng.uniform(0.5, 2.0, locations).round(2)
    shortage = rng.uniform(2.0, 10.0, locations).round(2)
    edges = random_edges(rng, locations, edge_probability, max_cost=6.0, min_capacity=2)
    return _problem(demands, holding, shortage, edges)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pyomo_builder_and_numpy_build_agree(seed):
    rng = np.random.default_rng(seed)
    problem = _random_problem(rng, 3 + seed % 2)
    demand = sample_demand(problem, 150, seed)
    fast = solve_stocking(problem, demand)
    solution = solve_model(build_stocking_model(problem, demand))
    assert solution.is_optimal
    assert solution.objective == pytest.approx(fast.expected_cost, rel=1e-7, abs=1e-7)
    assert solution.objective == pytest.approx(fast.solution.objective, rel=1e-7, abs=1e-7)


def test_full_pooling_equals_free_transshipment_between_every_pair():
    rng = np.random.default_rng(7)
    base = _random_problem(rng, 4)
    every_pair = [(i, j, 0.0) for i in range(4) for j in range(4) if i != j]
    specs = [s.to_dict() for s in base.demand_specs]
    complete = _problem(specs, base.holding_cost, base.shortage_cost, every_pair)
    demand = sample_demand(base, 300, 8)
    pooled = solve_stocking(base, demand, pooling=True)
    assert pooled.expected_cost == pytest.approx(solve_stocking(complete, demand).expected_cost, rel=1e-8)


def test_correlated_demand_raises_the_cost_of_pooling():
    problem = _problem([NORMAL, NORMAL], [1, 1], [4, 4], [(0, 1, 0.5), (1, 0, 0.5)])
    demand = sample_demand(problem, 4_000, 4, correlation=0.8)
    assert np.corrcoef(demand.T)[0, 1] == pytest.approx(0.8, abs=0.03)

    def saving(sample):
        alone = solve_stocking(problem.without_edges(), sample).expected_cost
        return alone - solve_stocking(problem, sample).expected_cost

    assert saving(demand) < 0.5 * saving(sample_demand(problem, 4_000, 4))
    with pytest.raises(Exception, match="correlation must be in"):
        sample_demand(problem, 10, 0, correlation=1.5)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), locations=st.integers(2, 4), low=st.floats(0.0, 3.0), step=st.floats(0.01, 4.0))
@example(seed=4, locations=4, low=0.1350543908205513, step=0.1350543908205513)  # HiGHS' QP cycled here (CI hang)
def test_monotone_in_transshipment_cost(seed, locations, low, step):
    """A higher transshipment cost never lowers the expected cost nor raises the expected transshipped
    quantity; full pooling is never worse, and independent newsvendors never better."""
    rng = np.random.default_rng(seed)
    problem = _random_problem(rng, locations)
    demand = sample_demand(problem, 120, seed)
    cheap = solve_stocking(problem.with_unit_costs(problem.unit_cost + low), demand)
    dear = solve_stocking(problem.with_unit_costs(problem.unit_cost + low + step), demand)
    tol = 1e-6 * (1.0 + abs(cheap.expected_cost))
    assert cheap.expected_cost <= dear.expected_cost + tol
    assert dear.total_transshipped <= cheap.total_transshipped + 1e-5 * (1.0 + cheap.total_transshipped)
    pooled = solve_stocking(problem, demand, pooling=True)
    alone = solve_stocking(problem.without_edges(), demand)
    assert pooled.expected_cost <= cheap.expected_cost + tol
    assert dear.expected_cost <= alone.expected_cost + tol
    if problem.num_edges:  # raising one edge's cost never raises that edge's flow
        x = int(rng.integers(problem.num_edges))
        costs = problem.unit_cost + low
        costs[x] += step
        one = solve_stocking(problem.with_unit_costs(costs), demand)
        label = problem.edge_labels()[x]
        assert one.transshipped[label] <= cheap.transshipped[label] + 1e-5 * (1.0 + cheap.transshipped[label])

"""The batched recourse simplex: every sample's cost against the extensive LP with the levels fixed, the two
backends against each other, and the basis inverses against a fresh inversion."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.transship import evaluate_levels, paying_edges, sample_demand
from netinv.transship.recourse import BatchedSimplex, recourse_lp
from tests.transship.random_instances import random_problem


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pooling", [False, True])
def test_every_sample_cost_equals_the_extensive_lp_at_fixed_levels(seed, pooling):
    rng = np.random.default_rng(seed)
    problem = random_problem(rng, 3 + seed)
    demand = sample_demand(problem, 300, seed, correlation=0.4)
    lp = recourse_lp(problem, np.zeros(0, dtype=np.int64) if pooling else paying_edges(problem), pooling=pooling)
    simplex = {backend: BatchedSimplex(lp, demand, backend=backend) for backend in ("numpy", "numba")}
    constant = demand @ problem.shortage_cost
    for _ in range(3):  # a cold start, then warm starts from the previous bases
        levels = demand.mean(axis=0) * rng.uniform(0.6, 1.4, problem.num_locations)
        costs = {}
        for backend, oracle in simplex.items():
            solved = oracle.solve(levels)
            costs[backend] = levels @ problem.holding_cost + constant + solved.value
            # the duals price the right-hand side exactly: y . b = c . x
            flows = oracle.columns(levels)
            assert solved.value == pytest.approx(flows @ lp.cost, abs=1e-8)
        np.testing.assert_allclose(costs["numba"], costs["numpy"], rtol=0, atol=1e-9)
        if not pooling:
            extensive = evaluate_levels(problem, levels, demand, method="extensive")
            np.testing.assert_allclose(costs["numpy"], extensive.sample_costs, rtol=1e-9, atol=1e-6)


def test_basis_inverses_stay_exact_integers():
    rng = np.random.default_rng(4)
    problem = random_problem(rng, 5)
    demand = sample_demand(problem, 200, 4)
    lp = recourse_lp(problem, paying_edges(problem))
    oracle = BatchedSimplex(lp, demand)
    for scale in (1.0, 0.7, 1.3):
        oracle.solve(demand.mean(axis=0) * scale)
    full = np.hstack([lp.matrix, np.eye(lp.num_rows)])
    for k in range(0, 200, 17):
        basis = full[:, oracle.basis[k]]
        np.testing.assert_array_equal(np.rint(np.linalg.inv(basis)), oracle.inverse[k])


def test_unknown_backend_is_a_one_line_error():
    problem = random_problem(np.random.default_rng(0), 2)
    lp = recourse_lp(problem, paying_edges(problem))
    with pytest.raises(Exception, match="recourse backend must be one of"):
        BatchedSimplex(lp, np.ones((3, 2)), backend="gpu")

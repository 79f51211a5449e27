"""The compiled dual simplex (netinv.transship.recourse_kernel) on the state of a BatchedSimplex: the same
optimal recourse as the numpy backend and as scipy's HiGHS sample by sample, exact integer basis inverses,
Bland's rule reaching the same optimum, and its status codes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from netinv.transship import paying_edges, sample_demand
from netinv.transship.recourse import BatchedSimplex, recourse_lp
from tests.transship.random_instances import random_problem

STATE = ("basis", "inverse", "reduced", "duals", "fixed_basic", "fixed_value")


@pytest.fixture(scope="module")
def kernel():
    """The compiled module, compiled (or loaded from numba's cache) once for the file."""
    pytest.importorskip("numba")
    from netinv.transship import recourse_kernel

    return recourse_kernel


def _warm(seed: int, pooling: bool):
    """A numpy-backend simplex solved once (cold start), and levels that need the dual simplex."""
    rng = np.random.default_rng(seed)
    problem = random_problem(rng, 2 + seed % 3)
    demand = sample_demand(problem, 60, seed, correlation=0.3)
    lp = recourse_lp(problem, np.zeros(0, dtype=np.int64) if pooling else paying_edges(problem), pooling=pooling)
    simplex = BatchedSimplex(lp, demand, backend="numpy")
    simplex.solve(demand.mean(axis=0))
    levels = demand.mean(axis=0) * rng.uniform(0.5, 1.5, problem.num_locations)
    return simplex, levels


def _run(kernel, simplex, levels, *, bland_after=None, max_pivots=None):
    """The kernel on a copy of ``simplex``'s state; returns (status, pivots, sample, state, moved)."""
    csc = sp.csc_matrix(simplex.full_int.astype(np.int64))
    state = {name: getattr(simplex, name).copy() for name in STATE}
    moved = np.zeros(simplex.num_samples, dtype=np.bool_)
    status, pivots, sample = kernel.dual_simplex(
        levels, simplex.lp.num_locations, csc.indptr.astype(np.int64), csc.indices.astype(np.int64),
        csc.data.astype(np.int64), simplex.full_cost, state["basis"], state["inverse"], state["reduced"],
        state["duals"], state["fixed_basic"], state["fixed_value"], simplex.fixed_rhs, simplex.primal_tolerance,
        simplex.dual_tolerance, simplex.max_rounds if max_pivots is None else max_pivots,
        simplex.bland_after if bland_after is None else bland_after, moved)
    return status, pivots, sample, state, moved


def _value(state, levels):
    L = levels.size
    return state["duals"][:, :L] @ levels + state["fixed_value"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("pooling", [False, True])
def test_kernel_equals_numpy_backend_and_highs(kernel, seed, pooling):
    simplex, levels = _warm(seed, pooling)
    L = levels.size
    infeasible = ((simplex.fixed_basic + simplex.inverse[:, :, :L] @ levels) < -simplex.primal_tolerance).any(axis=1)
    status, pivots, sample, state, moved = _run(kernel, simplex, levels)
    assert (status, sample) == (kernel.OK, -1)
    # exactly the samples whose basis was primal infeasible pivoted, at least once each
    np.testing.assert_array_equal(moved, infeasible)
    assert pivots >= infeasible.sum()
    numpy_value = simplex.solve(levels).value  # the numpy dual simplex from the same state
    np.testing.assert_allclose(_value(state, levels), numpy_value, rtol=0, atol=1e-9)
    # optimal: primal and dual feasible in the kernel's own state
    basic = state["fixed_basic"] + state["inverse"][:, :, :L].astype(float) @ levels
    assert basic.min() >= -10 * simplex.primal_tolerance and state["reduced"].min() >= -10 * simplex.dual_tolerance
    # the basis inverses stay exact integers
    full = np.hstack([simplex.lp.matrix, np.eye(simplex.lp.num_rows)])
    for k in np.flatnonzero(moved)[:8]:
        np.testing.assert_array_equal(np.rint(np.linalg.inv(full[:, state["basis"][k]])), state["inverse"][k])
    # and the value of each sample is the recourse LP's optimum: min c x, A x <= b, x >= 0
    b = simplex.lp.rhs(levels, simplex.demand)
    for k in range(0, simplex.num_samples, 7):
        exact = linprog(simplex.lp.cost, A_ub=simplex.lp.matrix, b_ub=b[k], method="highs")
        assert exact.status == 0
        assert _value(state, levels)[k] == pytest.approx(exact.fun, abs=1e-7)


@pytest.mark.parametrize("seed", range(3))
def test_blands_rule_from_the_start_reaches_the_same_optimum(kernel, seed):
    simplex, levels = _warm(seed, pooling=False)
    *_, dantzig, _ = _run(kernel, simplex, levels)
    status, _, _, bland, _ = _run(kernel, simplex, levels, bland_after=0)
    assert status == kernel.OK
    np.testing.assert_allclose(_value(bland, levels), _value(dantzig, levels), rtol=0, atol=1e-9)


def test_too_many_pivots_names_the_sample(kernel):
    simplex, levels = _warm(1, pooling=False)
    L = levels.size
    first = np.flatnonzero(((simplex.fixed_basic + simplex.inverse[:, :, :L] @ levels)
                            < -simplex.primal_tolerance).any(axis=1))[0]
    status, pivots, sample, _, _ = _run(kernel, simplex, levels, max_pivots=0)
    assert (status, pivots, sample) == (kernel.TOO_MANY_PIVOTS, 1, first)


def test_no_entering_column_is_no_ratio(kernel):
    """One row, only its slack: a negative right-hand side has no feasible recourse."""
    basis, inverse = np.zeros((1, 1), dtype=np.int64), np.ones((1, 1, 1), dtype=np.int8)
    reduced, duals, fixed_basic, fixed_value = np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1)
    moved = np.zeros(1, dtype=np.bool_)
    one = np.array([0, 1], dtype=np.int64)
    no_fixed_rhs = np.zeros((1, 2))[:, 1:1]  # a slice, as BatchedSimplex's: the signature compiled already
    status, pivots, sample = kernel.dual_simplex(
        np.array([-1.0]), 1, one, np.array([0], dtype=np.int64), np.array([1], dtype=np.int64), np.zeros(1), basis,
        inverse, reduced, duals, fixed_basic, fixed_value, no_fixed_rhs, 1e-10, 1e-10, 10, 10, moved)
    assert (status, pivots, sample) == (kernel.NO_RATIO, 0, 0)
    # and at a feasible right-hand side nothing moves
    status, pivots, sample = kernel.dual_simplex(
        np.array([2.0]), 1, one, np.array([0], dtype=np.int64), np.array([1], dtype=np.int64), np.zeros(1), basis,
        inverse, reduced, duals, fixed_basic, fixed_value, no_fixed_rhs, 1e-10, 1e-10, 10, 10, moved)
    assert (status, pivots, sample) == (kernel.OK, 0, -1) and not moved.any()

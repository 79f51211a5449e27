"""The HiGHS layer: a MIP answer whose objective does not match its own solution is refused."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from netinv.errors import SolverError
from netinv.exact.highs import SolverOptions, Status, check_objective, new_highs, pass_model, run


def _knapsack():
    """min 3 + x0 + 2 x1 + 4 x2 s.t. x0 + x1 + x2 >= 2.5, 2 x0 + x1 <= 3, integers in [0, 5] (optimum 9 at
    (0, 3, 0), found by enumeration in the test)."""
    h = new_highs(SolverOptions())
    matrix = sp.csc_matrix(np.array([[1.0, 1.0, 1.0], [2.0, 1.0, 0.0]]))
    pass_model(h, [1.0, 2.0, 4.0], [0, 0, 0], [5, 5, 5], [2.5, -np.inf], [np.inf, 3.0], matrix,
               integrality=[1, 1, 1], offset=3.0)
    return h


def test_mip_objective_is_recomputed_and_matches_brute_force():
    result = run(_knapsack(), integer=True)
    best = min(3 + x0 + 2 * x1 + 4 * x2 for x0 in range(6) for x1 in range(6) for x2 in range(6)
               if x0 + x1 + x2 >= 2.5 and 2 * x0 + x1 <= 3)
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(best)
    assert 3 + np.dot([1, 2, 4], result.values) == pytest.approx(best)


def test_a_reported_objective_its_solution_does_not_cost_is_refused():
    h = _knapsack()
    result = run(h, integer=True)
    check_objective(h, result.objective, result.values)  # the true one passes
    with pytest.raises(SolverError, match=r"^HiGHS \d+\.\d+\.\d+ reported objective 5\.449 .* costs "):
        check_objective(h, 5.449, result.values)
    with pytest.raises(SolverError, match="not trusted"):
        check_objective(h, result.objective, result.values + np.array([0.0, 1.0, 0.0]))

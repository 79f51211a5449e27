"""The dual simplex of :class:`netinv.transship.recourse.BatchedSimplex`, compiled with numba: one
sample at a time in a compiled loop (the numpy backend pivots all samples together). Imported only when
the numba backend is used; compiled once and cached on disk."""

from __future__ import annotations

import numpy as np
from numba import njit

OK, NO_RATIO, TOO_MANY_PIVOTS, NO_CERTIFICATE = 0, 1, 2, 3


@njit(cache=True)
def dual_simplex(levels, num_locations, col_start, col_row, col_value, full_cost, basis, inverse, reduced, duals, fixed_basic,
                 fixed_value, fixed_rhs, primal_tolerance, dual_tolerance, max_pivots, bland_after, moved):
    """Dual simplex on every sample from its current basis (see ``BatchedSimplex``); updates the state
    arrays in place, sets ``moved[k]`` for the samples that pivoted. Returns (status, pivots, sample).

    [A | I] is given column-wise (``col_start``, ``col_row``, ``col_value``: integer entries), so a row
    of B^-1 [A | I] costs its nonzeros, not m times the width."""
    K, m = basis.shape
    width = col_start.size - 1
    L = num_locations
    basic = np.empty(m)
    pivot_row = np.empty(width, dtype=np.int64)
    alpha = np.empty(m, dtype=np.int64)
    new_row = np.empty(m, dtype=np.int64)
    pivots = 0
    for k in range(K):
        for i in range(m):
            total = fixed_basic[k, i]
            for j in range(L):
                total += inverse[k, i, j] * levels[j]
            basic[i] = total
        count = 0
        while True:
            row = _leaving_row(basic, basis[k], count < bland_after, primal_tolerance, width)
            if row < 0:
                break
            for j in range(width):
                total = 0
                for e in range(col_start[j], col_start[j + 1]):
                    total += inverse[k, row, col_row[e]] * col_value[e]
                pivot_row[j] = total
            enter = -1
            best = np.inf
            for j in range(width):  # ratio test; the smallest index among ties enters
                if pivot_row[j] < 0:
                    ratio = max(reduced[k, j], 0.0) / -pivot_row[j]
                    if ratio < best - dual_tolerance:
                        best = ratio
                        enter = j
            if enter < 0:
                return NO_RATIO, pivots, k
            for i in range(m):
                total = 0
                for e in range(col_start[enter], col_start[enter + 1]):
                    total += inverse[k, i, col_row[e]] * col_value[e]
                alpha[i] = total
            step = basic[row] / alpha[row]
            for i in range(m):
                basic[i] -= step * alpha[i]
            basic[row] = step
            dual_step = reduced[k, enter] / pivot_row[enter]
            for j in range(width):
                reduced[k, j] -= dual_step * pivot_row[j]
            for t in range(m):  # the pivot is +-1: dividing by it is multiplying by it
                new_row[t] = inverse[k, row, t] * alpha[row]
            for i in range(m):
                if i != row and alpha[i] != 0:
                    for t in range(m):
                        inverse[k, i, t] -= alpha[i] * new_row[t]
            for t in range(m):
                inverse[k, row, t] = new_row[t]
            basis[k, row] = enter
            count += 1
            pivots += 1
            if count > max_pivots:
                return TOO_MANY_PIVOTS, pivots, k
        if count == 0:
            continue
        moved[k] = True
        if not _refresh_sample(k, levels, num_locations, col_start, col_row, col_value, full_cost, basis, inverse,
                               reduced, duals, fixed_basic, fixed_value, fixed_rhs, primal_tolerance,
                               dual_tolerance):
            return NO_CERTIFICATE, pivots, k
    return OK, pivots, -1


@njit(cache=True)
def _leaving_row(basic, sample_basis, most_infeasible, primal_tolerance, width):
    """The row whose basic variable leaves, or -1 when the sample is primal feasible: the most infeasible
    one, or (Bland's rule, against cycling) the infeasible one of smallest variable index."""
    row = -1
    if most_infeasible:
        worst = -primal_tolerance
        for i in range(basic.size):
            if basic[i] < worst:
                worst = basic[i]
                row = i
    else:
        smallest = width
        for i in range(basic.size):
            if basic[i] < -primal_tolerance and sample_basis[i] < smallest:
                smallest = sample_basis[i]
                row = i
    return row


@njit(cache=True)
def _refresh_sample(k, levels, num_locations, col_start, col_row, col_value, full_cost, basis, inverse, reduced,
                    duals, fixed_basic, fixed_value, fixed_rhs, primal_tolerance, dual_tolerance):
    """Recompute sample ``k``'s duals, reduced costs and fixed parts exactly from its basis inverse; False
    when the result is no optimality certificate (a reduced cost or a basic value clearly negative)."""
    K, m = basis.shape
    width = col_start.size - 1
    L = num_locations
    for t in range(m):
        total = 0.0
        for i in range(m):
            total += full_cost[basis[k, i]] * inverse[k, i, t]
        duals[k, t] = total
    for j in range(width):
        total = full_cost[j]
        for e in range(col_start[j], col_start[j + 1]):
            total -= duals[k, col_row[e]] * col_value[e]
        reduced[k, j] = total
        if total < -10 * dual_tolerance:
            return False
    value = 0.0
    for t in range(m - L):
        value += duals[k, L + t] * fixed_rhs[k, t]
    fixed_value[k] = value
    for i in range(m):
        total = 0.0
        for t in range(m - L):
            total += inverse[k, i, L + t] * fixed_rhs[k, t]
        fixed_basic[k, i] = total
        for j in range(L):
            total += inverse[k, i, j] * levels[j]
        if total < -10 * primal_tolerance:
            return False
    return True

"""The compiled tree recursion (netinv.gsm.tree_kernel, reached through netinv.gsm.tree.tree_dp_fast and
tree_reduce_fast) against full enumeration and against the numpy recursion."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.gsm.instance import StageRanges, gsm_instance
from tests.gsm.brute import enumerate_placements, narrowed_ranges, random_gsm_graph


@pytest.mark.parametrize("seed", range(16))
def test_compiled_recursion_and_reduction_match_enumeration(seed):
    """tree_dp_fast's least value (and its own point's value) and tree_reduce_fast's kept ranges (the
    first and last S, SI and tau whose least value is <= a limit) equal full enumeration."""

    pytest.importorskip("numba")
    from netinv.gsm.tree import tree_dp_fast, tree_reduce_fast

    rng = np.random.default_rng(100 + seed)
    instance = gsm_instance(random_gsm_graph(100 + seed, int(rng.integers(2, 6)), tree=True))
    n = instance.num_stages
    ranges = narrowed_ranges(instance, rng) if seed % 2 else StageRanges.of(instance)
    if ranges.size() > 250:
        pytest.skip("too many points to enumerate")
    a, b = rng.normal(0, 0.5, n), rng.normal(0, 0.5, n)
    T = instance.processing_time
    points = list(enumerate_placements(instance, ranges, a, b))
    value, S, SI = tree_dp_fast(instance, a, b, ranges=ranges)
    if not points:
        assert value == np.inf
        assert tree_reduce_fast(instance, a, b, ranges, 0.0).is_empty()
        return
    best = min(p[0] for p in points)
    assert value == pytest.approx(best, abs=1e-9)
    assert instance.cost_coefficient @ np.sqrt(SI + T - S) + a @ S + b @ SI == pytest.approx(value, abs=1e-9)
    limit = best + rng.uniform(0, 1.5)
    kept = tree_reduce_fast(instance, a, b, ranges, limit)
    inside = [p for p in points if p[0] <= limit - 1e-9]
    fields = (("service_low", "service_high"), ("inbound_low", "inbound_high"), ("net_low", "net_high"))
    for row, names in enumerate(fields):  # S, SI, tau
        low, high = (getattr(kept, name) for name in names)
        for j in range(n):
            taken = [p[1 + row][j] for p in inside]
            assert low[j] <= min(taken) and high[j] >= max(taken)  # nothing cheaper is cut
            ends = [p[0] for p in points if p[1 + row][j] in (low[j], high[j])]
            assert min(ends) <= limit + 1e-9  # and the ends kept are within the limit


@pytest.mark.parametrize("seed", range(4))
def test_compiled_recursion_equals_numpy_recursion_on_larger_trees(seed):
    """Same least value and the same (S, SI) as tree_dp_core, with linear terms and narrowed ranges."""
    pytest.importorskip("numba")
    from netinv.gsm.tree import tree_dp_core, tree_dp_fast

    rng = np.random.default_rng(seed)
    instance = gsm_instance(random_gsm_graph(seed, 60, tree=True))
    a, b = rng.normal(0, 2, instance.num_stages), rng.normal(0, 2, instance.num_stages)
    for ranges in (None, narrowed_ranges(instance, rng)):
        expected = tree_dp_core(instance, a, b, ranges=ranges)
        value, S, SI = tree_dp_fast(instance, a, b, ranges=ranges)
        assert value == pytest.approx(expected[0], rel=1e-12, abs=1e-9)
        if np.isfinite(value):
            np.testing.assert_array_equal(S, expected[1])
            np.testing.assert_array_equal(SI, expected[2])

"""What the exact solvers share (netinv.gsm.bounds) against brute force on small networks: the
spanning-tree relaxation and the Lagrangian bound lie below the optimum, domain reduction keeps every
cheaper placement, the incumbent is feasible, and times in a common unit keep the optimum."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from netinv.gsm.bounds import (
    Incumbent,
    coarsened,
    lagrangian_bound,
    reduce_ranges,
    time_unit,
    tree_relaxation,
)
from netinv.gsm.instance import StageRanges, gsm_instance
from netinv.gsm.solve import solve_placement
from netinv.gsm.tree import gsm_tree_dp
from tests.gsm.brute import brute_force_gsm, gsm_graphs, random_gsm_graph


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_domain_reduction_keeps_every_cheaper_placement(seed):
    """reduce_ranges on a small general network, cutoff a little above the optimum: every enumerated
    feasible placement (tight inbound times) cheaper than the cutoff lies inside the reduced ranges."""
    import itertools

    from netinv.errors import InputError

    instance = gsm_instance(random_gsm_graph(seed, 6, tree=False))
    optimum, _ = brute_force_gsm(instance)
    _, dropped, base, _ = tree_relaxation(instance)
    incumbent = Incumbent(instance)
    ranges = StageRanges.of(instance)
    _, lam, _, _ = lagrangian_bound(base, ranges, dropped, np.zeros(len(dropped[0])), 30, incumbent, 1e-9, np.inf,
                                     every_answer=True)
    cutoff = optimum * 1.05 + 1e-9
    reduced = reduce_ranges(base, ranges, dropped, lam, cutoff)
    s_up = ranges.service_high
    kept = 0
    for point in itertools.product(*[range(0, int(s_up[j]) + 1) for j in range(instance.num_stages)]):
        S = np.array(point)
        try:
            cost, SI, tau = instance.evaluate(S)
        except InputError:  # infeasible service times
            continue
        if cost < cutoff:
            kept += 1
            assert not reduced.is_empty()
            for value, low, high in ((S, reduced.service_low, reduced.service_high),
                                     (SI, reduced.inbound_low, reduced.inbound_high),
                                     (tau, reduced.net_low, reduced.net_high)):
                assert np.all((low <= value) & (value <= high))
    assert kept >= 1  # the optimum itself


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=gsm_graphs(tree=False, min_stages=3, max_stages=6), unit=st.integers(2, 4))
def test_times_in_a_common_unit_keep_the_optimum(graph, unit):
    """With every time a multiple of a unit, the branch and bound solves the instance in that unit
    (every vertex lies on its grid): the same optimum as brute force on the original times."""
    base = gsm_instance(graph)
    instance = replace(base, processing_time=base.processing_time * unit, edge_lead_time=base.edge_lead_time * unit,
                       max_service_time=base.max_service_time * unit, inbound_lower_bound=base.inbound_lower_bound * unit)
    assert time_unit(instance) % unit == 0
    try:
        expected, _ = brute_force_gsm(instance)
    except ValueError:  # scaled up, a few drawn networks have too many service-time vectors to enumerate
        reject()
    assert brute_force_gsm(coarsened(instance, time_unit(instance)))[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    solution = solve_placement(instance, "reduced-bnb")
    assert solution.is_optimal and solution.cost == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert instance.evaluate(solution.service_time, solution.inbound_service_time)[0] == pytest.approx(solution.cost)


@pytest.mark.parametrize("seed", range(8))
def test_the_spanning_tree_relaxation_bounds_the_optimum_from_below(seed):
    """The forest keeps all but the dropped edges, is a tree, and its dynamic program costs at most the
    brute-force optimum of the whole network."""
    instance = gsm_instance(random_gsm_graph(seed, 6, tree=False))
    optimum, _ = brute_force_gsm(instance)
    relaxation = tree_relaxation(instance)
    assert not instance.is_tree and relaxation.forest.is_tree
    assert len(relaxation.dropped.source) >= 1
    assert len(relaxation.dropped.source) + len(relaxation.forest.edge_source) == len(instance.edge_source)
    np.testing.assert_array_equal(relaxation.inbound_high, instance.inbound_upper_bound())
    np.testing.assert_array_equal(relaxation.service_high, StageRanges.of(instance).service_high)
    assert gsm_tree_dp(relaxation.forest).cost <= optimum * (1 + 1e-12) + 1e-12


@pytest.mark.parametrize("seed", range(8))
def test_the_lagrangian_bound_lies_between_the_relaxation_and_the_optimum(seed):
    """From lambda = 0 (the relaxation's own bound) the subgradient steps only raise the best bound, which
    stays at or below the brute-force optimum; the incumbent it fills is feasible and costs no less."""
    instance = gsm_instance(random_gsm_graph(seed, 6, tree=False))
    optimum, _ = brute_force_gsm(instance)
    relaxation = tree_relaxation(instance)
    incumbent = Incumbent(instance)
    start = np.zeros(len(relaxation.dropped.source))
    result = lagrangian_bound(relaxation.forest, StageRanges.of(instance), relaxation.dropped, start, 50, incumbent,
                              1e-9, np.inf)
    assert result.value >= gsm_tree_dp(relaxation.forest).cost - 1e-9
    assert result.value <= optimum * (1 + 1e-9) + 1e-9
    assert np.all(result.multipliers >= 0) and result.service_time is not None
    S, SI, _ = incumbent.placement
    assert instance.evaluate(S, SI)[0] == pytest.approx(incumbent.cost) and incumbent.cost >= optimum - 1e-9


def test_the_lagrangian_bound_of_empty_ranges_is_infinite():
    instance = gsm_instance(random_gsm_graph(0, 5, tree=False))
    relaxation = tree_relaxation(instance)
    ranges = StageRanges.of(instance)
    empty = replace(ranges, service_low=ranges.service_high + 1)
    result = lagrangian_bound(relaxation.forest, empty, relaxation.dropped, np.zeros(len(relaxation.dropped.source)),
                              10, Incumbent(instance), 1e-9, np.inf)
    assert result.value == np.inf and result.service_time is None
    assert reduce_ranges(relaxation.forest, ranges, relaxation.dropped, result.multipliers, -1.0).is_empty()


def test_the_incumbent_makes_placements_feasible_and_keeps_the_cheapest():
    instance = gsm_instance(random_gsm_graph(3, 6, tree=False))
    optimum, best = brute_force_gsm(instance)
    incumbent = Incumbent(instance)
    assert incumbent.placement is None and incumbent.cost == np.inf
    zeros = np.zeros(instance.num_stages, dtype=np.int64)
    incumbent.consider(zeros, zeros)  # inbound times below what the suppliers quote: made tight
    cost, SI, tau = instance.evaluate(zeros)
    assert incumbent.cost == pytest.approx(cost)
    np.testing.assert_array_equal(incumbent.placement[1], SI)
    np.testing.assert_array_equal(incumbent.placement[2], tau)
    incumbent.consider(best, zeros)
    assert incumbent.cost == pytest.approx(optimum)
    incumbent.consider(zeros, zeros)  # dearer (or as dear): not kept
    assert incumbent.cost == pytest.approx(optimum)
    np.testing.assert_array_equal(incumbent.placement[0], best)


def test_times_in_units_of_six_are_solved_in_sixes():
    """Every time of a network multiplied by 6: the unit is 6 times the original's, the coarsened
    instance has the original's times, and a placement costs the same in either unit."""
    base = gsm_instance(random_gsm_graph(2, 5, tree=False))
    scaled = replace(base, processing_time=base.processing_time * 6, edge_lead_time=base.edge_lead_time * 6,
                     max_service_time=base.max_service_time * 6, inbound_lower_bound=base.inbound_lower_bound * 6)
    assert time_unit(scaled) == 6 * time_unit(base)
    coarse = coarsened(scaled, 6)
    np.testing.assert_array_equal(coarse.processing_time, base.processing_time)
    np.testing.assert_array_equal(coarse.edge_lead_time, base.edge_lead_time)
    np.testing.assert_array_equal(coarse.max_service_time, base.max_service_time)
    _, best = brute_force_gsm(base)
    assert coarse.evaluate(best)[0] == pytest.approx(scaled.evaluate(best * 6)[0], rel=1e-12)
    assert scaled.evaluate(best * 6)[0] == pytest.approx(np.sqrt(6) * base.evaluate(best)[0], rel=1e-12)

"""The pairs formulation of the guaranteed-service model (netinv.gsm.pairs) against brute force,
the tree dynamic program, textbook optima and the other exact methods on real chains (Willems 2008)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from netinv.gsm.instance import StageRanges, gsm_instance
from netinv.gsm.pairs import build_pairs_model, count_pairs, solve_gsm_pairs
from netinv.gsm.solve import solve_placement
from netinv.gsm.tree import gsm_tree_dp
from netinv.gsm.types import GSMOptions
from netinv.network import load
from tests.conftest import ROOT, SCENARIOS
from tests.gsm.brute import brute_force_gsm, gsm_graphs, random_gsm_graph

# proven by pairs-milp (LP and MILP routes) and bracketed by reduced-bnb's bounds and placements below
WILLEMS_27_OPTIMUM = 2_078_505.4108


def assert_proven(solution, expected):
    assert solution.is_optimal and solution.bound == pytest.approx(solution.cost, rel=1e-7, abs=1e-9)
    assert solution.cost == pytest.approx(expected, rel=1e-7, abs=1e-9)
    cost, _, _ = solution.instance.evaluate(solution.service_time, solution.inbound_service_time)
    assert cost == pytest.approx(solution.cost, rel=1e-12, abs=1e-12)  # feasible as reported


@pytest.mark.parametrize("reduction, relaxation_first", [(True, True), (False, True), (False, False)])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=gsm_graphs(tree=False, min_stages=3, max_stages=7))
def test_pairs_milp_equals_brute_force_on_general_networks(reduction, relaxation_first, graph):
    """Every route through the method — Lagrangian reduction or not, LP first or HiGHS' branch and bound
    straight away — proves the optimum that full enumeration finds."""
    instance = gsm_instance(graph)
    expected, _ = brute_force_gsm(instance)
    solution = solve_gsm_pairs(instance, reduction=reduction, relaxation_first=relaxation_first)
    assert_proven(solution, expected)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gsm_graphs(tree=True, min_stages=1, max_stages=7))
def test_pairs_milp_brute_force_and_tree_dp_agree_on_trees(graph):
    instance = gsm_instance(graph)
    expected, _ = brute_force_gsm(instance)
    assert_proven(solve_gsm_pairs(instance, reduction=False), expected)
    assert gsm_tree_dp(instance).cost == pytest.approx(expected, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_pairs_milp_and_tree_dp_agree_on_larger_trees(seed):
    instance = gsm_instance(random_gsm_graph(seed, 40, tree=True))
    assert_proven(solve_gsm_pairs(instance, reduction=False), gsm_tree_dp(instance).cost)


@pytest.mark.parametrize("max_service, cost", [(None, 18.8240), (5, 12.469), (8, 3.258), (12, 0.2326)])
def test_camera_network_of_figure_6_14(max_service, cost):
    graph = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    if max_service is not None:
        graph.nodes["build_test_pack"]["max_service_time"] = max_service
    solution = solve_placement(gsm_instance(graph), "pairs-milp")
    assert solution.is_optimal and solution.cost == pytest.approx(cost, abs=5e-4)


def test_example_6_5():
    solution = solve_placement(gsm_instance(load(SCENARIOS / "gsm_ss_example_6_5.yaml")), "pairs-milp")
    assert_proven(solution, 3 + 2 * np.sqrt(2) + np.sqrt(6))
    stages = solution.stages()
    assert {s: stages[s]["service_time"] for s in ("stage1", "stage2", "stage3", "stage4")} == \
        {"stage1": 0, "stage2": 0, "stage3": 0, "stage4": 1}


@pytest.mark.parametrize("seed", range(4))
def test_the_model_accepts_exactly_the_feasible_placements(seed):
    """The column values of a placement (its pairs and cumulative indicators) satisfy every row and
    bound of the model exactly when the placement is feasible, and then the objective is its cost.
    Placements drawn at random inside the ranges, and each feasible one made tight (SI = max over
    suppliers), so that both kinds are checked."""
    from netinv.errors import InputError

    instance = gsm_instance(random_gsm_graph(seed, 6, tree=False))
    ranges = StageRanges.of(instance)
    model = build_pairs_model(instance, ranges)
    assert model.num_pairs == count_pairs(instance, ranges)
    a = model.matrix.tocsr()
    rng = np.random.default_rng(seed)
    seen = {True: 0, False: 0}
    for _ in range(3000):
        S = rng.integers(ranges.service_low, ranges.service_high + 1)
        SI = rng.integers(ranges.inbound_low, ranges.inbound_high + 1)
        if rng.random() < 0.5:  # the tight inbound times of S
            SI = np.maximum(instance.inbound_lower_bound, SI * 0)
            np.maximum.at(SI, instance.edge_target, S[instance.edge_source] + instance.edge_lead_time)
        try:
            cost, _, _ = instance.evaluate(S, SI)
            feasible = True
        except InputError:
            feasible = False
        values = model.start_values(S, SI)
        if values is None:  # a pair outside the ranges: tau out of range or SI too large
            assert not feasible or np.any(SI > ranges.inbound_high)
            continue
        rows = a @ values
        inside = bool(np.all(rows >= model.row_lower - 1e-9) and np.all(rows <= model.row_upper + 1e-9)
                      and np.all(values >= model.column_lower) and np.all(values <= model.column_upper))
        assert inside == feasible
        if feasible:
            assert model.cost @ values == pytest.approx(cost, rel=1e-12, abs=1e-12)
        seen[feasible] += 1
    assert seen[True] > 0 and seen[False] > 0


@pytest.mark.parametrize("chain", ["willems_07", "willems_11", "willems_23"])
def test_pairs_milp_and_another_exact_method_prove_the_same_optimum_on_real_chains(chain):
    """Independent proofs: the pairs model (exact costs per pair) against breakpoint refinement (chords;
    willems_07 and willems_11) and against the branch and bound with Lagrangian reduction (willems_23)."""
    instance = gsm_instance(load(ROOT / "scenarios/willems" / f"{chain}.csv"))
    reference = solve_placement(instance, "reduced-bnb" if chain == "willems_23" else "milp")
    assert reference.is_optimal
    assert_proven(solve_placement(instance, "pairs-milp"), reference.cost)


def test_willems_27_is_proven_and_agrees_with_the_branch_and_bound():
    """willems_27 (482 stages, open before): the pairs LP is integral and proves 2,078,505.4108; HiGHS'
    branch and bound on the same model, started without the LP, proves the same; reduced-bnb's valid
    bound lies below it and its placement costs no less."""
    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_27.csv"))
    lp_first = solve_gsm_pairs(instance)
    assert_proven(lp_first, WILLEMS_27_OPTIMUM)
    assert_proven(solve_gsm_pairs(instance, relaxation_first=False), WILLEMS_27_OPTIMUM)
    other = solve_placement(instance, "reduced-bnb", GSMOptions(time_limit=2.0))
    assert other.bound <= lp_first.cost * (1 + 1e-9) and other.cost >= lp_first.cost * (1 - 1e-9)


def test_a_time_limit_stops_it_with_valid_bounds():
    """willems_35's pairs model takes seconds: with a time limit of a fraction of that the answer is a
    feasible placement with status time_limit (or optimal) and a bound at or below the known optimum."""
    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_35.csv"))
    solution = solve_gsm_pairs(instance, GSMOptions(time_limit=0.5))
    assert solution.bound <= 5_128_428.4388 * (1 + 1e-9) <= solution.cost * (1 + 2e-9)
    assert instance.evaluate(solution.service_time, solution.inbound_service_time)[0] == pytest.approx(solution.cost)
    assert solution.is_optimal == (solution.cost - solution.bound <= 1e-7 * solution.cost)


def test_too_large_a_model_is_not_built():
    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_21.csv"))
    solution = solve_gsm_pairs(instance, max_pairs=1000)
    assert not solution.is_optimal and "pairs" in solution.message
    assert solution.bound <= 2_397_888.2622 * (1 + 1e-9) <= solution.cost * (1 + 2e-9)


@pytest.mark.slow
@pytest.mark.parametrize("chain", [f"willems_{k:02d}" for k in range(1, 38, 2)])
def test_every_willems_chain_is_proven_by_auto_and_by_pairs_milp(chain):
    """Every bundled chain: auto and pairs-milp (without the branch and bound auto may add) prove the
    same optimum."""
    instance = gsm_instance(load(ROOT / "scenarios/willems" / f"{chain}.csv"))
    auto = solve_placement(instance, "auto", GSMOptions(time_limit=120))
    assert auto.is_optimal
    assert_proven(solve_placement(instance, "pairs-milp", GSMOptions(time_limit=120)), auto.cost)

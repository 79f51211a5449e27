"""The exact guaranteed-service MILP against textbook optima, brute force, the tree dynamic program,
and real chains (Willems 2008)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from netinv.gsm.instance import gsm_instance
from netinv.gsm.solve import GSMOptions, build_gsm_model, solve_gsm
from netinv.gsm.tree import gsm_tree_dp
from netinv.network import load
from tests.conftest import ROOT, SCENARIOS
from tests.gsm.brute import brute_force_gsm, gsm_graphs, random_gsm_graph


def solve(graph, **options):
    solution = solve_gsm(gsm_instance(graph), GSMOptions(**options))
    assert solution.is_optimal
    assert solution.bound == pytest.approx(solution.cost, rel=1e-6)  # proven: bound = objective
    return solution


def test_example_6_5():
    graph = load(SCENARIOS / "gsm_ss_example_6_5.yaml")
    solution = solve(graph)
    assert solution.cost == pytest.approx(8.2779, abs=1e-4)
    assert solution.cost == pytest.approx(3 + 2 * np.sqrt(2) + np.sqrt(6), abs=1e-9)
    stages = solution.stages()
    assert {s: stages[s]["service_time"] for s in ("stage1", "stage2", "stage3", "stage4")} == \
        {"stage1": 0, "stage2": 0, "stage3": 0, "stage4": 1}


def test_problem_6_9():
    assert solve(load(SCENARIOS / "gsm_ss_problem_6_9.yaml")).cost == pytest.approx(15.6495, abs=1e-4)


@pytest.mark.parametrize("max_service, cost", [(None, 18.8240), (5, 12.469), (8, 3.258), (12, 0.2326)])
def test_camera_network_of_figure_6_14(max_service, cost):
    graph = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    if max_service is not None:
        graph.nodes["build_test_pack"]["max_service_time"] = max_service
    assert solve(graph).cost == pytest.approx(cost, abs=5e-4)


def test_reported_stage_quantities_are_consistent():
    graph = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    solution = solve(graph)
    inst = solution.instance
    for j, stage in enumerate(inst.stages):
        row = solution.stages()[stage]
        assert row["net_time"] == row["inbound_service_time"] + inst.processing_time[j] - row["service_time"] >= 0
        assert row["safety_stock"] == pytest.approx(inst.safety_coefficient[j] * np.sqrt(row["net_time"]))
        assert row["base_stock"] == pytest.approx(inst.mean_demand[j] * row["net_time"] + row["safety_stock"])
    assert sum(r["safety_stock_value"] for r in solution.stages().values()) == pytest.approx(solution.cost)


@pytest.mark.parametrize("method", ["milp", "tree-bnb", "lagrangian", "reduced-milp", "reduced-bnb", "pairs-milp"])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=gsm_graphs(tree=False, min_stages=3, max_stages=7))
@example(graph=random_gsm_graph(225, 4, False))  # cost 9.84: HiGHS' bound cost - 1e-6, once left "not proven"
def test_every_exact_method_equals_brute_force_on_general_networks(method, graph):
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(graph)
    expected, _ = brute_force_gsm(instance)
    solution = solve_placement(instance, method)
    assert solution.is_optimal and solution.bound == pytest.approx(solution.cost, rel=1e-6, abs=1e-9)
    assert solution.cost == pytest.approx(expected, rel=1e-7, abs=1e-9)
    instance.evaluate(solution.service_time, solution.inbound_service_time)  # feasible as reported


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gsm_graphs(tree=True, min_stages=1, max_stages=7))
def test_milp_brute_force_and_tree_dp_agree_on_trees(graph):
    instance = gsm_instance(graph)
    expected, _ = brute_force_gsm(instance)
    assert solve_gsm(instance).cost == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert gsm_tree_dp(instance).cost == pytest.approx(expected, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_milp_and_tree_dp_agree_on_larger_trees(seed):
    instance = gsm_instance(random_gsm_graph(seed, 40, tree=True))
    assert solve_gsm(instance).cost == pytest.approx(gsm_tree_dp(instance).cost, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("chain", ["willems_01.csv", "willems_03.csv"])
def test_real_chains_solve_to_proven_optimality(chain):
    graph = load(ROOT / "tests/data/willems" / chain)
    solution = solve(graph, time_limit=120)
    assert solution.cost > 0 and solution.rounds >= 1


def test_the_pyomo_model_is_exposed_and_pure():
    import pyomo.environ as pyo

    instance = gsm_instance(load(SCENARIOS / "gsm_ss_example_6_5.yaml"))
    model = build_gsm_model(instance)
    assert isinstance(model, pyo.ConcreteModel)
    assert all(v.value is None for v in model.S.values())  # nothing solved


@pytest.mark.parametrize("seed", range(4))
def test_every_method_agrees_on_random_general_networks(seed):
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(random_gsm_graph(seed, 30, tree=False))
    costs = {m: solve_placement(instance, m).cost for m in ("milp", "tree-bnb", "auto")}
    assert costs["tree-bnb"] == pytest.approx(costs["milp"], rel=1e-7)
    assert costs["auto"] == pytest.approx(costs["milp"], rel=1e-7)


@pytest.mark.parametrize("chain", ["willems_01.csv", "willems_03.csv"])
def test_lagrangian_branch_and_bound_on_real_chains(chain):
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(load(ROOT / "tests/data/willems" / chain))
    lagrangian, milp = solve_placement(instance, "lagrangian"), solve_placement(instance, "milp")
    assert lagrangian.is_optimal and lagrangian.cost == pytest.approx(milp.cost, rel=1e-7)


@pytest.mark.slow
def test_auto_with_a_time_limit_combines_methods_and_keeps_valid_bounds():
    """A chain the MILP does not prove in 3 s: auto's answer is feasible, its bound below its cost and
    below the cost the MILP alone finds (both are valid bounds on the same optimum)."""
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_19.csv"))
    auto = solve_placement(instance, "auto", GSMOptions(time_limit=8))
    cost, _, _ = instance.evaluate(auto.service_time, auto.inbound_service_time)
    assert cost == pytest.approx(auto.cost)
    assert auto.bound <= auto.cost
    milp = solve_placement(instance, "milp", GSMOptions(time_limit=3))
    assert auto.bound <= milp.cost + 1e-6 and milp.bound <= auto.cost + 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_domain_reduction_keeps_every_cheaper_placement(seed):
    """reduce_ranges on a small general network, cutoff a little above the optimum: every enumerated
    feasible placement (tight inbound times) cheaper than the cutoff lies inside the reduced ranges."""
    import itertools

    from netinv.errors import InputError
    from netinv.gsm.bnb import _Incumbent, _lagrangian_bound, _relaxation, reduce_ranges
    from netinv.gsm.instance import StageRanges

    instance = gsm_instance(random_gsm_graph(seed, 6, tree=False))
    optimum, _ = brute_force_gsm(instance)
    _, dropped, base, _ = _relaxation(instance)
    incumbent = _Incumbent(instance)
    ranges = StageRanges.of(instance)
    _, lam, _, _ = _lagrangian_bound(base, ranges, dropped, np.zeros(len(dropped[0])), 30, incumbent, 1e-9, np.inf,
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


@pytest.mark.parametrize("chain", ["willems_07.csv", "willems_11.csv"])
def test_reduced_milp_and_plain_milp_prove_the_same_optimum_on_real_chains(chain):
    """Two independent proofs on real chains: Lagrangian domain reduction (then the MILP on what is
    left) and the breakpoint-refinement MILP on the whole ranges."""
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(load(ROOT / "scenarios/willems" / chain))
    reduced, milp = solve_placement(instance, "reduced-milp"), solve_placement(instance, "milp")
    assert reduced.is_optimal and milp.is_optimal
    assert reduced.bound == pytest.approx(reduced.cost, rel=1e-7)
    assert reduced.cost == pytest.approx(milp.cost, rel=1e-7)
    cost, _, _ = instance.evaluate(reduced.service_time, reduced.inbound_service_time)
    assert cost == pytest.approx(reduced.cost, rel=1e-12)


@pytest.mark.slow
def test_willems_29_is_proven_optimal_and_every_other_method_agrees_with_its_bounds():
    """willems_29 (617 stages): neither the MILP nor the branch and bounds alone prove it within a minute;
    Lagrangian reduction then the MILP does. Cross-checks: the plain MILP's and the Lagrangian branch and
    bound's lower bounds lie below the proven optimum and their placements cost no less."""
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_29.csv"))
    reduced = solve_placement(instance, "reduced-milp", GSMOptions(time_limit=120))
    assert reduced.is_optimal and reduced.bound == pytest.approx(reduced.cost, rel=1e-7)
    cost, _, _ = instance.evaluate(reduced.service_time, reduced.inbound_service_time)
    assert cost == pytest.approx(reduced.cost, rel=1e-12)
    for method, seconds in (("milp", 10), ("lagrangian", 10)):
        other = solve_placement(instance, method, GSMOptions(time_limit=seconds))
        assert other.bound <= reduced.cost * (1 + 1e-9)
        assert other.cost >= reduced.cost * (1 - 1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=gsm_graphs(tree=False, min_stages=3, max_stages=6), unit=st.integers(2, 4))
def test_times_in_a_common_unit_keep_the_optimum(graph, unit):
    """With every time a multiple of a unit, the branch and bound solves the instance in that unit
    (every vertex lies on its grid): the same optimum as brute force on the original times."""
    from dataclasses import replace

    from netinv.gsm.bnb import coarsened, time_unit
    from netinv.gsm.solve import solve_placement

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


def test_reduced_branch_and_bound_stopped_by_its_time_limit_keeps_valid_bounds():
    """willems_27 is not closed in one second: the search stops with status time_limit, a feasible
    placement as reported, and a bound below its cost; the proven optimum (pairs-milp,
    tests/exact/test_gsm_pairs.py) lies between the two."""
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_27.csv"))
    solution = solve_placement(instance, "reduced-bnb", GSMOptions(time_limit=1.0))
    assert not solution.is_optimal and solution.bound < solution.cost
    assert solution.bound <= 2_078_505.4108 * (1 + 1e-9) <= solution.cost  # the optimum proven by pairs-milp
    assert instance.evaluate(solution.service_time, solution.inbound_service_time)[0] == pytest.approx(solution.cost)


@pytest.mark.slow
@pytest.mark.parametrize("chain, optimum, both_prove", [("willems_19", 900014.2112, False),
                                                         ("willems_35", 5128428.4388, True)])
def test_chains_proven_by_the_branch_and_bound_agree_with_the_lagrangian_search(chain, optimum, both_prove):
    """willems_19 (156 stages) and willems_35 (1,386 stages), open before the branch and bound with
    reduction at every node: reduced-bnb proves their optima. The Lagrangian branch and bound without
    reduction (a second search with its own nodes and bounds) proves the same optimum of willems_35; on
    willems_19 it does not close in 30 s, and then finds no cheaper placement and its valid bound stays
    at or below the proven optimum (it reached the same cost within four minutes, not asserted here)."""
    from netinv.gsm.solve import solve_placement

    instance = gsm_instance(load(ROOT / "scenarios/willems" / f"{chain}.csv"))
    bnb = solve_placement(instance, "reduced-bnb")
    assert bnb.is_optimal and bnb.bound == pytest.approx(bnb.cost, rel=1e-7)
    assert bnb.cost == pytest.approx(optimum, abs=1e-3)
    assert instance.evaluate(bnb.service_time, bnb.inbound_service_time)[0] == pytest.approx(bnb.cost, rel=1e-12)
    other = solve_placement(instance, "lagrangian", GSMOptions(time_limit=30))
    assert other.cost >= bnb.cost * (1 - 1e-9)
    assert other.bound <= bnb.cost * (1 + 1e-9)
    if both_prove:
        assert other.is_optimal and other.cost == pytest.approx(bnb.cost, rel=1e-7)

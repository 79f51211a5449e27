"""The breakpoint MILP (netinv.gsm.breakpoint) against textbook optima, brute force, the tree dynamic
program, and real chains (Willems 2008); with Lagrangian domain reduction first (reduced-milp)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from netinv.gsm.breakpoint import build_gsm_model, solve_gsm
from netinv.gsm.instance import gsm_instance
from netinv.gsm.solve import solve_placement
from netinv.gsm.tree import gsm_tree_dp
from netinv.gsm.types import GSMOptions
from netinv.network import load
from tests.conftest import ROOT, SCENARIOS
from tests.gsm.brute import brute_force_gsm, gsm_graphs, random_gsm_graph, solve_proven


def test_example_6_5():
    graph = load(SCENARIOS / "gsm_ss_example_6_5.yaml")
    solution = solve_proven(graph)
    assert solution.cost == pytest.approx(8.2779, abs=1e-4)
    assert solution.cost == pytest.approx(3 + 2 * np.sqrt(2) + np.sqrt(6), abs=1e-9)
    stages = solution.stages()
    assert {s: stages[s]["service_time"] for s in ("stage1", "stage2", "stage3", "stage4")} == \
        {"stage1": 0, "stage2": 0, "stage3": 0, "stage4": 1}


def test_problem_6_9():
    assert solve_proven(load(SCENARIOS / "gsm_ss_problem_6_9.yaml")).cost == pytest.approx(15.6495, abs=1e-4)


@pytest.mark.parametrize("max_service, cost", [(None, 18.8240), (5, 12.469), (8, 3.258), (12, 0.2326)])
def test_camera_network_of_figure_6_14(max_service, cost):
    graph = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    if max_service is not None:
        graph.nodes["build_test_pack"]["max_service_time"] = max_service
    assert solve_proven(graph).cost == pytest.approx(cost, abs=5e-4)


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
    solution = solve_proven(graph, time_limit=120)
    assert solution.cost > 0 and solution.rounds >= 1


def test_the_pyomo_model_is_exposed_and_pure():
    import pyomo.environ as pyo

    instance = gsm_instance(load(SCENARIOS / "gsm_ss_example_6_5.yaml"))
    model = build_gsm_model(instance)
    assert isinstance(model, pyo.ConcreteModel)
    assert all(v.value is None for v in model.S.values())  # nothing solved


@pytest.mark.parametrize("chain", ["willems_07.csv", "willems_11.csv"])
def test_reduced_milp_and_plain_milp_prove_the_same_optimum_on_real_chains(chain):
    """Two independent proofs on real chains: Lagrangian domain reduction (then the MILP on what is
    left) and the breakpoint-refinement MILP on the whole ranges."""
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
    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_29.csv"))
    reduced = solve_placement(instance, "reduced-milp", GSMOptions(time_limit=120))
    assert reduced.is_optimal and reduced.bound == pytest.approx(reduced.cost, rel=1e-7)
    cost, _, _ = instance.evaluate(reduced.service_time, reduced.inbound_service_time)
    assert cost == pytest.approx(reduced.cost, rel=1e-12)
    for method, seconds in (("milp", 10), ("lagrangian", 10)):
        other = solve_placement(instance, method, GSMOptions(time_limit=seconds))
        assert other.bound <= reduced.cost * (1 + 1e-9)
        assert other.cost >= reduced.cost * (1 - 1e-9)

"""solve_placement and its registry of methods (netinv.gsm.solve): every method against brute force,
against each other, and auto's combination of methods under a time limit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings

from netinv.errors import InputError
from netinv.gsm.instance import gsm_instance
from netinv.gsm.solve import GSM_METHODS, SOLVERS, solve_placement
from netinv.gsm.types import GSMOptions
from netinv.network import load
from tests.conftest import ROOT, SCENARIOS
from tests.gsm.brute import brute_force_gsm, gsm_graphs, random_gsm_graph


@pytest.mark.parametrize("method", ["milp", "tree-bnb", "lagrangian", "reduced-milp", "reduced-bnb", "pairs-milp"])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=gsm_graphs(tree=False, min_stages=3, max_stages=7))
@example(graph=random_gsm_graph(225, 4, False))  # cost 9.84: HiGHS' bound cost - 1e-6, once left "not proven"
def test_every_exact_method_equals_brute_force_on_general_networks(method, graph):
    instance = gsm_instance(graph)
    expected, _ = brute_force_gsm(instance)
    solution = solve_placement(instance, method)
    assert solution.is_optimal and solution.bound == pytest.approx(solution.cost, rel=1e-6, abs=1e-9)
    assert solution.cost == pytest.approx(expected, rel=1e-7, abs=1e-9)
    instance.evaluate(solution.service_time, solution.inbound_service_time)  # feasible as reported


@pytest.mark.parametrize("seed", range(4))
def test_every_method_agrees_on_random_general_networks(seed):
    instance = gsm_instance(random_gsm_graph(seed, 30, tree=False))
    costs = {m: solve_placement(instance, m).cost for m in ("milp", "tree-bnb", "auto")}
    assert costs["tree-bnb"] == pytest.approx(costs["milp"], rel=1e-7)
    assert costs["auto"] == pytest.approx(costs["milp"], rel=1e-7)


@pytest.mark.slow
def test_auto_with_a_time_limit_combines_methods_and_keeps_valid_bounds():
    """A chain the MILP does not prove in 3 s: auto's answer is feasible, its bound below its cost and
    below the cost the MILP alone finds (both are valid bounds on the same optimum)."""
    instance = gsm_instance(load(ROOT / "scenarios/willems/willems_19.csv"))
    auto = solve_placement(instance, "auto", GSMOptions(time_limit=8))
    cost, _, _ = instance.evaluate(auto.service_time, auto.inbound_service_time)
    assert cost == pytest.approx(auto.cost)
    assert auto.bound <= auto.cost
    milp = solve_placement(instance, "milp", GSMOptions(time_limit=3))
    assert auto.bound <= milp.cost + 1e-6 and milp.bound <= auto.cost + 1e-6


def test_every_method_is_in_the_registry_and_an_unknown_one_is_a_clear_error():
    assert GSM_METHODS == ("auto", "pairs-milp", "milp", "tree-dp", "tree-bnb", "lagrangian", "reduced-milp",
                           "reduced-bnb")
    assert tuple(SOLVERS) == GSM_METHODS and all(callable(solver) for solver in SOLVERS.values())
    instance = gsm_instance(load(SCENARIOS / "gsm_ss_example_6_5.yaml"))
    with pytest.raises(InputError, match="method: must be one of auto, pairs-milp, .*, got 'simplex'"):
        solve_placement(instance, "simplex")


@pytest.mark.parametrize("method", GSM_METHODS)
def test_every_method_proves_the_textbook_optimum_of_example_6_5(method):
    """Snyder & Shen example 6.5 (a tree): 3 + 2 sqrt(2) + sqrt(6); auto takes the tree DP there."""
    instance = gsm_instance(load(SCENARIOS / "gsm_ss_example_6_5.yaml"))
    solution = solve_placement(instance, method)
    assert solution.is_optimal and solution.cost == pytest.approx(3 + 2 * np.sqrt(2) + np.sqrt(6), rel=1e-9)
    if method in ("auto", "tree-dp"):
        assert solution.method == "tree-dp" and solution.bound == solution.cost

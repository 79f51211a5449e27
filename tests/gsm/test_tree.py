"""Graves-Willems tree DP: textbook instances with published optima, brute force, forests, scale."""

from __future__ import annotations

import math
import re

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

from netinv import attrs, timing
from netinv.errors import InputError
from netinv.gsm.instance import GSMInstance, StageRanges, gsm_instance
from netinv.gsm.tree import GSMTreeResult, gsm_tree_dp
from netinv.network import load
from tests.conftest import SCENARIOS, network
from tests.gsm.brute import (
    brute_force_gsm,
    enumerate_placements,
    gsm_graphs,
    narrowed_ranges,
    random_gsm_graph,
)


def _solve(graph: nx.DiGraph) -> tuple[GSMInstance, GSMTreeResult]:
    """The hand-worked examples here give the literature's stage times (netinv.timing)."""
    graph.graph[attrs.TIME_CONVENTION] = timing.TEXTBOOK
    instance = gsm_instance(graph)
    return instance, gsm_tree_dp(instance)


def _check_consistent(instance: GSMInstance, result: GSMTreeResult) -> None:
    """The reported S, SI, tau and cost are those of evaluate(S): tight SI, feasible, same cost."""
    cost, inbound, net = instance.evaluate(result.service_time)
    assert result.cost == pytest.approx(cost, rel=1e-12, abs=1e-12)
    np.testing.assert_array_equal(result.inbound_service_time, inbound)
    np.testing.assert_array_equal(result.net_time, net)
    assert result.service_time.dtype.kind == "i"


# --------------------------------------------------------------------------------------------------
# published optima (Snyder & Shen; the same values are in the stockpyl test suite)


def test_example_6_5():
    graph = load(SCENARIOS / "gsm_ss_example_6_5.yaml")
    instance, result = _solve(graph)
    assert result.cost == pytest.approx(3 + 2 * math.sqrt(2) + math.sqrt(6), rel=1e-12)
    assert result.cost == pytest.approx(8.2779168675, rel=1e-10)
    assert result.service_times() == {"stage1": 0, "stage2": 0, "stage3": 0, "stage4": 1}
    known = graph.graph[attrs.KNOWN]
    assert dict(zip(result.stages, result.inbound_service_time.tolist())) == known["optimal_inbound_service_times"]
    _check_consistent(instance, result)
    assert result.seconds >= 0


def _camera_cases():
    known = load(SCENARIOS / "gsm_camera_fig_6_14.yaml").graph[attrs.KNOWN]
    yield pytest.param(2, known["optimal_cost"], known["optimal_outbound_service_times"], id="max2")
    for name, variant in known["variants"].items():
        times = variant["optimal_outbound_service_times"]
        yield pytest.param(times["build_test_pack"], variant["optimal_cost"], times, id=name)


@pytest.mark.parametrize(("max_service_time", "cost", "service_times"), list(_camera_cases()))
def test_camera(max_service_time, cost, service_times):
    graph = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    graph.nodes["build_test_pack"][attrs.MAX_SERVICE_TIME] = max_service_time
    instance, result = _solve(graph)
    assert result.cost == pytest.approx(cost, rel=1e-10)
    assert result.service_times() == service_times
    _check_consistent(instance, result)


def test_camera_published_costs():
    """The camera costs quoted in the textbook, to four figures."""
    graph = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    costs = {}
    for bound in (2, 5, 8, 12):
        graph.nodes["build_test_pack"][attrs.MAX_SERVICE_TIME] = bound
        costs[bound] = _solve(graph)[1].cost
    assert costs == pytest.approx({2: 18.8240, 5: 12.469, 8: 3.258, 12: 0.2326}, abs=5e-4)


def _problem_6_9_cases():
    known = load(SCENARIOS / "gsm_ss_problem_6_9.yaml").graph[attrs.KNOWN]
    yield pytest.param({}, known["optimal_cost"], known["optimal_outbound_service_times"], id="published")
    for name, variant in known["variants"].items():
        yield pytest.param(
            variant["max_service_time"], variant["optimal_cost"], variant["optimal_outbound_service_times"], id=name
        )


@pytest.mark.parametrize(("bounds", "cost", "service_times"), list(_problem_6_9_cases()))
def test_problem_6_9(bounds, cost, service_times):
    graph = load(SCENARIOS / "gsm_ss_problem_6_9.yaml")
    for node, bound in bounds.items():
        graph.nodes[node][attrs.MAX_SERVICE_TIME] = bound
    instance, result = _solve(graph)
    assert result.cost == pytest.approx(cost, rel=1e-10)
    assert result.service_times() == service_times
    _check_consistent(instance, result)


def test_problem_6_9_published_cost():
    assert _solve(load(SCENARIOS / "gsm_ss_problem_6_9.yaml"))[1].cost == pytest.approx(15.6495, abs=5e-5)


# --------------------------------------------------------------------------------------------------
# brute force on random trees


@pytest.mark.parametrize("seed", range(48))
def test_matches_brute_force_on_random_trees(seed):
    graph = random_gsm_graph(seed, 1 + seed % 7, tree=True)
    instance, result = _solve(graph)
    best, _ = brute_force_gsm(instance)
    assert result.cost == pytest.approx(best, rel=1e-9, abs=1e-12)
    _check_consistent(instance, result)


@settings(max_examples=25, deadline=None)
@given(gsm_graphs(tree=True))
def test_matches_brute_force_property(graph):
    instance, result = _solve(graph)
    assert result.cost == pytest.approx(brute_force_gsm(instance)[0], rel=1e-9, abs=1e-12)
    _check_consistent(instance, result)


def test_random_trees_cover_both_directions_and_forests():
    """The random trees used above include assembly and distribution stages and split forests."""
    assembly = distribution = forests = 0
    for seed in range(48):
        instance = gsm_instance(random_gsm_graph(seed, 1 + seed % 7, tree=True))
        assert instance.is_tree
        assembly += int(np.any(np.bincount(instance.edge_target, minlength=instance.num_stages) > 1))
        distribution += int(np.any(np.bincount(instance.edge_source, minlength=instance.num_stages) > 1))
        forests += int(instance.num_stages - len(instance.edge_source) > 1)
    assert assembly >= 5 and distribution >= 5 and forests >= 3


# --------------------------------------------------------------------------------------------------
# structure: forests, single stages, non-trees


def test_forest_costs_the_sum_of_its_trees():
    example = load(SCENARIOS / "gsm_ss_example_6_5.yaml")
    camera = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    both = nx.union(example, camera, rename=("a_", "c_"))
    _, separate_a = _solve(example)
    _, separate_c = _solve(camera)
    instance, result = _solve(both)
    assert result.cost == pytest.approx(separate_a.cost + separate_c.cost, rel=1e-12)
    times = result.service_times()
    assert {k[2:]: v for k, v in times.items() if k.startswith("a_")} == separate_a.service_times()
    assert {k[2:]: v for k, v in times.items() if k.startswith("c_")} == separate_c.service_times()
    _check_consistent(instance, result)


def test_single_stage():
    """One stage, T = 1, h = 1, z = 2, sigma = 1, quoting 0: cost 2 sqrt(1)."""
    graph = network(
        [{"id": "a", "processing_time": 1, "holding_cost": 1.0, "service_factor": 2.0, "max_service_time": 0,
          "demand": {"distribution": "normal", "mean": 5.0, "std": 1.0}, "shortage_cost": 9.0}],
        [],
    )
    _, result = _solve(graph)
    assert result.cost == pytest.approx(2.0)
    assert result.service_times() == {"a": 0}


def test_serial_line_all_or_nothing():
    """Serial line, value added downstream: holding stock only at the demand stage is optimal."""
    stages = [{"id": f"s{k}", "processing_time": 2, "holding_cost": float(k + 1), "service_factor": 1.0}
              for k in range(3)]
    stages[-1] |= {"max_service_time": 0, "demand": {"distribution": "normal", "mean": 5.0, "std": 1.0},
                   "shortage_cost": 9.0}
    graph = network(stages, [{"source": "s0", "target": "s1"}, {"source": "s1", "target": "s2", "lead_time": 1}])
    instance, result = _solve(graph)
    assert result.service_times() == {"s0": 2, "s1": 4, "s2": 0}
    assert result.cost == pytest.approx(3 * math.sqrt(7))
    _check_consistent(instance, result)


@pytest.mark.parametrize("seed", range(3))
def test_rejects_a_network_with_a_cycle(seed):
    graph = random_gsm_graph(seed, 5, tree=False)
    with pytest.raises(InputError, match="spanning tree") as info:
        gsm_tree_dp(gsm_instance(graph))
    assert "\n" not in str(info.value)


def test_rejects_a_diamond():
    graph = network(
        [{"id": n, "processing_time": 1, "holding_cost": 1.0, "service_factor": 1.0} for n in "abc"]
        + [{"id": "d", "processing_time": 1, "holding_cost": 1.0, "service_factor": 1.0, "max_service_time": 0,
            "demand": {"distribution": "normal", "mean": 5.0, "std": 1.0}, "shortage_cost": 9.0}],
        [{"source": "a", "target": "b"}, {"source": "a", "target": "c"},
         {"source": "b", "target": "d"}, {"source": "c", "target": "d"}],
        name="diamond",
    )
    graph.graph[attrs.TIME_CONVENTION] = timing.TEXTBOOK  # a is a stage (stage time 1), not an external supply
    with pytest.raises(InputError, match="'diamond'"):
        gsm_tree_dp(gsm_instance(graph))


# --------------------------------------------------------------------------------------------------
# scale: vectorized over the (S, SI) grid


def _long_chain(stages: int, total_time: int, seed: int) -> GSMInstance:
    """A directed serial line whose processing times add up to ``total_time``: the (S, SI) grids of the
    downstream stages are about total_time x total_time."""
    rng = np.random.default_rng(seed)
    sinks = np.zeros(stages, dtype=bool)
    sinks[-1] = True
    return GSMInstance(
        name="long_chain",
        stages=tuple(f"s{k}" for k in range(stages)),
        processing_time=rng.multinomial(total_time, np.full(stages, 1 / stages)),
        holding_cost=rng.uniform(0.1, 3.0, stages),
        safety_coefficient=rng.uniform(1.0, 10.0, stages),
        mean_demand=np.ones(stages),
        max_service_time=np.where(sinks, 5.0, np.inf),
        edge_source=np.arange(stages - 1),
        edge_target=np.arange(1, stages),
        edge_lead_time=np.zeros(stages - 1, dtype=np.int64),
        inbound_lower_bound=np.zeros(stages, dtype=np.int64),
    )


def test_two_thousand_stages():
    instance = _long_chain(2000, 300, seed=7)
    result = gsm_tree_dp(instance)
    assert result.seconds < 30  # about 0.3 s for ~1e8 grid cells; a per-value Python loop: minutes
    _check_consistent(instance, result)


def test_random_two_thousand_stage_tree():
    graph = random_gsm_graph(11, 2000, tree=True)
    for node in graph:
        graph.nodes[node][attrs.PROCESSING_TIME] *= 10
    instance, result = _solve(graph)
    assert result.seconds < 30
    _check_consistent(instance, result)


def test_linear_terms_of_the_core_recursion_are_accounted_for():
    """tree_dp_core with Lagrangian-style linear terms: its value is what its own (S, SI) cost, and no
    enumerated feasible point of a small tree does better."""
    import itertools

    from netinv.gsm.instance import gsm_instance
    from netinv.gsm.tree import tree_dp_core
    from tests.gsm.brute import random_gsm_graph

    rng = np.random.default_rng(5)
    for seed in range(5):
        instance = gsm_instance(random_gsm_graph(seed, 4, tree=True))
        if not instance.is_tree:
            continue
        a, b = rng.normal(0, 0.5, instance.num_stages), rng.normal(0, 0.5, instance.num_stages)
        value, S, SI = tree_dp_core(instance, a, b)
        tau = SI + instance.processing_time - S
        assert value == pytest.approx(instance.cost_coefficient @ np.sqrt(tau) + a @ S + b @ SI)
        si_up = instance.inbound_upper_bound()
        s_up = np.minimum(instance.max_service_time, si_up + instance.processing_time).astype(int)
        ranges = [range(0, s_up[j] + 1) for j in range(instance.num_stages)]
        ranges += [range(instance.inbound_lower_bound[j], si_up[j] + 1) for j in range(instance.num_stages)]
        best = np.inf
        for point in itertools.product(*ranges):
            s, si = np.array(point[:instance.num_stages]), np.array(point[instance.num_stages:])
            t = si + instance.processing_time - s
            if (t < 0).any() or (si[instance.edge_target] < s[instance.edge_source] + instance.edge_lead_time).any():
                continue
            best = min(best, instance.cost_coefficient @ np.sqrt(t) + a @ s + b @ si)
        assert value == pytest.approx(best, abs=1e-9)


# --------------------------------------------------------------------------------------------------
# ranges and min-marginals (Lagrangian domain reduction) against enumeration


@pytest.mark.parametrize("seed", range(16))
def test_ranges_and_min_marginals_match_enumeration(seed):
    """tree_dp_core within narrowed ranges, and tree_dp_marginals' least value for every value of S,
    SI and tau of every stage, equal full enumeration of the (S, SI) points (linear terms included);
    values no point takes are inf."""

    from netinv.gsm.tree import tree_dp_core, tree_dp_marginals

    rng = np.random.default_rng(seed)
    instance = gsm_instance(random_gsm_graph(seed, int(rng.integers(2, 6)), tree=True))
    n = instance.num_stages
    ranges = narrowed_ranges(instance, rng) if seed % 2 else StageRanges.of(instance)
    if ranges.size() > 250:
        pytest.skip("too many points to enumerate")
    a, b = rng.normal(0, 0.5, n), rng.normal(0, 0.5, n)
    value, S, SI = tree_dp_core(instance, a, b, ranges=ranges)
    marginals = tree_dp_marginals(instance, a, b, ranges=ranges)
    T = instance.processing_time
    best = np.inf
    by = [[{} for _ in range(n)] for _ in range(3)]  # S, SI, tau -> least value
    for v, s, si, tau in enumerate_placements(instance, ranges, a, b):
        best = min(best, v)
        for table, values in zip(by, (s, si, tau)):
            for j in range(n):
                table[j][values[j]] = min(table[j].get(values[j], np.inf), v)
    assert value == pytest.approx(best, abs=1e-9) if np.isfinite(best) else value == np.inf
    assert marginals.total == pytest.approx(best, abs=1e-9) if np.isfinite(best) else marginals.total == np.inf
    if not np.isfinite(best):
        return
    tau = SI + T - S
    assert instance.cost_coefficient @ np.sqrt(tau) + a @ S + b @ SI == pytest.approx(value, abs=1e-9)
    for table, arrays, first in zip(by, (marginals.by_service, marginals.by_inbound, marginals.by_net),
                                    (marginals.service_first, marginals.inbound_first, marginals.net_first)):
        for j in range(n):
            for v in range(len(arrays[j])):
                expected = table[j].get(first[j] + v, np.inf)
                assert arrays[j][v] == pytest.approx(expected, abs=1e-9) if np.isfinite(expected) else \
                    arrays[j][v] == np.inf


def test_a_grid_too_large_is_refused_before_it_is_allocated():
    """Six 10,000-period stages in a row (the schema allows them): the last stages' (S, SI) grids have
    some 1e9 pairs, 8 GB a table; refused naming the stage, the sizes and the limit."""
    from netinv.gsm.tree import MAX_GRID_CELLS
    from netinv.network import document_to_graph

    doc = {"name": "chain", "nodes": [{"id": f"s{k}", "holding_cost": 1, "processing_time": 10_000} for k in range(6)],
           "edges": [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(5)]}
    doc["nodes"][-1].update(demand={"distribution": "normal", "mean": 10, "std": 3}, shortage_cost=5, service_level=0.95)
    with pytest.raises(InputError, match=r"gsm: stage 's\d': \d+ outbound x \d+ inbound service times = .* pairs to "
                       rf"search, over the limit of {re.escape(f'{MAX_GRID_CELLS:.3g}')}"):
        gsm_tree_dp(gsm_instance(document_to_graph(doc)))

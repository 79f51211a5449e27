"""The stocking problem read from a network, and its demand samples: fields, edits, one-line errors, the
copula's correlation and marginals."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.errors import InputError, InvalidNetworkError
from netinv.network import load
from netinv.transship import sample_demand, transshipment_problem
from tests.transship.conftest import DATA, stores_network

NORMAL = {"distribution": "normal", "mean": 100, "std": 30}
POISSON = {"distribution": "poisson", "mean": 20}


def _problem(edges=((0, 1, 0.5), (1, 0, 0.7, 12)), demands=(NORMAL, POISSON)):
    return transshipment_problem(stores_network(list(demands), [1.0, 2.0], [4.0, 9.0], list(edges)))


def test_locations_costs_and_edges_are_read_from_the_network():
    problem = _problem()
    assert problem.locations == ("s0", "s1")
    assert problem.num_locations == 2 and problem.num_edges == 2
    np.testing.assert_array_equal(problem.holding_cost, [1.0, 2.0])
    np.testing.assert_array_equal(problem.shortage_cost, [4.0, 9.0])
    assert problem.edge_labels() == ["s0->s1", "s1->s0"]
    np.testing.assert_array_equal(problem.edge_source, [0, 1])  # indices of locations, not of nodes
    np.testing.assert_array_equal(problem.edge_target, [1, 0])
    np.testing.assert_array_equal(problem.unit_cost, [0.5, 0.7])
    np.testing.assert_array_equal(problem.capacity, [np.inf, 12.0])


def test_with_unit_costs_and_without_edges_leave_the_original_alone():
    problem = _problem()
    cheaper = problem.with_unit_costs(0.1)
    np.testing.assert_array_equal(cheaper.unit_cost, [0.1, 0.1])
    np.testing.assert_array_equal(problem.unit_cost, [0.5, 0.7])
    np.testing.assert_array_equal(problem.with_unit_costs([2.0, 3.0]).unit_cost, [2.0, 3.0])
    alone = problem.without_edges()
    assert alone.num_edges == 0 and alone.edge_labels() == [] and alone.locations == problem.locations
    np.testing.assert_array_equal(alone.holding_cost, problem.holding_cost)
    assert problem.num_edges == 2
    with pytest.raises(InvalidNetworkError, match="'s1' -> 's0': unit_cost must be a finite number >= 0, got -1"):
        problem.with_unit_costs([1.0, -1.0])


@pytest.mark.parametrize(("edges", "match"), [
    ([(0, 1, -0.5)], r"edge 's0' -> 's1': unit_cost: must be >= 0, got -0.5"),
    ([(0, 1, 1.0, -2.0)], r"edge 's0' -> 's1': capacity"),
])
def test_bad_edge_costs_are_one_line_errors(edges, match):
    with pytest.raises(InputError, match=match) as info:
        _problem(edges)
    assert "\n" not in str(info.value)


def test_correlated_normal_samples_have_the_asked_correlation_and_marginals():
    problem = _problem(demands=(NORMAL, NORMAL))
    demand = sample_demand(problem, 40_000, 5, correlation=0.6)
    assert demand.shape == (40_000, 2) and demand.dtype == np.float64
    assert np.corrcoef(demand.T)[0, 1] == pytest.approx(0.6, abs=0.02)
    assert demand.mean(axis=0) == pytest.approx([100, 100], rel=0.01)
    assert demand.std(axis=0) == pytest.approx([30, 30], rel=0.02)
    # the same correlation as a matrix draws the same samples
    matrix = np.array([[1.0, 0.6], [0.6, 1.0]])
    np.testing.assert_array_equal(sample_demand(problem, 1000, 5, correlation=matrix),
                                  sample_demand(problem, 1000, 5, correlation=0.6))


def test_copula_keeps_a_poisson_marginal():
    problem = _problem()
    demand = sample_demand(problem, 40_000, 2, correlation=0.5)
    poisson = demand[:, 1]
    assert np.all(poisson == np.rint(poisson)) and poisson.min() >= 0
    assert poisson.mean() == pytest.approx(20, rel=0.02)
    assert poisson.var() == pytest.approx(20, rel=0.05)


def test_independent_samples_are_reproducible_and_independent():
    problem = _problem(demands=(NORMAL, NORMAL))
    demand = sample_demand(problem, 20_000, 9)
    np.testing.assert_array_equal(demand, sample_demand(problem, 20_000, 9))
    assert abs(np.corrcoef(demand.T)[0, 1]) < 0.03
    assert demand.mean(axis=0) == pytest.approx([100, 100], rel=0.01)


@pytest.mark.parametrize(("samples", "correlation", "match"), [
    (0, None, r"samples must be an integer >= 1, got 0"),
    (True, None, r"samples must be an integer >= 1, got True"),
    (2.5, None, r"samples must be an integer >= 1, got 2.5"),
    (10, 1.0, r"correlation must be in \(-1, 1\), got 1.0"),
    (10, np.eye(3), r"correlation matrix must be 2 x 2 \(one row per location\), got \(3, 3\)"),
    (10, [[1.0, 0.5], [0.4, 1.0]], "must be symmetric with finite entries and a unit diagonal"),
    (10, [[2.0, 0.0], [0.0, 2.0]], "must be symmetric with finite entries and a unit diagonal"),
])
def test_bad_sample_arguments_are_one_line_errors(samples, correlation, match):
    with pytest.raises(InputError, match=match) as info:
        sample_demand(_problem(), samples, 0, correlation=correlation)
    assert "\n" not in str(info.value)


def test_a_matrix_that_is_not_positive_semidefinite_is_refused():
    problem = transshipment_problem(stores_network([NORMAL] * 3, [1] * 3, [4] * 3, []))
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    with pytest.raises(InputError, match="must be positive semi-definite"):
        sample_demand(problem, 10, 0, correlation=bad)


def test_bad_graph_built_in_python_is_caught_too():
    graph = stores_network([{"distribution": "poisson", "mean": 5}] * 2, [1, 1], [4, 4], [(0, 1, 0.5)])
    graph.edges["s0", "s1"]["unit_cost"] = -1.0  # past the loader
    with pytest.raises(InvalidNetworkError, match="edge 's0' -> 's1': unit_cost must be a finite number >= 0"):
        transshipment_problem(graph)
    graph.edges["s0", "s1"]["unit_cost"] = 1.0
    graph.nodes["s1"]["holding_cost"] = -2.0
    with pytest.raises(InvalidNetworkError, match="node 's1': holding_cost must be a finite number >= 0"):
        transshipment_problem(graph)


def test_edge_into_an_external_supply_is_named():
    graph = load(DATA / "two_stores.yaml")
    graph.add_edge("store_a", "supplier", kind="transshipment", unit_cost=0.1)
    with pytest.raises(InvalidNetworkError, match="'supplier' holds no stock \\(an external supply\\)"):
        transshipment_problem(graph)

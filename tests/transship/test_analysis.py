"""The planner's one call: its configuration checks, the JSON shape, and the value of transshipment ordered
and matching the newsvendor and the solver it calls."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.analytic.newsvendor import newsvendor
from netinv.demand.distributions import parse_demand
from netinv.errors import InputError
from netinv.transship import (
    TransshipConfig,
    analyze_transshipment,
    sample_demand,
    solve_stocking,
    transshipment_problem,
    transshipment_value,
)
from tests.transship.conftest import stores_network

POISSON = [{"distribution": "poisson", "mean": m} for m in (10, 12)]
HOLDING, SHORTAGE = [2.0, 1.0], [6.0, 4.0]


@pytest.fixture(scope="module")
def analysis():
    graph = stores_network(POISSON, HOLDING, SHORTAGE, [(0, 1, 0.5), (1, 0, 0.5)])
    return analyze_transshipment(graph, TransshipConfig(samples=400, out_of_sample=300, seed=3))


def test_json_keys_and_values_come_from_the_optimum(analysis):
    out = analysis.to_dict()
    assert set(out) == {"levels", "expected_cost", "stderr", "out_of_sample_cost", "transshipped", "value"}
    assert out["levels"] == analysis.optimum.levels and set(out["levels"]) == {"s0", "s1"}
    assert out["expected_cost"] == analysis.optimum.expected_cost == analysis.value.with_transshipment.expected_cost
    assert out["out_of_sample_cost"] == analysis.out_of_sample.expected_cost
    assert set(out["transshipped"]) == {"s0->s1", "s1->s0"}
    assert len(analysis.out_of_sample.sample_costs) == 300 and len(analysis.optimum.sample_costs) == 400
    assert out["value"] == {"independent": analysis.value.independent.expected_cost,
                            "with_transshipment": analysis.value.with_transshipment.expected_cost,
                            "full_pooling": analysis.value.full_pooling.expected_cost}


def test_value_of_transshipment_is_ordered(analysis):
    value = analysis.value.to_dict()
    assert value["full_pooling"] <= value["with_transshipment"] + 1e-9
    assert value["with_transshipment"] < value["independent"]  # cheap transshipment pays


def test_analysis_repeats_its_own_steps_on_the_same_samples(analysis):
    problem = analysis.problem
    in_seed, out_seed = np.random.SeedSequence(3).spawn(2)
    demand = sample_demand(problem, 400, in_seed)
    again = transshipment_value(problem, demand)
    assert again.to_dict() == pytest.approx(analysis.value.to_dict(), rel=1e-9)
    # the two methods of the sample-average LP agree
    extensive = transshipment_value(problem, demand, method="extensive")
    assert extensive.to_dict() == pytest.approx(analysis.value.to_dict(), rel=1e-6)


def test_independent_cost_is_the_sample_newsvendor():
    """Without edges each location is a newsvendor: with 5,000 Poisson samples (fractiles far from the cdf's
    steps) the levels are the exact critical-fractile quantiles."""
    problem = transshipment_problem(stores_network(POISSON, HOLDING, SHORTAGE, [(0, 1, 0.5)]))
    demand = sample_demand(problem, 5_000, 3)
    value = transshipment_value(problem, demand)
    for k, name in enumerate(problem.locations):
        exact = newsvendor(parse_demand(POISSON[k]), HOLDING[k], SHORTAGE[k]).level
        assert value.independent.levels[name] == pytest.approx(exact, abs=1e-6)
    alone = solve_stocking(problem.without_edges(), demand)
    assert value.independent.expected_cost == pytest.approx(alone.expected_cost, rel=1e-12)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"samples": 1}, r"samples must be an integer >= 2, got 1"),
    ({"samples": True}, r"samples must be an integer >= 2, got True"),
    ({"out_of_sample": 1.5}, r"out_of_sample must be an integer >= 2, got 1.5"),
])
def test_bad_config_is_a_one_line_error(kwargs, match):
    with pytest.raises(InputError, match=match) as info:
        TransshipConfig(**kwargs)
    assert "\n" not in str(info.value)

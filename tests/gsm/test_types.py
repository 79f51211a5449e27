"""The option and result types (netinv.gsm.types): gap_closed at HiGHS' resolution, a solution's
reported quantities, the combination of two runs."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.exact.highs import Status
from netinv.gsm.instance import gsm_instance
from netinv.gsm.types import MIP_RESOLUTION, GSMSolution, combine_solutions, gap_closed
from netinv.network import load
from tests.conftest import SCENARIOS
from tests.gsm.brute import solve_proven


def test_reported_stage_quantities_are_consistent():
    graph = load(SCENARIOS / "gsm_camera_fig_6_14.yaml")
    solution = solve_proven(graph)
    inst = solution.instance
    for j, stage in enumerate(inst.stages):
        row = solution.stages()[stage]
        assert row["net_time"] == row["inbound_service_time"] + inst.processing_time[j] - row["service_time"] >= 0
        assert row["safety_stock"] == pytest.approx(inst.safety_coefficient[j] * np.sqrt(row["net_time"]))
        assert row["base_stock"] == pytest.approx(inst.mean_demand[j] * row["net_time"] + row["safety_stock"])
    assert sum(r["safety_stock_value"] for r in solution.stages().values()) == pytest.approx(solution.cost)


@pytest.mark.parametrize("cost, bound, tolerance, closed", [
    (100.0, 100.0, 1e-7, True),
    (100.0, 100.0 - 0.9e-5, 1e-7, True),  # relative: 1e-7 x 100
    (100.0, 100.0 - 1.1e-5, 1e-7, False),
    (0.5, 0.5 - 0.9e-6, 1e-7, True),  # below a cost of 1 the tolerance is absolute, HiGHS' 1e-6 looser
    (0.5, 0.5 - 1.1e-6, 1e-7, False),
    (9.836, 9.836 - 1e-6 + 1e-12, 1e-9, True),  # the 4-stage network HiGHS reports at cost - 1e-6
    (1e9, 1e9 - 90.0, 1e-7, True),
    (1e9, 1e9 - 110.0, 1e-7, False),
    (100.0, 101.0, 1e-7, True),  # a bound above the cost proves it too
])
def test_gap_closed_at_the_tolerance_or_highs_resolution(cost, bound, tolerance, closed):
    assert MIP_RESOLUTION == 1e-6
    assert gap_closed(cost, bound, tolerance) is closed


def _run(instance, cost, bound, method, seconds, rounds) -> GSMSolution:
    zeros = np.zeros(instance.num_stages, dtype=np.int64)
    return GSMSolution(status=Status.TIME_LIMIT, cost=cost, bound=bound, method=method, instance=instance,
                       service_time=zeros, inbound_service_time=zeros, net_time=zeros, seconds={"total": seconds},
                       rounds=rounds)


def test_combining_two_runs_keeps_the_cheaper_placement_and_the_higher_bound():
    instance = gsm_instance(load(SCENARIOS / "gsm_ss_example_6_5.yaml"))
    a, b = _run(instance, 10.0, 7.0, "a", 1.0, 2), _run(instance, 9.0, 5.0, "b", 0.5, 3)
    both = combine_solutions(a, b, 1e-7)
    assert (both.cost, both.bound, both.method) == (9.0, 7.0, "b")
    assert not both.is_optimal and both.gap == pytest.approx(2 / 9)
    assert both.seconds == {"total": 1.5} and both.rounds == 5
    assert both.message == "best placement within 22.2% of optimal"
    proven = combine_solutions(a, _run(instance, 9.0, 9.0, "c", 0.0, 0), 1e-7)
    assert proven.is_optimal and proven.bound == 9.0 and proven.message == "" and proven.method == "c"


def test_a_solution_reports_its_stages_and_external_suppliers():
    solution = solve_proven(load(SCENARIOS / "gsm_ss_example_6_5.yaml"))
    out = solution.to_dict()
    assert set(out) == {"status", "cost", "bound", "gap", "method", "rounds", "stages", "levels", "seconds", "message"}
    assert set(out["levels"]) == set(solution.instance.stages)  # what `netinv simulate --levels` reads
    assert out["status"] == "optimal" and out["method"] == "milp" and out["gap"] == 0.0
    assert set(out["stages"]) == set(solution.instance.stages) | set(solution.instance.external)
    assert _run(solution.instance, 0.0, 0.0, "zero", 0.0, 0).gap == 0.0  # no division by a zero cost

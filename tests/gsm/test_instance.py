"""The guaranteed-service instance read from a network (netinv.gsm.instance) and the ranges of its
decisions, on a two-stage line with an external supplier whose numbers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from netinv import attrs, timing
from netinv.errors import InputError
from netinv.gsm.instance import GSMInstance, StageRanges, gsm_instance
from tests.conftest import network


def two_stage_line() -> GSMInstance:
    """ext -(L=1)-> a (T=2, h=1) -(L=1)-> b (T=3, h=2, demand sigma 2, z 1.5, quotes 0).

    k_b = z sigma = 3, and a takes b's factor: k_a = 1 x 1.5 x 2 = 3; cost coefficients h k = (3, 6).
    ext (no supplier, processing time 0) is left out: a's inbound service time is at least 1."""
    graph = network(
        [{"id": "ext", "holding_cost": 0.0},
         {"id": "a", "processing_time": 2, "holding_cost": 1.0},
         {"id": "b", "processing_time": 3, "holding_cost": 2.0, "service_factor": 1.5,
          "demand": {"distribution": "normal", "mean": 10.0, "std": 2.0}, "shortage_cost": 9.0}],
        [{"source": "ext", "target": "a", "lead_time": 1}, {"source": "a", "target": "b", "lead_time": 1}],
        name="line",
    )
    graph.graph[attrs.TIME_CONVENTION] = timing.TEXTBOOK  # the stage times above are the literature's
    return gsm_instance(graph)


def test_the_same_line_in_netinv_time_adds_the_review_period():
    """In netinv's own convention (netinv.timing) each stage's time is its processing time + 1: an item
    received in period t ships on in t + 1; the external supply still guarantees a its lead time."""
    graph = network(
        [{"id": "ext", "holding_cost": 0.0, "processing_time": 1},
         {"id": "a", "processing_time": 2, "holding_cost": 1.0},
         {"id": "b", "processing_time": 3, "holding_cost": 2.0, "service_factor": 1.5,
          "demand": {"distribution": "normal", "mean": 10.0, "std": 2.0}, "shortage_cost": 9.0}],
        [{"source": "ext", "target": "a", "lead_time": 1}, {"source": "a", "target": "b", "lead_time": 1}],
        name="line",
    )
    instance = gsm_instance(graph)
    assert instance.external == ("ext",)
    np.testing.assert_array_equal(instance.processing_time, [3, 4])
    np.testing.assert_array_equal(instance.inbound_lower_bound, [2, 0])  # lead time 1 + ext's processing time 1


def test_the_instance_of_a_two_stage_line():
    instance = two_stage_line()
    assert instance.name == "line" and instance.stages == ("a", "b") and instance.external == ("ext",)
    np.testing.assert_array_equal(instance.processing_time, [2, 3])
    np.testing.assert_allclose(instance.safety_coefficient, [3.0, 3.0])
    np.testing.assert_allclose(instance.cost_coefficient, [3.0, 6.0])
    np.testing.assert_allclose(instance.mean_demand, [10.0, 10.0])
    np.testing.assert_array_equal(instance.max_service_time, [np.inf, 0.0])
    np.testing.assert_array_equal(instance.inbound_lower_bound, [1, 0])
    assert (instance.edge_source.tolist(), instance.edge_target.tolist(), instance.edge_lead_time.tolist()) == \
        ([0], [1], [1])
    assert instance.is_tree and instance.suppliers() == [[], [0]]
    np.testing.assert_array_equal(instance.inbound_upper_bound(), [1, 4])  # b: 1 + T_a + L = 4


def test_evaluate_makes_inbound_times_tight_and_names_what_breaks():
    instance = two_stage_line()
    cost, SI, tau = instance.evaluate([3, 0])  # a quotes 3: b waits 4 and covers 7 periods
    np.testing.assert_array_equal(SI, [1, 4])
    np.testing.assert_array_equal(tau, [0, 7])
    assert cost == pytest.approx(6 * np.sqrt(7))
    cost, SI, tau = instance.evaluate([0, 0])
    assert cost == pytest.approx(3 * np.sqrt(3) + 6 * 2)
    assert instance.evaluate([0, 0], [1, 2])[2].tolist() == [3, 5]  # a looser inbound time is kept
    with pytest.raises(InputError, match="stage 'b': inbound service time 0 is below what its suppliers quote"):
        instance.evaluate([0, 0], [1, 0])
    with pytest.raises(InputError, match="stage 'b': service time 1 is infeasible"):
        instance.evaluate([0, 1])


def test_a_network_without_demand_is_rejected():
    graph = network([{"id": "a", "processing_time": 1, "holding_cost": 1.0}], [], name="idle")
    with pytest.raises(InputError, match="needs a demand node"):
        gsm_instance(graph)


def test_the_ranges_of_a_two_stage_line():
    ranges = StageRanges.of(two_stage_line())
    np.testing.assert_array_equal(ranges.service_low, [0, 0])
    np.testing.assert_array_equal(ranges.service_high, [3, 0])  # min(max service time, SI_high + T)
    np.testing.assert_array_equal(ranges.inbound_low, [1, 0])
    np.testing.assert_array_equal(ranges.inbound_high, [1, 4])
    np.testing.assert_array_equal(ranges.net_low, [0, 3])  # b: SI >= 0, T = 3, S = 0
    np.testing.assert_array_equal(ranges.net_high, [3, 7])
    assert not ranges.is_empty()
    assert ranges.size() == 4 * 1 + 1 * 5  # (S, SI) cells per stage


def test_ranges_intersect_tighten_and_empty():
    instance = two_stage_line()
    ranges = StageRanges.of(instance)
    narrow = StageRanges(*(np.array(v) for v in ([1, 0], [2, 0], [0, 0], [9, 2], [0, 0], [9, 9])))
    both = ranges.intersection(narrow)
    np.testing.assert_array_equal(both.service_low, [1, 0])
    np.testing.assert_array_equal(both.service_high, [2, 0])
    np.testing.assert_array_equal(both.inbound_high, [1, 2])
    np.testing.assert_array_equal(both.net_high, [3, 7])  # not tightened yet
    tight = both.tightened(instance.processing_time)
    np.testing.assert_array_equal(tight.net_low, [1, 3])  # a: 1 + 2 - 2
    np.testing.assert_array_equal(tight.net_high, [2, 5])  # a: 1 + 2 - 1; b: 2 + 3 - 0
    assert not tight.is_empty()
    none = ranges.intersection(StageRanges(*(np.array(v) for v in ([0, 0], [0, 0], [2, 0], [2, 4], [0, 0], [9, 9]))))
    assert none.is_empty() and none.size() == 0 + 5  # a has no inbound time left

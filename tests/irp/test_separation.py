"""Subtour and capacity cuts found by minimum cuts on hand-made support graphs."""

from __future__ import annotations

import numpy as np

from netinv.irp.separation import capacity_set, component_sets, separate_period, subtour_sets, support_graph


def test_an_integer_subtour_is_cut_and_a_route_is_not():
    # route 0-1-2-0 and a detached cycle 3-4-5
    x = {(0, 1): 1, (1, 2): 1, (0, 2): 1, (3, 4): 1, (4, 5): 1, (3, 5): 1}
    z = np.array([0, 1, 1, 1, 1, 1.0])
    q = np.array([0, 2, 2, 1, 1, 1.0])
    cuts = separate_period(2, x, z, q, capacity=10)
    # the subtour cut x(E(S)) = 3 <= z(S) - z_k = 2 (violated by 1), and the capacity cut: no route enters S
    # though it takes 3 units (3 <= 3 - 0.3, violated by 0.3)
    assert [(c.period, c.members, c.anchor, round(c.violation, 9)) for c in cuts] == [
        (2, frozenset({3, 4, 5}), 3, 1), (2, frozenset({3, 4, 5}), None, 0.3)]
    assert set(component_sets(support_graph(x))) == {frozenset({1, 2}), frozenset({3, 4, 5})}


def test_an_overloaded_route_gets_a_capacity_cut():
    x = {(0, 1): 1, (1, 2): 1, (0, 2): 1}  # one route carrying 7 + 6 > 10
    z = np.array([0, 1, 1.0])
    q = np.array([0, 7, 6.0])
    cuts = separate_period(1, x, z, q, capacity=10)
    assert [(c.members, c.anchor) for c in cuts] == [(frozenset({1, 2}), None)]
    assert abs(cuts[0].violation - (1 - 2 + 1.3)) < 1e-12  # x(E(S)) - z(S) + q(S)/Q
    assert separate_period(1, x, z, np.array([0, 5, 5.0]), capacity=10) == []  # exactly full: no cut


def test_fractional_subtour_found_by_minimum_cut_only():
    # triangle 1-2-3 at x = 0.9 joined to the supplier by 0.2 per customer (degrees 2 = 2 z_i): the
    # component is connected to 0, yet x(delta(S)) = 0.6 < 2 z_k = 2
    x = {(0, 1): 0.2, (0, 2): 0.2, (0, 3): 0.2, (1, 2): 0.9, (1, 3): 0.9, (2, 3): 0.9}
    z = np.array([0, 1.0, 1.0, 1.0])
    triangle = frozenset({1, 2, 3})
    assert component_sets(support_graph(x)) == [triangle]
    assert subtour_sets(support_graph(x), z) == [triangle] * 3
    cuts = separate_period(1, x, z, np.zeros(4), capacity=10)
    assert [(c.members, c.anchor, round(c.violation, 9)) for c in cuts] == [(triangle, 1, 0.7)]


def test_capacity_set_minimizes_cut_minus_load():
    # two single-customer routes (x_0i = 2) carrying 8 each with Q = 10: fine; a split 1-2 path with
    # x(delta) = 2 carrying 16: violated
    fine = support_graph({(0, 1): 2, (0, 2): 2})
    assert capacity_set(fine, np.array([0, 8, 8.0]), 10) == frozenset()
    joined = support_graph({(0, 1): 1, (1, 2): 1, (0, 2): 1})
    assert capacity_set(joined, np.array([0, 8, 8.0]), 10) == frozenset({1, 2})

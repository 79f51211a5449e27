"""netinv.network.compile: the arrays of a tiny network, entry by entry."""

from __future__ import annotations

import numpy as np

from netinv.network.compile import compile_network
from tests.network.helpers import tiny


def test_demand_nodes_come_last_and_edges_by_lead_time():
    a = compile_network(tiny())
    assert a.node_ids == ("supplier", "dc", "north", "south")
    assert a.node_ids[a.demand_slice] == ("north", "south")
    assert a.edge_keys == (("dc", "north"), ("dc", "south"), ("supplier", "dc"))
    np.testing.assert_array_equal(a.lead_time, [1, 2, 3])
    np.testing.assert_array_equal(a.edge_source, [1, 1, 0])
    np.testing.assert_array_equal(a.edge_target, [2, 3, 1])


def test_node_parameters_and_defaults():
    a = compile_network(tiny())
    np.testing.assert_array_equal(a.holding_cost, [0.0, 0.5, 1.0, 1.0])
    np.testing.assert_array_equal(a.backlog, [True, True, True, False])
    np.testing.assert_array_equal(a.unlimited, [True, False, False, False])
    np.testing.assert_array_equal(a.echelon, [3, 2, 1, 1])
    assert np.isinf(a.capacity).all() and (a.yield_ == 1.0).all()
    assert [spec.mean for spec in a.demand_specs] == [10.0, 4.0]


def test_transshipment_edges_are_apart():
    a = compile_network(tiny())
    assert a.trans_keys == (("north", "south"),)
    np.testing.assert_array_equal(a.trans_unit_cost, [0.5])
    assert a.num_edges == 3


def test_incidence_sums_per_node():
    a = compile_network(tiny())
    flows = np.array([1.0, 2.0, 4.0])  # per supply edge, in edge order
    np.testing.assert_array_equal(a.out_incidence() @ flows, [4.0, 3.0, 0.0, 0.0])
    np.testing.assert_array_equal(a.in_incidence() @ flows, [0.0, 4.0, 1.0, 2.0])

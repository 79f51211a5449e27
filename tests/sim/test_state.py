"""The simulator's state: the initial state and the inventory positions a policy reads."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.network.compile import compile_network
from netinv.sim import SimState
from tests.conftest import network


def _serial():
    return compile_network(network(
        [{"id": "plant"}, {"id": "dc", "initial_inventory": 7.0},
         {"id": "store", "initial_inventory": 3.0, "shortage_cost": 1.0, "demand": {"distribution": "poisson", "mean": 2}}],
        [{"source": "plant", "target": "dc", "lead_time": 2}, {"source": "dc", "target": "store", "lead_time": 1}],
    ))


def test_initial_state_has_the_initial_inventory_and_an_empty_pipeline():
    arrays = _serial()
    state = SimState.initial(arrays, 4, first_path=8, periods=30)
    assert state.paths == 4 and state.t == 0 and state.first_path == 8 and state.periods == 30
    assert state.on_hand.dtype == np.float32
    np.testing.assert_array_equal(state.on_hand[:, 0], arrays.initial_inventory)
    assert state.pipeline.shape == (3, arrays.num_edges, 4)  # deepest lead time 2: slots for now, +1, +2
    assert not state.owed.any() and not state.in_transit.any() and not state.backlog.any()
    state.owed[0] = 1.0
    assert not state.in_transit.any()  # separate buffers


def test_inventory_position_is_net_stock_plus_inbound():
    """dc: 7 on hand - 2 owed to the store + 5 in transit from the plant = 10;
    store: 3 on hand - 4 backordered + 2 owed by the dc = 1."""
    arrays = _serial()
    state = SimState.initial(arrays, 1)
    dc, store = arrays.index["dc"], arrays.index["store"]
    to_store = arrays.edge_index("dc", "store")
    to_dc = arrays.edge_index("plant", "dc")
    state.owed[to_store] = 2.0
    state.in_transit[to_dc] = 5.0
    state.backlog[store] = 4.0
    net = state.net_stock()
    assert net[dc, 0] == pytest.approx(5.0) and net[store, 0] == pytest.approx(-1.0)
    position = state.inventory_position()
    assert position[dc, 0] == pytest.approx(10.0)
    assert position[store, 0] == pytest.approx(1.0)


def test_orders_placed_this_period_count_against_their_source():
    """The store orders 4 this period (not yet owed): the dc's position drops from 7 + 5 = 12 to 8, its
    net stock from 7 to 3; the store's own position does not change (what it ordered is decided from it)."""
    arrays = _serial()
    state = SimState.initial(arrays, 1)
    dc, store = arrays.index["dc"], arrays.index["store"]
    state.in_transit[arrays.edge_index("plant", "dc")] = 5.0
    placed = np.zeros_like(state.owed)
    placed[arrays.edge_index("dc", "store")] = 4.0
    assert state.net_stock(placed)[dc, 0] == pytest.approx(3.0)
    position = state.inventory_position(placed=placed)
    assert position[dc, 0] == pytest.approx(8.0)
    assert position[store, 0] == pytest.approx(state.inventory_position()[store, 0]) == pytest.approx(3.0)
    assert not state.owed.any()  # the state is left as it was


def test_assembly_position_counts_complete_kits_only():
    arrays = compile_network(network(
        [{"id": "a"}, {"id": "b"}, {"id": "kit", "assembly": True},
         {"id": "store", "shortage_cost": 1.0, "demand": {"distribution": "poisson", "mean": 2}}],
        [{"source": "a", "target": "kit", "quantity": 2.0}, {"source": "b", "target": "kit"},
         {"source": "kit", "target": "store"}],
    ))
    state = SimState.initial(arrays, 1)
    state.in_transit[arrays.edge_index("a", "kit")] = 6.0  # 3 kits' worth of a
    state.components[arrays.edge_index("b", "kit")] = 2.0  # 2 kits' worth of b
    assert state.inventory_position()[arrays.index["kit"], 0] == pytest.approx(2.0)

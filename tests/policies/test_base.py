"""The policy interface: what makes an object a :class:`~netinv.policies.base.Policy`."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.network import load
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.policies import SS, DownstreamFirst, EchelonBaseStock, InstallationBaseStock, Policy
from netinv.policies.levels import best_levels
from netinv.policies.rolling import PlannedOrders, RollingHorizon, RollingHorizonConfig
from netinv.sim import SimConfig, SimState, simulate
from tests.conftest import SCENARIOS, network


class _Constant:
    """The smallest policy: the same order on every edge."""

    name = "constant"

    def prepare(self, arrays, paths):
        self.shape = (arrays.num_edges, paths)

    def orders(self, state):
        return np.full(self.shape, 2.0, dtype=np.float32)


class _NoPrepare:
    name = "no-prepare"

    def orders(self, state):
        return np.zeros((1, 1))


def test_a_class_with_name_prepare_and_orders_is_a_policy():
    assert isinstance(_Constant(), Policy)
    assert not isinstance(_NoPrepare(), Policy)
    assert not isinstance(object(), Policy)


def test_every_built_in_policy_is_a_policy():
    levels = {"a": 1.0}
    for policy in (InstallationBaseStock(levels), EchelonBaseStock(levels), SS(levels, levels),
                   RollingHorizon(RollingHorizonConfig(horizon=5)), PlannedOrders(np.zeros((2, 1)))):
        assert isinstance(policy, Policy), policy
        assert isinstance(policy.name, str) and policy.name


# --- a user's own order-up-to policy, written as the README's policy protocol says ---------------------


class _ReadmeOrderUpTo:
    """The README's example, verbatim: order up to ``levels[node]`` with :class:`DownstreamFirst`."""

    name = "my-order-up-to"

    def __init__(self, levels):
        self.levels = levels  # node id -> level

    def prepare(self, arrays, paths):
        self.target = np.array([self.levels.get(n, 0.0) for n in arrays.node_ids], dtype=np.float32)[:, None]
        self.downstream_first = DownstreamFirst(arrays)  # echelon 1 decides first

    def orders(self, state):
        def shortfall(position, nodes):  # position counts the orders placed below this period
            return np.maximum(self.target[nodes] - position, 0.0)

        return self.downstream_first.orders(state, shortfall)


class _NodeByNode(_ReadmeOrderUpTo):
    """The same policy without the helper: echelon by echelon, ``inventory_position(placed=...)``."""

    name = "node-by-node"

    def orders(self, state):
        arrays = state.arrays
        orders = np.zeros_like(state.owed)
        for nodes, _ in self.downstream_first.levels:
            nodes = nodes[arrays.primary_edge[nodes] >= 0]
            position = state.inventory_position(placed=orders)[nodes]
            edges = arrays.primary_edge[nodes]
            orders[edges] = np.maximum(self.target[nodes] - position, 0.0) * arrays.quantity[edges, None]
        return orders


class _Unaware(_ReadmeOrderUpTo):
    """Ignores this period's orders from below: every node orders from the state's position alone."""

    name = "unaware"

    def orders(self, state):
        arrays = state.arrays
        nodes = np.flatnonzero(arrays.primary_edge >= 0)
        edges = arrays.primary_edge[nodes]
        orders = np.zeros_like(state.owed)
        shortfall = np.maximum(self.target - state.inventory_position(), 0.0)
        orders[edges] = shortfall[nodes] * arrays.quantity[edges, None]
        return orders


def _planner_networks():
    return [("planner_weekly.yaml", load(SCENARIOS / "planner_weekly.yaml"))] + [
        (f"planner seed {seed}", generate("planner", 40, seed)) for seed in (1, 2)]


@pytest.mark.parametrize("case", range(3))
def test_a_user_order_up_to_costs_what_the_built_in_costs(case):
    """Same levels, same paths: the README's policy and the node-by-node one cost exactly what
    InstallationBaseStock costs on multi-echelon planner networks (3-4 echelons, two suppliers at some
    DCs); the policy that ignores this period's orders from below does not."""
    label, graph = _planner_networks()[case]
    arrays = compile_network(graph)
    assert arrays.num_echelons >= 3, label
    levels = best_levels(graph, "newsvendor").levels
    config = SimConfig(periods=60, paths=40, seed=3)
    built_in = simulate(arrays, InstallationBaseStock(levels), config).mean_cost
    for policy in (_ReadmeOrderUpTo(levels), _NodeByNode(levels)):
        assert simulate(arrays, policy, config).mean_cost == pytest.approx(built_in, rel=1e-6), (label, policy.name)
    assert simulate(arrays, _Unaware(levels), config).mean_cost != pytest.approx(built_in, rel=1e-3), label


def test_downstream_first_passes_this_periods_orders_upstream():
    """plant -> dc -> store, levels dc 10, store 6; store position 3 - 0 = 3 orders 3; the dc's
    position 7 counts them (7 - 3 = 4) and orders 6. Unaware of them it would order 3."""
    arrays = compile_network(network(
        [{"id": "plant"}, {"id": "dc", "initial_inventory": 7.0},
         {"id": "store", "initial_inventory": 3.0, "shortage_cost": 1.0,
          "demand": {"distribution": "poisson", "mean": 2}}],
        [{"source": "plant", "target": "dc", "lead_time": 2}, {"source": "dc", "target": "store", "lead_time": 1}],
    ))
    levels = {"dc": 10.0, "store": 6.0}
    state = SimState.initial(arrays, 1)
    to_dc, to_store = arrays.edge_index("plant", "dc"), arrays.edge_index("dc", "store")
    helper = DownstreamFirst(arrays)
    assert [arrays.node_ids[n] for nodes, _ in helper.levels for n in nodes] == ["store", "dc"]
    for policy in (_ReadmeOrderUpTo(levels), _NodeByNode(levels), InstallationBaseStock(levels)):
        policy.prepare(arrays, 1)
        orders = policy.orders(state)
        assert orders[to_store, 0] == pytest.approx(3.0) and orders[to_dc, 0] == pytest.approx(6.0), policy.name
    unaware = _Unaware(levels)
    unaware.prepare(arrays, 1)
    assert unaware.orders(state)[to_dc, 0] == pytest.approx(3.0)


def test_downstream_first_tops_up_every_component_of_an_assembly_node():
    """kit (level 5) has 3 kits of a inbound (6 units, 2 a per kit) and 1 of b: position 1, shortfall 4;
    a is topped up to 5 kits (2 kits = 4 units of a), b to 5 kits (4 units)."""
    arrays = compile_network(network(
        [{"id": "a"}, {"id": "b"}, {"id": "kit", "assembly": True},
         {"id": "store", "initial_inventory": 9.0, "shortage_cost": 1.0,
          "demand": {"distribution": "poisson", "mean": 2}}],
        [{"source": "a", "target": "kit", "quantity": 2.0}, {"source": "b", "target": "kit"},
         {"source": "kit", "target": "store"}],
    ))
    state = SimState.initial(arrays, 1)
    state.in_transit[arrays.edge_index("a", "kit")] = 6.0
    state.in_transit[arrays.edge_index("b", "kit")] = 1.0
    policy = _ReadmeOrderUpTo({"kit": 5.0, "store": 2.0})
    policy.prepare(arrays, 1)
    orders = policy.orders(state)
    assert orders[arrays.edge_index("kit", "store"), 0] == 0.0  # store: 9 on hand > 2
    assert orders[arrays.edge_index("a", "kit"), 0] == pytest.approx(4.0)
    assert orders[arrays.edge_index("b", "kit"), 0] == pytest.approx(4.0)

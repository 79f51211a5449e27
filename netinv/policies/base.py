"""The policy interface: state in, orders out.

A policy sees the simulator's :class:`~netinv.sim.state.SimState` at the start of a period and returns
the order placed on every supply edge, an array of shape (E, B) in units of the edge's source. The
simulator calls :meth:`Policy.prepare` once before the first period. Every policy, classic, exact or
learned, implements this, and one contract battery (:func:`netinv.policies.checks.check_policy`) runs
them all.

Orders pass upstream within a period: a DC's position counts the orders its stores place in the same
period. :class:`DownstreamFirst` is the helper the built-in installation policies decide with (node
by node, echelon 1 first); a user's policy uses it, or passes the orders decided so far to
:meth:`SimState.inventory_position(placed=...) <netinv.sim.state.SimState.inventory_position>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from netinv.network.compile import NetworkArrays
    from netinv.sim.state import SimState


@runtime_checkable
class Policy(Protocol):
    """Decides the orders of one period for all paths at once."""

    name: str

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        """Called once before a simulation; precompute whatever depends only on the network."""

    def orders(self, state: SimState) -> np.ndarray:
        """Orders per supply edge, shape (E, B), non-negative, in units of the edge's source."""


Shortfall = Callable[[np.ndarray, np.ndarray], np.ndarray]


class DownstreamFirst:
    """Decides orders node by node, downstream first, as the built-in installation policies do.

    Built once per network (in a policy's ``prepare``): ``DownstreamFirst(arrays)``. Each period,
    :meth:`orders` walks the echelons from 1 (the nodes with no customers inside the network) upwards.
    At each echelon it computes the installation inventory position of its nodes, *counting the orders
    the echelons below placed in this period* (a DC sees its stores' orders before it orders), asks
    ``shortfall(position, nodes)`` how many units each node wants, and places them:

    - a node with one or more substitute suppliers orders on its primary (cheapest) edge;
    - an assembly node orders on every component edge, topping each component up to
      ``position + shortfall`` kits (components already inbound count per edge).

    Orders are in units of the edge's source (the node's units times the edge ``quantity``).
    ``levels`` lists, downstream first, each echelon's ``(nodes, edges)`` that order: the nodes of the
    echelon and the supply edges into them.
    """

    def __init__(self, arrays: NetworkArrays):
        self.arrays = arrays
        edges = np.arange(arrays.num_edges)
        is_primary = arrays.primary_edge[arrays.edge_target] == edges
        self._plain_factor = (arrays.quantity * (is_primary & ~arrays.assembly[arrays.edge_target]))
        self._plain_factor = self._plain_factor.astype(np.float32)[:, None]
        self._quantity = arrays.quantity.astype(np.float32)[:, None]
        out_inc = arrays.out_incidence()
        self.levels: list[tuple[np.ndarray, np.ndarray]] = []
        self._steps = []
        row_of = np.full(arrays.num_nodes, -1, dtype=np.int64)
        for level in sorted({int(arrays.echelon[v]) for v in arrays.edge_target}):
            nodes = np.flatnonzero(arrays.echelon == level)
            row_of[nodes] = np.arange(nodes.size)
            level_edges = np.flatnonzero(arrays.echelon[arrays.edge_target] == level)
            # component edges of assembly nodes at this level, and the row of their node in `nodes`
            components = level_edges[arrays.assembly[arrays.edge_target[level_edges]]]
            self.levels.append((nodes, level_edges))
            rows = row_of[arrays.edge_target[components]]
            self._steps.append((nodes, level_edges, out_inc[nodes], components, rows))

    def orders(self, state: SimState, shortfall: Shortfall) -> np.ndarray:
        """(E, B) orders of this period. ``shortfall(position, nodes)`` gets the (len(nodes), B)
        inventory positions of one echelon's nodes (this period's orders from below counted) and
        returns the (len(nodes), B) units, >= 0, each node orders."""
        a = self.arrays
        net, inbound = state.net_stock(), state.edge_inbound()
        position = state.inventory_position(net, inbound)
        orders = np.zeros_like(state.owed)
        wanted = np.zeros_like(position)
        for nodes, edges, out_rows, components, rows in self._steps:
            new_out = out_rows @ orders  # customers' orders of this period
            here = position[nodes] - new_out
            wanted[nodes] = shortfall(here, nodes)
            orders[edges] = wanted[a.edge_target[edges]] * self._plain_factor[edges]
            if components.size:
                kit_target = here[rows] + wanted[a.edge_target[components]]
                component_position = net[a.edge_target[components]] - new_out[rows] + inbound[components]
                gap = np.maximum(kit_target - component_position, 0.0)
                orders[components] = gap * self._quantity[components]
        return orders

"""Classic stock policies: installation base-stock, echelon base-stock and (s, S).

Each node with a supplier orders, every period, the amount that brings its inventory position back
to its target. A node with several (substitute) suppliers orders from its *primary* supplier, the
cheapest edge into it; an assembly node orders every component, each up to the target kit count.
Orders are placed in units of the edge's source: the node's shortfall times the edge ``quantity``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from netinv.errors import InputError
from netinv.network.compile import NetworkArrays
from netinv.policies.base import DownstreamFirst
from netinv.sim.state import SimState


def _levels_array(arrays: NetworkArrays, levels: Mapping[str, float], what: str) -> np.ndarray:
    unknown = [n for n in levels if n not in arrays.index]
    if unknown:
        raise InputError(f"{what}: unknown node '{unknown[0]}'")
    out = np.zeros(arrays.num_nodes, dtype=np.float32)
    needs = np.zeros(arrays.num_nodes, dtype=bool)
    needs[arrays.edge_target] = True
    for node in np.flatnonzero(needs):
        node_id = arrays.node_ids[node]
        if node_id not in levels:
            raise InputError(f"{what}: no level for node '{node_id}' (every node with a supplier needs one)")
    for node_id, level in levels.items():
        value = float(level)
        if not np.isfinite(value):
            raise InputError(f"{what}: node '{node_id}': level must be a finite number, got {level!r}")
        out[arrays.index[node_id]] = value
    return out


class _NodeTargetPolicy:
    """Shared mechanics: per-node shortfall -> per-edge orders."""

    name = "policy"

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        self.arrays = arrays
        edges = np.arange(arrays.num_edges)
        is_primary = arrays.primary_edge[arrays.edge_target] == edges
        assembly_edge = arrays.assembly[arrays.edge_target]
        # echelon policies: non-assembly nodes order on their primary edge; assembly nodes on every component
        self._kit_factor = (arrays.quantity * (is_primary | assembly_edge)).astype(np.float32)[:, None]
        # installation policies pass orders upstream within the period (the public helper users share)
        self.downstream_first_ = DownstreamFirst(arrays)


class InstallationBaseStock(_NodeTargetPolicy):
    """Order up to ``levels[node]`` [S_j] of installation inventory position, every period.

    levels: node id -> base-stock level, for every node with a supplier.
    """

    name = "base-stock"

    def __init__(self, levels: Mapping[str, float]):
        self.levels = dict(levels)

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        super().prepare(arrays, paths)
        self.levels_ = _levels_array(arrays, self.levels, "base-stock levels")

    def orders(self, state: SimState) -> np.ndarray:
        levels = self.levels_[:, None]

        def shortfall(position, nodes):
            return np.maximum(levels[nodes] - position, 0.0)

        return self.downstream_first_.orders(state, shortfall)


class EchelonBaseStock(_NodeTargetPolicy):
    """Order up to ``levels[node]`` [S^e_j] of *echelon* inventory position, every period.

    The echelon of node j is j and every node downstream of it. Its inventory position is the stock
    on hand in the echelon, in transit inside it or into it, plus what j's suppliers owe j, minus the
    external backorders in the echelon (Clark & Scarf 1960; optimal for serial systems).
    """

    name = "echelon-base-stock"

    def __init__(self, levels: Mapping[str, float]):
        self.levels = dict(levels)

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        super().prepare(arrays, paths)
        self.levels_ = _levels_array(arrays, self.levels, "echelon base-stock levels")
        down = arrays.downstream(np.float32).tocsc()
        into = down[:, arrays.edge_target]  # edge enters the echelon of row i (or its inside)
        from_inside = down[:, arrays.edge_source]
        owed_counts = into - into.multiply(from_inside)  # enters from outside the echelon
        inv_q = sp.diags((1.0 / arrays.quantity).astype(np.float32))
        self._down = down.tocsr()
        self._transit = (into @ inv_q).tocsr()
        self._owed = (owed_counts @ inv_q).tocsr()

    def echelon_position(self, state: SimState) -> np.ndarray:
        local = state.on_hand - state.backlog
        return (
            self._down @ local
            + self._transit @ (state.in_transit + state.components)
            + self._owed @ state.owed
        )

    def orders(self, state: SimState) -> np.ndarray:
        shortfall = np.maximum(self.levels_[:, None] - self.echelon_position(state), 0.0)
        # a node's echelon shortfall, in kits: every component edge of an assembly node gets it
        return shortfall[self.arrays.edge_target] * self._kit_factor


class SS(_NodeTargetPolicy):
    """(s, S): when the installation inventory position is at or below ``reorder_points[node]`` [s],
    order up to ``order_up_to[node]`` [S]."""

    name = "s-S"

    def __init__(self, reorder_points: Mapping[str, float], order_up_to: Mapping[str, float]):
        self.reorder_points = dict(reorder_points)
        self.order_up_to = dict(order_up_to)

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        super().prepare(arrays, paths)
        self.s_ = _levels_array(arrays, self.reorder_points, "reorder points")
        self.S_ = _levels_array(arrays, self.order_up_to, "order-up-to levels")
        bad = np.flatnonzero(self.S_ < self.s_)
        if bad.size:
            raise InputError(f"(s, S): node '{arrays.node_ids[bad[0]]}': S must be >= s")

    def orders(self, state: SimState) -> np.ndarray:
        s, S = self.s_[:, None], self.S_[:, None]

        def shortfall(pos, nodes):
            return np.where(pos <= s[nodes], np.maximum(S[nodes] - pos, 0.0), 0.0).astype(np.float32)

        return self.downstream_first_.orders(state, shortfall)

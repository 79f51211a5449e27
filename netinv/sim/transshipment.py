"""Transshipment rules: what the simulator moves between stocking points after demand.

A rule is called in step 5 of every period (see :mod:`netinv.sim.simulator`) with the state after that
period's demand and returns the units to move on each transshipment edge, an array of shape (X, B)
(X transshipment edges of :class:`~netinv.network.compile.NetworkArrays`, B paths). The simulator cuts
the moves to what each sender has on hand and to the edge's ``capacity``, and books their cost.

:data:`TRANSSHIPMENT_RULES` names the rules a run can choose (``netinv simulate --transshipment``):
``none`` (no rule: nothing moves on transshipment edges) and ``cost-aware`` (:class:`CostAwareTransshipment`,
the default on a network with transshipment edges, see :func:`netinv.sim.run.choose_transshipment`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from netinv.errors import InputError
from netinv.sim.state import SimState

__all__ = ["TRANSSHIPMENT_RULES", "CostAwareTransshipment", "TransshipmentRule"]


class TransshipmentRule:
    """Hook applied after demand: returns units to move on each transshipment edge, shape (X, B)."""

    def shipments(self, state: SimState) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class CostAwareTransshipment(TransshipmentRule):
    """Move on-hand stock to backordered demand along transshipment edges where it pays.

    After demand, an edge i -> j with unit cost c_ij < h_i + p_j [holding cost of the sender plus
    shortage cost of the target] moves min(what i has on hand beyond ``keep[i]``, j's backorders not
    already on their way to j over transshipment edges) units. Edges are served in decreasing order of
    their saving h_i + p_j - c_ij; the loop runs over the X transshipment edges, each step over all paths
    at once.

    keep: units each sender keeps for its own customers (node id -> units; default 0 everywhere).
    """

    name = "cost_aware"

    def __init__(self, keep: dict[str, float] | None = None):
        self.keep = dict(keep or {})

    def shipments(self, state: SimState) -> np.ndarray:
        a = state.arrays
        src, dst = a.trans_source, a.trans_target
        saving = a.holding_cost[src] + a.shortage_cost[dst] - a.trans_unit_cost
        keep = np.zeros(a.num_nodes, dtype=np.float32)
        for node, units in self.keep.items():
            if node not in a.index:
                raise InputError(f"transshipment rule: keep names unknown node {node!r}")
            keep[a.index[node]] = units
        available = np.maximum(state.on_hand - keep[:, None], 0.0)
        need = state.backlog.copy()
        if state.transshipment_in_transit is not None:
            np.subtract.at(need, dst, state.transshipment_in_transit)
        moves = np.zeros((len(a.trans_keys), state.paths), dtype=np.float32)
        for x in np.argsort(-saving, kind="stable"):
            if saving[x] <= 0:
                break
            q = np.minimum(available[src[x]], need[dst[x]])
            np.maximum(q, 0.0, out=q)
            if np.isfinite(a.trans_capacity[x]):
                np.minimum(q, a.trans_capacity[x], out=q)
            moves[x] = q
            available[src[x]] -= q
            need[dst[x]] -= q
        return moves


TRANSSHIPMENT_RULES: dict[str, Callable[[], TransshipmentRule | None]] = {
    "none": lambda: None,
    "cost-aware": CostAwareTransshipment,
}
"""The transshipment rules by name: a factory of the rule (``none``: no rule)."""

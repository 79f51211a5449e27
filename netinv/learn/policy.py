"""The GNN as a simulator policy: features, one forward pass for all paths, feasible orders, and (on
request) what each node saw and aimed at: :class:`DecisionLog`."""

from __future__ import annotations

import threading

import numpy as np
import torch

from netinv.errors import InputError
from netinv.learn.features import (
    FORECAST_PERIODS,
    NetworkFeatures,
    network_features,
    select_paths,
    state_graph,
)
from netinv.learn.model import OrderGNN

ROWS_PER_PASS = 1 << 16


class DecisionLog:
    """What the policy saw and implied at each node that orders, summed over paths and periods.

    In period t, for node j with supply edges e = (i -> j) and the orders x_e the policy returns (units of
    the source i, after the model's feasibility layer; the simulator ships them in full):

    - ``position`` [IP_j]: the installation inventory position the model saw at the start of the period,
      :meth:`netinv.sim.state.SimState.inventory_position` (on hand - backorders - owed to customers +
      owed, in transit and unused components on the inbound edges, each divided by its ``quantity``);
    - ``target`` [S_j]: the implied order-up-to level, the position the orders bring it to,
      ``inventory_position`` with x_e / quantity_e added to each inbound edge: S_j - IP_j = sum_e x_e /
      quantity_e (at an assembly node the complete kits: the minimum over its component edges).

    Periods t >= ``start`` count (the simulator's warm-up is left out, as in its KPIs); every path and
    every simulation the policy runs add to the sums. :meth:`to_dict` gives per node the means over them
    (``target``, ``position``) and over the paths of the last period seen (``last_target``,
    ``last_position``). Safe to share between the simulator's block threads.
    """

    def __init__(self, arrays, start: int = 0):
        self.arrays = arrays
        # the rows logged: the nodes with a supply edge in
        self.nodes = np.flatnonzero(np.bincount(arrays.edge_target, minlength=arrays.num_nodes))
        self.start = start
        self.sums = np.zeros((2, self.nodes.size))  # target, position
        self.count = 0
        self.last_t = -1
        self.last_sums = np.zeros((2, self.nodes.size))
        self.last_count = 0
        self.lock = threading.Lock()

    def add(self, t: int, target: np.ndarray, position: np.ndarray) -> None:
        """Add period ``t``'s (N, B) targets and positions (every node; only ``nodes`` are kept)."""
        if t < self.start:
            return
        values = np.stack([target[self.nodes], position[self.nodes]]).astype(np.float64)
        sums = values.sum(axis=2)
        with self.lock:
            self.sums += sums
            self.count += values.shape[2]
            if t > self.last_t:
                self.last_t, self.last_sums[:], self.last_count = t, 0.0, 0
            if t == self.last_t:
                self.last_sums += sums
                self.last_count += values.shape[2]

    def to_dict(self) -> dict:
        """``{node: {"target", "position", "last_target", "last_position"}}`` (units of the node; empty
        when no period was logged)."""
        if not self.count:
            return {}
        mean = self.sums / self.count
        last = self.last_sums / max(self.last_count, 1)
        return {str(self.arrays.node_ids[j]): {
            "target": float(mean[0, k]), "position": float(mean[1, k]),
            "last_target": float(last[0, k]), "last_position": float(last[1, k]),
        } for k, j in enumerate(self.nodes)}


def implied_targets(state, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(target, position), each (N, B): the inventory position of every node at the start of the period
    and the one ``orders`` (E, B, units of each edge's source) bring it to (see :class:`DecisionLog`)."""
    net, inbound = state.net_stock(), state.edge_inbound()
    position = state.inventory_position(net=net, inbound=inbound)
    ordered = orders / state.arrays.quantity.astype(np.float32)[:, None]
    return state.inventory_position(net=net, inbound=inbound + ordered), position


class GNNPolicy:
    """Orders of an :class:`~netinv.learn.model.OrderGNN` (implements :class:`netinv.policies.base.Policy`).

    Each period the B paths of the simulator's state become one graph (x of shape (N, B, F)), one
    forward pass of the model serves them all (paths are a batch axis; in inference mode, float32), and
    its feasible orders (in units of each edge's scale) are returned in units of each edge's source, shape
    (E, B). The model is put in eval mode and never changed: the orders are a pure function of the state.

    model: the network.
    name: the policy's name in results.
    rows_per_pass: the paths go through the model in groups of about this many node rows (N x paths),
        so that its activations stay a few tens of MB: past that, time per path grows on a CPU.
    forecast: expected external demand for the ``forecast_k`` features instead of the demand
        distributions: a callable ``t -> (H, D)`` array (periods t, t+1, ...; every demand node) or a
        :class:`~netinv.demand.forecast.DemandForecast` (its mean path where it covers a node, the
        distribution's mean elsewhere; near its end the periods it still covers, the last repeated).
    explain_from: keep a :class:`DecisionLog` (``decisions_``) of the periods from this one on, over every
        simulation of one network (a :meth:`prepare` on another network starts a new one); None (the
        default): none kept.
    """

    def __init__(self, model: OrderGNN, *, name: str = "gnn", rows_per_pass: int = ROWS_PER_PASS, forecast=None,
                 explain_from: int | None = None):
        self.model = model
        self.name = name
        self.rows_per_pass = rows_per_pass
        self.forecast = forecast
        self.explain_from = explain_from
        self.decisions_: DecisionLog | None = None

    def prepare(self, arrays, paths: int) -> None:
        self.model.eval()
        self.network_: NetworkFeatures = network_features(arrays)
        self.edge_scale_ = self.network_.edge_scale.astype(np.float32)[:, None]
        self.paths_per_pass_ = max(1, self.rows_per_pass // max(arrays.num_nodes, 1))
        if self.explain_from is not None and (self.decisions_ is None or self.decisions_.arrays is not arrays):
            self.decisions_ = DecisionLog(arrays, start=self.explain_from)

    def expected_demand(self, t: int) -> np.ndarray | None:
        """(H, D) the forecast the features see in period ``t`` (None: the distributions' means)."""
        from netinv.demand.forecast import DemandForecast

        if self.forecast is None:
            return None
        if isinstance(self.forecast, DemandForecast):
            arrays = self.network_.arrays
            periods = min(FORECAST_PERIODS, self.forecast.periods - t)
            if periods < 1:
                raise InputError(f"forecast: covers periods 0..{self.forecast.periods - 1}, the policy is at "
                                 f"period {t}")
            return self.forecast.expected(arrays, t, periods)
        return self.forecast(t)

    def orders(self, state) -> np.ndarray:
        data = state_graph(self.network_, state, forecast=self.expected_demand(int(state.t)))
        step = self.paths_per_pass_
        with torch.inference_mode():
            if state.paths <= step:
                orders = self.model(data).numpy()
            else:
                orders = np.concatenate([self.model(select_paths(data, slice(lo, lo + step))).numpy()
                                         for lo in range(0, state.paths, step)], axis=1)
        out = orders * self.edge_scale_
        np.maximum(out, 0.0, out=out)
        if self.decisions_ is not None:
            self.decisions_.add(int(state.t), *implied_targets(state, out))
        return out

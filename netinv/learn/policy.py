"""The GNN as a simulator policy: features, one forward pass for all paths, feasible orders."""

from __future__ import annotations

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


class GNNPolicy:
    """Orders of an :class:`~netinv.learn.model.OrderGNN` (implements :class:`netinv.policies.base.Policy`).

    Each period the B paths of the simulator's state become one graph (x of shape (N, B, F)), the
    model runs without gradients in float32, and its feasible orders (in units of each edge's scale)
    are returned in units of each edge's source, shape (E, B). The model is put in eval mode and never
    changed: the orders are a pure function of the state.

    model: the network.
    name: the policy's name in results.
    rows_per_pass: the paths go through the model in groups of about this many node rows (N x paths),
        so that its activations stay a few tens of MB: past that, time per path grows on a CPU.
    forecast: expected external demand for the ``forecast_k`` features instead of the demand
        distributions: a callable ``t -> (H, D)`` array (periods t, t+1, ...; every demand node) or a
        :class:`~netinv.demand.forecast.DemandForecast` (its mean path where it covers a node, the
        distribution's mean elsewhere; near its end the periods it still covers, the last repeated).
    """

    def __init__(self, model: OrderGNN, *, name: str = "gnn", rows_per_pass: int = ROWS_PER_PASS, forecast=None):
        self.model = model
        self.name = name
        self.rows_per_pass = rows_per_pass
        self.forecast = forecast

    def prepare(self, arrays, paths: int) -> None:
        self.model.eval()
        self.network_: NetworkFeatures = network_features(arrays)
        self.edge_scale_ = self.network_.edge_scale.astype(np.float32)[:, None]
        self.paths_per_pass_ = max(1, self.rows_per_pass // max(arrays.num_nodes, 1))

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
        with torch.no_grad():
            if state.paths <= step:
                orders = self.model(data).numpy()
            else:
                orders = np.concatenate([self.model(select_paths(data, slice(lo, lo + step))).numpy()
                                         for lo in range(0, state.paths, step)], axis=1)
        out = orders * self.edge_scale_
        np.maximum(out, 0.0, out=out)
        return out

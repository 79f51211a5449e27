"""The GNN as a simulator policy: features, one forward pass for all paths, feasible orders."""

from __future__ import annotations

import numpy as np
import torch

from netinv.learn.features import NetworkFeatures, network_features, select_paths, state_graph
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
    """

    def __init__(self, model: OrderGNN, *, name: str = "gnn", rows_per_pass: int = ROWS_PER_PASS):
        self.model = model
        self.name = name
        self.rows_per_pass = rows_per_pass

    def prepare(self, arrays, paths: int) -> None:
        self.model.eval()
        self.network_: NetworkFeatures = network_features(arrays)
        self.edge_scale_ = self.network_.edge_scale.astype(np.float32)[:, None]
        self.paths_per_pass_ = max(1, self.rows_per_pass // max(arrays.num_nodes, 1))

    def orders(self, state) -> np.ndarray:
        data = state_graph(self.network_, state)
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

"""Training samples labelled by any simulator policy, in the form of the exact-teacher dataset.

:func:`policy_samples` simulates a policy (base-stock, (s, S), a trained GNN, ...) on a network and
records, every period and path, the state the policy saw as one graph of
:func:`netinv.learn.features.path_graphs` with the policy's orders as the label. It serves to train
and test the trainer against a policy whose orders are known exactly (no solver needed), and to
pre-train a GNN by imitating a classic policy.

The orders are made feasible (:func:`netinv.learn.feasibility.repair`: cut to edge capacity and to the
supplier's stock as the simulator would ship them) before they are recorded *and* before the simulator
sees them: the GNN's orders are always feasible, so it is trained on the policy it can express, on the
states that policy visits. Where nothing is cut it is the policy itself.

Each sample carries the fields of :mod:`netinv.learn.features` and

============ ======== ==================================================================================
y            (E,)     the policy's feasible orders divided by the edge scale [mu]: the units of the
                      model's output. Float32.
objective    (1,)     ``nan``: a simulated policy has no planning objective (the exact teacher's
                      samples carry the plan's objective here).
network      (1,)     the network id given by the caller (int64): the trainer splits by it.
period       (1,)     the period t of the state (int64).
round        (1,)     0 (the exact teacher's DAgger round).
============ ======== ==================================================================================
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data

from netinv.learn.feasibility import repair
from netinv.learn.features import network_features, path_graphs, state_graph
from netinv.network.compile import NetworkArrays
from netinv.sim import SimConfig, simulate


def policy_samples(arrays: NetworkArrays, policy, *, network: int, periods: int, paths: int, seed: int,
                   warmup: int = 0) -> list[Data]:
    """``periods - warmup`` x ``paths`` samples: the states ``policy`` visits on ``paths`` demand paths
    (demand seed ``seed``), from period ``warmup`` on, each labelled with the policy's orders (see the
    module docstring). Samples are ordered by period, then path."""
    recorder = _Recorder(policy, network=network, warmup=warmup)
    simulate(arrays, recorder, SimConfig(periods=periods, paths=paths, seed=seed, block_paths=paths))
    return recorder.samples


class _Recorder:
    """A policy that passes the orders of ``policy`` through and keeps each state and order as samples."""

    def __init__(self, policy, *, network: int, warmup: int):
        self.policy = policy
        self.name = getattr(policy, "name", "policy")
        self.network = network
        self.warmup = warmup
        self.samples: list[Data] = []

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        self.policy.prepare(arrays, paths)
        self.arrays_ = arrays
        self.features_ = network_features(arrays)
        self.edge_scale_ = self.features_.edge_scale.astype(np.float32)[:, None]

    def orders(self, state) -> np.ndarray:
        orders = repair(np.asarray(self.policy.orders(state), dtype=np.float32), state, self.arrays_)
        if state.t < self.warmup:
            return orders
        labels = torch.from_numpy(orders / self.edge_scale_)
        for path, graph in enumerate(path_graphs(state_graph(self.features_, state))):
            graph.owed = graph.owed.clone()  # with one path it may still view the simulator's state
            graph.y = labels[:, path].clone()
            graph.objective = torch.tensor([float("nan")], dtype=torch.float32)
            graph.network = torch.tensor([self.network], dtype=torch.int64)
            graph.period = torch.tensor([state.t], dtype=torch.int64)
            graph["round"] = torch.tensor([0], dtype=torch.int64)
            self.samples.append(graph)
        return orders

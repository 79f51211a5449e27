"""The order network: shapes, the two input forms agree, node order does not matter, feasible output."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch

from netinv.learn.features import path_graphs, state_graph
from netinv.learn.model import ModelConfig, OrderGNN
from netinv.network.compile import compile_network
from tests.learn.helpers import all_graphs, compile_both, move_state, random_state

GRAPHS = all_graphs()


def _model(seed=0, **config):
    torch.manual_seed(seed)
    return OrderGNN(ModelConfig(**config)).eval()


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_paths_axis_and_pyg_batch_agree(name):
    """x of shape (N, B, F) and a PyG Batch of B graphs (x of shape (B*N, F)) give the same orders."""
    arrays = compile_network(GRAPHS[name])
    data = state_graph(arrays, random_state(arrays, 3, seed=4))
    model = _model()
    with torch.no_grad():
        stacked = model(data)
        batched = model(Batch.from_data_list(path_graphs(data)))
        raw = model(data, feasible=False)
    assert tuple(stacked.shape) == (arrays.num_edges, 3)
    np.testing.assert_allclose(batched.numpy(), stacked.numpy().T.reshape(-1), rtol=1e-5, atol=1e-6)
    assert (raw >= 0).all() and (stacked <= raw + 1e-6).all()


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_relabelled_nodes_permute_the_orders(name):
    a, b, node_map, edge_map = compile_both(GRAPHS[name], seed=3)
    state = random_state(a, 2, seed=8)
    model = _model(seed=1, hidden=16, layers=2)
    with torch.no_grad():
        first = model(state_graph(a, state)).numpy()
        second = model(state_graph(b, move_state(state, b, node_map, edge_map))).numpy()
    np.testing.assert_allclose(second[edge_map], first, rtol=1e-4, atol=1e-5)


def test_orders_are_differentiable_end_to_end():
    arrays = compile_network(GRAPHS["distribution-30"])
    data = state_graph(arrays, random_state(arrays, 2, seed=0))
    model = _model(hidden=8, layers=1).train()
    model(data).sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_state_dict_round_trips_without_pickle(tmp_path):
    model = _model(hidden=8, layers=2)
    torch.save(model.state_dict(), tmp_path / "m.pt")
    other = _model(seed=5, hidden=8, layers=2)
    other.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))
    arrays = compile_network(GRAPHS["retail_network.yaml"])
    data = state_graph(arrays, random_state(arrays, 1, seed=0))
    with torch.no_grad():
        np.testing.assert_array_equal(model(data).numpy(), other(data).numpy())

"""Networks and states shared by the learning tests."""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from netinv.network import load
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.sim import SimState
from tests.conftest import SCENARIOS

SCENARIO_FILES = ["retail_network.yaml", "perez2021_network.yaml"]
GENERATED = [("serial", 6, 1), ("assembly", 12, 2), ("distribution", 30, 3), ("general", 25, 4)]


def scenario_graph(name: str) -> nx.DiGraph:
    return load(SCENARIOS / name)


def generated_graph(kind: str, nodes: int, seed: int) -> nx.DiGraph:
    return generate(kind, nodes, seed)


def all_graphs() -> dict[str, nx.DiGraph]:
    graphs = {name: scenario_graph(name) for name in SCENARIO_FILES}
    graphs.update({f"{kind}-{nodes}": generated_graph(kind, nodes, seed) for kind, nodes, seed in GENERATED})
    return graphs


def shuffled(graph: nx.DiGraph, seed: int) -> tuple[nx.DiGraph, dict[str, str]]:
    """The same network with its nodes renamed by a random permutation of the names and inserted, with
    the edges, in a random order (so that compiling it numbers nodes and edges differently)."""
    rng = np.random.default_rng(seed)
    names = list(graph.nodes)
    rename = dict(zip(names, [names[k] for k in rng.permutation(len(names))]))
    out = nx.DiGraph()
    out.graph.update(graph.graph)
    for k in rng.permutation(len(names)):
        out.add_node(rename[names[k]], **graph.nodes[names[k]])
    edges = list(graph.edges(data=True))
    for k in rng.permutation(len(edges)):
        u, v, data = edges[k]
        out.add_edge(rename[u], rename[v], **data)
    return out, rename


def random_state(arrays, paths: int, seed: int, t: int = 3) -> SimState:
    """A state mid-simulation: stock, backorders, owed orders, a pipeline and components at random."""
    rng = np.random.default_rng(seed)
    s = SimState.initial(arrays, paths)
    s.t = t
    scale = 20.0
    s.on_hand[:] = rng.uniform(0, 3 * scale, s.on_hand.shape)
    s.backlog[arrays.demand_slice] = rng.uniform(0, scale, (arrays.num_demand_nodes, paths)) * (
        rng.random((arrays.num_demand_nodes, paths)) < 0.5)
    s.owed[:] = rng.uniform(0, scale, s.owed.shape) * (rng.random(s.owed.shape) < 0.3)
    s.pipeline[:] = rng.uniform(0, scale, s.pipeline.shape) * (rng.random(s.pipeline.shape) < 0.3)
    s.in_transit[:] = s.pipeline.sum(axis=0)
    s.components[:] = rng.uniform(0, scale, s.components.shape) * arrays.assembly[arrays.edge_target][:, None]
    return s


def compile_both(graph: nx.DiGraph, seed: int):
    """(arrays, shuffled arrays, node map, edge map): map[k] = index in the shuffled compilation of
    node / edge k of the original."""
    other_graph, rename = shuffled(graph, seed)
    a, b = compile_network(graph), compile_network(other_graph)
    node_map = np.array([b.index[rename[n]] for n in a.node_ids])
    edge_pos = {key: k for k, key in enumerate(b.edge_keys)}
    edge_map = np.array([edge_pos[(rename[u], rename[v])] for u, v in a.edge_keys])
    return a, b, node_map, edge_map


def move_state(state: SimState, other_arrays, node_map: np.ndarray, edge_map: np.ndarray) -> SimState:
    """``state`` renumbered by node_map / edge_map into ``other_arrays``."""
    out = SimState.initial(other_arrays, state.paths)
    out.t = state.t
    out.on_hand[node_map] = state.on_hand
    out.backlog[node_map] = state.backlog
    out.owed[edge_map] = state.owed
    out.in_transit[edge_map] = state.in_transit
    out.components[edge_map] = state.components
    out.pipeline[:, edge_map] = state.pipeline
    return out


# the reference dataset (the session fixture ``reference`` of conftest.py): 4 networks of 5-8 nodes, one per
# shard, 3 periods x 2 paths: 24 samples, a few seconds
ARGS = {"networks": 4, "nodes": (5, 8), "seed": 1000}
OPTIONS = {"periods": 3, "paths": 2, "networks_per_shard": 1}
SHARDS = [f"round0-shard{k:05d}.pt" for k in range(4)]


def shard_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in SHARDS}


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message and message
    return message


def run_cli(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    """Run ``netinv ARGS`` in this process as the console script does: (exit code, stdout, stderr). For the
    cases of a command whose real subprocess is tested once elsewhere (a subprocess imports torch again:
    seconds each)."""
    from netinv.cli import main

    monkeypatch.setattr(sys, "argv", ["netinv", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err

"""The exact-solution dataset: sample format, teacher labels, resume, backends, DAgger, bad folders."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from netinv.errors import InputError
from netinv.learn.dataset import (
    MANIFEST,
    DatasetConfig,
    NetinvDataset,
    dataset_generate_command,
    generate_dataset,
    network_id,
    network_run,
    parse_nodes,
)
from netinv.learn.features import EDGE_FEATURES, NODE_FEATURES, network_features, path_graphs, state_graph
from netinv.learn.model import ModelConfig, OrderGNN
from netinv.learn.policy import GNNPolicy
from netinv.learn.teacher import Recorder, make_teacher
from netinv.network.compile import compile_network
from netinv.sim import SimConfig, SimState, simulate
from tests.conftest import restore_sigint
from tests.learn.helpers import ARGS, OPTIONS, SHARDS, one_line, shard_bytes

ROOT = Path(__file__).resolve().parents[2]
CONFIG = DatasetConfig(**ARGS, **OPTIONS)


def untrained_model(seed: int = 0) -> OrderGNN:
    torch.manual_seed(seed)
    return OrderGNN(ModelConfig(hidden=16, layers=2))


# --------------------------------------------------------------------------------------------------
# format


def test_samples_have_the_path_graph_fields_and_the_label_fields(reference):
    data = NetinvDataset(reference)
    assert len(data) == CONFIG.networks * CONFIG.periods * CONFIG.paths
    run = network_run(CONFIG, 0)
    arrays = compile_network(run.graph)
    expected_keys = set(path_graphs(state_graph(network_features(arrays), SimState.initial(arrays, 1)))[0].keys())
    seen = set()
    for sample in data:
        n, e = sample.num_nodes, sample.edge_index.shape[1]
        assert expected_keys | {"y", "objective", "network", "period", "round"} == set(sample.keys())
        assert sample.x.shape == (n, len(NODE_FEATURES)) and sample.edge_attr.shape == (e, len(EDGE_FEATURES))
        assert sample.y.shape == (e,) and sample.y.dtype == torch.float32 and bool((sample.y >= 0).all())
        assert sample.objective.shape == (1,) and sample.objective.dtype == torch.float32
        for key in ("network", "period", "round"):
            assert sample[key].shape == (1,) and sample[key].dtype == torch.int64
        assert int(sample.round) == 0
        seen.add((int(sample.network), int(sample.period)))
    assert seen == {(network_id(1000, i), t) for i in range(CONFIG.networks) for t in range(CONFIG.periods)}
    manifest = json.loads((reference / MANIFEST).read_text())
    run = manifest["rounds"]["0"]
    assert run["complete"] and run["samples"] == len(data) and run["parameters"] == CONFIG.parameters()
    assert sorted(run["shards"]) == SHARDS and manifest["netinv_version"]


def test_shards_load_with_weights_only(reference):
    payload = torch.load(reference / SHARDS[0], weights_only=True)
    assert payload["format"] == "netinv-samples" and payload["round"] == 0 and payload["shard"] == 0


@pytest.mark.parametrize("index", range(CONFIG.networks))
def test_labels_are_the_teachers_orders_on_the_recorded_states(reference, index):
    """Re-simulate a network, keep each period's state, and ask a fresh teacher for each path's orders one
    path at a time: they are the recorded labels, and the recorded features are the state's."""
    samples = [s for s in NetinvDataset(reference) if int(s.network) == network_id(1000, index)]
    check_teacher_labels(samples, network_run(CONFIG, index), CONFIG)


def test_both_kinds_of_episode_are_recorded(reference):
    """Endless episodes keep ``periods_left`` at 1; finite ones count it down to the last period."""
    ends = [network_run(CONFIG, i).episode_periods for i in range(CONFIG.networks)]
    assert None in ends and CONFIG.periods in ends
    column = NODE_FEATURES.index("periods_left")
    for sample in NetinvDataset(reference):
        end = ends[int(sample.network) - network_id(1000, 0)]
        left = 1.0 if end is None else min(end - int(sample.period), 20) / 20
        assert torch.all(sample.x[:, column] == left)


def check_teacher_labels(samples, run, config, learner=None) -> None:
    states = replay_states(run, config, learner)
    arrays = states[0].arrays
    teacher = make_teacher(arrays, run.teacher, periods=run.episode_periods)
    teacher.prepare(arrays, 1)
    net = network_features(arrays)
    assert len(samples) == len(states) * config.paths
    for k, sample in enumerate(samples):  # period by period, paths in order
        state = one_path(states[int(sample.period)], k % config.paths, run.episode_periods)
        orders = teacher.orders(state)[:, 0]
        np.testing.assert_allclose(sample.y.numpy() * sample.edge_scale.numpy(), orders, rtol=1e-5, atol=1e-4)
        objective = teacher.last_objectives[0] / (net.cost_scale * net.demand_scale)
        assert float(sample.objective) == pytest.approx(objective, rel=1e-5)
        graph = path_graphs(state_graph(net, state))[0]
        torch.testing.assert_close(sample.x, graph.x)
        torch.testing.assert_close(sample.edge_attr, graph.edge_attr)


class StateTap:
    """A policy wrapper that keeps a copy of every state it sees."""

    def __init__(self, policy):
        self.policy, self.name, self.states = policy, "tap", []

    def prepare(self, arrays, paths):
        self.policy.prepare(arrays, paths)

    def orders(self, state):
        self.states.append(one_path(state, slice(None)))
        return self.policy.orders(state)


def replay_states(run, config, learner=None) -> list[SimState]:
    """The states of ``run`` under the same recorder the dataset used (same seeds, same driver)."""
    arrays = compile_network(run.graph)
    recorder = Recorder(make_teacher(arrays, run.teacher, periods=run.episode_periods), learner=learner,
                        beta=config.beta, seed=run.mixing_seed, network_id=run.network_id, round=config.round,
                        periods=run.episode_periods)
    tap = StateTap(recorder)
    simulate(arrays, tap, SimConfig(periods=config.periods, paths=config.paths, seed=run.demand_seed,
                                    block_paths=config.paths))
    return tap.states


STATE_ARRAYS = ("on_hand", "backlog", "owed", "in_transit", "components", "pipeline")


def one_path(state: SimState, b: int | slice, periods: int | None = None) -> SimState:
    """A copy of ``state`` with path ``b`` only (or the paths of slice ``b``), in an episode of ``periods``."""
    paths = b if isinstance(b, slice) else slice(b, b + 1)
    return SimState(state.arrays, state.t, *(getattr(state, key)[..., paths].copy() for key in STATE_ARRAYS),
                    periods=periods)


# --------------------------------------------------------------------------------------------------
# resume, determinism, backends


def test_rerun_with_the_same_arguments_skips_every_shard(reference, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(reference, out)
    before = {name: (out / name).stat().st_mtime_ns for name in SHARDS}
    result = generate_dataset(out, **ARGS, workers=1, **OPTIONS)
    assert result["shards_made"] == 0 and result["shards_done"] == CONFIG.shards
    assert {name: (out / name).stat().st_mtime_ns for name in SHARDS} == before


def test_a_shard_missing_from_the_manifest_is_taken_and_a_deleted_one_is_made_again(reference, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(reference, out)
    manifest = json.loads((out / MANIFEST).read_text())
    del manifest["rounds"]["0"]["shards"][SHARDS[1]]  # written, then killed before the manifest was updated
    (out / MANIFEST).write_text(json.dumps(manifest))
    (out / SHARDS[2]).unlink()
    result = generate_dataset(out, **ARGS, workers=1, **OPTIONS)
    assert result["shards_made"] == 1
    assert shard_bytes(out) == shard_bytes(reference)
    assert json.loads((out / MANIFEST).read_text())["rounds"]["0"]["samples"] == 24


def test_other_arguments_into_the_same_folder_are_one_line_errors(reference, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(reference, out)
    with pytest.raises(InputError) as exc:
        generate_dataset(out, **{**ARGS, "seed": 1001}, workers=1, **OPTIONS)
    assert "seed: 1000 there, 1001 now" in one_line(exc)
    with pytest.raises(InputError) as exc:
        generate_dataset(out, **ARGS, workers=1, **{**OPTIONS, "periods": 4})
    assert "periods" in one_line(exc)
    # a round written by a netinv that computed other features is not resumed into (shards would mix)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["rounds"]["0"]["parameters"]["features"] = "27 node, 24 edge, 00000000"
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(InputError) as exc:
        generate_dataset(out, **ARGS, workers=1, **OPTIONS)
    assert "features: '27 node, 24 edge, 00000000' there" in one_line(exc)


def test_interrupted_generation_resumes_to_the_uninterrupted_result(reference, tmp_path):
    """A real process: SIGINT once its first shard is on disk, then a rerun; the shards are those of the
    uninterrupted run, byte for byte."""
    out = tmp_path / "data"
    code = ("import json, sys; from netinv.learn.dataset import generate_dataset; "
            "r = generate_dataset(sys.argv[1], networks=4, nodes=(5, 8), seed=1000, workers=1, periods=3, "
            "paths=2, networks_per_shard=1); print(json.dumps(r))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=restore_sigint)
    deadline = time.monotonic() + 300
    while not (out / SHARDS[0]).exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    first = json.loads(stdout.strip().splitlines()[-1])
    assert first["interrupted"] and first["shards_done"] < CONFIG.shards
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    again = generate_dataset(out, **ARGS, workers=1, **OPTIONS)
    assert again["shards_made"] == CONFIG.shards - first["shards_done"] and not again["interrupted"]
    assert shard_bytes(out) == shard_bytes(reference)


# --------------------------------------------------------------------------------------------------
# DAgger


def test_dagger_labels_learner_visited_states_with_the_teachers_orders(reference, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(reference, out)
    model = untrained_model()
    args = {**ARGS, "networks": 2}
    generate_dataset(out, **args, workers=1, **OPTIONS, model=model, beta=0.0, round=1)
    both = NetinvDataset(out)
    round1 = NetinvDataset(out, rounds=[1])
    round0 = NetinvDataset(out, rounds=[0])
    assert len(both) == len(round0) + len(round1) and len(round1) == 2 * CONFIG.periods * CONFIG.paths
    assert {int(s.round) for s in round1} == {1}
    config = replace(CONFIG, networks=2, round=1, beta=0.0, model="x")
    net = network_id(1000, 0)
    learned = [s for s in round1 if int(s.network) == net]
    taught = [s for s in round0 if int(s.network) == net]
    # the same network and demand: period 0 is the same state, later the learner has moved elsewhere
    torch.testing.assert_close(learned[0].x, taught[0].x)
    assert any(not torch.equal(a.x, b.x) for a, b in zip(learned, taught) if int(a.period) > 0)
    # and the labels are the teacher's decisions on the learner's states
    check_teacher_labels(learned, network_run(config, 0), config, learner=GNNPolicy(model))


def test_dagger_with_beta_one_executes_the_teacher(reference, tmp_path):
    """beta = 1: every path executes the teacher's orders, so the learner's round is round 0 again."""
    out = tmp_path / "data"
    generate_dataset(out, **{**ARGS, "networks": 1}, workers=1, **OPTIONS, model=untrained_model(), beta=1.0,
                     round=2)
    mixed = NetinvDataset(out)
    taught = [s for s in NetinvDataset(reference) if int(s.network) == network_id(1000, 0)]
    assert len(mixed) == len(taught)
    for a, b in zip(mixed, taught):
        assert int(a.round) == 2
        for key in ("x", "edge_attr", "y", "objective", "period"):
            torch.testing.assert_close(a[key], b[key])


# --------------------------------------------------------------------------------------------------
# bad input


def test_foreign_files_and_missing_manifests_are_one_line_errors(reference, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(reference, out)
    (out / "notes.txt").write_text("hello")
    with pytest.raises(InputError) as exc:
        NetinvDataset(out)
    assert "notes.txt" in one_line(exc)
    (out / "notes.txt").unlink()
    torch.save({"format": "netinv-samples", "format_version": 1}, out / "round7-shard00000.pt")
    with pytest.raises(InputError) as exc:
        NetinvDataset(out)
    assert "round7-shard00000.pt" in one_line(exc)
    (out / "round7-shard00000.pt").unlink()
    (out / MANIFEST).unlink()
    with pytest.raises(InputError) as exc:
        NetinvDataset(out)
    assert MANIFEST in one_line(exc)
    with pytest.raises(InputError) as exc:  # files but no manifest: not a folder to write into
        generate_dataset(out, **ARGS, workers=1, **OPTIONS)
    one_line(exc)
    with pytest.raises(InputError) as exc:
        NetinvDataset(tmp_path / "nowhere")
    one_line(exc)


def test_bad_arguments_are_one_line_errors(tmp_path):
    cases = [
        ({"seed": 999}, "reserved for held-out"),
        ({"backend": "spark"}, "backend"),
        ({"address": "ray://x:1"}, "--address needs --backend ray"),
        ({"beta": 1.5}, "beta"),
        ({"workers": 0}, "workers"),
        ({"nodes": (9, 5)}, "nodes"),
    ]
    for change, text in cases:
        with pytest.raises(InputError) as exc:
            generate_dataset(tmp_path / "x", **{**ARGS, **OPTIONS, "workers": 1, **change})
        assert text in one_line(exc)
    assert not (tmp_path / "x").exists()
    with pytest.raises(InputError) as exc:
        dataset_generate_command(tmp_path / "x", 2, beta=0.5)
    assert "--beta needs --model" in one_line(exc)
    assert parse_nodes("5-30") == (5, 30) and parse_nodes("12") == (12, 12)
    for text in ("30-5", "five", "1-3"):
        with pytest.raises(InputError):
            parse_nodes(text)


def test_a_network_the_teacher_cannot_plan_is_left_out_and_listed(reference, tmp_path, monkeypatch):
    import netinv.learn.dataset as dataset
    from netinv.errors import SolverError

    original = dataset.record_network

    def failing(run, config, learner=None):
        if run.index in (1, 2):
            raise SolverError(f"planning model of {run.info['name']!r} is infeasible")
        return original(run, config, learner)

    monkeypatch.setattr(dataset, "record_network", failing)
    out = tmp_path / "data"
    result = generate_dataset(out, **ARGS, workers=1, **OPTIONS)
    assert result["networks_failed"] == 2 and result["samples"] == 2 * CONFIG.periods * CONFIG.paths
    shards = json.loads((out / MANIFEST).read_text())["rounds"]["0"]["shards"]
    assert "infeasible" in shards[SHARDS[1]]["networks"][0]["error"] and shards[SHARDS[1]]["samples"] == 0
    kept = NetinvDataset(out)
    assert {int(s.network) for s in kept} == {network_id(1000, 0), network_id(1000, 3)}
    assert shard_bytes(out)[SHARDS[0]] == shard_bytes(reference)[SHARDS[0]]

"""Adapting a GNN policy to one network (netinv.learn.adapt, ``netinv adapt``, ``evaluate --adapt-steps``):
the score it keeps is the simulator's profit on paths of the network's own demand model, it is never
below the parent's, it resumes exactly, and bad input is one line."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from netinv.demand.distributions import DemandSampler
from netinv.errors import InputError, TrainingInterrupted
from netinv.learn.adapt import ADAPT_STREAM, AdaptConfig, adapt, adapt_file, parse_config
from netinv.learn.checkpoint import load_card, load_model
from netinv.learn.evaluate import EvaluateConfig, demand_paths, evaluate, tables
from netinv.learn.policy import GNNPolicy
from netinv.network import save
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.sim.simulator import SimConfig, simulate
from tests.learn.helpers import run_cli

TINY = AdaptConfig(steps=4, lr=1e-2, periods=8, paths=3, validation_paths=6, eval_every=2, save_every=1)


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-c", "from netinv.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def network_file(tmp_path):
    path = tmp_path / "dist8.yaml"
    save(generate("distribution", 8, 2), path)
    return path


def simulated(arrays, model, demand) -> float:
    periods, _, paths = demand.shape
    result = simulate(arrays, GNNPolicy(model), SimConfig(periods=periods, paths=paths, block_paths=paths),
                      demand=demand)
    return float(np.mean(result.path_profits) * periods)


def test_the_kept_score_is_the_simulators_profit_on_the_validation_paths_and_beats_the_parent(parent):
    graph = generate("distribution", 8, 2)
    arrays = compile_network(graph)
    model = load_model(parent)
    config = dataclasses.replace(TINY, steps=8)
    threads = torch.get_num_threads()
    result = adapt(model, graph, dataclasses.replace(config, threads=1 if threads > 1 else 2))
    # the validation sample is the network's own demand model, drawn from the documented stream
    demand = np.ascontiguousarray(DemandSampler(arrays.demand_specs, seed=[ADAPT_STREAM, config.seed, 2])
                                  .draw(0, config.periods, config.validation_paths))
    before, after = simulated(arrays, model, demand), simulated(arrays, result["model"], demand)
    # two independent computations of one number: the twin's score and the simulator's profit
    assert result["validation"]["parent"] == pytest.approx(before, rel=1e-4)
    assert result["validation"]["best"] == pytest.approx(after, rel=1e-4)
    assert result["best_step"] > 0 and after > before  # an untrained parent is easy to beat
    assert torch.get_num_threads() == threads  # the caller's setting is restored
    # the parent is left as it was
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), load_model(parent).state_dict().values()))


def test_the_parent_is_kept_when_no_step_beats_it(parent):
    graph = generate("distribution", 8, 2)
    model = load_model(parent)
    # steps so large they ruin the policy: the best of the validations is the parent itself
    result = adapt(model, graph, dataclasses.replace(TINY, lr=50.0, grad_clip=1e6))
    scores = [h["validation"] for h in result["history"] if h["validation"] is not None]
    assert scores and max(scores) < 0 < result["validation"]["parent"]  # every step scored below the parent
    assert result["best_step"] == 0 and result["validation"]["best"] == result["validation"]["parent"]
    a, b = result["model"].state_dict(), model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_its_paths_are_never_those_evaluate_judges_on():
    arrays = compile_network(generate("distribution", 8, 2))
    mine = DemandSampler(arrays.demand_specs, seed=[ADAPT_STREAM, 0, 2]).draw(0, 8, 6)
    for seed in range(0, 7919 * 12, 7919):
        assert not np.allclose(mine, demand_paths(arrays, 8, 6, seed))


def test_resume_after_interrupt_equals_an_uninterrupted_run(parent, network_file, tmp_path):
    whole = adapt_file(parent, network_file, tmp_path / "whole.pt", TINY)

    def interrupt(metrics, steps):
        if metrics.step == 2:
            os.kill(os.getpid(), signal.SIGINT)  # caught: the run stops before step 3, keeping steps 1-2

    cut = tmp_path / "cut.pt"
    with pytest.raises(TrainingInterrupted, match="after step 2 of 4"):
        adapt_file(parent, network_file, cut, TINY, progress=interrupt)
    assert cut.with_name("cut.pt.partial").exists() and not cut.exists()
    with pytest.raises(InputError, match="other data, model or settings"):
        adapt_file(parent, network_file, cut, dataclasses.replace(TINY, lr=1e-3))
    resumed = adapt_file(parent, network_file, cut, TINY)
    assert resumed["resumed_from"] == 2 and not cut.with_name("cut.pt.partial").exists()
    a, b = load_model(tmp_path / "whole.pt").state_dict(), load_model(cut).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h["loss"] for h in resumed["history"]] == [h["loss"] for h in whole["history"]]


def test_card_and_its_retrain_command_through_the_cli(parent, network_file, tmp_path):
    first = tmp_path / "first.pt"
    adapt_file(parent, network_file, first, TINY)
    card = load_card(first)
    assert card["data"]["network"]["file"] == str(network_file)
    assert len(card["data"]["network"]["sha256"]) == 64 and card["data"]["parent"]["checkpoint"] == str(parent)
    assert card["metrics"]["best_validation_profit"] >= card["metrics"]["parent_validation_profit"]
    words = shlex.split(card["retrain"])
    assert words[:3] == ["netinv", "adapt", str(network_file)]
    words[words.index("--out") + 1] = str(tmp_path / "again.pt")
    done = cli(*words[1:], "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["best_step"] == card["metrics"]["best_step"]
    a, b = load_model(first).state_dict(), load_model(tmp_path / "again.pt").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_simulate_says_when_a_model_was_adapted_to_another_network(parent, network_file, tmp_path, capsys,
                                                                  monkeypatch):
    """The network it was adapted to in a real process, another one in this process (the same main())."""
    adapted = tmp_path / "adapted.pt"
    adapt_file(parent, network_file, adapted, dataclasses.replace(TINY, steps=2))
    other = tmp_path / "other.yaml"
    save(generate("serial", 4, 1), other)
    for file, warned in ((network_file, False), (other, True)):
        args = ("simulate", str(file), "--policy", "gnn", "--model", str(adapted), "--periods", "4", "--paths", "2",
                "--json")
        if warned:
            code, stdout, stderr = run_cli(capsys, monkeypatch, *args)
        else:
            done = cli(*args)
            code, stdout, stderr = done.returncode, done.stdout, done.stderr
        assert code == 0, stderr
        assert json.loads(stdout)["model"] == str(adapted)
        assert (f"warning: {adapted} was adapted to {network_file}, not to {other}" in stderr) == warned
        assert stderr.count("\n") <= 1


def test_bad_input_is_one_line_and_writes_nothing(parent, network_file, tmp_path, capsys, monkeypatch):
    """The first case in a real process (the console script's exit code and stderr), the others in this
    one (the same main())."""
    out = tmp_path / "x.pt"
    for k, (args, message) in enumerate([
        ((str(tmp_path / "nope.yaml"), "--model", str(parent)), f"error: {tmp_path / 'nope.yaml'}: file not found"),
        ((str(network_file), "--model", str(tmp_path / "none.pt")), f"error: {tmp_path / 'none.pt'}: no such checkpoint"),
        ((str(network_file), "--model", str(parent), "--steps=0"), "error: adapt: steps must be an integer >= 1, got 0"),
        ((str(network_file), "--model", str(parent), "--lr=fast"), "error: adapt: lr: cannot read 'fast'"),
    ]):
        if k == 0:
            done = cli("adapt", *args, "--out", str(out))
            code, stderr = done.returncode, done.stderr
        else:
            code, _, stderr = run_cli(capsys, monkeypatch, "adapt", *args, "--out", str(out))
        assert code == 2 and stderr.strip() == message, stderr
        assert "Traceback" not in stderr and not list(tmp_path.glob("x.*"))
    code, _, stderr = run_cli(capsys, monkeypatch, "adapt", str(network_file), "--out", str(out), "--stepz=3")
    assert code == 2 and stderr.startswith("error: adapt: unknown setting --stepz; known: steps, seed")
    with pytest.raises(InputError, match="adapt: unknown setting 'truncate'"):
        parse_config({"truncate": "5"})
    assert parse_config({"steps": "7", "lr": "0.01", "threads": "none"}) == AdaptConfig(steps=7, lr=0.01, threads=None)


def test_evaluate_runs_the_adapted_policy_beside_the_trained_one(parent, tmp_path):
    config = EvaluateConfig(suites=("held-out",), held_out=1, nodes=(5, 7), periods=6, paths=3, adapt_steps=2)
    result = evaluate(parent, tmp_path / "eval", config)
    (row,) = result.rows["held-out"]
    profits = row["mean_profit"]
    assert set(profits) == {"gnn", "gnn_adapted", "teacher", "oracle", "base_stock"}
    assert profits["gnn_adapted"] <= profits["oracle"] + 1e-6 * abs(profits["oracle"])
    assert row["gap_adapted_to_teacher"] == pytest.approx((profits["teacher"] - profits["gnn_adapted"])
                                                          / abs(profits["teacher"]))
    assert row["adapt_seconds"] > 0
    assert result.summary()["held_out_mean_gap_adapted_to_teacher"] == row["gap_adapted_to_teacher"]
    assert "GNN adapted" in tables(result) and "adapted gap to teacher" in tables(result)
    # a run without adaptation keeps the results file's identity of before adaptation existed
    plain = dataclasses.asdict(dataclasses.replace(config, adapt_steps=0))
    assert "adapt_steps" in plain
    from netinv.learn.evaluate import config_key

    assert "adapt_steps" not in config_key(dataclasses.replace(config, adapt_steps=0))
    assert config_key(config)["adapt_steps"] == 2


def test_every_setting_is_listed_in_the_commands_help():
    from netinv.learn.adapt import SETTINGS

    done = cli("adapt", "--help")
    text = " ".join(done.stdout.replace("│", " ").split())
    assert done.returncode == 0
    for name in SETTINGS:
        assert name.replace("_", "-") in text, name

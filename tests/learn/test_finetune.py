"""Fine-tuning through the twin: it raises the profit the simulator measures, resumes exactly, and
leaves a complete model card."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal

import numpy as np
import pytest
import torch

from netinv.demand.distributions import DemandSampler
from netinv.errors import InputError, TrainingInterrupted
from netinv.learn.checkpoint import load_card, load_model
from netinv.learn.diffsim import DiffSim, TwinFeatures
from netinv.learn.finetune import (
    FinetuneConfig,
    TwinNetwork,
    finetune,
    finetune_command,
    normalized_profit,
    parse_config,
    step_networks,
    validate,
    validation_networks,
    with_priority_head,
)
from netinv.learn.model import ModelConfig, OrderGNN
from netinv.learn.policy import GNNPolicy
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.sim.simulator import SimConfig, simulate
from tests.learn.helpers import run_cli

PERIODS = 10


def tiny_config(**changes) -> FinetuneConfig:
    base = dict(steps=4, lr=3e-3, periods=PERIODS, small_per_step=1, small_nodes=(5, 8), small_paths=2,
                large_per_step=1, large_nodes=(30, 40), large_paths=1, validation_networks=1, validation_large=0,
                validation_paths=2, eval_every=2, save_every=1)
    base.update(changes)
    return FinetuneConfig(**base)


def simulated_profit(arrays, model, demand: np.ndarray) -> np.ndarray:
    periods, _, paths = demand.shape
    result = simulate(arrays, GNNPolicy(model), SimConfig(periods=periods, paths=paths, block_paths=paths),
                      demand=demand)
    return result.path_profits * periods


def test_a_few_steps_raise_the_profit_the_simulator_measures():
    arrays = compile_network(generate("distribution", 8, 2))
    demand = np.ascontiguousarray(DemandSampler(arrays.demand_specs, seed=3).draw(0, PERIODS, 4))
    features = TwinFeatures(arrays)
    scale = float(features.network.cost_scale * features.network.demand_scale * PERIODS)
    network = TwinNetwork("tiny", {"nodes": arrays.num_nodes}, DiffSim(arrays), features, torch.from_numpy(demand), scale)
    torch.manual_seed(1)
    model = OrderGNN(ModelConfig(hidden=16, layers=2))
    with torch.no_grad():
        before_twin = float(normalized_profit(model.eval(), network, PERIODS)[0])
    before_sim = simulated_profit(arrays, model, demand)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(8):
        model.train()
        optimizer.zero_grad()
        (-normalized_profit(model, network, PERIODS)[0]).backward()
        optimizer.step()
    with torch.no_grad():
        after_twin = float(normalized_profit(model.eval(), network, PERIODS)[0])
    after_sim = simulated_profit(arrays, model, demand)
    assert after_twin > before_twin
    # the simulator, the judge, agrees: on the same paths the mean profit went up, by the twin's amount
    assert after_sim.mean() > before_sim.mean()
    np.testing.assert_allclose(after_sim.mean() / scale, after_twin, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(before_sim.mean() / scale, before_twin, rtol=1e-4, atol=1e-5)


def test_the_priority_head_starts_from_the_parents_orders_and_the_twin_still_equals_the_simulator(parent, tmp_path):
    """Added at equal priorities, the rationing head changes no order (a general network whose nodes start
    short, so that rationing happens); fine-tuned with it, the model keeps the head, its priorities have
    moved, and the twin's profit still equals the simulator's."""
    arrays = compile_network(generate("general", 18, 1))
    demand = np.ascontiguousarray(DemandSampler(arrays.demand_specs, seed=3).draw(0, PERIODS, 4))
    old = load_model(parent)
    new = with_priority_head(old).eval()
    np.testing.assert_array_equal(simulated_profit(arrays, new, demand), simulated_profit(arrays, old, demand))
    shuffled = with_priority_head(old).eval()
    torch.manual_seed(5)
    for p in shuffled.priority.out.parameters():
        torch.nn.init.normal_(p)
    # not vacuous: other priorities ship other orders on this network
    assert not np.allclose(simulated_profit(arrays, shuffled, demand), simulated_profit(arrays, old, demand))
    out = tmp_path / "rationing.pt"
    finetune(parent, out, tiny_config(priority=True))
    tuned = load_model(out)
    assert tuned.config.priority and load_card(out)["retrain"].count("--priority=True") == 1
    assert any(p.abs().sum() > 0 for p in tuned.priority.out.parameters())
    features = TwinFeatures(arrays)
    scale = float(features.network.cost_scale * features.network.demand_scale * PERIODS)
    network = TwinNetwork("general", {"nodes": arrays.num_nodes}, DiffSim(arrays), features, torch.from_numpy(demand),
                       scale)
    with torch.no_grad():
        twin = float(normalized_profit(tuned, network, PERIODS)[0])
    np.testing.assert_allclose(simulated_profit(arrays, tuned, demand).mean() / scale, twin, rtol=1e-4, atol=1e-5)


def test_training_networks_use_training_seeds_and_are_reproducible():
    config = tiny_config()
    first, again = step_networks(config, 3), step_networks(config, 3)
    assert [n.name for n in first] == [n.name for n in again]
    assert all(torch.equal(a.demand, b.demand) for a, b in zip(first, again))
    assert all(n.info["seed"] >= 1000 for n in first)
    assert 30 <= first[-1].info["nodes"] <= 40
    with pytest.raises(InputError, match="network_seed must be >= 1000"):
        FinetuneConfig(network_seed=7)



@pytest.mark.parametrize("settings, message", [
    ({"large_nodes": (5, 10**8)}, "large_nodes must be a range 2 <= low <= high <= 200,000"),
    ({"threads": 0}, "threads must be an integer from 1 to 1024"),
])
def test_sizes_and_threads_are_bounded_before_anything_runs(settings, message):
    with pytest.raises(InputError, match=message):
        FinetuneConfig(**settings)


def test_card_fields(parent, tmp_path):
    out = tmp_path / "tuned.pt"
    result = finetune(parent, out, tiny_config())
    card = load_card(out)
    assert card["data"]["parent"]["sha256"] == hashlib.sha256(parent.read_bytes()).hexdigest()
    assert card["data"]["training_networks"]["seed"] >= 1000
    assert card["data"]["training_networks"]["networks"] == 8
    assert card["configuration"]["steps"] == 4 and card["configuration"]["optimizer"]["name"] == "Adam"
    history = card["metrics"]["history"]
    assert [h["step"] for h in history] == [1, 2, 3, 4]
    assert all(np.isfinite(h["loss"]) and np.isfinite(h["grad_norm"]) for h in history)
    assert [h["validation"] is not None for h in history] == [False, True, False, True]
    assert card["metrics"]["best_validation_profit"] >= card["metrics"]["parent_validation_profit"]
    assert card["versions"]["netinv"] and card["retrain"].startswith("netinv finetune --model")
    assert card["checkpoint"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert result["steps_run"] == 4 and not out.with_name(out.name + ".partial").exists()
    load_model(out)  # loads with weights_only


def test_resume_after_interrupt_equals_an_uninterrupted_run(parent, tmp_path):
    config = tiny_config(eval_every=1)
    whole = finetune(parent, tmp_path / "whole.pt", config)

    def interrupt(metrics, steps):
        if metrics.step == 2:
            os.kill(os.getpid(), signal.SIGINT)  # caught: the run stops before step 3, keeping steps 1-2

    cut = tmp_path / "cut.pt"
    with pytest.raises(TrainingInterrupted, match="after step 2 of 4"):
        finetune(parent, cut, config, progress=interrupt)
    assert cut.with_name("cut.pt.partial").exists() and not cut.exists()
    resumed = finetune(parent, cut, config)
    assert resumed["resumed_from"] == 2
    a, b = load_model(tmp_path / "whole.pt").state_dict(), load_model(cut).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h["loss"] for h in resumed["history"]] == [h["loss"] for h in whole["history"]]
    assert resumed["best_step"] == whole["best_step"]


def test_resume_refuses_other_settings(parent, tmp_path):
    out = tmp_path / "m.pt"

    def interrupt(metrics, steps):
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted):
        finetune(parent, out, tiny_config(), progress=interrupt)
    with pytest.raises(InputError, match="other data, model or settings"):
        finetune(parent, out, tiny_config(lr=1e-3))


def test_retrain_command_reads_back_as_the_same_configuration():
    import shlex

    from netinv.learn.finetune import finetune_command, parse_config

    config = tiny_config(holding_log10=(-1.5, 0.0), large_kinds=("general",), truncate=5)
    words = shlex.split(finetune_command("models/a.pt", "models/b.pt", config))
    assert words[:6] == ["netinv", "finetune", "--model", "models/a.pt", "--out", "models/b.pt"]
    options = dict(word[2:].split("=", 1) for word in words[6:])
    assert parse_config(options) == config
    assert parse_config({"large-nodes": "50-1000"}).large_nodes == (50, 1000)
    with pytest.raises(InputError, match="steps: cannot read"):
        parse_config({"steps": "many"})
    with pytest.raises(InputError, match="unknown setting"):
        parse_config({"epochs": "3"})


def test_the_cards_retrain_command_through_the_cli_gives_the_same_weights(parent, tmp_path, capsys, monkeypatch):
    """`netinv finetune` (the command the card records, in a real process) reproduces a fine-tuning done in
    Python; a bad setting is one line (the same main(), in this process)."""
    import shlex
    import subprocess
    import sys

    first = tmp_path / "first.pt"
    finetune(parent, first, tiny_config(holding_log10=(-0.5, 0.0)))
    words = shlex.split(load_card(first)["retrain"])
    assert words[:2] == ["netinv", "finetune"]
    words[words.index("--out") + 1] = str(tmp_path / "again.pt")
    done = subprocess.run([sys.executable, "-c", "from netinv.cli import main; main()", *words[1:], "--json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    a, b = load_model(first).state_dict(), load_model(tmp_path / "again.pt").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    code, _, stderr = run_cli(capsys, monkeypatch, "finetune", "--model", str(parent), "--out", str(tmp_path / "x.pt"),
                              "--steps=many")
    assert code == 2 and stderr.strip() == "error: finetune: steps: cannot read 'many'"


def test_perez_like_networks_join_steps_and_validation_with_their_weight():
    config = tiny_config(perez_like_per_step=2, perez_like_paths=3, validation_perez_like=1, perez_like_weight=4.0)
    first, again = step_networks(config, 5), step_networks(config, 5)
    assert [n.name for n in first] == [n.name for n in again]
    assert all(torch.equal(a.demand, b.demand) for a, b in zip(first, again))
    family = [n for n in first if n.info["kind"] == "perez-like"]
    assert len(family) == 2 and len(first) == 4
    # generator seeds network_seed * 100000 + index: training seeds, apart from the validation ones
    assert [n.name.rsplit("seed", 1)[1] for n in family] == [str(1100 * 100_000 + 10), str(1100 * 100_000 + 11)]
    assert all(n.weight == 4.0 and n.demand.shape[-1] == 3 for n in family)
    assert all(n.weight == 1.0 for n in first if n not in family)
    held = validation_networks(config)
    assert [n.info["kind"] for n in held][-1] == "perez-like" and held[-1].name.endswith(f"seed{1200 * 100_000}")
    # without them, the steps are those of a configuration that never heard of the family
    assert [n.name for n in step_networks(tiny_config(), 5)] == [n.name for n in first if n not in family]
    words = finetune_command("a.pt", "b.pt", config).split()
    assert parse_config(dict(word[2:].split("=", 1) for word in words[6:])) == config


def test_validation_mean_is_weighted(parent):
    config = tiny_config(validation_perez_like=1, perez_like_weight=3.0)
    networks = validation_networks(config)
    model = load_model(parent).eval()
    with torch.no_grad():
        profits = [float(normalized_profit(model, n, PERIODS)[0]) for n in networks]
    expected = (sum(profits[:-1]) + 3.0 * profits[-1]) / (len(profits) - 1 + 3.0)
    assert validate(model, networks, PERIODS) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(InputError, match="perez_like_weight must be a number > 0"):
        tiny_config(perez_like_weight=0.0)


def test_relative_loss_gives_each_network_the_gradient_of_its_log_profit(parent, tmp_path):
    """loss="relative": a network's gradient is that of its normalized profit divided by the profit's own
    magnitude (floored at relative_floor x revenue plus costs), the gradient of log|profit|; the same
    run in Python and from the settings the CLI reads; validation scores each network against the
    parent's magnitude there."""
    config = tiny_config(loss="relative", relative_floor=0.2)
    network = step_networks(config, 1)[0]
    model = load_model(parent)
    model.train()
    profit, _, gross = normalized_profit(model, network, PERIODS)
    (-profit).backward()
    plain = {k: p.grad.clone() for k, p in model.named_parameters()}
    magnitude = max(abs(float(profit.detach())), 0.2 * abs(gross))
    model.zero_grad()
    again, _, _ = normalized_profit(model, network, PERIODS)
    (-again / magnitude).backward()
    for k, p in model.named_parameters():
        torch.testing.assert_close(p.grad, plain[k] / magnitude, rtol=1e-5, atol=1e-9)
    # revenue plus costs: at least |profit|
    assert abs(gross) >= abs(float(profit.detach())) - 1e-6 and gross > 0

    networks = validation_networks(config)
    model.eval()
    with torch.no_grad():
        parts = [normalized_profit(model, n, PERIODS) for n in networks]
    magnitudes = [max(abs(float(p)), 0.2 * abs(g)) for p, _, g in parts]
    from netinv.learn.finetune import validation_magnitudes

    assert validation_magnitudes(model, networks, config) == pytest.approx(magnitudes, rel=1e-6)
    assert validation_magnitudes(model, networks, tiny_config()) is None
    score = validate(model, networks, PERIODS, magnitudes)
    assert score == pytest.approx(np.mean([float(p) / m for (p, _, _), m in zip(parts, magnitudes)]), rel=1e-6)
    from netinv.learn.finetune import parent_validation

    # the parent's own score comes from the same rollouts as its magnitudes: validate's, under both losses
    assert parent_validation(model, networks, config)[1] == pytest.approx(score, rel=1e-6)
    plain_score = parent_validation(model, networks, tiny_config())[1]
    assert plain_score == pytest.approx(validate(model, networks, PERIODS), rel=1e-6)
    assert abs(score) <= 1.0 + 1e-6  # each term is at most 1 in size: the parent scores +-1 per network
    result = finetune(parent, tmp_path / "rel.pt", config)
    assert result["validation"]["best"] >= result["validation"]["parent"]
    assert load_card(tmp_path / "rel.pt")["configuration"]["loss"].endswith("[held constant]")
    assert parse_config({"loss": "relative", "relative-floor": "0.2", **{
        k: v for k, v in (w[2:].split("=", 1) for w in finetune_command("a", "b", config).split()[6:])}}) == config
    with pytest.raises(InputError, match="loss must be one of scale, relative"):
        tiny_config(loss="log")


def test_every_setting_is_accepted_on_the_command_line_and_listed_in_its_help():
    import dataclasses

    from netinv.cli import learn as cli
    from netinv.learn.finetune import FinetuneConfig

    fields = {f.name.replace("_", "-") for f in dataclasses.fields(FinetuneConfig)}
    assert fields == set(cli.FINETUNE_SETTINGS)
    listed = cli.finetune.__doc__.split("ranges and lists")[1].split("Ctrl-C")[0]
    names = {word.strip(" .,\n") for word in listed.split(":", 1)[1].split(",")}
    assert names == fields


def test_the_rationing_heads_draw_depends_on_its_seed_alone(parent):
    """The head's hidden layers set its first gradients: they are drawn from the run's seed, whatever the
    global random state, and the call leaves that state as it was."""
    old = load_model(parent)
    torch.manual_seed(123)
    a = with_priority_head(old, seed=3)
    state = torch.random.get_rng_state()
    b = with_priority_head(old, seed=3)
    assert torch.equal(state, torch.random.get_rng_state())
    torch.manual_seed(456)
    c, d = with_priority_head(old, seed=3), with_priority_head(old, seed=4)
    for name, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[name]) and torch.equal(value, c.state_dict()[name])
    assert not torch.equal(a.priority.source.weight, d.priority.source.weight)


def test_worker_processes_give_the_same_run_bit_for_bit_and_resume_across_counts(parent, tmp_path):
    """Two worker processes compute a step's networks (the rationing head and a perez-like network in
    it): the same losses, gradient norms and weights as one process, also when a one-process run is
    interrupted and resumed with two."""
    config = tiny_config(priority=True, perez_like_per_step=1, validation_perez_like=1)
    one = finetune(parent, tmp_path / "one.pt", config)
    two = finetune(parent, tmp_path / "two.pt", dataclasses.replace(config, workers=2))

    def interrupt(metrics, steps):
        if metrics.step == 2:
            os.kill(os.getpid(), signal.SIGINT)

    cut = tmp_path / "cut.pt"
    with pytest.raises(TrainingInterrupted, match="after step 2 of 4"):
        finetune(parent, cut, config, progress=interrupt)
    resumed = finetune(parent, cut, dataclasses.replace(config, workers=2))
    assert resumed["resumed_from"] == 2
    reference = load_model(tmp_path / "one.pt").state_dict()
    for run, path in ((two, tmp_path / "two.pt"), (resumed, cut)):
        assert [(h["loss"], h["grad_norm"], h["validation"], h["networks"]) for h in run["history"]] == \
               [(h["loss"], h["grad_norm"], h["validation"], h["networks"]) for h in one["history"]]
        weights = load_model(path).state_dict()
        assert all(torch.equal(reference[k], weights[k]) for k in reference)
    assert "--workers=2" in load_card(tmp_path / "two.pt")["retrain"]

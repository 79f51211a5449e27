"""The shared training-loop pieces: resumable state, best weights, the settings parser."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from netinv.errors import InputError
from netinv.learn.checkpoint import save_checkpoint
from netinv.learn.loop import (
    copy_state,
    interrupted_message,
    parse_settings,
    partial_path,
    restore,
    save_partial,
)

FORMAT = "netinv-test-state-1"


def _model_and_optimizer(seed: int):
    torch.manual_seed(seed)
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    return model, optimizer


def _one_step(model, optimizer):
    optimizer.zero_grad()
    model(torch.ones(4, 3)).pow(2).sum().backward()
    optimizer.step()


def test_partial_path_sits_beside_the_output():
    assert partial_path("models/m.pt") == Path("models/m.pt.partial")
    assert partial_path(Path("/a/b.pt")) == Path("/a/b.pt.partial")


def test_copy_state_is_detached_from_the_model():
    model, optimizer = _model_and_optimizer(0)
    kept = copy_state(model)
    before = {k: v.clone() for k, v in kept.items()}
    _one_step(model, optimizer)
    assert all(torch.equal(kept[k], before[k]) for k in kept)  # the copy did not move with the model
    assert not torch.equal(kept["weight"], model.weight.detach())
    assert all(not v.requires_grad for v in kept.values())


def test_saved_state_restores_model_optimizer_history_and_best(tmp_path):
    model, optimizer = _model_and_optimizer(0)
    _one_step(model, optimizer)
    best = {"epoch": 1, "loss": 0.5, "state": copy_state(model)}
    _one_step(model, optimizer)
    history = [{"epoch": 1}, {"epoch": 2}]
    path = tmp_path / "m.pt.partial"
    save_partial(path, {"seed": 1}, model, optimizer, history, best, format=FORMAT)

    fresh, fresh_optimizer = _model_and_optimizer(7)
    fresh_history: list = []
    fresh_best = {"epoch": 0, "loss": float("inf"), "state": copy_state(fresh)}
    assert restore(path, {"seed": 1}, fresh, fresh_optimizer, fresh_history, fresh_best, format=FORMAT) == 2
    assert fresh_history == history
    assert fresh_best["epoch"] == 1 and fresh_best["loss"] == 0.5
    assert all(torch.equal(fresh_best["state"][k], best["state"][k]) for k in best["state"])
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))
    # the optimizer continues where it was: one more step from both lands on the same weights
    _one_step(model, optimizer)
    _one_step(fresh, fresh_optimizer)
    assert torch.allclose(fresh.weight, model.weight)


@pytest.mark.parametrize("case, expected", [
    ("other format", "not a netinv fine-tuning state"),
    ("no fingerprint", "fine-tuning state without a fingerprint"),
    ("other settings", r"left by a run with other data, model or settings \(seed: 1 then, 2 now\)"),
    ("damaged", r"damaged fine-tuning state \(KeyError\)"),
])
def test_a_state_that_does_not_fit_is_one_line(tmp_path, case, expected):
    model, optimizer = _model_and_optimizer(0)
    path = tmp_path / "m.pt.partial"
    best = {"step": 0, "state": copy_state(model)}
    if case == "other format":
        save_partial(path, {"seed": 1}, model, optimizer, [], best, format="netinv-other-state")
    elif case == "no fingerprint":
        save_checkpoint({"format": FORMAT}, path)
    elif case == "other settings":
        save_partial(path, {"seed": 1}, model, optimizer, [], best, format=FORMAT)
    else:
        save_checkpoint({"format": FORMAT, "fingerprint": {"seed": 2}}, path)
    with pytest.raises(InputError, match=expected) as caught:
        restore(path, {"seed": 2}, model, optimizer, [], {}, format=FORMAT, what="fine-tuning")
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_interrupted_message_says_how_far_and_where_to_resume():
    assert interrupted_message(0, 5, Path("m.pt.partial")) == (
        "training interrupted before the first epoch finished; nothing to resume from")
    assert interrupted_message(3, 5, Path("m.pt.partial"), what="adaptation", unit="step") == (
        "adaptation interrupted after step 3 of 5; the same command resumes from m.pt.partial")


@dataclass(frozen=True)
class _Settings:
    steps: int = 10
    lr: float = 1e-3
    nodes: tuple[int, int] = (5, 30)
    large_kinds: tuple[str, ...] = ("serial",)
    priority: bool = False
    loss: str = "scale"
    threads: int | None = 1


def test_parse_settings_reads_each_type_from_its_default():
    parsed = parse_settings(_Settings, {"steps": "4", "lr": "0.01", "nodes": "50-1000", "large-kinds": "serial,general",
                                        "priority": "yes", "loss": "relative", "threads": "none"}, "demo")
    assert parsed == _Settings(steps=4, lr=0.01, nodes=(50, 1000), large_kinds=("serial", "general"), priority=True,
                               loss="relative", threads=None)
    assert parse_settings(_Settings, {"nodes": "-3-4"}, "demo").nodes == (-3, 4)  # the minus is the first number's
    assert parse_settings(_Settings, {"nodes": [1, 2], "threads": "3"}, "demo") == _Settings(nodes=(1, 2), threads=3)
    assert parse_settings(_Settings, {}, "demo") == _Settings()


def test_parse_settings_names_the_bad_setting():
    with pytest.raises(InputError, match=r"^demo: unknown setting 'stpes'; known: large_kinds, loss, lr, nodes"):
        parse_settings(_Settings, {"stpes": "3"}, "demo")
    with pytest.raises(InputError, match=r"^demo: lr: cannot read 'fast'$"):
        parse_settings(_Settings, {"lr": "fast"}, "demo")

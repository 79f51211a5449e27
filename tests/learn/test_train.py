"""Training: the model learns a known policy (base-stock orders) on networks it never saw, the saved
model is the best epoch's, runs are deterministic, early stopping follows its rule, and an interrupted
run (a signal, in-process and in a real subprocess) resumes to the checkpoint of an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from netinv.errors import InputError, TrainingInterrupted
from netinv.learn.checkpoint import load_card, load_model
from netinv.learn.train import TrainConfig, train
from tests.learn.base_stock_samples import base_stock_samples

ROOT = Path(__file__).resolve().parents[2]
TINY = {"hidden": 16, "layers": 2, "batch_size": 32, "lr": 3e-3}


@pytest.fixture(scope="module")
def samples():
    return base_stock_samples(16, periods=10, paths=4)  # 16 networks x 8 periods x 4 paths = 512


@pytest.fixture(scope="module")
def small():
    return base_stock_samples(6, periods=6, paths=2)  # 6 x 4 x 2 = 48


def _val_error_of_saved_model(path, samples, val_ids):
    """Relative MAE of the saved model on the validation networks, computed apart from the trainer."""
    model = load_model(path)
    errors, orders = [], []
    with torch.no_grad():
        for s in samples:
            if int(s.network) in val_ids:
                errors.append((model(s) - s.y).abs())
                orders.append(s.y)
    return float(torch.cat(errors).double().mean() / torch.cat(orders).double().mean())


def test_learns_base_stock_orders_on_unseen_networks(samples, tmp_path):
    result = train(samples, tmp_path / "bs.pt", epochs=25, patience=25, seed=0, **TINY)
    split = result["split"]
    val_ids = set(split["validation_network_ids"])
    assert split["validation_networks"] == 3 and split["train_networks"] == 13
    assert split["validation_samples"] == sum(int(s.network) in val_ids for s in samples)
    best, baseline = result["best"], result["baseline"]
    # well below ordering the mean every time (that baseline's R^2 is about 0)
    assert best["val_relative_mae"] < 0.5 * baseline["val_relative_mae"]
    assert best["val_r2"] > 0.6 and abs(baseline["val_r2"]) < 0.1
    # the saved model is the best epoch's, and its validation error is the one the card reports
    history = result["history"]
    assert best["val_loss"] == min(h["val_loss"] for h in history)
    card = load_card(result["checkpoint"])
    assert card["metrics"]["best_epoch"] == result["best_epoch"] == best["epoch"]
    assert _val_error_of_saved_model(result["checkpoint"], samples, val_ids) == pytest.approx(
        best["val_relative_mae"], rel=1e-4)
    assert not Path(str(result["checkpoint"]) + ".partial").exists()


def test_model_card_records_data_configuration_and_metrics(small, tmp_path):
    seen = []
    result = train(small, tmp_path / "m.pt", epochs=3, seed=4, hidden=8, layers=1, batch_size=16, lr=1e-3,
                   patience=5, val_fraction=0.3, progress=lambda metrics, epochs: seen.append((metrics, epochs)))
    card = json.loads((tmp_path / "m.json").read_text())
    assert [m.to_dict() for m, _ in seen] == card["metrics"]["history"] == result["history"]
    assert [e for _, e in seen] == [3, 3, 3]
    data, config = card["data"], card["configuration"]
    assert data["samples"] == len(small) and data["networks"] == 6 and data["split"] == result["split"]
    assert data["split"]["validation_networks"] == 2  # round(0.3 * 6)
    assert config["model"]["hidden"] == 8 and config["optimizer"]["lr"] == 1e-3 and config["seed"] == 4
    assert config["loss"]["name"] == "huber" and config["epochs"] == 3 and config["batch_size"] == 16
    assert card["versions"]["netinv"] and card["versions"]["torch"] == torch.__version__
    assert "netinv train" in card["retrain"] and "--seed 4" in card["retrain"] and "--out" in card["retrain"]
    assert set(card["metrics"]["history"][0]) == {"epoch", "train_loss", "val_loss", "val_mae", "val_relative_mae",
                                                  "val_r2", "best_epoch", "seconds"}


def test_same_seed_same_bytes(small, tmp_path):
    runs = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        train(small, tmp_path / f"{name}.pt", epochs=2, seed=seed, hidden=8, layers=1, batch_size=8)
        runs[name] = (tmp_path / f"{name}.pt").read_bytes()
    assert runs["a"] == runs["b"] != runs["c"]


def test_early_stopping_after_patience_epochs_without_improvement(small, tmp_path):
    """At lr = 1e-30 no weight changes (the steps are below float32's resolution): the validation loss is
    the same every epoch, so epoch 1 stays best and training stops after ``patience`` more epochs."""
    result = train(small, tmp_path / "m.pt", epochs=20, patience=3, lr=1e-30, hidden=8, layers=1)
    assert result["stopped"] == "early stopping"
    assert result["best_epoch"] == 1 and result["epochs_run"] == 4
    assert len({h["val_loss"] for h in result["history"]}) == 1


def _interrupt_at(epoch, signum):
    def progress(metrics, epochs):
        if metrics.epoch == epoch:
            os.kill(os.getpid(), signum)
    return progress


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_and_resume_matches_an_uninterrupted_run(small, tmp_path, signum):
    settings = dict(epochs=5, seed=3, hidden=8, layers=1, batch_size=8, patience=10)
    handler = signal.getsignal(signal.SIGINT)  # Python's, or SIG_IGN in a job started in the background
    reference = train(small, tmp_path / "ref.pt", **settings)
    out = tmp_path / "m.pt"
    with pytest.raises(TrainingInterrupted, match="after epoch 2 of 5"):
        train(small, out, progress=_interrupt_at(2, signum), **settings)
    assert not out.exists() and (tmp_path / "m.pt.partial").exists()
    assert signal.getsignal(signal.SIGINT) is handler  # handlers put back
    resumed = train(small, out, **settings)
    assert resumed["resumed_from"] == 2 and reference["resumed_from"] is None
    assert out.read_bytes() == (tmp_path / "ref.pt").read_bytes()
    assert [h["val_loss"] for h in resumed["history"]] == [h["val_loss"] for h in reference["history"]]
    assert not (tmp_path / "m.pt.partial").exists()


def test_resume_refuses_a_state_left_by_other_settings(small, tmp_path):
    out = tmp_path / "m.pt"
    with pytest.raises(TrainingInterrupted):
        train(small, out, epochs=3, hidden=8, layers=1, progress=_interrupt_at(1, signal.SIGINT))
    with pytest.raises(InputError, match=r"m\.pt\.partial: left by a run with other data, model or settings \(lr"):
        train(small, out, epochs=3, hidden=8, layers=1, lr=0.01)
    with pytest.raises(InputError, match=r"\(data_sha256"):
        train(small[:-1], out, epochs=3, hidden=8, layers=1)
    fresh = train(small, out, epochs=2, hidden=8, layers=1, lr=0.01, resume=False)
    assert fresh["resumed_from"] is None and fresh["epochs_run"] == 2


CHILD = """
import sys, torch
torch.set_num_threads(1)
from tests.learn.base_stock_samples import base_stock_samples
from netinv.errors import TrainingInterrupted
from netinv.learn.train import train
samples = base_stock_samples(6, periods=8, paths=4)
try:
    train(samples, sys.argv[1], epochs=12, seed=5, hidden=8, layers=1, batch_size=16, patience=20,
          progress=lambda m, e: print("epoch", m.epoch, flush=True))
except TrainingInterrupted as exc:
    print(exc, flush=True)
    sys.exit(exc.exit_code)
"""


def test_sigterm_to_a_training_process_then_resume(tmp_path):
    """A real process gets SIGTERM during its third epoch: it stops within a few seconds with exit code
    130 and the finished epochs saved; resumed here, it ends with the uninterrupted run's checkpoint."""
    out = tmp_path / "m.pt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        for line in child.stdout:
            if line.strip() == "epoch 2":
                break
        sent = time.perf_counter()
        child.send_signal(signal.SIGTERM)
        rest, errors = child.communicate(timeout=30)
        stopped_in = time.perf_counter() - sent
    finally:
        child.kill()
    assert child.returncode == 130, errors[-2000:]
    assert "training interrupted after epoch" in rest and stopped_in < 5.0
    assert (tmp_path / "m.pt.partial").exists() and not out.exists()

    samples = base_stock_samples(6, periods=8, paths=4)
    settings = dict(epochs=12, seed=5, hidden=8, layers=1, batch_size=16, patience=20)
    resumed = train(samples, out, **settings)
    assert resumed["resumed_from"] >= 2
    train(samples, tmp_path / "ref.pt", **settings)
    assert out.read_bytes() == (tmp_path / "ref.pt").read_bytes()


def test_bad_input_gives_one_line(small, tmp_path):
    out = tmp_path / "m.pt"
    with pytest.raises(InputError, match="dataset: no samples"):
        train([], out)
    one_network = [s for s in small if int(s.network) == 0]
    with pytest.raises(InputError, match="from 1 network"):
        train(one_network, out)
    broken = [s.clone() for s in small[:3]]
    del broken[2].y
    with pytest.raises(InputError, match=r"dataset: sample 2: no 'y'"):
        train(broken, out)
    wrong = [s.clone() for s in small[:3]]
    wrong[1].x = wrong[1].x[:, :5]
    with pytest.raises(InputError, match=r"sample 1: x has shape \(\d+, 5\)"):
        train(wrong, out)
    bad_y = [s.clone() for s in small[:3]]
    bad_y[0].y = bad_y[0].y * np.nan
    with pytest.raises(InputError, match="sample 0: y .* finite"):
        train(bad_y, out)
    for field, value in (("epochs", 0), ("lr", -1.0), ("val_fraction", 1.0), ("batch_size", 2.5)):
        with pytest.raises(InputError, match=f"train: {field} must"):
            TrainConfig(**{field: value})
    assert not out.exists()


@pytest.mark.slow
def test_fits_base_stock_closely_with_more_data(tmp_path):
    """40 networks (1,280 training samples from 32), a 32-wide model: validation R^2 above 0.8 and
    relative error under a third of the mean predictor's."""
    samples = base_stock_samples(40, periods=12, paths=4)
    result = train(samples, tmp_path / "bs.pt", epochs=30, patience=10, seed=0, hidden=32, layers=2,
                   batch_size=32, lr=3e-3)
    assert result["best"]["val_r2"] > 0.8
    assert result["best"]["val_relative_mae"] < result["baseline"]["val_relative_mae"] / 3


def test_collate_agrees_with_pyg_batch(small):
    """The trainer's own batching gives the orders of PyG's Batch.from_data_list."""
    from torch_geometric.data import Batch

    from netinv.learn.model import ModelConfig, OrderGNN
    from netinv.learn.train import checked_samples, collate_samples

    torch.manual_seed(0)
    model = OrderGNN(ModelConfig(hidden=8, layers=2)).eval()
    with torch.no_grad():
        ours = model(collate_samples(checked_samples(small[:20], "dataset")))
        theirs = model(Batch.from_data_list(small[:20]))
    assert torch.equal(ours, theirs)


def test_train_folder_on_a_generated_dataset(tmp_path):
    """End to end with the exact teacher's dataset: the card names the folder and its manifest, and the
    validation networks are networks of the dataset that no training sample comes from."""
    from netinv.learn.dataset import NetinvDataset, generate_dataset
    from netinv.learn.train import train_folder

    folder = tmp_path / "data"
    generate_dataset(folder, networks=3, nodes=(5, 6), periods=3, paths=2, workers=1)
    result = train_folder(folder, tmp_path / "models" / "m.pt", TrainConfig(epochs=2, hidden=8, layers=1))
    card = load_card(tmp_path / "models" / "m.pt")
    assert card["data"]["dataset"] == str(folder)
    assert card["data"]["manifest"]["rounds"]["0"]["parameters"]["networks"] == 3
    assert f"--dataset {folder}" in card["retrain"]
    networks = [int(s.network) for s in NetinvDataset(folder)]
    held = set(result["split"]["validation_network_ids"])
    assert held and held < set(networks)
    assert result["split"]["validation_samples"] == sum(n in held for n in networks)
    with pytest.raises(InputError, match="no such dataset folder"):
        train_folder(tmp_path / "missing", tmp_path / "m.pt")

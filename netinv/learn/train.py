"""Training an :class:`~netinv.learn.model.OrderGNN` to imitate a teacher's orders.

The data is any sequence of samples in the form of :class:`netinv.learn.dataset.NetinvDataset` (and of
:func:`netinv.learn.policy_samples.policy_samples`): one graph of
:func:`netinv.learn.features.path_graphs` each, with ``y`` (E,) the teacher's orders in units of the
edge scale [mu_e] and ``network`` (1,) the id of the network it came from.

Split
    By network id: a fraction ``val_fraction`` of the networks (at least one), drawn with the seed,
    is held out, so validation measures the model on networks it never saw.

Loss
    Huber (delta = 1 mu) between the model's *feasible* orders (after its feasibility layer: what the
    simulator would ship) and y, averaged over all supply edges of a batch:

    - the teacher's orders are feasible, so the target is reachable, and the loss judges what the
      policy will actually do;
    - in mu units (the edge's mean flow per period) an error of one order weighs the same on a store
      of a 10-node network and a plant of a 30-node one;
    - quadratic within one period's flow, linear beyond it: the rare large catch-up orders (after a
      stock-out, or at the start) do not dominate the gradient as they would under a squared error;
    - every order decision counts once (a mean over edges, not over graphs).

Optimization
    Adam (learning rate ``lr``), gradients clipped to norm ``grad_clip``, batches of ``batch_size``
    graphs in an order drawn from (seed, epoch), weights initialized after ``torch.manual_seed(seed)``.
    After each epoch the validation set gives: loss, mean absolute error of the orders (MAE), the MAE
    relative to the mean order, and R^2; training stops after ``patience`` epochs without a lower
    validation loss, or after ``epochs``. The best epoch's weights are saved with a model card
    (:mod:`netinv.learn.checkpoint`). The same data, configuration, seed and number of torch threads
    give the same checkpoint, byte for byte (CPU).

Interruption
    Ctrl-C or SIGTERM stops training after the current batch (well under a second on a CPU) and raises
    :class:`TrainingInterrupted`. After every epoch the training state (weights, optimizer, history,
    best weights) is written atomically to ``OUT.partial`` (e.g. ``models/NAME.pt.partial``, tensors
    and plain values only); with ``resume=True`` a rerun continues after the last finished epoch and
    ends with the checkpoint an uninterrupted run would have written. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from netinv.errors import InputError, TrainingInterrupted
from netinv.fileio import StopOnSignal, read_input_json
from netinv.learn.checkpoint import card_path, save_model, versions
from netinv.learn.features import EDGE_FEATURES, NODE_FEATURES
from netinv.learn.loop import (
    copy_state,
    interrupted_message,
    partial_path,
    restore,
    save_partial,
)
from netinv.learn.model import ModelConfig, OrderGNN

PARTIAL_FORMAT = "netinv-training-state-2"
MANIFEST = "manifest.json"

# what the model and the loss read from a sample; the rest (objective, period, ...) is left behind
_NODE_FIELDS = ("x", "available")
_EDGE_FIELDS = ("edge_attr", "edge_scale", "up_weight", "down_weight", "owed", "edge_capacity", "y")


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how.

    epochs: most passes over the training graphs.
    seed: seeds the weights, the split and the order of the batches.
    batch_size: graphs per gradient step.
    lr: Adam's learning rate.
    patience: stop after this many epochs without a lower validation loss.
    hidden / layers: the model (:class:`~netinv.learn.model.ModelConfig`).
    val_fraction: fraction of the networks held out for validation (at least one network).
    huber_delta: where the loss turns from quadratic to linear, in units of the edge scale [mu].
    grad_clip: largest gradient norm of a step.
    weight_decay: Adam's L2 penalty.
    """

    epochs: int = 100
    seed: int = 0
    batch_size: int = 32
    lr: float = 1e-3
    patience: int = 10
    hidden: int = 64
    layers: int = 3
    val_fraction: float = 0.2
    huber_delta: float = 1.0
    grad_clip: float = 1.0
    weight_decay: float = 0.0

    def __post_init__(self):
        for name in ("epochs", "batch_size", "patience", "hidden", "layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"train: {name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise InputError(f"train: seed must be an integer >= 0, got {self.seed!r}")
        for name in ("lr", "huber_delta", "grad_clip"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise InputError(f"train: {name} must be a number > 0, got {value!r}")
        if not (isinstance(self.weight_decay, (int, float)) and math.isfinite(self.weight_decay)
                and self.weight_decay >= 0):
            raise InputError(f"train: weight_decay must be a number >= 0, got {self.weight_decay!r}")
        if not (isinstance(self.val_fraction, (int, float)) and 0 < self.val_fraction < 1):
            raise InputError(f"train: val_fraction must be in (0, 1), got {self.val_fraction!r}")

    def model_config(self) -> ModelConfig:
        return ModelConfig(hidden=self.hidden, layers=self.layers)


@dataclass(frozen=True)
class EpochMetrics:
    """One epoch: mean training loss, and on the validation networks the loss, the mean absolute error
    of the orders [mu], that error divided by the mean order, and R^2 (1 - squared error / variance of
    the orders); ``best_epoch`` so far; wall seconds of the epoch."""

    epoch: int
    train_loss: float
    val_loss: float
    val_mae: float
    val_relative_mae: float
    val_r2: float
    best_epoch: int
    seconds: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def train(
    dataset: Sequence[Data],
    out_path: str | Path,
    *,
    epochs: int = TrainConfig.epochs,
    seed: int = TrainConfig.seed,
    batch_size: int = TrainConfig.batch_size,
    lr: float = TrainConfig.lr,
    patience: int = TrainConfig.patience,
    hidden: int = TrainConfig.hidden,
    layers: int = TrainConfig.layers,
    val_fraction: float = TrainConfig.val_fraction,
    progress: Callable[[EpochMetrics, int], None] | None = None,
    resume: bool = True,
) -> dict:
    """Train on ``dataset`` and save the best epoch's model to ``out_path`` with its card (see the module
    docstring). ``progress(metrics, epochs)`` is called after every epoch. Returns the result dict of
    :func:`run_training`."""
    config = TrainConfig(epochs=epochs, seed=seed, batch_size=batch_size, lr=lr, patience=patience, hidden=hidden,
                         layers=layers, val_fraction=val_fraction)
    return run_training(dataset, out_path, config, progress=progress, resume=resume)


def run_training(
    dataset: Sequence[Data],
    out_path: str | Path,
    config: TrainConfig = TrainConfig(),
    *,
    progress: Callable[[EpochMetrics, int], None] | None = None,
    resume: bool = True,
    source: dict | None = None,
) -> dict:
    """:func:`train` with a :class:`TrainConfig`. ``source`` describes the data for the model card
    (default: :func:`describe_dataset`).

    Returns ``checkpoint`` and ``card`` (paths), ``best_epoch``, ``epochs_run``, ``stopped`` (``early
    stopping`` or ``epochs``), ``resumed_from`` (the epoch a resumed run started after, else None),
    ``best`` (the best epoch's metrics), ``baseline`` (the validation loss and relative MAE of always
    ordering the mean training order), ``history`` (per-epoch metrics), ``split`` and ``seconds``."""
    started = time.perf_counter()
    out_path = Path(out_path)
    partial = partial_path(out_path)
    name = _dataset_name(dataset)
    samples = checked_samples(dataset, name)
    train_idx, val_idx, split = _split(samples, config)
    fingerprint = _fingerprint(samples, config)
    train_samples = [samples[k] for k in train_idx]
    val_batches = [collate_samples([samples[k] for k in val_idx[lo:lo + 4 * config.batch_size]])
                   for lo in range(0, len(val_idx), 4 * config.batch_size)]
    mean_order = float(torch.cat([s["y"] for s in train_samples]).mean())
    baseline = _baseline(val_batches, mean_order, config.huber_delta)

    torch.manual_seed(config.seed)
    model = OrderGNN(config.model_config())
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    history: list[dict] = []
    best = {"epoch": 0, "loss": math.inf, "state": copy_state(model)}
    resumed_from = None
    if resume and partial.exists():
        resumed_from = restore(partial, fingerprint, model, optimizer, history, best, format=PARTIAL_FORMAT)

    stopped = "epochs"
    with StopOnSignal() as stop:
        epoch = len(history)
        while epoch < config.epochs:
            if epoch - best["epoch"] >= config.patience and history:
                stopped = "early stopping"
                break
            epoch += 1
            tick = time.perf_counter()
            train_loss = _train_epoch(model, optimizer, train_samples, config, epoch, stop)
            if train_loss is None:
                raise TrainingInterrupted(interrupted_message(len(history), config.epochs, partial))
            val = _evaluate(model, val_batches, config.huber_delta)
            if val["loss"] < best["loss"]:
                best.update(epoch=epoch, loss=val["loss"], state=copy_state(model))
            metrics = EpochMetrics(epoch=epoch, train_loss=train_loss, val_loss=val["loss"], val_mae=val["mae"],
                                   val_relative_mae=val["relative_mae"], val_r2=val["r2"],
                                   best_epoch=best["epoch"], seconds=time.perf_counter() - tick)
            history.append(metrics.to_dict())
            save_partial(partial, fingerprint, model, optimizer, history, best, format=PARTIAL_FORMAT)
            if progress is not None:
                progress(metrics, config.epochs)
            if stop.is_set():
                raise TrainingInterrupted(interrupted_message(len(history), config.epochs, partial))

    if best["epoch"] == 0:
        raise InputError(f"{name}: training diverged: the validation loss is not finite (try a lower lr)")
    model.load_state_dict(best["state"])
    seconds = time.perf_counter() - started
    card = _card(config, out_path, source if source is not None else describe_dataset(dataset), samples,
                 split, fingerprint, history, best["epoch"], baseline, stopped, seconds)
    save_model(model, out_path, card)
    partial.unlink(missing_ok=True)
    best_metrics = next(h for h in history if h["epoch"] == best["epoch"])
    return {"checkpoint": str(out_path), "card": str(card_path(out_path)), "best_epoch": best["epoch"],
            "epochs_run": len(history), "stopped": stopped, "resumed_from": resumed_from, "best": best_metrics,
            "baseline": baseline, "history": history, "split": split, "seconds": seconds}


def train_folder(
    dataset_dir: str | Path,
    out_path: str | Path,
    config: TrainConfig = TrainConfig(),
    *,
    progress: Callable[[EpochMetrics, int], None] | None = None,
    resume: bool = True,
    threads: int | None = 1,
) -> dict:
    """``netinv train``: train on the :class:`~netinv.learn.dataset.NetinvDataset` in ``dataset_dir``
    (see :func:`run_training`). ``threads``: torch threads (None: leave torch's setting); one is the
    fastest on a small, shared CPU (``benchmarks/bench_train.py``)."""
    folder = Path(dataset_dir)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such dataset folder")
    try:
        from netinv.learn.dataset import NetinvDataset
    except ImportError as exc:  # pragma: no cover - until the dataset module lands
        raise InputError(f"{folder}: cannot read datasets ({exc})") from None
    if threads is not None:
        torch.set_num_threads(threads)
    return run_training(NetinvDataset(str(folder)), out_path, config, progress=progress, resume=resume)


def describe_dataset(dataset) -> dict:
    """Where the data came from, for the model card: the dataset's folder (``root``) and a summary of its
    manifest (``dataset.manifest``, else ``ROOT/manifest.json``): its plain top-level values and, per
    DAgger round, the generation parameters, samples and shards done."""
    root = getattr(dataset, "root", None)
    out: dict = {"dataset": str(root) if root is not None else None, "manifest": None}
    manifest = getattr(dataset, "manifest", None)
    if manifest is None and root is not None:
        try:
            manifest = read_input_json(Path(root) / MANIFEST, "dataset manifest")
        except InputError:
            manifest = None
    if isinstance(manifest, dict):
        summary = {str(key): value for key, value in manifest.items() if _scalar(value)}
        rounds = manifest.get("rounds")
        if isinstance(rounds, dict):
            summary["rounds"] = {
                str(key): {
                    "parameters": {k: v for k, v in run.get("parameters", {}).items()
                                   if _scalar(v) or (isinstance(v, list) and all(map(_scalar, v)))},
                    "samples": run.get("samples"),
                    "shards": f"{len(run.get('shards', {}))} of {run.get('shards_total')}",
                } for key, run in rounds.items() if isinstance(run, dict)}
        out["manifest"] = summary
    return out


def _scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def retrain_command(config: TrainConfig, dataset: str | None, out_path: str | Path) -> str:
    """The ``netinv train`` command line that trains this model again."""
    parts = ["netinv", "train", "--dataset", str(dataset) if dataset else "DIR", "--out", str(out_path),
             "--epochs", str(config.epochs), "--seed", str(config.seed), "--batch-size", str(config.batch_size),
             "--lr", repr(config.lr), "--patience", str(config.patience), "--hidden", str(config.hidden),
             "--layers", str(config.layers), "--val-fraction", repr(config.val_fraction)]
    return shlex.join(parts)


# ------------------------------------------------------------------------------------------------
# data


def _dataset_name(dataset) -> str:
    root = getattr(dataset, "root", None)
    return str(root) if root is not None else "dataset"


def checked_samples(dataset, name: str) -> list[dict]:
    """The tensors each sample of ``dataset`` contributes, checked: x (N, F_node), edge_attr (E, F_edge),
    y (E,), ... (a one-line InputError naming ``name`` and the sample otherwise); the input of
    :func:`collate_samples`."""
    count = len(dataset)
    if count == 0:
        raise InputError(f"{name}: no samples")
    out = []
    for k in range(count):
        data = dataset[k]
        where = f"{name}: sample {k}"
        missing = [key for key in ("edge_index", "network", *_NODE_FIELDS, *_EDGE_FIELDS) if key not in data]
        if missing:
            raise InputError(f"{where}: no '{missing[0]}' (a sample needs the fields of "
                             "netinv.learn.features.path_graphs, y and network)")
        x, edge_attr, edge_index = data.x, data.edge_attr, data.edge_index
        if x.dim() != 2 or x.shape[1] != len(NODE_FEATURES):
            raise InputError(f"{where}: x has shape {tuple(x.shape)}, expected (nodes, {len(NODE_FEATURES)})")
        nodes, edges = x.shape[0], edge_index.shape[-1]
        if edge_index.dim() != 2 or edge_index.shape[0] != 2:
            raise InputError(f"{where}: edge_index has shape {tuple(edge_index.shape)}, expected (2, edges)")
        if edge_attr.shape != (edges, len(EDGE_FEATURES)):
            raise InputError(f"{where}: edge_attr has shape {tuple(edge_attr.shape)}, "
                             f"expected ({edges}, {len(EDGE_FEATURES)})")
        item = {"x": x.float(), "edge_attr": edge_attr.float(), "edge_index": edge_index.long(), "nodes": nodes}
        for key in _NODE_FIELDS[1:] + _EDGE_FIELDS[1:]:
            value = data[key].float().reshape(-1)
            size = nodes if key in _NODE_FIELDS else edges
            if value.numel() != size:
                raise InputError(f"{where}: {key} has {value.numel()} values, expected {size}")
            item[key] = value
        if not torch.isfinite(item["y"]).all():
            raise InputError(f"{where}: y (the orders) must be finite")
        network = data.network.reshape(-1)
        if network.numel() != 1:
            raise InputError(f"{where}: network must hold one id, got {network.numel()}")
        item["network"] = int(network[0])
        out.append(item)
    return out


def _split(samples: list[dict], config: TrainConfig) -> tuple[np.ndarray, np.ndarray, dict]:
    networks = np.array(sorted({s["network"] for s in samples}), dtype=np.int64)
    if networks.size < 2:
        raise InputError(f"train: the samples come from {networks.size} network(s); the split by network "
                         "needs at least 2")
    held = max(1, min(networks.size - 1, round(config.val_fraction * networks.size)))
    val_networks = np.sort(np.random.default_rng([config.seed, 0]).permutation(networks)[:held])
    is_val = np.isin(np.array([s["network"] for s in samples]), val_networks)
    train_idx, val_idx = np.flatnonzero(~is_val), np.flatnonzero(is_val)
    split = {"by": "network", "val_fraction": config.val_fraction, "train_networks": int(networks.size - held),
             "validation_networks": int(held), "validation_network_ids": val_networks.tolist(),
             "train_samples": int(train_idx.size), "validation_samples": int(val_idx.size)}
    return train_idx, val_idx, split


def collate_samples(samples: list[dict]) -> Data:
    """One disjoint graph of ``samples`` (what ``Batch.from_data_list`` builds, with only the fields the
    model and the loss read, several times faster)."""
    offsets = torch.tensor([0] + [s["nodes"] for s in samples[:-1]]).cumsum(0)
    edge_index = torch.cat([s["edge_index"] + offset for s, offset in zip(samples, offsets.tolist())], dim=1)
    fields = {key: torch.cat([s[key] for s in samples]) for key in ("x", "edge_attr", *_NODE_FIELDS[1:],
                                                                     *_EDGE_FIELDS[1:])}
    return Data(edge_index=edge_index, num_nodes=int(fields["x"].shape[0]), **fields)


def _fingerprint(samples: list[dict], config: TrainConfig) -> dict:
    """What a resumed run must share with the interrupted one: the data (a hash) and every setting that
    shapes the path of training (``epochs`` and ``patience`` only decide where it ends)."""
    digest = hashlib.sha256()
    for s in samples:
        for key in ("x", "edge_index", "edge_attr", *_NODE_FIELDS[1:], *_EDGE_FIELDS[1:]):
            digest.update(s[key].numpy().tobytes())
        digest.update(str(s["network"]).encode())
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("epochs", "patience")}
    return {"data_sha256": digest.hexdigest(), "samples": len(samples), **settings}


# ------------------------------------------------------------------------------------------------
# one epoch


def _train_epoch(model, optimizer, samples, config: TrainConfig, epoch: int, stop) -> float | None:
    """Mean training loss over the epoch's edges, or None when a signal stopped it."""
    model.train()
    order = np.random.default_rng([config.seed, epoch]).permutation(len(samples))
    total, edges = 0.0, 0
    for lo in range(0, len(order), config.batch_size):
        if stop.is_set():
            return None
        batch = collate_samples([samples[k] for k in order[lo:lo + config.batch_size]])
        loss = _huber(model(batch), batch.y, config.huber_delta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        total += float(loss.detach()) * batch.y.numel()
        edges += batch.y.numel()
    return total / max(edges, 1)


def _huber(prediction: torch.Tensor, target: torch.Tensor, delta: float) -> torch.Tensor:
    """Mean Huber loss: 0.5 r^2 where |r| <= delta, delta (|r| - 0.5 delta) beyond."""
    return torch.nn.functional.huber_loss(prediction, target, delta=delta)


@torch.no_grad()
def _evaluate(model, batches: list[Data], delta: float) -> dict:
    model.eval()
    prediction = torch.cat([model(b) for b in batches]).double()
    target = torch.cat([b.y for b in batches]).double()
    return _metrics(prediction, target, delta)


def _metrics(prediction: torch.Tensor, target: torch.Tensor, delta: float) -> dict:
    error = prediction - target
    mae = float(error.abs().mean())
    mean = float(target.mean())
    spread = float(((target - mean) ** 2).sum())
    return {
        "loss": float(_huber(prediction, target, delta)),
        "mae": mae,
        "relative_mae": mae / mean if mean > 0 else math.nan,
        "r2": 1.0 - float((error ** 2).sum()) / spread if spread > 0 else math.nan,
    }


def _baseline(batches: list[Data], mean_order: float, delta: float) -> dict:
    """Validation metrics of ordering the mean training order on every edge."""
    target = torch.cat([b.y for b in batches]).double()
    metrics = _metrics(torch.full_like(target, mean_order), target, delta)
    return {"prediction": mean_order, "val_loss": metrics["loss"], "val_mae": metrics["mae"],
            "val_relative_mae": metrics["relative_mae"], "val_r2": metrics["r2"]}


# ------------------------------------------------------------------------------------------------
# resumable state


# ------------------------------------------------------------------------------------------------
# model card


def _card(config: TrainConfig, out_path: Path, source: dict, samples, split, fingerprint, history,
          best_epoch, baseline, stopped, seconds) -> dict:
    dataset = source.get("dataset")
    networks = len({s["network"] for s in samples})
    return {
        "data": {
            **source,
            "samples": len(samples),
            "networks": networks,
            "edges": int(sum(s["y"].numel() for s in samples)),
            "split": split,
            "sha256": fingerprint["data_sha256"],
        },
        "configuration": {
            "model": dataclasses.asdict(config.model_config()),
            "optimizer": {"name": "Adam", "lr": config.lr, "weight_decay": config.weight_decay,
                          "grad_clip_norm": config.grad_clip},
            "loss": {"name": "huber", "delta": config.huber_delta,
                     "on": "feasible orders (after the feasibility layer) in units of the edge scale mu",
                     "reduction": "mean over supply edges"},
            "epochs": config.epochs,
            "batch_size": config.batch_size,
            "patience": config.patience,
            "seed": config.seed,
            "val_fraction": config.val_fraction,
            "torch_threads": torch.get_num_threads(),
        },
        "metrics": {
            "best_epoch": best_epoch,
            "best": next(h for h in history if h["epoch"] == best_epoch),
            "baseline_mean_order": baseline,
            "stopped": stopped,
            "epochs_run": len(history),
            "history": history,
            "seconds": round(seconds, 3),
        },
        "versions": versions(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "retrain": retrain_command(config, dataset, out_path),
    }

"""Adapting a trained GNN policy to one network before it runs there (test-time fine-tuning).

The shipped model is trained across generated networks; on a given network it is a good start, not the
best policy of its kind for that network. :func:`adapt` fine-tunes a copy of it on that network alone,
through the differentiable twin (:mod:`netinv.learn.diffsim`), as :mod:`netinv.learn.finetune` does
across networks (hindsight differentiable policy optimization, Alvo, Russo & Kanoria 2023):

1. each step draws ``paths`` demand paths of ``periods`` periods from the network's *own demand
   model* (its ``demand`` attributes: the information a stochastic program of the network uses, and
   nothing more: never the paths it is judged on);
2. rolls the policy through the twin from the network's initial state, the loss being minus its
   profit divided by the profit's magnitude (``loss="relative"`` of :mod:`netinv.learn.finetune`);
3. clips the gradient and takes an Adam step, the learning rate following a half cosine from ``lr``
   down to ``lr * final_lr_fraction``.

Every ``eval_every`` steps the policy is scored on ``validation_paths`` further paths of the same
demand model, fixed for the run; the best-scoring weights are kept, the parent's if nothing beat them,
so the adapted policy is never worse than the parent on that sample.

The result is an ordinary checkpoint (one forward pass per period, as fast as its parent), with a card
that names the network file and its sha256: ``netinv simulate FILE --policy gnn --model ADAPTED``.

Demand streams: step k draws from ``SeedSequence([ADAPT_STREAM, seed, 1, k])`` and the validation
paths from ``[ADAPT_STREAM, seed, 2]``; ``netinv evaluate`` draws its paths from plain integer seeds,
so the two never share a path. Determinism and resume are those of :mod:`netinv.learn.finetune`.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from netinv.errors import InputError

ADAPT_STREAM = 0xADA97  # first word of every demand seed drawn here (see the module docstring)
PARTIAL_FORMAT = "netinv-adapt-state-1"


@dataclass(frozen=True)
class AdaptConfig:
    """How to adapt a policy to one network.

    steps: gradient steps; seed: seeds the demand paths of every step and of the validation sample.
    lr / final_lr_fraction: Adam's learning rate at the first step and the fraction of it reached at the
    last (half cosine). grad_clip: largest gradient norm of a step.
    periods: horizon of each rollout (from the network's initial state; ``periods_left`` counts down to
    its end, as in ``netinv evaluate``). paths: demand paths per step. validation_paths: paths of the
    fixed validation sample. eval_every / save_every: steps between validations / resumable states.
    relative_floor: floor of the profit's magnitude as a fraction of revenue plus costs (the
    ``"relative"`` loss of :class:`netinv.learn.finetune.FinetuneConfig`).
    threads: torch threads (None: leave torch's setting).
    """

    steps: int = 200
    seed: int = 0
    lr: float = 1e-3
    final_lr_fraction: float = 0.1
    grad_clip: float = 1.0
    periods: int = 30
    paths: int = 16
    validation_paths: int = 64
    eval_every: int = 20
    save_every: int = 10
    relative_floor: float = 0.1
    threads: int | None = 1

    # what the shared fine-tuning loop reads: one loss, no parent regularizer, the whole horizon
    loss = "relative"
    parent_weight = 0.0
    truncate = None

    def __post_init__(self):
        for name in ("steps", "periods", "paths", "validation_paths", "eval_every", "save_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"adapt: {name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise InputError(f"adapt: seed must be an integer >= 0, got {self.seed!r}")
        for name in ("lr", "grad_clip"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise InputError(f"adapt: {name} must be a number > 0, got {value!r}")
        if not 0 < self.final_lr_fraction <= 1:
            raise InputError(f"adapt: final_lr_fraction must be in (0, 1], got {self.final_lr_fraction!r}")
        if not (math.isfinite(self.relative_floor) and 0 < self.relative_floor <= 1):
            raise InputError(f"adapt: relative_floor must be in (0, 1], got {self.relative_floor!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise InputError(f"adapt: threads must be None or an integer >= 1, got {self.threads!r}")


SETTINGS = tuple(f.name for f in dataclasses.fields(AdaptConfig))


def adapt(model, graph, config: AdaptConfig = AdaptConfig(), *, name: str | None = None,
          progress: Callable | None = None, partial_path: Path | None = None,
          fingerprint: dict | None = None) -> dict:
    """A copy of ``model`` adapted to the network ``graph`` (see the module docstring).

    ``progress(metrics, steps)`` is called after every step (:class:`netinv.learn.finetune.StepMetrics`).
    With ``partial_path`` the run is resumable: its state is written there every ``save_every`` steps and
    on Ctrl-C / SIGTERM (:class:`netinv.errors.TrainingInterrupted`), and a call with the same
    ``fingerprint`` resumes from it; without one, Ctrl-C raises KeyboardInterrupt and nothing is kept.

    Returns ``model`` (the best-validating weights), ``best_step`` (0: the parent's), ``validation``
    (``parent`` and ``best``: mean profit per path over the horizon on the validation sample, in money),
    ``steps_run``, ``resumed_from``, ``history`` and ``seconds``. Torch runs ``config.threads`` threads
    meanwhile; the caller's setting is restored after.
    """
    threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        return _adapt(model, graph, config, name, progress, partial_path, fingerprint)
    finally:
        torch.set_num_threads(threads)  # the caller's setting, as it was


def _adapt(model, graph, config: AdaptConfig, name, progress, partial_path, fingerprint) -> dict:
    from netinv.demand.distributions import DemandSampler
    from netinv.learn.finetune import run_steps, twin_network, validate
    from netinv.learn.loop import copy_state, restore

    started = time.perf_counter()
    model = copy.deepcopy(model)
    for p in model.parameters():
        p.requires_grad_(True)
    base = twin_network(config, graph, name or str(graph.graph.get("name", "network")),
                        {"nodes": graph.number_of_nodes()}, 1, [ADAPT_STREAM, config.seed, 0])
    specs = base.sim.arrays.demand_specs

    def with_demand(seed, paths):
        demand = DemandSampler(specs, seed=seed).draw(0, config.periods, paths)
        return dataclasses.replace(base, demand=torch.from_numpy(np.ascontiguousarray(demand)))

    validation = [with_demand([ADAPT_STREAM, config.seed, 2], config.validation_paths)]
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    history: list[dict] = []
    best = {"step": 0, "profit": -math.inf, "state": copy_state(model), "parent": None}
    fingerprint = {**(fingerprint or {}), **dataclasses.asdict(config)}
    resumed_from = None
    if partial_path is not None and partial_path.exists():
        resumed_from = restore(partial_path, fingerprint, model, optimizer, history, best, format=PARTIAL_FORMAT,
                                what="adaptation")
    if best["parent"] is None:  # normalized profits, as the loop compares them
        best["parent"] = best["profit"] = validate(model, validation, config.periods)

    def networks_of(step):
        return [with_demand([ADAPT_STREAM, config.seed, 1, step], config.paths)]

    run_steps(model, None, optimizer, config, validation, None, history, best, partial_path, fingerprint,
              progress, None, networks_of, partial_format=PARTIAL_FORMAT, what="adaptation")
    model.load_state_dict(best["state"])
    model.eval()
    money = base.scale  # normalized profit -> mean profit per path over the horizon
    return {"model": model, "best_step": best["step"],
            "validation": {"parent": best["parent"] * money, "best": best["profit"] * money},
            "steps_run": len(history), "resumed_from": resumed_from, "history": history,
            "seconds": time.perf_counter() - started}


def adapt_file(model_path: str | Path, network_path: str | Path, out_path: str | Path,
               config: AdaptConfig = AdaptConfig(), *, progress: Callable | None = None, resume: bool = True) -> dict:
    """Adapt the model at ``model_path`` to the scenario ``network_path`` and save it to ``out_path`` with
    a model card beside it (resumable: ``OUT.partial``). Returns what :func:`adapt` returns, less the model,
    plus ``checkpoint`` and ``card`` (paths)."""
    from netinv.learn.checkpoint import card_path, load_model, save_model
    from netinv.learn.loop import partial_path
    from netinv.network import load

    model_path, network_path, out_path = Path(model_path), Path(network_path), Path(out_path)
    if not model_path.is_file():
        raise InputError(f"{model_path}: no such checkpoint")
    graph = load(network_path)
    parent = load_model(model_path)
    parent_sha = hashlib.sha256(model_path.read_bytes()).hexdigest()
    network_sha = hashlib.sha256(network_path.read_bytes()).hexdigest()
    partial = partial_path(out_path)
    if not resume:
        partial.unlink(missing_ok=True)
    result = adapt(parent, graph, config, name=network_path.stem, progress=progress, partial_path=partial,
                   fingerprint={"parent_sha256": parent_sha, "network_sha256": network_sha})
    card = {
        "data": {
            "method": "test-time adaptation: hindsight differentiable policy optimization (Alvo, Russo & "
                      "Kanoria 2023) through netinv.learn.diffsim on one network, demand paths drawn from "
                      "its own demand model (netinv.learn.adapt)",
            "parent": {"checkpoint": str(model_path), "sha256": parent_sha},
            "network": {"file": str(network_path), "sha256": network_sha, "nodes": graph.number_of_nodes(),
                        "edges": graph.number_of_edges()},
            "demand_streams": {"steps": [ADAPT_STREAM, config.seed, 1, "step"],
                               "validation": [ADAPT_STREAM, config.seed, 2]},
        },
        "configuration": {**dataclasses.asdict(config), "loss": config.loss, "optimizer": "Adam",
                          "torch_threads": torch.get_num_threads()},
        "metrics": {
            "parent_validation_profit": result["validation"]["parent"],
            "best_validation_profit": result["validation"]["best"],
            "validation_profit_unit": "mean profit per path over the horizon, validation sample",
            "best_step": result["best_step"],
            "steps_run": result["steps_run"],
            "history": result["history"],
            "seconds": round(result["seconds"], 3),
        },
        "retrain": adapt_command(model_path, network_path, out_path, config),
    }
    save_model(result["model"], out_path, card)
    partial.unlink(missing_ok=True)
    out = {k: v for k, v in result.items() if k != "model"}
    return {**out, "checkpoint": str(out_path), "card": str(card_path(out_path))}


def adapt_command(model_path, network_path, out_path, config: AdaptConfig) -> str:
    """The ``netinv adapt`` command line that runs this adaptation again (settings that differ from the
    defaults, and the steps and seed, as ``--name=value``)."""
    parts = ["netinv", "adapt", str(network_path), "--model", str(model_path), "--out", str(out_path)]
    default = AdaptConfig()
    for field in dataclasses.fields(AdaptConfig):
        value = getattr(config, field.name)
        if value == getattr(default, field.name) and field.name not in ("steps", "seed"):
            continue
        parts.append(f"--{field.name.replace('_', '-')}={value}")
    return shlex.join(parts)


def parse_config(values: dict) -> AdaptConfig:
    """An :class:`AdaptConfig` from command-line values (name with dashes or underscores -> text; threads
    ``"none"`` for None); a bad value is a one-line InputError naming it."""
    from netinv.learn.loop import parse_settings

    return parse_settings(AdaptConfig, values, "adapt")

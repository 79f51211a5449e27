"""Fine-tuning a trained GNN policy through the differentiable simulator (hindsight differentiable policy
optimization, Alvo, Russo & Kanoria 2023).

Imitation (:mod:`netinv.learn.train`) can only be as good as the fit to its teacher; fine-tuning
optimizes what the simulator judges. Each step:

1. draws ``small_per_step`` training networks of ``small_nodes`` nodes and ``large_per_step`` of
   ``large_nodes`` nodes (log-uniform; kinds ``large_kinds``: plants serving hundreds of stores, which
   the imitation data never holds) with :func:`netinv.learn.dataset.sample_network` from the training
   seeds (``network_seed`` >= 1000; held-out evaluation networks use seeds < 1000), and demand paths;
2. rolls the GNN policy through the twin (:mod:`netinv.learn.diffsim`) for ``periods`` periods from
   each network's initial state, the ``periods_left`` feature counting down to the end as in
   ``netinv evaluate``;
3. loss = minus the mean over networks of the network's *normalized* profit

       profit_n = sum_t mean_b profit[t, b] / (cost_scale_n * demand_scale_n * periods)

   (cost scale [c] and total mean demand per period of :mod:`netinv.learn.features`: a 10-node
   network and a 1,000-node one weigh alike), plus, when ``parent_weight`` > 0, that weight times the
   Huber distance (in units of the edge scale mu) between the orders and those of the imitation-trained
   parent model in the same states (an imitation regularizer that keeps the policy near its teacher's
   behaviour where the profit says little);
4. backpropagates through time (every ``truncate`` periods the state is cut from the gradient; None:
   the whole horizon), clips the gradient norm to ``grad_clip`` and takes an Adam step.

Every ``eval_every`` steps (and before the first), the model is scored on fixed validation networks
(``validation_seed``, also >= 1000, never trained on) and fixed paths in the twin (equal to the
simulator's profit); the best-scoring weights (the parent's, if nothing beat it) are saved.

Determinism and resume: networks and paths of step k come from ``SeedSequence([seed, k])``; on a CPU
with the same torch threads the run is deterministic. The training state (weights, optimizer, history,
best weights) is written atomically to ``OUT.partial`` every ``save_every`` steps and when Ctrl-C or
SIGTERM stops the run (after the current step); a rerun with the same arguments resumes there and ends
with the checkpoint an uninterrupted run writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from netinv import attrs
from netinv.errors import InputError, TrainingInterrupted
from netinv.fileio import StopOnSignal
from netinv.learn.checkpoint import (
    card_path,
    load_model,
    save_model,
    versions,
)
from netinv.learn.diffsim import DiffSim, TwinFeatures, TwinGNNPolicy
from netinv.learn.loop import (
    copy_state,
    interrupted_message,
    parse_settings,
    partial_path,
    restore,
    save_partial,
)
from netinv.learn.model import OrderGNN

PARTIAL_FORMAT = "netinv-finetune-state-2"
LOSSES = ("scale", "relative")


MAX_NETWORK_NODES = 200_000  # nodes of a generated training network (netinv.cli.common.MAX_GENERATED_NODES)


@dataclass(frozen=True)
class FinetuneConfig:
    """What to fine-tune on and how.

    steps: gradient steps.
    seed: seeds the networks and demand paths of every step.
    lr: Adam's learning rate at the first step; it follows a half cosine down to ``lr *
        final_lr_fraction`` at the last step (1: constant). grad_clip: largest gradient norm of a step.
    periods: horizon T of every rollout (from the network's initial state).
    small_per_step / small_nodes / small_paths: networks of the imitation data's sizes per step, their
        node range and demand paths each.
    large_per_step / large_nodes / large_paths / large_kinds: larger networks per step (node count
        log-uniform in the range), their paths each and the kinds drawn.
    network_seed: base seed of the training networks (>= 1000, the training seeds).
    validation_networks / validation_large / validation_paths / validation_seed: the fixed validation
        set (small networks, large networks, paths each, base seed >= 1000 and != network_seed).
    eval_every: steps between validations. save_every: steps between resumable states.
    truncate: periods between cuts of the gradient through the state (None: full horizon).
    parent_weight: weight of the Huber distance to the parent model's orders (0: off).
    holding_log10: holding and pipeline holding costs of each training network times 10^U(low, high)
        (domain randomization towards cheap storage relative to prices; (0, 0): as sampled).
    shortage_log10: shortage costs of each training network times 10^U(low, high) (towards networks
        where a backorder costs little beside the price, as in the published 9-node network; (0, 0): off).
    perez_like_per_step / perez_like_paths / validation_perez_like: networks of the Perez et al. (2021)
        family (:func:`netinv.network.generators.perez_like_network`: raw-material sources, capacitated
        plants with yields and operating costs, long lead times, shortage cost 2-10% of the price) per
        step, their demand paths each, and how many join the validation set (0: none).
    perez_like_weight: weight of each such network in the loss and in the validation mean (the others
        weigh 1): their normalized profits move by tenths where a generated network's move by units.
    loss: how each network's profit enters the loss and the validation score. ``"scale"``: divided by
        cost scale x total mean demand x periods (as above). ``"relative"``: divided again by its own
        magnitude, ``max(|profit|, relative_floor x (revenue + costs))`` (held constant in the gradient),
        so that every network's gradient is that of the log of its profit or cost: a network gains as
        much from a 1% better profit as any other, which is what a mean relative gap (to the teacher,
        to the published figures) asks, where under ``"scale"`` gradient norms differ tenfold between
        kinds of network. Validation then scores each network's profit divided by that magnitude of the
        parent model's profit on it.
    relative_floor: the floor of that magnitude as a fraction of the network's revenue plus costs (a
        profit near 0 would otherwise weigh without bound).
    priority: give a parent without one the rationing head (:class:`netinv.learn.model.ModelConfig`),
        started at equal priorities so that the run starts from the parent's own orders, and learn it
        with the rest (a parent that has the head keeps it either way).
    threads: torch threads (None: leave torch's setting).
    workers: processes that compute a step's networks at once (1: this process alone). Each network's
        gradient is computed as one process would compute it and they are summed in the same order, so
        every worker count gives bit for bit the same run (and a run may resume with another count);
        the validations stay in this process.
    """

    steps: int = 200
    seed: int = 0
    lr: float = 1e-3
    final_lr_fraction: float = 0.1
    grad_clip: float = 1.0
    periods: int = 30
    small_per_step: int = 4
    small_nodes: tuple[int, int] = (5, 30)
    small_paths: int = 8
    large_per_step: int = 1
    large_nodes: tuple[int, int] = (50, 1000)
    large_paths: int = 2
    large_kinds: tuple[str, ...] = ("distribution", "general")
    network_seed: int = 1100
    validation_networks: int = 12
    validation_large: int = 3
    validation_paths: int = 8
    validation_seed: int = 1200
    eval_every: int = 20
    save_every: int = 10
    truncate: int | None = None
    parent_weight: float = 0.0
    holding_log10: tuple[float, float] = (0.0, 0.0)
    shortage_log10: tuple[float, float] = (0.0, 0.0)
    perez_like_per_step: int = 0
    perez_like_paths: int = 8
    validation_perez_like: int = 0
    perez_like_weight: float = 1.0
    loss: str = "scale"
    relative_floor: float = 0.1
    priority: bool = False
    threads: int | None = 1
    workers: int = 1

    def __post_init__(self):
        for name in ("steps", "periods", "small_paths", "large_paths", "validation_paths", "eval_every",
                     "save_every", "perez_like_paths", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"finetune: {name} must be an integer >= 1, got {value!r}")
        for name in ("seed", "small_per_step", "large_per_step", "validation_networks", "validation_large",
                     "perez_like_per_step", "validation_perez_like"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(f"finetune: {name} must be an integer >= 0, got {value!r}")
        if self.small_per_step + self.large_per_step + self.perez_like_per_step < 1:
            raise InputError("finetune: small_per_step + large_per_step + perez_like_per_step must be >= 1")
        if self.validation_networks + self.validation_large + self.validation_perez_like < 1:
            raise InputError("finetune: validation_networks + validation_large + validation_perez_like must be >= 1")
        for name in ("network_seed", "validation_seed"):
            if getattr(self, name) < 1000:
                raise InputError(f"finetune: {name} must be >= 1000 (seeds below 1000 are the held-out "
                                 f"evaluation networks), got {getattr(self, name)}")
        if self.network_seed == self.validation_seed:
            raise InputError("finetune: validation_seed must differ from network_seed")
        for name in ("small_nodes", "large_nodes"):
            low, high = getattr(self, name)
            if not 2 <= low <= high <= MAX_NETWORK_NODES:
                raise InputError(f"finetune: {name} must be a range 2 <= low <= high <= {MAX_NETWORK_NODES:,}, "
                                 f"got {(low, high)}")
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int)
                                         or not 1 <= self.threads <= 1024):
            raise InputError(f"finetune: threads must be an integer from 1 to 1024 (or none), got {self.threads!r}")
        for name in ("lr", "grad_clip"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise InputError(f"finetune: {name} must be a number > 0, got {value!r}")
        if not 0 < self.final_lr_fraction <= 1:
            raise InputError(f"finetune: final_lr_fraction must be in (0, 1], got {self.final_lr_fraction!r}")
        if not (math.isfinite(self.perez_like_weight) and self.perez_like_weight > 0):
            raise InputError(f"finetune: perez_like_weight must be a number > 0, got {self.perez_like_weight!r}")
        if not (math.isfinite(self.parent_weight) and self.parent_weight >= 0):
            raise InputError(f"finetune: parent_weight must be a number >= 0, got {self.parent_weight!r}")
        for name in ("holding_log10", "shortage_log10"):
            low, high = getattr(self, name)
            if not (math.isfinite(low) and math.isfinite(high) and low <= high):
                raise InputError(f"finetune: {name} must be a range low <= high, got {getattr(self, name)}")
        if self.loss not in LOSSES:
            raise InputError(f"finetune: loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if not (math.isfinite(self.relative_floor) and 0 < self.relative_floor <= 1):
            raise InputError(f"finetune: relative_floor must be in (0, 1], got {self.relative_floor!r}")
        if self.truncate is not None and self.truncate < 1:
            raise InputError(f"finetune: truncate must be None or an integer >= 1, got {self.truncate!r}")


@dataclass(frozen=True)
class StepMetrics:
    """One step: its learning rate ``lr``, ``loss`` (minus the mean normalized profit, plus the regularizer), ``profit`` (mean
    normalized profit of the step's networks), ``grad_norm`` (before clipping), the step's networks
    (name, nodes), and where the step validated, ``validation`` (mean normalized profit on the validation
    set) and ``best_step`` so far; wall ``seconds``."""

    step: int
    lr: float
    loss: float
    profit: float
    grad_norm: float
    networks: list
    validation: float | None
    best_step: int
    seconds: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class TwinNetwork:
    """One network of a fine-tuning or adaptation step: its differentiable twin ``sim``, its ``features``,
    demand paths ``demand`` (T, D, B) and the ``scale`` that normalizes its profit in the loss."""

    name: str
    info: dict
    sim: DiffSim
    features: TwinFeatures
    demand: torch.Tensor  # (T, D, B)
    scale: float  # cost_scale * demand_scale * periods
    weight: float = 1.0  # in the loss and the validation mean


def training_network(config: FinetuneConfig, seed_base: int, index: int, large: bool, paths: int,
                     demand_seed) -> TwinNetwork:
    """Network ``index`` of base seed ``seed_base`` (small or large, see :class:`FinetuneConfig`) with
    ``paths`` demand paths drawn from ``demand_seed``."""
    from netinv.learn.dataset import KINDS, sample_network

    if large:
        low, high = config.large_nodes
        size = int(round(math.exp(np.random.default_rng([seed_base, index, 7]).uniform(math.log(low),
                                                                                        math.log(high)))))
        graph, info = sample_network(seed_base, index, (size, size), kinds=config.large_kinds)
    else:
        graph, info = sample_network(seed_base, index, config.small_nodes, kinds=KINDS)
    low, high = config.holding_log10
    if high > low or low != 0.0:
        factor = 10.0 ** np.random.default_rng([seed_base, index, 8]).uniform(low, high)
        for _, data in graph.nodes(data=True):
            data[attrs.HOLDING_COST] = data.get(attrs.HOLDING_COST, 0.0) * factor
        for _, _, data in graph.edges(data=True):
            data[attrs.PIPELINE_HOLDING_COST] = data.get(attrs.PIPELINE_HOLDING_COST, 0.0) * factor
        info = {**info, "holding_factor": float(factor)}
    low, high = config.shortage_log10
    if high > low or low != 0.0:
        factor = 10.0 ** np.random.default_rng([seed_base, index, 9]).uniform(low, high)
        for _, data in graph.nodes(data=True):
            if data.get(attrs.SHORTAGE_COST) is not None:
                data[attrs.SHORTAGE_COST] = data[attrs.SHORTAGE_COST] * factor
        info = {**info, "shortage_factor": float(factor)}
    return twin_network(config, graph, info["name"],
                         {"seed": seed_base, "index": index, "nodes": info["nodes"], "kind": info["kind"]},
                         paths, demand_seed)


def perez_like_training_network(config: FinetuneConfig, seed_base: int, index: int, paths: int,
                                demand_seed) -> TwinNetwork:
    """Network ``index`` of the Perez et al. (2021) family for base seed ``seed_base`` (generator seed
    ``seed_base * 100_000 + index``, >= 1000 like every training seed) with ``paths`` demand paths."""
    from netinv.network.generators import perez_like_network

    graph = perez_like_network(seed_base * 100_000 + index)
    info = {"seed": seed_base, "index": index, "nodes": graph.number_of_nodes(), "kind": "perez-like"}
    return twin_network(config, graph, graph.graph[attrs.NAME], info, paths, demand_seed,
                         weight=config.perez_like_weight)


def twin_network(config: FinetuneConfig, graph, name: str, info: dict, paths: int, demand_seed,
                 weight: float = 1.0) -> TwinNetwork:
    """The :class:`TwinNetwork` of ``graph``: compiled, its twin and features, ``paths`` demand paths of
    ``config.periods`` periods drawn from ``demand_seed``, and its loss scale (cost scale x demand scale x
    periods). Fine-tuning's training networks and test-time adaptation's one network are made here."""
    from netinv.demand.distributions import DemandSampler
    from netinv.network.compile import compile_network

    arrays = compile_network(graph)
    sim = DiffSim(arrays)
    features = TwinFeatures(arrays)
    demand = DemandSampler(arrays.demand_specs, seed=demand_seed).draw(0, config.periods, paths)
    net = features.network
    scale = float(net.cost_scale * max(net.demand_scale, 1e-9) * config.periods)
    return TwinNetwork(name, info, sim, features, torch.from_numpy(np.ascontiguousarray(demand)), scale,
                    weight)


def step_networks(config: FinetuneConfig, step: int) -> list[TwinNetwork]:
    """The networks and demand paths of step ``step`` (a pure function of the configuration)."""
    return [step_network(config, step, k) for k in range(networks_per_step(config))]


def networks_per_step(config: FinetuneConfig) -> int:
    return config.small_per_step + config.large_per_step + config.perez_like_per_step


def step_network(config: FinetuneConfig, step: int, k: int) -> TwinNetwork:
    """Network ``k`` of step ``step``: the small ones first, then the large, then the perez-like."""
    seeds = np.random.default_rng([config.seed, step]).integers(2**31, size=config.small_per_step + config.large_per_step)
    if k < config.small_per_step:
        index = step * config.small_per_step + k
        return training_network(config, config.network_seed, index, False, config.small_paths, int(seeds[k]))
    k -= config.small_per_step
    if k < config.large_per_step:
        index = 1_000_000 + step * config.large_per_step + k
        return training_network(config, config.network_seed, index, True, config.large_paths,
                                int(seeds[config.small_per_step + k]))
    k -= config.large_per_step
    perez_seeds = np.random.default_rng([config.seed, step, 1]).integers(2**31, size=config.perez_like_per_step)
    return perez_like_training_network(config, config.network_seed, step * config.perez_like_per_step + k,
                                       config.perez_like_paths, int(perez_seeds[k]))


def network_gradient(model, network: TwinNetwork, config: FinetuneConfig, count: int, parent=None) -> tuple[float, float]:
    """Backpropagate one network's share of the step's loss into ``model``'s gradients (added to what
    they hold); returns (normalized profit, loss)."""
    profit, distance, gross = normalized_profit(model, network, config.periods, parent=parent,
                                                truncate=config.truncate)
    loss = -profit
    if config.loss == "relative":
        loss = loss / relative_magnitude(float(profit.detach()), gross, config.relative_floor)
    if distance is not None:
        loss = loss + config.parent_weight * distance
    (loss * network.weight / count).backward()
    return float(profit.detach()), float(loss.detach())


class _StepPool:
    """Worker processes that compute a step's networks' gradients at once (``FinetuneConfig.workers``).

    The workers share the model's parameters (shared memory: the optimizer's in-place updates reach
    them) and build the networks themselves from (step, k). Each returns one network's gradient alone;
    they are added up here in the networks' order, as one process's backward passes would add them."""

    def __init__(self, model, config: FinetuneConfig, parent_path):
        import torch.multiprocessing as mp

        model.share_memory()
        context = mp.get_context("spawn")
        self.pool = context.Pool(config.workers, initializer=_worker_start,
                                 initargs=(model, config, parent_path if config.parent_weight > 0 else None))
        self.model, self.config = model, config

    def step(self, step: int) -> tuple[list[float], list[float], list]:
        count = networks_per_step(self.config)
        results = self.pool.map(_worker_network, [(step, k, count) for k in range(count)], chunksize=1)
        params = list(self.model.parameters())
        for p in params:
            p.grad = None
        for grads, _, _, _ in results:
            for p, g in zip(params, grads):
                if g is None:
                    continue
                g = torch.from_numpy(g)
                if p.grad is None:
                    p.grad = g
                else:
                    p.grad += g
        return ([r[1] for r in results], [r[2] for r in results], [r[3] for r in results])

    def close(self):
        self.pool.terminate()
        self.pool.join()


_WORKER: dict = {}


def _worker_start(model, config: FinetuneConfig, parent_path) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    parent = None
    if parent_path is not None:
        parent = load_model(parent_path)
        for p in parent.parameters():
            p.requires_grad_(False)
    _WORKER.update(model=model, config=config, parent=parent)


def _worker_network(task):
    step, k, count = task
    model, config = _WORKER["model"], _WORKER["config"]
    network = step_network(config, step, k)
    model.train()
    for p in model.parameters():
        p.grad = None
    profit, loss = network_gradient(model, network, config, count, _WORKER["parent"])
    grads = [None if p.grad is None else p.grad.numpy().copy() for p in model.parameters()]
    return grads, profit, loss, [network.name, network.info["nodes"]]


def validation_networks(config: FinetuneConfig) -> list[TwinNetwork]:
    """The fixed validation set (networks never trained on, fixed paths)."""
    out = [training_network(config, config.validation_seed, k, False, config.validation_paths, [config.validation_seed, k])
           for k in range(config.validation_networks)]
    out += [training_network(config, config.validation_seed, 1_000_000 + k, True, config.validation_paths,
                             [config.validation_seed, 1_000_000 + k]) for k in range(config.validation_large)]
    out += [perez_like_training_network(config, config.validation_seed, k, config.validation_paths,
                                        [config.validation_seed, 2_000_000 + k]) for k in range(config.validation_perez_like)]
    return out


def normalized_profit(model, network: TwinNetwork, periods: int, *, parent=None, truncate: int | None = None):
    """(normalized profit, Huber distance to the parent's orders or None, normalized revenue + costs) of
    ``model`` on ``network`` (the third a plain float)."""
    policy = TwinGNNPolicy(model, network.sim, network.features, periods=periods)
    distances = []
    if parent is not None:
        reference = TwinGNNPolicy(parent, network.sim, network.features, periods=periods)
        mu = network.features.mu

        def act(state):
            orders = policy(state)
            with torch.no_grad():
                target = reference(state.detach())
            distances.append(torch.nn.functional.huber_loss(orders / mu, target / mu))
            return orders
    else:
        act = policy
    rollout = network.sim.rollout(act, network.demand, truncate=truncate)
    profit = rollout.profit.sum(dim=0).mean() / network.scale
    gross = float((rollout.revenue + rollout.cost).sum(dim=0).mean().detach()) / network.scale
    return profit, (torch.stack(distances).mean() if distances else None), gross


def relative_magnitude(profit: float, gross: float, floor: float) -> float:
    """The magnitude a profit is divided by under ``loss="relative"``: ``max(|profit|, floor x gross)``."""
    return max(abs(profit), floor * abs(gross), 1e-12)


@torch.no_grad()
def validate(model, networks: list[TwinNetwork], periods: int, magnitudes: list[float] | None = None) -> float:
    """Mean normalized profit of ``model`` on ``networks``, weighted by their ``weight`` (the twin; equal
    to the simulator's); with ``magnitudes`` (one per network), each profit divided by its magnitude."""
    model.eval()
    profits = [float(normalized_profit(model, n, periods)[0]) for n in networks]
    if magnitudes is not None:
        profits = [p / m for p, m in zip(profits, magnitudes)]
    return float(np.average(profits, weights=[n.weight for n in networks]))


@torch.no_grad()
def parent_validation(model, networks: list[TwinNetwork], config: FinetuneConfig) -> tuple[list[float] | None, float]:
    """``(magnitudes, score)`` of ``model`` (the parent) from one rollout per validation network: under
    ``loss="relative"`` the magnitude of its profit on each network (:func:`relative_magnitude`, else
    None), and its validation score (what :func:`validate` gives it with those magnitudes)."""
    model.eval()
    profits, magnitudes = [], []
    for network in networks:
        profit, _, gross = normalized_profit(model, network, config.periods)
        profits.append(float(profit))
        magnitudes.append(relative_magnitude(float(profit), gross, config.relative_floor))
    if config.loss != "relative":
        return None, float(np.average(profits, weights=[n.weight for n in networks]))
    scores = [p / m for p, m in zip(profits, magnitudes)]
    return magnitudes, float(np.average(scores, weights=[n.weight for n in networks]))


def validation_magnitudes(model, networks: list[TwinNetwork], config: FinetuneConfig) -> list[float] | None:
    """Under ``loss="relative"``, the magnitude of ``model``'s (the parent's) profit on each validation
    network (:func:`relative_magnitude`); else None."""
    return parent_validation(model, networks, config)[0]


def with_priority_head(model: OrderGNN, seed: int = 0) -> OrderGNN:
    """A copy of ``model`` with the rationing head added at equal priorities: the same orders, since equal
    priorities ration in proportion as a model without the head does. The head's hidden layers are drawn
    from ``seed`` (its last layer is zero): they set its first gradients, so an unseeded draw would make
    every run differ."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        upgraded = OrderGNN(dataclasses.replace(model.config, priority=True))
    missing, unexpected = upgraded.load_state_dict(model.state_dict(), strict=False)
    assert not unexpected and all(name.startswith("priority.") for name in missing)
    return upgraded.train(model.training)


def finetune(model_path: str | Path, out_path: str | Path, config: FinetuneConfig = FinetuneConfig(), *,
             progress: Callable[[StepMetrics, int], None] | None = None, resume: bool = True) -> dict:
    """Fine-tune the model at ``model_path`` (see the module docstring) and save the best-validating
    weights to ``out_path`` with a model card beside it.

    ``progress(metrics, steps)`` is called after every step. Returns ``checkpoint`` and ``card`` (paths),
    ``best_step``, ``validation`` (the parent's and the best validation profit), ``steps_run``,
    ``resumed_from`` (the step a resumed run started after, else None), ``history`` and ``seconds``."""
    started = time.perf_counter()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    model_path, out_path = Path(model_path), Path(out_path)
    parent_sha = hashlib.sha256(model_path.read_bytes()).hexdigest() if model_path.is_file() else None
    model = load_model(model_path)
    if config.priority and not model.config.priority:
        model = with_priority_head(model, config.seed)
    parent = None
    if config.parent_weight > 0:
        parent = load_model(model_path)
        for p in parent.parameters():
            p.requires_grad_(False)
    partial = partial_path(out_path)
    fingerprint = {"parent_sha256": parent_sha,
                   **{k: v for k, v in _plain(dataclasses.asdict(config)).items() if k not in ("threads", "workers")}}
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    validation = validation_networks(config)
    magnitudes, parent_score = parent_validation(model, validation, config)
    history: list[dict] = []
    best = {"step": 0, "profit": -math.inf, "state": copy_state(model), "parent": None}
    resumed_from = None
    if resume and partial.exists():
        resumed_from = restore(partial, fingerprint, model, optimizer, history, best, format=PARTIAL_FORMAT,
                                what="fine-tuning")
    if best["parent"] is None:
        best["parent"] = best["profit"] = parent_score

    pool = _StepPool(model, config, model_path) if config.workers > 1 else None
    try:
        run_steps(model, parent, optimizer, config, validation, magnitudes, history, best, partial,
                   fingerprint, progress, pool)
    finally:
        if pool is not None:
            pool.close()

    model.load_state_dict(best["state"])
    seconds = time.perf_counter() - started
    card = _card(config, model_path, parent_sha, out_path, validation, history, best, seconds)
    save_model(model, out_path, card)
    partial.unlink(missing_ok=True)
    return {"checkpoint": str(out_path), "card": str(card_path(out_path)), "best_step": best["step"],
            "validation": {"parent": best["parent"], "best": best["profit"]}, "steps_run": len(history),
            "resumed_from": resumed_from, "history": history, "seconds": seconds}


def run_steps(model, parent, optimizer, config: FinetuneConfig, validation, magnitudes, history: list, best: dict,
              partial: Path | None, fingerprint: dict, progress, pool: _StepPool | None,
              networks_of: Callable[[int], list[TwinNetwork]] | None = None, *, partial_format: str = PARTIAL_FORMAT,
              what: str = "fine-tuning") -> None:
    """The gradient steps after those in ``history``: the loop that fine-tuning (:func:`finetune`) and
    test-time adaptation (:func:`netinv.learn.adapt.adapt`) share.

    Each step: the gradient of ``network_gradient`` summed over the step's networks (``networks_of(step)``,
    default :func:`step_networks`; or ``pool``'s workers), clipped to ``config.grad_clip``, an Adam step at
    :func:`learning_rate`; every ``config.eval_every`` steps :func:`validate` on ``validation``, keeping
    the best weights in ``best`` (see :mod:`netinv.learn.loop`). Appends one :class:`StepMetrics` dict per
    step to ``history`` and calls ``progress(metrics, config.steps)``.

    Without ``partial`` nothing is saved and Ctrl-C raises KeyboardInterrupt after the current step; with
    one, the state is saved there in ``partial_format`` every ``config.save_every`` steps and on Ctrl-C,
    which then raises :class:`~netinv.errors.TrainingInterrupted` (``what``: the loop's name in it)."""
    with StopOnSignal() as stop:
        step = len(history)
        while step < config.steps:
            if stop.is_set():
                if partial is None:
                    raise KeyboardInterrupt
                save_partial(partial, fingerprint, model, optimizer, history, best, format=partial_format)
                raise TrainingInterrupted(interrupted_message(step, config.steps, partial, what=what,
                                                              unit="step"))
            step += 1
            tick = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            if pool is not None:
                profits, losses, names = pool.step(step)
            else:
                networks = networks_of(step) if networks_of is not None else step_networks(config, step)
                model.train()
                profits, losses = [], []
                for network in networks:
                    profit, loss = network_gradient(model, network, config, len(networks), parent)
                    profits.append(profit)
                    losses.append(loss)
                names = [[n.name, n.info["nodes"]] for n in networks]
            grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip))
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, step)
            if math.isfinite(grad_norm):
                optimizer.step()
            score = None
            if step % config.eval_every == 0 or step == config.steps:
                score = validate(model, validation, config.periods, magnitudes)
                if score > best["profit"]:
                    best.update(step=step, profit=score, state=copy_state(model))
            metrics = StepMetrics(step=step, lr=learning_rate(config, step), loss=float(np.mean(losses)), profit=float(np.mean(profits)),
                                  grad_norm=grad_norm, networks=names,
                                  validation=score, best_step=best["step"], seconds=time.perf_counter() - tick)
            history.append(metrics.to_dict())
            if partial is not None and step % config.save_every == 0 and step < config.steps:
                save_partial(partial, fingerprint, model, optimizer, history, best, format=partial_format)
            if progress is not None:
                progress(metrics, config.steps)


def parse_config(values: dict) -> FinetuneConfig:
    """A :class:`FinetuneConfig` from command-line values: field name (underscores or dashes) -> text (or
    an already typed value); ranges and lists as ``"50,1000"`` or ``"50-1000"``, ``truncate`` / ``threads``
    ``"none"`` for None. Fields not given keep their defaults; a bad value raises an InputError naming it."""
    return parse_settings(FinetuneConfig, values, "finetune")


def learning_rate(config: FinetuneConfig, step: int) -> float:
    """The learning rate of step ``step`` (1-based): a half cosine from ``lr`` to ``lr * final_lr_fraction``."""
    progress = (step - 1) / max(config.steps - 1, 1)
    low = config.final_lr_fraction
    return config.lr * (low + (1.0 - low) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def finetune_command(model_path, out_path, config: FinetuneConfig) -> str:
    """The ``netinv finetune`` command line that runs this fine-tuning again: every setting that differs
    from the default as ``--name-with-dashes=VALUE`` (ranges and lists comma-separated)."""
    parts = ["netinv", "finetune", "--model", str(model_path), "--out", str(out_path)]
    default = FinetuneConfig()
    for field in dataclasses.fields(FinetuneConfig):
        value = getattr(config, field.name)
        if value == getattr(default, field.name) and field.name not in ("steps", "seed"):
            continue
        text = ",".join(str(v) for v in value) if isinstance(value, tuple) else str(value)
        parts.append(f"--{field.name.replace('_', '-')}={text}")  # '=': a value may start with '-'

    return shlex.join(parts)


# ------------------------------------------------------------------------------------------------
# resumable state and the card


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _card(config: FinetuneConfig, model_path: Path, parent_sha, out_path: Path, validation, history, best,
          seconds) -> dict:
    sizes = [nodes for h in history for _, nodes in h["networks"]]
    return {
        "data": {
            "method": "hindsight differentiable policy optimization (Alvo, Russo & Kanoria 2023) through "
                      "netinv.learn.diffsim, from the parent model's imitation training",
            "parent": {"checkpoint": str(model_path), "sha256": parent_sha},
            "training_networks": {
                "sampler": "netinv.learn.dataset.sample_network",
                "seed": config.network_seed,
                "small_indices": [0, config.steps * config.small_per_step],
                "large_indices": [1_000_000, 1_000_000 + config.steps * config.large_per_step],
                "networks": len(sizes),
                "nodes_min": min(sizes) if sizes else None,
                "nodes_max": max(sizes) if sizes else None,
                "nodes_mean": float(np.mean(sizes)) if sizes else None,
                "perez_like": ({"generator": "netinv.network.generators.perez_like_network",
                                "seeds": [config.network_seed * 100_000,
                                          config.network_seed * 100_000 + config.steps * config.perez_like_per_step],
                                "per_step": config.perez_like_per_step, "weight": config.perez_like_weight}
                               if config.perez_like_per_step else None),
            },
            "validation_networks": [[n.name, n.info["nodes"]] for n in validation],
        },
        "configuration": {
            **_plain(dataclasses.asdict(config)),
            "optimizer": {"name": "Adam", "lr": config.lr, "grad_clip_norm": config.grad_clip},
            "loss": "minus mean over networks of sum_t mean_b profit / (cost_scale * demand_scale * periods)"
                    + (f" / max(|that|, {config.relative_floor} * (revenue + costs) likewise) [held constant]"
                       if config.loss == "relative" else "")
                    + (f" + {config.parent_weight} * Huber(orders, parent orders) [mu]" if config.parent_weight else ""),
            "torch_threads": torch.get_num_threads(),
        },
        "metrics": {
            "parent_validation_profit": best["parent"],
            "best_validation_profit": best["profit"],
            "best_step": best["step"],
            "steps_run": len(history),
            "history": history,
            "seconds": round(seconds, 3),
        },
        "versions": versions(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "retrain": finetune_command(model_path, out_path, config),
    }

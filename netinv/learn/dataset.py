"""Exact-solution samples for the GNN policy: generated networks, teacher labels, shards on disk.

:func:`generate_dataset` draws ``networks`` random networks (:func:`sample_network`), simulates each
on ``paths`` demand paths for ``periods`` periods under a :class:`~netinv.learn.teacher.Recorder`, and
writes the samples (one per path and period, format in :func:`netinv.learn.teacher.make_samples`)
into a folder, a fixed number of networks per shard::

    DIR/manifest.json             what was generated: parameters, netinv version, shards done
    DIR/round0-shard00000.pt      networks 0 .. networks_per_shard - 1 of DAgger round 0
    DIR/round0-shard00001.pt      ...

:class:`NetinvDataset` reads the folder back as a PyG ``InMemoryDataset``.

Seeds
-----
Every random choice of network i comes from ``numpy.random.SeedSequence([seed, i, purpose])``: its
structure and attributes, its demand paths, the teacher's scenario draws and DAgger's mixing draws. So
the samples depend only on the arguments, never on the backend, the number of workers or the order in
which shards finish: the same arguments give the same shard files, byte for byte.

**Reserved seeds: training networks use seeds >= 1000** (:data:`TRAINING_SEEDS_START`; generate_dataset
refuses smaller ones). **Held-out evaluation networks use seeds < 1000**: draw them with
:func:`sample_network` (same distribution, disjoint seeds), so no evaluation network is ever trained on.
A network's global id is ``seed * 1_000_000 + i`` (:func:`network_id`).

Networks (:func:`sample_network`)
---------------------------------
nodes uniform in ``nodes`` (sources included); kind uniform among serial, assembly, distribution and
general (those that exist at that size: general needs 8 nodes, distribution 4); then, on the
generator's network (:mod:`netinv.network.generators`: lead times 0-4, costs, plant capacities, normal
or Poisson demand):

- costs and prices times 10^U(-1, 1) (features and objectives are normalized by the cost scale);
- volume times 10^U(-1, 1.5): demand mean and std, capacities and initial inventory;
- initial inventory times 10^U(-0.5, 1.3), i.e. 0.3 to 20 (some networks start short, some hold stock
  for dozens of periods, as the published 9-node network does);
- supply lead times times 1, 2 or 3 (probabilities 0.5, 0.25, 0.25; so 0 to 12 periods);
- in 30% of networks unfilled orders on supply edges are lost (edge ``backlog: false``) rather than owed;
- lost sales: each demand node loses unmet demand with probability 0, 0.5 or 1 (chosen per network with
  probabilities 0.6, 0.2, 0.2);
- edge capacities: in 40% of networks, each supply edge gets, with probability 0.3, a capacity of
  U(1.1, 2.0) times its mean flow per period.

Episodes: for half of the networks (:data:`FINITE_EPISODES`) the teacher plans for an episode that ends
with the simulation (its window cut at period ``periods``; the ``periods_left`` feature counts down), for
the others it plans for an endless one (``periods_left`` stays 1): see :mod:`netinv.learn.teacher`.

Sharding, resume and interruption
---------------------------------
Shard k of round r holds networks ``k * networks_per_shard`` onwards; each is written atomically (a
temporary file, then ``os.replace``) by the parent process, which then updates the manifest (also
atomically). A rerun with the same arguments skips every shard already on disk (checking that it was
made with the same arguments) and makes the rest; a rerun with other arguments for a round the folder
already holds is an :class:`~netinv.errors.InputError`. Several DAgger rounds can share a folder (each
round keeps its own arguments). Ctrl-C or SIGTERM stop the run within a second or two (the worker
processes are killed; their unfinished shards are dropped) and leave every finished shard.

Shard files hold only tensors, strings and numbers (PyG's ``collate`` output as a dict) and are read with
``torch.load(path, weights_only=True)``: a tampered file cannot run code.

A network whose teacher cannot plan (a :class:`~netinv.errors.SolverError`) is left out of its shard;
the manifest lists it with the solver's message under ``error`` and the summary counts it in
``networks_failed``.

Backends: ``local`` runs the shards on ``workers`` processes (``spawn``; ``workers=1`` runs them in this
process; a script that calls :func:`generate_dataset` with more workers needs the usual
``if __name__ == "__main__":`` guard); ``ray`` submits the same shard function as Ray tasks to
``address`` (a running cluster, whose workers must have netinv installed) or to a local Ray runtime of
``workers`` CPUs. Ray is imported only there. Each shard runs torch on one thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import torch
from torch_geometric.data import Data, InMemoryDataset

from netinv import attrs
from netinv.errors import InputError, NetinvError, SolverError
from netinv.fileio import atomic_write_bytes, atomic_write_text
from netinv.learn.teacher import Recorder, TeacherConfig, make_teacher

TRAINING_SEEDS_START = 1000
NETWORK_ID_STRIDE = 1_000_000
MANIFEST = "manifest.json"
FORMAT = "netinv-dataset"
SHARD_FORMAT = "netinv-samples"
FORMAT_VERSION = 1
BACKENDS = ("local", "ray")

DEFAULT_PERIODS = 24
DEFAULT_PATHS = 4
DEFAULT_NETWORKS_PER_SHARD = 2

KINDS = ("serial", "assembly", "distribution", "general")
MIN_NODES = {"serial": 2, "assembly": 2, "distribution": 4, "general": 8}
COST_FACTOR_LOG10 = (-1.0, 1.0)
VOLUME_FACTOR_LOG10 = (-1.0, 1.5)
INITIAL_INVENTORY_LOG10 = (-0.5, 1.3)
LEAD_TIME_STRETCH = ((1, 0.5), (2, 0.25), (3, 0.25))  # (factor on supply lead times, probability)
LOST_ORDERS_NETWORKS = 0.3  # share of networks whose supply edges lose what a source cannot ship
LOST_SALES_SHARES = ((0.0, 0.6), (0.5, 0.2), (1.0, 0.2))  # (share of demand nodes, probability)
EDGE_CAPACITY_NETWORKS = 0.4
EDGE_CAPACITY_EDGES = 0.3
EDGE_CAPACITY_FACTOR = (1.1, 2.0)

FINITE_EPISODES = 0.5  # share of networks whose teacher plans for an episode that ends with the simulation

# purposes of the seed sequences [seed, network index, purpose]
_NETWORK, _DEMAND, _TEACHER, _MIXING, _EPISODE = range(5)

_SHARD_NAME = re.compile(r"round(\d+)-shard(\d+)\.pt")
_TEMP_NAME = re.compile(r"\..+\.\d+\.tmp")

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: shards finished (those found on disk included) out of the round's shards."""


@dataclass(frozen=True)
class DatasetConfig:
    """What a round of the dataset holds (the arguments that decide its content).

    networks: how many networks (indices 0 .. networks - 1).
    nodes: (smallest, largest) node count, sources included.
    seed: base seed (>= :data:`TRAINING_SEEDS_START`).
    periods / paths: periods simulated on each of ``paths`` demand paths per network; each (path, period)
        is one sample, so a network gives ``periods * paths`` samples.
    networks_per_shard: networks per shard file.
    teacher: the teacher's settings (its seed is replaced per network).
    beta: with a learner, the probability that a path executes the teacher's orders in a period.
    round: DAgger round written into every sample.
    model: sha256 of the learner's parameters (``None``: the teacher drives).
    """

    networks: int
    nodes: tuple[int, int] = (5, 30)
    seed: int = TRAINING_SEEDS_START
    periods: int = DEFAULT_PERIODS
    paths: int = DEFAULT_PATHS
    networks_per_shard: int = DEFAULT_NETWORKS_PER_SHARD
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    beta: float = 0.0
    round: int = 0
    model: str | None = None

    def __post_init__(self):
        for name in ("networks", "periods", "paths", "networks_per_shard"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"dataset: {name} must be an integer >= 1, got {value!r}")
        lo, hi = self.nodes
        if not 2 <= lo <= hi:
            raise InputError(f"dataset: nodes must be a range lo-hi with 2 <= lo <= hi, got {lo}-{hi}")
        if self.seed < TRAINING_SEEDS_START:
            raise InputError(f"dataset: seed must be >= {TRAINING_SEEDS_START} (smaller seeds are reserved for "
                             f"held-out evaluation networks), got {self.seed}")
        if self.networks >= NETWORK_ID_STRIDE:
            raise InputError(f"dataset: at most {NETWORK_ID_STRIDE - 1} networks per seed, got {self.networks}")
        if not 0.0 <= self.beta <= 1.0:
            raise InputError(f"dataset: beta must be in [0, 1], got {self.beta}")
        if self.round < 0:
            raise InputError(f"dataset: round must be >= 0, got {self.round}")

    @property
    def shards(self) -> int:
        return -(-self.networks // self.networks_per_shard)

    def shard_networks(self, shard: int) -> range:
        lo = shard * self.networks_per_shard
        return range(lo, min(lo + self.networks_per_shard, self.networks))

    def parameters(self) -> dict:
        """The arguments as plain JSON values (what the manifest records and reruns must match)."""
        out = asdict(self)
        out["nodes"] = list(self.nodes)
        out["sample_format"] = FORMAT_VERSION
        out["features"] = feature_set()
        return out

    def fingerprint(self) -> str:
        text = json.dumps(self.parameters(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def shard_name(self, shard: int) -> str:
        return f"round{self.round}-shard{shard:05d}.pt"


# --------------------------------------------------------------------------------------------------
# networks


def feature_set() -> str:
    """The feature columns samples are written with (:mod:`netinv.learn.features`), e.g. ``"26 node, 26
    edge, 781fa103"`` (counts and a hash of the names): a round resumed or extended by a netinv that
    computes other features is refused rather than mixed."""
    from netinv.learn.features import EDGE_FEATURES, NODE_FEATURES

    names = json.dumps([NODE_FEATURES, EDGE_FEATURES])
    return f"{len(NODE_FEATURES)} node, {len(EDGE_FEATURES)} edge, {hashlib.sha256(names.encode()).hexdigest()[:8]}"


def network_id(seed: int, index: int) -> int:
    """The global id of network ``index`` of base seed ``seed``."""
    return seed * NETWORK_ID_STRIDE + index


def _rng(seed: int, index: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, index, purpose]))


def _int_seed(seed: int, index: int, purpose: int) -> int:
    return int(np.random.SeedSequence([seed, index, purpose]).generate_state(1)[0])


def sample_network(seed: int, index: int, nodes: tuple[int, int] = (5, 30),
                   kinds: tuple[str, ...] = KINDS) -> tuple[nx.DiGraph, dict]:
    """Network ``index`` of base seed ``seed`` (see the module docstring) and a description of it.

    Training data use seeds >= 1000; draw held-out evaluation networks with seeds < 1000. ``kinds``: the
    structures to draw from (default all four; e.g. ``("distribution", "general")`` for large networks,
    where a serial line or an assembly tree of hundreds of stages is no model of a real network).
    """
    from netinv.network.generators import generate
    from netinv.network.io import validate

    rng = _rng(seed, index, _NETWORK)
    count = int(rng.integers(nodes[0], nodes[1] + 1))
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or not kinds:
        raise InputError(f"sample_network: kinds must be among {', '.join(KINDS)}, got {list(kinds)}")
    allowed = [kind for kind in KINDS if kind in kinds and MIN_NODES[kind] <= count]
    if not allowed:
        raise InputError(f"sample_network: no kind of {list(kinds)} exists with {count} nodes")
    kind = allowed[int(rng.integers(len(allowed)))]
    generator_seed = int(rng.integers(2**31))
    cost_factor = float(10.0 ** rng.uniform(*COST_FACTOR_LOG10))
    volume_factor = float(10.0 ** rng.uniform(*VOLUME_FACTOR_LOG10))
    inventory_factor = float(10.0 ** rng.uniform(*INITIAL_INVENTORY_LOG10))
    shares, weights = zip(*LOST_SALES_SHARES)
    lost_share = float(shares[int(rng.choice(len(shares), p=weights))])
    capacitated = bool(rng.random() < EDGE_CAPACITY_NETWORKS)

    graph = generate(kind, count, generator_seed)
    for _, data in graph.nodes(data=True):
        for key in (attrs.HOLDING_COST, attrs.SHORTAGE_COST, attrs.PRICE, attrs.OPERATING_COST):
            if data.get(key) is not None:
                data[key] = round(data[key] * cost_factor, 6)
        if data.get(attrs.CAPACITY) is not None:
            data[attrs.CAPACITY] = round(data[attrs.CAPACITY] * volume_factor, 3)
        data[attrs.INITIAL_INVENTORY] = round(data[attrs.INITIAL_INVENTORY] * volume_factor * inventory_factor, 3)
        demand = data.get(attrs.DEMAND)
        if demand is not None:
            data[attrs.DEMAND] = {key: round(value * volume_factor, 4) if key in ("mean", "std") else value
                                  for key, value in demand.items()}
    for _, _, data in graph.edges(data=True):
        for key in (attrs.UNIT_COST, attrs.PIPELINE_HOLDING_COST):
            data[key] = round(data[key] * cost_factor, 6)
    demand_nodes = [node for node, data in graph.nodes(data=True) if data.get(attrs.DEMAND) is not None]
    lost = rng.random(len(demand_nodes)) < lost_share
    for node, is_lost in zip(demand_nodes, lost.tolist()):
        graph.nodes[node][attrs.BACKLOG] = not is_lost
    factors, weights = zip(*LEAD_TIME_STRETCH)
    stretch = int(factors[int(rng.choice(len(factors), p=weights))])
    lost_orders = bool(rng.random() < LOST_ORDERS_NETWORKS)
    for _, _, data in graph.edges(data=True):
        data[attrs.LEAD_TIME] = int(data.get(attrs.LEAD_TIME, 0)) * stretch
        if lost_orders:
            data[attrs.EDGE_BACKLOG] = False
    edges = list(graph.edges)
    capacity_edges = rng.random(len(edges)) < EDGE_CAPACITY_EDGES
    capacity_factors = rng.uniform(*EDGE_CAPACITY_FACTOR, size=len(edges))
    limited = 0
    if capacitated:
        from netinv.learn.features import network_features
        from netinv.network.compile import compile_network

        flow = network_features(compile_network(graph)).edge_scale
        position = {key: k for k, key in enumerate(compile_network(graph).edge_keys)}
        for (u, v), chosen, factor in zip(edges, capacity_edges.tolist(), capacity_factors.tolist()):
            if chosen:
                graph.edges[u, v][attrs.EDGE_CAPACITY] = round(float(flow[position[(u, v)]]) * factor, 3)
                limited += 1
    graph.graph[attrs.NAME] = f"train_{seed}_{index}_{kind}_{count}"
    graph = validate(graph)
    info = {
        "network": network_id(seed, index),
        "index": index,
        "name": graph.graph[attrs.NAME],
        "kind": kind,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "generator_seed": generator_seed,
        "cost_factor": cost_factor,
        "volume_factor": volume_factor,
        "initial_inventory_factor": inventory_factor,
        "lead_time_stretch": stretch,
        "lost_orders": lost_orders,
        "lost_sales_nodes": int(lost.sum()),
        "capacitated_edges": limited,
    }
    return graph, info


@dataclass(frozen=True)
class NetworkRun:
    """Everything that decides the samples of one network: the network, the teacher, the episode the
    teacher plans for (``episode_periods``: T, or ``None`` for an endless one) and the seeds."""

    index: int
    network_id: int
    graph: nx.DiGraph
    info: dict
    teacher: TeacherConfig
    episode_periods: int | None
    demand_seed: int
    mixing_seed: int


def network_run(config: DatasetConfig, index: int) -> NetworkRun:
    """Network ``index`` of ``config``, with its teacher and seeds."""
    graph, info = sample_network(config.seed, index, config.nodes)
    teacher = TeacherConfig(**{**asdict(config.teacher), "seed": _int_seed(config.seed, index, _TEACHER)})
    finite = bool(_rng(config.seed, index, _EPISODE).random() < FINITE_EPISODES)
    return NetworkRun(index, network_id(config.seed, index), graph, info, teacher,
                      episode_periods=config.periods if finite else None,
                      demand_seed=_int_seed(config.seed, index, _DEMAND),
                      mixing_seed=_int_seed(config.seed, index, _MIXING))


def record_network(run: NetworkRun, config: DatasetConfig, learner=None) -> tuple[list[Data], dict]:
    """Simulate one network under the recorder; return its samples (period-major) and a summary."""
    from netinv.network.compile import compile_network
    from netinv.sim import SimConfig, simulate

    arrays = compile_network(run.graph)
    teacher = make_teacher(arrays, run.teacher, periods=run.episode_periods)
    recorder = Recorder(teacher, learner=learner, beta=config.beta, seed=run.mixing_seed,
                        network_id=run.network_id, round=config.round, periods=run.episode_periods)
    start = time.perf_counter()
    result = simulate(arrays, recorder, SimConfig(periods=config.periods, paths=config.paths,
                                                  seed=run.demand_seed, block_paths=config.paths))
    if result.interrupted:
        raise KeyboardInterrupt
    summary = dict(run.info)
    summary.update(horizon=teacher.config.horizon, episode_periods=run.episode_periods, samples=len(recorder.samples_),
                   driver_profit=float(result.mean_profit), teacher_executed=recorder.teacher_executed_,
                   seconds=round(time.perf_counter() - start, 3))
    return recorder.samples_, summary


# --------------------------------------------------------------------------------------------------
# shards


@dataclass(frozen=True)
class _ShardJob:
    config: DatasetConfig
    shard: int
    learner: tuple[dict, dict] | None  # (model configuration, state dict)


def _shard_task(job: _ShardJob) -> tuple[int, bytes, list[dict]]:
    """Make shard ``job.shard``: (shard index, the file's bytes, one summary per network). The file holds
    the summaries without their timings, so that it depends on the arguments only."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same floating-point sums in every process
    try:
        learner = None
        if job.learner is not None:
            from netinv.learn.model import ModelConfig, OrderGNN
            from netinv.learn.policy import GNNPolicy

            model_config, state = job.learner
            model = OrderGNN(ModelConfig(**model_config))
            model.load_state_dict(state)
            learner = GNNPolicy(model)
        samples, summaries = [], []
        for index in job.config.shard_networks(job.shard):
            run = network_run(job.config, index)
            try:
                part, summary = record_network(run, job.config, learner)
            except SolverError as exc:  # a teacher that cannot plan: the network is left out, and said so
                part, summary = [], {**run.info, "samples": 0, "error": str(exc)}
            samples += part
            summaries.append(summary)
    finally:
        torch.set_num_threads(threads)
    data, slices = InMemoryDataset.collate(samples) if samples else (None, {})
    payload = {
        "format": SHARD_FORMAT,
        "format_version": FORMAT_VERSION,
        "fingerprint": job.config.fingerprint(),
        "round": job.config.round,
        "shard": job.shard,
        "networks": [{key: value for key, value in summary.items() if key != "seconds"} for summary in summaries],
        # keys sorted: PyG lists a sample's keys in set order, which changes from process to process
        "data": dict(sorted(data.to_dict().items())) if samples else {},  # {}: every network failed
        "slices": dict(sorted(slices.items())),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return job.shard, buffer.getvalue(), summaries


def _model_state(model) -> tuple[tuple[dict, dict] | None, str | None]:
    if model is None:
        return None, None
    state = {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}
    config = asdict(model.config)
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in sorted(state):
        digest.update(name.encode())
        digest.update(state[name].contiguous().numpy().tobytes())
    return (config, state), digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# manifest


def _netinv_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("netinv")
    except PackageNotFoundError:
        return "unknown"


def read_manifest(folder: str | os.PathLike) -> dict:
    """The manifest of a dataset folder (an :class:`InputError` when it is missing or not one)."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{folder}: no {MANIFEST}; not a netinv dataset folder") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable netinv dataset manifest ({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("rounds"), dict):
        raise InputError(f"{path}: not a netinv dataset manifest (format {FORMAT!r} expected)")
    return manifest


def _open_round(folder: Path, config: DatasetConfig) -> dict:
    """The folder's manifest, with an entry for ``config.round`` (new, or checked against ``config``)."""
    if (folder / MANIFEST).exists():
        manifest = read_manifest(folder)
    else:
        foreign = [p.name for p in folder.iterdir() if not _TEMP_NAME.fullmatch(p.name)] if folder.is_dir() else []
        if foreign:
            raise InputError(f"{folder}: holds files ({sorted(foreign)[0]}, ...) but no {MANIFEST}; give an empty "
                             "or new folder")
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "rounds": {}}
    key = str(config.round)
    params = config.parameters()
    run = manifest["rounds"].get(key)
    if run is None:
        manifest["rounds"][key] = {"parameters": params, "fingerprint": config.fingerprint(),
                                   "shards_total": config.shards, "shards": {}}
    else:
        old = run.get("parameters", {})
        if old != params:
            differ = next((k for k in params if old.get(k) != params[k]), None)
            detail = f"{differ}: {old.get(differ)!r} there, {params[differ]!r} now" if differ else "other format"
            raise InputError(f"{folder}: round {config.round} was generated with other arguments ({detail}); "
                             "give another folder (or the same arguments to resume)")
    manifest["netinv_version"] = _netinv_version()
    return manifest


def _write_manifest(folder: Path, manifest: dict, config: DatasetConfig) -> None:
    run = manifest["rounds"][str(config.round)]
    run["samples"] = sum(entry["samples"] for entry in run["shards"].values())
    run["complete"] = len(run["shards"]) == config.shards
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _shard_entry(path: Path, content: bytes, summaries: list[dict]) -> dict:
    return {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content),
            "samples": sum(s["samples"] for s in summaries), "networks": summaries}


def _finished_shards(folder: Path, manifest: dict, config: DatasetConfig) -> set[int]:
    """Shards of this round already on disk (a shard file missing from the manifest, written just before
    an interruption, is read, checked and entered)."""
    run = manifest["rounds"][str(config.round)]
    done = set()
    for shard in range(config.shards):
        name = config.shard_name(shard)
        path = folder / name
        if not path.exists():
            run["shards"].pop(name, None)
            continue
        entry = run["shards"].get(name)
        if entry is not None and entry.get("bytes") == path.stat().st_size:
            done.add(shard)
            continue
        payload = load_shard(path, fingerprint=config.fingerprint())
        run["shards"][name] = _shard_entry(path, path.read_bytes(), payload["networks"])
        done.add(shard)
    return done


# --------------------------------------------------------------------------------------------------
# generation


def generate_dataset(
    out_dir: str | os.PathLike,
    networks: int,
    nodes: tuple[int, int] = (5, 30),
    seed: int = TRAINING_SEEDS_START,
    *,
    backend: str = "local",
    address: str | None = None,
    workers: int | None = None,
    periods: int = DEFAULT_PERIODS,
    paths: int = DEFAULT_PATHS,
    networks_per_shard: int = DEFAULT_NETWORKS_PER_SHARD,
    teacher: TeacherConfig = TeacherConfig(),
    model=None,
    beta: float = 0.0,
    round: int = 0,
    progress: ProgressCallback | None = None,
) -> dict:
    """Generate (or resume) round ``round`` of an exact-solution dataset in ``out_dir``.

    ``model``: an :class:`~netinv.learn.model.OrderGNN` that drives the simulation (DAgger; the labels stay
    the teacher's), with ``beta`` the per-path, per-period probability of executing the teacher's orders
    instead; ``None``: the teacher drives. ``workers``: processes (local) or CPUs of a local Ray runtime;
    default min(2, CPU count). ``progress(done, total)`` is called with finished shards.

    Returns a summary: ``out``, ``round``, ``shards`` (of the round), ``shards_done`` (on disk now),
    ``shards_made`` (by this call), ``samples`` (of the round on disk), ``networks``, ``seconds`` and
    ``interrupted`` (Ctrl-C or SIGTERM stopped it; finished shards are kept, a rerun resumes).
    """
    if backend not in BACKENDS:
        raise InputError(f"dataset: backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if address is not None and backend != "ray":
        raise InputError("dataset: --address needs --backend ray")
    workers = min(2, os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise InputError(f"dataset: workers must be >= 1, got {workers}")
    learner, digest = _model_state(model)
    config = DatasetConfig(networks=networks, nodes=(int(nodes[0]), int(nodes[1])), seed=seed, periods=periods,
                           paths=paths, networks_per_shard=networks_per_shard, teacher=teacher, beta=beta,
                           round=round, model=digest)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    manifest = _open_round(folder, config)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():  # temporary files of a run that was killed
        if _TEMP_NAME.fullmatch(stale.name):
            stale.unlink(missing_ok=True)
    done = _finished_shards(folder, manifest, config)
    _write_manifest(folder, manifest, config)
    total = config.shards
    if progress is not None:
        progress(len(done), total)
    jobs = [_ShardJob(config, shard, learner) for shard in range(total) if shard not in done]
    run = manifest["rounds"][str(config.round)]
    made = []
    start = time.perf_counter()

    def finish(shard: int, content: bytes, summaries: list[dict]) -> None:
        name = config.shard_name(shard)
        atomic_write_bytes(folder / name, content)
        run["shards"][name] = _shard_entry(folder / name, content, summaries)
        _write_manifest(folder, manifest, config)
        made.append(shard)
        if progress is not None:
            progress(len(done) + len(made), total)

    interrupted = False
    with _sigterm_as_interrupt():
        try:
            if not jobs:
                pass
            elif backend == "ray":
                _run_ray(jobs, finish, address, workers)
            elif workers == 1 or len(jobs) == 1:
                for job in jobs:
                    finish(*_shard_task(job))
            else:
                _run_pool(jobs, finish, workers)
        except KeyboardInterrupt:
            interrupted = True
            try:  # a shard written just before the interrupt, its manifest entry not: enter it now
                _finished_shards(folder, manifest, config)
                _write_manifest(folder, manifest, config)
            except KeyboardInterrupt:
                pass
    on_disk = sum((folder / config.shard_name(shard)).exists() for shard in range(total))
    return {
        "out": str(folder),
        "round": config.round,
        "shards": total,
        "shards_done": on_disk,
        "shards_made": on_disk - len(done),
        "samples": run.get("samples", 0),
        "networks_failed": sum("error" in network for entry in run["shards"].values()
                               for network in entry["networks"]),
        "networks": config.networks,
        "seconds": float(f"{time.perf_counter() - start:.3f}"),
        "interrupted": interrupted,
    }


def _worker_loop(conn) -> None:
    """A worker process: shard jobs in, ``(True, result)`` or ``(False, (exception, traceback))`` out, over
    its own pipe. No lock is shared between processes, so killing a worker can never leave another
    process (or the parent) waiting on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if job is None:
            return
        try:
            reply = (True, _shard_task(job))
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
            reply = (False, (exc, traceback.format_exc()))
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text goes instead
            conn.send((False, (None, reply[1][1])))


def _run_pool(jobs: list[_ShardJob], finish, workers: int) -> None:
    """The jobs on ``workers`` spawned processes with a pipe each; ``finish`` gets each shard as it
    completes. Any exception here (KeyboardInterrupt from Ctrl-C or SIGTERM included) kills every worker
    before it propagates: their unfinished shards are dropped."""
    context = multiprocessing.get_context("spawn")
    waiting = list(reversed(jobs))
    workers_started: list[tuple] = []
    try:
        for _ in range(min(workers, len(jobs))):
            conn, child_end = context.Pipe()
            process = context.Process(target=_worker_loop, args=(child_end,), daemon=True)
            process.start()
            child_end.close()  # the worker holds the only other end: its death reads as end-of-file
            workers_started.append((process, conn))
        idle = [conn for _, conn in workers_started]
        busy: dict = {}  # connection -> shard
        while waiting or busy:
            while idle and waiting:
                job = waiting.pop()
                conn = idle.pop()
                conn.send(job)
                busy[conn] = job.shard
            # a timeout, so that a signal is seen at once
            for conn in multiprocessing.connection.wait(list(busy), timeout=0.5):
                shard = busy.pop(conn)
                try:
                    ok, value = conn.recv()
                except EOFError:
                    raise SolverError(f"dataset: the worker process making shard {shard} died") from None
                if not ok:
                    exc, text = value
                    if isinstance(exc, NetinvError):
                        raise exc
                    raise RuntimeError(f"dataset: shard {shard} failed in a worker process:\n{text}")
                finish(*value)
                idle.append(conn)
        for conn in idle:  # every shard is in: a worker already gone needs no word to stop
            with contextlib.suppress(OSError):
                conn.send(None)
    except BaseException:
        for process, _ in workers_started:
            process.kill()
        raise
    finally:
        for process, conn in workers_started:
            process.join(timeout=10)
            conn.close()


def _run_ray(jobs: list[_ShardJob], finish, address: str | None, workers: int) -> None:
    try:
        import ray
    except ImportError:
        raise InputError("dataset: --backend ray needs Ray (pip install 'netinv[distributed]')") from None
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    pending = []
    try:
        task = ray.remote(num_cpus=1)(_shard_task)
        pending = [task.remote(job) for job in jobs]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
            for ref in ready:
                finish(*ray.get(ref))
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()


class _sigterm_as_interrupt:
    """In the main thread: SIGTERM raises KeyboardInterrupt (so that it stops a run like Ctrl-C)."""

    def __enter__(self):
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        return False


def parse_nodes(text: str) -> tuple[int, int]:
    """``"5-30"`` -> (5, 30); ``"12"`` -> (12, 12)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(text))
    if not match:
        raise InputError(f"--nodes: expected a range like 5-30, got {text!r}")
    lo = int(match.group(1))
    hi = int(match.group(2)) if match.group(2) else lo
    if not 2 <= lo <= hi:
        raise InputError(f"--nodes: expected lo-hi with 2 <= lo <= hi, got {text!r}")
    return lo, hi


def dataset_generate_command(out: str | os.PathLike, networks: int, nodes: str = "5-30",
                             seed: int = TRAINING_SEEDS_START, *, backend: str = "local",
                             address: str | None = None, workers: int | None = None,
                             periods: int = DEFAULT_PERIODS, paths: int = DEFAULT_PATHS,
                             model: str | os.PathLike | None = None, beta: float = 0.0, round: int = 0,
                             progress: ProgressCallback | None = None) -> dict:
    """``netinv dataset generate``: :func:`generate_dataset` with the nodes range as text and the learner
    as a checkpoint path (loaded with :func:`netinv.learn.checkpoint.load_model`)."""
    learner = None
    if model is not None:
        from netinv.learn.checkpoint import load_model

        learner = load_model(model)
    elif beta:
        raise InputError("dataset: --beta needs --model (the learner whose orders it mixes with the teacher's)")
    return generate_dataset(out, networks, parse_nodes(nodes), seed, backend=backend, address=address,
                            workers=workers, periods=periods, paths=paths, model=learner, beta=beta,
                            round=round, progress=progress)


# --------------------------------------------------------------------------------------------------
# reading


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0][:120] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def load_shard(path: str | os.PathLike, *, fingerprint: str | None = None) -> dict:
    """A shard file's content, read with ``weights_only=True`` and checked; an :class:`InputError` naming
    the file when it is not a netinv shard (or, with ``fingerprint``, one of another dataset)."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling refused, not a zip file, truncated, unreadable
        raise InputError(f"{path}: not a readable netinv dataset shard ({_one_line(exc)})") from None
    if not isinstance(payload, dict) or payload.get("format") != SHARD_FORMAT:
        raise InputError(f"{path}: not a netinv dataset shard (format {SHARD_FORMAT!r} expected)")
    if payload.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{path}: shard format version {payload.get('format_version')!r}, this netinv reads "
                         f"{FORMAT_VERSION}")
    if fingerprint is not None and payload.get("fingerprint") != fingerprint:
        raise InputError(f"{path}: a shard made with other arguments than this folder's manifest records")
    data, slices = payload.get("data"), payload.get("slices")
    if not isinstance(data, dict) or not isinstance(slices, dict):
        raise InputError(f"{path}: shard without data")
    if not slices and not data:
        return payload  # no samples: every network of the shard failed (the manifest says why)
    counts = set()
    template = Data()
    for key, bounds in slices.items():
        value = data.get(key)
        if not torch.is_tensor(value) or not torch.is_tensor(bounds) or bounds.dim() != 1 or bounds.numel() < 2:
            raise InputError(f"{path}: shard field {key!r} is not a tensor with its slices")
        size = value.size(template.__cat_dim__(key, value)) if value.dim() else 1
        if int(bounds[0]) != 0 or int(bounds[-1]) != size or bool((bounds[1:] < bounds[:-1]).any()):
            raise InputError(f"{path}: shard field {key!r} does not match its slices")
        counts.add(bounds.numel() - 1)
    nodes = data.get("_num_nodes")
    if len(counts) != 1 or not isinstance(nodes, list) or len(nodes) != counts.pop():
        raise InputError(f"{path}: shard fields hold different numbers of samples")
    return payload


def _merge(parts: list[dict]) -> tuple[dict, dict]:
    """Join shards' collated data (as :func:`InMemoryDataset.collate` would have joined all samples)."""
    keys = list(parts[0]["slices"])
    template = Data()
    data, slices = {}, {}
    for key in keys:
        tensors = [part["data"][key] for part in parts]
        data[key] = torch.cat(tensors, dim=template.__cat_dim__(key, tensors[0]))
        pieces, offset = [], 0
        for part in parts:
            bounds = part["slices"][key]
            pieces.append(bounds[(1 if pieces else 0):] + offset)
            offset += int(bounds[-1])
        slices[key] = torch.cat(pieces)
    data["_num_nodes"] = [n for part in parts for n in part["data"]["_num_nodes"]]
    data["num_nodes"] = sum(data["_num_nodes"])
    return data, slices


class NetinvDataset(InMemoryDataset):
    """The samples of a dataset folder written by :func:`generate_dataset`, as a PyG ``InMemoryDataset``.

    root: the folder. rounds: only these DAgger rounds (default: all). transform: PyG transform applied on
    access. Every shard is read with ``weights_only=True`` and checked against the manifest; a corrupt or
    foreign file in the folder is an :class:`InputError` naming it. Samples are ordered by round, shard,
    network, period and path. ``manifest`` holds the folder's manifest, ``shard_files`` the files read.
    """

    def __init__(self, root: str | os.PathLike, rounds: Iterable[int] | None = None, transform=None):
        super().__init__(None, transform)
        folder = Path(root)
        if not folder.is_dir():
            raise InputError(f"{folder}: no such dataset folder")
        self.root = str(folder)
        self.manifest = read_manifest(folder)
        wanted = None if rounds is None else {int(r) for r in rounds}
        files = []
        for path in sorted(folder.iterdir()):
            if path.name == MANIFEST or _TEMP_NAME.fullmatch(path.name):
                continue
            match = _SHARD_NAME.fullmatch(path.name)
            if match is None or not path.is_file():
                raise InputError(f"{path}: not part of a netinv dataset (only {MANIFEST} and roundR-shardK.pt "
                                 "files belong in the folder)")
            round_, shard = int(match.group(1)), int(match.group(2))
            run = self.manifest["rounds"].get(str(round_))
            if run is None:
                raise InputError(f"{path}: round {round_} is not in {folder / MANIFEST}")
            if wanted is None or round_ in wanted:
                files.append((round_, shard, path, run.get("fingerprint")))
        files.sort()
        if not files:
            which = "" if wanted is None else f" of round(s) {sorted(wanted)}"
            raise InputError(f"{folder}: no finished shard{which}")
        parts = [load_shard(path, fingerprint=fingerprint) for _, _, path, fingerprint in files]
        kept = [(file, part) for file, part in zip(files, parts) if part["slices"]]
        if not kept:
            raise InputError(f"{folder}: its shards hold no samples")
        files, parts = [file for file, _ in kept], [part for _, part in kept]
        first = set(parts[0]["slices"])
        for (_, _, path, _), part in zip(files, parts):
            if set(part["slices"]) != first:
                raise InputError(f"{path}: its samples have other fields than {files[0][2].name}'s")
        data, slices = _merge(parts)
        self.shard_files = [path for _, _, path, _ in files]
        self._data = Data.from_dict(data)
        self.slices = slices

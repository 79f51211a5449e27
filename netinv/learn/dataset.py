"""Exact-solution samples for the GNN policy: generated networks, teacher labels, shards on disk.

:func:`generate_dataset` draws ``networks`` random networks (:func:`sample_network`), simulates each
on ``paths`` demand paths for ``periods`` periods under a :class:`~netinv.learn.teacher.Recorder`, and
writes the samples (one per path and period, format in :func:`netinv.learn.teacher.make_samples`)
into a folder, a fixed number of networks per shard::

    DIR/manifest.json             what was generated: parameters, netinv version, shards done
    DIR/round0-shard00000.pt      networks 0 .. networks_per_shard - 1 of DAgger round 0
    DIR/round0-shard00001.pt      ...

:class:`NetinvDataset` reads the folder back as a PyG ``InMemoryDataset``.

The module is the entry point of four: :mod:`netinv.learn.sampling` (the random networks, their seeds),
:mod:`netinv.learn.shards` (:class:`DatasetConfig`, the manifest and the shard files),
:mod:`netinv.learn.executors` (where shards are made: here, worker processes, Ray) and this one (one
network's samples, one shard's, a whole round; :class:`NetinvDataset`). The names of the first two that
scripts use are importable from here as well.

Seeds
-----
Every random choice of network i comes from ``numpy.random.SeedSequence([seed, i, purpose])``
(:func:`netinv.learn.sampling.network_rng`): its structure and attributes, its demand paths, the
teacher's scenario draws and DAgger's mixing draws. So the samples depend only on the arguments, never on
the backend, the number of workers or the order in which shards finish: the same arguments give the same
shard files, byte for byte.

**Reserved seeds: training networks use seeds >= 1000** (:data:`TRAINING_SEEDS_START`; generate_dataset
refuses smaller ones). **Held-out evaluation networks use seeds < 1000**: draw them with
:func:`sample_network` (same distribution, disjoint seeds), so no evaluation network is ever trained on.
A network's global id is ``seed * 1_000_000 + i`` (:func:`network_id`).

Networks: drawn by :func:`~netinv.learn.sampling.sample_network` (sizes, kinds, costs, volumes, lead
times, lost sales and capacities: see :mod:`netinv.learn.sampling`).

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

import hashlib
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import networkx as nx
import torch
from torch_geometric.data import Data, InMemoryDataset

from netinv.errors import InputError, SolverError
from netinv.fileio import atomic_write_bytes, make_folder, sigterm_as_interrupt
from netinv.learn.executors import run_here, run_pool, run_ray
from netinv.learn.sampling import (
    KINDS,
    NETWORK_ID_STRIDE,
    SEED_DEMAND,
    SEED_EPISODE,
    SEED_MIXING,
    SEED_TEACHER,
    TRAINING_SEEDS_START,
    network_id,
    network_rng,
    network_seed,
    sample_network,
)
from netinv.learn.shards import (
    DEFAULT_NETWORKS_PER_SHARD,
    DEFAULT_PATHS,
    DEFAULT_PERIODS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SHARD_FORMAT,
    SHARD_NAME,
    TEMP_NAME,
    DatasetConfig,
    feature_set,
    finished_shards,
    load_shard,
    merge_shards,
    open_round,
    read_manifest,
    remove_temporary_files,
    shard_entry,
    write_manifest,
)
from netinv.learn.teacher import Recorder, TeacherConfig, make_teacher

__all__ = [
    "BACKENDS", "DEFAULT_NETWORKS_PER_SHARD", "DEFAULT_PATHS", "DEFAULT_PERIODS", "FINITE_EPISODES", "FORMAT",
    "FORMAT_VERSION", "KINDS", "MANIFEST", "NETWORK_ID_STRIDE", "SHARD_FORMAT", "TRAINING_SEEDS_START",
    "DatasetConfig", "NetinvDataset", "NetworkRun", "ProgressCallback", "ShardJob", "dataset_generate_command",
    "feature_set", "generate_dataset", "load_shard", "network_id", "network_run", "parse_nodes", "read_manifest",
    "record_network", "sample_network", "shard_task",
]

BACKENDS = ("local", "ray")
FINITE_EPISODES = 0.5  # share of networks whose teacher plans for an episode that ends with the simulation

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: shards finished (those found on disk included) out of the round's shards."""


# --------------------------------------------------------------------------------------------------
# networks


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
    teacher = TeacherConfig(**{**asdict(config.teacher), "seed": network_seed(config.seed, index, SEED_TEACHER)})
    finite = bool(network_rng(config.seed, index, SEED_EPISODE).random() < FINITE_EPISODES)
    return NetworkRun(index, network_id(config.seed, index), graph, info, teacher,
                      episode_periods=config.periods if finite else None,
                      demand_seed=network_seed(config.seed, index, SEED_DEMAND),
                      mixing_seed=network_seed(config.seed, index, SEED_MIXING))


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


@dataclass(frozen=True)
class ShardJob:
    """Shard ``shard`` of the round ``config``, with the learner that drives it (DAgger) or None."""

    config: DatasetConfig
    shard: int
    learner: tuple[dict, dict] | None  # (model configuration, state dict)


def shard_task(job: ShardJob) -> tuple[int, bytes, list[dict]]:
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
    manifest = open_round(folder, config)
    make_folder(folder)
    remove_temporary_files(folder)
    done = finished_shards(folder, manifest, config)
    write_manifest(folder, manifest, config)
    total = config.shards
    if progress is not None:
        progress(len(done), total)
    jobs = [ShardJob(config, shard, learner) for shard in range(total) if shard not in done]
    run = manifest["rounds"][str(config.round)]
    made = []
    start = time.perf_counter()

    def finish(shard: int, content: bytes, summaries: list[dict]) -> None:
        name = config.shard_name(shard)
        atomic_write_bytes(folder / name, content)
        run["shards"][name] = shard_entry(folder / name, content, summaries)
        write_manifest(folder, manifest, config)
        made.append(shard)
        if progress is not None:
            progress(len(done) + len(made), total)

    interrupted = False
    with sigterm_as_interrupt():
        try:
            _make_shards(jobs, finish, backend, address, workers)
        except KeyboardInterrupt:
            interrupted = True
            try:  # a shard written just before the interrupt, its manifest entry not: enter it now
                finished_shards(folder, manifest, config)
                write_manifest(folder, manifest, config)
            except KeyboardInterrupt:
                pass
    return _summary(folder, config, run, len(done), time.perf_counter() - start, interrupted)


def _make_shards(jobs: list[ShardJob], finish, backend: str, address: str | None, workers: int) -> None:
    """The jobs on the executor of ``backend`` (:mod:`netinv.learn.executors`); ``finish`` gets each shard."""
    if not jobs:
        return
    if backend == "ray":
        run_ray(jobs, shard_task, finish, address, workers)
    elif workers == 1 or len(jobs) == 1:
        run_here(jobs, shard_task, finish)
    else:
        run_pool(jobs, shard_task, finish, workers)


def _summary(folder: Path, config: DatasetConfig, run: dict, done_before: int, seconds: float,
             interrupted: bool) -> dict:
    """What :func:`generate_dataset` returns (see there); ``run``: the round's manifest entry."""
    total = config.shards
    on_disk = sum((folder / config.shard_name(shard)).exists() for shard in range(total))
    return {
        "out": str(folder),
        "round": config.round,
        "shards": total,
        "shards_done": on_disk,
        "shards_made": on_disk - done_before,
        "samples": run.get("samples", 0),
        "networks_failed": sum("error" in network for entry in run["shards"].values()
                               for network in entry["networks"]),
        "networks": config.networks,
        "seconds": float(f"{seconds:.3f}"),
        "interrupted": interrupted,
    }


MAX_LABELLED_NODES = 10_000  # nodes of a network the exact teacher labels (its models grow with them)


def parse_nodes(text: str) -> tuple[int, int]:
    """``"5-30"`` -> (5, 30); ``"12"`` -> (12, 12); at most :data:`MAX_LABELLED_NODES` (checked on the
    digits' count first: a 5,000-digit number is refused without converting it)."""
    match = re.fullmatch(r"\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?", str(text))
    if not match:
        raise InputError(f"--nodes: expected a range like 5-30 (at most {MAX_LABELLED_NODES:,}), got {text!r}")
    lo = int(match.group(1))
    hi = int(match.group(2)) if match.group(2) else lo
    if not 2 <= lo <= hi <= MAX_LABELLED_NODES:
        raise InputError(f"--nodes: expected lo-hi with 2 <= lo <= hi <= {MAX_LABELLED_NODES:,}, got {text!r}")
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
            if path.name == MANIFEST or TEMP_NAME.fullmatch(path.name):
                continue
            match = SHARD_NAME.fullmatch(path.name)
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
        data, slices = merge_shards(parts)
        self.shard_files = [path for _, _, path, _ in files]
        self._data = Data.from_dict(data)
        self.slices = slices

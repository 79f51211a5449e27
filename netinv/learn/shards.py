"""What a round of the exact-solution dataset is, and how it lies on disk: :class:`DatasetConfig`, the
manifest and the shard files (written by :func:`netinv.learn.dataset.generate_dataset`, read back by
:class:`netinv.learn.dataset.NetinvDataset`)::

    DIR/manifest.json             what was generated: parameters, netinv version, shards done
    DIR/round0-shard00000.pt      networks 0 .. networks_per_shard - 1 of DAgger round 0
    DIR/round0-shard00001.pt      ...

Each file is written atomically (a temporary file :data:`TEMP_NAME`, then ``os.replace``). Shard files hold
only tensors, strings and numbers (PyG's ``collate`` output as a dict) and are read with
``torch.load(path, weights_only=True)`` (:func:`load_shard`): a tampered file cannot run code. The
manifest records each round's arguments (:meth:`DatasetConfig.parameters`); a rerun with other arguments
for a round the folder holds is refused (:func:`open_round`), one with the same arguments takes the
shards already on disk (:func:`finished_shards`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch_geometric.data import Data

from netinv.errors import InputError
from netinv.fileio import atomic_write_text, check_input_file, read_input_json
from netinv.learn.sampling import NETWORK_ID_STRIDE, TRAINING_SEEDS_START
from netinv.learn.teacher import TeacherConfig

MANIFEST = "manifest.json"
MAX_SHARD_BYTES = 4 * 2**30  # a shard file (a few hundred graphs take some MB)
FORMAT = "netinv-dataset"
SHARD_FORMAT = "netinv-samples"
FORMAT_VERSION = 1

DEFAULT_PERIODS = 24
DEFAULT_PATHS = 4
DEFAULT_NETWORKS_PER_SHARD = 2

SHARD_NAME = re.compile(r"round(\d+)-shard(\d+)\.pt")
"""A shard file's name (groups: round, shard)."""
TEMP_NAME = re.compile(r"\..+\.\d+\.tmp")
"""A temporary file of :mod:`netinv.fileio`'s atomic writers, left behind by a killed run."""


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


def feature_set() -> str:
    """The feature columns samples are written with (:mod:`netinv.learn.features`), e.g. ``"26 node, 26
    edge, 781fa103"`` (counts and a hash of the names): a round resumed or extended by a netinv that
    computes other features is refused rather than mixed."""
    from netinv.learn.features import EDGE_FEATURES, NODE_FEATURES

    names = json.dumps([NODE_FEATURES, EDGE_FEATURES])
    return f"{len(NODE_FEATURES)} node, {len(EDGE_FEATURES)} edge, {hashlib.sha256(names.encode()).hexdigest()[:8]}"


def netinv_version() -> str:
    """The installed netinv's version (``unknown`` when it is not installed), as the manifest records it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("netinv")
    except PackageNotFoundError:
        return "unknown"


def read_manifest(folder: str | os.PathLike) -> dict:
    """The manifest of a dataset folder (an :class:`InputError` when it is missing or not one)."""
    path = Path(folder) / MANIFEST
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{folder}: no {MANIFEST}; not a netinv dataset folder")
    try:
        manifest = read_input_json(path, "dataset manifest")
    except InputError as exc:
        raise InputError(f"{exc} (not a readable netinv dataset manifest)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("rounds"), dict):
        raise InputError(f"{path}: not a netinv dataset manifest (format {FORMAT!r} expected)")
    return manifest


def open_round(folder: Path, config: DatasetConfig) -> dict:
    """The folder's manifest, with an entry for ``config.round`` (new, or checked against ``config``)."""
    if (folder / MANIFEST).exists():
        manifest = read_manifest(folder)
    else:
        foreign = [p.name for p in folder.iterdir() if not TEMP_NAME.fullmatch(p.name)] if folder.is_dir() else []
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
    manifest["netinv_version"] = netinv_version()
    return manifest


def write_manifest(folder: Path, manifest: dict, config: DatasetConfig) -> None:
    """Write ``manifest`` to the folder atomically, with round ``config.round``'s sample count and whether
    it is complete brought up to date."""
    run = manifest["rounds"][str(config.round)]
    run["samples"] = sum(entry["samples"] for entry in run["shards"].values())
    run["complete"] = len(run["shards"]) == config.shards
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def shard_entry(path: Path, content: bytes, summaries: list[dict]) -> dict:
    """The manifest's entry for a shard file of ``content`` holding the networks ``summaries``."""
    return {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content),
            "samples": sum(s["samples"] for s in summaries), "networks": summaries}


def finished_shards(folder: Path, manifest: dict, config: DatasetConfig) -> set[int]:
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
        run["shards"][name] = shard_entry(path, path.read_bytes(), payload["networks"])
        done.add(shard)
    return done


def remove_temporary_files(folder: Path) -> None:
    """Delete the temporary files a killed run left in ``folder``."""
    for stale in folder.iterdir():
        if TEMP_NAME.fullmatch(stale.name):
            stale.unlink(missing_ok=True)


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
    check_input_file(path, "dataset shard", limit=MAX_SHARD_BYTES)  # not a FIFO or a device: torch would wait
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


def merge_shards(parts: list[dict]) -> tuple[dict, dict]:
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

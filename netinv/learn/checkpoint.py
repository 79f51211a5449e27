"""Model checkpoints and their model cards.

A checkpoint ``models/NAME.pt`` is a torch zip file holding only tensors and plain values::

    {"format": "netinv-order-gnn", "format_version": 1,
     "config": {"hidden": 64, "layers": 3, "node_features": 26, "edge_features": 26},
     "state_dict": {parameter name: tensor}}

It is read with ``torch.load(..., weights_only=True)``: an unpickler that builds tensors, dicts, lists,
numbers and strings and refuses every other object, so a tampered file cannot run code on loading
(it is refused with an :class:`~netinv.errors.InputError` naming the file). The model card
``models/NAME.json`` beside it is plain JSON: data, configuration, metrics, versions, date and the
command that retrains the model (written by :func:`netinv.learn.train.train`). Both files are written
atomically (:func:`netinv.fileio.atomic_write_bytes`: a temporary file in the same folder, then a
rename): a reader sees the old file or the new one, never half of one.

:func:`save_checkpoint` / :func:`load_checkpoint` are the same machinery for any dict of tensors and
plain values (the trainer's resumable ``.partial`` state uses them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import os
import pickle
import platform
import zipfile
from pathlib import Path

import torch

from netinv.errors import InputError
from netinv.fileio import atomic_write_bytes, make_folder, read_input_bytes, read_input_json
from netinv.learn.model import ModelConfig, OrderGNN

FORMAT = "netinv-order-gnn"
FORMAT_VERSION = 1
MAX_CHECKPOINT_BYTES = 512 * 2**20  # a checkpoint file (a 64-wide, 3-layer model is some 200 kB)
MAX_HIDDEN = 4096  # the largest model a checkpoint may describe: width of the embeddings ...
MAX_LAYERS = 64  # ... and rounds of message passing; checked before any weight is allocated


def card_path(path: str | os.PathLike) -> Path:
    """The model card of checkpoint ``path``: ``models/NAME.json`` for ``models/NAME.pt``."""
    return Path(path).with_suffix(".json")


def save_model(model: OrderGNN, path: str | os.PathLike, card: dict) -> dict:
    """Write ``model`` to ``path`` and its card to :func:`card_path` (both atomically); return the card
    as written: ``card`` with a ``checkpoint`` entry (file name, sha256, model configuration, parameter
    count) and ``versions`` / ``date`` added where ``card`` lacks them."""
    path = Path(path)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": dataclasses.asdict(model.config),
        "state_dict": {name: tensor.detach().clone() for name, tensor in model.state_dict().items()},
    }
    save_checkpoint(payload, path)
    written = {
        "checkpoint": {
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model_config": payload["config"],
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        **card,
    }
    written.setdefault("versions", versions())
    written.setdefault("date", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    _write(card_path(path), (json.dumps(_plain(written), indent=2, allow_nan=False) + "\n").encode())
    return written


def load_model(path: str | os.PathLike) -> OrderGNN:
    """The :class:`OrderGNN` saved at ``path``, in eval mode. A missing or foreign file, a tampered one
    (objects other than tensors and plain values) or weights that do not fit the configuration raise an
    :class:`InputError` naming the file."""
    payload = load_checkpoint(path)
    if payload.get("format") != FORMAT:
        what = payload.get("format") if isinstance(payload.get("format"), str) else "no netinv format marker"
        raise InputError(f"{path}: not a netinv model checkpoint ({what})")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise InputError(f"{path}: checkpoint format version {version!r}, this netinv reads {FORMAT_VERSION}")
    config = _config(path, payload.get("config"))
    state = payload.get("state_dict")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"{path}: 'state_dict' must map parameter names to tensors")
    with torch.device("meta"):  # the shapes the configuration needs, without allocating them
        expected = OrderGNN(config).state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        detail = f"missing {missing[0]!r}" if missing else f"unexpected {unexpected[0]!r}"
        raise InputError(f"{path}: weights do not match the model configuration {config} ({detail}, "
                         f"{len(missing)} missing, {len(unexpected)} unexpected)")
    for name, tensor in expected.items():
        if state[name].shape != tensor.shape or state[name].dtype != tensor.dtype:
            raise InputError(f"{path}: weight {name!r} has shape {tuple(state[name].shape)} {state[name].dtype}, "
                             f"the configuration {config} needs {tuple(tensor.shape)} {tensor.dtype}")
        if tensor.is_floating_point() and not bool(torch.isfinite(state[name]).all()):
            raise InputError(f"{path}: weight {name!r} holds NaN or infinite values; the checkpoint is damaged")
    model = OrderGNN(config)
    model.load_state_dict(state)
    return model.eval()


def load_card(path: str | os.PathLike) -> dict:
    """The model card of checkpoint ``path`` (or the card's own path)."""
    card = card_path(path)
    if not card.exists() and not card.is_symlink():
        raise InputError(f"{card}: no model card (expected beside the checkpoint)")
    out = read_input_json(card, "model card")
    if not isinstance(out, dict):
        raise InputError(f"{card}: a model card must be a JSON object, got {type(out).__name__}")
    return out


def save_checkpoint(payload: dict, path: str | os.PathLike) -> None:
    """``torch.save`` of a dict of tensors and plain values, atomically. The bytes depend only on the
    contents: the same payload gives the same file, whatever its name."""
    buffer = io.BytesIO()  # saved to a file, the archive's inner folder would be named after the file
    torch.save(payload, buffer)
    _write(Path(path), buffer.getvalue())


def load_checkpoint(path: str | os.PathLike) -> dict:
    """A dict saved by :func:`save_checkpoint`, read with ``weights_only=True`` (no arbitrary objects)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{path}: no such checkpoint")
    data = read_input_bytes(path, "checkpoint", limit=MAX_CHECKPOINT_BYTES)
    _check_archive(path, data)
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        forbidden = _forbidden_object(exc)
        if forbidden:
            raise InputError(f"{path}: refused: the checkpoint holds objects other than tensors and plain values "
                             f"({forbidden}); it was not unpickled") from None
        raise InputError(f"{path}: corrupt checkpoint ({_weights_only_reason(exc)})") from None
    except Exception as exc:  # torch raises RuntimeError, EOFError, KeyError, ... on a damaged archive
        raise InputError(f"{path}: corrupt checkpoint ({type(exc).__name__}: {_first_line(exc)})") from None
    if not isinstance(payload, dict):
        raise InputError(f"{path}: not a netinv checkpoint (it holds a {type(payload).__name__}, not a dict)")
    return payload


def _check_archive(path: Path, data: bytes) -> None:
    """A zip archive whose every member matches its CRC: torch itself reads the members unchecked, so a
    changed byte in a weight would load as a different number."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise InputError(f"{path}: not a torch checkpoint (not a zip archive)") from None
    if bad is not None:
        raise InputError(f"{path}: corrupt checkpoint: member {bad!r} does not match its checksum (CRC)")


def versions() -> dict:
    """Versions of netinv, torch, PyTorch Geometric and Python."""
    from importlib.metadata import PackageNotFoundError, version

    import torch_geometric

    try:
        netinv_version = version("netinv")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        netinv_version = "unknown"
    return {"netinv": netinv_version, "torch": torch.__version__, "torch_geometric": torch_geometric.__version__,
            "python": platform.python_version()}


OPTIONAL_CONFIG = {"priority": False}  # keys added after the first checkpoints: absent = this default


def _config(path, raw) -> ModelConfig:
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    if not isinstance(raw, dict) or not fields - set(OPTIONAL_CONFIG) <= set(raw) <= fields:
        keys = sorted(map(str, raw)) if isinstance(raw, dict) else type(raw).__name__
        raise InputError(f"{path}: 'config' must have the keys {sorted(fields)} ({', '.join(OPTIONAL_CONFIG)} "
                         f"optional), got {keys}")
    raw = {**OPTIONAL_CONFIG, **raw}
    bad = [key for key, value in raw.items() if key not in OPTIONAL_CONFIG
           and (not isinstance(value, int) or isinstance(value, bool) or value < 1)]
    if bad:
        raise InputError(f"{path}: config: {bad[0]} must be an integer >= 1, got {str(raw[bad[0]])[:60]!r}")
    for key, limit in (("hidden", MAX_HIDDEN), ("layers", MAX_LAYERS)):
        if raw[key] > limit:
            raise InputError(f"{path}: config: {key} must be <= {limit}, got {raw[key]}")
    bad = [key for key in OPTIONAL_CONFIG if not isinstance(raw[key], bool)]
    if bad:
        raise InputError(f"{path}: config: {bad[0]} must be true or false, got {raw[bad[0]]!r}")
    config = ModelConfig(**raw)
    current = ModelConfig(hidden=config.hidden, layers=config.layers)
    if (config.node_features, config.edge_features) != (current.node_features, current.edge_features):
        raise InputError(f"{path}: the model reads {config.node_features} node and {config.edge_features} edge "
                         f"features, this netinv builds {current.node_features} and {current.edge_features}: "
                         "retrain it")
    return config


def _forbidden_object(exc: Exception) -> str | None:
    """The object torch's weights-only unpickler refused, e.g. ``GLOBAL posix.system``; None when the
    error is not a refusal (a damaged pickle)."""
    for line in str(exc).splitlines():
        line = line.strip()
        if "GLOBAL" in line or "global" in line or "Unsupported class" in line:
            return line.rstrip(".")[:160]
    return None


def _weights_only_reason(exc: Exception) -> str:
    """The line of torch's weights-only error that says what failed (its first line is boilerplate)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for k, line in enumerate(lines):
        if line.endswith("WeightsUnpickler error:") and k + 1 < len(lines):
            return lines[k + 1][:200]
    return _first_line(exc)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _plain(value):
    """``value`` with non-finite floats as ``None`` (JSON has no NaN) and tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`netinv.fileio.atomic_write_bytes`), making its folder."""
    make_folder(path.parent)
    atomic_write_bytes(path, data)

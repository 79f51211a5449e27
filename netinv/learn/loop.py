"""The pieces every training loop of :mod:`netinv.learn` shares: imitation training
(:mod:`netinv.learn.train`), fine-tuning (:mod:`netinv.learn.finetune`) and test-time adaptation
(:mod:`netinv.learn.adapt`).

Stop on signal
    :class:`netinv.fileio.StopOnSignal`: within the block the first Ctrl-C or SIGTERM only sets a flag,
    which the loop reads after its batch or step; a second Ctrl-C stops at once.

Resumable state
    The state of an interrupted run lives beside its output, in ``OUT.partial`` (:func:`partial_path`):
    :func:`save_partial` writes the weights, the optimizer, the finished epochs or steps (``history``)
    and the best weights so far (``best["state"]``), tensors and plain values only, atomically;
    :func:`restore` reads them back into a fresh model and optimizer. A ``format`` string names the kind
    of loop (``netinv-training-state-2``, ...) and a ``fingerprint`` dict the data and settings of the
    run: a state of another kind or of a run with other settings is refused in one line.
    :func:`interrupted_message` is the line a loop raises :class:`~netinv.errors.TrainingInterrupted`
    with.

Best weights
    ``best`` is a dict that holds the best epoch or step so far, its score and its weights under
    ``state`` (a :func:`copy_state` of the model), so a loop ends by loading ``best["state"]``.

Settings
    :func:`parse_settings`: the command-line settings of ``netinv finetune`` and ``netinv adapt`` (text
    per field) -> their frozen configuration dataclass, one parser for both.

Model cards are written by :func:`netinv.learn.checkpoint.save_model`; :func:`netinv.learn.checkpoint.versions`
is the versions block every card carries.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from netinv.errors import InputError
from netinv.learn.checkpoint import load_checkpoint, save_checkpoint

# settings whose text "none" means None (an int otherwise)
OPTIONAL_INT_SETTINGS = ("truncate", "threads")
# tuple settings of strings (every other tuple holds numbers of the type of its default's first item)
TEXT_TUPLE_SETTINGS = ("large_kinds",)


def partial_path(out_path: str | Path) -> Path:
    """Where the resumable state of a run writing ``out_path`` lives: ``OUT.partial`` beside it."""
    out_path = Path(out_path)
    return out_path.with_name(out_path.name + ".partial")


def copy_state(model) -> dict:
    """A detached copy of ``model``'s weights (its ``state_dict``), e.g. the best weights so far."""
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


def save_partial(path: Path, fingerprint: dict, model, optimizer, history: list, best: dict, *,
                 format: str) -> None:
    """Write the state of an interrupted run to ``path`` (read back by :func:`restore`): the model, the
    optimizer, the finished epochs / steps (``history``) and ``best`` (its ``state`` holds weights)."""
    save_checkpoint({"format": format, "fingerprint": fingerprint, "model": copy_state(model),
                     "optimizer": optimizer.state_dict(), "history": history,
                     "best": {key: value for key, value in best.items() if key != "state"},
                     "best_state": best["state"]}, path)


def restore(path: Path, fingerprint: dict, model, optimizer, history: list, best: dict, *, format: str,
            what: str = "training") -> int:
    """Load what :func:`save_partial` kept into ``model``, ``optimizer``, ``history`` and ``best``; the
    number of finished epochs / steps. A state of another ``format`` or of a run with other settings (any
    ``fingerprint`` key differs) is a one-line InputError naming ``what`` (training, fine-tuning, ...)."""
    state = load_checkpoint(path)
    if state.get("format") != format:
        raise InputError(f"{path}: not a netinv {what} state; delete it to start afresh")
    saved = state.get("fingerprint")
    if not isinstance(saved, dict):
        raise InputError(f"{path}: {what} state without a fingerprint; delete it to start afresh")
    differ = [key for key in fingerprint if saved.get(key) != fingerprint[key]]
    if differ:
        key = differ[0]
        raise InputError(f"{path}: left by a run with other data, model or settings ({key}: {saved.get(key)!r} "
                         f"then, {fingerprint[key]!r} now); delete it, or run without resuming, to start afresh")
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history.extend(state["history"])
        best.update(state["best"], state={k: v.clone() for k, v in state["best_state"].items()})
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as exc:
        raise InputError(f"{path}: damaged {what} state ({type(exc).__name__}); delete it to start "
                         "afresh") from None
    return len(history)


def interrupted_message(finished: int, total: int, partial: Path, *, what: str = "training",
                        unit: str = "epoch") -> str:
    """The one line of an interrupted run: how far it got and where the same command resumes from."""
    if finished == 0:
        return f"{what} interrupted before the first {unit} finished; nothing to resume from"
    return f"{what} interrupted after {unit} {finished} of {total}; the same command resumes from {partial}"


def parse_settings(config_class, values: dict, command: str):
    """A ``config_class`` (a dataclass whose defaults give every field's type) from command-line values:
    field name (underscores or dashes) -> text, or an already typed value. Tuples as ``"50,1000"`` or
    ``"50-1000"``; booleans as 1/true/yes; :data:`OPTIONAL_INT_SETTINGS` ``"none"`` for None. Fields not
    given keep their defaults; an unknown name or a bad value is an InputError naming it and ``command``."""
    fields = {f.name for f in dataclasses.fields(config_class)}
    default = config_class()
    out = {}
    for raw_name, value in values.items():
        name = raw_name.replace("-", "_")
        if name not in fields:
            raise InputError(f"{command}: unknown setting {raw_name!r}; known: {', '.join(sorted(fields))}")
        try:
            out[name] = _setting(name, value, getattr(default, name))
        except ValueError:
            raise InputError(f"{command}: {raw_name}: cannot read {value!r}") from None
    return config_class(**out)


def _setting(name: str, value, current):
    """One setting ``name`` read from ``value`` after the type of its default ``current``."""
    if not isinstance(value, str):
        return tuple(value) if isinstance(current, tuple) else value
    if name in OPTIONAL_INT_SETTINGS and value.lower() == "none":
        return None
    if isinstance(current, tuple):
        parts = [p.strip() for p in (value.split(",") if "," in value else _range_parts(value))]
        kind = str if name in TEXT_TUPLE_SETTINGS else type(current[0])
        return tuple(kind(p) for p in parts)
    if isinstance(current, bool):
        return value.lower() in ("1", "true", "yes")
    if isinstance(current, str):
        return value
    if isinstance(current, int) or name in OPTIONAL_INT_SETTINGS:
        return int(value)
    return float(value)


def _range_parts(text: str) -> list[str]:
    """``"50-1000"`` -> ["50", "1000"]; a leading minus sign belongs to the first number."""
    head, sep, tail = text[1:].partition("-")
    return [text[0] + head, tail] if sep else [text]

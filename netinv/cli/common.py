"""What every command of the ``netinv`` command line shares: the option types, JSON and table printing.

Every command follows one pattern: parse its options, call one library function, print the result (JSON
with ``--json``, else text or a table). Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import json
import math
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

FileArg = Annotated[Path, typer.Argument(help="Scenario file (.yaml, .yml, .json, .graphml).", show_default=False)]
class Transshipment(StrEnum):
    """The transshipment rules of :data:`netinv.sim.transshipment.TRANSSHIPMENT_RULES`."""

    none = "none"
    cost_aware = "cost-aware"


TransshipmentOpt = Annotated[
    Transshipment | None, typer.Option("--transshipment", help="Rule moving stock on transshipment edges after demand "
                                       "(by default cost-aware on a network with transshipment edges, none "
                                       "without).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
NoTimingsOpt = Annotated[
    bool, typer.Option("--no-timings", help="Leave wall-clock timings out of the JSON, so that the same command "
                       "prints byte-identical output.")
]
TIMING_KEYS = ("seconds", "handoff_seconds", "solve_seconds")
DEFAULT_MODEL = Path(__file__).resolve().parent.parent.parent / "models" / "gnn.pt"  # the shipped GNN policy


def print_json(data, *, timings: bool = True) -> None:
    """``data`` as indented, strict JSON on stdout (numpy values as numbers and lists); without ``timings``,
    the wall-clock entries (:data:`TIMING_KEYS`) are left out at any depth.

    JSON has no NaN or infinity: a non-finite number is written as ``null`` and the top-level object gets
    ``"null_reasons"``, a mapping from the place of each such null (``"bullwhip.1"``, ``"orders[3]"``) to
    why it is null (:func:`finite_json`). The text is written with ``allow_nan=False``: nothing else can
    slip through.
    """
    reasons: dict[str, str] = {}
    clean = finite_json(data if timings else without_timings(data), reasons)
    if reasons:
        if isinstance(clean, dict):
            clean[NULL_REASONS] = {**clean.get(NULL_REASONS, {}), **reasons}
        else:
            typer.echo(f"warning: --json: null written for non-finite numbers at {', '.join(reasons)}", err=True)
    typer.echo(json.dumps(clean, indent=2, allow_nan=False))


NULL_REASONS = "null_reasons"  # the key of print_json's mapping: place of a null -> why it is not a number


def finite_json(value, reasons: dict[str, str], where: str = ""):
    """``value`` as plain JSON data: numpy scalars and arrays as numbers and lists, tuples as lists, keys
    as strings, and every NaN or infinite number replaced by None, its place (``where``, dotted keys and
    ``[i]``) recorded in ``reasons`` with why: ``not a number (NaN: undefined, e.g. 0/0)`` or
    ``infinite (+inf)`` / ``infinite (-inf)``. Anything else that is not JSON data is a TypeError."""
    if isinstance(value, dict):
        return {str(k): finite_json(v, reasons, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v, reasons, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        reasons[where or "(the value)"] = ("not a number (NaN: undefined, e.g. 0/0)" if math.isnan(value)
                                          else f"infinite ({'+' if value > 0 else '-'}inf)")
        return None
    return finite_json(json_default(value), reasons, where)


def without_timings(value):
    """``value`` without the wall-clock entries (keys in TIMING_KEYS), at any depth."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def json_default(value):
    """JSON of a numpy scalar or array (``.tolist()``: a number, or nested lists); ``.item()`` for other
    scalar types."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(type(value).__name__)


def new_console():
    """A rich console (rich is imported here, when a command prints a table)."""
    from rich.console import Console

    return Console()


class GuardedStdout:
    """stdout, whose write and flush turn an OSError (a full disk: ``netinv ... > /dev/full``) into the
    one-line :class:`~netinv.errors.InputError` ``stdout: cannot write: ...``; everything else is the
    stream's own. A closed pipe (``| head``) is left to click (a quiet exit)."""

    def __init__(self, stream):
        self.stream = stream
        self.failed = False

    def write(self, text):
        if isinstance(text, str) and not text:
            return 0  # click probes a stream with empty writes; /dev/full refuses even those
        return self._guard(self.stream.write, text)

    def flush(self):
        return self._guard(self.stream.flush)

    def _guard(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            from netinv.errors import InputError

            self.failed = True
            raise InputError(f"stdout: cannot write: {exc.strerror or exc}") from None

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _silence(stream) -> None:
    """Point ``stream``'s file descriptor at /dev/null (a stream without one, or a failure: left as is)."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


@contextmanager
def guarded_stdout():
    """Within the block, ``sys.stdout`` is a :class:`GuardedStdout`; it is flushed at the end (a full disk is
    reported there, in one line) and restored. After a failed write the file descriptor points at /dev/null,
    so that Python's own flush at exit does not fail again."""
    real = sys.stdout
    guard = GuardedStdout(real)
    sys.stdout = guard
    try:
        yield guard
        guard.flush()
    finally:
        sys.stdout = real
        if guard.failed:
            _silence(real)

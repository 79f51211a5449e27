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

from netinv.attrs import MAX_MAGNITUDE

FileArg = Annotated[Path, typer.Argument(help="Scenario file (.yaml, .yml, .json, .graphml).", show_default=False)]

# --- the range of every numeric option: one place ---------------------------------------------------
# A number an option sets is checked when the command line is parsed, before anything is read or
# allocated; a value outside its range is the one line ``error: --paths: must be from 1 to 10,000,000,
# got 0``. Sizes that multiply (paths x periods x nodes) are checked where the product is known: the exact
# models in netinv.exact.limits, a recorded simulation in netinv.sim.kpis.check_trace_size.
SEED_MAX = 2**32 - 1  # seeds: 0 to 2^32 - 1
MAX_MONEY = MAX_MAGNITUDE  # prices and costs given as options: what a scenario file may hold
MAX_SECONDS = 1e7  # time limits and budgets (about 116 days)
MAX_PATHS = 10_000_000  # simulated demand paths
MAX_PERIODS = 10_000_000  # simulated periods of a path
MAX_HORIZON = 100_000  # periods of a planning model or a rolling window
MAX_SCENARIOS = 100_000  # sampled demand scenarios of a stochastic model
MAX_SAMPLES = 1_000_000  # draws of a Monte Carlo check
MAX_LP_SAMPLES = 200_000  # demand samples of a sample-average LP (1,000,000 on 3 stores: 1.4 GB, minutes)
MAX_GENERATED_NODES = 200_000  # nodes of a generated network (networkx holds about 5 kB a node)
MAX_THREADS = 1024


def integer_in(low: int, high: int):
    """A typer ``parser``: a whole number from ``low`` to ``high`` (written ``12``, ``1_000`` or ``1e6``),
    else the one-line error ``must be a whole number from LOW to HIGH, got TEXT``."""
    def parse(text) -> int:
        value = _whole(text)
        if value is None or not low <= value <= high:
            shown = text if value is None else f"{value:,}"
            raise typer.BadParameter(f"must be a whole number from {low:,} to {high:,}, got {shown}")
        return value

    return parse


def _whole(text) -> int | None:
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    raw = str(text).strip()
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        number = float(raw)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() and abs(number) < 1e18 else None


def node_range(high: int):
    """A typer ``parser``: a node-count range ``LO-HI`` (or one count) with 2 <= LO <= HI <= ``high``,
    returned as written (the library parses it); checked on the digits first, so that a 5,000-digit
    number is refused without converting it."""
    import re

    def parse(text) -> str:
        match = re.fullmatch(r"\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?", str(text))
        low = int(match.group(1)) if match else 0
        top = int(match.group(2) or low) if match else 0
        if not 2 <= low <= top <= high:
            raise typer.BadParameter(f"must be a range LO-HI of node counts with 2 <= LO <= HI <= {high:,}, "
                                     f"got {str(text)[:40]!r}")
        return str(text)

    return parse


def number_in(low: float, high: float, *, above: bool = False):
    """A typer ``parser``: a finite number from ``low`` (``above``: greater than ``low``) to ``high``, else
    the one-line error ``must be a finite number from LOW to HIGH, got TEXT`` (NaN and infinity are refused:
    ``float('nan')`` would pass any comparison)."""
    def parse(text) -> float:
        try:
            value = float(text)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or value < low or value > high or (above and value == low):
            bound = f"greater than {low:g}" if above else f"from {low:g}"
            raise typer.BadParameter(f"must be a finite number {bound} to {high:g}, got {text}")
        return value

    return parse


def int_option(*names: str, low: int, high: int, help: str = "", **settings):
    """A typer Option taking a whole number from ``low`` to ``high`` (:func:`integer_in`)."""
    return typer.Option(*names, parser=integer_in(low, high), help=help, metavar="INTEGER", **settings)


def float_option(*names: str, low: float, high: float, above: bool = False, help: str = "", **settings):
    """A typer Option taking a finite number from ``low`` to ``high`` (:func:`number_in`)."""
    return typer.Option(*names, parser=number_in(low, high, above=above), help=help, metavar="NUMBER", **settings)


def seed_option(help: str = "Random seed."):
    """The ``--seed`` option: a whole number from 0 to :data:`SEED_MAX`."""
    return int_option("--seed", low=0, high=SEED_MAX, help=help)


def money_option(*names: str, help: str = ""):
    """A price or cost option: a finite number from 0 to :data:`MAX_MONEY`."""
    return float_option(*names, low=0.0, high=MAX_MONEY, help=help)


def seconds_option(*names: str, help: str = ""):
    """A time limit in seconds: a finite number from 0 to :data:`MAX_SECONDS`."""
    return float_option(*names, low=0.0, high=MAX_SECONDS, help=help)


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
ThreadsOpt = Annotated[
    int, int_option("--threads", low=1, high=MAX_THREADS, help="Torch threads of the GNN policy (one per process "
                    "unless asked: on a shared machine a second thread mostly waits).")
]
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

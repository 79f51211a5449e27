"""What every command of the ``netinv`` command line shares: the option types, JSON and table printing.

Every command follows one pattern: parse its options, call one library function, print the result (JSON
with ``--json``, else text or a table). Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import json
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
ThreadsOpt = Annotated[
    int, typer.Option("--threads", min=1, max=1024, help="Torch threads of the GNN policy (one per process "
                      "unless asked: on a shared machine a second thread mostly waits).")
]
NoTimingsOpt = Annotated[
    bool, typer.Option("--no-timings", help="Leave wall-clock timings out of the JSON, so that the same command "
                       "prints byte-identical output.")
]
TIMING_KEYS = ("seconds", "handoff_seconds", "solve_seconds")
DEFAULT_MODEL = Path(__file__).resolve().parent.parent.parent / "models" / "gnn.pt"  # the shipped GNN policy


def print_json(data, *, timings: bool = True) -> None:
    """``data`` as indented JSON on stdout (numpy values as numbers and lists); without ``timings``, the
    wall-clock entries (:data:`TIMING_KEYS`) are left out at any depth."""
    typer.echo(json.dumps(data if timings else without_timings(data), indent=2, default=json_default))


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

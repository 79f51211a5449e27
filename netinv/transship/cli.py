"""The logic of ``netinv transship FILE [--samples N --seed S] --json`` (the CLI only parses and prints)."""

from __future__ import annotations

from pathlib import Path

from netinv.network import load
from netinv.transship.analysis import TransshipConfig, analyze_transshipment


def transship_command(path: str | Path, samples: int = 10_000, seed: int = 0, plot: str | Path | None = None) -> dict:
    """Load the scenario at ``path`` and return the JSON-ready answer::

        {"levels": {location: S}, "expected_cost": ..., "stderr": ..., "out_of_sample_cost": ...,
         "transshipped": {"u->v": mean units}, "value": {"independent": ...,
         "with_transshipment": ..., "full_pooling": ...}}

    Raises netinv's own errors (:class:`~netinv.errors.InputError` for a bad file or argument,
    :class:`~netinv.errors.SolverError`), each with a one-line message.
    """
    from netinv.errors import InputError

    if plot is not None and Path(plot).suffix.lower() != ".png":
        raise InputError(f"{plot}: the picture is written as PNG; use a .png file name")
    graph = load(path)
    analysis = analyze_transshipment(graph, TransshipConfig(samples=samples, seed=seed))
    out = analysis.to_dict()
    if plot is not None:
        from netinv.transship.plot import plot_transshipment

        out["plot"] = str(plot_transshipment(graph, analysis, plot))
    return out

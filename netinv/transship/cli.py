"""The logic of ``netinv transship FILE [--samples N --seed S] --json`` (the CLI only parses and prints)."""

from __future__ import annotations

from pathlib import Path

from netinv.network import load
from netinv.transship.analysis import TransshipConfig, analyze_transshipment


def transship_command(path: str | Path, samples: int = 10_000, seed: int = 0, plot: str | Path | None = None,
                      method: str = "decomposition", simulate: bool = False, periods: int = 200,
                      paths: int = 200) -> dict:
    """Load the scenario at ``path`` and return the JSON-ready answer::

        {"levels": {location: S}, "expected_cost": ..., "stderr": ..., "out_of_sample_cost": ...,
         "transshipped": {"u->v": mean units}, "value": {"independent": ...,
         "with_transshipment": ..., "full_pooling": ...}}

    ``method``: ``"decomposition"`` (exact, fast) or ``"extensive"`` (the whole LP to HiGHS).
    ``simulate=True`` adds ``"simulated_value"``: the three settings simulated over ``periods`` x ``paths``
    with base-stock levels optimized in the simulator, beside the sample-average costs
    (:func:`netinv.transship.simulation.simulated_value`).

    Raises netinv's own errors (:class:`~netinv.errors.InputError` for a bad file or argument,
    :class:`~netinv.errors.SolverError`), each with a one-line message.
    """
    from netinv.report import check_png

    if plot is not None:
        check_png(plot)
    graph = load(path)
    analysis = analyze_transshipment(graph, TransshipConfig(samples=samples, seed=seed, method=method))
    out = analysis.to_dict()
    if simulate:
        from netinv.transship.simulation import simulated_value

        out["simulated_value"] = simulated_value(graph, periods=periods, paths=paths, seed=seed, saa=analysis.value)
    if plot is not None:
        from netinv.transship.plot import plot_transshipment

        out["plot"] = str(plot_transshipment(graph, analysis, plot))
    return out

"""The logic of ``netinv transship FILE [--samples N --seed S] --json`` (the CLI only parses and prints)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from netinv.network import load
from netinv.transship.analysis import TransshipConfig, analyze_transshipment


def transship_command(path: str | Path, samples: int = 10_000, seed: int = 0, plot: str | Path | None = None,
                      method: str = "decomposition", simulate: bool = False, periods: int = 200,
                      paths: int = 200, progress: Callable[[str], None] | None = None) -> dict:
    """Load the scenario at ``path`` and return the JSON-ready answer::

        {"levels": {location: S}, "expected_cost": ..., "stderr": ..., "out_of_sample_cost": ...,
         "transshipped": {"u->v": mean units}, "value": {"independent": ...,
         "with_transshipment": ..., "full_pooling": ...}}

    ``method``: ``"decomposition"`` (exact, fast) or ``"extensive"`` (the whole LP to HiGHS).
    ``simulate=True`` adds ``"simulated_value"``: the three settings simulated over ``periods`` x ``paths``
    with base-stock levels optimized in the simulator, beside the sample-average costs, and the paired
    saving of each setting against no transshipment with its 95% CI
    (:func:`netinv.transship.simulation.simulated_value`); ``progress`` gets one line per search sweep.
    ``"single_period_saving"``: the sample-average (one period, demand locations only) expected cost
    saving of each setting against no transshipment, per period and in percent.

    Raises netinv's own errors (:class:`~netinv.errors.InputError` for a bad file or argument,
    :class:`~netinv.errors.SolverError`), each with a one-line message.
    """
    from netinv.report import check_png

    if plot is not None:
        check_png(plot)
    graph = load(path)
    analysis = analyze_transshipment(graph, TransshipConfig(samples=samples, seed=seed, method=method))
    out = analysis.to_dict()
    out["single_period_saving"] = single_period_saving(out["value"])
    if simulate:
        from netinv.transship.simulation import simulated_value

        out["simulated_value"] = simulated_value(graph, periods=periods, paths=paths, seed=seed, saa=analysis.value,
                                                 progress=progress)
    if plot is not None:
        from netinv.transship.plot import plot_transshipment

        out["plot"] = str(plot_transshipment(graph, analysis, plot))
    return out


def single_period_saving(value: dict[str, float]) -> dict[str, dict[str, float]]:
    """The sample-average expected cost saving per period of ``with_transshipment`` and ``full_pooling``
    against ``independent`` (``value`` as in the JSON's ``"value"``), in units and in percent."""
    base = value["independent"]
    return {setting: {"per_period": base - value[setting],
                      "percent": 100.0 * (base - value[setting]) / base if base else float("nan")}
            for setting in ("with_transshipment", "full_pooling")}

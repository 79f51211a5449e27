"""``demand: {history: FILE}`` in a scenario: the node's demand fitted from its sales history.

::

    - id: store_n1
      demand: {history: sales.csv, period_days: 7, family: auto}
      shortage_cost: 24

``history``: a ``date,node,quantity`` CSV (one file for the whole network), relative to the scenario
file's folder; it must stay inside that folder (no ``..`` out of it, no absolute path elsewhere).
``period_days`` (default 1): the scenario's period length; the history is summed into periods of
that many days. ``family`` (default ``auto``): see :mod:`netinv.history.fit`. ``strict`` (default
false): any data-quality finding is an error; otherwise the history is cleaned as
:mod:`netinv.history.quality` lists. A row for a node that is not in the network is always an error.

:func:`history_models` gives each such node its demand model (:mod:`netinv.history.model`: a
forecast chosen by a backtest on held-out periods, and the distribution centred on it);
:func:`resolve_histories` replaces each history spec by that distribution before the scenario is
validated, so the graph (and every consumer) sees an ordinary demand spec.
"""

from __future__ import annotations

import copy
from pathlib import Path

from netinv.errors import InputError, InvalidNetworkError, where

HISTORY_KEYS = ("history", "period_days", "family", "strict")


def has_history(doc) -> bool:
    """Whether a scenario document has a node with ``demand: {history: ...}``."""
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    return isinstance(nodes, list) and any(
        isinstance(n, dict) and isinstance(n.get("demand"), dict) and "history" in n["demand"] for n in nodes
    )


def resolve_history_path(scenario_path: str | Path, ref, *, owner: str | None = None) -> Path:
    """The history file ``ref`` names, resolved against the scenario's folder; refused if outside it."""
    scenario_path = Path(scenario_path)
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidNetworkError(where(str(scenario_path), owner, "demand.history: must be a file name"))
    if "\0" in ref:
        raise InvalidNetworkError(where(str(scenario_path), owner, "demand.history: a file name cannot contain a "
                                        "NUL character"))
    folder = scenario_path.resolve().parent
    target = (folder / ref).resolve()
    if not target.is_relative_to(folder):
        raise InvalidNetworkError(where(str(scenario_path), owner, f"demand.history: {ref!r} is outside the "
                                        f"scenario's folder {str(folder)!r}; history files must be inside it"))
    return target


def resolve_histories(doc: dict, path: str) -> dict:
    """A copy of the scenario document ``doc`` (read from ``path``) with every history demand replaced
    by the distribution of the node's demand model (:func:`history_models`)."""
    doc = copy.deepcopy(doc)
    for node, _, model in history_models(doc, path):
        node["demand"] = model.spec
    return doc


def history_models(doc: dict, path: str, *, periods: int | None = None) -> list:
    """(node mapping, :class:`~netinv.history.aggregate.PeriodSeries`,
    :class:`~netinv.history.model.DemandModel`) of every node of the scenario document ``doc`` (read
    from ``path``) whose demand comes from a history: THE demand model of the node, that every command
    reads (its distribution through the loaded graph, its forecast through
    :func:`netinv.history.forecast.scenario_forecast`). ``periods``: forecast at least that many
    periods after the history."""
    from netinv.history.model import ModelConfig, demand_model
    from netinv.history.quality import season_length

    out = []
    for node, per in history_periods(doc, path):
        spec, node_id = node["demand"], str(node["id"])
        config = ModelConfig(season_length=season_length(per.period_days), family=spec.get("family", "auto"))
        try:
            model = demand_model(per.values, config, periods=periods, node=node_id)
        except InputError as exc:
            raise InvalidNetworkError(where(path, None, f"demand.history {spec['history']}: {exc}")) from None
        out.append((node, per, model))
    return out


def scenario_period_days(doc, path: str | None = None) -> int | None:
    """The period length in days of the scenario document ``doc``: the ``period_days`` of its history
    nodes (default 1 for a history node without it); None when no node reads a history. History nodes
    with different ``period_days`` are an error: a scenario has one period length."""
    found: dict[int, str] = {}
    for node in (doc.get("nodes") or []) if isinstance(doc, dict) else []:
        spec = node.get("demand") if isinstance(node, dict) else None
        if isinstance(spec, dict) and "history" in spec:
            found.setdefault(spec.get("period_days", 1), str(node.get("id")))
    if len(found) > 1:
        (a, na), (b, nb) = list(found.items())[:2]
        raise InvalidNetworkError(where(path, None, f"demand.period_days: node '{na}' has {a} and node '{nb}' "
                                        f"has {b}; every history node of a scenario must have the same period"))
    return next(iter(found), None)


def history_periods(doc: dict, path: str) -> list:
    """(node mapping, :class:`~netinv.history.aggregate.PeriodSeries`) of every node of the scenario
    document ``doc`` (read from ``path``) whose demand comes from a history: its cleaned history
    summed into the node's periods, counted from the history file's first date."""
    from netinv.history.aggregate import aggregate
    from netinv.history.quality import check_history
    from netinv.history.records import read_history

    nodes = [n for n in doc["nodes"] if isinstance(n, dict)]
    for number, node in enumerate(nodes, start=1):
        node_id = node.get("id")
        if isinstance(node_id, bool) or not isinstance(node_id, (str, int)):
            got = "nothing" if node_id is None else f"{type(node_id).__name__} {str(node_id)[:40]!r}"
            raise InvalidNetworkError(where(path, f"node #{number}", f"id: must be a string, got {got}"))
    network_nodes = [str(n.get("id")) for n in nodes]
    by_file: dict[Path, list[dict]] = {}
    for node in nodes:
        spec = node.get("demand")
        if not (isinstance(spec, dict) and "history" in spec):
            continue
        owner = f"node '{node.get('id')}'"
        unknown = [k for k in spec if k not in HISTORY_KEYS]
        if unknown:
            raise InvalidNetworkError(where(path, owner, f"demand: unknown key '{unknown[0]}' (valid keys: "
                                            f"{', '.join(HISTORY_KEYS)})"))
        period = spec.get("period_days", 1)
        if not isinstance(period, int) or isinstance(period, bool) or period < 1:
            raise InvalidNetworkError(where(path, owner, f"demand.period_days: must be an integer >= 1, got {period!r}"))
        by_file.setdefault(resolve_history_path(path, spec["history"], owner=owner), []).append(node)
    out = []
    for file, users in by_file.items():
        raw = read_history(file)
        demand_ids = [str(n["id"]) for n in users]
        report = check_history(raw, network_nodes=network_nodes, demand_nodes=demand_ids)
        for finding in report.findings:
            if finding.kind == "unknown_node" or any(n["demand"].get("strict") for n in users):
                raise InputError(where(str(file), None, str(finding)))
        anchor = min((s.start for s in report.series.values()), default=None)
        for node in users:
            spec, node_id = node["demand"], str(node["id"])
            series = report.series.get(node_id)
            if series is None:
                raise InvalidNetworkError(where(path, f"node '{node_id}'", f"demand.history: no row with a usable quantity for this node "
                                                f"in {spec['history']}"))
            try:
                out.append((node, aggregate(series, spec.get("period_days", 1), anchor=anchor)))
            except InputError as exc:
                raise InvalidNetworkError(where(path, None, f"demand.history {spec['history']}: {exc}")) from None
    return out

"""The logic of ``netinv data check FILE [--strict]``, ``netinv data forecast FILE`` and ``netinv risk FILE [--policy ...] [--horizon H]``
(the CLI only parses and prints). Each function returns a JSON-ready dict and raises netinv's own
errors with one-line messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from netinv.errors import InputError

POLICIES = ("base-stock", "echelon-base-stock", "mpc-deterministic", "mpc-stochastic")


def data_check_command(path: str | Path, strict: bool = False, network: str | Path | None = None) -> dict:
    """Data-quality report of a history.

    ``path``: a history CSV, or a scenario (YAML / JSON) whose nodes say ``demand: {history: FILE}``
    (every history it names is checked against the network's nodes). ``network``: a scenario to check
    a CSV's nodes against. ``strict``: a finding is an error. Returns ``{"files": [report, ...],
    "ok": bool}``, each report as :meth:`QualityReport.to_dict`.
    """
    from netinv.history.quality import check_history
    from netinv.history.records import read_history

    path = Path(path)
    jobs = []  # (history file, network node ids or None, demand node ids or None)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        from netinv.history.scenario import resolve_history_path
        from netinv.network.io import read_document

        doc = read_document(path)
        nodes = [n for n in doc.get("nodes") or [] if isinstance(n, dict)]
        ids = [str(n.get("id")) for n in nodes]
        files: dict[Path, list[str]] = {}
        for n in nodes:
            spec = n.get("demand")
            if isinstance(spec, dict) and "history" in spec:
                file = resolve_history_path(path, spec["history"], owner=f"node '{n.get('id')}'")
                files.setdefault(file, []).append(str(n["id"]))
        if not files:
            raise InputError(f"{path}: no node reads its demand from a history (demand: {{history: FILE}})")
        jobs = [(file, ids, users) for file, users in files.items()]
    else:
        ids = None
        if network is not None:
            from netinv.network import load

            graph = load(network)
            ids = [str(n) for n in graph]
            demand = [str(n) for n, d in graph.nodes(data=True) if d.get("demand") is not None]
            jobs = [(path, ids, demand)]
        else:
            jobs = [(path, None, None)]
    reports = []
    for file, ids, demand in jobs:
        report = check_history(read_history(file), network_nodes=ids, demand_nodes=demand)
        if strict:
            report.raise_if_findings()
        reports.append(report.to_dict())
    return {"files": reports, "ok": all(r["ok"] for r in reports)}


def forecast_command(path: str | Path, periods: int = 13) -> dict:
    """``netinv data forecast FILE``: the demand model of every history node of the scenario at
    ``path`` (:func:`netinv.history.scenario.history_models`), the one every command uses: the
    backtest of the forecast candidates, the chosen forecast for ``periods`` periods after the
    history, and the distribution centred on it. Returns ``{"nodes": [...]}``."""
    import datetime as dt

    from netinv.history.scenario import has_history, history_models
    from netinv.network.io import read_document

    if periods < 1:
        raise InputError(f"periods must be >= 1, got {periods}")
    doc = read_document(path)
    if not has_history(doc):
        raise InputError(f"{path}: no node reads its demand from a history (demand: {{history: FILE}})")
    nodes = []
    for node, per, model in history_models(doc, str(path), periods=periods):
        row = {"node": str(node["id"]), "period_days": per.period_days, "history_start": per.start.isoformat(),
               "history_end": (per.start + dt.timedelta(days=per.period_days * per.values.size)).isoformat(),
               "periods": int(per.values.size), "missing_periods": int((~np.isfinite(per.values)).sum()),
               **model.to_dict()}
        row["forecast"] = row["forecast"][:periods]
        nodes.append(row)
    return {"nodes": nodes}


def risk_policy(graph, policy: str = "base-stock", *, horizon: int = 12, seed: int = 0, scenarios: int = 20,
                planning_horizon: int | None = None, time_limit: float | None = None):
    """The policy named ``policy`` (one of :data:`POLICIES`, the simulator policies of ``netinv
    simulate``) for a risk simulation of ``horizon`` periods of ``graph``. Returns ``(policy, extra)``,
    ``extra`` a JSON-ready dict of how it was built.

    - ``base-stock``: the levels of :func:`netinv.policies.levels.best_levels` (``auto``; echelon
      levels where Clark-Scarf applies), as before;
    - ``echelon-base-stock``: echelon levels: Clark-Scarf's where it applies, else each node's level
      plus the levels of every node downstream of it (the echelon of the same installation levels);
    - ``mpc-deterministic`` / ``mpc-stochastic``: the rolling-horizon planning policies
      (:class:`~netinv.policies.rolling.RollingHorizon`) over a window of ``planning_horizon``
      periods, or shrinking to the end of the risk horizon (None); ``scenarios`` K per solve.
    """
    if policy not in POLICIES:
        raise InputError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if policy in ("mpc-deterministic", "mpc-stochastic"):
        from netinv.exact.highs import SolverOptions
        from netinv.policies.rolling import RollingHorizon, RollingHorizonConfig

        config = RollingHorizonConfig(stochastic=policy == "mpc-stochastic", horizon=planning_horizon,
                                      periods=horizon, scenarios=scenarios, seed=seed,
                                      solver=SolverOptions(time_limit=time_limit))
        return RollingHorizon(config), {"policy_config": {"horizon": planning_horizon or "shrinking",
                                                          "scenarios": scenarios if config.stochastic else 1}}
    from netinv.policies.levels import best_levels

    found = best_levels(graph, seed=seed)
    if policy == "base-stock" or found.kind == "echelon":
        return found.policy(), {"levels_method": found.method}
    from netinv.network.compile import compile_network
    from netinv.policies import EchelonBaseStock

    arrays = compile_network(graph)
    local = np.array([found.levels.get(node, 0.0) for node in arrays.node_ids])
    echelon = arrays.downstream(np.float64) @ local
    levels = {node: float(echelon[arrays.index[node]]) for node in found.levels}
    return EchelonBaseStock(levels), {"levels_method": f"{found.method}, summed over each echelon"}


def risk_command(
    path: str | Path,
    policy: str = "base-stock",
    horizon: int = 12,
    paths: int = 2000,
    seed: int = 0,
    period_days: int | None = None,
    excess_factor: float = 2.0,
    plot: str | Path | None = None,
    *,
    scenarios: int = 20,
    planning_horizon: int | None = None,
    time_limit: float | None = None,
) -> dict:
    """Stockout risk of the scenario at ``path`` from its current state (initial inventories) under
    ``policy`` (see :func:`risk_policy`; ``scenarios``, ``planning_horizon`` and ``time_limit`` are
    for the mpc policies). ``period_days``: the days in a period, for days of cover; by default the
    scenario's (the ``period_days`` of its history nodes, :func:`~netinv.history.scenario.scenario_period_days`),
    else 1; a value that contradicts the scenario's is an error. Returns :meth:`RiskReport.to_dict` (nodes sorted by risk, highest first;
    ``bullwhip`` per echelon) with ``levels_method`` (base-stock policies) or ``policy_config`` (mpc),
    and ``"plot"`` when a heat-map PNG was written."""
    from netinv.history.risk import RiskConfig, stockout_risk
    from netinv.network import load

    if policy not in POLICIES:
        raise InputError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if plot is not None:
        from netinv.report import check_png

        check_png(plot)
    days, source = risk_period_days(path, period_days)
    config = RiskConfig(horizon=horizon, paths=paths, seed=seed, period_days=days, excess_factor=excess_factor)
    graph = load(path)
    from netinv.network.compile import compile_network
    from netinv.sim.kpis import check_trace_size

    check_trace_size(compile_network(graph), horizon, paths)  # before the policy's levels are searched
    chosen, extra = risk_policy(graph, policy, horizon=horizon, seed=seed, scenarios=scenarios,
                                planning_horizon=planning_horizon, time_limit=time_limit)
    report = stockout_risk(graph, chosen, config)
    out = report.to_dict()
    out["period_source"] = source
    out.update(extra)
    if plot is not None:
        out["plot"] = str(heatmap(report, plot))
    return out


def risk_period_days(path: str | Path, period_days: int | None = None) -> tuple[int, str]:
    """(days in a period, where that came from) for ``risk`` on the scenario at ``path``: the
    scenario's period (its history nodes' ``period_days``), or ``period_days`` when the scenario has
    none (1 when neither says)."""
    from netinv.history.scenario import scenario_period_days
    from netinv.network.io import read_document

    own = scenario_period_days(read_document(path), str(path))
    if own is None:
        if period_days is None:
            return 1, "default: the scenario states no period_days; --period-days sets it"
        return period_days, "--period-days"
    if period_days is not None and period_days != own:
        raise InputError(f"{path}: --period-days {period_days} contradicts the scenario's period_days {own} "
                         "(its history nodes' demand.period_days)")
    return own, "the scenario: demand.period_days of its history nodes"


def heatmap(report, path: str | Path) -> Path:
    """Write the nodes x periods stockout-probability heat map of a :class:`RiskReport` (PNG)."""
    from netinv.history.risk import plot_risk_heatmap

    return plot_risk_heatmap(report, path)

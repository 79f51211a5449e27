"""The logic of ``netinv data check FILE [--strict]`` and ``netinv risk FILE [--policy ...] [--horizon H]``
(the CLI only parses and prints). Each function returns a JSON-ready dict and raises netinv's own
errors with one-line messages."""

from __future__ import annotations

from pathlib import Path

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
    import numpy as np

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
    period_days: int = 1,
    excess_factor: float = 2.0,
    plot: str | Path | None = None,
    *,
    scenarios: int = 20,
    planning_horizon: int | None = None,
    time_limit: float | None = None,
) -> dict:
    """Stockout risk of the scenario at ``path`` from its current state (initial inventories) under
    ``policy`` (see :func:`risk_policy`; ``scenarios``, ``planning_horizon`` and ``time_limit`` are
    for the mpc policies). Returns :meth:`RiskReport.to_dict` (nodes sorted by risk, highest first;
    ``bullwhip`` per echelon) with ``levels_method`` (base-stock policies) or ``policy_config`` (mpc),
    and ``"plot"`` when a heat-map PNG was written."""
    from netinv.history.risk import RiskConfig, stockout_risk
    from netinv.network import load

    if policy not in POLICIES:
        raise InputError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if plot is not None:
        from netinv.report import check_png

        check_png(plot)
    config = RiskConfig(horizon=horizon, paths=paths, seed=seed, period_days=period_days, excess_factor=excess_factor)
    graph = load(path)
    chosen, extra = risk_policy(graph, policy, horizon=horizon, seed=seed, scenarios=scenarios,
                                planning_horizon=planning_horizon, time_limit=time_limit)
    report = stockout_risk(graph, chosen, config)
    out = report.to_dict()
    out.update(extra)
    if plot is not None:
        out["plot"] = str(heatmap(report, plot))
    return out


def heatmap(report, path: str | Path) -> Path:
    """Write the nodes x periods stockout-probability heat map of a :class:`RiskReport` (PNG)."""
    from netinv.history.risk import plot_risk_heatmap

    return plot_risk_heatmap(report, path)

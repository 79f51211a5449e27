"""One simulation run of a scenario file: which policy, which demand, which defaults.

``netinv simulate`` and the report make the same choices; they live here once:

- :class:`RunSpec`: what a run asks for (the options of ``netinv simulate``);
- :func:`prepare_run`: the scenario read and compiled, the demand (explicit paths, or drawn up front for
  the planning policies so that every policy sees the same paths for the same seed), the defaults that
  depend on the policy (periods, warm-up, cost per period or per horizon), the policy built;
- :meth:`PreparedRun.run`: the simulation itself, its JSON-ready summary;
- the policies by name: :func:`auto_levels` (the base-stock levels a run of seed ``seed`` uses),
  :func:`read_levels` (``LEVELS.json``), :func:`gnn_policy` (a checkpoint; torch is imported only there),
  :func:`planning_policy` (oracle and rolling-horizon);
- :func:`choose_transshipment`: the transshipment rule of a run (``cost-aware`` by default on a network with
  transshipment edges, none without; ``demo`` and the report use it too).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from netinv.errors import InputError

POLICIES = ("base-stock", "echelon-base-stock", "oracle", "mpc-deterministic", "mpc-stochastic", "gnn")
PLANNING_POLICIES = ("oracle", "mpc-deterministic", "mpc-stochastic")
GNN_HINT = "train one with `netinv train`, or pass --model"


@dataclass(frozen=True)
class RunSpec:
    """What a simulation run asks for; ``None`` means the default that depends on the policy.

    ``periods``: per path [200; 30 for the planning policies; the file's length with ``demand_paths``].
    ``warmup``: periods left out of the KPIs [20; 0 for planning policies and with ``demand_paths``].
    ``per``: ``"period"`` or ``"horizon"`` [horizon for planning policies and with ``demand_paths``].
    ``levels``: base-stock policies: a LEVELS.json file or ``"auto"``. ``horizon``, ``shrinking``,
    ``scenarios``, ``sampling`` (``"lhs"`` or ``"random"``), ``time_limit``: the planning policies. ``model``:
    the GNN checkpoint (policy ``gnn``); ``threads``: torch threads of the GNN policy (set when its model is
    loaded; the other policies do not use torch). ``checkpoint``: a folder keeping finished blocks, so that an interrupted run
    resumes. ``transshipment``: a name of :data:`~netinv.sim.transshipment.TRANSSHIPMENT_RULES` [``cost-aware``
    on a network with transshipment edges, ``none`` without; see :func:`choose_transshipment`].
    """

    policy: str = "base-stock"
    levels: str = "auto"
    periods: int | None = None
    paths: int = 200
    seed: int = 0
    warmup: int | None = None
    demand_paths: Path | None = None
    horizon: int | None = None
    shrinking: bool = False
    scenarios: int = 20
    sampling: str | None = None
    per: str | None = None
    time_limit: float | None = None
    model: Path | None = None
    checkpoint: Path | None = None
    transshipment: str | None = None
    threads: int = 1

    @property
    def planning(self) -> bool:
        return self.policy in PLANNING_POLICIES


@dataclass
class PreparedRun:
    """A run ready to simulate: the compiled network, the policy, the simulator's settings, the demand
    (``(T, D, B)`` or None: sampled), the cost basis ``per``, what the summary adds (``extra``), the
    checkpoint's block store, ``warnings`` for the user (a GNN adapted to another network), and the
    transshipment rule (``transshipment``, None: none) and its name (``transshipment_rule``)."""

    spec: RunSpec
    arrays: object
    policy: object
    config: object
    demand: object
    per: str
    extra: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)
    levels_method: str | None = None
    store: object = None
    warnings: list[str] = field(default_factory=list)
    transshipment: object = None
    transshipment_rule: str = "none"

    @property
    def large(self) -> bool:
        """Worth a progress bar: a planning policy, or 50 million node-periods and more."""
        return self.spec.planning or self.config.periods * self.config.paths * self.arrays.num_nodes >= 50_000_000

    def run(self, progress: Callable[[int, int], None] | None = None):
        """Simulate; returns ``(result, summary)``: the :class:`~netinv.sim.SimResult` and its JSON-ready
        dict (costs per ``per``, the levels and how they were found, the solver's counts)."""
        from netinv.sim import simulate

        result = simulate(self.arrays, self.policy, self.config, demand=self.demand, checkpoint=self.store,
                          progress=progress, transshipment=self.transshipment)
        out = result.to_dict(per=self.per)
        out["transshipment_rule"] = self.transshipment_rule
        out.update(self.extra)
        if self.levels:
            out["levels"] = self.levels
        if self.levels_method:
            out["levels_method"] = self.levels_method
        decisions = getattr(self.policy, "decisions_", None)
        if decisions is not None:
            import torch  # loaded with the GNN policy

            out["torch_threads"] = torch.get_num_threads()  # what the run's forward passes used
            out["decisions"] = decisions.to_dict()
        if hasattr(self.policy, "solves"):
            out["solver"] = {"solves": self.policy.solves, "handoff_seconds": self.policy.handoff_seconds,
                             "solve_seconds": self.policy.solve_seconds}
        return result, out


def prepare_run(file: str | Path, spec: RunSpec) -> PreparedRun:
    """Read ``file``, choose the demand, the defaults and the policy of ``spec`` (see :class:`RunSpec`)."""
    import numpy as np

    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.sim import SimConfig

    graph = load(file)
    arrays = compile_network(graph)
    demand, periods, paths = _demand(arrays, spec)
    # explicit paths are a finite horizon every policy is judged on alike (the published ones are)
    finite = spec.planning or demand is not None
    warmup = (0 if finite else 20) if spec.warmup is None else spec.warmup
    per = spec.per or ("horizon" if finite else "period")
    if spec.planning:  # the exact models' size, from the options alone, before the demand paths are drawn
        check_planning_size(arrays, spec, periods, paths)
    if spec.planning and demand is None:
        from netinv.demand.distributions import DemandSampler

        # drawn up front so that every policy (and the oracle) sees the same paths for the same seed
        demand = np.transpose(DemandSampler(arrays.demand_specs, seed=spec.seed).draw(0, periods, paths), (2, 0, 1))
    config = SimConfig(periods=periods, paths=paths, seed=spec.seed, warmup=min(warmup, periods - 1),
                       block_paths=1 if spec.planning else 1024)
    prepared = PreparedRun(spec, arrays, None, config, None if demand is None else np.transpose(demand, (1, 2, 0)),
                           per)
    _choose_policy(prepared, graph, file, demand)
    prepared.transshipment_rule, prepared.transshipment = choose_transshipment(arrays, spec.transshipment)
    if spec.checkpoint is not None:
        from netinv.sim.checkpoint import BlockStore

        prepared.store = BlockStore(spec.checkpoint, run_identity(
            file, spec.demand_paths, policy=spec.policy, levels=prepared.levels, config=prepared.extra,
            periods=periods, paths=paths, seed=spec.seed, warmup=config.warmup, block_paths=config.block_paths,
            sampling=str(spec.sampling), time_limit=spec.time_limit, transshipment=prepared.transshipment_rule))
    return prepared


def choose_transshipment(arrays, name: str | None = None):
    """``(name, rule)``: the transshipment rule of a run on ``arrays`` (``rule`` None: none).

    ``name`` None (the default) is ``cost-aware`` on a network with transshipment edges and ``none``
    without; a name of :data:`~netinv.sim.transshipment.TRANSSHIPMENT_RULES` other than ``none`` on a
    network without transshipment edges is an :class:`~netinv.errors.InputError` (there is nothing to move).
    """
    from netinv.sim.transshipment import TRANSSHIPMENT_RULES

    if name is None:
        name = "cost-aware" if arrays.trans_keys else "none"
    if name not in TRANSSHIPMENT_RULES:
        raise InputError(f"--transshipment: must be one of {', '.join(TRANSSHIPMENT_RULES)}, got {name!r}")
    if name != "none" and not arrays.trans_keys:
        raise InputError(f"--transshipment: {name}: the network has no transshipment edges")
    return name, TRANSSHIPMENT_RULES[name]()


def _demand(arrays, spec: RunSpec):
    """(demand (B, T, D) or None, periods, paths): the explicit paths of ``spec.demand_paths`` cut to
    ``spec.periods``, or None and the defaults."""
    periods, paths = spec.periods, spec.paths
    demand = None
    if spec.demand_paths is not None:
        from netinv.demand.paths import read_demand_paths

        loaded = read_demand_paths(spec.demand_paths, arrays.node_ids[arrays.demand_slice])
        if periods is not None and periods > loaded.shape[1]:
            raise InputError(f"{spec.demand_paths}: has {loaded.shape[1]} periods, --periods asks for {periods}")
        periods = periods or loaded.shape[1]
        demand = loaded[:, :periods, :]
        paths = demand.shape[0]
    return demand, periods or (30 if spec.planning else 200), paths


def check_planning_size(arrays, spec: RunSpec, periods: int, paths: int) -> None:
    """Refuse (one line, :func:`~netinv.exact.limits.check_exact_size`) a planning policy of ``spec`` on
    ``paths`` paths of ``periods`` periods whose models exceed the exact models' limits."""
    from netinv.exact.limits import check_exact_size

    if spec.policy == "oracle":
        check_exact_size(arrays, "plan", horizon=periods, paths=paths, alternative="--policy gnn")
    else:
        check_exact_size(arrays, "mpc", horizon=spec.horizon or periods,
                         scenarios=spec.scenarios if spec.policy == "mpc-stochastic" else 1, periods=periods,
                         paths=paths, shrinking=spec.shrinking or not spec.horizon, alternative="--policy gnn")


def _choose_policy(prepared: PreparedRun, graph, file, demand) -> None:
    """Set the policy of ``prepared.spec`` on ``prepared`` (and its levels, or planning settings)."""
    spec, arrays, periods = prepared.spec, prepared.arrays, prepared.config.periods
    if spec.planning:
        prepared.policy = planning_policy(arrays, spec.policy, demand, periods, spec.horizon, spec.shrinking,
                                          spec.scenarios, spec.seed, spec.time_limit, spec.sampling != "random",
                                          file=file)
        rolling = spec.horizon if spec.horizon and not spec.shrinking else "shrinking"
        prepared.extra["policy_config"] = {
            "horizon": periods if spec.policy == "oracle" else rolling,
            "scenarios": spec.scenarios if spec.policy == "mpc-stochastic" else 1,
        }
    elif spec.policy == "gnn":
        model = spec.model
        if model is None:
            raise InputError("policy gnn: give the GNN checkpoint (--model)")
        prepared.policy = gnn_policy(model, threads=spec.threads, explain_from=prepared.config.warmup)
        prepared.extra["model"] = str(model)
        prepared.extra["torch_threads"] = spec.threads
        warning = adapted_elsewhere(model, file)
        if warning:
            prepared.warnings.append(warning)
    else:
        from netinv.policies import EchelonBaseStock, InstallationBaseStock

        if spec.levels == "auto":
            found = auto_levels(graph, spec.seed)
            prepared.policy, prepared.levels_method = found.policy(), found.method
        else:
            values = read_levels(Path(spec.levels), graph)
            prepared.policy = (EchelonBaseStock(values) if spec.policy == "echelon-base-stock"
                               else InstallationBaseStock(values))
        prepared.levels = prepared.policy.levels


def levels_seed(seed: int) -> int:
    """The seed of the level search of a run of seed ``seed``: ``seed + 1``, so that the search never tunes
    on the paths the run is judged on. ``basestock --seed S``, ``simulate --seed S --levels auto`` and the
    report of seed S all search on it and so print the same levels."""
    return seed + 1


def auto_levels(graph, seed: int):
    """The base-stock levels a run of seed ``seed`` uses (:func:`netinv.policies.levels.best_levels`,
    method auto, its search seeded :func:`levels_seed`)."""
    from netinv.policies.levels import best_levels

    return best_levels(graph, "auto", seed=levels_seed(seed))


def read_levels(path: Path, nodes=None) -> dict:
    """LEVELS.json as {node: level}; with ``nodes``, every key must be one of them. The output of
    ``netinv basestock --json`` (levels under ``"levels"``) is read too."""
    import difflib
    import math

    from netinv.fileio import read_input_json

    data = read_input_json(path, "levels file")
    if isinstance(data, dict) and isinstance(data.get("levels"), dict):
        data = data["levels"]  # the output of `netinv basestock --json`
    if not isinstance(data, dict):
        raise InputError(f"{path}: levels must be a mapping of node id to level")
    for node, level in data.items():
        if isinstance(level, bool) or not isinstance(level, (int, float)):
            raise InputError(f"{path}: node '{node}': level must be a number, got {json.dumps(level)[:60]}")
        if not math.isfinite(level):
            raise InputError(f"{path}: node '{node}': level must be a finite number, got {json.dumps(level)}")
        if nodes is not None and node not in nodes:
            close = difflib.get_close_matches(node, [str(n) for n in nodes], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"{path}: node '{node}': not a node of the network{hint}")
    return data


def planning_policy(arrays, policy: str, demand, periods: int, horizon: int | None, shrinking: bool, scenarios: int,
                    seed: int, time_limit: float | None, stratified: bool, file=None):
    """The oracle (a plan per path of ``demand``, (B, T, D), with perfect information) or a rolling-horizon
    policy (``mpc-deterministic`` / ``mpc-stochastic``, planning on the scenario's forecast when ``file``
    has demand history)."""
    import numpy as np

    from netinv.exact.highs import SolverOptions
    from netinv.policies.rolling import PlannedOrders, RollingHorizon, RollingHorizonConfig

    solver = SolverOptions(time_limit=time_limit)
    if policy == "oracle":
        from netinv.exact.fastlp import PlanningLP

        lp = PlanningLP(arrays, periods, solver=solver)
        plans = np.stack([lp.solve(d).decisions["orders"][0] for d in demand])
        return PlannedOrders(plans, name="oracle")
    config = RollingHorizonConfig(
        stochastic=policy == "mpc-stochastic",
        horizon=None if shrinking else horizon,
        periods=periods,
        scenarios=scenarios,
        seed=seed,
        stratified=stratified,
        solver=solver,
    )
    forecast = None
    if file is not None:  # a scenario with demand history plans on its forecast (None without history)
        from netinv.history.forecast import scenario_forecast

        forecast = scenario_forecast(file, periods)
    return RollingHorizon(config, forecast=forecast)


def gnn_policy(path: str | Path, *, name: str | None = None, hint: str = GNN_HINT, threads: int | None = None,
               explain_from: int | None = None):
    """The GNN policy of the checkpoint at ``path`` (torch is imported here, not before); a missing file
    is one line naming it, ``hint`` saying what to do. ``threads``: torch's threads from now on
    (``torch.set_num_threads``; None: left as they are). ``explain_from``: the policy keeps a
    :class:`~netinv.learn.policy.DecisionLog` of the periods from this one on (None: none)."""
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise InputError(f"threads: must be an integer >= 1, got {threads!r}")
    if not Path(path).exists() and not Path(path).is_symlink():  # anything else: load_model says what it is
        raise InputError(f"{path}: GNN model not found ({hint})")
    import torch

    from netinv.learn.checkpoint import load_model
    from netinv.learn.policy import GNNPolicy

    if threads is not None:
        torch.set_num_threads(threads)
    model = load_model(path)
    return GNNPolicy(model, name=name or "gnn", explain_from=explain_from)


def adapted_elsewhere(model: Path, file: Path) -> str | None:
    """A warning when ``model`` was adapted (``netinv adapt``) to a network other than ``file``: it runs,
    but its adaptation was for the other network. None when it was not adapted, or adapted to ``file``."""
    from netinv.fileio import read_input_json
    from netinv.learn.checkpoint import card_path

    try:
        network = read_input_json(card_path(model), "model card")["data"]["network"]
    except (InputError, KeyError, TypeError):
        return None  # no card, or a model not adapted to one network
    if not isinstance(network, dict):
        return None
    if network.get("sha256") == hashlib.sha256(Path(file).read_bytes()).hexdigest():
        return None
    return (f"{model} was adapted to {network.get('file')}, not to {file}; it runs as a general policy there "
            "(netinv adapt FILE adapts one to this network)")


def run_identity(file: Path, demand_paths: Path | None, **options) -> dict:
    """What makes two simulate runs the same run: the files' contents and every option."""
    from netinv import __version__

    digest = {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in (file, demand_paths) if p is not None}
    return {"netinv": __version__, "files": digest, **options}

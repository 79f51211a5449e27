"""``netinv evaluate``: a GNN policy against its teacher, the oracle and the classic policies.

Every comparison is paired: within a network, every policy runs on the same demand paths (drawn once,
up front), so differences between policies are not sampling noise between path sets.

Suites
------
``held-out``
    Generated networks like the training ones, but from seeds below 1,000 (training networks use seeds
    from 1,000 up, see :mod:`netinv.learn.dataset`). Per network: total profit over the horizon of the
    GNN, its teacher (the exact stochastic rolling-horizon policy), the oracle (perfect information:
    one LP per path over the whole horizon) and tuned base-stock. Gap to the teacher:
    (teacher - GNN) / |teacher| of the mean profits; the suite reports the mean gap over networks.
``perez``
    The 9-node network of Perez et al. (2021) with its 100 published demand paths (never trained on):
    the GNN's mean 30-period profit beside the published oracle 861.3, stochastic program 847.7,
    deterministic LP 825.3 and PPO (about 737), and netinv's own stochastic shrinking-horizon policy
    on the same paths.
``scale``
    Generated distribution networks of 100 to 100,000 nodes: the GNN's decision time per period
    (features, forward pass and feasibility layer, one path, median of repeats), the exact stochastic
    policy's time per period where it finishes within its limit, and the profit of the GNN against
    tuned base-stock (one safety factor per echelon, simulation search) and the deterministic
    rolling-horizon policy where it solves.

With ``adapt_steps`` > 0 the held-out and ``perez`` suites also run the GNN *adapted* to each network
(:mod:`netinv.learn.adapt`: that many fine-tuning steps on paths drawn from the network's own demand
model, never the paths it is judged on), beside the GNN as trained, with the adaptation's seconds.

Finished units (a network of a suite) are kept in ``OUT/results.json`` (written atomically after each):
interrupted and rerun with the same arguments, the evaluation resumes where it stopped.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from netinv.errors import InputError

PUBLISHED_PEREZ = {"oracle": 861.3, "stochastic program (shrinking)": 847.7,
                   "deterministic LP (shrinking)": 825.3, "PPO": 737.0}
SUITES = ("held-out", "perez", "scale")
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True)
class EvaluateConfig:
    """What ``netinv evaluate`` runs.

    held_out: number of held-out networks; held_out_seed: the first network's seed (all < 1000).
    nodes: node-count range of held-out networks. periods / paths: horizon and demand paths per
    held-out network. teacher_scenarios / teacher_horizon: the teacher policy's settings (None: those
    of :mod:`netinv.learn.teacher`). sizes: scale-suite network sizes; scale_periods / scale_paths:
    their simulation; exact_max_nodes: the exact policies run at scale only up to this size;
    exact_time_limit: HiGHS seconds per solve there; exact_budget: seconds the deterministic policy's
    simulation may take at one size (estimated from one decision); timing_repeats: decision-time repeats.
    adapt_steps: steps of adaptation to each held-out network and the 9-node one (0: not run).
    """

    suites: tuple[str, ...] = SUITES
    held_out: int = 12
    held_out_seed: int = 0
    nodes: tuple[int, int] = (5, 30)
    periods: int = 30
    paths: int = 10
    teacher_scenarios: int | None = None
    teacher_horizon: int | None = None
    sizes: tuple[int, ...] = (100, 1_000, 10_000, 100_000)
    scale_kind: str = "distribution"
    scale_seed: int = 7
    scale_periods: int = 30
    scale_paths: int = 4
    exact_max_nodes: int = 1_000
    exact_time_limit: float = 60.0
    exact_budget: float = 300.0
    timing_repeats: int = 5
    seed: int = 0
    adapt_steps: int = 0

    def __post_init__(self):
        unknown = set(self.suites) - set(SUITES)
        if unknown:
            raise InputError(f"evaluate: unknown suite(s) {', '.join(sorted(unknown))}; choose from {', '.join(SUITES)}")
        if self.held_out_seed < 0 or self.held_out_seed + self.held_out > 1000:
            raise InputError("evaluate: held-out network seeds must lie in [0, 1000) (training uses seeds >= 1000)")
        if self.periods < 2 or self.paths < 1 or self.scale_periods < 2 or self.scale_paths < 1:
            raise InputError("evaluate: periods must be >= 2 and paths >= 1")
        if self.adapt_steps < 0:
            raise InputError(f"evaluate: adapt_steps must be >= 0, got {self.adapt_steps}")


@dataclass
class Evaluation:
    """Results by suite (lists of rows as dicts) plus the summary figures of the issue."""

    model: str
    config: dict
    rows: dict = field(default_factory=dict)

    def summary(self) -> dict:
        out: dict = {}
        held = self.rows.get("held-out") or []
        if held:
            out["held_out_networks"] = len(held)
            out["held_out_mean_gap_to_teacher"] = float(np.mean([r["gap_to_teacher"] for r in held]))
            out["held_out_mean_gap_to_oracle"] = float(np.mean([r["gap_to_oracle"] for r in held]))
            out["held_out_mean_gap_base_stock_to_teacher"] = float(np.mean([r["gap_base_stock_to_teacher"]
                                                                             for r in held]))
            if all("gap_adapted_to_teacher" in r for r in held):
                out["held_out_mean_gap_adapted_to_teacher"] = float(np.mean([r["gap_adapted_to_teacher"] for r in held]))
                out["held_out_mean_adapt_seconds"] = float(np.mean([r["adapt_seconds"] for r in held]))
        perez = self.rows.get("perez") or []
        if perez:
            out["perez"] = {r["policy"]: r["mean_profit"] for r in perez}
        scale = self.rows.get("scale") or []
        if scale:
            out["scale"] = {str(r["nodes"]): {k: r[k] for k in ("gnn_ms", "gnn_profit", "base_stock_profit",
                                                                 "gnn_beats_base_stock")} for r in scale}
        return out

    def to_dict(self) -> dict:
        return {"model": self.model, "config": self.config, "summary": self.summary(), "rows": self.rows}


def evaluate(model_path: str | Path, out_dir: str | Path, config: EvaluateConfig = EvaluateConfig(), *,
             progress=None, threads: int = 1) -> Evaluation:
    """Run the suites of ``config`` for the model at ``model_path``; results (and a plot) in ``out_dir``.

    ``progress(suite, done, total, message)`` is called after each finished unit. ``threads``: torch
    threads from now on (one: decision times are per core, and the runs deterministic).
    """
    import torch

    from netinv.learn.checkpoint import load_model

    torch.set_num_threads(threads)
    model = load_model(model_path)
    from netinv.fileio import make_folder

    out = make_folder(out_dir)
    store = _Store(out / "results.json", {"model": str(model_path), "config": config_key(config)})
    result = Evaluation(model=str(model_path), config=asdict(config))
    for suite in config.suites:
        run = {"held-out": _held_out, "perez": _perez, "scale": _scale}[suite]
        result.rows[suite] = run(model, config, store, suite, progress)
    store.put("summary", result.summary())
    return result


# ---- held-out generated networks -------------------------------------------------------------------


def _held_out(model, cfg: EvaluateConfig, store, suite, progress) -> list[dict]:
    from netinv.learn.dataset import sample_network
    from netinv.network.compile import compile_network

    rows = []
    for k in range(cfg.held_out):
        key = f"{suite}/{cfg.held_out_seed}/{k}"
        row = store.get(key)
        if row is None:
            graph, info = sample_network(cfg.held_out_seed, k, cfg.nodes)
            arrays = compile_network(graph)
            seed = cfg.seed + 7919 * k
            demand = demand_paths(arrays, cfg.periods, cfg.paths, seed)
            profits = {
                "gnn": path_profits(arrays, gnn_policy(model), demand),
                "teacher": path_profits(arrays, teacher_policy(arrays, cfg, cfg.periods), demand),
                "oracle": oracle_profits(arrays, demand),
                "base_stock": path_profits(arrays, tuned_base_stock(arrays, groups="node", seed=seed), demand),
            }
            means = {k: float(v.mean()) for k, v in profits.items()}
            row = {
                "index": k, "name": info["name"], "kind": info["kind"], "nodes": arrays.num_nodes,
                "edges": arrays.num_edges, "mean_profit": means,
                "gap_to_teacher": _gap(means["teacher"], means["gnn"]),
                "gap_to_oracle": _gap(means["oracle"], means["gnn"]),
                "gap_base_stock_to_teacher": _gap(means["teacher"], means["base_stock"]),
                "paired_gnn_minus_teacher": paired_difference(profits["gnn"], profits["teacher"]),
            }
            store.put(key, row)
        if cfg.adapt_steps and "gnn_adapted" not in row["mean_profit"]:
            graph, _ = sample_network(cfg.held_out_seed, k, cfg.nodes)
            arrays = compile_network(graph)
            demand = demand_paths(arrays, cfg.periods, cfg.paths, cfg.seed + 7919 * k)
            adapted, seconds = _adapted(model, graph, cfg, cfg.periods)
            gnn_adapted = float(path_profits(arrays, gnn_policy(adapted), demand).mean())
            row = {**row, "mean_profit": {**row["mean_profit"], "gnn_adapted": gnn_adapted},
                   "gap_adapted_to_teacher": _gap(row["mean_profit"]["teacher"], gnn_adapted),
                   "gap_adapted_to_oracle": _gap(row["mean_profit"]["oracle"], gnn_adapted),
                   "adapt_seconds": seconds}
            store.put(key, row)
        rows.append(row)
        if progress:
            adapted = (f", adapted {row['gap_adapted_to_teacher']:+.2%}" if "gap_adapted_to_teacher" in row else "")
            progress(suite, k + 1, cfg.held_out, f"{row['name']}: gap to teacher {row['gap_to_teacher']:+.2%}{adapted}")
    return rows


# ---- the published 9-node network ------------------------------------------------------------------


def _perez(model, cfg: EvaluateConfig, store, suite, progress) -> list[dict]:
    from netinv.demand.paths import read_demand_paths
    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.policies.rolling import RollingHorizon, RollingHorizonConfig

    rows = store.get(suite)
    if rows is not None:
        return rows
    graph = load(SCENARIOS / "perez2021_network.yaml")
    arrays = compile_network(graph)
    paths = read_demand_paths(SCENARIOS / "perez2021_demand_paths_backlog.csv", arrays.node_ids[arrays.demand_slice])
    demand = np.transpose(paths, (1, 2, 0))  # (T, D, B)
    periods = demand.shape[0]
    runs = [("gnn", lambda: path_profits(arrays, gnn_policy(model), demand))]
    if cfg.adapt_steps:
        def adapted():
            policy, _ = _adapted(model, graph, cfg, periods)
            return path_profits(arrays, gnn_policy(policy), demand)

        runs.append((f"gnn adapted ({cfg.adapt_steps} steps)", adapted))
    stochastic = RollingHorizonConfig(stochastic=True, horizon=None, periods=periods, scenarios=20, seed=cfg.seed)
    runs.append(("netinv stochastic (shrinking, K=20)",
                 lambda: path_profits(arrays, RollingHorizon(stochastic), demand)))
    runs.append(("netinv oracle", lambda: oracle_profits(arrays, demand)))
    rows = []
    gnn = None
    for i, (name, run) in enumerate(runs):
        started = time.perf_counter()
        profits = run()
        if gnn is None:
            gnn = profits
        rows.append({"policy": name, "mean_profit": float(profits.mean()),
                     "ci95": _ci(profits), "seconds": time.perf_counter() - started,
                     "paired_gnn_minus_this": paired_difference(gnn, profits), "source": "measured"})
        if progress:
            progress(suite, i + 1, len(runs) + 1, f"{name}: {profits.mean():.1f}")
    published = _published_perez()
    for name, value in PUBLISHED_PEREZ.items():
        per_path = published.get(name)
        row = {"policy": f"published {name}", "mean_profit": value, "ci95": None, "seconds": None,
               "paired_gnn_minus_this": paired_difference(gnn, per_path) if per_path is not None else None,
               "source": "Perez et al. 2021"}
        rows.append(row)
    store.put(suite, rows)
    return rows


def _published_perez() -> dict:
    """Per-path published profits (100 paths) where the stored run results have them."""
    import csv

    path = SCENARIOS / "perez2021_published_profits_backlog.csv"
    columns = {"oracle": None, "stochastic program (shrinking)": None, "deterministic LP (shrinking)": None}
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        data = list(reader)
    if not data:
        return {}
    keys = list(data[0].keys())
    wanted = {"oracle": ("oracle", "perfect"), "stochastic program (shrinking)": ("ms_shrink", "stoch", "shrink"),
              "deterministic LP (shrinking)": ("dlp_shrink", "det", "shrink")}
    for name, hints in wanted.items():
        for key in keys:
            low = key.lower()
            if hints[0] in low or all(h in low for h in hints[1:]):
                columns[name] = np.array([float(row[key]) for row in data])
                break
    return {k: v for k, v in columns.items() if v is not None}


# ---- scale -----------------------------------------------------------------------------------------


def _scale(model, cfg: EvaluateConfig, store, suite, progress) -> list[dict]:
    from netinv.network.compile import compile_network
    from netinv.network.generators import generate

    rows = []
    for i, n in enumerate(cfg.sizes):
        key = f"{suite}/{n}"
        row = store.get(key)
        if row is None:
            arrays = compile_network(generate(cfg.scale_kind, n, cfg.scale_seed))
            demand = demand_paths(arrays, cfg.scale_periods, cfg.scale_paths, cfg.seed + n)
            row = {"nodes": arrays.num_nodes, "edges": arrays.num_edges}
            row["gnn_ms"] = 1e3 * decision_seconds(arrays, gnn_policy(model), cfg.timing_repeats)
            gnn = path_profits(arrays, gnn_policy(model), demand)
            base = path_profits(arrays, tuned_base_stock(arrays, groups="echelon", seed=cfg.seed), demand)
            row["gnn_profit"], row["base_stock_profit"] = float(gnn.mean()), float(base.mean())
            row["gnn_vs_base_stock"] = paired_difference(gnn, base)
            row["gnn_beats_base_stock"] = bool(gnn.mean() > base.mean())
            row["exact_stochastic_ms"] = row["deterministic_profit"] = None
            row["exact_note"] = f"not run above {cfg.exact_max_nodes} nodes"
            if arrays.num_nodes <= cfg.exact_max_nodes:
                from netinv.errors import SolverError

                row["exact_note"] = ""
                try:
                    teacher = teacher_policy(arrays, cfg, cfg.scale_periods, time_limit=cfg.exact_time_limit)
                    row["exact_stochastic_ms"] = 1e3 * decision_seconds(arrays, teacher, 1)
                except SolverError as exc:
                    row["exact_note"] = f"stochastic: {exc}"
                try:
                    per_decision = decision_seconds(arrays, _rolling(arrays, cfg, stochastic=False), 1)
                    budget = per_decision * cfg.scale_periods * cfg.scale_paths
                    if budget > cfg.exact_budget:
                        row["exact_note"] += (f"{'; ' if row['exact_note'] else ''}deterministic: {per_decision:.1f} s "
                                              f"per decision, about {budget:.0f} s for the paths (budget "
                                              f"{cfg.exact_budget:.0f} s): not simulated")
                    else:
                        det = _rolling(arrays, cfg, stochastic=False)
                        row["deterministic_profit"] = float(path_profits(arrays, det, demand).mean())
                except SolverError as exc:
                    row["exact_note"] += f"{'; ' if row['exact_note'] else ''}deterministic: {exc}"
            store.put(key, row)
        rows.append(row)
        if progress:
            progress(suite, i + 1, len(cfg.sizes), f"{n} nodes: GNN {row['gnn_ms']:.1f} ms per period")
    return rows


# ---- pieces ----------------------------------------------------------------------------------------


def gnn_policy(model):
    """The GNN policy of ``model`` (imported here: torch only when a GNN runs)."""
    from netinv.learn.policy import GNNPolicy

    return GNNPolicy(model)


def _adapted(model, graph, cfg: EvaluateConfig, periods: int):
    """(the model adapted to ``graph`` for ``cfg.adapt_steps`` steps, seconds the adaptation took)."""
    from netinv.learn.adapt import AdaptConfig, adapt

    result = adapt(model, graph, AdaptConfig(steps=cfg.adapt_steps, periods=periods, seed=cfg.seed))
    return result["model"], result["seconds"]


def teacher_policy(arrays, cfg: EvaluateConfig, periods: int, time_limit: float | None = None):
    """The teacher of the training data (same settings unless the configuration overrides them)."""
    from dataclasses import replace

    from netinv.learn.teacher import TeacherConfig, make_teacher

    teacher = TeacherConfig(seed=cfg.seed)
    if cfg.teacher_scenarios is not None:
        teacher = replace(teacher, scenarios=cfg.teacher_scenarios)
    if cfg.teacher_horizon is not None:
        teacher = replace(teacher, horizon=cfg.teacher_horizon)
    policy = make_teacher(arrays, teacher, periods=periods)
    if time_limit is not None:
        from netinv.exact.highs import SolverOptions

        policy.config = replace(policy.config, solver=SolverOptions(time_limit=time_limit, threads=teacher.threads))
    return policy


def _rolling(arrays, cfg: EvaluateConfig, *, stochastic: bool):
    from netinv.exact.highs import SolverOptions
    from netinv.learn.teacher import TeacherConfig
    from netinv.policies.rolling import RollingHorizon, RollingHorizonConfig

    horizon = cfg.teacher_horizon or TeacherConfig().window(arrays)
    return RollingHorizon(RollingHorizonConfig(stochastic=stochastic, horizon=horizon,
                                               periods=cfg.scale_periods, scenarios=1, seed=cfg.seed,
                                               solver=SolverOptions(time_limit=cfg.exact_time_limit)))


def tuned_base_stock(arrays, *, groups: str, seed: int):
    """Installation base-stock levels found by :func:`netinv.policies.levels.search_levels` (one level per
    ``groups``: node or echelon), the classic benchmark beside the GNN."""
    from netinv.policies.basestock import InstallationBaseStock
    from netinv.policies.levels import search_levels

    paths, periods = (64, 120) if arrays.num_nodes <= 1_000 else (8, 60)
    found = search_levels(arrays, seed=seed + 1, paths=paths, periods=periods, warmup=periods // 4, groups=groups)
    return InstallationBaseStock(found.levels)


def demand_paths(arrays, periods: int, paths: int, seed: int) -> np.ndarray:
    """(T, D, B) demand drawn once for every policy of a network."""
    from netinv.demand.distributions import DemandSampler

    return np.ascontiguousarray(DemandSampler(arrays.demand_specs, seed=seed).draw(0, periods, paths))


def path_profits(arrays, policy, demand: np.ndarray) -> np.ndarray:
    """Total profit over the horizon of each path (B,), no warm-up: every policy starts from the
    scenario's initial state."""
    from netinv.sim.simulator import SimConfig, simulate

    periods, _, paths = demand.shape
    config = SimConfig(periods=periods, paths=paths, seed=0, warmup=0, block_paths=paths)
    result = simulate(arrays, policy, config, demand=demand)
    if result.interrupted:  # the simulator keeps finished paths; a unit of the evaluation needs all of them
        raise KeyboardInterrupt
    return np.asarray(result.path_profits, dtype=float) * periods


def oracle_profits(arrays, demand: np.ndarray) -> np.ndarray:
    """Total profit of each path (B,) under the perfect-information oracle: one planning LP per path that
    knows the path's whole demand; no policy can beat it on that path."""
    from netinv.exact.fastlp import PlanningLP
    from netinv.policies.rolling import PlannedOrders

    periods = demand.shape[0]
    lp = PlanningLP(arrays, periods)
    plans = np.stack([lp.solve(demand[:, :, b]).decisions["orders"][0] for b in range(demand.shape[2])])
    return path_profits(arrays, PlannedOrders(plans, name="oracle"), demand)


def decision_seconds(arrays, policy, repeats: int) -> float:
    """Median seconds of one ``orders`` call for one path at the start of a period (after the policy's
    ``prepare``), on the initial state."""
    from netinv.sim.state import SimState

    policy.prepare(arrays, 1)
    state = SimState.initial(arrays, 1, periods=100)
    times = []
    for _ in range(max(repeats, 1)):
        started = time.perf_counter()
        policy.orders(state)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def _gap(reference: float, value: float) -> float:
    return (reference - value) / abs(reference) if reference else float("nan")


def _ci(values: np.ndarray) -> list[float]:
    values = np.asarray(values, dtype=float)
    half = 1.96 * values.std(ddof=1) / math.sqrt(values.size) if values.size > 1 else 0.0
    return [float(values.mean() - half), float(values.mean() + half)]


def paired_difference(a: np.ndarray | None, b: np.ndarray | None) -> dict | None:
    """Mean of a - b over paths with its 95% half-width."""
    if a is None or b is None or len(a) != len(b):
        return None
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    half = 1.96 * d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else 0.0
    return {"mean": float(d.mean()), "half_width": float(half)}


def config_key(config: EvaluateConfig) -> dict:
    """The identity of a results file: the configuration less the suites (and less ``adapt_steps`` when
    zero, so results of runs from before adaptation existed stay readable)."""
    key = asdict(config)
    key.pop("suites")
    if not key["adapt_steps"]:  # results of runs from before adaptation existed stay readable
        key.pop("adapt_steps")
    return json.loads(json.dumps(key))


class _Store:
    """Finished units in a JSON file, rewritten atomically after each; a file written for other
    arguments is refused (one line) rather than mixed in."""

    def __init__(self, path: Path, identity: dict):
        self.path = path
        self.data = {"identity": identity, "units": {}}
        if path.exists():
            from netinv.fileio import read_input_json

            try:
                old = read_input_json(path, "results file")
            except InputError as exc:
                raise InputError(f"{exc} (not a results file of netinv evaluate)") from None
            if not isinstance(old, dict) or old.get("identity") != identity:
                raise InputError(f"{path}: holds results of another model or configuration; use another --out")
            self.data = old

    def get(self, key: str):
        return self.data["units"].get(key)

    def put(self, key: str, value) -> None:
        from netinv.fileio import atomic_write_text

        self.data["units"][key] = value
        atomic_write_text(self.path, json.dumps(self.data, indent=1, default=float) + "\n")


# ---- tables and the picture ------------------------------------------------------------------------

SCALE_GOALS_MS = {100: None, 1_000: 10.0, 10_000: 100.0, 100_000: 2_000.0}


def tables(evaluation: Evaluation) -> str:
    """The results as Markdown tables (one per suite that ran)."""
    from netinv.report.tables import markdown_table

    parts = []
    held = evaluation.rows.get("held-out") or []
    if held:
        adapted = all("gnn_adapted" in r["mean_profit"] for r in held)
        rows = []
        for r in held:
            row = [r["name"], r["nodes"], r["edges"], *(f"{r['mean_profit'][k]:.1f}" for k in
                                                        ("gnn", "teacher", "oracle", "base_stock")),
                   f"{r['gap_to_teacher']:+.2%}", f"{r['gap_to_oracle']:+.2%}", f"{r['gap_base_stock_to_teacher']:+.2%}"]
            if adapted:
                row[4:4] = [f"{r['mean_profit']['gnn_adapted']:.1f}"]
                row += [f"{r['gap_adapted_to_teacher']:+.2%}", f"{r['adapt_seconds']:.0f}"]
            rows.append(row)
        s = evaluation.summary()
        mean = ["mean", "", "", "", "", "", "", f"{s['held_out_mean_gap_to_teacher']:+.2%}",
                f"{s['held_out_mean_gap_to_oracle']:+.2%}", f"{s['held_out_mean_gap_base_stock_to_teacher']:+.2%}"]
        header = ["network", "nodes", "edges", "GNN", "teacher", "oracle", "tuned base-stock",
                  "GNN gap to teacher", "GNN gap to oracle", "base-stock gap to teacher"]
        if adapted:
            mean[4:4] = [""]
            mean += [f"{s['held_out_mean_gap_adapted_to_teacher']:+.2%}", f"{s['held_out_mean_adapt_seconds']:.0f}"]
            header[4:4] = ["GNN adapted"]
            header += ["adapted gap to teacher", "adaptation s"]
        rows.append(mean)
        parts.append("Held-out generated networks (mean total profit over the horizon; gap = (reference - "
                     "policy) / |reference|, positive = worse than the reference)\n\n"
                     + markdown_table(header, rows))
    perez = evaluation.rows.get("perez") or []
    if perez:
        rows = []
        for r in perez:
            paired = r.get("paired_gnn_minus_this")
            rows.append([r["policy"], f"{r['mean_profit']:.1f}",
                         "-" if not r.get("ci95") else f"[{r['ci95'][0]:.1f}, {r['ci95'][1]:.1f}]",
                         "-" if not paired or r["policy"] == "gnn" else f"{paired['mean']:+.1f} ± {paired['half_width']:.1f}",
                         "-" if r.get("seconds") is None else f"{r['seconds']:.1f}", r["source"]])
        parts.append("Perez et al. (2021) 9-node network, 100 published demand paths (mean 30-period profit)\n\n"
                     + markdown_table(["policy", "mean profit", "95% CI", "GNN minus this (paired)", "seconds",
                                       "source"], rows))
    scale = evaluation.rows.get("scale") or []
    if scale:
        rows = []
        for r in scale:
            goal = SCALE_GOALS_MS.get(r["nodes"] + 0)
            paired = r["gnn_vs_base_stock"]
            rows.append([r["nodes"], r["edges"], f"{r['gnn_ms']:.1f}", "-" if goal is None else f"{goal:g}",
                         "-" if r["exact_stochastic_ms"] is None else f"{r['exact_stochastic_ms']:.0f}",
                         f"{r['gnn_profit']:.4g}", f"{r['base_stock_profit']:.4g}",
                         f"{paired['mean']:+.4g} ± {paired['half_width']:.2g}",
                         "-" if r["deterministic_profit"] is None else f"{r['deterministic_profit']:.4g}",
                         "yes" if r["gnn_beats_base_stock"] else "no", r.get("exact_note") or ""])
        parts.append("Scale: generated networks (decision time per period, one path, one CPU thread; profit = "
                     "mean total over the horizon)\n\n"
                     + markdown_table(["nodes", "edges", "GNN ms", "goal ms", "exact stochastic ms", "GNN profit",
                                       "tuned base-stock profit", "GNN minus base-stock (paired)",
                                       "deterministic rolling profit", "GNN beats base-stock", "exact policies"],
                                      rows))
    return "\n\n".join(parts)


def plot(evaluation: Evaluation, path: str | Path) -> Path:
    """Profit gap and decision time against network size (scale suite; held-out networks by size)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from netinv.report import save_png

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    scale = evaluation.rows.get("scale") or []
    held = evaluation.rows.get("held-out") or []
    if scale:
        n = [r["nodes"] for r in scale]
        left.plot(n, [r["gnn_ms"] for r in scale], "o-", label="GNN (features + forward + feasibility)")
        exact = [(r["nodes"], r["exact_stochastic_ms"]) for r in scale if r["exact_stochastic_ms"] is not None]
        if exact:
            left.plot(*zip(*exact), "s--", label="exact stochastic policy")
        goals = [(k, v) for k, v in SCALE_GOALS_MS.items() if v is not None]
        left.plot(*zip(*goals), "k_", markersize=18, label="goal")
        gap = [100 * (r["base_stock_profit"] - r["gnn_profit"]) / abs(r["base_stock_profit"]) for r in scale]
        right.plot(n, gap, "o-", label="GNN vs tuned base-stock (scale)")
    if held:
        right.plot([r["nodes"] for r in held], [100 * r["gap_to_teacher"] for r in held], "x",
                   label="GNN vs teacher (held-out)")
        if all("gap_adapted_to_teacher" in r for r in held):
            right.plot([r["nodes"] for r in held], [100 * r["gap_adapted_to_teacher"] for r in held], "+",
                       label="GNN adapted vs teacher (held-out)")
    left.set(xscale="log", yscale="log", xlabel="nodes", ylabel="ms per period", title="Decision time")
    right.axhline(0.0, color="grey", lw=0.8)
    right.set(xscale="log", xlabel="nodes", ylabel="profit gap, % (positive = GNN worse)", title="Profit gap")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return save_png(fig, path)

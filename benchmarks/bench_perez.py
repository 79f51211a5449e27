"""Perez et al. (2021) network: oracle and rolling-horizon policies on the 100 published demand paths.

The 9-node network of ``scenarios/perez2021_network.yaml`` (30 periods, backlog), evaluated on the 100
published demand paths of ``scenarios/perez2021_demand_paths_backlog.csv`` and compared with the
published per-path profits of ``scenarios/perez2021_published_profits_backlog.csv``:

- oracle: the planning LP over all 30 periods with the path's demand known (one ``PlanningLP``,
  re-solved per path), its plan then simulated with ``PlannedOrders``; the simulated profit must equal
  the LP objective;
- deterministic shrinking horizon (expected demand, re-planned every period to the end);
- stochastic shrinking horizon with K sampled scenarios, K in ``--scenarios`` (default 5 10 20 40);
- deterministic / stochastic rolling 10-period window (``--no-rolling`` skips them).

Times are wall seconds of the whole evaluation (model builds, demand sampling, simulation included),
and per solve the HiGHS time and the hand-off (the data update of the re-solve). The machine is
noisy: compare times across K within one run.

    python benchmarks/bench_perez.py [--paths 100] [--scenarios 5 10 20 40] [--no-rolling]

A run on fewer than the 100 paths (``--paths 10``) is a smoke run: printed, not recorded. Ctrl-C /
SIGTERM keeps the finished rows; the same command resumes (see ``benchmarks/_resume.py``).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record_or_print, table  # noqa: E402
from benchmarks._resume import Finished, run  # noqa: E402
from netinv.exact.fastlp import PlanningLP  # noqa: E402
from netinv.network import load  # noqa: E402
from netinv.network.compile import compile_network  # noqa: E402
from netinv.policies.rolling import PlannedOrders, RollingHorizon, RollingHorizonConfig  # noqa: E402
from netinv.sim import SimConfig, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
PERIODS = 30
ALL_PATHS = 100
ORACLE_TOLERANCE = 0.01  # simulated (float32) vs LP profit of the oracle plan, per path


def read_paths(count: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(count, T) demand paths and the published per-path profits of those paths, by method."""
    with open(SCENARIOS / "perez2021_demand_paths_backlog.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: int(r["path"]))
    demand = np.array([[float(r[f"t{t}"]) for t in range(PERIODS)] for r in rows[:count]])
    with open(SCENARIOS / "perez2021_published_profits_backlog.csv", newline="") as fh:
        published = {int(r["path"]): r for r in csv.DictReader(fh)}
    ids = [int(r["path"]) for r in rows[:count]]
    methods = [k for k in published[ids[0]] if k != "path"]
    return demand, {m: np.array([float(published[i][m]) for i in ids]) for m in methods}


def row(label: str, k, profits: np.ndarray, published: np.ndarray | None, wall: float, solves: int,
        solve_s: float, handoff_s: float) -> list:
    if published is not None:
        diff = profits - published
        se = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else float("nan")
        pub_mean = f"{published.mean():.1f}"
        delta = f"{diff.mean():+.1f} ± {1.96 * se:.1f}"
        worst = f"{np.abs(diff).max():.3f}"
    else:
        pub_mean = delta = worst = "-"
    per = 1e3 / max(solves, 1)
    return [label, k, f"{profits.mean():.1f}", f"{profits.std(ddof=1) if profits.size > 1 else 0.0:.1f}", pub_mean,
            delta, worst, f"{wall:.2f}", solves, f"{solve_s * per:.2f}", f"{handoff_s * per:.3f}",
            f"{(wall - solve_s - handoff_s) * per:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=ALL_PATHS, help="first N published paths (< 100: not recorded)")
    parser.add_argument("--scenarios", type=int, nargs="+", default=[5, 10, 20, 40],
                        help="K of the stochastic shrinking-horizon rows")
    parser.add_argument("--no-rolling", action="store_true", help="skip the rolling 10-period window rows")
    parser.add_argument("--rolling-scenarios", type=int, default=20, help="K of the stochastic rolling-window row")
    parser.add_argument("--seed", type=int, default=0, help="seed of the scenario draws")
    parser.add_argument("--sampling", nargs="+", choices=["lhs", "random"], default=["lhs", "random"],
                        help="scenario draws of the stochastic rows: Latin hypercube and/or independent")
    args = parser.parse_args()
    if not 1 <= args.paths <= ALL_PATHS:
        parser.error(f"--paths must be in 1..{ALL_PATHS}")

    arrays = compile_network(load(SCENARIOS / "perez2021_network.yaml"))
    assert arrays.num_demand_nodes == 1, "the Perez network has one demand node (the retailer)"
    demand, published = read_paths(args.paths)
    B = demand.shape[0]
    sim_demand = np.ascontiguousarray(demand.T[:, None, :])  # (T, D=1, B)
    config = SimConfig(periods=PERIODS, paths=B, seed=0)
    rows, checks = [], []

    finished = Finished("perez")

    def oracle() -> dict:  # one LP over the 30 periods per path, then its plan simulated
        start = time.perf_counter()
        lp = PlanningLP(arrays, PERIODS)
        plans, objectives, solve_s, handoff_s = [], [], 0.0, 0.0
        for b in range(B):
            solution = lp.solve(demand[b][:, None])
            plans.append(solution.decisions["orders"][0])
            objectives.append(solution.objective)
            solve_s += solution.seconds["solve"]
            handoff_s += solution.seconds["handoff"]
        result = simulate(arrays, PlannedOrders(np.array(plans), name="oracle"), config, demand=sim_demand)
        wall = time.perf_counter() - start
        profits = result.path_profits.astype(np.float64) * PERIODS
        gap = np.abs(profits - np.array(objectives))
        check = (f"oracle: simulated profit vs LP objective, max |difference| over {B} paths = {gap.max():.2e} "
                 f"(tolerance {ORACLE_TOLERANCE}): {'OK' if gap.max() <= ORACLE_TOLERANCE else 'MISMATCH'}")
        return {"check": check, "row": row("oracle (LP per path, plan simulated)", "-", profits,
                                           published["oracle"], wall, B, solve_s, handoff_s)}

    unit = finished.get("oracle", oracle)
    checks.append(unit["check"])
    print(checks[-1], flush=True)
    rows.append(unit["row"])
    print(rows[-1], flush=True)

    # ---- rolling-horizon policies
    cases = [("deterministic shrinking horizon", False, None, 1, "deterministic_shrinking", True)]
    cases += [(f"stochastic shrinking horizon ({sampling})", True, None, k, "stochastic_shrinking",
               sampling == "lhs") for sampling in args.sampling for k in args.scenarios]
    if not args.no_rolling:
        cases += [("deterministic rolling 10", False, 10, 1, "deterministic_rolling10", True)]
        cases += [(f"stochastic rolling 10 ({sampling})", True, 10, args.rolling_scenarios, "stochastic_rolling10",
                   sampling == "lhs") for sampling in args.sampling]

    def rolling(label, stochastic, horizon, k, column, stratified) -> dict:
        policy = RollingHorizon(RollingHorizonConfig(stochastic=stochastic, horizon=horizon, periods=PERIODS,
                                                     scenarios=k, seed=args.seed, stratified=stratified))
        start = time.perf_counter()
        result = simulate(arrays, policy, config, demand=sim_demand)
        wall = time.perf_counter() - start
        builds = sum(m.seconds["build"] + m.seconds["handoff"] for m in policy.models_.values())
        profits = result.path_profits.astype(np.float64) * PERIODS
        return {"row": row(label, k if stochastic else "-", profits, published[column], wall, policy.solves,
                           policy.solve_seconds, policy.handoff_seconds),
                "models": f"({len(policy.models_)} models built in {builds:.2f} s)"}

    for case in cases:
        unit = finished.get(f"{case[0]} K={case[3]}", rolling, *case)
        rows.append(unit["row"])
        print(rows[-1], unit["models"], flush=True)

    text = table(["policy", "K", "mean profit", "sd", "published mean", "mean Δ vs published (paired, ±1.96 SE)",
                  "max |Δ| on a path", "wall s", "solves", "HiGHS ms/solve", "hand-off ms/solve",
                  "other ms/solve"], rows)
    notes = (
        f"{B} published demand paths, 30 periods, profits are 30-period totals. 'published mean' is the mean of "
        "the published per-path profits of the same paths (Perez et al. 2021: oracle 861.3, deterministic "
        "shrinking 825.3, stochastic shrinking 847.7, deterministic rolling 10 791.6, stochastic rolling 10 "
        "802.7); Δ is ours minus published, path by path. Stochastic rows draw their own scenarios (seed "
        f"{args.seed}), so they match the published ones only in distribution; (lhs): Latin hypercube draws (the "
        "default), (random): independent draws. Wall s is the whole evaluation; "
        "'other ms/solve' = (wall - HiGHS - hand-off) / solves: model builds, scenario sampling, reading the "
        "state and the plan, simulation. The machine is noisy: compare times across rows of one run.\n\n"
        + "\n".join(f"- {c}" for c in checks) + ("\n\n" + finished.note() if finished.note() else "")
    )
    record_or_print("Perez et al. 2021 network: oracle and rolling-horizon policies, 100 published paths",
                    "benchmarks/bench_perez.py", text, notes, print_only=B < ALL_PATHS)
    finished.done()


if __name__ == "__main__":
    run(main)

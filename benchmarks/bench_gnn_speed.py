"""GNN policy speed (issue 23, goal 6): the whole ``netinv simulate --policy gnn`` command, and one decision
at 10,000 nodes, by torch threads.

1. ``netinv simulate FILE --policy gnn --paths 100 --periods 200 --json`` as a user runs it (a fresh
   process: imports, model, simulation, JSON), on ``scenarios/planner_weekly.yaml`` (30 nodes) and on a
   31-node planner network (``netinv generate --kind planner --nodes 31 --seed 2``): the code of
   ``--before`` (a checkout without ``--threads``: torch's default threads, one per core) against this
   checkout with ``--threads 1`` and ``--threads 2``; and the fixed cost of the command (1 path x 1
   period: Python, torch, PyTorch Geometric and netinv imports, the model). Wall seconds and the
   process's CPU seconds (user + system): on a shared machine the wall time depends on what else runs,
   the CPU time much less; ratios are taken within one run.
2. One decision (features, forward pass, feasibility layer) for one path on the 10,000-node network of
   ``netinv evaluate``'s scale suite (``generate("distribution", 10000, 7)``), median of repeats, in a fresh
   process per thread count, with and without the explanation log that ``simulate`` keeps.

    python benchmarks/bench_gnn_speed.py --before /work/main
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import record_or_print, table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

DECISION = """
import json, sys, time
import numpy as np
import torch
torch.set_num_threads(int(sys.argv[1]))
from netinv.learn.checkpoint import load_model
from netinv.learn.policy import GNNPolicy
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.sim.state import SimState
arrays = compile_network(generate("distribution", int(sys.argv[2]), 7))
out = {}
for explain in (None, 0):
    policy = GNNPolicy(load_model(sys.argv[3]), explain_from=explain)
    policy.prepare(arrays, 1)
    state = SimState.initial(arrays, 1, periods=100)
    times = []
    for _ in range(int(sys.argv[4])):
        started = time.perf_counter()
        policy.orders(state)
        times.append(time.perf_counter() - started)
    out["explain" if explain is not None else "plain"] = float(np.median(times[1:]))
out["threads"] = torch.get_num_threads()
print(json.dumps(out))
"""


def run_command(args: list[str], pythonpath: Path) -> tuple[float, float, dict | None]:
    """(wall seconds, CPU seconds of the child, its JSON output or None) of ``python -m netinv.cli ARGS``."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "netinv.cli", *args], cwd=pythonpath, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"netinv {' '.join(args)} failed ({pythonpath}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        out = json.loads(done.stdout)
    except json.JSONDecodeError:
        out = None
    return wall, cpu, out


def whole_command(files: list[Path], before: Path | None, paths: int, periods: int, model: Path,
                  threads: list[int]) -> list[list]:
    rows = []
    for file in files:
        base = ["simulate", str(file), "--policy", "gnn", "--model", str(model), "--json", "--no-timings"]
        runs = [(f"this checkout, --threads {n}", ROOT, ["--threads", str(n)], paths, periods) for n in threads]
        runs.append(("this checkout, fixed cost (1 path x 1 period)", ROOT, ["--threads", "1"], 1, 1))
        if before is not None:
            runs.insert(0, (f"before ({before}, torch's default threads)", before, [], paths, periods))
        measured = {}
        for label, checkout, extra, p, t in runs:
            wall, cpu, out = run_command(base + ["--paths", str(p), "--periods", str(t), *extra], checkout)
            measured[label] = (wall, cpu, out)
            print(f"{file.name}: {label}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
        reference = measured[runs[0][0]]
        for label, (wall, cpu, out) in measured.items():
            profit = "" if out is None or "mean_profit" not in out else f"{out['mean_profit']:,.1f}"
            rows.append([file.name, label, f"{wall:.1f}", f"{cpu:.1f}", f"{reference[0] / wall:.1f}x",
                         f"{reference[1] / cpu:.1f}x", profit])
    return rows


def decisions(nodes: int, model: Path, repeats: int) -> list[list]:
    rows = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for threads in (1, 2):
        done = subprocess.run([sys.executable, "-c", DECISION, str(threads), str(nodes), str(model), str(repeats)],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        out = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append([nodes, threads, out["threads"], f"{1e3 * out['plain']:.1f}", f"{1e3 * out['explain']:.1f}"])
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="a checkout of the code before (no --threads)")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "gnn.pt")
    parser.add_argument("--paths", type=int, default=100)
    parser.add_argument("--periods", type=int, default=200)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--networks", default="planner_weekly,planner31",
                        help="whole-command networks, comma-separated (planner_weekly, planner31; empty: none)")
    parser.add_argument("--command-threads", default="1,2", help="--threads of this checkout's command runs")
    parser.add_argument("--print-only", action="store_true", help="print, do not append to RESULTS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        planner31 = Path(folder) / "planner31.yaml"
        subprocess.run([sys.executable, "-m", "netinv.cli", "generate", "--kind", "planner", "--nodes", "31",
                        "--seed", "2", "--output", str(planner31)], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                       check=True, capture_output=True)
        known = {"planner_weekly": ROOT / "scenarios" / "planner_weekly.yaml", "planner31": planner31}
        files = [known[name] for name in args.networks.split(",") if name]
        threads = [int(n) for n in args.command_threads.split(",") if n]
        command_rows = whole_command(files, args.before, args.paths, args.periods, args.model.resolve(), threads)
    decision_rows = decisions(args.nodes, args.model.resolve(), args.repeats)
    before = ""
    if args.before is not None:
        commit = subprocess.run(["git", "-C", str(args.before), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        before = f" Before: {args.before} at commit {commit}."
    load = os.getloadavg()
    text = (f"Whole command, `netinv simulate FILE --policy gnn --paths {args.paths} --periods {args.periods} "
            "--json` in a fresh process:\n\n"
            + table(["network", "code", "wall s", "CPU s", "wall speed-up", "CPU speed-up", "mean profit"],
                    command_rows)
            + f"\n\nOne decision (1 path) at {args.nodes:,} nodes, median of {args.repeats - 1} repeats, fresh "
              "process per thread count:\n\n"
            + table(["nodes", "--threads", "torch threads", "ms", "ms with the explanation log"], decision_rows))
    notes = (f"Model {args.model.name}.{before} Load average at the end {load[0]:.1f} / {load[1]:.1f} / "
             f"{load[2]:.1f} (1 / 5 / 15 min) on 2 shared cores: the wall times depend on the other work "
             "on the machine; the speed-ups are measured within this run.")
    record_or_print("GNN policy speed: the whole simulate command and the 10,000-node decision by threads",
                    "benchmarks/bench_gnn_speed.py", text, notes, print_only=args.print_only)


if __name__ == "__main__":
    main()

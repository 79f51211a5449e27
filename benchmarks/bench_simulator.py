"""Simulator throughput in node-periods per second (nodes x periods x paths / wall seconds).

(a) the 3-stage serial system of Snyder & Shen Example 6.1 (4 nodes with its source),
(b) a generated distribution network: 1 plant, 10 DCs, 100 stores (112 nodes with the source),
with B = 1,000 and 10,000 paths, T = 1,000 periods, installation base-stock levels, 1 and 2 threads.
Demand sampling is part of the simulation (it is drawn in bulk per block); its own cost is timed apart.

    python benchmarks/bench_simulator.py [--periods 1000] [--quick]

Ctrl-C / SIGTERM keeps the finished rows; the same command resumes (see ``benchmarks/_resume.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record, table  # noqa: E402
from benchmarks._resume import Finished, run  # noqa: E402
from netinv.demand.distributions import DemandSampler  # noqa: E402
from netinv.network import load  # noqa: E402
from netinv.network.compile import compile_network  # noqa: E402
from netinv.network.generators import distribution_network  # noqa: E402
from netinv.policies import EchelonBaseStock, InstallationBaseStock  # noqa: E402
from netinv.policies.levels import newsvendor_levels  # noqa: E402
from netinv.sim import SimConfig, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="T = 100, for a smoke run (not recorded)")
    args = parser.parse_args()
    periods = 100 if args.quick else args.periods

    serial = compile_network(load(ROOT / "scenarios" / "clark_scarf_ss61.yaml"))
    serial_policy = EchelonBaseStock({"stage1": 6.49, "stage2": 12.02, "stage3": 22.71})
    dist = compile_network(distribution_network(1, 10, 100, seed=0))
    dist_policy = InstallationBaseStock(newsvendor_levels(dist).levels)

    finished = Finished("simulator")

    def with_sampling(label, arrays, policy, paths) -> list[list]:
        sampler = DemandSampler(arrays.demand_specs, seed=0)
        start = time.perf_counter()
        for lo in range(0, periods, 100):
            sampler.draw(lo, min(100, periods - lo), paths)
        draw_s = time.perf_counter() - start
        rows = []
        for threads in (1, 2):
            config = SimConfig(periods=periods, paths=paths, seed=0, threads=threads)
            start = time.perf_counter()
            result = simulate(arrays, policy, config)
            wall = time.perf_counter() - start
            work = arrays.num_nodes * periods * paths
            rows.append([label, arrays.num_nodes, paths, periods, threads, f"{wall:.2f}",
                         f"{work / wall / 1e6:.1f}", f"{draw_s:.2f}", f"{result.mean_cost:.3f}"])
            print(rows[-1], flush=True)
        return rows

    def engine_alone(paths, horizon) -> list[list]:
        # demand drawn once beforehand and handed over (reused across policies, as common random numbers
        # are), 400 MB of float32 demand per run
        demand = DemandSampler(dist.demand_specs, seed=0).draw(0, horizon, paths)
        rows = []
        for threads in (1, 2):
            config = SimConfig(periods=horizon, paths=paths, seed=0, threads=threads)
            start = time.perf_counter()
            result = simulate(dist, dist_policy, config, demand=demand)
            wall = time.perf_counter() - start
            work = dist.num_nodes * horizon * paths
            rows.append(["(b) demand drawn beforehand", dist.num_nodes, paths, horizon, threads, f"{wall:.2f}",
                         f"{work / wall / 1e6:.1f}", "-", f"{result.mean_cost:.3f}"])
            print(rows[-1], flush=True)
        return rows

    rows = []
    for label, arrays, policy in (("(a) serial, 3 stages", serial, serial_policy),
                                  ("(b) 1 plant, 10 DCs, 100 stores", dist, dist_policy)):
        for paths in (1_000, 10_000):
            rows += finished.get(f"{label[:3]} {paths}", with_sampling, label, arrays, policy, paths)
    for paths, horizon in ((1_000, periods), (10_000, max(1, periods // 10))):
        rows += finished.get(f"engine {paths}", engine_alone, paths, horizon)
    text = table(["network", "nodes", "paths B", "periods T", "threads", "wall s", "M node-periods/s",
                  "demand draw alone s (1 thread)", "mean cost"], rows)
    notes = ("Node-periods = nodes x periods x paths. The wall time includes drawing the demand; the column "
             "'demand draw alone' times the same draws by themselves (one thread), for scale. The rows "
             "'demand drawn beforehand' time the simulation engine alone, on demand drawn once and passed in. "
             + finished.note()).strip()
    if args.quick:
        print(text)
    else:
        record("Simulator throughput", "python benchmarks/bench_simulator.py", text, notes)
    finished.done()


if __name__ == "__main__":
    np.seterr(all="ignore")
    run(main)

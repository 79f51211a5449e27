"""Cost of the exact-solution dataset, and why the teacher plans over the longest supply path.

(a) The teacher's window: mean profit per period of tuned base-stock (``search_levels``), of the
    stochastic rolling-horizon teacher with a fixed window H = 8 and with the default window (longest
    supply path + 4, :func:`netinv.learn.teacher.planning_horizon`), on four generated networks, the same
    demand paths for every policy (40 periods, 10 of warm-up, 4 paths).
(b) Generation at the defaults: the first ``--networks`` networks of the round-0 dataset (seed 1000,
    5-30 nodes), recorded in this process one after another: seconds per labelled sample (teacher
    solves, features and samples together), samples per network and per shard, shard size on disk.

    python benchmarks/bench_dataset.py [--networks 10] [--no-record]

Ctrl-C / SIGTERM keeps the finished rows; the same command resumes (see ``benchmarks/_resume.py``).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record, table  # noqa: E402
from benchmarks._resume import Finished, run  # noqa: E402


def window_rows(finished: Finished) -> list[list]:
    from netinv.learn.teacher import TeacherConfig, make_teacher, planning_horizon
    from netinv.network.compile import compile_network
    from netinv.network.generators import generate
    from netinv.policies.levels import best_levels
    from netinv.sim import SimConfig, simulate

    rows = []
    config = SimConfig(periods=40, paths=4, seed=0, warmup=10, block_paths=4)
    def window_row(kind: str, nodes: int, seed: int) -> list:
        graph = generate(kind, nodes, seed)
        arrays = compile_network(graph)
        base_stock = simulate(arrays, best_levels(graph, "search", seed=1).policy(), config).mean_profit
        longest = planning_horizon(arrays, slack=0)
        row = [f"{kind} {nodes} (seed {seed})", longest, f"{base_stock:.1f}"]
        for horizon in (8, longest + 4):
            teacher = make_teacher(arrays, TeacherConfig(horizon=horizon, seed=1))
            start = time.perf_counter()
            profit = simulate(arrays, teacher, config).mean_profit
            row += [f"{profit:.1f}", f"{(time.perf_counter() - start) / teacher.solves * 1000:.0f}"]
        return row

    for kind, nodes, seed in [("serial", 6, 1001), ("general", 20, 1002), ("distribution", 15, 1003),
                              ("assembly", 12, 1004)]:
        rows.append(finished.get(f"window {kind} {nodes} {seed}", window_row, kind, nodes, seed))
    return rows


def generation_rows(networks: int, finished: Finished) -> tuple[list[list], dict]:
    import torch
    from torch_geometric.data import InMemoryDataset

    from netinv.learn.dataset import DatasetConfig, network_run, record_network

    torch.set_num_threads(1)
    config = DatasetConfig(networks=networks)
    warm = []

    def generation(index: int) -> dict:
        if not warm:  # warm-up: imports, first model builds
            record_network(network_run(config, 0), config)
            warm.append(True)
        part, summary = record_network(network_run(config, index), config)
        data, slices = InMemoryDataset.collate(part)
        buffer = io.BytesIO()
        torch.save({"data": data.to_dict(), "slices": dict(slices)}, buffer)
        episode = "endless" if summary["episode_periods"] is None else f"T = {summary['episode_periods']}"
        row = [index, summary["kind"], summary["nodes"], summary["edges"], summary["horizon"], episode,
               summary["samples"], f"{summary['seconds']:.2f}", f"{summary['seconds'] / summary['samples'] * 1000:.1f}"]
        return {"row": row, "bytes": buffer.tell(), "seconds": summary["seconds"], "samples": summary["samples"]}

    rows, seconds, samples, sizes = [], 0.0, 0, []
    for index in range(networks):
        unit = finished.get(f"generation {index}", generation, index)
        rows.append(unit["row"])
        sizes.append(unit["bytes"])
        seconds += unit["seconds"]
        samples += unit["samples"]
    totals = {
        "ms_per_sample": seconds / samples * 1000,
        "samples_per_network": samples / networks,
        "samples_per_shard": samples / networks * config.networks_per_shard,
        "kb_per_sample": float(np.sum(sizes)) / samples / 1024,
        "config": config,
    }
    return rows, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=10)
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to RESULTS.md")
    args = parser.parse_args()
    if args.no_record:
        import os

        os.environ["NETINV_BENCH_NO_RECORD"] = "1"

    finished = Finished("dataset")
    windows = window_rows(finished)
    text = "(a) teacher window: mean profit per period (40 periods, 10 of warm-up, 4 paths; ms per solve)\n\n"
    text += table(["network", "longest path", "tuned base-stock", "H = 8", "ms", "H = longest + 4", "ms"], windows)
    rows, totals = generation_rows(args.networks, finished)
    config = totals["config"]
    text += (f"\n\n(b) generation at the defaults ({config.periods} periods x {config.paths} paths per network, "
             f"{config.networks_per_shard} networks per shard, K = {config.teacher.scenarios} scenarios, "
             "one process)\n\n")
    text += table(["network", "kind", "nodes", "edges", "H", "episode", "samples", "seconds", "ms / sample"], rows)
    text += (f"\n\nTotal: {totals['ms_per_sample']:.1f} ms per labelled sample; {totals['samples_per_network']:.0f} "
             f"samples per network, {totals['samples_per_shard']:.0f} per shard; "
             f"{totals['kb_per_sample']:.1f} kB per sample on disk. {finished.note()}").rstrip()
    record("Exact-solution dataset: teacher window and generation cost",
           f"python benchmarks/bench_dataset.py --networks {args.networks}", text)
    finished.done()


if __name__ == "__main__":
    run(main)

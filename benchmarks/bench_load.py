"""Time to load + validate + compile a 100,000-node generated network (YAML and JSON), and to generate it.

    python benchmarks/bench_load.py [--nodes 100000]

Ctrl-C / SIGTERM keeps the finished rows; the same command resumes (see ``benchmarks/_resume.py``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record, table  # noqa: E402
from benchmarks._resume import Finished, run  # noqa: E402
from netinv.network import load, save  # noqa: E402
from netinv.network.compile import compile_network  # noqa: E402
from netinv.network.generators import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--kind", default="distribution")
    args = parser.parse_args()
    finished = Finished("load")
    graph, gen_s = None, 0.0

    def measure(suffix: str) -> list:
        nonlocal graph, gen_s
        if graph is None:
            start = time.perf_counter()
            graph = generate(args.kind, args.nodes, 0)
            gen_s = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"network{suffix}"
            start = time.perf_counter()
            save(graph, path)
            save_s = time.perf_counter() - start
            start = time.perf_counter()
            loaded = load(path)  # parse + schema + structural validation
            load_s = time.perf_counter() - start
            start = time.perf_counter()
            arrays = compile_network(loaded)
            compile_s = time.perf_counter() - start
            return [args.kind, arrays.num_nodes, arrays.num_edges, suffix, f"{path.stat().st_size / 1e6:.1f}",
                    f"{gen_s:.2f}", f"{save_s:.2f}", f"{load_s:.2f}", f"{compile_s:.2f}", f"{load_s + compile_s:.2f}"]

    rows = []
    for suffix in (".json", ".yaml", ".graphml"):
        rows.append(finished.get(suffix, measure, suffix))
        print(rows[-1], flush=True)
    text = table(["kind", "nodes", "edges", "format", "MB", "generate s", "save s", "load+validate s", "compile s",
                  "load+validate+compile s"], rows)
    record("Load, validate and compile a large network", f"python benchmarks/bench_load.py --nodes {args.nodes}", text,
           ("Target: load + validate + compile of 100,000 nodes under 10 s. " + finished.note()).strip())
    finished.done()


if __name__ == "__main__":
    run(main)

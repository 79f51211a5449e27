"""Two-stage stocking with transshipment: sample-average LP size and time against samples and locations.

    python benchmarks/bench_transship.py [--samples 1000 5000 20000 50000] [--locations 2 10 50] [--no-record]

Locations: identical stores, N(100, 30) demand (censored at 0), h = 1, p = 4, transshipment at 0.5 on
a ring (each store to both neighbours: 2L edges). Goal of issue 6: 20,000 samples x 10 locations < 10 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._record import record, table  # noqa: E402
from netinv.network import document_to_graph  # noqa: E402
from netinv.transship import sample_demand, solve_stocking, transshipment_problem  # noqa: E402


def ring(locations: int):
    nodes = [{"id": "supplier"}] + [
        {"id": f"store_{i}", "holding_cost": 1.0, "shortage_cost": 4.0,
         "demand": {"distribution": "normal", "mean": 100, "std": 30}} for i in range(locations)
    ]
    edges = [{"source": "supplier", "target": f"store_{i}"} for i in range(locations)]
    pairs = {(i, (i + 1) % locations) for i in range(locations)} | {((i + 1) % locations, i) for i in range(locations)}
    edges += [{"source": f"store_{i}", "target": f"store_{j}", "kind": "transshipment", "unit_cost": 0.5}
              for i, j in sorted(pairs) if i != j]
    return document_to_graph({"name": f"ring_{locations}", "nodes": nodes, "edges": edges})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[1_000, 5_000, 20_000, 50_000])
    parser.add_argument("--locations", type=int, nargs="+", default=[2, 10, 50])
    parser.add_argument("--max-seconds", type=float, default=300.0,
                        help="skip larger sample counts for a location count once one solve took longer")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    rows = []
    for locations in args.locations:
        problem = transshipment_problem(ring(locations))
        for samples in args.samples:
            demand = sample_demand(problem, samples, 1)
            start = time.perf_counter()
            result = solve_stocking(problem, demand)
            wall = time.perf_counter() - start
            size = result.solution.size
            rows.append([locations, problem.num_edges, samples, size["columns"], size["rows"], size["nonzeros"],
                         f"{result.expected_cost:.4f}", f"{result.stderr:.4f}",
                         f"{result.solution.seconds['handoff']:.2f}", f"{result.solution.seconds['solve']:.2f}",
                         f"{wall:.2f}"])
            print(" | ".join(map(str, rows[-1])), flush=True)
            if wall > args.max_seconds:
                break
    text = table(["locations", "edges", "samples", "columns", "rows", "nonzeros", "cost", "stderr", "build+handoff s",
                  "HiGHS s", "total s"], rows)
    notes = ("HiGHS interior point (with crossover), numpy-built LP handed over by passModel. Cost per period, "
             "all locations; stderr over samples. Goal: 20,000 samples x 10 locations < 10 s.")
    if args.no_record:
        print(text + "\n\n" + notes)
    else:
        record("Transshipment stocking LP: size and time vs samples and locations",
               "python benchmarks/bench_transship.py" + "".join(f" {a}" for a in sys.argv[1:]), text, notes)


if __name__ == "__main__":
    main()

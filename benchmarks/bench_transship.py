"""Two-stage stocking with transshipment: decomposition and extensive LP, time against samples and locations.

    python benchmarks/bench_transship.py [--samples 1000 5000 20000 50000] [--locations 2 5 10 20 50]
        [--extensive-cap 120] [--max-seconds 300] [--no-record]

Locations: identical stores, N(100, 30) demand (censored at 0), h = 1, p = 4, transshipment at 0.5 on
a ring (each store to both neighbours: 2L edges). Goal of issue 6: 20,000 samples x 10 locations < 10 s.
Ctrl-C / SIGTERM keeps the finished rows; the same command resumes (see ``benchmarks/_resume.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._record import record_or_print, table  # noqa: E402
from benchmarks._resume import Finished, run  # noqa: E402
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


def _extensive(problem, demand, cap):
    """The extensive LP within ``cap`` seconds of HiGHS, or ``None`` when it did not finish."""
    from netinv.errors import SolverError
    from netinv.exact.highs import SolverOptions

    start = time.perf_counter()
    try:
        result = solve_stocking(problem, demand, method="extensive", solver=SolverOptions(method="ipm", time_limit=cap))
    except SolverError:
        return None, time.perf_counter() - start
    if not result.solution.is_optimal:
        return None, time.perf_counter() - start
    return result, time.perf_counter() - start


def _measure(problem, locations: int, samples: int, extensive: bool, cap: float) -> dict:
    """One row: the decomposition on ``samples`` demand draws, and the extensive LP unless ``extensive`` is off."""
    demand = sample_demand(problem, samples, 1)
    start = time.perf_counter()
    result = solve_stocking(problem, demand)
    wall = time.perf_counter() - start
    sol = result.solution
    row = [locations, problem.num_edges, samples, sol.size["iterations"], sol.size["pivots"],
           f"{result.expected_cost:.6f}", f"{sol.bound:.6f}", f"{sol.gap:.1e}", f"{result.stderr:.4f}",
           f"{sol.seconds['oracle']:.2f}", f"{sol.seconds['master']:.2f}", f"{wall:.2f}"]
    capped = False
    if extensive:
        exact, seconds = _extensive(problem, demand, cap)
        if exact is None:
            capped = True
            row += [f"> {cap:.0f}", "-", "-"]
        else:
            diff = abs(exact.expected_cost - result.expected_cost) / abs(exact.expected_cost)
            row += [f"{seconds:.2f}", f"{exact.expected_cost:.6f}", f"{diff:.1e}"]
    else:
        row += ["skipped", "-", "-"]
    return {"row": row, "wall": wall, "extensive_capped": capped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[1_000, 5_000, 20_000, 50_000])
    parser.add_argument("--locations", type=int, nargs="+", default=[2, 5, 10, 20, 50])
    parser.add_argument("--max-seconds", type=float, default=300.0,
                        help="skip larger sample counts for a location count once a decomposition took longer")
    parser.add_argument("--extensive-cap", type=float, default=120.0,
                        help="HiGHS time limit of the extensive LP; larger sample counts are skipped once it is hit")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    finished = Finished("transship")
    rows = []
    for locations in args.locations:
        problem = transshipment_problem(ring(locations))
        extensive_ok = args.extensive_cap > 0
        for samples in args.samples:
            unit = finished.get(f"{locations}x{samples}", _measure, problem, locations, samples, extensive_ok,
                                args.extensive_cap)
            row, wall = unit["row"], unit["wall"]
            extensive_ok = extensive_ok and not unit["extensive_capped"]
            rows.append(row)
            print(" | ".join(map(str, row)), flush=True)
            if wall > args.max_seconds:
                break
    text = table(["locations", "edges", "samples", "iterations", "pivots", "cost (UB)", "lower bound", "rel. gap",
                  "stderr", "oracle s", "master s", "decomposition s", "extensive s", "extensive cost",
                  "rel. diff"], rows)
    notes = ("Decomposition (the default method): level bundle over the levels (lambda 0.9, relative gap 1e-9), "
             "every sample's recourse by the warm-started dual simplex compiled with numba; 'oracle s' is the "
             "recourse, 'master s' the bound LP and level QP (HiGHS); 'decomposition s' includes the first "
             "call's numba load. Extensive: the whole LP to HiGHS interior point (crossover on), stopped at the "
             "cap; once it is hit, larger sample counts of that location count are skipped. Cost per period, "
             "all locations. Goal: 20,000 samples x 10 locations < 10 s. " + finished.note()).strip()
    record_or_print("Transshipment stocking: decomposition vs extensive LP, size and time vs samples and locations",
                    "benchmarks/bench_transship.py", text, notes, print_only=args.no_record)
    finished.done()


if __name__ == "__main__":
    run(main)

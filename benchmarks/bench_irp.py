"""Inventory routing: the branch and cut on the DIMACS instances, time and cost against the published value.

    python benchmarks/bench_irp.py [--folder ../shared/data/irp/instances] [--max-customers 15]
        [--time-limit 600] [--only NAME ...] [--no-record]
    python benchmarks/bench_irp.py --heuristic 30 [--max-customers 50]   # the heuristic instead

Every instance of the folder with at most ``--max-customers`` customers is solved by
:func:`netinv.irp.branch_cut.solve_irp` (maximum-level policy); the table shows the time, the cost and the
bound against the published value (``scenarios/irp/published.csv``) and the gap. Goals of issue 25: each
H = 3 instance under 60 s, each H = 6 instance under 5 min.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._record import record_or_print, table  # noqa: E402
from netinv.irp.branch_cut import BranchCutOptions, solve_irp  # noqa: E402
from netinv.irp.heuristic import HeuristicOptions, solve_heuristic  # noqa: E402
from netinv.irp.instance import read_dat  # noqa: E402

PUBLISHED = {row["instance"]: float(row["value"])
             for row in csv.DictReader((ROOT / "scenarios" / "irp" / "published.csv").open())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=ROOT.parent / "shared" / "data" / "irp" / "instances")
    parser.add_argument("--max-customers", type=int, default=15)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--heuristic", type=float, default=None, metavar="SECONDS",
                        help="run the local-search heuristic with this time limit instead of the branch and cut")
    args = parser.parse_args()
    if args.heuristic is not None:
        heuristic_table(args)
        return
    instances = [read_dat(path) for path in sorted(args.folder.glob("*.dat"))]
    instances = [inst for inst in instances if inst.customers <= args.max_customers
                 and (not args.only or inst.name in args.only)]
    instances.sort(key=lambda inst: (inst.horizon, inst.customers, inst.name))
    rows = []
    for inst in instances:
        start = time.perf_counter()
        solution = solve_irp(inst, BranchCutOptions(time_limit=args.time_limit))
        seconds = time.perf_counter() - start
        published = PUBLISHED.get(inst.name)
        cost = "-" if solution.cost is None else f"{solution.cost:.2f}"
        bound = "-" if solution.bound is None else f"{solution.bound:.2f}"
        gap = "-" if solution.gap is None else f"{100 * solution.gap:.2f}%"
        match = "-" if solution.cost is None or published is None else (
            "yes" if round(solution.cost, 2) == published else f"no ({solution.cost - published:+.2f})")
        rows.append([inst.name, inst.customers, inst.horizon, inst.vehicles, str(solution.status), f"{seconds:.1f}",
                     cost, bound, gap, published, match, solution.iterations, solution.cuts])
        print(" | ".join(map(str, rows[-1])), flush=True)
    header = ["instance", "n", "H", "K", "status", "seconds", "cost", "bound", "gap", "published", "= published",
              "MIP solves", "cuts"]
    notes = ("Branch and cut of `netinv.irp.branch_cut` (aggregated model, exact subtour and fractional capacity "
             "cuts by min cuts, re-solved MIPs on one highspy object). The machine's 2 cores are shared with "
             f"other jobs: times are indicative. Time limit {args.time_limit:g} s per instance.")
    record_or_print("Inventory routing: branch and cut on the DIMACS instances", "benchmarks/bench_irp.py",
                    table(header, rows), notes, print_only=args.no_record)


def heuristic_table(args) -> None:
    """The heuristic on every instance up to ``--max-customers``: cost against the published value and
    against its own root bound."""
    rows = []
    for path in sorted(args.folder.glob("*.dat")):
        inst = read_dat(path)
        if inst.customers > args.max_customers or (args.only and inst.name not in args.only):
            continue
        solution = solve_heuristic(inst, HeuristicOptions(time_limit=args.heuristic))
        published = PUBLISHED.get(inst.name)
        above = "-" if published is None or solution.cost is None else f"{100 * (solution.cost / published - 1):.2f}%"
        rows.append([inst.name, inst.customers, inst.horizon, inst.vehicles, f"{solution.seconds:.1f}",
                     "-" if solution.cost is None else f"{solution.cost:.2f}",
                     "-" if solution.bound is None else f"{solution.bound:.2f}",
                     "-" if solution.gap is None else f"{100 * solution.gap:.2f}%", published, above])
        print(" | ".join(map(str, rows[-1])), flush=True)
    header = ["instance", "n", "H", "K", "seconds", "cost", "root bound", "gap to bound", "published",
              "above published"]
    notes = (f"Iterated local search of `netinv.irp.heuristic` ({args.heuristic:g} s each after the root bound; "
             "savings routes, LP deliveries). The bound is the branch and cut's root LP with its cuts. "
             "Shared 2-core machine: times are indicative.")
    record_or_print("Inventory routing: heuristic on the DIMACS instances", "benchmarks/bench_irp.py",
                    table(header, rows), notes, print_only=args.no_record)


if __name__ == "__main__":
    main()

"""Guaranteed-service safety-stock placement: every bundled Willems (2008) chain and generated general
networks, solved exactly; per instance stages, edges, tree or not, cost, proven bound, seconds.

    python benchmarks/bench_gsm.py [--time-limit 60] [--chains willems_01 ...] [--generated 100 300 1000]

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
from netinv.gsm import GSMOptions, gsm_instance, solve_placement  # noqa: E402
from netinv.network import load  # noqa: E402
from netinv.network.generators import add_guaranteed_service_data, generate  # noqa: E402


def previous_auto(instance, options: GSMOptions):
    """``auto`` as it was before the pairs formulation (kept here to measure against): reduced-bnb for
    20% of the time limit, then, if not proven, Lagrangian reduction and the breakpoint MILP on the rest."""
    from dataclasses import replace

    from netinv.gsm.bnb import solve_gsm_reduced_bnb
    from netinv.gsm.breakpoint import solve_gsm_reduced
    from netinv.gsm.types import combine_solutions

    start = time.perf_counter()
    first = solve_gsm_reduced_bnb(instance, replace(options, time_limit=0.2 * options.time_limit))
    if first.is_optimal:
        first.method = f"previous auto: {first.method}"
        return first
    rest = max(options.time_limit - (time.perf_counter() - start), 0.1)
    second = solve_gsm_reduced(instance, replace(options, time_limit=rest),
                               start=(first.service_time, first.inbound_service_time, first.net_time), lower=first.bound)
    combined = combine_solutions(first, second, options.tolerance)
    combined.method = f"previous auto: {first.method}, then {second.method}"
    return combined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance and method")
    parser.add_argument("--chains", nargs="*", default=None, help="chain names (default: all in scenarios/willems)")
    parser.add_argument("--generated", type=int, nargs="*", default=[100, 300, 1000], help="generated general networks")
    parser.add_argument("--methods", nargs="+", default=["auto"],
                        help="auto | pairs-milp | milp | reduced-milp | reduced-bnb | tree-bnb | lagrangian | tree-dp | "
                             "previous-auto (auto before pairs-milp: reduced-bnb for 20%% of the limit, then reduced-milp)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    files = sorted((ROOT / "scenarios/willems").glob("*.csv"))
    if args.chains is not None:
        files = [f for f in files if f.stem in args.chains]
    cases = [(f.stem, lambda f=f: load(f)) for f in files]
    cases += [(f"generated general {n}", lambda n=n: add_guaranteed_service_data(generate("general", n, 1), 1))
              for n in args.generated]
    finished = Finished("gsm")

    def measure(label: str, instance, method: str) -> list:
        start = time.perf_counter()
        if method == "previous-auto":
            solution = previous_auto(instance, GSMOptions(time_limit=args.time_limit))
        else:
            solution = solve_placement(instance, method, GSMOptions(time_limit=args.time_limit))
        wall = time.perf_counter() - start
        return [label, instance.num_stages, len(instance.edge_source), "yes" if instance.is_tree else "no",
                solution.method, f"{solution.cost:.6g}", f"{solution.bound:.6g}", f"{100 * solution.gap:.3g}%",
                str(solution.status), f"{wall:.2f}"]

    rows = []
    for label, make in cases:
        instance = None
        for method in args.methods:
            if f"{label} {method}" not in finished.units:
                instance = instance or gsm_instance(make())
                if method == "tree-dp" and not instance.is_tree:
                    continue
            rows.append(finished.get(f"{label} {method}", measure, label, instance, method))
            print(" | ".join(map(str, rows[-1])), flush=True)
    text = table(["instance", "stages", "edges", "tree", "method", "cost", "bound", "gap", "status", "seconds"], rows)
    notes = (
        "Stages = stages of the model (external suppliers with processing time 0 are left out: their edges become "
        "inbound-time lower bounds). Cost = total value of safety stock (Willems' convention: cumulative item "
        f"value x units, no holding rate). Status optimal = proven (bound = cost to 1e-7); time limit {args.time_limit:g} s "
        "per instance. Generated networks: netinv's general generator (seed 1) with processing times U{1..10}, service "
        "level 0.95 and max service time U{0..3} at demand nodes. auto = tree DP on trees, else pairs-milp (times in "
        "units of their greatest common divisor; Lagrangian bound and domain reduction at the root, edges outside a "
        "spanning tree priced by subgradient; then the LP relaxation of the pairs model — one binary per stage and "
        "(S, SI) pair left, cumulative linking constraints P(SI_j >= k + L) >= P(S_i >= k) per edge and level — "
        "proven when its answer is integral, else HiGHS' branch and bound on it) when the model has at most 200,000 "
        "pairs; else reduced-bnb (branch and bound with the Lagrangian bound and reduction at every node) for at "
        "most 3 s, then pairs-milp of any size started from the best placement and bound. The method column names "
        "the steps and the pairs count of the model solved. " + finished.note()
    ).strip()
    record_or_print("Guaranteed-service placement: Willems (2008) chains and generated networks",
                    "benchmarks/bench_gsm.py", text, notes, print_only=args.no_record)
    finished.done()


if __name__ == "__main__":
    run(main)

"""Planning LP on generated networks: model size, build / hand-off / HiGHS seconds, fast path vs Pyomo.

Generated networks (``netinv.network.generators.generate``, kind ``distribution`` by default, seed 0)
of 50, 200 and 1,000 nodes, T = 30 periods, deterministic (K = 1, expected demand) and stochastic
(K sampled scenarios, first-period orders shared). For each case:

- fast path (``PlanningLP``): build (numpy -> CSC), hand-off (``passModel`` + the first data update),
  HiGHS, reading the plan back; then a re-solve of the same ``PlanningLP`` with new sampled demand
  (its hand-off is the in-place row-bound update, HiGHS starts from the previous basis), checked
  against a cold solve of the same demand in a fresh ``PlanningLP``;
- Pyomo path (``build_planning_model`` + ``solve_model``) on the cases of ``--pyomo``: its build and
  hand-off (standard-form compile + ``passModel``) seconds, and its objective against the fast path's
  on the same demand.

    python benchmarks/bench_planning.py [--cases 50:1 50:10 ...] [--pyomo 50:1 200:1 ...] [--quick]

``--quick`` runs 50:1, 50:10 and 200:1 (printed, not recorded). Ctrl-C / SIGTERM keeps the finished cases;
the same command resumes (see ``benchmarks/_resume.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record_or_print, table  # noqa: E402
from benchmarks._resume import Finished, run  # noqa: E402
from netinv.exact.fastlp import PlanningLP  # noqa: E402
from netinv.exact.planning import build_planning_model, expected_demand, sample_demand  # noqa: E402
from netinv.exact.pyomo_highs import solve_model  # noqa: E402
from netinv.network.compile import compile_network  # noqa: E402
from netinv.network.generators import generate  # noqa: E402

DEFAULT_CASES = ["50:1", "50:10", "50:30", "200:1", "200:10", "1000:1", "1000:2"]
QUICK_CASES = ["50:1", "50:10", "200:1"]
DEFAULT_PYOMO = ["50:1", "200:1", "50:10"]
OBJECTIVE_TOLERANCE = 1e-7  # relative


def case(text: str) -> tuple[int, int]:
    try:
        nodes, k = (int(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NODES:K (e.g. 200:10), got {text!r}") from None
    return nodes, k


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def demand_for(arrays, periods: int, k: int, seed: int) -> np.ndarray:
    """(K, T, D): expected demand for K = 1, K sampled scenarios otherwise."""
    if k == 1:
        return expected_demand(arrays, 0, periods)[None]
    return sample_demand(arrays, 0, periods, k, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=case, nargs="+", default=None, metavar="NODES:K",
                        help=f"fast-path cases (default {' '.join(DEFAULT_CASES)})")
    parser.add_argument("--pyomo", type=case, nargs="*", default=None, metavar="NODES:K",
                        help=f"cases also solved through Pyomo (default {' '.join(DEFAULT_PYOMO)}; none: --pyomo)")
    parser.add_argument("--periods", type=int, default=30)
    parser.add_argument("--kind", default="distribution", help="generator kind: serial, assembly, distribution, general")
    parser.add_argument("--transshipment", action="store_true", help="generate with transshipment edges")
    parser.add_argument("--seed", type=int, default=0, help="network seed; demand seeds are seed and seed + 1")
    parser.add_argument("--no-cold-check", action="store_true", help="skip the cold solve checking each re-solve")
    parser.add_argument("--quick", action="store_true", help=f"cases {' '.join(QUICK_CASES)} (not recorded)")
    args = parser.parse_args()
    cases = args.cases or [case(c) for c in (QUICK_CASES if args.quick else DEFAULT_CASES)]
    pyomo_cases = set(args.pyomo if args.pyomo is not None else [case(c) for c in DEFAULT_PYOMO])
    T = args.periods
    import highspy  # noqa: F401 - imported once up front, so that no timed section pays for an import
    import pyomo.environ  # noqa: F401
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler  # noqa: F401

    finished = Finished("planning")
    rows, failures, networks = [], [], {}

    def measure(nodes: int, k: int) -> dict:
        """The rows and failures of one case (a unit kept for a resumed run)."""
        rows, failures = [], []
        if nodes not in networks:
            start = time.perf_counter()
            networks[nodes] = compile_network(generate(args.kind, nodes, args.seed, transshipment=args.transshipment))
            print(f"generated + compiled {args.kind} {nodes} nodes in {time.perf_counter() - start:.3f} s", flush=True)
        a = networks[nodes]
        label = [nodes, a.num_edges, k]
        d0 = demand_for(a, T, k, args.seed)
        d1 = sample_demand(a, 0, T, k, args.seed + 1)
        try:
            lp = PlanningLP(a, T, k)
            start = time.perf_counter()
            first = lp.solve(d0)
            readback = time.perf_counter() - start - first.seconds["handoff"] - first.seconds["solve"]
            second = lp.solve(d1)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports what failed and goes on
            failures.append(f"fast path {nodes} nodes, K={k}: {type(exc).__name__}: {exc}")
            print(failures[-1], flush=True)
            return {"rows": rows, "failures": failures}
        size = lp.size
        build = lp.seconds["build"]
        handoff = lp.seconds["handoff"] + first.seconds["handoff"]
        highs_s = first.seconds["solve"]
        cold_s, cold_diff = "-", "-"
        if not args.no_cold_check:
            cold = PlanningLP(a, T, k).solve(d1)
            cold_s = f"{cold.seconds['solve']:.2f}"
            diff = rel(second.objective, cold.objective)
            cold_diff = f"{diff:.1e}"
            if diff > OBJECTIVE_TOLERANCE:
                failures.append(f"{nodes} nodes, K={k}: warm re-solve objective {second.objective!r} != cold "
                                f"{cold.objective!r} (relative {diff:.2e})")
        rows.append(["fast (PlanningLP)", *label, size["columns"], size["rows"], size["nonzeros"], f"{build:.3f}",
                     f"{handoff:.3f}", f"{highs_s:.2f}", f"{readback:.3f}", f"{(build + handoff) / highs_s:.3f}",
                     f"{second.seconds['handoff'] * 1e3:.1f}", f"{second.seconds['solve'] * 1e3:.0f}", cold_s,
                     cold_diff, "-"])
        print(rows[-1], flush=True)

        if (nodes, k) in pyomo_cases:
            try:
                start = time.perf_counter()
                model = build_planning_model(a, d0)
                solution = solve_model(model)
                wall = time.perf_counter() - start
            except Exception as exc:  # noqa: BLE001
                failures.append(f"Pyomo path {nodes} nodes, K={k}: {type(exc).__name__}: {exc}")
                print(failures[-1], flush=True)
                return {"rows": rows, "failures": failures}
            s = solution.seconds
            diff = rel(solution.objective, first.objective)
            if diff > OBJECTIVE_TOLERANCE:
                failures.append(f"{nodes} nodes, K={k}: Pyomo objective {solution.objective!r} != fast path "
                                f"{first.objective!r} (relative {diff:.2e})")
            if k == 1 and solution.size != size:
                failures.append(f"{nodes} nodes, K={k}: Pyomo model size {solution.size} != fast path {size}")
            p_size = solution.size
            rows.append(["Pyomo", *label, p_size["columns"], p_size["rows"], p_size["nonzeros"], f"{s['build']:.3f}",
                         f"{s['handoff']:.3f}", f"{s['solve']:.2f}", f"{wall - sum(s.values()):.3f}",
                         f"{(s['build'] + s['handoff']) / s['solve']:.3f}", "-", "-", "-", "-", f"{diff:.1e}"])
            print(rows[-1], flush=True)
        return {"rows": rows, "failures": failures}

    for nodes, k in cases:
        unit = finished.get(f"{nodes}:{k}", measure, nodes, k)
        rows += unit["rows"]
        failures += unit["failures"]

    text = table(["builder", "nodes", "edges", "K", "columns", "rows", "nonzeros", "build s", "hand-off s", "HiGHS s",
                  "read-back s", "overhead/HiGHS", "re-solve hand-off ms", "re-solve HiGHS ms",
                  "cold HiGHS s (re-solve demand)", "re-solve vs cold rel. diff", "objective rel. diff vs fast"], rows)
    notes = (
        f"Generated `{args.kind}` networks (seed {args.seed}{', with transshipment' if args.transshipment else ''}), "
        f"T = {T}. K = 1: expected demand; K > 1: K sampled scenarios (seed {args.seed}), first-period orders "
        "shared. Fast path: 'hand-off' = passModel + the first solve's data update; 'read-back' = turning HiGHS' "
        "values into the plan's arrays (and, for Pyomo, loading them into the model's variables). overhead/HiGHS = "
        "(build + hand-off) / HiGHS. Re-solve: the same PlanningLP with new sampled demand (seed "
        f"{args.seed + 1}), HiGHS warm-started from the previous basis; 'cold HiGHS s' solves that demand in a fresh "
        "PlanningLP and the objectives are compared. Pyomo rows: build_planning_model + solve_model on the first "
        "solve's demand; objective compared with the fast path's.\n\n"
        "With K > 1 the Pyomo model is larger by design: it keeps per-scenario first-period order columns tied by "
        "non-anticipativity equalities (and per-scenario period-0 shipping / capacity rows), where the fast path "
        "shares one set of columns.\n\n"
        + ("Checks: all objectives agree (relative tolerance 1e-7); with K = 1 the Pyomo and fast-path sizes are "
           "equal."
           if not failures else "Failures:\n" + "\n".join(f"- {f}" for f in failures))
        + ("\n\n" + finished.note() if finished.note() else "")
    )
    record_or_print("Planning LP on generated networks: fast path vs Pyomo", "benchmarks/bench_planning.py", text,
                    notes, print_only=args.quick)
    finished.done()


if __name__ == "__main__":
    run(main)

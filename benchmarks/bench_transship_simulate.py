"""``netinv transship FILE --simulate``: wall time, simulations run and the simulated values on planner networks.

    python benchmarks/bench_transship_simulate.py FILE [FILE ...] [--periods 200] [--paths 200]
        [--samples 10000] [--seed 0] [--no-record]

Prints (and records in RESULTS.md unless ``--no-record``) one row per file: seconds for the whole command
(sample-average LP, its out-of-sample check, the three searches and their check runs), simulations run
per setting, and the simulated saving per period of with-transshipment and full pooling against none
with their paired 95% CI.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._record import record_or_print, table  # noqa: E402
from netinv.transship.cli import transship_command  # noqa: E402


def _row(path: str, args) -> list:
    start = time.perf_counter()
    out = transship_command(path, samples=args.samples, seed=args.seed, simulate=True, periods=args.periods,
                            paths=args.paths)
    wall = time.perf_counter() - start
    simulated = out["simulated_value"]
    cells = [Path(path).name, f"{wall:.1f}",
             " / ".join(str(simulated[s]["evaluations"]) for s in ("independent", "with_transshipment", "full_pooling")),
             f"{simulated['independent']['cost']:.1f}"]
    for setting in ("with_transshipment", "full_pooling"):
        saving = simulated["saving"][setting]
        low, high = saving["ci95"]
        cells.append(f"{saving['per_period']:.2f} [{low:.2f}, {high:.2f}] ({saving['percent']:.2f}%)")
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--periods", type=int, default=200)
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    rows = [_row(path, args) for path in args.files]
    text = table(["file", "seconds", "simulations (indep. / with / pooling)", "cost without, per period",
                  "saving with transshipment [95% CI]", "saving full pooling [95% CI]"], rows)
    notes = ("Saving = mean over the shared check paths of (cost without transshipment - cost with), whole network, "
             "per period; CI of the per-path differences.")
    record_or_print("transship --simulate: time and paired simulated value on planner networks",
                    "benchmarks/bench_transship_simulate.py", text, notes, print_only=args.no_record)


if __name__ == "__main__":
    main()

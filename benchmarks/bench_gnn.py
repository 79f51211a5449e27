"""GNN policy evaluation (issue 5): held-out networks, the published 9-node network and scale.

Runs ``netinv evaluate`` (netinv.learn.evaluate) for a checkpoint and appends its tables to RESULTS.md.
Resumable: finished units are kept in ``--out`` (results.json), so an interrupted run continues.

    python benchmarks/bench_gnn.py --model models/gnn.pt --out out/evaluate
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import record  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/gnn.pt")
    parser.add_argument("--out", default="out/evaluate")
    parser.add_argument("--held-out", type=int, default=12)
    parser.add_argument("--paths", type=int, default=10)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--suite", action="append", default=None)
    parser.add_argument("--adapt-steps", type=int, default=0,
                        help="also the GNN adapted to each held-out network and the 9-node one (netinv adapt)")
    args = parser.parse_args()

    import torch

    from netinv.learn.evaluate import SUITES, EvaluateConfig, evaluate, plot, tables

    config = EvaluateConfig(suites=tuple(args.suite or SUITES), held_out=args.held_out, paths=args.paths,
                            sizes=tuple(int(x) for x in args.sizes.split(",")), adapt_steps=args.adapt_steps)
    started = time.perf_counter()
    result = evaluate(args.model, args.out, config,
                      progress=lambda suite, done, total, message: print(f"[{suite} {done}/{total}] {message}",
                                                                         flush=True))
    picture = plot(result, Path(args.out) / "evaluation.png")
    command = "python benchmarks/bench_gnn.py " + shlex.join(sys.argv[1:])
    notes = (f"Model {args.model}; torch {torch.__version__}, 1 thread; {time.perf_counter() - started:.0f} s "
             f"wall (units finished in an earlier run are read back from {args.out}/results.json). Every policy "
             f"of a network runs on the same demand paths. Plot: {picture}. Equivalent CLI: netinv evaluate "
             f"--model {args.model} --out {args.out}"
             + (f" --adapt-steps {args.adapt_steps}" if args.adapt_steps else "") + ".")
    record("GNN policy evaluation (netinv evaluate)", command, tables(result), notes)


if __name__ == "__main__":
    main()

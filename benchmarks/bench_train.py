"""Training speed and fit: the GNN learning installation base-stock orders on generated networks.

Networks of 5 to 30 nodes (the four generated kinds in turn, sizes drawn with the seed), each simulated
under installation base-stock at newsvendor levels (:func:`netinv.learn.policy_samples.policy_samples`);
the trainer splits them by network (20% held out). Two tables:

1. seconds per epoch per 1,000 training samples (validation included), for each torch thread count, on
   a quarter of the networks;
2. the fit of a full run (early stopping): validation relative MAE and R^2 of the best epoch beside
   the mean-order predictor's.

    python benchmarks/bench_train.py [--networks 100] [--epochs 40] [--hidden 64] [--layers 3] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record, table  # noqa: E402

KINDS = ("serial", "distribution", "general", "assembly")
SMALLEST = {"serial": 5, "distribution": 6, "general": 8, "assembly": 5}


def base_stock_samples(networks: int, periods: int, paths: int, seed: int) -> list:
    from netinv.learn.policy_samples import policy_samples
    from netinv.network.compile import compile_network
    from netinv.network.generators import generate
    from netinv.policies.levels import newsvendor_levels

    sizes = np.random.default_rng(seed).integers(5, 31, networks)
    samples = []
    for k in range(networks):
        kind = KINDS[k % len(KINDS)]
        arrays = compile_network(generate(kind, max(SMALLEST[kind], int(sizes[k])), seed + k))
        samples += policy_samples(arrays, newsvendor_levels(arrays).policy(), network=k, periods=periods,
                                  paths=paths, seed=seed + k, warmup=2)
    return samples


def _print_epoch(m, epochs: int) -> None:
    print(f"epoch {m.epoch}/{epochs}: train {m.train_loss:.4f} val {m.val_loss:.4f} relative MAE "
          f"{m.val_relative_mae:.3f} R2 {m.val_r2:.3f} ({m.seconds:.1f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=100)
    parser.add_argument("--periods", type=int, default=12, help="per network, 2 of them warm-up")
    parser.add_argument("--paths", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--timing-epochs", type=int, default=1, help="epochs timed per thread count (on a "
                        "quarter of the networks)")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--quick", action="store_true", help="10 networks, 3 epochs; not recorded")
    args = parser.parse_args()
    if args.quick:
        args.networks, args.epochs, args.timing_epochs = 10, 3, 1

    import torch

    from netinv.learn.train import train

    tick = time.perf_counter()
    samples = base_stock_samples(args.networks, args.periods, args.paths, seed=1000)
    made = time.perf_counter() - tick
    model = dict(hidden=args.hidden, layers=args.layers, batch_size=args.batch_size, lr=args.lr)
    folder = Path(tempfile.mkdtemp(prefix="bench_train_"))

    speed_rows = []
    subset = [s for s in samples if int(s.network) < max(2, args.networks // 4)]  # about a quarter
    for threads in (1, 2):
        torch.set_num_threads(threads)
        result = train(subset, folder / f"speed{threads}.pt", epochs=args.timing_epochs, seed=0, resume=False,
                       **model)
        per_epoch = float(np.mean([h["seconds"] for h in result["history"]]))
        per_thousand = per_epoch / (result["split"]["train_samples"] / 1000)
        speed_rows.append([threads, result["split"]["train_samples"], result["split"]["validation_samples"],
                           f"{per_epoch:.2f}", f"{per_thousand:.2f}"])
    best_threads = min(speed_rows, key=lambda row: float(row[4]))[0]

    torch.set_num_threads(best_threads)
    result = train(samples, folder / "fit.pt", epochs=args.epochs, seed=0, patience=8, resume=False,
                   progress=_print_epoch, **model)
    best, base = result["best"], result["baseline"]
    fit_rows = [[f"GNN {args.hidden}x{args.layers}, best epoch {result['best_epoch']} of {result['epochs_run']} "
                 f"({result['stopped']})", f"{best['val_loss']:.4f}", f"{best['val_mae']:.3f}",
                 f"{best['val_relative_mae']:.3f}", f"{best['val_r2']:.3f}", f"{result['seconds']:.0f}"],
                ["order the mean training order", f"{base['val_loss']:.4f}", f"{base['val_mae']:.3f}",
                 f"{base['val_relative_mae']:.3f}", f"{base['val_r2']:.3f}", "-"]]

    command = "python benchmarks/bench_train.py " + " ".join(sys.argv[1:])
    text = (f"{len(samples)} samples from {args.networks} networks of 5-30 nodes (made in {made:.1f} s); "
            f"model hidden {args.hidden}, layers {args.layers}, batch {args.batch_size}, lr {args.lr}.\n\n"
            + table(["torch threads", "train samples", "validation samples", "s / epoch", "s / epoch / 1,000 train "
                     "samples"], speed_rows)
            + "\n\n"
            + table(["predictor (validation networks never trained on)", "Huber loss", "MAE [mu]",
                     "MAE / mean order", "R^2", "wall s"], fit_rows))
    notes = ("Orders in units of each edge's mean flow mu; 's / epoch' includes the validation pass. The fit run "
             f"used {best_threads} thread(s), the faster above.")
    if args.quick:
        print(text + "\n\n" + notes)
    else:
        record("GNN training on base-stock labels", command.strip(), text, notes)


if __name__ == "__main__":
    main()

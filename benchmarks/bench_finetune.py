"""Fine-tuned GNN against its parent on the simulator, paired: the same demand paths for both models.

Suites as in ``netinv evaluate`` (netinv.learn.evaluate), same networks and the same demand paths: held-out
generated networks (seeds < 1000), the published 9-node network (100 published paths), and generated
distribution networks at scale (tuned base-stock beside them, searched as ``netinv evaluate`` does).
Prints one table and, with ``--record``, appends it to RESULTS.md.

    python benchmarks/bench_finetune.py --parent models/gnn-imitation.pt --model models/gnn.pt \
        [--held-out 10] [--sizes 100,1000] [--base-stock] [--record]

``--reference out/evaluate_ft/results.json`` adds, from a ``netinv evaluate`` results file of the same
suites and paths, the teacher's profit on the held-out networks (each model's gap to it, and their means)
and tuned base-stock's at scale (whether the candidate still beats it), without solving them again.

``--validation MODEL2,MODEL3`` instead scores the parent, the model and those models on the fine-tuning
validation set (15 generated and 6 perez-like networks, seed 1200) against one yardstick: each network's
profit divided by the parent's magnitude there (``netinv finetune --loss=relative``'s validation score),
so that candidates fine-tuned from different parents compare. ``--validation-set 1300:36,6,12`` scores
them on another set drawn the same way instead (seed 1300: 36 small generated, 6 large generated and 12
perez-like networks; used by no fine-tuning run), to choose between candidates whose scores on the first
set are too close to tell apart.

``--feature-ranges 1000,10000`` instead checks that the GNN's input features on generated distribution
networks of those sizes (states visited by ``--model`` over 30 periods) stay within the ranges seen on
40 training networks of 5-30 nodes (seed 1100), and lists the features that leave them.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parent", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--held-out", type=int, default=10)
    parser.add_argument("--paths", type=int, default=10)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--base-stock", action="store_true", help="also tune base-stock at scale (slow)")
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--reference", default=None, help="netinv evaluate results.json: teacher and base-stock")
    parser.add_argument("--feature-ranges", default=None, help="sizes to check instead (e.g. 1000,10000)")
    parser.add_argument("--timing", default=None, help="sizes to time the decision of both models at instead")
    parser.add_argument("--validation", default=None, help="more models to score on the fine-tuning validation set")
    parser.add_argument("--validation-set", default="1200:12,3,6",
                        help="SEED:SMALL,LARGE,PEREZ_LIKE networks of the validation set (default: fine-tuning's)")
    args = parser.parse_args()
    if args.validation is not None:
        validation_scores([args.parent, args.model, *[m for m in args.validation.split(",") if m]],
                          args.validation_set, args.record)
        return
    if args.timing:
        timing(args.parent, args.model, [int(x) for x in args.timing.split(",")])
        return
    if args.feature_ranges:
        feature_ranges(args.model, [int(x) for x in args.feature_ranges.split(",")])
        return

    import torch

    from netinv.learn import evaluate as ev
    from netinv.learn.checkpoint import load_model
    from netinv.learn.dataset import sample_network
    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.network.generators import generate

    torch.set_num_threads(1)
    models = {"parent": load_model(args.parent), "fine-tuned": load_model(args.model)}
    config = ev.EvaluateConfig()
    reference = _reference(args.reference, config, args.paths) if args.reference else {}
    gaps = {"parent": [], "fine-tuned": []}
    rows = []
    started = time.perf_counter()

    def compare(label, arrays, demand, extra="", key=None):
        profits = {name: ev.path_profits(arrays, ev.gnn_policy(m), demand) for name, m in models.items()}
        known = reference.get(key, {})
        if "teacher" in known:
            teacher = known["teacher"]
            for name in gaps:
                gaps[name].append((teacher - profits[name].mean()) / abs(teacher))
            extra = (f"teacher {teacher:.5g}; gap to teacher {gaps['parent'][-1]:+.2%} -> "
                     f"{gaps['fine-tuned'][-1]:+.2%}")
        if "base_stock" in known:
            base = known["base_stock"]
            tuned_mean = profits["fine-tuned"].mean()
            extra = f"tuned base-stock {base:.4g}: fine-tuned {'beats' if tuned_mean > base else 'LOSES TO'} it"
        paired = ev.paired_difference(profits["fine-tuned"], profits["parent"])
        parent, tuned = profits["parent"].mean(), profits["fine-tuned"].mean()
        change = (tuned - parent) / abs(parent) if parent else float("nan")
        rows.append([label, arrays.num_nodes, f"{parent:.5g}", f"{tuned:.5g}",
                     f"{paired['mean']:+.4g} ± {paired['half_width']:.2g}", f"{change:+.2%}", extra])
        print(rows[-1], flush=True)
        return profits

    for k in range(args.held_out):
        graph, info = sample_network(config.held_out_seed, k, config.nodes)
        arrays = compile_network(graph)
        compare(info["name"], arrays, ev.demand_paths(arrays, config.periods, args.paths, config.seed + 7919 * k),
                key=f"held-out/{config.held_out_seed}/{k}")

    arrays = compile_network(load(ev.SCENARIOS / "perez2021_network.yaml"))
    from netinv.demand.paths import read_demand_paths

    paths = read_demand_paths(ev.SCENARIOS / "perez2021_demand_paths_backlog.csv", arrays.node_ids[arrays.demand_slice])
    compare("perez2021 (100 published paths)", arrays, np.transpose(paths, (1, 2, 0)), "published SP 847.7")

    for n in [int(x) for x in args.sizes.split(",") if x]:
        arrays = compile_network(generate(config.scale_kind, n, config.scale_seed))
        demand = ev.demand_paths(arrays, config.scale_periods, config.scale_paths, config.seed + n)
        extra = ""
        if args.base_stock:
            base = ev.path_profits(arrays, ev.tuned_base_stock(arrays, groups="echelon", seed=config.seed), demand)
            extra = f"tuned base-stock {base.mean():.4g}"
        compare(f"distribution_{n}_seed{config.scale_seed}", arrays, demand, extra, key=f"scale/{n}")

    text = table(["network", "nodes", "parent profit", "fine-tuned profit", "fine-tuned minus parent (paired)",
                  "change", "note"], rows)
    command = "python benchmarks/bench_finetune.py " + shlex.join(sys.argv[1:])
    notes = (f"Parent {args.parent}, fine-tuned {args.model}; torch {torch.__version__}, 1 thread; "
             f"{time.perf_counter() - started:.0f} s wall. Mean total profit over the horizon (30 periods) per "
             "network; paired over the same demand paths (those of netinv evaluate).")
    if gaps["parent"]:
        notes += (f" Held-out mean gap to the teacher ({len(gaps['parent'])} networks, teacher from "
                  f"{args.reference}): parent {np.mean(gaps['parent']):+.2%}, fine-tuned "
                  f"{np.mean(gaps['fine-tuned']):+.2%}.")
    if args.record:
        record("GNN fine-tuning: fine-tuned vs parent (paired)", command, text, notes)
    else:
        print(text)
        print(notes)


def _reference(path: str, config, paths: int) -> dict:
    """Teacher profits of the held-out networks and tuned base-stock profits at scale from a ``netinv
    evaluate`` results file, keyed by its unit names; refused when it used other suites or paths."""
    import json

    from netinv.errors import InputError

    data = json.loads(Path(path).read_text())
    used = data.get("identity", {}).get("config", {})
    expected = {"held_out_seed": config.held_out_seed, "nodes": list(config.nodes), "periods": config.periods,
                "paths": paths, "scale_kind": config.scale_kind, "scale_seed": config.scale_seed,
                "scale_periods": config.scale_periods, "scale_paths": config.scale_paths, "seed": config.seed}
    for key, value in expected.items():
        if used.get(key) != value:
            raise InputError(f"{path}: {key} is {used.get(key)!r} there, {value!r} here; not the same paths")
    out = {}
    for key, unit in data.get("units", {}).items():
        if key.startswith("held-out/"):
            out[key] = {"teacher": unit["mean_profit"]["teacher"]}
        elif key.startswith("scale/") and unit.get("base_stock_profit") is not None:
            out[key] = {"base_stock": unit["base_stock_profit"]}
    return out


def validation_scores(models: list[str], validation_set: str = "1200:12,3,6", record_it: bool = False) -> None:
    """The weighted validation score of each model, and its means on the small and large generated and the
    perez-like networks, every network divided by the first model's magnitude on it."""
    import torch

    from netinv.learn.checkpoint import load_model
    from netinv.learn.finetune import (
        FinetuneConfig,
        normalized_profit,
        validate,
        validation_magnitudes,
        validation_networks,
    )

    try:
        seed_text, counts_text = validation_set.split(":")
        seed = int(seed_text)
        small, large, perez_like = (int(x) for x in counts_text.split(","))
    except ValueError:
        sys.exit(f"error: --validation-set: expected SEED:SMALL,LARGE,PEREZ_LIKE (e.g. 1300:36,6,12), got {validation_set!r}")
    start = time.perf_counter()
    torch.set_num_threads(1)
    config = FinetuneConfig(perez_like_per_step=2, validation_perez_like=perez_like, perez_like_weight=2.0,
                            loss="relative", validation_seed=seed, validation_networks=small, validation_large=large)
    networks = validation_networks(config)
    magnitudes = validation_magnitudes(load_model(models[0]), networks, config)
    groups = {"small": slice(0, small), "large": slice(small, small + large), "perez-like": slice(small + large, None)}
    rows = []
    for path in models:
        model = load_model(path)
        with torch.no_grad():
            scores = [float(normalized_profit(model, n, config.periods)[0]) / m for n, m in zip(networks, magnitudes)]
        rows.append([path, f"{validate(model, networks, config.periods, magnitudes):.4f}",
                     *[f"{np.mean(scores[part]):.4f}" if scores[part] else "-" for part in groups.values()]])
    text = table(["model", "validation (weighted)", *[f"{name} ({count})" for name, count in
                                                     zip(groups, (small, large, perez_like))]], rows)
    notes = (f"Validation set seed {seed}: {small} small (5-30 nodes) and {large} large (50-1,000 nodes) generated "
             f"networks and {perez_like} perez-like ones (weight 2), 8 paths each, 30 periods; every network's profit "
             f"divided by {models[0]}'s magnitude there (max(|profit|, 0.1 x (revenue + costs))). "
             f"{time.perf_counter() - start:.0f} s wall.")
    if record_it:
        command = "python benchmarks/bench_finetune.py " + shlex.join(sys.argv[1:])
        record(f"GNN candidates on a validation set (seed {seed})", command, text, notes)
    else:
        print(text)
        print(notes)


def timing(parent: str, model: str, sizes: list[int]) -> None:
    """Decision time per period (features + forward + feasibility, one path, one thread, median of 7 calls
    as ``netinv evaluate`` measures it; the smallest of 3 such medians, the models alternating) of both
    models on the scale suite's networks."""
    import torch

    from netinv.learn import evaluate as ev
    from netinv.learn.checkpoint import load_model
    from netinv.network.compile import compile_network
    from netinv.network.generators import generate

    torch.set_num_threads(1)
    models = {"parent": load_model(parent), "fine-tuned": load_model(model)}
    rows = []
    for n in sizes:
        arrays = compile_network(generate("distribution", n, 7))
        times = {name: [] for name in models}
        for _ in range(3):
            for name, m in models.items():
                times[name].append(1e3 * ev.decision_seconds(arrays, ev.gnn_policy(m), 7))
        goal = ev.SCALE_GOALS_MS.get(n)
        rows.append([n, *(f"{min(v):.1f}" for v in times.values()), "-" if goal is None else f"{goal:g}"])
        print(rows[-1], flush=True)
    print(table(["nodes", "parent ms", "fine-tuned ms", "goal ms"], rows))


def feature_ranges(model_path: str, sizes: list[int]) -> None:
    import torch

    from netinv.learn.checkpoint import load_model
    from netinv.learn.dataset import sample_network
    from netinv.learn.features import EDGE_FEATURES, NODE_FEATURES, state_graph
    from netinv.learn.policy import GNNPolicy
    from netinv.network.compile import compile_network
    from netinv.network.generators import generate
    from netinv.sim.simulator import SimConfig, simulate

    torch.set_num_threads(1)
    model = load_model(model_path)

    class Watch(GNNPolicy):
        """The GNN policy, keeping the smallest and largest value of every input feature it sees."""

        low = {"node": np.full(len(NODE_FEATURES), np.inf), "edge": np.full(len(EDGE_FEATURES), np.inf)}
        high = {"node": -low["node"], "edge": -low["edge"]}

        def orders(self, state):
            data = state_graph(self.network_, state)
            for kind, values in (("node", data.x), ("edge", data.edge_attr)):
                flat = values.reshape(-1, values.shape[-1]).numpy()
                self.low[kind] = np.minimum(self.low[kind], flat.min(axis=0))
                self.high[kind] = np.maximum(self.high[kind], flat.max(axis=0))
            return super().orders(state)

    def watch(networks):
        policy = Watch(model)
        policy.low = {k: v.copy() for k, v in Watch.low.items()}
        policy.high = {k: v.copy() for k, v in Watch.high.items()}
        for arrays in networks:
            simulate(arrays, policy, SimConfig(periods=30, paths=2, block_paths=2))
        return policy

    train = watch([compile_network(sample_network(1100, k)[0]) for k in range(40)])
    rows = []
    for n in sizes:
        big = watch([compile_network(generate("distribution", n, 7))])
        for kind, names in (("node", NODE_FEATURES), ("edge", EDGE_FEATURES)):
            for i, name in enumerate(names):
                lo, hi = train.low[kind][i], train.high[kind][i]
                if big.low[kind][i] < lo - 1e-6 or big.high[kind][i] > hi + 1e-6:
                    rows.append([n, f"{kind} {name}", f"[{lo:.3g}, {hi:.3g}]",
                                 f"[{big.low[kind][i]:.3g}, {big.high[kind][i]:.3g}]"])
    print(table(["nodes", "feature", "range on 40 training networks", "range at scale"], rows))


if __name__ == "__main__":
    main()

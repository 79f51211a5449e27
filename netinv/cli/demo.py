"""``netinv demo``: end to end on one scenario, then the GNN on a large generated network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import (
    DEFAULT_MODEL,
    MAX_GENERATED_NODES,
    ThreadsOpt,
    int_option,
    new_console,
    seed_option,
)


def demo(
    file: Annotated[Path, typer.Argument(help="Scenario to run.")] = Path("scenarios/retail_network.yaml"),
    paths: Annotated[int, int_option("--paths", low=1, high=100_000)] = 500,
    periods: Annotated[int, int_option("--periods", low=2, high=10_000)] = 300,
    seed: Annotated[int, seed_option()] = 0,
    large: Annotated[int, int_option("--large", low=0, high=MAX_GENERATED_NODES, help="Then run the shipped GNN policy on "
                                       "a generated network of this many nodes (0: skip).")] = 10_000,
    model: Annotated[Path, typer.Option("--model", help="GNN checkpoint of the large-network step.")] = DEFAULT_MODEL,
    threads: ThreadsOpt = 1,
) -> None:
    """End to end on one scenario: validate, optimize base-stock levels, simulate, print the table (CSL: cycle
    service level); then the GNN policy on a large generated network, beside tuned base-stock."""
    from netinv.cli.simulate import print_result
    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.network.summary import summarize
    from netinv.sim import SimConfig
    from netinv.sim import simulate as run
    from netinv.sim.run import auto_levels, choose_transshipment

    console = new_console()
    graph = load(file)
    s = summarize(graph)
    console.print(
        f"[bold]{s['name']}[/bold]: {s['nodes']} nodes, {s['edges']} edges, {s['echelons']} echelons, "
        f"{s['demand_nodes']} demand nodes ({s['topology']}) - valid"
    )
    console.print("optimizing base-stock levels ...")
    found = auto_levels(graph, seed)
    console.print(f"method: {found.method} - {found.note}")
    config = SimConfig(periods=periods, paths=paths, seed=seed, warmup=min(50, periods // 5))
    arrays = compile_network(graph)
    rule_name, rule = choose_transshipment(arrays)
    result = run(arrays, found.policy(), config, transshipment=rule)
    print_result(result, found.levels, found.method, transshipment=rule_name)
    if large:
        _demo_large(console, large, model, seed, threads)


def _demo_large(console, nodes: int, model: Path, seed: int, threads: int = 1) -> None:
    """The GNN on a generated distribution network of ``nodes`` nodes vs tuned base-stock, same paths."""
    import time

    from netinv.network.compile import compile_network
    from netinv.network.generators import generate
    from netinv.policies.levels import search_levels
    from netinv.sim import SimConfig
    from netinv.sim import simulate as run
    from netinv.sim.run import gnn_policy

    if not Path(model).is_file():
        console.print(f"large-network step skipped: no GNN model at {model} (train one with `netinv train`)")
        return
    console.print(f"\n[bold]large network[/bold]: generating a {nodes:,}-node distribution network ...")
    arrays = compile_network(generate("distribution", nodes, seed + 7))
    config = SimConfig(periods=30, paths=4, seed=seed, warmup=0, block_paths=4)
    started = time.perf_counter()
    gnn = run(arrays, gnn_policy(model, threads=threads), config)
    gnn_seconds = time.perf_counter() - started
    console.print("tuning base-stock levels (one safety factor per echelon, simulation search) ...")
    levels = search_levels(arrays, seed=seed + 1, paths=8, periods=40, warmup=10, sweeps=2, groups="echelon")
    base = run(arrays, levels.policy(), config)
    console.print(f"GNN policy ({model.name}): {gnn_seconds / config.periods * 1e3:.0f} ms per period for "
                  f"{config.paths} paths (features, forward pass, feasibility, simulation)")
    console.print(f"30-period profit per path: GNN {gnn.mean_profit * 30:,.0f}, tuned base-stock "
                  f"{base.mean_profit * 30:,.0f} (the same {config.paths} demand paths)")

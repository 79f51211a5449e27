"""The ``netinv`` command line: parse, call the library, print.

Every netinv error becomes one line on stderr, ``error: <message>``, and the exit code of its class
(2 for bad input, 3 for a solver failure); a traceback is a bug. Heavy modules (numpy, scipy, the
solvers, torch) are imported inside the commands, so ``netinv --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="netinv",
    help="Multi-echelon inventory network optimizer: scenarios, exact models, simulation, GNN policies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FileArg = Annotated[Path, typer.Argument(help="Scenario file (.yaml, .yml, .json, .graphml).", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


class Kind(StrEnum):
    serial = "serial"
    assembly = "assembly"
    distribution = "distribution"
    general = "general"


class PolicyName(StrEnum):
    base_stock = "base-stock"
    echelon_base_stock = "echelon-base-stock"


class Method(StrEnum):
    auto = "auto"
    newsvendor = "newsvendor"
    clark_scarf = "clark-scarf"
    search = "search"


def _print_json(data) -> None:
    typer.echo(json.dumps(data, indent=2, default=_default))


def _default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(type(value).__name__)


def _console():
    from rich.console import Console

    return Console()


@app.command()
def validate(file: FileArg) -> None:
    """Check a scenario file; print a short summary, or one line saying what is wrong (exit 2)."""
    from netinv.network import load
    from netinv.network.summary import summarize

    info = summarize(load(file))
    typer.echo(
        f"ok: {file}: '{info['name']}': {info['nodes']} nodes, {info['edges']} edges "
        f"({info['transshipment_edges']} transshipment), {info['echelons']} echelons, "
        f"{info['demand_nodes']} demand nodes, topology {info['topology']}"
    )


@app.command()
def info(file: FileArg, as_json: JsonOpt = False) -> None:
    """Summary of a network: nodes, edges, echelons, demand nodes, topology."""
    from netinv.network import load
    from netinv.network.summary import summarize

    summary = summarize(load(file))
    if as_json:
        _print_json(summary)
        return
    from rich.table import Table

    table = Table(title=f"{summary['name']}", show_header=False)
    for key, value in summary.items():
        if key not in ("demand_node_ids", "source_node_ids"):
            table.add_row(key, str(value))
    _console().print(table)


@app.command()
def generate(
    kind: Annotated[Kind, typer.Option("--kind", help="Topology of the network.")] = Kind.distribution,
    nodes: Annotated[int, typer.Option("--nodes", min=2, max=10_000_000, help="Number of nodes.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same network).")] = 0,
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (.yaml, .json, .graphml).")] = Path(
        "network.yaml"
    ),
    transshipment: Annotated[bool, typer.Option("--transshipment", help="Add lateral links between peers.")] = False,
) -> None:
    """Generate a random network (costs, lead times and demand in documented ranges)."""
    from netinv.network import save
    from netinv.network.generators import generate as make

    graph = make(kind.value, nodes, seed, transshipment=transshipment)
    save(graph, output)
    typer.echo(f"wrote {output}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")


@app.command()
def basestock(
    file: FileArg,
    method: Annotated[Method, typer.Option("--method", help="How to find the levels.")] = Method.auto,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation search.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Base-stock levels: newsvendor, Clark-Scarf (serial, exact) or simulation search."""
    from netinv.network import load
    from netinv.policies.levels import best_levels

    result = best_levels(load(file), method.value, seed=seed)
    if as_json:
        _print_json(result.to_dict())
        return
    from rich.table import Table

    table = Table(title=f"{result.kind} base-stock levels ({result.method})")
    table.add_column("node")
    table.add_column("level", justify="right")
    for node, level in result.levels.items():
        table.add_row(node, f"{level:.3f}")
    console = _console()
    console.print(table)
    if result.expected_cost is not None:
        console.print(f"expected cost per period: {result.expected_cost:.4f}")
    console.print(result.note)


def _read_levels(path: Path, nodes=None) -> dict:
    """LEVELS.json as {node: level}; with ``nodes``, every key must be one of them."""
    import difflib
    import math

    from netinv.errors import InputError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno}, column {exc.colno}: malformed JSON: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("levels"), dict):
        data = data["levels"]  # the output of `netinv basestock --json`
    if not isinstance(data, dict):
        raise InputError(f"{path}: levels must be a mapping of node id to level")
    for node, level in data.items():
        if isinstance(level, bool) or not isinstance(level, (int, float)):
            raise InputError(f"{path}: node '{node}': level must be a number, got {json.dumps(level)}")
        if not math.isfinite(level):
            raise InputError(f"{path}: node '{node}': level must be a finite number, got {json.dumps(level)}")
        if nodes is not None and node not in nodes:
            close = difflib.get_close_matches(node, [str(n) for n in nodes], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"{path}: node '{node}': not a node of the network{hint}")
    return data


@app.command()
def simulate(
    file: FileArg,
    policy: Annotated[PolicyName, typer.Option("--policy", help="Policy to simulate.")] = PolicyName.base_stock,
    levels: Annotated[
        str, typer.Option("--levels", help="LEVELS.json (node -> level) or 'auto' (best method available).")
    ] = "auto",
    periods: Annotated[int, typer.Option("--periods", min=1, max=10_000_000, help="Periods per path.")] = 200,
    paths: Annotated[int, typer.Option("--paths", min=1, max=10_000_000, help="Demand paths.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the demand paths.")] = 0,
    warmup: Annotated[int, typer.Option("--warmup", min=0, help="Periods left out of the KPIs.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Simulate a policy on sampled demand paths and report costs, service and bullwhip."""
    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.policies import EchelonBaseStock, InstallationBaseStock
    from netinv.policies.levels import best_levels
    from netinv.sim import SimConfig
    from netinv.sim import simulate as run

    graph = load(file)
    config = SimConfig(periods=periods, paths=paths, seed=seed, warmup=min(warmup, periods - 1))
    method = None
    if levels == "auto":
        found = best_levels(graph, "auto", seed=seed + 1)
        chosen, method = found.policy(), found.method
    else:
        values = _read_levels(Path(levels), graph)
        chosen = EchelonBaseStock(values) if policy == PolicyName.echelon_base_stock else InstallationBaseStock(values)
    arrays = compile_network(graph)
    result = _run_with_progress(run, arrays, chosen, config, quiet=as_json)
    out = result.to_dict()
    out["levels"] = chosen.levels
    if method:
        out["levels_method"] = method
    if as_json:
        _print_json(out)
    else:
        _print_result(result, chosen.levels, method)
    if result.interrupted:
        raise typer.Exit(130)


def _run_with_progress(run, arrays, policy, config, *, quiet: bool):
    if quiet or config.periods * config.paths * arrays.num_nodes < 50_000_000:
        return run(arrays, policy, config)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("simulating", total=config.periods)
        return run(arrays, policy, config, progress=lambda done, total: bar.update(task, completed=done))


def _print_result(result, levels, method) -> None:
    from rich.table import Table

    console = _console()
    table = Table(title=f"{result.policy}: {result.paths} paths x {result.periods} periods (warm-up {result.warmup})")
    for column in ("node", "ech.", "level", "on hand", "fill rate", "CSL", "backorders"):
        table.add_column(column, justify="left" if column == "node" else "right")
    for node, kpi in result.nodes.items():
        def fmt(key, pattern="{:.3f}", kpi=kpi):
            return pattern.format(kpi[key]) if key in kpi else ""

        level = levels.get(node)
        table.add_row(
            node, str(int(kpi["echelon"])), f"{level:.2f}" if level is not None else "",
            fmt("mean_on_hand", "{:.2f}"), fmt("fill_rate"), fmt("cycle_service_level"), fmt("mean_backorders", "{:.2f}"),
        )
    console.print(table)
    costs = Table(title="cost per period", show_header=True)
    costs.add_column("component")
    costs.add_column("mean", justify="right")
    costs.add_column("95% CI", justify="right")
    for name, value in result.cost_breakdown.items():
        costs.add_row(name, f"{value['mean']:.3f}", f"[{value['ci95'][0]:.3f}, {value['ci95'][1]:.3f}]")
    costs.add_row("total", f"{result.mean_cost:.3f}", f"[{result.ci95[0]:.3f}, {result.ci95[1]:.3f}]")
    if result.mean_revenue:
        costs.add_row("profit", f"{result.mean_profit:.3f}", f"[{result.profit_ci95[0]:.3f}, {result.profit_ci95[1]:.3f}]")
    console.print(costs)
    if result.bullwhip:
        console.print(
            "bullwhip (Var orders / Var demand) by echelon: "
            + ", ".join(f"{k}: {v:.2f}" for k, v in result.bullwhip.items())
        )
    if method:
        console.print(f"levels found by: {method}")


@app.command()
def demo(
    file: Annotated[Path, typer.Argument(help="Scenario to run.")] = Path("scenarios/retail_network.yaml"),
    paths: Annotated[int, typer.Option("--paths", min=1)] = 500,
    periods: Annotated[int, typer.Option("--periods", min=2)] = 300,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """End to end on one scenario: validate, optimize base-stock levels, simulate, print the table (CSL: cycle service level)."""
    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.network.summary import summarize
    from netinv.policies.levels import best_levels
    from netinv.sim import SimConfig
    from netinv.sim import simulate as run

    console = _console()
    graph = load(file)
    s = summarize(graph)
    console.print(
        f"[bold]{s['name']}[/bold]: {s['nodes']} nodes, {s['edges']} edges, {s['echelons']} echelons, "
        f"{s['demand_nodes']} demand nodes ({s['topology']}) - valid"
    )
    console.print("optimizing base-stock levels ...")
    found = best_levels(graph, "auto", seed=seed + 1)
    console.print(f"method: {found.method} - {found.note}")
    config = SimConfig(periods=periods, paths=paths, seed=seed, warmup=min(50, periods // 5))
    result = run(compile_network(graph), found.policy(), config)
    _print_result(result, found.levels, found.method)


def main() -> None:
    """Console entry point: netinv's own errors become one line and an exit code, never a traceback."""
    from netinv.errors import NetinvError

    try:
        app()  # standalone: usage errors print click's message and exit 2
    except NetinvError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()

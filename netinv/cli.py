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
NoTimingsOpt = Annotated[
    bool, typer.Option("--no-timings", help="Leave wall-clock timings out of the JSON, so that the same command "
                       "prints byte-identical output.")
]
TIMING_KEYS = ("seconds", "handoff_seconds", "solve_seconds")


class Kind(StrEnum):
    serial = "serial"
    assembly = "assembly"
    distribution = "distribution"
    general = "general"


class PolicyName(StrEnum):
    base_stock = "base-stock"
    echelon_base_stock = "echelon-base-stock"
    oracle = "oracle"
    mpc_deterministic = "mpc-deterministic"
    mpc_stochastic = "mpc-stochastic"
    gnn = "gnn"


DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "gnn.pt"
PLANNING_POLICIES = (PolicyName.oracle, PolicyName.mpc_deterministic, PolicyName.mpc_stochastic)


class Builder(StrEnum):
    fast = "fast"
    pyomo = "pyomo"


class Sampling(StrEnum):
    lhs = "lhs"
    random = "random"


class Per(StrEnum):
    period = "period"
    horizon = "horizon"


class Method(StrEnum):
    auto = "auto"
    newsvendor = "newsvendor"
    clark_scarf = "clark-scarf"
    search = "search"


def _print_json(data, *, timings: bool = True) -> None:
    typer.echo(json.dumps(data if timings else _without_timings(data), indent=2, default=_default))


def _without_timings(value):
    """``value`` without the wall-clock entries (keys in TIMING_KEYS), at any depth."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


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
def convert(
    file: Annotated[
        Path, typer.Argument(help="Network to read (.yaml, .yml, .json, .graphml, or a Willems supply-chain .csv).",
                             show_default=False)
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="File to write; its suffix picks the format (.yaml, .yml, .json, "
                           ".graphml).", show_default=False)
    ],
) -> None:
    """Convert a network to another format: read and validate FILE, write OUTPUT (never FILE itself).

    The output is written to a temporary file and renamed, so an error leaves nothing half-written.
    """
    from netinv.errors import InputError
    from netinv.network import load, save

    if output.resolve() == file.resolve() or (output.exists() and file.exists() and output.samefile(file)):
        raise InputError(f"{output}: is the input file; write the converted network to another path")
    graph = load(file)
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


@app.command()
def plan(
    file: FileArg,
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=100_000, help="Periods T to plan.")] = 30,
    demand_path: Annotated[
        Path | None, typer.Option("--demand-path", help="PATH.csv: plan with perfect information of this demand "
                                  "(path,t0,t1,...; the first path unless --path-index).")
    ] = None,
    path_index: Annotated[int, typer.Option("--path-index", min=0, help="Which path of --demand-path.")] = 0,
    expected: Annotated[bool, typer.Option("--expected", help="Plan on expected demand (the default).")] = False,
    scenarios: Annotated[
        int, typer.Option("--scenarios", min=1, max=100_000,
                          help="K > 1: sample-average plan over K sampled demand scenarios (first period shared).")
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the scenarios.")] = 0,
    meet_demand: Annotated[
        bool, typer.Option("--meet-demand", help="Forbid unmet demand (infeasible if the network cannot deliver).")
    ] = False,
    integer: Annotated[bool, typer.Option("--integer", help="Whole-unit orders (a MILP).")] = False,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.0, help="HiGHS time limit, seconds.")] = None,
    mip_gap: Annotated[float | None, typer.Option("--mip-gap", min=0.0, max=0.99, help="Relative MIP gap.")] = None,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="HiGHS threads.")] = None,
    builder: Annotated[
        Builder, typer.Option("--builder", help="fast: numpy arrays straight into HiGHS; pyomo: the Pyomo model "
                              "(same optimum, slower to build; a cross-check).")
    ] = "fast",
    as_json: JsonOpt = False,
    no_timings: NoTimingsOpt = False,
) -> None:
    """Solve the multi-period planning model (Pyomo model, HiGHS) and print the order plan.

    The objective is the total profit over the horizon (or total cost when nothing is sold at a price).
    A solver failure (infeasible, unbounded, time limit without a plan) exits with code 3.
    """
    import numpy as np

    from netinv.errors import InputError
    from netinv.exact.fastlp import PlanningLP
    from netinv.exact.highs import SolverOptions
    from netinv.exact.planning import PlanOptions, expected_demand, sample_demand
    from netinv.network import load
    from netinv.network.compile import compile_network

    if demand_path is not None and (expected or scenarios > 1):
        raise InputError("--demand-path plans one known path: do not combine it with --expected or --scenarios")
    if expected and scenarios > 1:
        raise InputError("--expected plans on the mean demand: do not combine it with --scenarios")
    arrays = compile_network(load(file))
    if demand_path is not None:
        from netinv.demand.paths import read_demand_paths

        paths = read_demand_paths(demand_path, arrays.node_ids[arrays.demand_slice])
        if path_index >= paths.shape[0]:
            raise InputError(f"{demand_path}: --path-index {path_index}, but the file has {paths.shape[0]} paths")
        if paths.shape[1] < horizon:
            raise InputError(f"{demand_path}: has {paths.shape[1]} periods, --horizon asks for {horizon}")
        demand, mode = paths[path_index, :horizon][None], "perfect information"
    elif scenarios > 1:
        demand, mode = sample_demand(arrays, 0, horizon, scenarios, seed), f"{scenarios} sampled scenarios"
    else:
        demand, mode = expected_demand(arrays, 0, horizon)[None], "expected demand"
    options = PlanOptions(meet_demand=meet_demand, integer_orders=integer)
    from netinv.exact.limits import check_exact_size

    check_exact_size(arrays, "plan", horizon=horizon, scenarios=demand.shape[0], options=options)
    solver = SolverOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    if builder == Builder.pyomo:
        from netinv.exact.planning import build_planning_model
        from netinv.exact.pyomo_highs import solve_model

        solution = solve_model(build_planning_model(arrays, demand, options=options), solver)
    else:
        lp = PlanningLP(arrays, horizon, demand.shape[0], options, solver)
        solution = lp.solve(demand)
        solution.seconds["build"] = lp.seconds["build"]
        solution.seconds["handoff"] += lp.seconds["handoff"]
    out = solution.to_dict()
    out["demand"] = mode
    out["horizon"] = horizon
    if as_json:
        _print_json(out, timings=not no_timings)
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{arrays.name}[/bold]: {horizon} periods, {mode}; status {solution.status}; "
                  f"{solution.form} {solution.objective:.3f}"
                  + (f" (gap {solution.gap:.2%})" if solution.gap else ""))
    if solution.message:
        console.print(solution.message)
    shown = min(horizon, 12)
    table = Table(title=f"orders (units of the source), periods 0-{shown - 1}" + (" ..." if shown < horizon else ""))
    table.add_column("edge")
    for t in range(shown):
        table.add_column(f"t{t}", justify="right")
    q = solution.decisions["orders"][0]
    for e, (u, v) in enumerate(arrays.edge_keys):
        table.add_row(f"{u} -> {v}", *(f"{x:.4g}" if abs(x) > 1e-9 else "." for x in np.round(q[:shown, e], 6)))
    console.print(table)
    secs = solution.seconds
    console.print(f"{solution.size['columns']} columns, {solution.size['rows']} rows; build {secs['build']:.3f} s, "
                  f"hand-off {secs['handoff']:.3f} s, HiGHS {secs['solve']:.3f} s")


class TransshipMethod(StrEnum):
    decomposition = "decomposition"
    extensive = "extensive"


class GsmMethod(StrEnum):
    auto = "auto"
    milp = "milp"
    tree_dp = "tree-dp"
    tree_bnb = "tree-bnb"
    lagrangian = "lagrangian"
    reduced_milp = "reduced-milp"
    reduced_bnb = "reduced-bnb"
    pairs_milp = "pairs-milp"


@app.command()
def gsm(
    file: FileArg,
    method: Annotated[GsmMethod, typer.Option("--method", help="milp: MILP (Pyomo + HiGHS) by breakpoint refinement; "
                      "tree-dp: Graves-Willems DP (spanning trees); tree-bnb: branch and bound over a tree "
                      "relaxation; lagrangian: the same with Lagrangian bounds; reduced-milp: Lagrangian domain reduction, then the MILP "
                      "on the ranges left; reduced-bnb: branch and bound repeating the Lagrangian bound and the reduction "
                      "at every node; pairs-milp: MILP over each stage's (S, SI) pairs with cumulative linking "
                      "constraints, after Lagrangian reduction (its LP proves optimality when integral); auto: "
                      "tree-dp on trees, else pairs-milp (reduced-bnb first when the model exceeds 200,000 pairs), "
                      "then reduced-milp.")] = GsmMethod.auto,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.0, help="Seconds for the whole solve.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a picture of the placement (PNG).")] = None,
    as_json: JsonOpt = False,
    no_timings: NoTimingsOpt = False,
) -> None:
    """Safety-stock placement with the guaranteed-service model (exact on general acyclic networks).

    Reads the stages' processing_time, holding_cost, service_level / service_factor, max_service_time and
    the demand nodes' standard deviations; edges' lead_time and quantity. Exit code 3 if no placement.
    """
    from netinv.errors import InputError
    from netinv.gsm.instance import gsm_instance
    from netinv.gsm.solve import GSMOptions, solve_placement
    from netinv.network import load

    if plot is not None and plot.suffix.lower() != ".png":
        raise InputError(f"{plot}: the picture is written as PNG; use a .png file name")
    graph = load(file)
    from netinv.exact.limits import check_exact_size
    from netinv.network.compile import compile_network

    check_exact_size(compile_network(graph), "gsm")
    solution = solve_placement(gsm_instance(graph), str(method), GSMOptions(time_limit=time_limit))
    if plot is not None:
        from netinv.gsm.plot import plot_placement

        plot_placement(graph, solution, plot)
    if as_json:
        _print_json(solution.to_dict(), timings=not no_timings)
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{solution.instance.name}[/bold]: {solution.instance.num_stages} stages; status "
                  f"{solution.status}; cost {solution.cost:.6g} (bound {solution.bound:.6g}); method "
                  f"{solution.method}; {solution.seconds.get('total', 0.0):.2f} s")
    if solution.message:
        console.print(solution.message)
    stages = solution.stages()
    order = sorted(stages, key=lambda s: (-stages[s]["safety_stock_value"], s))
    table = Table(title="stages holding safety stock first")
    for column in ("stage", "S", "SI", "tau", "safety stock", "value", "base stock"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for s in order:
        row = stages[s]
        table.add_row(s, str(row["service_time"]), str(row["inbound_service_time"]), str(row["net_time"]),
                      f"{row['safety_stock']:.3f}", f"{row['safety_stock_value']:.3f}", f"{row['base_stock']:.3f}")
    console.print(table)
    if plot is not None:
        console.print(f"picture: {plot}")


contracts_app = typer.Typer(help="Supply contracts on a supplier-retailer pair or across a network (Cachon 2003).",
                            no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")

DemandOpt = Annotated[str, typer.Option("--demand", help="normal:MEAN,STD (untruncated) | normal-censored:MEAN,STD | "
                                        "poisson:MEAN | uniform:LOW,HIGH | gamma:MEAN,STD | empirical:FILE.csv")]
PriceOpt = Annotated[float, typer.Option("--price", help="Retail price [p].")]
CostOpt = Annotated[float, typer.Option("--cost", help="Supplier's production cost per unit [c_s].")]
RetailerCostOpt = Annotated[float, typer.Option("--retailer-cost", help="Retailer's own cost per unit [c_r].")]
SalvageOpt = Annotated[float, typer.Option("--salvage", help="Salvage value per leftover unit [v].")]
GoodwillROpt = Annotated[float, typer.Option("--goodwill-retailer", help="Retailer's goodwill cost per lost sale [g_r].")]
GoodwillSOpt = Annotated[float, typer.Option("--goodwill-supplier", help="Supplier's goodwill cost per lost sale [g_s].")]


@contracts_app.command("evaluate")
def contracts_evaluate(
    demand: DemandOpt,
    price: PriceOpt,
    cost: CostOpt,
    contract: Annotated[str, typer.Option("--contract", help="e.g. wholesale:w=6, buyback:w=6,b=2, revenue-sharing:"
                                          "w=1,phi=0.3, quantity-flexibility:w=..,delta=.., sales-rebate:w=..,r=..,"
                                          "t=.., options:reserve=..,exercise=.., integrated")],
    retailer_cost: RetailerCostOpt = 0.0,
    salvage: SalvageOpt = 0.0,
    goodwill_retailer: GoodwillROpt = 0.0,
    goodwill_supplier: GoodwillSOpt = 0.0,
    monte_carlo: Annotated[int, typer.Option("--monte-carlo", min=0, help="Verification: N simulated seasons "
                                             "beside every number (estimate and standard error).")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo check.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """What the retailer orders under one contract, what each side earns, and the channel's efficiency."""
    from netinv.contracts.cli import evaluate_command, format_table, market_from_options

    market = market_from_options(demand, price, cost, retailer_cost=retailer_cost, salvage=salvage,
                                 goodwill_retailer=goodwill_retailer, goodwill_supplier=goodwill_supplier)
    result = evaluate_command(market, contract, monte_carlo=monte_carlo, seed=seed)
    if as_json:
        _print_json(result)
    else:
        typer.echo(format_table(result))


@contracts_app.command("compare")
def contracts_compare(
    contract: Annotated[list[str], typer.Option("--contract", help="A contract string; repeat to compare several.")],
    demand: Annotated[str | None, typer.Option("--demand", help="Demand string (see 'evaluate'); not with --network.")] = None,
    price: Annotated[float | None, typer.Option("--price", help="Retail price [p].")] = None,
    cost: Annotated[float | None, typer.Option("--cost", help="Supplier's production cost [c_s].")] = None,
    retailer_cost: RetailerCostOpt = 0.0,
    salvage: SalvageOpt = 0.0,
    goodwill_retailer: GoodwillROpt = 0.0,
    goodwill_supplier: GoodwillSOpt = 0.0,
    network: Annotated[Path | None, typer.Option("--network", help="Scenario: apply each contract to every supply "
                                                 "edge into a demand node and total per party.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Picture of the profit split per contract (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare contract designs: order, retailer, supplier and channel profit, efficiency."""
    from netinv.contracts.cli import compare_command, format_table, market_from_options, network_command
    from netinv.errors import InputError

    if network is not None:
        results = {text: network_command(network, text) for text in contract}
        _print_json(results) if as_json else typer.echo(json.dumps(results, indent=2, default=_default))
        return
    if demand is None or price is None or cost is None:
        raise InputError("contracts compare: give --demand, --price and --cost (or --network FILE)")
    market = market_from_options(demand, price, cost, retailer_cost=retailer_cost, salvage=salvage,
                                 goodwill_retailer=goodwill_retailer, goodwill_supplier=goodwill_supplier)
    result = compare_command(market, contract, plot=plot)
    if as_json:
        _print_json(result)
    else:
        typer.echo(format_table(result))
        if plot is not None:
            typer.echo(f"picture: {plot}")


@app.command()
def transship(
    file: FileArg,
    samples: Annotated[int, typer.Option("--samples", min=100, max=10_000_000, help="Demand samples of the LP.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the samples (the out-of-sample check uses another).")] = 0,
    plot: Annotated[Path | None, typer.Option("--plot", help="Picture: levels, edges weighted by flow (PNG).")] = None,
    method: Annotated[TransshipMethod, typer.Option("--method", help="decomposition: exact level-bundle method with "
                      "a warm-started recourse oracle (fast); extensive: the whole sample-average LP at once.")
                      ] = TransshipMethod.decomposition,
    simulate: Annotated[bool, typer.Option("--simulate", help="Also the value of transshipment from simulation "
                                           "with optimized base-stock levels.")] = False,
    periods: Annotated[int, typer.Option("--periods", min=1, help="Periods per simulated path (--simulate).")] = 200,
    paths: Annotated[int, typer.Option("--paths", min=1, help="Simulated demand paths (--simulate).")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Stocking levels with lateral transshipment between the demand nodes (two-stage sample-average LP),
    the transshipped quantities, and the value of transshipment (independent / as given / full pooling)."""
    from netinv.transship.cli import transship_command

    result = transship_command(file, samples=samples, seed=seed, plot=plot, method=str(method), simulate=simulate,
                               periods=periods, paths=paths)
    if as_json:
        _print_json(result)
        return
    console = _console()
    console.print(f"expected cost {result['expected_cost']:.4f} (+/- {result['stderr']:.4f}), out of sample "
                  f"{result['out_of_sample_cost']:.4f}")
    console.print("levels: " + ", ".join(f"{k} {v:.2f}" for k, v in result["levels"].items()))
    console.print("transshipped per period: " + (", ".join(f"{k} {v:.3f}" for k, v in result["transshipped"].items())
                                                 or "none"))
    value = result["value"]
    console.print(f"value of transshipment: independent {value['independent']:.4f}, with transshipment "
                  f"{value['with_transshipment']:.4f}, full pooling {value['full_pooling']:.4f}")
    for setting, row in (result.get("simulated_value") or {}).items():
        if isinstance(row, dict) and "cost" in row:
            console.print(f"simulated, {setting}: {row['cost']:.4f} +/- {row.get('stderr', 0.0):.4f} "
                          f"(sample-average {row.get('saa_cost', float('nan')):.4f})")


data_app = typer.Typer(help="Demand history: data-quality checks.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("check")
def data_check(
    file: Annotated[Path, typer.Argument(help="A history CSV (date,node,quantity) or a scenario whose demand "
                                         "refers to one (demand: {history: FILE}).", show_default=False)],
    strict: Annotated[bool, typer.Option("--strict", help="Findings are errors (exit code 2).")] = False,
    network: Annotated[Path | None, typer.Option("--network", help="Scenario to check a history CSV's nodes "
                                                 "against.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Data-quality report: missing periods, duplicates, negative or non-numeric quantities, unknown nodes,
    outliers (with the reason); every finding names the node and the dates; the cleaning steps applied."""
    from netinv.history.cli import data_check_command

    result = data_check_command(file, strict=strict, network=network)
    if as_json:
        _print_json(result)
        return
    for report in result["files"]:
        typer.echo(f"{report.get('file', file)}: {'ok' if report['ok'] else 'findings'}")
        for finding in report.get("findings", []):
            dates = finding.get("dates") or []
            span = dates[0] if len(dates) == 1 else f"{dates[0]}..{dates[-1]} ({len(dates)} dates)" if dates else ""
            typer.echo(f"  {finding.get('kind', '')} at {finding.get('node', '')} {span}: {finding.get('message', '')}")
        for step in report.get("cleaning", []):
            typer.echo(f"  cleaning: {step}")


@app.command()
def risk(
    file: FileArg,
    policy: Annotated[str, typer.Option("--policy", help="Policy simulated from the current state.")] = "base-stock",
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=10_000, help="Periods ahead.")] = 12,
    paths: Annotated[int, typer.Option("--paths", min=100, max=10_000_000, help="Simulated demand paths.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the paths.")] = 0,
    period_days: Annotated[int, typer.Option("--period-days", min=1, help="Days per period (days of cover).")] = 1,
    plot: Annotated[Path | None, typer.Option("--plot", help="Heat map nodes x periods (PNG).")] = None,
    scenarios: Annotated[int, typer.Option("--scenarios", min=1, max=100_000,
                                           help="mpc-stochastic: scenarios K per solve.")] = 20,
    planning_horizon: Annotated[int | None, typer.Option("--planning-horizon", min=1, help="mpc policies: rolling "
                                                         "window [default: shrinking to --horizon].")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.0,
                                                     help="HiGHS seconds per solve (mpc).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stockout-risk warnings: per node the probability of a stockout within the horizon, expected days
    of cover and excess-stock flags, highest risk first; bullwhip per echelon."""
    from netinv.history.cli import risk_command

    result = risk_command(file, policy=policy, horizon=horizon, paths=paths, seed=seed, period_days=period_days,
                          plot=plot, scenarios=scenarios, planning_horizon=planning_horizon, time_limit=time_limit)
    if as_json:
        _print_json(result)
        return
    from rich.table import Table

    table = Table(title=f"stockout risk within {result['horizon']} periods under {result['policy']} "
                        f"({result['paths']} paths), highest first")
    for column in ("node", "P(stockout)", "95% CI", "days of cover (expected)", "now", "target", "excess"):
        table.add_column(column, justify="left" if column == "node" else "right")
    for row in result["nodes"]:
        lo, hi = row["ci95"]
        table.add_row(row["node"], f"{row['stockout_probability']:.3f}", f"[{lo:.3f}, {hi:.3f}]",
                      _days(row["expected_days_of_cover"]), _days(row["current_days_of_cover"]),
                      _days(row["target_days_of_cover"]), "yes" if row["excess"] else "")
    console = _console()
    console.print(table)
    if result.get("bullwhip"):
        console.print("bullwhip (Var orders / Var demand) by echelon: "
                      + ", ".join(f"{k}: {v:.2f}" for k, v in result["bullwhip"].items()))
    if result.get("bullwhip_stage"):
        console.print("bullwhip per stage (Var orders / Var demand faced) by echelon: "
                      + ", ".join(f"{k}: {'-' if v is None else f'{v:.2f}'}" for k, v in result["bullwhip_stage"].items()))
    if result.get("plot"):
        console.print(f"picture: {result['plot']}")


def _days(value) -> str:
    return "" if value is None else f"{value:.1f}"


class ReportMethod(StrEnum):
    auto = "auto"
    exact = "exact"
    gnn = "gnn"


@app.command()
def report(
    file: FileArg,
    method: Annotated[ReportMethod, typer.Option("--method", help="exact: exact models; gnn: the GNN policy; "
                      "auto: exact when it fits the time budget, else gnn (the page says which and why).")
                      ] = ReportMethod.auto,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML page to write.")] = Path("report.html"),
    png: Annotated[Path | None, typer.Option("--png", help="Also write every figure as DIR/NAME.png.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated demand paths.")] = 0,
    paths: Annotated[int, typer.Option("--paths", min=20, max=1_000_000, help="Simulated demand paths.")] = 200,
    periods: Annotated[int, typer.Option("--periods", min=22, max=100_000, help="Simulated periods.")] = 120,
    time_budget: Annotated[float, typer.Option("--time-budget", min=0.001,
                                               help="auto: seconds the exact models may take.")] = 60.0,
    model: Annotated[Path, typer.Option("--model", help="GNN checkpoint (method gnn).")] = Path("models/gnn.pt"),
    contract: Annotated[list[str] | None, typer.Option("--contract", help="Contract to analyse (repeat); "
                                                       "default: designs derived from the prices.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """One self-contained HTML page: network, targets, costs, service, trajectories, transshipment, contracts."""
    from netinv.report.html import report_command

    result = report_command(file, method.value, output, png, seed=seed, paths=paths, periods=periods,
                            time_budget=time_budget, model=model, contracts=tuple(contract or ()))
    if as_json:
        _print_json(result)
        return
    typer.echo(f"wrote {result['out']} ({result['bytes'] / 1e6:.2f} MB); method {result['method']}: "
               f"{result['method_reason']}")
    for note in result["notes"]:
        typer.echo(f"note: {note}")
    if png is not None:
        typer.echo(f"figures in {png}: {', '.join(result['figures'])}")


dataset_app = typer.Typer(help="Exact-solution datasets for the GNN policy.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")


class Backend(StrEnum):
    local = "local"
    ray = "ray"


@dataset_app.command("generate")
def dataset_generate(
    networks: Annotated[int, typer.Option("--networks", min=1, max=1_000_000, help="Generated networks.")],
    out: Annotated[Path, typer.Option("--out", help="Dataset folder (shards + manifest.json).")],
    nodes: Annotated[str, typer.Option("--nodes", help="Node-count range of the networks, e.g. 5-30.")] = "5-30",
    seed: Annotated[int, typer.Option("--seed", min=0, help="Base seed (training data: >= 1000; held-out "
                                      "evaluation networks use seeds < 1000).")] = 1000,
    backend: Annotated[Backend, typer.Option("--backend", help="local processes or a Ray cluster.")] = Backend.local,
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster address [default: a local "
                                                "Ray runtime].")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Parallel workers.")] = None,
    periods: Annotated[int, typer.Option("--periods", min=2, help="Periods simulated per path.")] = 24,
    paths: Annotated[int, typer.Option("--paths", min=1, help="Demand paths per network.")] = 4,
    model: Annotated[Path | None, typer.Option("--model", help="DAgger: a learner checkpoint that drives the "
                                               "states (the teacher still labels them).")] = None,
    beta: Annotated[float, typer.Option("--beta", min=0.0, max=1.0, help="DAgger: probability of executing "
                                        "the teacher's orders instead of the learner's.")] = 0.0,
    round_: Annotated[int, typer.Option("--round", min=0, help="DAgger round recorded with the samples.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Label states with the exact stochastic rolling-horizon policy (the teacher), in resumable shards."""
    from netinv.learn.dataset import dataset_generate_command

    def run(progress=None):
        return dataset_generate_command(out, networks, nodes, seed, backend=backend.value, address=address,
                                        workers=workers, periods=periods, paths=paths, model=model, beta=beta,
                                        round=round_, progress=progress)

    if as_json:
        result = run()
    else:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("labelling shards", total=None)
            result = run(lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        _print_json(result)
    else:
        typer.echo(json.dumps(result, indent=2, default=_default))
    if result.get("interrupted"):
        typer.echo(f"interrupted: finished shards kept in {out}; run the same command again to resume", err=True)
        raise typer.Exit(130)


@app.command()
def train(
    dataset: Annotated[Path, typer.Option("--dataset", help="Dataset folder from `netinv dataset generate`.")],
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write, e.g. models/NAME.pt (card: NAME.json).")],
    epochs: Annotated[int, typer.Option("--epochs", min=1)] = 100,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 32,
    lr: Annotated[float, typer.Option("--lr", min=0.0)] = 1e-3,
    patience: Annotated[int, typer.Option("--patience", min=1, help="Early stopping: epochs without a lower "
                                          "validation loss.")] = 10,
    hidden: Annotated[int, typer.Option("--hidden", min=1)] = 64,
    layers: Annotated[int, typer.Option("--layers", min=1)] = 3,
    val_fraction: Annotated[float, typer.Option("--val-fraction", min=0.01, max=0.9)] = 0.2,
    restart: Annotated[bool, typer.Option("--restart", help="Ignore the finished epochs of an interrupted run.")
                       ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Train the GNN policy on a dataset; validation metrics per epoch, early stopping, a JSON model card."""
    from netinv.learn.dataset import read_manifest
    from netinv.learn.train import TrainConfig, train_folder

    read_manifest(dataset)  # a folder that is not a dataset: one line, before any progress bar
    config = TrainConfig(epochs=epochs, seed=seed, batch_size=batch_size, lr=lr, patience=patience, hidden=hidden,
                         layers=layers, val_fraction=val_fraction)
    if as_json:
        result = train_folder(dataset, out, config, resume=not restart)
        _print_json(result)
        return
    from rich.progress import Progress

    console = _console()
    with Progress(console=console) as bar:
        task = bar.add_task("training", total=epochs)

        def progress(m, total):
            bar.update(task, completed=m.epoch, total=total)
            console.print(f"epoch {m.epoch:3d}  train {m.train_loss:.4f}  val {m.val_loss:.4f}  "
                          f"MAE/mean {m.val_relative_mae:.3f}  R2 {m.val_r2:.3f}  best {m.best_epoch}")

        result = train_folder(dataset, out, config, progress=progress, resume=not restart)
    best = result["best"]
    console.print(f"saved {result['checkpoint']} (card {result['card']}): best epoch {result['best_epoch']} of "
                  f"{result['epochs_run']} ({result['stopped']}), validation MAE / mean order "
                  f"{best['val_relative_mae']:.3f} (mean predictor {result['baseline']['val_relative_mae']:.3f}), "
                  f"R2 {best['val_r2']:.3f}")


FINETUNE_SETTINGS = ("steps", "seed", "lr", "final-lr-fraction", "grad-clip", "periods", "small-per-step", "small-nodes",
                     "small-paths", "large-per-step", "large-nodes", "large-paths", "large-kinds", "network-seed",
                     "validation-networks", "validation-large", "validation-paths", "validation-seed", "eval-every",
                     "save-every", "truncate", "parent-weight", "holding-log10", "shortage-log10", "threads",
                     "perez-like-per-step", "perez-like-paths", "validation-perez-like", "perez-like-weight", "loss",
                     "relative-floor", "priority", "workers")


def _stepped(run, label: str, steps: int, as_json: bool):
    """``run(progress)`` of a stepped job (fine-tuning, adaptation): with ``as_json`` its result is printed
    as JSON (without the history) and None returned; else a progress bar and the validations as they come,
    and the result returned."""
    if as_json:
        _print_json({k: v for k, v in run(None).items() if k != "history"})
        return None
    from rich.progress import Progress

    console = _console()
    with Progress(console=console) as bar:
        task = bar.add_task(label, total=steps)

        def progress(m, total):
            bar.update(task, completed=m.step, total=total)
            if m.validation is not None:
                console.print(f"step {m.step:4d}  loss {m.loss:.4f}  validation {m.validation:.4f}")

        return run(progress)


def _settings(args: list[str], command: str = "finetune", known: tuple[str, ...] = FINETUNE_SETTINGS) -> dict[str, str]:
    """``--name=value`` or ``--name value`` pairs of the arguments typer left over."""
    from netinv.errors import InputError

    out, k = {}, 0
    while k < len(args):
        arg = args[k]
        if not arg.startswith("--") or len(arg) < 3:
            raise InputError(f"{command}: unexpected argument {arg!r} (settings are --name=value)")
        name, eq, value = arg[2:].partition("=")
        if not eq:
            if k + 1 >= len(args):
                raise InputError(f"{command}: --{name} needs a value")
            k, value = k + 1, args[k + 1]
        if name not in known:
            raise InputError(f"{command}: unknown setting --{name}; known: {', '.join(known)}")
        out[name] = value
        k += 1
    return out


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def finetune(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write, e.g. models/NAME.pt (card: NAME.json).")],
    model: Annotated[Path, typer.Option("--model", help="Parent checkpoint (imitation-trained).")] = DEFAULT_MODEL.with_name("gnn-imitation.pt"),
    no_resume: Annotated[bool, typer.Option("--no-resume", help="Ignore the steps of an interrupted run.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fine-tune a GNN policy through the differentiable simulator (hindsight differentiable policy
    optimization): rollouts on generated networks, loss = minus the normalized profit, best validation kept.

    Settings as --name=value (defaults: netinv.learn.finetune.FinetuneConfig; ranges and lists comma-separated; '=' is needed when a value starts with '-'): steps, seed, lr, final-lr-fraction, grad-clip, periods, small-per-step, small-nodes, small-paths, large-per-step, large-nodes, large-paths, large-kinds, network-seed, validation-networks, validation-large, validation-paths, validation-seed, eval-every, save-every, truncate, parent-weight, holding-log10, shortage-log10, threads, perez-like-per-step, perez-like-paths, validation-perez-like, perez-like-weight, loss, relative-floor, priority, workers.

    Ctrl-C / SIGTERM keeps the finished steps; the same command resumes.
    """
    from netinv.errors import InputError

    settings = _settings(list(ctx.args))
    if not model.is_file():
        raise InputError(f"{model}: no such checkpoint")
    from netinv.learn.finetune import finetune as run_finetune
    from netinv.learn.finetune import parse_config

    config = parse_config(settings)
    result = _stepped(lambda progress: run_finetune(model, out, config, resume=not no_resume, progress=progress),
                      "fine-tuning", config.steps, as_json)
    if result is None:
        return
    console = _console()
    console.print(f"saved {result['checkpoint']} (card {result['card']}): best step {result['best_step']}, "
                  f"validation {result['validation']}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def adapt(
    ctx: typer.Context,
    network: Annotated[Path, typer.Argument(help="Scenario file of the network to adapt the policy to.")],
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write, e.g. models/NAME.pt (card: NAME.json).")],
    model: Annotated[Path, typer.Option("--model", help="Checkpoint to start from.")] = DEFAULT_MODEL,
    no_resume: Annotated[bool, typer.Option("--no-resume", help="Ignore the steps of an interrupted run.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Adapt a GNN policy to one network: fine-tune a copy through the differentiable simulator on
    demand paths drawn from the network's own demand model (never the paths it is judged on), keeping
    the weights that score best on a fixed validation sample; run it with
    `netinv simulate FILE --policy gnn --model OUT`.

    Settings as --name=value (defaults: netinv.learn.adapt.AdaptConfig): steps, seed, lr, final-lr-fraction, grad-clip, periods, paths, validation-paths, eval-every, save-every, relative-floor, threads.

    Ctrl-C / SIGTERM keeps the finished steps; the same command resumes.
    """
    from netinv.learn.adapt import SETTINGS, adapt_file, parse_config

    settings = _settings(list(ctx.args), "adapt", tuple(n.replace("_", "-") for n in SETTINGS))
    config = parse_config(settings)
    from netinv.errors import InputError
    from netinv.network import load

    if not model.is_file():
        raise InputError(f"{model}: no such checkpoint")
    load(network)  # a bad scenario is reported before anything starts
    result = _stepped(lambda progress: adapt_file(model, network, out, config, resume=not no_resume,
                                                  progress=progress), "adapting", config.steps, as_json)
    if result is None:
        return
    console = _console()
    v = result["validation"]
    console.print(f"saved {result['checkpoint']} (card {result['card']}): best step {result['best_step']}, "
                  f"validation profit per path {v['parent']:.6g} -> {v['best']:.6g} ({result['seconds']:.0f} s)")


@app.command()
def evaluate(
    model: Annotated[Path, typer.Option("--model", help="GNN checkpoint [default: models/gnn.pt].")] = DEFAULT_MODEL,
    out: Annotated[Path, typer.Option("--out", help="Folder for results.json (resumable), the tables and the "
                                      "plot.")] = Path("out/evaluate"),
    suite: Annotated[list[str] | None, typer.Option("--suite", help="held-out, perez or scale (repeat) "
                                                    "[default: all].")] = None,
    held_out: Annotated[int, typer.Option("--held-out", min=1, max=1000, help="Held-out networks.")] = 12,
    sizes: Annotated[str, typer.Option("--sizes", help="Scale suite network sizes, comma-separated.")
                     ] = "100,1000,10000,100000",
    paths: Annotated[int, typer.Option("--paths", min=1, help="Demand paths per held-out network.")] = 10,
    periods: Annotated[int, typer.Option("--periods", min=2, help="Horizon of the held-out networks.")] = 30,
    nodes: Annotated[str, typer.Option("--nodes", help="Node-count range of the held-out networks.")] = "5-30",
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    adapt_steps: Annotated[int, typer.Option("--adapt-steps", min=0, help="Also run the GNN adapted to each "
                                             "held-out network and the 9-node one with this many steps "
                                             "(netinv adapt) [default: 0, not run].")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Judge a GNN policy on paired demand paths: held-out networks (vs teacher and oracle), the published
    9-node network, and networks of 100 to 100,000 nodes (time and profit vs tuned base-stock)."""
    from netinv.errors import InputError
    from netinv.learn.evaluate import SUITES, EvaluateConfig, plot, tables
    from netinv.learn.evaluate import evaluate as run

    try:
        size_list = tuple(int(x) for x in sizes.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--sizes: expected comma-separated node counts, got {sizes!r}") from None
    if not Path(model).is_file():
        raise InputError(f"{model}: GNN model not found (train one with `netinv train`, or pass --model)")
    from netinv.learn.dataset import parse_nodes

    config = EvaluateConfig(suites=tuple(suite or SUITES), held_out=held_out, paths=paths, periods=periods,
                            nodes=parse_nodes(nodes), sizes=size_list, seed=seed, adapt_steps=adapt_steps)
    console = _console()

    def progress(name, done, total, message):
        if not as_json:
            console.print(f"[{name} {done}/{total}] {message}")

    result = run(model, out, config, progress=progress)
    text = tables(result)
    from netinv.fileio import atomic_write_text

    atomic_write_text(Path(out) / "tables.md", text + "\n")
    picture = plot(result, Path(out) / "evaluation.png")
    if as_json:
        _print_json(result.to_dict())
    else:
        console.print(text)
        console.print(f"tables in {Path(out) / 'tables.md'}, plot in {picture}")


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
        str, typer.Option("--levels", help="Base-stock policies: LEVELS.json (node -> level) or 'auto'.")
    ] = "auto",
    periods: Annotated[
        int | None, typer.Option("--periods", min=1, max=10_000_000,
                                 help="Periods per path [default: 200; the file's length with --demand-paths].")
    ] = None,
    paths: Annotated[int, typer.Option("--paths", min=1, max=10_000_000, help="Demand paths.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the demand paths.")] = 0,
    warmup: Annotated[
        int | None, typer.Option("--warmup", min=0, help="Periods left out of the KPIs [default: 20; 0 for "
                                 "oracle / mpc policies and with --demand-paths].")
    ] = None,
    demand_paths: Annotated[
        Path | None, typer.Option("--demand-paths", help="PATHS.csv of explicit demand paths (path,t0,t1,...).")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option("--horizon", min=1, help="mpc policies: rolling window of H periods.")
    ] = None,
    shrinking: Annotated[
        bool, typer.Option("--shrinking", help="mpc policies: plan to the end of the evaluation (the default "
                           "without --horizon).")
    ] = False,
    scenarios: Annotated[
        int, typer.Option("--scenarios", min=1, max=100_000, help="mpc-stochastic: demand scenarios K per solve.")
    ] = 20,
    sampling: Annotated[
        Sampling | None, typer.Option("--sampling", help="mpc-stochastic: Latin hypercube (lhs) or independent (random) "
                               "scenario draws.")
    ] = None,
    per: Annotated[
        Per | None, typer.Option("--per", help="Report costs per period or as totals over the horizon per path "
                                 "[default: horizon for oracle / mpc policies and with --demand-paths, period otherwise].")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.0, help="HiGHS seconds per solve (oracle / mpc).")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="--policy gnn: the checkpoint [default: models/gnn.pt, the "
                                  "shipped model].")
    ] = None,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Folder keeping finished blocks of paths: an interrupted run "
                                  "(Ctrl-C, SIGTERM) resumes from it when the same command is run again.")
    ] = None,
    as_json: JsonOpt = False,
    no_timings: NoTimingsOpt = False,
) -> None:
    """Simulate a policy on demand paths and report profit or cost, service and bullwhip.

    All policies see the same demand paths for the same seed (or file), so their results are paired.
    """
    import numpy as np

    from netinv.errors import InputError
    from netinv.network import load
    from netinv.network.compile import compile_network
    from netinv.sim import SimConfig
    from netinv.sim import simulate as run

    graph = load(file)
    arrays = compile_network(graph)
    planning = policy in PLANNING_POLICIES
    demand = None
    if demand_paths is not None:
        from netinv.demand.paths import read_demand_paths

        loaded = read_demand_paths(demand_paths, arrays.node_ids[arrays.demand_slice])
        if periods is not None and periods > loaded.shape[1]:
            raise InputError(f"{demand_paths}: has {loaded.shape[1]} periods, --periods asks for {periods}")
        periods = periods or loaded.shape[1]
        demand = loaded[:, :periods, :]
        paths = demand.shape[0]
    periods = periods or (30 if planning else 200)
    # explicit paths are a finite horizon every policy is judged on alike (the published ones are)
    finite = planning or demand is not None
    warmup = (0 if finite else 20) if warmup is None else warmup
    per = per or (Per.horizon if finite else Per.period)
    if planning and demand is None:
        from netinv.demand.distributions import DemandSampler

        # drawn up front so that every policy (and the oracle) sees the same paths for the same seed
        demand = np.transpose(DemandSampler(arrays.demand_specs, seed=seed).draw(0, periods, paths), (2, 0, 1))
    config = SimConfig(periods=periods, paths=paths, seed=seed, warmup=min(warmup, periods - 1),
                       block_paths=1 if planning else 1024)
    out_extra: dict = {}
    method = None
    chosen_levels: dict = {}
    if planning:
        from netinv.exact.limits import check_exact_size

        if policy == PolicyName.oracle:
            check_exact_size(arrays, "plan", horizon=periods, paths=demand.shape[0], alternative="--policy gnn")
        else:
            check_exact_size(arrays, "mpc", horizon=horizon or periods,
                             scenarios=scenarios if policy == PolicyName.mpc_stochastic else 1, periods=periods,
                             paths=demand.shape[0], shrinking=shrinking or not horizon, alternative="--policy gnn")
        chosen = _planning_policy(arrays, policy, demand, periods, horizon, shrinking, scenarios, seed, time_limit,
                                  sampling != Sampling.random, file=file)
        rolling = horizon if horizon and not shrinking else "shrinking"
        out_extra["policy_config"] = {
            "horizon": periods if policy == PolicyName.oracle else rolling,
            "scenarios": scenarios if policy == PolicyName.mpc_stochastic else 1,
        }
    elif policy == PolicyName.gnn:
        chosen = _gnn_policy(model or DEFAULT_MODEL)
        out_extra["model"] = str(model or DEFAULT_MODEL)
        _warn_if_adapted_elsewhere(model or DEFAULT_MODEL, file)
    else:
        from netinv.policies import EchelonBaseStock, InstallationBaseStock
        from netinv.policies.levels import best_levels

        if levels == "auto":
            found = best_levels(graph, "auto", seed=seed + 1)
            chosen, method = found.policy(), found.method
        else:
            values = _read_levels(Path(levels), graph)
            chosen = (EchelonBaseStock(values) if policy == PolicyName.echelon_base_stock
                      else InstallationBaseStock(values))
        chosen_levels = chosen.levels
    sim_demand = None if demand is None else np.transpose(demand, (1, 2, 0))  # (T, D, B)
    store = None
    if checkpoint is not None:
        from netinv.sim.checkpoint import BlockStore

        store = BlockStore(checkpoint, _run_identity(file, demand_paths, policy=str(policy), levels=chosen_levels,
                                                     config=out_extra, periods=periods, paths=paths, seed=seed,
                                                     warmup=config.warmup, block_paths=config.block_paths,
                                                     sampling=str(sampling), time_limit=time_limit))
    result = _run_with_progress(run, arrays, chosen, config, quiet=as_json, demand=sim_demand,
                                force=planning, checkpoint=store)
    out = result.to_dict(per=str(per))
    out.update(out_extra)
    if chosen_levels:
        out["levels"] = chosen_levels
    if method:
        out["levels_method"] = method
    if hasattr(chosen, "solves"):
        out["solver"] = {"solves": chosen.solves, "handoff_seconds": chosen.handoff_seconds,
                         "solve_seconds": chosen.solve_seconds}
    if as_json:
        _print_json(out, timings=not no_timings)
    else:
        _print_result(result, chosen_levels, method, per=str(per))
    if result.interrupted:
        if store is not None:
            typer.echo(f"interrupted: {store.count()} finished block(s) kept in {checkpoint}; run the same command "
                       "again to resume", err=True)
        raise typer.Exit(130)


def _planning_policy(arrays, policy, demand, periods, horizon, shrinking, scenarios, seed, time_limit, stratified,
                     file=None):
    import numpy as np

    from netinv.exact.highs import SolverOptions
    from netinv.policies.rolling import PlannedOrders, RollingHorizon, RollingHorizonConfig

    solver = SolverOptions(time_limit=time_limit)
    if policy == PolicyName.oracle:
        from netinv.exact.fastlp import PlanningLP

        lp = PlanningLP(arrays, periods, solver=solver)
        plans = np.stack([lp.solve(d).decisions["orders"][0] for d in demand])
        return PlannedOrders(plans, name="oracle")
    config = RollingHorizonConfig(
        stochastic=policy == PolicyName.mpc_stochastic,
        horizon=None if shrinking else horizon,
        periods=periods,
        scenarios=scenarios,
        seed=seed,
        stratified=stratified,
        solver=solver,
    )
    forecast = None
    if file is not None:  # a scenario with demand history plans on its forecast (None without history)
        from netinv.history.forecast import scenario_forecast

        forecast = scenario_forecast(file, periods)
    return RollingHorizon(config, forecast=forecast)


def _gnn_policy(path: Path):
    """The GNN policy of the checkpoint at ``path`` (torch is imported here, not before)."""
    from netinv.errors import InputError

    if not Path(path).is_file():
        raise InputError(f"{path}: GNN model not found (train one with `netinv train`, or pass --model)")
    from netinv.learn.checkpoint import load_model
    from netinv.learn.policy import GNNPolicy

    return GNNPolicy(load_model(path))


def _warn_if_adapted_elsewhere(model: Path, file: Path) -> None:
    """One line on stderr when ``model`` was adapted (``netinv adapt``) to a network other than ``file``:
    it runs, but its adaptation was for the other network."""
    import hashlib

    from netinv.learn.checkpoint import card_path

    try:
        network = json.loads(card_path(model).read_text(encoding="utf-8"))["data"]["network"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # no card, or a model not adapted to one network
    if network.get("sha256") != hashlib.sha256(Path(file).read_bytes()).hexdigest():
        print(f"warning: {model} was adapted to {network.get('file')}, not to {file}; it runs as a general "
              "policy there (netinv adapt FILE adapts one to this network)", file=sys.stderr)


def _run_identity(file: Path, demand_paths: Path | None, **options) -> dict:
    """What makes two simulate runs the same run: the files' contents and every option."""
    import hashlib

    from netinv import __version__

    digest = {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in (file, demand_paths) if p is not None}
    return {"netinv": __version__, "files": digest, **options}


def _run_with_progress(run, arrays, policy, config, *, quiet: bool, demand=None, force: bool = False,
                       checkpoint=None):
    if quiet or (not force and config.periods * config.paths * arrays.num_nodes < 50_000_000):
        return run(arrays, policy, config, demand=demand, checkpoint=checkpoint)
    from rich.progress import Progress

    with Progress(transient=True) as bar:  # with several blocks of paths, progress counts finished blocks
        task = bar.add_task(f"simulating {policy.name}", total=config.periods)
        return run(arrays, policy, config, demand=demand, checkpoint=checkpoint,
                   progress=lambda done, total: bar.update(task, completed=done))


def _print_result(result, levels, method, per: str = "period") -> None:
    from rich.table import Table

    console = _console()
    title = f"{result.policy}: {result.paths} paths x {result.periods} periods (warm-up {result.warmup})"
    if result.interrupted:
        title += " - interrupted: finished paths only"
    table = Table(title=title)
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
    scale = (result.periods - result.warmup) if per == "horizon" else 1
    costs = Table(title="total per path over the horizon" if per == "horizon" else "cost per period", show_header=True)
    costs.add_column("component")
    costs.add_column("mean", justify="right")
    costs.add_column("95% CI", justify="right")
    for name, value in result.cost_breakdown.items():
        costs.add_row(name, f"{scale * value['mean']:.3f}",
                      f"[{scale * value['ci95'][0]:.3f}, {scale * value['ci95'][1]:.3f}]")
    costs.add_row("total cost", f"{scale * result.mean_cost:.3f}",
                  f"[{scale * result.ci95[0]:.3f}, {scale * result.ci95[1]:.3f}]")
    if result.mean_revenue:
        costs.add_row("revenue", f"{scale * result.mean_revenue:.3f}", "")
        costs.add_row("profit", f"{scale * result.mean_profit:.3f}",
                      f"[{scale * result.profit_ci95[0]:.3f}, {scale * result.profit_ci95[1]:.3f}]")
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
    large: Annotated[int, typer.Option("--large", min=0, max=1_000_000, help="Then run the shipped GNN policy on "
                                       "a generated network of this many nodes (0: skip).")] = 10_000,
    model: Annotated[Path, typer.Option("--model", help="GNN checkpoint of the large-network step.")] = DEFAULT_MODEL,
) -> None:
    """End to end on one scenario: validate, optimize base-stock levels, simulate, print the table (CSL: cycle
    service level); then the GNN policy on a large generated network, beside tuned base-stock."""
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
    if large:
        _demo_large(console, large, model, seed)


def _demo_large(console, nodes: int, model: Path, seed: int) -> None:
    """The GNN on a generated distribution network of ``nodes`` nodes vs tuned base-stock, same paths."""
    import time

    from netinv.network.compile import compile_network
    from netinv.network.generators import generate
    from netinv.policies.levels import search_levels
    from netinv.sim import SimConfig
    from netinv.sim import simulate as run

    if not Path(model).is_file():
        console.print(f"large-network step skipped: no GNN model at {model} (train one with `netinv train`)")
        return
    console.print(f"\n[bold]large network[/bold]: generating a {nodes:,}-node distribution network ...")
    arrays = compile_network(generate("distribution", nodes, seed + 7))
    config = SimConfig(periods=30, paths=4, seed=seed, warmup=0, block_paths=4)
    started = time.perf_counter()
    gnn = run(arrays, _gnn_policy(model), config)
    gnn_seconds = time.perf_counter() - started
    console.print("tuning base-stock levels (one safety factor per echelon, simulation search) ...")
    levels = search_levels(arrays, seed=seed + 1, paths=8, periods=40, warmup=10, sweeps=2, groups="echelon")
    base = run(arrays, levels.policy(), config)
    console.print(f"GNN policy ({model.name}): {gnn_seconds / config.periods * 1e3:.0f} ms per period for "
                  f"{config.paths} paths (features, forward pass, feasibility, simulation)")
    console.print(f"30-period profit per path: GNN {gnn.mean_profit * 30:,.0f}, tuned base-stock "
                  f"{base.mean_profit * 30:,.0f} (the same {config.paths} demand paths)")


def main() -> None:
    """Console entry point: netinv's own errors become one line and an exit code, never a traceback."""
    import signal

    from netinv.errors import NetinvError

    def terminate(signum, frame):  # SIGTERM stops like Ctrl-C: finished work is kept, files stay whole
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
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

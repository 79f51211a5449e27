"""``netinv contracts | transship | data | risk | report``: analyses of a network for a planner."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import (
    MAX_HORIZON,
    MAX_LP_SAMPLES,
    MAX_PATHS,
    MAX_SAMPLES,
    MAX_SCENARIOS,
    MAX_SECONDS,
    FileArg,
    JsonOpt,
    ThreadsOpt,
    TransshipmentOpt,
    float_option,
    int_option,
    money_option,
    new_console,
    print_json,
    seconds_option,
    seed_option,
)


class TransshipMethod(StrEnum):
    decomposition = "decomposition"
    extensive = "extensive"


contracts_app = typer.Typer(help="Supply contracts on a supplier-retailer pair or across a network (Cachon 2003).",
                            no_args_is_help=True)

DemandOpt = Annotated[str, typer.Option("--demand", help="normal:MEAN,STD (untruncated) | normal-censored:MEAN,STD | "
                                        "poisson:MEAN | uniform:LOW,HIGH | gamma:MEAN,STD | empirical:FILE.csv")]
PriceOpt = Annotated[float, money_option("--price", help="Retail price [p].")]
CostOpt = Annotated[float, money_option("--cost", help="Supplier's production cost per unit [c_s].")]
RetailerCostOpt = Annotated[float, money_option("--retailer-cost", help="Retailer's own cost per unit [c_r].")]
SalvageOpt = Annotated[float, money_option("--salvage", help="Salvage value per leftover unit [v].")]
GoodwillROpt = Annotated[float, money_option("--goodwill-retailer", help="Retailer's goodwill cost per lost sale [g_r].")]
GoodwillSOpt = Annotated[float, money_option("--goodwill-supplier", help="Supplier's goodwill cost per lost sale [g_s].")]


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
    monte_carlo: Annotated[int, int_option("--monte-carlo", low=0, high=MAX_SAMPLES, help="Verification: N simulated seasons "
                                             "beside every number (estimate and standard error).")] = 0,
    seed: Annotated[int, seed_option("Seed of the Monte Carlo check.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """What the retailer orders under one contract, what each side earns, and the channel's efficiency."""
    from netinv.contracts.cli import evaluate_command, format_table, market_from_options

    market = market_from_options(demand, price, cost, retailer_cost=retailer_cost, salvage=salvage,
                                 goodwill_retailer=goodwill_retailer, goodwill_supplier=goodwill_supplier)
    result = evaluate_command(market, contract, monte_carlo=monte_carlo, seed=seed)
    if as_json:
        print_json(result)
    else:
        typer.echo(format_table(result))


@contracts_app.command("compare")
def contracts_compare(
    contract: Annotated[list[str], typer.Option("--contract", help="A contract string; repeat to compare several.")],
    demand: Annotated[str | None, typer.Option("--demand", help="Demand string (see 'evaluate'); not with --network.")] = None,
    price: Annotated[float | None, money_option("--price", help="Retail price [p].")] = None,
    cost: Annotated[float | None, money_option("--cost", help="Supplier's production cost [c_s].")] = None,
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
    from netinv.contracts.cli import (
        compare_command,
        format_network,
        format_table,
        market_from_options,
        network_command,
    )
    from netinv.errors import InputError

    if network is not None:
        results = {text: network_command(network, text) for text in contract}
        if as_json:
            print_json(results)
        else:
            typer.echo(format_network(results))
        return
    if demand is None or price is None or cost is None:
        raise InputError("contracts compare: give --demand, --price and --cost (or --network FILE)")
    market = market_from_options(demand, price, cost, retailer_cost=retailer_cost, salvage=salvage,
                                 goodwill_retailer=goodwill_retailer, goodwill_supplier=goodwill_supplier)
    result = compare_command(market, contract, plot=plot)
    if as_json:
        print_json(result)
    else:
        typer.echo(format_table(result))
        if plot is not None:
            typer.echo(f"picture: {plot}")


def transship(
    file: FileArg,
    samples: Annotated[int, int_option("--samples", low=100, high=MAX_LP_SAMPLES, help="Demand samples of the LP.")] = 10_000,
    seed: Annotated[int, seed_option("Seed of the samples (the out-of-sample check uses another).")] = 0,
    plot: Annotated[Path | None, typer.Option("--plot", help="Picture: levels, edges weighted by flow (PNG).")] = None,
    method: Annotated[TransshipMethod, typer.Option("--method", help="decomposition: exact level-bundle method with "
                      "a warm-started recourse oracle (fast); extensive: the whole sample-average LP at once.")
                      ] = TransshipMethod.decomposition,
    simulate: Annotated[bool, typer.Option("--simulate", help="Also the value of transshipment from simulation "
                                           "with optimized base-stock levels.")] = False,
    periods: Annotated[int, int_option("--periods", low=1, high=MAX_HORIZON,
                                       help="Periods per simulated path (--simulate).")] = 200,
    paths: Annotated[int, int_option("--paths", low=1, high=MAX_PATHS, help="Simulated demand paths (--simulate).")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Stocking levels with lateral transshipment between the demand nodes (two-stage sample-average LP),
    the transshipped quantities, and the value of transshipment (independent / as given / full pooling)."""
    from netinv.transship.cli import transship_command

    def progress(line: str) -> None:
        typer.echo(f"transship --simulate: {line}", err=True)

    result = transship_command(file, samples=samples, seed=seed, plot=plot, method=str(method), simulate=simulate,
                               periods=periods, paths=paths, progress=progress)
    if as_json:
        print_json(result)
        return
    print_transship(result, samples=samples)


def print_transship(result: dict, *, samples: int) -> None:
    """The text answer of ``netinv transship``: the single-period sample-average model, then (with
    ``--simulate``) the multi-period simulation, each number labelled with what it is."""
    from netinv.display import format_number as num

    console = new_console()
    console.print(f"Single-period model (sample-average LP over {samples:,} demand samples; the demand locations "
                  "only, one period, expected cost per period):")
    console.print(f"  expected cost with transshipment {num(result['expected_cost'])} (+/- {num(result['stderr'])}), "
                  f"out of sample {num(result['out_of_sample_cost'])}")
    console.print("  levels: " + ", ".join(f"{k} {num(v)}" for k, v in result["levels"].items()))
    console.print("  transshipped per period: " + (", ".join(f"{k} {num(v)}" for k, v in result["transshipped"].items())
                                                   or "none"))
    value, saving = result["value"], result["single_period_saving"]
    console.print(f"  expected cost: independent {num(value['independent'])}; with transshipment "
                  f"{num(value['with_transshipment'])} (single-period saving {num(saving['with_transshipment']['per_period'])},"
                  f" {saving['with_transshipment']['percent']:.1f}%); full pooling {num(value['full_pooling'])} "
                  f"(single-period saving {num(saving['full_pooling']['per_period'])}, "
                  f"{saving['full_pooling']['percent']:.1f}%)")
    simulated = result.get("simulated_value")
    if not simulated:
        return
    search = simulated["search"]
    console.print(f"Multi-period simulation ({search['periods']} periods x {search['paths']} paths, warm-up "
                  f"{search['warmup']}; the whole network's cost per period, base-stock levels optimized in the "
                  "simulator, cost-aware transshipment rule):")
    console.print(f"  independent: {num(simulated['independent']['cost'])} +/- {num(simulated['independent']['stderr'])}")
    for setting in ("with_transshipment", "full_pooling"):
        row, paired = simulated[setting], simulated["saving"][setting]
        low, high = paired["ci95"]
        console.print(f"  {setting.replace('_', ' ')}: {num(row['cost'])} +/- {num(row['stderr'])}; simulated saving "
                      f"per period {num(paired['per_period'])} (95% CI {num(low)} to {num(high)}, paired on the same "
                      f"demand paths), {paired['percent']:.2f}% of the network's cost")


data_app = typer.Typer(help="Demand history: data-quality checks and the demand model of history nodes.",
                       no_args_is_help=True)


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
        print_json(result)
        return
    for report in result["files"]:
        typer.echo(f"{report.get('file', file)}: {'ok' if report['ok'] else 'findings'}")
        for finding in report.get("findings", []):
            dates = finding.get("dates") or []
            span = dates[0] if len(dates) == 1 else f"{dates[0]}..{dates[-1]} ({len(dates)} dates)" if dates else ""
            typer.echo(f"  {finding.get('kind', '')} at {finding.get('node', '')} {span}: {finding.get('message', '')}")
        for step in report.get("cleaning", []):
            typer.echo(f"  cleaning: {step}")


@data_app.command("forecast")
def data_forecast(
    file: FileArg,
    periods: Annotated[int, int_option("--periods", low=1, high=10_000, help="Periods forecast.")] = 13,
    as_json: JsonOpt = False,
) -> None:
    """The demand model of every history node, the one every command uses: the forecast chosen by a
    backtest on held-out periods (each candidate's error), and the distribution centred on it."""
    from netinv.history.cli import forecast_command

    result = forecast_command(file, periods)
    if as_json:
        print_json(result)
        return
    for row in result["nodes"]:
        days = row["period_days"]
        typer.echo(f"{row['node']}: {row['periods']} periods of {days} day{'s' * (days != 1)} "
                   f"({row['history_start']}..{row['history_end']}, {row['missing_periods']} missing)")
        if not row["backtest_mae"]:
            typer.echo("  forecast: mean (the history is too short to hold periods out for a backtest)")
        else:
            typer.echo(f"  forecast: {row['forecast_method']}, chosen by {row['error_measure']}:")
        for name, mae in sorted(row["backtest_mae"].items(), key=lambda kv: kv[1]):
            typer.echo(f"    {name:28} MAE {mae:10.2f}" + (" <- chosen" if name == row["forecast_method"] else ""))
        typer.echo("  next periods: " + ", ".join(f"{v:.1f}" for v in row["forecast"]))
        spec = row["distribution"]
        typer.echo(f"  distribution per period: {spec['distribution']} (shape {row['family']}), mean {row['level']:.2f} "
                   f"= the forecast's mean over the next {row['centred_over_periods']} periods, std {row['spread']:.2f}"
                   f" (held-out errors and the forecast's own variation); history mean {row['history_mean']:.2f}, "
                   f"last 13 periods {row['recent_mean']:.2f}")


def risk(
    file: FileArg,
    policy: Annotated[str, typer.Option("--policy", help="Policy simulated from the current state.")] = "base-stock",
    horizon: Annotated[int, int_option("--horizon", low=1, high=10_000, help="Periods ahead.")] = 12,
    paths: Annotated[int, int_option("--paths", low=100, high=MAX_PATHS, help="Simulated demand paths.")] = 2000,
    seed: Annotated[int, seed_option("Seed of the paths.")] = 0,
    period_days: Annotated[int | None, int_option("--period-days", low=1, high=3660, help="Days per period (days of cover) "
                                                    "[default: the scenario's period_days, else 1].")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Heat map nodes x periods (PNG).")] = None,
    scenarios: Annotated[int, int_option("--scenarios", low=1, high=MAX_SCENARIOS,
                                         help="mpc-stochastic: scenarios K per solve.")] = 20,
    planning_horizon: Annotated[int | None, int_option("--planning-horizon", low=1, high=MAX_HORIZON, help="mpc policies: rolling "
                                                         "window [default: shrinking to --horizon].")] = None,
    time_limit: Annotated[float | None, seconds_option("--time-limit", help="HiGHS seconds per solve (mpc).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stockout-risk warnings: per node the probability of a stockout within the horizon, expected days
    of cover and excess-stock flags, highest risk first; bullwhip per echelon."""
    from netinv.history.cli import risk_command

    result = risk_command(file, policy=policy, horizon=horizon, paths=paths, seed=seed, period_days=period_days,
                          plot=plot, scenarios=scenarios, planning_horizon=planning_horizon, time_limit=time_limit)
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    days = result["period_days"]
    table = Table(title=f"stockout risk within {result['horizon']} periods of {days} day{'s' * (days != 1)} "
                        f"({result['horizon'] * days} days) under {result['policy']} ({result['paths']} paths), "
                        "highest first")
    for column in ("node", "P(stockout)", "95% CI", "days of cover (expected)", "days now", "days target", "excess"):
        table.add_column(column, justify="left" if column == "node" else "right")
    for row in result["nodes"]:
        lo, hi = row["ci95"]
        table.add_row(row["node"], f"{row['stockout_probability']:.3f}", f"[{lo:.3f}, {hi:.3f}]",
                      _days(row["expected_days_of_cover"]), _days(row["current_days_of_cover"]),
                      _days(row["target_days_of_cover"]), "yes" if row["excess"] else "")
    console = new_console()
    console.print(table)
    console.print(f"period: {days} day{'s' * (days != 1)} ({result['period_source']}); days of cover = units on "
                  "hand / mean demand served per period x days per period")
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


def report(
    file: FileArg,
    method: Annotated[ReportMethod, typer.Option("--method", help="exact: exact models; gnn: the GNN policy; "
                      "auto: exact when it fits the time budget, else gnn (the page says which and why).")
                      ] = ReportMethod.auto,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML page to write.")] = Path("report.html"),
    png: Annotated[Path | None, typer.Option("--png", help="Also write every figure as DIR/NAME.png.")] = None,
    seed: Annotated[int, seed_option("Seed of the simulated demand paths.")] = 0,
    paths: Annotated[int, int_option("--paths", low=20, high=1_000_000, help="Simulated demand paths.")] = 200,
    periods: Annotated[int, int_option("--periods", low=22, high=MAX_HORIZON, help="Simulated periods.")] = 120,
    time_budget: Annotated[float, float_option("--time-budget", low=0.001, high=MAX_SECONDS,
                                               help="auto: seconds the exact models may take.")] = 60.0,
    model: Annotated[Path, typer.Option("--model", help="GNN checkpoint (method gnn).")] = Path("models/gnn.pt"),
    contract: Annotated[list[str] | None, typer.Option("--contract", help="Contract to analyse (repeat); "
                                                       "default: designs derived from the prices.")] = None,
    transshipment: TransshipmentOpt = None,
    threads: ThreadsOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """One self-contained HTML page: network, targets, costs, service, trajectories, transshipment, contracts."""
    from netinv.fileio import check_writable
    from netinv.report.html import report_command

    if png is not None:
        check_writable(png, folder=True)
    result = report_command(file, method.value, output, png, seed=seed, paths=paths, periods=periods,
                            time_budget=time_budget, model=model, contracts=tuple(contract or ()),
                            transshipment=None if transshipment is None else transshipment.value,
                            threads=threads)
    if as_json:
        print_json(result)
        return
    typer.echo(f"wrote {result['out']} ({result['bytes'] / 1e6:.2f} MB); method {result['method']}: "
               f"{result['method_reason']}")
    for note in result["notes"]:
        typer.echo(f"note: {note}")
    if png is not None:
        typer.echo(f"figures in {png}: {', '.join(result['figures'])}")



"""``netinv simulate``: a policy on demand paths (the choices are those of :mod:`netinv.sim.run`); its table."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import (
    DEFAULT_MODEL,
    MAX_HORIZON,
    MAX_PATHS,
    MAX_PERIODS,
    MAX_SCENARIOS,
    FileArg,
    JsonOpt,
    NoTimingsOpt,
    ThreadsOpt,
    TransshipmentOpt,
    int_option,
    new_console,
    print_json,
    seconds_option,
    seed_option,
)
from netinv.display import format_number


class PolicyName(StrEnum):
    base_stock = "base-stock"
    echelon_base_stock = "echelon-base-stock"
    oracle = "oracle"
    mpc_deterministic = "mpc-deterministic"
    mpc_stochastic = "mpc-stochastic"
    gnn = "gnn"


class Sampling(StrEnum):
    lhs = "lhs"
    random = "random"


class Per(StrEnum):
    period = "period"
    horizon = "horizon"


def simulate(
    file: FileArg,
    policy: Annotated[PolicyName, typer.Option("--policy", help="Policy to simulate.")] = PolicyName.base_stock,
    levels: Annotated[
        str, typer.Option("--levels", help="Base-stock policies: LEVELS.json (node -> level) or 'auto'.")
    ] = "auto",
    periods: Annotated[
        int | None, int_option("--periods", low=1, high=MAX_PERIODS,
                                 help="Periods per path [default: 200; the file's length with --demand-paths].")
    ] = None,
    paths: Annotated[int, int_option("--paths", low=1, high=MAX_PATHS, help="Demand paths.")] = 200,
    seed: Annotated[int, seed_option("Seed of the demand paths.")] = 0,
    warmup: Annotated[
        int | None, int_option("--warmup", low=0, high=MAX_PERIODS, help="Periods left out of the KPIs [default: 20; 0 for "
                                 "oracle / mpc policies and with --demand-paths].")
    ] = None,
    demand_paths: Annotated[
        Path | None, typer.Option("--demand-paths", help="PATHS.csv of explicit demand paths (path,t0,t1,...).")
    ] = None,
    horizon: Annotated[
        int | None, int_option("--horizon", low=1, high=MAX_HORIZON, help="mpc policies: rolling window of H periods.")
    ] = None,
    shrinking: Annotated[
        bool, typer.Option("--shrinking", help="mpc policies: plan to the end of the evaluation (the default "
                           "without --horizon).")
    ] = False,
    scenarios: Annotated[
        int, int_option("--scenarios", low=1, high=MAX_SCENARIOS, help="mpc-stochastic: demand scenarios K per solve.")
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
        float | None, seconds_option("--time-limit", help="HiGHS seconds per solve (oracle / mpc).")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="--policy gnn: the checkpoint [default: models/gnn.pt, the "
                                  "shipped model].")
    ] = None,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Folder keeping finished blocks of paths: an interrupted run "
                                  "(Ctrl-C, SIGTERM) resumes from it when the same command is run again.")
    ] = None,
    transshipment: TransshipmentOpt = None,
    threads: ThreadsOpt = 1,
    as_json: JsonOpt = False,
    no_timings: NoTimingsOpt = False,
) -> None:
    """Simulate a policy on demand paths and report profit or cost, service and bullwhip.

    All policies see the same demand paths for the same seed (or file), so their results are paired.
    """
    from netinv.fileio import check_writable
    from netinv.sim.run import RunSpec, prepare_run

    if checkpoint is not None:
        check_writable(checkpoint, folder=True)  # before the levels are searched
    spec = RunSpec(policy=policy.value, levels=levels, periods=periods, paths=paths, seed=seed, warmup=warmup,
                   demand_paths=demand_paths, horizon=horizon, shrinking=shrinking, scenarios=scenarios,
                   sampling=None if sampling is None else sampling.value, per=None if per is None else per.value,
                   time_limit=time_limit, model=model or DEFAULT_MODEL, checkpoint=checkpoint,
                   transshipment=None if transshipment is None else transshipment.value, threads=threads)
    prepared = prepare_run(file, spec)
    for warning in prepared.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    result, out = _run_with_progress(prepared, quiet=as_json)
    if as_json:
        print_json(out, timings=not no_timings)
    else:
        print_result(result, prepared.levels, prepared.levels_method, per=prepared.per,
                     transshipment=prepared.transshipment_rule)
    if result.interrupted:
        if prepared.store is not None:
            typer.echo(f"interrupted: {prepared.store.count()} finished block(s) kept in {checkpoint}; run the same "
                       "command again to resume", err=True)
        raise typer.Exit(130)


def _run_with_progress(prepared, *, quiet: bool):
    """``prepared.run()``, with a progress bar for a large run (or a planning policy) unless ``quiet``."""
    if quiet or not prepared.large:
        return prepared.run()
    from rich.progress import Progress

    with Progress(transient=True) as bar:  # with several blocks of paths, progress counts finished blocks
        task = bar.add_task(f"simulating {prepared.policy.name}", total=prepared.config.periods)
        return prepared.run(lambda done, total: bar.update(task, completed=done))


def print_result(result, levels: dict, method: str | None, per: str = "period",
                 transshipment: str | None = None) -> None:
    """The KPI table of a simulation result, its costs (per period or per horizon), bullwhip, how the
    levels were found and, with ``transshipment``, the transshipment rule that ran (shared with ``netinv demo``)."""
    from rich.table import Table

    console = new_console()
    title = f"{result.policy}: {result.paths} paths x {result.periods} periods (warm-up {result.warmup})"
    if result.interrupted:
        title += " - interrupted: finished paths only"
    table = Table(title=title)
    for column in ("node", "ech.", "level", "on hand", "fill rate", "CSL", "backorders"):
        table.add_column(column, justify="left" if column == "node" else "right")
    for node, kpi in result.nodes.items():
        def fmt(key, decimals=3, kpi=kpi):
            return format_number(kpi[key], decimals=decimals) if key in kpi else ""

        level = levels.get(node)
        table.add_row(
            node, str(int(kpi["echelon"])), format_number(level, decimals=2),
            fmt("mean_on_hand", 2), fmt("fill_rate"), fmt("cycle_service_level"), fmt("mean_backorders", 2),
        )
    console.print(table)
    scale = (result.periods - result.warmup) if per == "horizon" else 1
    costs = Table(title="total per path over the horizon" if per == "horizon" else "cost per period", show_header=True)
    costs.add_column("component")
    costs.add_column("mean", justify="right")
    costs.add_column("95% CI", justify="right")
    def money(value):
        return format_number(scale * value, decimals=3)

    for name, value in result.cost_breakdown.items():
        costs.add_row(name, money(value["mean"]), f"[{money(value['ci95'][0])}, {money(value['ci95'][1])}]")
    costs.add_row("total cost", money(result.mean_cost), f"[{money(result.ci95[0])}, {money(result.ci95[1])}]")
    if result.mean_revenue:
        costs.add_row("revenue", money(result.mean_revenue), "")
        costs.add_row("profit", money(result.mean_profit),
                      f"[{money(result.profit_ci95[0])}, {money(result.profit_ci95[1])}]")
    console.print(costs)
    if result.bullwhip:
        console.print(
            "bullwhip (Var orders / Var demand) by echelon: "
            + ", ".join(f"{k}: {v:.2f}" for k, v in result.bullwhip.items())
        )
    if method:
        console.print(f"levels found by: {method}")
    if transshipment:
        moved = ", ".join(f"{edge}: {scale * q:.3f}" for edge, q in result.transshipped.items())
        console.print(f"transshipment rule: {transshipment}" + (f" (units moved: {moved})" if moved else ""))

"""``netinv plan``: the multi-period planning model (orders over a horizon, HiGHS)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import (
    MAX_HORIZON,
    MAX_PATHS,
    MAX_SCENARIOS,
    MAX_THREADS,
    FileArg,
    JsonOpt,
    NoTimingsOpt,
    float_option,
    int_option,
    new_console,
    print_json,
    seconds_option,
    seed_option,
)
from netinv.display import format_number


class Builder(StrEnum):
    fast = "fast"
    pyomo = "pyomo"


class EndCondition(StrEnum):
    extend = "extend"
    none = "none"


def plan(
    file: FileArg,
    horizon: Annotated[int, int_option("--horizon", low=1, high=MAX_HORIZON, help="Periods T to plan.")] = 30,
    demand_path: Annotated[
        Path | None, typer.Option("--demand-path", help="PATH.csv: plan with perfect information of this demand "
                                  "(path,t0,t1,...; the first path unless --path-index).")
    ] = None,
    path_index: Annotated[int, int_option("--path-index", low=0, high=MAX_PATHS, help="Which path of --demand-path.")] = 0,
    expected: Annotated[bool, typer.Option("--expected", help="Plan on expected demand (the default).")] = False,
    scenarios: Annotated[
        int, int_option("--scenarios", low=1, high=MAX_SCENARIOS,
                          help="K > 1: sample-average plan over K sampled demand scenarios (first period shared).")
    ] = 1,
    seed: Annotated[int, seed_option("Seed of the scenarios.")] = 0,
    meet_demand: Annotated[
        bool, typer.Option("--meet-demand", help="Forbid unmet demand (infeasible if the network cannot deliver).")
    ] = False,
    integer: Annotated[bool, typer.Option("--integer", help="Whole-unit orders (a MILP).")] = False,
    time_limit: Annotated[float | None, seconds_option("--time-limit", help="HiGHS time limit, seconds.")] = None,
    mip_gap: Annotated[float | None, float_option("--mip-gap", low=0.0, high=0.99, help="Relative MIP gap.")] = None,
    threads: Annotated[int | None, int_option("--threads", low=1, high=MAX_THREADS, help="HiGHS threads.")] = None,
    builder: Annotated[
        Builder, typer.Option("--builder", help="fast: numpy arrays straight into HiGHS; pyomo: the Pyomo model "
                              "(same optimum, slower to build; a cross-check).")
    ] = "fast",
    end: Annotated[
        EndCondition, typer.Option("--end", help="extend: plan past the horizon by the longest order-to-demand "
                                   "time and report the first H periods (no run-down); none: stop at H.")
    ] = "extend",
    csv_dir: Annotated[
        Path | None, typer.Option("--csv", help="DIR: write orders.csv (source,target,period,quantity) and "
                                  "projected_stock.csv (node,period,on_hand,backlog,in_transit) there.")
    ] = None,
    as_json: JsonOpt = False,
    no_timings: NoTimingsOpt = False,
) -> None:
    """Solve the multi-period planning model (HiGHS) from the network's current state and print the order plan.

    The plan extends past the horizon by the longest order-to-demand time and reports the first H periods
    (--end extend; netinv.exact.plans), orders in whole units, with the projected on hand, backlog and
    in transit per node and period. The objective is the total profit (or cost when nothing is sold at a
    price) over all planned periods. A solver failure exits with code 3; an infeasible --meet-demand names
    the nodes and periods that cannot be served.
    """
    from netinv.errors import InputError
    from netinv.exact.plans import extension_periods, usable_plan
    from netinv.network import load
    from netinv.network.compile import compile_network

    if demand_path is not None and (expected or scenarios > 1):
        raise InputError("--demand-path plans one known path: do not combine it with --expected or --scenarios")
    if expected and scenarios > 1:
        raise InputError("--expected plans on the mean demand: do not combine it with --scenarios")
    if csv_dir is not None and csv_dir.exists() and not csv_dir.is_dir():
        raise InputError(f"{csv_dir}: --csv needs a folder, and this is a file")
    if csv_dir is not None:
        from netinv.fileio import check_writable

        check_writable(csv_dir, folder=True)  # before the model is solved
    arrays = compile_network(load(file))
    extra = extension_periods(arrays) if end == EndCondition.extend else 0
    from netinv.exact.limits import check_exact_size
    from netinv.exact.planning import PlanOptions

    # the model's size from the options alone, before any demand array is drawn
    check_exact_size(arrays, "plan", horizon=horizon + extra, scenarios=1 if demand_path is not None else scenarios,
                     options=PlanOptions(meet_demand=meet_demand, integer_orders=integer))
    from netinv.history.forecast import scenario_forecast

    # history nodes: their demand model's forecast over every planned period (None: no history)
    forecast = scenario_forecast(file, horizon + extra)
    demand, mode = _plan_demand(arrays, horizon, extra, demand_path, path_index, scenarios, seed, forecast)
    solution = _solve(arrays, demand, meet_demand, integer, builder, time_limit, mip_gap, threads, horizon)
    plan = usable_plan(arrays, solution, demand, horizon)
    if csv_dir is not None:
        _write_csv(csv_dir, plan)
    out = solution.to_dict(plan=False)
    out["orders"] = {f"{u}->{v}": [float(x) for x in plan.orders[:, e]] for e, (u, v) in enumerate(arrays.edge_keys)}
    out["demand"] = mode
    out["horizon"] = horizon
    out["planned_periods"] = demand.shape[1]
    out["plan"] = plan.to_dict()
    if as_json:
        print_json(out, timings=not no_timings)
        return
    _print_plan(arrays, solution, plan, mode, csv_dir)


def _solve(arrays, demand, meet_demand: bool, integer: bool, builder, time_limit, mip_gap, threads, horizon: int):
    """The optimal plan; an infeasible ``--meet-demand`` is diagnosed by the plan that may fall short."""
    from netinv.errors import SolverError
    from netinv.exact.highs import SolverOptions
    from netinv.exact.limits import check_exact_size
    from netinv.exact.planning import PlanOptions

    options = PlanOptions(meet_demand=meet_demand, integer_orders=integer)
    check_exact_size(arrays, "plan", horizon=demand.shape[1], scenarios=demand.shape[0], options=options)
    solver = SolverOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    try:
        return _solve_with(arrays, demand, options, solver, builder)
    except SolverError:
        if not meet_demand:
            raise
        from netinv.exact.plans import unmet_lines

        relaxed = _solve_with(arrays, demand, PlanOptions(integer_orders=integer), solver, builder)
        raise SolverError(f"plan: --meet-demand is infeasible: {unmet_lines(relaxed, arrays, demand.shape[1])}") \
            from None


def _solve_with(arrays, demand, options, solver, builder):
    if builder == Builder.pyomo:
        from netinv.exact.planning import build_planning_model
        from netinv.exact.pyomo_highs import solve_model

        return solve_model(build_planning_model(arrays, demand, options=options), solver)
    from netinv.exact.fastlp import PlanningLP

    lp = PlanningLP(arrays, demand.shape[1], demand.shape[0], options, solver)
    solution = lp.solve(demand)
    solution.seconds["build"] = lp.seconds["build"]
    solution.seconds["handoff"] += lp.seconds["handoff"]
    return solution


def _write_csv(folder: Path, plan) -> None:
    """orders.csv and projected_stock.csv in ``folder`` (created), each written atomically."""
    import csv
    import io

    from netinv.errors import InputError
    from netinv.fileio import atomic_write_text, make_folder

    created = not folder.exists()
    make_folder(folder)
    written = []
    for name, rows, columns in (("orders.csv", plan.order_rows(), ("source", "target", "period", "quantity")),
                                ("projected_stock.csv", plan.stock_rows(),
                                 ("node", "period", "on_hand", "backlog", "in_transit"))):
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        try:
            written.append(atomic_write_text(folder / name, text.getvalue()))
        except InputError:  # a full disk: leave no half of the plan behind
            for path in written:
                path.unlink(missing_ok=True)
            if created:
                folder.rmdir()
            raise


def _plan_demand(arrays, horizon: int, extra: int, demand_path: Path | None, path_index: int, scenarios: int,
                 seed: int, forecast=None):
    """(demand of shape (K, H + extra, D), what it is in words): one known path (its periods past the
    file's end: expected demand), K sampled scenarios or the mean; a node with a demand history follows
    its forecast (``forecast``, :func:`~netinv.history.forecast.scenario_forecast`)."""
    import numpy as np

    from netinv.errors import InputError
    from netinv.exact.planning import expected_demand, sample_demand

    periods = horizon + extra
    if demand_path is not None:
        from netinv.demand.paths import read_demand_paths

        paths = read_demand_paths(demand_path, arrays.node_ids[arrays.demand_slice])
        if path_index >= paths.shape[0]:
            raise InputError(f"{demand_path}: --path-index {path_index}, but the file has {paths.shape[0]} paths")
        if paths.shape[1] < horizon:
            raise InputError(f"{demand_path}: has {paths.shape[1]} periods, --horizon asks for {horizon}")
        known = paths[path_index, :periods]
        rest = expected_demand(arrays, known.shape[0], periods - known.shape[0])
        return np.concatenate([known, rest])[None], "perfect information"
    note = "" if forecast is None else " (history nodes: their forecast)"
    if scenarios > 1:
        return sample_demand(arrays, 0, periods, scenarios, seed, forecast=forecast), f"{scenarios} sampled scenarios{note}"
    return expected_demand(arrays, 0, periods, forecast=forecast)[None], f"expected demand{note}"


def _print_plan(arrays, solution, plan, mode: str, csv_dir) -> None:
    """The plan at 80 columns: orders per edge in blocks of periods, then the projected stock per node."""
    console = new_console()
    planned = plan.periods + plan.extension
    end = f"planned {planned} periods (+{plan.extension} past the horizon, not shown)" if plan.extension else \
        f"planned {planned} periods (no end-of-horizon condition: the plan runs down)"
    objective = f"{solution.form} {format_number(solution.objective)}" + (f" (gap {solution.gap:.2%})" if solution.gap else "")
    console.print(f"[bold]{arrays.name}[/bold]: {plan.periods} periods, {mode}; status {solution.status}",
                  highlight=False)
    console.print(f"{end}; {objective} over all planned periods", highlight=False)
    if solution.message:
        console.print(solution.message)
    labels = [f"{u} -> {v}" for u, v in arrays.edge_keys]
    console.print("orders, whole units of the source (. = none):", highlight=False)
    for line in _blocks(labels, plan.orders, min(plan.periods, 24)):
        console.print(line, highlight=False, markup=False)
    keep = [i for i in range(arrays.num_nodes) if not arrays.unlimited[i]]
    console.print("projected stock (end of period, from the current state; short in: periods with a backlog "
                  "of a unit or more):", highlight=False)
    width = min(max(len(arrays.node_ids[i]) for i in keep), 24) if keep else 4
    console.print(f"{'node':<{width}} {'on hand end':>11} {'lowest':>9} {'backlog end':>11} {'short in':>9}",
                  highlight=False, markup=False)
    for i in keep:
        short = int((plan.backlog[:, i] >= 1.0).sum())  # below a unit: the rounding to whole units
        console.print(f"{arrays.node_ids[i][:width]:<{width}} {plan.on_hand[-1, i]:>11,.0f} "
                      f"{plan.on_hand[:, i].min():>9,.0f} {plan.backlog[-1, i]:>11,.0f} {short:>6} p.",
                      highlight=False, markup=False)
    if csv_dir is not None:
        console.print(f"written: {csv_dir / 'orders.csv'}, {csv_dir / 'projected_stock.csv'}", highlight=False)
    secs = solution.seconds
    console.print(f"{solution.size['columns']} columns, {solution.size['rows']} rows; build {secs['build']:.3f} s, "
                  f"hand-off {secs['handoff']:.3f} s, HiGHS {secs['solve']:.3f} s")


def _blocks(labels: list[str], values, periods: int, width: int = 80) -> list[str]:
    """Rows of ``labels`` x ``periods`` in blocks of as many 7-wide period columns as fit in ``width``."""
    label = min(max((len(x) for x in labels), default=4), 26)
    per_block = max(1, (width - label) // 8)
    lines = []
    for first in range(0, periods, per_block):
        cols = range(first, min(first + per_block, periods))
        lines.append(f"{'':<{label}}" + "".join(f" {'t' + str(t):>7}" for t in cols))
        for e in sorted(range(len(labels)), key=labels.__getitem__):
            name = labels[e]
            cells = "".join(f" {values[t, e]:>7,.0f}" if values[t, e] > 0 else f" {'.':>7}" for t in cols)
            lines.append(f"{name[:label]:<{label}}{cells}")
    return lines

"""``netinv plan``: the multi-period planning model (orders over a horizon, HiGHS)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import FileArg, JsonOpt, NoTimingsOpt, new_console, print_json


class Builder(StrEnum):
    fast = "fast"
    pyomo = "pyomo"


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
    from netinv.errors import InputError
    from netinv.exact.fastlp import PlanningLP
    from netinv.exact.highs import SolverOptions
    from netinv.exact.planning import PlanOptions
    from netinv.network import load
    from netinv.network.compile import compile_network

    if demand_path is not None and (expected or scenarios > 1):
        raise InputError("--demand-path plans one known path: do not combine it with --expected or --scenarios")
    if expected and scenarios > 1:
        raise InputError("--expected plans on the mean demand: do not combine it with --scenarios")
    arrays = compile_network(load(file))
    from netinv.history.forecast import scenario_forecast

    forecast = scenario_forecast(file, horizon)  # history nodes: their demand model's forecast (None: no history)
    demand, mode = _plan_demand(arrays, horizon, demand_path, path_index, scenarios, seed, forecast)
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
        print_json(out, timings=not no_timings)
        return
    _print_plan(arrays, solution, horizon, mode)


def _plan_demand(arrays, horizon: int, demand_path: Path | None, path_index: int, scenarios: int, seed: int,
                 forecast=None):
    """(demand of shape (K, T, D), what it is in words): one known path, K sampled scenarios or the mean;
    a node with a demand history follows its forecast (``forecast``, :func:`~netinv.history.forecast.scenario_forecast`)."""
    from netinv.errors import InputError
    from netinv.exact.planning import expected_demand, sample_demand

    if demand_path is not None:
        from netinv.demand.paths import read_demand_paths

        paths = read_demand_paths(demand_path, arrays.node_ids[arrays.demand_slice])
        if path_index >= paths.shape[0]:
            raise InputError(f"{demand_path}: --path-index {path_index}, but the file has {paths.shape[0]} paths")
        if paths.shape[1] < horizon:
            raise InputError(f"{demand_path}: has {paths.shape[1]} periods, --horizon asks for {horizon}")
        return paths[path_index, :horizon][None], "perfect information"
    note = "" if forecast is None else " (history nodes: their forecast)"
    if scenarios > 1:
        return sample_demand(arrays, 0, horizon, scenarios, seed, forecast=forecast), f"{scenarios} sampled scenarios{note}"
    return expected_demand(arrays, 0, horizon, forecast=forecast)[None], f"expected demand{note}"


def _print_plan(arrays, solution, horizon: int, mode: str) -> None:
    import numpy as np
    from rich.table import Table

    console = new_console()
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

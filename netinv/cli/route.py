"""``netinv route``: inventory routing on a DIMACS IRP instance (the branch and cut of :mod:`netinv.irp`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import JsonOpt, print_json


class PolicyChoice(StrEnum):
    """The replenishment policy: ml = maximum level (DIMACS), ou = order-up-to."""

    ml = "ml"
    ou = "ou"


def route(
    file: Annotated[Path, typer.Argument(help="DIMACS IRP instance (.dat: n+1 H Q K, the supplier, the "
                                         "customers).", show_default=False)],
    policy: Annotated[PolicyChoice, typer.Option("--policy", help="ml: deliver any quantity up to the maximum "
                                                 "level (DIMACS); ou: fill a visited customer up to it.")]
    = PolicyChoice.ml,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.0, help="Seconds for the whole "
                                                     "solve: the best plan and bound so far are reported.")] = None,
    as_json: JsonOpt = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the routes of each period (PNG).")] = None,
) -> None:
    """Inventory routing: when, how much and by which route to deliver, solved exactly by branch and cut.

    With --time-limit on 16 customers or more, a local-search heuristic runs first (a fifth of the time)
    and its plan starts the branch and cut. Exit code 3 when no plan is found within the time limit or the
    instance is infeasible.
    """
    from netinv.errors import InputError, SolverError
    from netinv.irp.branch_cut import BranchCutOptions
    from netinv.irp.heuristic import solve
    from netinv.irp.instance import read_dat
    from netinv.irp.solution import Policy
    from netinv.report import check_png

    if plot is not None:
        check_png(plot)
    if time_limit is not None and time_limit <= 0:
        raise InputError(f"--time-limit: must be > 0 seconds, got {time_limit:g}")
    instance = read_dat(file)
    solution = solve(instance, BranchCutOptions(policy=Policy(str(policy)), time_limit=time_limit))
    if plot is not None and solution.cost is not None:
        from netinv.irp.plot import plot_routes

        plot_routes(instance, solution, plot)
    if as_json:
        print_json(solution.to_dict())
    else:
        print_text(instance, solution)
    if solution.cost is None:
        raise SolverError(f"{file}: no plan found ({solution.status}; {solution.message}); best bound "
                          f"{solution.bound}")


def print_text(instance, solution) -> None:
    """A few lines: the status, cost and bound, the cost split, then each period's routes."""
    if solution.cost is None:
        return
    pc = solution.plan_cost
    typer.echo(f"{instance.name}: {solution.status}, cost {solution.cost:.2f}, bound {solution.bound:.2f}, "
               f"gap {100 * solution.gap:.2f}% ({solution.seconds:.1f} s, {solution.iterations} MIP solves, "
               f"{solution.cuts} cuts)")
    typer.echo(f"  routing {pc.routing:.2f}, supplier holding {pc.supplier_holding:.2f}, customer holding "
               f"{pc.customer_holding:.2f}")
    for t, period in enumerate(solution.routes, start=1):
        shown = "; ".join(" ".join(f"{i}({solution.deliveries[t - 1, i]:g})" for i in route) for route in period)
        typer.echo(f"  period {t}: {shown or 'no route'}")

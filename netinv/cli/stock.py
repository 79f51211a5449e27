"""``netinv basestock | gsm``: how much stock to hold where (base-stock levels, guaranteed-service placement)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import (
    FileArg,
    JsonOpt,
    NoTimingsOpt,
    new_console,
    print_json,
    seconds_option,
    seed_option,
)
from netinv.display import format_number


class Method(StrEnum):
    auto = "auto"
    newsvendor = "newsvendor"
    clark_scarf = "clark-scarf"
    search = "search"


def basestock(
    file: FileArg,
    method: Annotated[Method, typer.Option("--method", help="How to find the levels.")] = Method.auto,
    seed: Annotated[int, seed_option("Seed: the search runs on the paths of seed + 1, as "
                                      "`simulate --seed SEED --levels auto` and the report do (same levels).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Base-stock levels: newsvendor, Clark-Scarf (serial, exact) or simulation search."""
    from netinv.network import load
    from netinv.policies.levels import best_levels
    from netinv.sim.run import levels_seed

    result = best_levels(load(file), method.value, seed=levels_seed(seed))
    if as_json:
        print_json(result.to_dict())
        return
    from rich.table import Table

    table = Table(title=f"{result.kind} base-stock levels ({result.method})")
    table.add_column("node")
    table.add_column("level", justify="right")
    for node, level in result.levels.items():
        table.add_row(node, format_number(level, decimals=3))
    console = new_console()
    console.print(table)
    if result.expected_cost is not None:
        console.print(f"expected cost per period: {format_number(result.expected_cost, decimals=4)}")
    console.print(result.note)


class GsmMethod(StrEnum):
    auto = "auto"
    milp = "milp"
    tree_dp = "tree-dp"
    tree_bnb = "tree-bnb"
    lagrangian = "lagrangian"
    reduced_milp = "reduced-milp"
    reduced_bnb = "reduced-bnb"
    pairs_milp = "pairs-milp"


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
    time_limit: Annotated[float | None, seconds_option("--time-limit", help="Seconds for the whole solve.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a picture of the placement (PNG).")] = None,
    as_json: JsonOpt = False,
    no_timings: NoTimingsOpt = False,
) -> None:
    """Safety-stock placement with the guaranteed-service model (exact on general acyclic networks).

    Reads the stages' processing_time, holding_cost, service_level / service_factor, max_service_time and
    the demand nodes' standard deviations; edges' lead_time and quantity. Exit code 3 if no placement.
    """
    from netinv.gsm.instance import gsm_instance
    from netinv.gsm.solve import GSMOptions, solve_placement
    from netinv.network import load
    from netinv.report import check_png

    if plot is not None:
        check_png(plot)
    graph = load(file)
    from netinv.exact.limits import check_exact_size
    from netinv.network.compile import compile_network

    check_exact_size(compile_network(graph), "gsm")
    solution = solve_placement(gsm_instance(graph), str(method), GSMOptions(time_limit=time_limit))
    if plot is not None:
        from netinv.gsm.plot import plot_placement

        plot_placement(graph, solution, plot)
    if as_json:
        print_json(solution.to_dict(), timings=not no_timings)
        return
    from rich.table import Table

    console = new_console()
    console.print(f"[bold]{solution.instance.name}[/bold]: {solution.instance.num_stages} stages; status "
                  f"{solution.status}; cost {format_number(solution.cost, 6)} (bound {format_number(solution.bound, 6)}); method "
                  f"{solution.method}; {solution.seconds.get('total', 0.0):.2f} s")
    if solution.message:
        console.print(solution.message)
    stages = solution.stages()
    order = sorted(stages, key=lambda s: (-stages[s]["safety_stock_value"], s))
    table = Table(title="stages holding safety stock first")
    for column in ("stage", "S", "SI", "tau", "safety stock", "value", "base stock", "level"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for s in order:
        row = stages[s]
        table.add_row(s, str(row["service_time"]), str(row["inbound_service_time"]), str(row["net_time"]),
                      *(format_number(row[key], decimals=3)
                        for key in ("safety_stock", "safety_stock_value", "base_stock", "level")))
    console.print(table)
    console.print("tau: periods of demand the stage's stock covers (netinv.timing: stage time = processing time + 1). "
                  "base stock: mean demand over tau + safety stock. level: the base-stock level to simulate "
                  "(`simulate --levels` reads `--json`), raised at demand stages to cover late suppliers.")
    if plot is not None:
        console.print(f"picture: {plot}")

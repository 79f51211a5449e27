"""``netinv validate | info | generate | convert``: scenario files, for whoever writes or receives one."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import (
    MAX_GENERATED_NODES,
    FileArg,
    JsonOpt,
    int_option,
    new_console,
    print_json,
    seed_option,
)


class Kind(StrEnum):
    serial = "serial"
    assembly = "assembly"
    distribution = "distribution"
    general = "general"
    planner = "planner"


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


def info(file: FileArg, as_json: JsonOpt = False) -> None:
    """Summary of a network: nodes, edges, echelons, demand nodes, topology."""
    from netinv.network import load
    from netinv.network.summary import summarize

    summary = summarize(load(file))
    if as_json:
        print_json(summary)
        return
    from rich.table import Table

    table = Table(title=f"{summary['name']}", show_header=False)
    for key, value in summary.items():
        if key not in ("demand_node_ids", "source_node_ids"):
            table.add_row(key, str(value))
    new_console().print(table)


def generate(
    kind: Annotated[Kind, typer.Option("--kind", help="Topology of the network.")] = Kind.distribution,
    nodes: Annotated[int, int_option("--nodes", low=2, high=MAX_GENERATED_NODES, help="Number of nodes.")] = 20,
    seed: Annotated[int, seed_option("Random seed (same seed, same network).")] = 0,
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (.yaml, .json, .graphml).")] = Path(
        "network.yaml"
    ),
    transshipment: Annotated[bool, typer.Option("--transshipment", help="Add lateral links between peers.")] = False,
) -> None:
    """Generate a random network (costs, lead times and demand in documented ranges)."""
    from netinv.fileio import check_writable
    from netinv.network import save
    from netinv.network.generators import generate as make

    check_writable(output)  # before the network is generated
    graph = make(kind.value, nodes, seed, transshipment=transshipment)
    save(graph, output)
    typer.echo(f"wrote {output}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")


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
    from netinv.fileio import check_writable

    check_writable(output)
    graph = load(file)
    save(graph, output)
    typer.echo(f"wrote {output}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")

"""Demand-path files: explicit demand paths in CSV, the layout of the published OR-Gym benchmark data.

One demand node (the common case)::

    path,t0,t1,...,t29
    0,19,25,...,21

Several demand nodes: a ``node`` column after ``path`` and one row per (path, node)::

    path,node,t0,t1,...
    0,store_a,4,7,...
    0,store_b,2,0,...

Paths are numbered from 0 in the order they appear. Values are units of demand per period, finite and
>= 0. Every error names the file, the line and what is wrong.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from netinv.attrs import MAX_DEMAND_MEAN
from netinv.errors import InputError
from netinv.fileio import read_input_text


def read_demand_paths(path: str | Path, demand_nodes: tuple[str, ...] | list[str]) -> np.ndarray:
    """Read a demand-path file for a network whose demand nodes are ``demand_nodes`` (in order):
    returns an array of shape (paths, periods, len(demand_nodes))."""
    path = Path(path)
    text = read_input_text(path, "demand-path file")
    reader = csv.reader(text.splitlines())
    try:
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error as exc:  # a field over csv's size limit, a stray quote in strict dialects
        raise InputError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from None
    if not rows:
        raise InputError(f"{path}: empty file; expected a header 'path,t0,t1,...'")
    header = [h.strip() for h in rows[0]]
    with_node = len(header) > 1 and header[1] == "node"
    first = 2 if with_node else 1
    if header[0] != "path" or len(header) <= first:
        raise InputError(f"{path}: line 1: header must be 'path,t0,t1,...' (or 'path,node,t0,...'), got {','.join(header)!r}")
    for k, name in enumerate(header[first:]):
        if name != f"t{k}":
            raise InputError(f"{path}: line 1: column {first + k + 1} must be named 't{k}', got {name!r}")
    periods = len(header) - first
    nodes = [str(n) for n in demand_nodes]
    if not with_node and len(nodes) != 1:
        raise InputError(
            f"{path}: the network has {len(nodes)} demand nodes ({', '.join(nodes)}): add a 'node' column "
            "('path,node,t0,...') with one row per path and node"
        )
    order: dict[str, int] = {}
    values: dict[tuple[str, str], list[float]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InputError(f"{path}: line {line}: expected {len(header)} fields, got {len(row)}")
        key = row[0].strip()
        if not key:
            raise InputError(f"{path}: line {line}: empty path label")
        node = row[1].strip() if with_node else nodes[0]
        if node not in nodes:
            raise InputError(f"{path}: line {line}: node {node!r} is not a demand node of the network "
                             f"(demand nodes: {', '.join(nodes)})")
        if (key, node) in values:
            raise InputError(f"{path}: line {line}: path {key!r} node {node!r} appears twice")
        numbers = []
        for k, cell in enumerate(row[first:]):
            try:
                x = float(cell)
            except ValueError:
                raise InputError(f"{path}: line {line}: t{k}: not a number: {cell.strip()!r}") from None
            if not math.isfinite(x) or x < 0:
                raise InputError(f"{path}: line {line}: t{k}: demand must be finite and >= 0, got {cell.strip()}")
            if x > MAX_DEMAND_MEAN:  # the limit of a scenario's demand; float32 in the simulator overflows above
                raise InputError(f"{path}: line {line}: t{k}: demand must be <= {MAX_DEMAND_MEAN:g}, got {cell.strip()}")
            numbers.append(x)
        order.setdefault(key, len(order))
        values[key, node] = numbers
    if not order:
        raise InputError(f"{path}: no demand paths after the header")
    out = np.zeros((len(order), periods, len(nodes)))
    for key, b in order.items():
        for j, node in enumerate(nodes):
            if (key, node) not in values:
                raise InputError(f"{path}: path {key!r} has no row for demand node {node!r}")
            out[b, :, j] = values[key, node]
    return out


def write_demand_paths(path: str | Path, demand: np.ndarray, demand_nodes) -> None:
    """Write (paths, periods, D) demand in the layout :func:`read_demand_paths` reads."""
    demand = np.asarray(demand)
    B, T, D = demand.shape
    nodes = [str(n) for n in demand_nodes]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if D == 1:
            w.writerow(["path"] + [f"t{k}" for k in range(T)])
            for b in range(B):
                w.writerow([b] + [f"{x:g}" for x in demand[b, :, 0]])
        else:
            w.writerow(["path", "node"] + [f"t{k}" for k in range(T)])
            for b in range(B):
                for j, node in enumerate(nodes):
                    w.writerow([b, node] + [f"{x:g}" for x in demand[b, :, j]])

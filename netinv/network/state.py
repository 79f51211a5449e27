"""The current state of a network: what a planner plans from today.

A scenario may carry a ``state:`` block (or name a state CSV beside it, ``state: state.csv``)::

    state:
      on_hand: {dc_1: 120, store_3: 14}        # units on hand now (replaces initial_inventory there)
      backorders: {store_3: 5}                 # customers' demand still owed at backlog demand nodes
      in_transit:                              # shipped, not arrived: arrives in period `arrives`
        - {source: dc_1, target: store_3, quantity: 40, arrives: 1}
      owed:                                    # ordered on an edge, not shipped yet by its source
        - {source: dc_1, target: store_4, quantity: 10}

Periods count from the first planned (simulated) period, 0 (:mod:`netinv.timing`): a shipment that
``arrives: k`` is usable before demand in period k; it was shipped ``arrival delay - k`` periods ago, so
``arrives`` must be below the edge's arrival delay (lead time + the target's processing time).
Quantities are in the source's units on edges (as shipped) and in the node's own units at nodes. Several
``in_transit`` rows on one edge add up. The CSV form has the header ``kind,node,source,target,quantity,
arrives`` with ``kind`` one of ``on_hand``, ``backorders`` (with ``node``), ``in_transit`` (with
``source``, ``target``, ``arrives``) and ``owed`` (with ``source``, ``target``).

:func:`check_state` holds the rules (known nodes and supply edges, backorders only where demand is
backordered, owed only on edges that keep what they owe, ``on_hand`` not also given as
``initial_inventory``); :func:`state_arrays` gives the arrays every model starts from: the simulator's
first state, the planning LP's, the rolling-horizon and GNN policies (through the simulator), ``risk``
and the report.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from netinv import attrs, timing
from netinv.errors import InvalidNetworkError, where
from netinv.fileio import read_input_text
from netinv.network.formats.common import unknown_node

STATE_KINDS = ("on_hand", "backorders", "in_transit", "owed")
CSV_COLUMNS = ("kind", "node", "source", "target", "quantity", "arrives")


@dataclass(frozen=True)
class StateArrays:
    """The state at the start of period 0, on :class:`~netinv.network.compile.NetworkArrays`' indices.

    on_hand (N,), backlog (N,): backorders of external demand (0 away from demand nodes),
    owed (E,): units ordered and not shipped on each supply edge (source units),
    arrivals (E, R): units in transit on each edge arriving in period r (source units).
    """

    on_hand: np.ndarray
    backlog: np.ndarray
    owed: np.ndarray
    arrivals: np.ndarray


def resolve_state(doc: dict, path: str | None) -> dict:
    """``doc`` with a ``state: FILE.csv`` replaced by the mapping read from that file (relative to the
    scenario's folder, and inside it)."""
    ref = doc.get(attrs.STATE)
    if not isinstance(ref, str):
        return doc
    if "\0" in ref:
        raise InvalidNetworkError(where(path, "state", "a file name cannot contain a NUL character"))
    folder = Path(path).resolve().parent if path else Path.cwd()
    target = (folder / ref).resolve()
    if not target.is_relative_to(folder):
        raise InvalidNetworkError(where(path, "state", f"{ref!r} is outside the scenario's folder; the state file "
                                        "must be inside it"))
    return {**doc, attrs.STATE: read_state_csv(target, path)}


def read_state_csv(path: str | Path, scenario: str | None = None) -> dict:
    """A state CSV as the ``state:`` mapping; every problem is one line naming the file and the row."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise InvalidNetworkError(where(scenario, "state", f"state file {str(path)!r} not found"))
    text = read_input_text(path, "state file", error=InvalidNetworkError)
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or tuple(h.strip() for h in header) != CSV_COLUMNS:
        raise InvalidNetworkError(where(str(path), "line 1", f"the header must be {','.join(CSV_COLUMNS)}"))
    state: dict = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            raise InvalidNetworkError(where(str(path), f"line {line}", f"expected {len(CSV_COLUMNS)} cells, got {len(row)}"))
        _add_row(state, dict(zip(CSV_COLUMNS, (cell.strip() for cell in row), strict=True)), f"{path}: line {line}")
    return state


def _add_row(state: dict, row: dict, place: str) -> None:
    kind = row["kind"]
    if kind not in STATE_KINDS:
        raise InvalidNetworkError(f"{place}: kind must be one of {', '.join(STATE_KINDS)}, got {kind!r}")
    quantity = _number(row["quantity"], "quantity", place)
    if kind in ("on_hand", "backorders"):
        if not row["node"]:
            raise InvalidNetworkError(f"{place}: {kind} needs a node")
        state.setdefault(kind, {})[row["node"]] = state.get(kind, {}).get(row["node"], 0.0) + quantity
        return
    if not row["source"] or not row["target"]:
        raise InvalidNetworkError(f"{place}: {kind} needs a source and a target")
    entry = {"source": row["source"], "target": row["target"], "quantity": quantity}
    if kind == "in_transit":
        arrives = _number(row["arrives"], "arrives", place)
        if not float(arrives).is_integer():
            raise InvalidNetworkError(f"{place}: arrives must be a whole period, got {row['arrives']!r}")
        entry["arrives"] = int(arrives)
    state.setdefault(kind, []).append(entry)


def _number(text: str, field: str, place: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidNetworkError(f"{place}: {field} must be a number, got {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise InvalidNetworkError(f"{place}: {field} must be a finite number >= 0, got {text!r}")
    return value


def check_state(graph: nx.DiGraph, state: dict, path: str | None = None) -> None:
    """The rules of a current state against its network (raises InvalidNetworkError, one line)."""

    convention = timing.convention_of(graph)
    for node in state.get("on_hand", {}):
        _known_node(graph, node, "on_hand", path)
        if graph.nodes[node].get(attrs.INITIAL_INVENTORY):
            raise InvalidNetworkError(where(path, f"state.on_hand: node '{node}'", "on hand is given twice (also "
                                            "as initial_inventory); give it once"))
    for node in state.get("backorders", {}):
        _known_node(graph, node, "backorders", path)
        data = graph.nodes[node]
        if data.get(attrs.DEMAND) is None or not data.get(attrs.BACKLOG, True):
            raise InvalidNetworkError(where(path, f"state.backorders: node '{node}'", "backorders are only kept at "
                                            "demand nodes with backlog: true (lost sales are gone)"))
    for kind in ("in_transit", "owed"):
        for k, entry in enumerate(state.get(kind, [])):
            u, v = entry["source"], entry["target"]
            label = f"state.{kind}[{k}]: edge '{u}' -> '{v}'"
            for end in (u, v):
                if end not in graph:
                    raise InvalidNetworkError(where(path, label, unknown_node(end, graph)))
            if not graph.has_edge(u, v) or graph.edges[u, v].get(attrs.KIND, attrs.SUPPLY) != attrs.SUPPLY:
                raise InvalidNetworkError(where(path, label, "not a supply edge of the network"))
            data = graph.edges[u, v]
            if kind == "owed" and data.get(attrs.EDGE_BACKLOG, True) is False:
                raise InvalidNetworkError(where(path, label, "the edge has backlog: false: its source owes nothing"))
            if kind == "in_transit":
                delay = timing.arrival_delay(data.get(attrs.LEAD_TIME) or 0,
                                             graph.nodes[v].get(attrs.PROCESSING_TIME) or 0, convention)
                if entry["arrives"] >= delay:
                    what = ("the edge has no lead time: nothing can be in transit on it" if delay == 0 else
                            f"arrives {entry['arrives']}, but what is in transit on this edge arrives within its "
                            f"delay of {delay} period(s) (lead time + processing time): arrives 0..{delay - 1}")
                    raise InvalidNetworkError(where(path, label, what))


def _known_node(graph: nx.DiGraph, node: str, kind: str, path: str | None) -> None:
    if node not in graph:
        raise InvalidNetworkError(where(path, f"state.{kind}", unknown_node(node, graph)))


def state_arrays(graph: nx.DiGraph, node_ids, edge_keys, delay: np.ndarray, initial_inventory: np.ndarray) -> StateArrays:
    """The state of ``graph`` (its ``state`` attribute; none: on hand = initial_inventory, nothing else)
    on the given node and supply-edge order."""
    state = graph.graph.get(attrs.STATE) or {}
    index = {n: i for i, n in enumerate(node_ids)}
    edge_index = {e: k for k, e in enumerate(edge_keys)}
    on_hand = initial_inventory.astype(np.float64).copy()
    for node, amount in state.get("on_hand", {}).items():
        on_hand[index[node]] = float(amount)
    backlog = np.zeros(len(node_ids))
    for node, amount in state.get("backorders", {}).items():
        backlog[index[node]] += float(amount)
    owed = np.zeros(len(edge_keys))
    for entry in state.get("owed", []):
        owed[edge_index[(entry["source"], entry["target"])]] += float(entry["quantity"])
    depth = int(delay.max()) + 1 if len(delay) else 1
    arrivals = np.zeros((len(edge_keys), depth))
    for entry in state.get("in_transit", []):
        arrivals[edge_index[(entry["source"], entry["target"])], int(entry["arrives"])] += float(entry["quantity"])
    return StateArrays(on_hand=on_hand, backlog=backlog, owed=owed, arrivals=arrivals)

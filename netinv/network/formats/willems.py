"""Read the real-world supply chains of Willems (2008) from their CSV form into a scenario.

S. P. Willems, "Data Set: Real-World Multiechelon Supply Chains Used for Inventory Optimization",
*MSOM* 10(1):19-23, 2008, as converted to CSV in the repository stochasticnetworkcontrol/snc. One row
per stage, header ``stage_id,lead_time,max_s_time,cost_rate,risk_pool,ext_demand_mean,ext_demand_std,
ext_demand_thres,up_stages``, then pairs of trailing cells ``supplier_stage_id,quantity``.

Mapping, one node attribute per column (the guaranteed-service model's symbols in brackets):

- ``stage_id`` -> the node id;
- ``lead_time`` [T_j] -> ``processing_time``, a whole number of days: a fractional value is truncated
  by default, as the conversion's own reader and the results published on this CSV do;
- ``max_s_time`` -> ``max_service_time``; ``cost_rate`` -> ``added_cost``; ``risk_pool`` [r] ->
  ``risk_pool``; ``ext_demand_thres`` [z] -> ``service_factor``;
- ``ext_demand_mean`` / ``ext_demand_std`` -> ``demand: {distribution: normal, mean, std}``: a stage
  with either is a demand stage and needs both and a z;
- each ``supplier_stage_id, quantity`` pair -> an edge supplier -> stage with that ``quantity`` and
  ``lead_time`` 0 (GSM time lives in the stages' processing times);
- the scenario says ``time_convention: textbook`` (:mod:`netinv.timing`): the stage times are the
  literature's (a stage time may be 0), read by the guaranteed-service model as published.

Derived: ``holding_cost`` is the cumulative item value [v_j = c_j + sum_i q_ij v_i] (added cost plus
the suppliers' values times the quantity), so the GSM objective is the value of safety stock; a stage
with two or more suppliers is an ``assembly`` stage (one unit needs every input); ``shortage_cost``,
which the schema requires on demand stages, is the placeholder h sl / (1 - sl) with sl = Phi(z).

The document then goes through :func:`netinv.network.validate.document_to_graph`, as every format does. A
bad file raises an :class:`~netinv.errors.InputError` with one line ``<file>: line N, stage 'X':
<column>: <what>``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from io import StringIO
from pathlib import Path

import networkx as nx

from netinv import attrs, timing
from netinv.errors import InvalidNetworkError, ScenarioFileError, where
from netinv.network.formats.common import did_you_mean, read_text
from netinv.network.validate import document_to_graph

HEADER = (
    "stage_id",
    "lead_time",
    "max_s_time",
    "cost_rate",
    "risk_pool",
    "ext_demand_mean",
    "ext_demand_std",
    "ext_demand_thres",
    "up_stages",
)
NAMED_COLUMNS = HEADER[:8]  # every row has these cells (empty where not given); then the supplier pairs

SOURCE = (
    "S. P. Willems, \"Data Set: Real-World Multiechelon Supply Chains Used for Inventory Optimization\", "
    "Manufacturing & Service Operations Management 10(1):19-23, 2008; CSV conversion of the paper's "
    "spreadsheet from the repository stochasticnetworkcontrol/snc (meio/willems_dataset/data/, before "
    "commit cfee463)"
)


class LeadTimeRounding(StrEnum):
    """How a fractional ``lead_time`` becomes the integer ``processing_time``."""

    TRUNCATE = "truncate"  # 37.5 -> 37: the convention of the literature on this CSV (default)
    ROUND = "round"  # to the nearest day, halves up: 37.5 -> 38
    CEIL = "ceil"  # up: 37.2 -> 38


_ROUNDERS: dict[LeadTimeRounding, Callable[[float], int]] = {
    LeadTimeRounding.TRUNCATE: math.trunc,
    LeadTimeRounding.ROUND: lambda days: math.floor(days + 0.5),
    LeadTimeRounding.CEIL: math.ceil,
}


@dataclass(frozen=True)
class Stage:
    """One row of the CSV, parsed and checked cell by cell (not yet against the other rows)."""

    stage_id: str
    line: int  # line number in the file, for messages
    lead_time: float  # [T] days, possibly fractional
    max_service_time: int | None
    added_cost: float  # [c] cost added at the stage
    risk_pool: float | None  # [r]
    demand_mean: float | None  # [mu] per day; None on stages without external demand
    demand_std: float | None  # [sigma] per day
    service_factor: float | None  # [z]
    suppliers: tuple[tuple[str, float], ...]  # (supplier stage id, quantity [q]) in file order

    @property
    def has_demand(self) -> bool:
        return self.demand_std is not None


# --------------------------------------------------------------------------------------------------
# public API


def read_willems(
    path: str | Path, *, lead_time_rounding: LeadTimeRounding | str = LeadTimeRounding.TRUNCATE
) -> nx.DiGraph:
    """Read a Willems (2008) supply-chain CSV into a validated DiGraph named for the file's stem."""
    doc = read_willems_document(path, lead_time_rounding=lead_time_rounding)
    return document_to_graph(doc, path=str(path))


def read_willems_document(
    path: str | Path, *, lead_time_rounding: LeadTimeRounding | str = LeadTimeRounding.TRUNCATE
) -> dict:
    """The scenario document (a mapping) of a Willems CSV; every row and link checked, not yet the schema."""
    path = Path(path)
    rounding = LeadTimeRounding(lead_time_rounding)
    stages = parse_stages(read_text(path), str(path))  # read_text: the same file errors as every format
    order = _topological_order(stages, str(path))
    return _document(path.stem, order, rounding, str(path))


def parse_stages(text: str, path: str | None = None) -> list[Stage]:
    """The stages of a Willems CSV's text in file order; checks cells, ids and that suppliers exist."""
    rows = _rows(text, path)
    if not rows:
        raise ScenarioFileError(where(path, None, f"empty file (expected the header '{','.join(HEADER)}')"))
    header_line, header = rows[0]
    _check_header(header, header_line, path)
    stages: list[Stage] = []
    first_line: dict[str, int] = {}
    for line, cells in rows[1:]:
        stage = _parse_row(cells, line, path)
        if stage.stage_id in first_line:
            raise InvalidNetworkError(
                where(path, _at(stage), f"duplicate stage id (first on line {first_line[stage.stage_id]})")
            )
        first_line[stage.stage_id] = line
        stages.append(stage)
    if not stages:
        raise ScenarioFileError(where(path, f"line {header_line}", "no stages after the header"))
    known = list(first_line)
    for stage in stages:
        for supplier, _ in stage.suppliers:
            if supplier not in first_line:
                hint = did_you_mean(supplier, known)
                raise InvalidNetworkError(where(path, _at(stage), f"up_stages: unknown stage '{supplier}'{hint}"))
    return stages


# --------------------------------------------------------------------------------------------------
# rows and cells


def _rows(text: str, path: str | None) -> list[tuple[int, list[str]]]:
    """(line number, stripped cells) of every non-blank row."""
    reader = csv.reader(StringIO(text.removeprefix("\ufeff")))
    rows = []
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ScenarioFileError(where(path, f"line {reader.line_num}", f"malformed CSV: {exc}")) from None
    return rows


def _check_header(header: list[str], line: int, path: str | None) -> None:
    got = list(header)
    while got and not got[-1]:  # a spreadsheet may pad the header with empty cells
        got.pop()
    for column, (expected, cell) in enumerate(zip(HEADER, got + [""] * len(HEADER)), start=1):
        if cell != expected:
            found = f"got '{cell}'" if cell else "got nothing"
            raise ScenarioFileError(
                where(path, f"line {line}", f"not a Willems supply-chain CSV: header column {column} must be "
                      f"'{expected}', {found} (expected '{','.join(HEADER)}')")
            )
    if len(got) > len(HEADER):
        raise ScenarioFileError(
            where(path, f"line {line}", f"not a Willems supply-chain CSV: header has {len(got)} columns, "
                  f"expected {len(HEADER)} ('{','.join(HEADER)}')")
        )


def _parse_row(cells: list[str], line: int, path: str | None) -> Stage:
    stage_id = cells[0]
    at = f"line {line}, stage '{stage_id}'" if stage_id else f"line {line}"
    if not stage_id:
        raise InvalidNetworkError(where(path, at, "stage_id is empty"))
    if len(cells) < len(NAMED_COLUMNS):
        missing = NAMED_COLUMNS[len(cells)]
        raise ScenarioFileError(
            where(path, at, f"missing column '{missing}': a row needs at least {len(NAMED_COLUMNS)} cells "
                  f"(empty where not given), got {len(cells)}")
        )
    named = dict(zip(NAMED_COLUMNS, cells))

    def number(column: str, *, maximum: float, required: bool = False) -> float | None:
        return _number(named[column], column, path, at, maximum=maximum, required=required)

    lead_time = number("lead_time", maximum=attrs.MAX_PROCESSING_TIME, required=True)
    max_service_time = number("max_s_time", maximum=attrs.MAX_PROCESSING_TIME)
    if max_service_time is not None and not max_service_time.is_integer():
        raise InvalidNetworkError(where(path, at, f"max_s_time: must be a whole number of days, got '{named['max_s_time']}'"))
    added_cost = number("cost_rate", maximum=attrs.MAX_MAGNITUDE, required=True)
    risk_pool = number("risk_pool", maximum=attrs.MAX_MAGNITUDE)
    mean = number("ext_demand_mean", maximum=attrs.MAX_DEMAND_MEAN)
    std = number("ext_demand_std", maximum=attrs.MAX_DEMAND_MEAN)
    service_factor = number("ext_demand_thres", maximum=attrs.MAX_MAGNITUDE)
    if mean is not None or std is not None:  # a demand stage needs the three demand cells
        why = {
            "ext_demand_std": "ext_demand_mean is given",
            "ext_demand_mean": "ext_demand_std is given",
            "ext_demand_thres": "its service factor z is required",
        }
        for column, value in (("ext_demand_std", std), ("ext_demand_mean", mean), ("ext_demand_thres", service_factor)):
            if value is None:
                raise InvalidNetworkError(where(path, at, f"{column}: missing on a demand stage ({why[column]})"))
    elif service_factor is not None:
        raise InvalidNetworkError(
            where(path, at, "ext_demand_thres: given on a stage without external demand "
                  "(ext_demand_mean and ext_demand_std are empty)")
        )
    return Stage(
        stage_id=stage_id,
        line=line,
        lead_time=lead_time,
        max_service_time=None if max_service_time is None else int(max_service_time),
        added_cost=added_cost,
        risk_pool=risk_pool,
        demand_mean=mean,
        demand_std=std,
        service_factor=service_factor,
        suppliers=_suppliers(cells[len(NAMED_COLUMNS):], path, at),
    )


def _suppliers(trailing: list[str], path: str | None, at: str) -> tuple[tuple[str, float], ...]:
    """The (supplier stage id, quantity) pairs of a row's trailing cells."""
    trailing = list(trailing)
    while trailing and not trailing[-1]:  # rows padded to a common width end in empty cells
        trailing.pop()
    if len(trailing) % 2:
        raise ScenarioFileError(
            where(path, at, f"up_stages: {len(trailing)} trailing cells, expected pairs of "
                  "supplier_stage_id, quantity")
        )
    suppliers: dict[str, float] = {}
    for k in range(0, len(trailing), 2):
        supplier, cell = trailing[k], trailing[k + 1]
        if not supplier:
            raise ScenarioFileError(where(path, at, f"up_stages: pair {k // 2 + 1} has an empty supplier_stage_id"))
        if supplier in suppliers:
            raise InvalidNetworkError(where(path, at, f"up_stages: supplier '{supplier}' listed twice"))
        quantity = _to_float(cell)
        if quantity is None or not 0 < quantity <= attrs.MAX_MAGNITUDE:
            raise InvalidNetworkError(
                where(path, at, f"up_stages: quantity of supplier '{supplier}' must be a number > 0, got '{cell}'")
            )
        suppliers[supplier] = quantity
    return tuple(suppliers.items())


def _number(cell: str, column: str, path: str | None, at: str, *, maximum: float, required: bool) -> float | None:
    """A non-negative finite number, or None for an empty cell that is not required."""
    if not cell:
        if required:
            raise InvalidNetworkError(where(path, at, f"{column}: must be a number >= 0, got nothing"))
        return None
    value = _to_float(cell)
    if value is None or value < 0:
        raise InvalidNetworkError(where(path, at, f"{column}: must be a number >= 0, got '{cell}'"))
    if value > maximum:
        raise InvalidNetworkError(where(path, at, f"{column}: must be <= {maximum:.12g}, got '{cell}'"))
    return value


def _to_float(cell: str) -> float | None:
    """``float(cell)`` when it is a finite number, else None."""
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _at(stage: Stage) -> str:
    return f"line {stage.line}, stage '{stage.stage_id}'"


# --------------------------------------------------------------------------------------------------
# the network


def _topological_order(stages: list[Stage], path: str | None) -> list[Stage]:
    """Stages with every supplier before its customers; a cycle is an error naming a stage on it."""
    links = nx.DiGraph()
    links.add_nodes_from(stage.stage_id for stage in stages)
    links.add_edges_from((supplier, stage.stage_id) for stage in stages for supplier, _ in stage.suppliers)
    by_id = {stage.stage_id: stage for stage in stages}
    try:
        order = list(nx.topological_sort(links))
    except nx.NetworkXUnfeasible:
        cycle = [u for u, _ in nx.find_cycle(links)]
        start = min(range(len(cycle)), key=lambda k: by_id[cycle[k]].line)  # the stage first in the file
        cycle = cycle[start:] + cycle[:start]
        loop = " -> ".join(f"'{s}'" for s in [*cycle, cycle[0]])
        raise InvalidNetworkError(
            where(path, _at(by_id[cycle[0]]), f"up_stages: cycle through suppliers (goods flow {loop})")
        ) from None
    return [by_id[s] for s in order]


def item_values(stages: list[Stage]) -> dict[str, float]:
    """Cumulative item value of every stage [v_j = c_j + sum_i q_ij v_i]; ``stages`` in topological order."""
    values: dict[str, float] = {}
    for stage in stages:
        values[stage.stage_id] = stage.added_cost + sum(q * values[s] for s, q in stage.suppliers)
    return values


def _service_level(z: float) -> float:
    """Phi(z), the standard normal cdf."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _placeholder_shortage_cost(value: float, stage: Stage, path: str | None) -> float:
    """h sl / (1 - sl) with sl = Phi(z), 1 - sl computed as erfc (exact in the tail); a z so high that the
    cost passes the schema's limit (z = 9 gives 1 - sl = 1.1e-19) is an error naming the stage."""
    z = stage.service_factor
    tail = 0.5 * math.erfc(z / math.sqrt(2.0))
    cost = value * _service_level(z) / tail if tail > 0 else math.inf
    if not cost <= attrs.MAX_MAGNITUDE:
        raise InvalidNetworkError(
            where(path, _at(stage), f"ext_demand_thres: z = {z:g} leaves 1 - Phi(z) = {tail:.2g}: the placeholder "
                  f"shortage cost h Phi(z) / (1 - Phi(z)) would be {cost:.3g}, over the limit of "
                  f"{attrs.MAX_MAGNITUDE:g}; use a smaller z")
        )
    return cost


def _document(name: str, order: list[Stage], rounding: LeadTimeRounding, path: str | None = None) -> dict:
    values = item_values(order)
    to_days = _ROUNDERS[rounding]
    stages = sorted(order, key=lambda stage: stage.line)  # nodes in file order
    nodes = []
    for stage in stages:
        node: dict = {
            attrs.NODE_ID: stage.stage_id,
            attrs.PROCESSING_TIME: to_days(stage.lead_time),
            attrs.ADDED_COST: stage.added_cost,
            attrs.HOLDING_COST: values[stage.stage_id],
        }
        if stage.max_service_time is not None:
            node[attrs.MAX_SERVICE_TIME] = stage.max_service_time
        if stage.risk_pool is not None:
            node[attrs.RISK_POOL] = stage.risk_pool
        if len(stage.suppliers) >= 2:
            node[attrs.ASSEMBLY] = True
        if stage.has_demand:
            node[attrs.DEMAND] = {"distribution": "normal", "mean": stage.demand_mean, "std": stage.demand_std}
            node[attrs.SERVICE_FACTOR] = stage.service_factor
            node[attrs.SHORTAGE_COST] = _placeholder_shortage_cost(values[stage.stage_id], stage, path)
        nodes.append(node)
    edges = [
        {attrs.EDGE_SOURCE: supplier, attrs.EDGE_TARGET: stage.stage_id, attrs.LEAD_TIME: 0, attrs.QUANTITY: quantity}
        for stage in stages
        for supplier, quantity in stage.suppliers
    ]
    return {
        attrs.NAME: name,
        attrs.DESCRIPTION: _description(name, stages, len(edges), rounding),
        attrs.SOURCE: SOURCE,
        attrs.TIME_CONVENTION: timing.TEXTBOOK,
        "nodes": nodes,
        "edges": edges,
    }


def _description(name: str, stages: list[Stage], num_edges: int, rounding: LeadTimeRounding) -> str:
    demand = [stage for stage in stages if stage.has_demand]
    fractional = [stage for stage in stages if not stage.lead_time.is_integer()]
    zero = sum(1 for stage in demand if stage.demand_mean == 0 and stage.demand_std == 0)
    assembly = sum(1 for stage in stages if len(stage.suppliers) >= 2)
    rounded = {
        LeadTimeRounding.TRUNCATE: "truncated to whole days as in the literature on this CSV",
        LeadTimeRounding.ROUND: "rounded to the nearest whole day (halves up)",
        LeadTimeRounding.CEIL: "rounded up to whole days",
    }[rounding]
    if fractional:
        example = fractional[0]
        times = (f"{len(fractional)} stages have a fractional lead_time in the CSV, {rounded} "
                 f"(e.g. {example.stage_id}: {example.lead_time:g} -> {_ROUNDERS[rounding](example.lead_time)}); "
                 "the raw values are only in the CSV.")
    else:
        times = "Every lead_time in the CSV is a whole number of days."
    parts = [
        f"Willems (2008) real-world supply chain {name}: {len(stages)} stages, {num_edges} supplier links, "
        f"{len(demand)} demand stages, imported from CSV by netinv.network.formats.willems.",
        "Per stage: processing_time = lead_time [T] in days; added_cost = cost_rate; holding_cost = cumulative "
        "item value (added cost plus the suppliers' values times quantity), so the guaranteed-service "
        "objective is the value of safety stock, with no holding-rate factor; risk_pool = r; max_service_time "
        "= max_s_time; service_factor = ext_demand_thres [z].",
        times,
        "Demand stages: normal daily demand with the CSV's mean and std"
        + (f" ({zero} of them have mean 0 and std 0 in the data)." if zero else "."),
        f"Stages with several suppliers ({assembly} here) are assembly stages: a unit needs quantity units of "
        "every input. Edges have lead_time 0: GSM time lives in the stages' processing times.",
        "Placeholder, not part of the data: shortage_cost on demand stages, which the schema requires, is "
        "holding_cost * sl / (1 - sl) with sl = Phi(z), the stockout cost whose newsvendor critical ratio "
        "equals the service level.",
    ]
    return " ".join(parts)

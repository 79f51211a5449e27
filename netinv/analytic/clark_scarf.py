"""Clark-Scarf: optimal echelon base-stock levels of a serial system, exactly (Chen-Zheng recursion).

Model (Clark and Scarf 1960; Chen and Zheng 1994; notation of Snyder and Shen, *Fundamentals of Supply
Chain Theory*, 2nd ed., section 6.2). Stages are numbered 1 (downstream, facing external demand) to N
(upstream, supplied by an unlimited outside source). Each period stage i raises its *echelon* inventory
position to S_i [S_i] by ordering from stage i + 1; a shipment into stage i takes L_i periods [L_i] (the
*stage lead time*). Unmet demand at stage 1 is backordered at cost p [p] per unit per period. Stage i
pays its local holding cost h'_i [h'_i] per unit per period on hand, and units in transit into stage i
are charged at the upstream rate h'_{i+1} (h'_{N+1} = 0). The echelon holding cost is
h_i = h'_i - h'_{i+1} [h_i].

Recursion, with D_i the demand over L_i periods:

    C^_0(x) = (p + h'_1) x^-
    for i = 1..N:
        C^_i(x) = h_i x + C-_{i-1}(x)          (C-_0 = C^_0)
        C_i(y)  = E[C^_i(y - D_i)]
        S*_i    = argmin_y C_i(y)
        C-_i(x) = C_i(min(S*_i, x))

The expected cost per period of the optimal policy is C_N(S*_N).

Which costs C_N(S*_N) contains. The recursion charges h_i on the echelon inventory level of every
stage plus (p + h'_1) per backorder. Since sum_i h_i IL^e_i = sum_i h'_i (on hand at i) + sum_i h'_{i+1}
(in transit into i) - h'_1 B, the total is local holding on hand + holding of the pipeline at the
upstream stage's local rate + p per backorder. The pipeline part does not depend on the levels; its
expected value, sum_i h'_{i+1} L_i mu, is reported separately as ``pipeline_cost``. Snyder & Shen
Example 6.1 (h' = (7, 4, 2), L = (1, 1, 2), p = 37.12, D ~ N(5, 1)) gives S* = (6.49, 12.02, 22.71) and
C_3(S*_3) = 47.66 *including* a pipeline cost of 4*1*5 + 2*1*5 = 30; without it the cost would be 17.66.

Numerics. For normal demand the functions live on a uniform grid (step sigma sqrt(L) / 200 for the
shortest positive stage lead time, containing x = 0) and each expectation is a convolution with the
probability masses of the grid cells (normal truncated at 10 standard deviations). Outside the grid the
functions are extended linearly, which is exact there: far below, every stage is certainly short; far
above, every stage is certainly above its level. The minimizer is refined between grid points with a
parabola through the three points around the grid minimum. For Poisson demand the grid is the integers
and the recursion is exact up to a tail mass of 1e-15.

If local holding costs rise upstream (h_i < 0 with nothing to offset it), C_i decreases without bound
and S*_i = inf: stage i never holds back stock (orders everything it can). The local levels from
:func:`echelon_to_local` stay finite.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from pydantic import ValidationError
from scipy import signal, stats

from netinv import attrs, timing
from netinv.demand.distributions import Normal, Poisson, parse_demand
from netinv.errors import InputError, InvalidDemandError, InvalidNetworkError

POINTS_PER_STD = 200  # grid points per standard deviation of the shortest-lead-time demand
TRUNCATION_STDS = 10.0  # the normal lead-time demand is cut this many standard deviations from its mean
POISSON_TAIL_MASS = 1e-15
MAX_GRID_POINTS = 4_000_000  # beyond this the grid step is coarsened
_FLAT = 1e-12  # relative size under which an echelon slope counts as zero


@dataclass(frozen=True)
class ClarkScarfResult:
    """Optimal policy of a serial system, stage 1 (downstream) first.

    Attributes:
        echelon_levels: optimal echelon base-stock levels [S*_1, ..., S*_N]; ``inf`` for a stage that
            should never hold stock back (local holding cost higher than downstream).
        local_levels: the equivalent installation (local) base-stock levels, from
            :func:`echelon_to_local`.
        expected_cost: expected cost per period of the optimal policy [C_N(S*_N)]: local holding on
            hand, holding of units in transit into stage i at h'_{i+1}, and p per unit backordered.
        pipeline_cost: the part of ``expected_cost`` charged to units in transit,
            sum_i h'_{i+1} L_i mu, which does not depend on the levels.
    """

    echelon_levels: tuple[float, ...]
    local_levels: tuple[float, ...]
    expected_cost: float
    pipeline_cost: float


@dataclass(frozen=True)
class ClarkScarfLevels:
    """:func:`clark_scarf_levels` on a netinv graph: the result keyed by node id.

    Attributes:
        stages: node ids of the stages, stage 1 (the demand node) first; the source is not a stage.
        echelon_levels: optimal echelon base-stock level of each stage node [S*_i].
        local_levels: equivalent installation (local) base-stock level of each stage node.
        expected_cost: expected cost per period, textbook convention (see :class:`ClarkScarfResult`).
        pipeline_cost: the part of ``expected_cost`` charged to units in transit.
    """

    stages: tuple
    echelon_levels: dict
    local_levels: dict
    expected_cost: float
    pipeline_cost: float


def clark_scarf(
    holding_costs_local: Sequence[float],
    lead_times: Sequence[float],
    shortage_cost: float,
    demand_mean: float,
    demand_std: float,
) -> ClarkScarfResult:
    """Optimal echelon base-stock levels of a serial system with normal demand.

    Args:
        holding_costs_local: local holding cost per unit per period of stages 1..N [h'_i], each >= 0.
        lead_times: stage lead times of stages 1..N in periods [L_i], each >= 0 (textbook sense: the
            echelon of stage i faces demand over L_1 + ... + L_i periods).
        shortage_cost: backorder cost per unit per period at stage 1 [p], > 0.
        demand_mean: mean demand per period [mu], >= 0.
        demand_std: standard deviation of demand per period [sigma], >= 0. Demand is the plain normal
            N(mu, sigma^2) of the textbook (not censored at zero).
    """
    local, leads = _check_stages(holding_costs_local, lead_times, shortage_cost)
    _check_number("demand_mean", demand_mean)
    _check_number("demand_std", demand_std)
    positive = [lead for lead in leads if lead > 0]
    if demand_std > 0 and positive:
        step = demand_std * math.sqrt(min(positive)) / POINTS_PER_STD
    else:  # deterministic demand: a step that divides the per-period mean
        step = demand_mean / 1000 if demand_mean > 0 else 1.0
    kernels = [_normal_kernel(lead * demand_mean, math.sqrt(lead) * demand_std, step) for lead in leads]
    # C_i is smooth (so a parabola may refine its minimizer) once some random demand has been averaged in.
    smooth = [demand_std > 0 and lead > 0 for lead in np.cumsum(leads)]
    return _solve(local, leads, shortage_cost, demand_mean, kernels, step, smooth=smooth)


def clark_scarf_poisson(
    holding_costs_local: Sequence[float],
    lead_times: Sequence[float],
    shortage_cost: float,
    demand_mean: float,
) -> ClarkScarfResult:
    """Optimal (integer) echelon base-stock levels of a serial system with Poisson demand.

    Arguments as for :func:`clark_scarf`; demand per period is Poisson with mean ``demand_mean``
    [lambda], so the demand over L_i periods is Poisson(L_i lambda). Ties go to the smallest level.
    """
    local, leads = _check_stages(holding_costs_local, lead_times, shortage_cost)
    _check_number("demand_mean", demand_mean)
    kernels = [_poisson_kernel(lead * demand_mean) for lead in leads]
    return _solve(local, leads, shortage_cost, demand_mean, kernels, 1.0, smooth=[False] * len(leads))


def echelon_to_local(echelon_levels: Sequence[float]) -> tuple[float, ...]:
    """Installation (local) base-stock levels equivalent to echelon levels, stage 1 first.

    The standard conversion (Axsater; Snyder & Shen section 6.2): an echelon level above an upstream
    one is never reached, so first S~_i = min(S_i, S_{i+1}, ..., S_N); then the local level of
    stage i is S~_i - S~_{i-1} (S~_0 = 0). Local levels are finite whenever S_N is.
    """
    levels = [float(level) for level in echelon_levels]
    effective = list(levels)
    for i in range(len(levels) - 2, -1, -1):
        effective[i] = min(levels[i], effective[i + 1])
    return tuple(effective[i] - (effective[i - 1] if i else 0.0) for i in range(len(levels)))


def clark_scarf_levels(
    graph: nx.DiGraph,
    *,
    holding_cost: str = attrs.HOLDING_COST,
    demand: str = attrs.DEMAND,
    shortage_cost: str = attrs.SHORTAGE_COST,
    backlog: str = attrs.BACKLOG,
    lead_time: str = attrs.LEAD_TIME,
) -> ClarkScarfLevels:
    """Clark-Scarf levels of a serial netinv network, keyed by node id.

    The graph is ``source -> stage N -> ... -> stage 1``: edges ``u -> v`` mean v orders from u; the
    source has no supplier, supplies without limit and is not a stage (its holding cost is ignored).
    Stage 1 is the only node with a ``demand`` (normal or Poisson), with ``backlog`` true.

    Lead-time convention (:mod:`netinv.timing`): an order placed at the start of period t on an edge
    with arrival delay l (lead time + the stage's processing time) arrives before demand in period
    t + l, and an item received in period t can be shipped on in period t + 1. So the edge into a stage
    is the textbook stage lead time L = l + 1.

    Edge ``pipeline_holding_cost`` is not used: the textbook model charges units in transit into a
    stage at the supplying stage's local holding cost (see :class:`ClarkScarfResult`). Normal demand is
    the plain normal of the textbook; netinv's sampler censors it at zero, which matters only when the
    mean is within a few standard deviations of zero.

    Raises:
        InvalidNetworkError: the graph is not such a serial line, the demand is neither normal nor
            Poisson, demand is lost rather than backordered, or the network has capacities, yields,
            fixed order costs or bill-of-material quantities the model does not have.
    """
    stages = _serial_stages(graph, demand)
    for node in stages:
        _check_model_assumptions(graph, node)
    front = stages[0]
    data = graph.nodes[front]
    if not data.get(backlog, True):
        raise InvalidNetworkError(
            f"node '{front}': Clark-Scarf needs backordered demand, but '{backlog}' is false"
        )
    spec = _demand_spec(front, data.get(demand))
    penalty = data.get(shortage_cost)
    if penalty is None or not (math.isfinite(penalty) and penalty > 0):
        raise InvalidNetworkError(f"node '{front}': Clark-Scarf needs '{shortage_cost}' > 0, got {penalty}")
    local = [float(graph.nodes[node].get(holding_cost, 0.0)) for node in stages]
    leads = []
    for node in stages:
        (supplier,) = graph.predecessors(node)
        value = graph.edges[supplier, node].get(lead_time, 0)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise InvalidNetworkError(
                f"edge '{supplier}' -> '{node}': '{lead_time}' must be an integer >= 0, got {value!r}"
            )
        processing = int(graph.nodes[node].get(attrs.PROCESSING_TIME) or 0)
        leads.append(timing.textbook_lead_time(timing.arrival_delay(value, processing, timing.convention_of(graph))))
    try:
        if isinstance(spec, Normal):
            result = clark_scarf(local, leads, penalty, spec.mean, spec.std)
        else:
            result = clark_scarf_poisson(local, leads, penalty, spec.mean)
    except InputError as exc:
        raise InvalidNetworkError(f"serial line ending at node '{front}': {exc}") from None
    return ClarkScarfLevels(
        stages=tuple(stages),
        echelon_levels=dict(zip(stages, result.echelon_levels, strict=True)),
        local_levels=dict(zip(stages, result.local_levels, strict=True)),
        expected_cost=result.expected_cost,
        pipeline_cost=result.pipeline_cost,
    )


# --------------------------------------------------------------------------------------------------
# the recursion


@dataclass(frozen=True)
class _Kernel:
    """Lead-time demand on the grid: ``weights[k]`` is P(D = (first + k) * step)."""

    first: int
    weights: np.ndarray


def _normal_kernel(mean: float, std: float, step: float) -> _Kernel:
    center = int(round(mean / step))
    if std <= 0:
        return _Kernel(center, np.ones(1))
    half = int(math.ceil(TRUNCATION_STDS * std / step)) + 1
    points = (center + np.arange(-half, half + 1)) * step
    weights = stats.norm.cdf(points + step / 2, mean, std) - stats.norm.cdf(points - step / 2, mean, std)
    return _Kernel(center - half, weights / weights.sum())


def _poisson_kernel(mean: float) -> _Kernel:
    if mean <= 0:
        return _Kernel(0, np.ones(1))
    bottom = int(stats.poisson.ppf(POISSON_TAIL_MASS, mean))
    top = int(stats.poisson.isf(POISSON_TAIL_MASS, mean)) + 1
    weights = stats.poisson.pmf(np.arange(bottom, top + 1), mean)
    return _Kernel(bottom, weights / weights.sum())


def _solve(
    local: list[float],
    leads: list[float],
    shortage_cost: float,
    demand_mean: float,
    kernels: list[_Kernel],
    step: float,
    *,
    smooth: list[bool],
) -> ClarkScarfResult:
    stages = len(local)
    echelon = [local[i] - (local[i + 1] if i + 1 < stages else 0.0) for i in range(stages)]
    # Grid indices (x = index * step): below ``low`` every C_i is linear (all short), above ``high``
    # every stage is above its level. Both follow from the cumulative kernel supports.
    bottoms = np.cumsum([k.first for k in kernels])
    tops = np.cumsum([k.first + k.weights.size - 1 for k in kernels])
    low = min(0, int(bottoms.min())) - 3
    high = max(0, int(tops.max())) + 3
    if high - low + 1 > MAX_GRID_POINTS:
        raise InputError(
            f"clark_scarf: the cost functions need {high - low + 1} grid points (limit {MAX_GRID_POINTS}); "
            "the lead-time demand is too large relative to its standard deviation"
        )
    x = np.arange(low, high + 1) * step
    scale = max(shortage_cost, max(abs(c) for c in local))
    carried = (shortage_cost + local[0]) * np.maximum(-x, 0.0)  # C-_0 = C^_0
    slope_right = 0.0  # slope of C-_{i-1} for large x
    levels: list[float] = []
    cost = math.nan
    for i in range(stages):
        values = _expect(echelon[i] * x + carried, kernels[i])
        slope_right = echelon[i] + slope_right
        if slope_right < -_FLAT * scale:  # C_i decreases without bound: never hold stock back
            levels.append(math.inf)
            carried, cost = values, math.nan
            continue
        flat = slope_right <= _FLAT * scale
        level, cost = _minimize(x, values, refine=smooth[i] and not flat, flat=flat)
        levels.append(level)
        carried = np.where(x < level, values, cost)
        slope_right = 0.0
    pipeline = sum((local[i + 1] if i + 1 < stages else 0.0) * leads[i] * demand_mean for i in range(stages))
    return ClarkScarfResult(
        echelon_levels=tuple(levels),
        local_levels=echelon_to_local(levels),
        expected_cost=float(cost),
        pipeline_cost=float(pipeline),
    )


def _expect(values: np.ndarray, kernel: _Kernel) -> np.ndarray:
    """E[values(x - D)] on the grid; ``values`` is extended linearly beyond both ends."""
    weights = kernel.weights
    pad = max(0, kernel.first + weights.size - 1, -kernel.first) + 1
    left = values[0] - (values[1] - values[0]) * np.arange(pad, 0, -1)
    right = values[-1] + (values[-1] - values[-2]) * np.arange(1, pad + 1)
    extended = np.concatenate([left, values, right])
    full = signal.convolve(extended, weights, mode="full")  # full[n] = sum_k w[k] extended[n - k]
    start = pad - kernel.first
    return full[start : start + values.size]


def _minimize(x: np.ndarray, values: np.ndarray, *, refine: bool, flat: bool) -> tuple[float, float]:
    """The smallest minimizer of ``values`` on the grid and its value, refined by a parabola."""
    best = float(values.min())
    tolerance = (1e-9 if flat else 1e-12) * (1.0 + abs(best))
    index = int(np.argmax(values <= best + tolerance)) if not refine else int(np.argmin(values))
    if not refine or not 0 < index < values.size - 1:
        return float(x[index]), float(values[index])
    before, middle, after = values[index - 1], values[index], values[index + 1]
    curvature = before - 2.0 * middle + after
    if curvature <= 0:
        return float(x[index]), float(middle)
    shift = 0.5 * (before - after) / curvature  # vertex of the parabola, in grid steps
    step = x[1] - x[0]
    return float(x[index] + shift * step), float(middle - 0.25 * (before - after) * shift)


# --------------------------------------------------------------------------------------------------
# checks


def _check_number(name: str, value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InputError(f"clark_scarf: {name} must be a finite number >= 0, got {value!r}")


def _check_stages(
    holding_costs_local: Sequence[float], lead_times: Sequence[float], shortage_cost: float
) -> tuple[list[float], list[float]]:
    local, leads = list(holding_costs_local), list(lead_times)
    if not local:
        raise InputError("clark_scarf: holding_costs_local must list at least one stage")
    if len(leads) != len(local):
        raise InputError(
            f"clark_scarf: lead_times has {len(leads)} entries but holding_costs_local has {len(local)}"
        )
    for i, (cost, lead) in enumerate(zip(local, leads, strict=True), start=1):
        _check_number(f"holding_costs_local of stage {i}", cost)
        _check_number(f"lead_times of stage {i}", lead)
    _check_number("shortage_cost", shortage_cost)
    if shortage_cost <= 0:
        raise InputError("clark_scarf: shortage_cost must be > 0")
    return [float(c) for c in local], [float(lead) for lead in leads]


def _serial_stages(graph: nx.DiGraph, demand: str) -> list:
    """Stage nodes from the demand node upstream, checking that the graph is one serial line."""
    if graph.number_of_nodes() == 0:
        raise InvalidNetworkError("Clark-Scarf needs a serial network, got an empty graph")
    demand_nodes = [n for n, d in graph.nodes(data=True) if d.get(demand) is not None]
    if len(demand_nodes) != 1:
        found = ", ".join(f"'{n}'" for n in demand_nodes) or "none"
        raise InvalidNetworkError(f"Clark-Scarf needs exactly one demand node, found {found}")
    node = demand_nodes[0]
    if graph.out_degree(node) != 0:
        raise InvalidNetworkError(
            f"node '{node}': the demand node must be the end of the serial line, but it supplies "
            + ", ".join(f"'{v}'" for v in graph.successors(node))
        )
    stages, seen = [], {node}
    while True:
        suppliers = list(graph.predecessors(node))
        if len(suppliers) != 1:
            raise InvalidNetworkError(
                f"node '{node}': a serial stage needs exactly one supplier, it has {len(suppliers)}"
            )
        stages.append(node)
        supplier = suppliers[0]
        if supplier in seen:
            raise InvalidNetworkError(f"node '{supplier}': the supply line runs in a cycle")
        seen.add(supplier)
        if graph.out_degree(supplier) != 1:
            raise InvalidNetworkError(
                f"node '{supplier}': a serial stage or source supplies exactly one customer, "
                f"it supplies {graph.out_degree(supplier)}"
            )
        if graph.in_degree(supplier) == 0:  # the source
            source = graph.nodes[supplier]
            if source.get(attrs.EXTERNAL_SUPPLY, True) is False:
                raise InvalidNetworkError(
                    f"node '{supplier}': the source of a serial line needs external supply"
                )
            if source.get(attrs.CAPACITY) not in (None, math.inf):
                raise InvalidNetworkError(
                    f"node '{supplier}': Clark-Scarf assumes an unlimited source, got "
                    f"'{attrs.CAPACITY}' {source[attrs.CAPACITY]!r}"
                )
            break
        node = supplier
    stray = [n for n in graph if n not in seen]
    if stray:
        raise InvalidNetworkError(f"node '{stray[0]}': not on the serial line ending at '{stages[0]}'")
    return stages


def _check_model_assumptions(graph: nx.DiGraph, node) -> None:
    """The Clark-Scarf model has no capacities, yield losses, fixed order costs or BOM quantities."""
    data = graph.nodes[node]
    (supplier,) = graph.predecessors(node)
    edge = graph.edges[supplier, node]
    label = f"edge '{supplier}' -> '{node}'"
    checks = [
        (f"node '{node}'", attrs.CAPACITY, data.get(attrs.CAPACITY), None),
        (f"node '{node}'", attrs.YIELD, data.get(attrs.YIELD, 1.0), 1.0),
        (label, attrs.EDGE_CAPACITY, edge.get(attrs.EDGE_CAPACITY), None),
        (label, attrs.QUANTITY, edge.get(attrs.QUANTITY, 1.0), 1.0),
        (label, attrs.FIXED_ORDER_COST, edge.get(attrs.FIXED_ORDER_COST, 0.0), 0.0),
        (label, attrs.EDGE_BACKLOG, edge.get(attrs.EDGE_BACKLOG, True), True),
        (label, attrs.KIND, edge.get(attrs.KIND, attrs.SUPPLY), attrs.SUPPLY),
    ]
    for owner, key, value, allowed in checks:
        if value is not None and value != allowed and not (allowed is None and value == math.inf):
            raise InvalidNetworkError(
                f"{owner}: Clark-Scarf assumes no '{key}' other than {allowed!r}, got {value!r}"
            )


def _demand_spec(node, raw) -> Normal | Poisson:
    if isinstance(raw, Normal | Poisson):
        return raw
    try:
        spec = parse_demand(raw) if isinstance(raw, dict) else raw
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidDemandError(f"node '{node}': invalid demand: {first.get('msg', exc)}") from None
    if not isinstance(spec, Normal | Poisson):
        kind = getattr(spec, "distribution", None) or (
            raw.get("distribution") if isinstance(raw, dict) else raw
        )
        raise InvalidDemandError(f"node '{node}': Clark-Scarf needs normal or Poisson demand, got '{kind}'")
    return spec

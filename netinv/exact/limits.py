"""Refuse an exact model up front when it would exceed memory or time, before anything is built.

A planning LP of 20,000 nodes over 30 periods with 20 scenarios has about 10^8 nonzeros: building it
would take tens of GB and HiGHS hours. :func:`check_exact_size` counts the model's rows, columns and
nonzeros from the network's arrays alone (O(nodes + edges) arithmetic, no matrix), estimates memory and
time from them, and raises a one-line :class:`~netinv.errors.InputError` naming the limit, the estimate
and the alternative (``--method gnn``, or ``--policy gnn`` for ``simulate``).

The counts of the planning model are exact: :func:`planning_size` mirrors
:class:`~netinv.exact.fastlp.PlanningLP` block by block (tests compare it with the built model). The
memory and time estimates are rough, from measurements on this project's machine (2 shared cores):

- memory: PlanningLP's build and hand-off took 101-109 bytes per nonzero (peak RSS; 0.26 M to 10 M
  nonzeros) and the first dual-simplex solve raised the peak to about 600 bytes per nonzero (158 MB at
  0.26 M nonzeros): :data:`BYTES_PER_NONZERO`;
- time of one cold solve: seconds ~ c x nonzeros^1.5; at 0.26 M nonzeros a generated distribution
  network took 4.6 s and a general one 28.6 s (c = 3.5e-8 and 2.1e-7): :data:`SECONDS_COEFFICIENT` is
  in between. A rolling-horizon policy re-solves warm-started models; a re-solve costs about
  :data:`RESOLVE_FRACTION` of a cold solve (bench_planning: 0.05-0.25 s against 1.4-9.7 s cold);
- guaranteed-service placement: the largest chain measured (1,479 stages) took 9 s and generated
  networks of 1,000 stages 3.5 s; beyond :attr:`ExactLimits.max_gsm_stages` nothing was measured.

The limits are the fields of :class:`ExactLimits` (defaults: the module constants); pass another
instance to raise or lower them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from netinv.errors import InputError
from netinv.exact.planning import PlanOptions
from netinv.network.compile import NetworkArrays

BYTES_PER_NONZERO = 600  # peak memory of the planning LP (build, hand-off, first solve) per nonzero
SECONDS_COEFFICIENT = 1e-7  # one cold dual-simplex solve takes about this x nonzeros^1.5 seconds
SECONDS_EXPONENT = 1.5
RESOLVE_FRACTION = 0.1  # a warm-started re-solve costs about this fraction of a cold solve

MAX_MEMORY_BYTES = 4 * 1024**3  # 4 GiB
MAX_SECONDS = 3600.0  # estimated solver time of the whole job
MAX_GSM_STAGES = 5_000

MODELS = ("plan", "mpc", "gsm")


@dataclass(frozen=True)
class ExactLimits:
    """What an exact model may use.

    max_memory_bytes: estimated peak memory of the model (build plus solve).
    max_seconds: estimated solver time of the whole job (every solve of a rolling-horizon policy).
    max_gsm_stages: stages of a guaranteed-service placement.
    """

    max_memory_bytes: int = MAX_MEMORY_BYTES
    max_seconds: float = MAX_SECONDS
    max_gsm_stages: int = MAX_GSM_STAGES


@dataclass(frozen=True)
class ModelSize:
    """The size of an exact model and what it is estimated to cost.

    model: ``plan``, ``mpc`` or ``gsm``. rows, columns, nonzeros, integers: of the largest model built
    (for ``gsm``: its stages as rows and columns, nonzeros 0). solves: how many solves the job runs.
    memory_bytes, seconds: estimates (see the module docstring).
    """

    model: str
    rows: int
    columns: int
    nonzeros: int
    integers: int
    solves: int
    memory_bytes: int
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def planning_size(arrays: NetworkArrays, horizon: int, scenarios: int = 1,
                  options: PlanOptions = PlanOptions()) -> dict[str, int]:
    """Rows, columns, nonzeros and integer columns of ``PlanningLP(arrays, horizon, scenarios, options)``,
    counted without building it (the same blocks as :mod:`netinv.exact.fastlp`)."""
    a = arrays
    T, K = int(horizon), int(scenarios)
    if T < 1 or K < 1:
        raise InputError(f"planning model: horizon and scenarios must be >= 1, got {horizon}, {scenarios}")
    N, E, D = a.num_nodes, a.num_edges, a.num_demand_nodes
    shared = 1 + K * (T - 1)  # blocks whose period 0 is shared by all scenarios
    full = K * T
    limited = ~a.unlimited
    n_limited = int(limited.sum())
    assembly_nodes = int((limited & a.assembly).sum())
    component = a.assembly[a.edge_target]
    comp_edges = int(component.sum())
    plain = ~component & ~a.unlimited[a.edge_target]
    fixed = options.uses_fixed_costs(a)
    n_fixed = int((a.fixed_order_cost > 0).sum()) if fixed else 0
    n_lots = int((a.lot_size > 0).sum())
    X = len(a.trans_keys) if options.transshipment else 0
    has_out = np.zeros(N, dtype=bool)
    has_out[a.edge_source] = True
    ship_nodes = int((limited & has_out).sum())
    cap_nodes = int((np.isfinite(a.capacity) & has_out).sum())
    out_e = int(limited[a.edge_source].sum())
    cap_e = int((np.isfinite(a.capacity) & has_out)[a.edge_source].sum())

    def arriving(lead: np.ndarray) -> int:  # (k, t, e) with t >= lead_e: the arrival lands in the horizon
        return K * int(np.maximum(T - lead.astype(np.int64), 0).sum())

    columns = shared * E + full * (n_limited + 2 * D + assembly_nodes + comp_edges + X) + shared * (n_fixed + n_lots)
    rows = shared * (ship_nodes + cap_nodes + n_fixed + n_lots) + full * (n_limited + D + comp_edges)
    later = K * (T - 1)  # (k, t) with t >= 1: terms linking a period to the one before
    nonzeros = (
        shared * out_e + later * ship_nodes  # shipping
        + shared * cap_e  # capacity
        + full * n_limited + later * n_limited + full * out_e + full * D  # balance: stock, orders, sales
        + arriving(a.lead_time[plain]) + full * assembly_nodes  # balance: arrivals, kits
        + (full * X + arriving(a.trans_lead_time) if X else 0)  # balance: transshipment
        + 2 * full * D + later * D  # demand
        + (2 * full * comp_edges + later * comp_edges + arriving(a.lead_time[component]) if comp_edges else 0)
        + 2 * shared * (n_fixed + n_lots)  # fixed-cost and lot-size links
    )
    integers = shared * (n_fixed + n_lots) + (shared * E if options.integer_orders else 0)
    return {"columns": int(columns), "rows": int(rows), "nonzeros": int(nonzeros), "integers": int(integers)}


def solve_seconds(nonzeros):
    """Rough seconds of one cold solve of a planning LP with ``nonzeros`` (see the module docstring); an
    array of counts gives an array."""
    if isinstance(nonzeros, np.ndarray):
        return SECONDS_COEFFICIENT * nonzeros.astype(float) ** SECONDS_EXPONENT
    return SECONDS_COEFFICIENT * float(nonzeros) ** SECONDS_EXPONENT


def window_nonzeros(arrays: NetworkArrays, horizons: np.ndarray, scenarios: int = 1,
                    options: PlanOptions = PlanOptions()) -> np.ndarray:
    """The nonzeros of :func:`planning_size` for each horizon of ``horizons`` (an array), without a call per
    horizon: past the longest lead time every block of the model grows linearly with the horizon, so two
    sizes there give the rest exactly (a rolling window over 100,000 periods is sized in milliseconds)."""
    longest = int(max(arrays.lead_time.max(initial=0), arrays.trans_lead_time.max(initial=0))) + 1
    out = np.empty(len(horizons), dtype=float)
    small = horizons <= longest + 1
    for i in np.flatnonzero(small):
        out[i] = planning_size(arrays, int(horizons[i]), scenarios, options)["nonzeros"]
    if (~small).any():
        base = planning_size(arrays, longest + 1, scenarios, options)["nonzeros"]
        step = planning_size(arrays, longest + 2, scenarios, options)["nonzeros"] - base
        out[~small] = base + step * (horizons[~small] - (longest + 1)).astype(float)
    return out


def estimate(arrays: NetworkArrays, model: str, *, horizon: int = 30, scenarios: int = 1, periods: int | None = None,
             paths: int = 1, shrinking: bool = False, options: PlanOptions = PlanOptions()) -> ModelSize:
    """The size and cost of an exact job on ``arrays``.

    ``plan``: one planning model of ``horizon`` periods and ``scenarios`` scenarios, solved once per path
    (``paths`` > 1: the perfect-information oracle, one demand path at a time).
    ``mpc``: a rolling-horizon policy simulated on ``paths`` paths of ``periods`` periods, re-solving a
    window of ``horizon`` periods (``shrinking``: the rest of the ``periods``) every period and path.
    ``gsm``: a guaranteed-service placement over the network's nodes.
    """
    if model not in MODELS:
        raise InputError(f"exact model: must be one of {', '.join(MODELS)}, got {model!r}")
    if model == "gsm":
        stages = arrays.num_nodes
        return ModelSize(model="gsm", rows=stages, columns=stages, nonzeros=0, integers=0, solves=1,
                         memory_bytes=0, seconds=0.0)
    if model == "plan":
        size = planning_size(arrays, horizon, scenarios, options)
        cold = solve_seconds(size["nonzeros"])
        return ModelSize(model="plan", solves=paths, memory_bytes=BYTES_PER_NONZERO * size["nonzeros"],
                         seconds=cold * (1 + RESOLVE_FRACTION * (paths - 1)), **size)
    periods = int(periods or horizon)
    windows = np.array([periods - t if shrinking else min(horizon, periods - t) for t in range(periods)])
    largest = planning_size(arrays, int(windows.max()), scenarios, options)
    # every path re-solves a warm model each period; each window length is built and solved cold once
    distinct, count = np.unique(windows, return_counts=True)
    cold = solve_seconds(window_nonzeros(arrays, distinct, scenarios, options))
    seconds = float(cold.sum() + paths * RESOLVE_FRACTION * (cold * count).sum())
    return ModelSize(model="mpc", solves=periods * paths, memory_bytes=BYTES_PER_NONZERO * largest["nonzeros"],
                     seconds=float(seconds), **largest)


def check_exact_size(arrays: NetworkArrays, model: str, *, horizon: int = 30, scenarios: int = 1,
                     periods: int | None = None, paths: int = 1, shrinking: bool = False,
                     options: PlanOptions = PlanOptions(), limits: ExactLimits = ExactLimits(),
                     alternative: str = "--method gnn") -> ModelSize:
    """Return the job's :class:`ModelSize` (see :func:`estimate`), or raise a one-line InputError when it
    exceeds ``limits``; the message names the limit, the estimate and ``alternative``."""
    size = estimate(arrays, model, horizon=horizon, scenarios=scenarios, periods=periods, paths=paths,
                    shrinking=shrinking, options=options)
    where = f"network {arrays.name!r}"
    if model == "gsm":
        if size.rows > limits.max_gsm_stages:
            raise InputError(f"{where}: the guaranteed-service placement would have {size.rows:,} stages, over "
                             f"the limit of {limits.max_gsm_stages:,} (ExactLimits.max_gsm_stages); use "
                             f"{alternative}")
        return size
    if model == "plan":
        what = f"the exact planning model ({horizon} periods x {scenarios} scenario(s))"
    else:
        window = periods if shrinking else min(horizon, periods or horizon)
        what = f"the rolling-horizon policy ({size.solves:,} solves of up to {window} periods x {scenarios} scenario(s))"
    counts = f"{size.rows:,} rows, {size.columns:,} columns, {size.nonzeros:,} nonzeros"
    if size.memory_bytes > limits.max_memory_bytes:
        raise InputError(f"{where}: {what} would have {counts}, about {_gb(size.memory_bytes)} of memory, over the "
                         f"limit of {_gb(limits.max_memory_bytes)} (ExactLimits.max_memory_bytes); use {alternative}")
    if size.seconds > limits.max_seconds:
        raise InputError(f"{where}: {what} would have {counts} and take about {_duration(size.seconds)} of solver "
                         f"time, over the limit of {_duration(limits.max_seconds)} (ExactLimits.max_seconds); use "
                         f"{alternative}")
    return size


def _gb(value: float) -> str:
    return f"{value / 1024**3:.3g} GB"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"

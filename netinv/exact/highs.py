"""The HiGHS layer shared by every exact model: solver options, the termination check, and one solve.

Models reach HiGHS as numpy / scipy column-wise (CSC) arrays through ``highspy.Highs.passModel`` — the
fast hand-off (Pyomo models are compiled to that form first, see :mod:`netinv.exact.pyomo_highs`). The
termination condition is always read and mapped to a :class:`Status`; nothing reads a variable value of
a model HiGHS did not solve.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

import highspy
import numpy as np

from netinv.errors import InputError, SolverError

METHODS = ("choose", "simplex", "ipm", "pdlp")


class Status(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"  # stopped by the time limit: ``objective`` is the best incumbent, if any
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"


@dataclass(frozen=True)
class SolverOptions:
    """Options passed to HiGHS.

    time_limit: seconds of solver time; ``None`` = no limit.
    mip_gap: relative MIP gap at which a MILP counts as solved (HiGHS' ``mip_rel_gap``); ``None`` = HiGHS'
        default (1e-4).
    threads: HiGHS threads; ``None`` = HiGHS' choice.
    method: ``choose`` | ``simplex`` | ``ipm`` | ``pdlp`` (dual simplex was fastest on the planning LPs).
    verbose: print HiGHS' log.
    """

    time_limit: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    method: str = "simplex"
    verbose: bool = False

    def __post_init__(self):
        if self.method not in METHODS:
            raise InputError(f"solver method: must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.time_limit is not None and not self.time_limit > 0:
            raise InputError(f"time limit: must be > 0 seconds, got {self.time_limit}")
        if self.mip_gap is not None and not 0 <= self.mip_gap < 1:
            raise InputError(f"mip gap: must be in [0, 1), got {self.mip_gap}")
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads: must be >= 1, got {self.threads}")


def new_highs(options: SolverOptions):
    """A fresh ``highspy.Highs`` with the options applied (silent unless ``verbose``)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    if options.mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("solver", options.method)
    return h


def pass_model(h, cost, col_lower, col_upper, row_lower, row_upper, matrix, integrality=None, offset=0.0):
    """Hand a minimization model to HiGHS: ``matrix`` is a scipy sparse matrix (converted to CSC)."""
    import scipy.sparse as sp

    a = sp.csc_matrix(matrix)
    num_col, num_row = a.shape[1], a.shape[0]
    if integrality is None:
        integrality = np.zeros(num_col, dtype=np.int32)  # highspy 1.15 rejects an empty array
    status = h.passModel(
        int(num_col), int(num_row), int(a.nnz), 1, 1, float(offset),
        np.asarray(cost, dtype=np.float64), np.asarray(col_lower, dtype=np.float64),
        np.asarray(col_upper, dtype=np.float64), np.asarray(row_lower, dtype=np.float64),
        np.asarray(row_upper, dtype=np.float64), a.indptr.astype(np.int32), a.indices.astype(np.int32),
        a.data.astype(np.float64), np.asarray(integrality, dtype=np.int32),
    )
    if str(status) not in ("HighsStatus.kOk", "HighsStatus.kWarning"):
        raise SolverError(f"HiGHS rejected the model ({status})")


@dataclass
class RunResult:
    """What one HiGHS run produced (objective in the minimization sense HiGHS saw)."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    values: np.ndarray | None
    seconds: float
    iterations: int


def run(h, *, integer: bool) -> RunResult:
    """Run HiGHS on the model it holds and read its termination condition."""
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    ms = h.getModelStatus()
    S = highspy.HighsModelStatus
    status = {
        S.kOptimal: Status.OPTIMAL,
        S.kTimeLimit: Status.TIME_LIMIT,
        S.kInfeasible: Status.INFEASIBLE,
        S.kUnbounded: Status.UNBOUNDED,
        S.kUnboundedOrInfeasible: Status.INFEASIBLE_OR_UNBOUNDED,
        S.kInterrupt: Status.INTERRUPTED,
        S.kHighsInterrupt: Status.INTERRUPTED,
    }.get(ms, Status.ERROR)
    info = h.getInfo()
    has_solution = status == Status.OPTIMAL or (
        status in (Status.TIME_LIMIT, Status.INTERRUPTED) and int(info.primal_solution_status) == 2
    )
    values = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else None
    bound = gap = None
    if integer:
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap) if has_solution else None
    elif status == Status.OPTIMAL:
        bound, gap = objective, 0.0
    if integer and values is not None:
        check_objective(h, objective, values)
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    return RunResult(status, objective, bound, gap, values, seconds, iterations)


def check_objective(h, reported: float, values: np.ndarray) -> None:
    """Refuse a MIP answer whose objective, recomputed from its own solution, is not the one HiGHS reports.

    HiGHS 1.16.0's MIP presolve was seen to return a point costing 8.278 on a placement model whose optimum
    is 7.718 and report it as optimal with objective 5.449 (1.14.0 had a bug of the same family, HiGHS
    issue 2961); netinv pins both out, and this check catches that class of fault in any other version.
    """
    lp = h.getLp()
    terms = np.asarray(lp.col_cost_, dtype=np.float64) * values
    recomputed = float(lp.offset_) + float(terms.sum())
    tolerance = 1e-6 * max(1.0, float(np.abs(terms).sum()), abs(reported))
    if abs(recomputed - reported) > tolerance:
        raise SolverError(
            f"HiGHS {highs_version()} reported objective {reported:.10g} for a MIP whose solution costs "
            f"{recomputed:.10g}: its answer is not trusted (a MIP presolve bug? netinv is tested with highspy 1.15)")


def highs_version() -> str:
    """The running HiGHS version, e.g. ``1.15.1``."""
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def failure_message(status: Status, what: str) -> str:
    """One line saying why ``what`` has no usable solution."""
    return {
        Status.INFEASIBLE: f"{what} is infeasible: no plan meets every constraint (e.g. demand that must be "
        "met exceeds what capacity and stock can deliver)",
        Status.UNBOUNDED: f"{what} is unbounded: some profit can grow without limit (a price with no "
        "capacity or demand limit?)",
        Status.INFEASIBLE_OR_UNBOUNDED: f"{what} is infeasible or unbounded (HiGHS could not tell which)",
        Status.TIME_LIMIT: f"{what}: the time limit was reached before any feasible plan was found",
        Status.INTERRUPTED: f"{what}: interrupted before any feasible plan was found",
        Status.ERROR: f"{what}: HiGHS stopped with an error",
    }.get(status, f"{what}: {status}")

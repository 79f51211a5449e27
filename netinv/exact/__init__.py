"""Exact models (Pyomo builders, a fast matrix path, and the HiGHS solve wrapper)."""

from netinv.demand.expected import expected_demand, sample_demand
from netinv.exact.highs import SolverOptions, Status
from netinv.exact.planning import PlanOptions, PlanState, build_planning_model
from netinv.exact.solution import Solution

__all__ = [
    "PlanOptions",
    "PlanState",
    "SolverOptions",
    "Solution",
    "Status",
    "build_planning_model",
    "expected_demand",
    "sample_demand",
]

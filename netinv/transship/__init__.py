"""Lateral transshipment: two-stage stocking with transshipment recourse (sample-average LP, solved by an
exact decomposition or as one LP), the two-location closed form, and the value of transshipment
(independent newsvendors / given costs / full pooling), also from simulation with optimized base-stock
levels. The simulator's transshipment rule is :class:`netinv.sim.transshipment.CostAwareTransshipment`."""

from netinv.transship.analysis import (
    TransshipConfig,
    TransshipmentAnalysis,
    TransshipmentValue,
    analyze_transshipment,
    transshipment_value,
)
from netinv.transship.decomposition import BundleOptions
from netinv.transship.problem import TransshipmentProblem, sample_demand, transshipment_problem
from netinv.transship.saa import StockingResult, evaluate_levels, paying_edges, solve_stocking
from netinv.transship.simulation import simulated_value
from netinv.transship.two_location import TwoLocationResult, two_location_cost, two_location_optimum

__all__ = [
    "BundleOptions",
    "StockingResult",
    "TransshipConfig",
    "TransshipmentAnalysis",
    "TransshipmentProblem",
    "TransshipmentValue",
    "TwoLocationResult",
    "analyze_transshipment",
    "evaluate_levels",
    "paying_edges",
    "sample_demand",
    "simulated_value",
    "solve_stocking",
    "transshipment_problem",
    "transshipment_value",
    "two_location_cost",
    "two_location_optimum",
]

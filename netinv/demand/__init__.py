"""Demand: distribution specs and bulk sampling (:mod:`~netinv.demand.distributions`), demand paths read
from CSV (:mod:`~netinv.demand.paths`), forecasts of demand for the planning policies
(:mod:`~netinv.demand.forecast`), and the expected and sampled demand of a network over a window with
the normal-demand formulas every module shares (:mod:`~netinv.demand.expected`; imported on use: it
needs scipy).

The distribution names are re-exported here: ``from netinv.demand import parse_demand, DemandSampler``
works as it always has.
"""

from netinv.demand.distributions import (
    DISTRIBUTIONS,
    DemandSampler,
    DemandSpec,
    Empirical,
    Gamma,
    Normal,
    Poisson,
    Series,
    Uniform,
    parse_demand,
)

__all__ = [
    "DISTRIBUTIONS",
    "DemandSampler",
    "DemandSpec",
    "Empirical",
    "Gamma",
    "Normal",
    "Poisson",
    "Series",
    "Uniform",
    "parse_demand",
]

"""The simulator: vectorized over demand paths and nodes, and its KPIs."""

from netinv.sim.kpis import SimResult
from netinv.sim.simulator import SimConfig, Simulation, simulate
from netinv.sim.state import SimState
from netinv.sim.transshipment import CostAwareTransshipment, TransshipmentRule

__all__ = [
    "CostAwareTransshipment",
    "SimConfig",
    "SimResult",
    "SimState",
    "Simulation",
    "TransshipmentRule",
    "simulate",
]

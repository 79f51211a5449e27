"""The simulator: vectorized over demand paths and nodes, and its KPIs."""

from netinv.sim.kpis import SimResult
from netinv.sim.simulator import SimConfig, TransshipmentRule, simulate
from netinv.sim.state import SimState

__all__ = ["SimConfig", "SimResult", "SimState", "TransshipmentRule", "simulate"]

"""The policy interface: state in, orders out.

A policy sees the simulator's :class:`~netinv.sim.state.SimState` at the start of a period and returns
the order placed on every supply edge, an array of shape (E, B) in units of the edge's source. The
simulator calls :meth:`Policy.prepare` once before the first period. Every policy, classic, exact or
learned, implements this, and one contract battery (:func:`netinv.policies.checks.check_policy`) runs
them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from netinv.network.compile import NetworkArrays
    from netinv.sim.state import SimState


@runtime_checkable
class Policy(Protocol):
    """Decides the orders of one period for all paths at once."""

    name: str

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        """Called once before a simulation; precompute whatever depends only on the network."""

    def orders(self, state: SimState) -> np.ndarray:
        """Orders per supply edge, shape (E, B), non-negative, in units of the edge's source."""

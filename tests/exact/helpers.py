"""Shared by the tests of netinv.exact."""

from __future__ import annotations

from netinv.exact import PlanState


def random_state(arrays, rng):
    """The initial state with 0-4 units already in transit on every period of every edge's lead time."""
    state = PlanState.initial(arrays)
    arrivals = state.arrivals.copy()
    for e in range(arrays.num_edges):
        for r in range(int(arrays.lead_time[e])):
            arrivals[e, r] = rng.integers(0, 5)
    return PlanState(state.on_hand, state.backlog, arrivals, state.components)

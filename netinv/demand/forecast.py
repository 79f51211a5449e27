"""A demand forecast that the planning policies and the GNN's features can use in place of the demand
distributions.

A :class:`DemandForecast` covers some demand nodes of a network (the others keep their distributions)
over periods 0..T-1 of a simulation (period 0 = the first period planned, e.g. the one after the
history ends):

- ``mean[t, j]`` [d^_{t,j}]: the forecast mean of node j in period t; the deterministic rolling-horizon
  policy plans on it;
- ``residuals[r, j]`` [e_{r,j}]: a pool of forecast errors of node j (for a history node: its
  forecast's centred errors on held-out periods); the stochastic policy draws scenario demand max(0, d^_{t,j} + e) with e
  bootstrapped from the pool, independently per period and node (by Latin hypercube over its sorted
  values when the scenarios are stratified).

:func:`netinv.history.forecast.scenario_forecast` builds one from the histories of a scenario
(each node's demand model, :mod:`netinv.history.model`: the forecast a backtest on held-out periods
chose, its centred held-out errors as the pool). Numpy only: no statsmodels here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from netinv.errors import InputError


@dataclass(frozen=True, eq=False)
class DemandForecast:
    """Forecast demand of the demand nodes ``nodes`` (ids) over ``mean.shape[0]`` periods.

    nodes: ids of the demand nodes covered, in the order of the columns.
    mean: (T, len(nodes)) forecast mean per period [d^], >= 0.
    residuals: (R, len(nodes)) one-step forecast errors to bootstrap [e] (R may be 0: no errors, the
        stochastic policy then plans on the mean in every scenario).
    """

    nodes: tuple[str, ...]
    mean: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)

    def __post_init__(self):
        nodes = tuple(str(n) for n in self.nodes)
        mean = np.asarray(self.mean, dtype=np.float64)
        residuals = np.asarray(self.residuals, dtype=np.float64)
        if residuals.size == 0:
            residuals = residuals.reshape(0, len(nodes))
        if len(set(nodes)) != len(nodes):
            raise InputError("forecast: a demand node is listed twice")
        if mean.ndim != 2 or mean.shape[1] != len(nodes) or mean.shape[0] < 1:
            raise InputError(f"forecast: mean must have shape (periods >= 1, {len(nodes)}), got {mean.shape}")
        if residuals.ndim != 2 or residuals.shape[1] != len(nodes):
            raise InputError(f"forecast: residuals must have shape (R, {len(nodes)}), got {residuals.shape}")
        if not np.all(np.isfinite(mean)) or np.any(mean < 0) or not np.all(np.isfinite(residuals)):
            raise InputError("forecast: the mean must be finite and >= 0, the residuals finite")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "residuals", residuals)

    @property
    def periods(self) -> int:
        return int(self.mean.shape[0])

    def __repr__(self) -> str:
        return (f"DemandForecast(nodes={list(self.nodes)}, periods={self.periods}, "
                f"residuals={self.residuals.shape[0]})")

    def columns(self, arrays) -> np.ndarray:
        """(len(nodes),) the demand index (0..D-1) in ``arrays`` of each node covered."""
        demand_ids = list(arrays.node_ids[arrays.demand_slice])
        out = []
        for node in self.nodes:
            if node not in demand_ids:
                raise InputError(f"forecast: node '{node}' is not a demand node of the network")
            out.append(demand_ids.index(node))
        return np.asarray(out, dtype=np.int64)

    def window(self, start: int, periods: int) -> np.ndarray:
        """(periods, len(nodes)) forecast mean of periods start .. start + periods - 1."""
        if start < 0 or start + periods > self.periods:
            raise InputError(f"forecast: covers periods 0..{self.periods - 1}; periods {start}..{start + periods - 1} "
                             "were asked for (forecast further ahead)")
        return self.mean[start:start + periods]

    def errors(self, u: np.ndarray) -> np.ndarray:
        """Forecast errors at probabilities ``u`` (..., len(nodes)) in [0, 1): the empirical inverse
        distribution function of each node's residuals (0 without residuals)."""
        u = np.asarray(u, dtype=np.float64)
        R = self.residuals.shape[0]
        if R == 0:
            return np.zeros(u.shape)
        pool = np.sort(self.residuals, axis=0)  # (R, k)
        pick = np.minimum((u * R).astype(np.int64), R - 1)
        return pool[pick, np.arange(pool.shape[1])]  # pick (..., k) broadcasts against the k columns

    def expected(self, arrays, start: int, periods: int) -> np.ndarray:
        """(periods, D) expected demand of every demand node of ``arrays``: the forecast mean where the
        forecast covers the node, :func:`netinv.demand.expected.expected_demand` elsewhere."""
        from netinv.demand.expected import expected_demand

        return expected_demand(arrays, start, periods, forecast=self)

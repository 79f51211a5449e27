"""Policies built on the exact planning model: rolling / shrinking horizon (deterministic and
sample-average stochastic) and a fixed order plan (how the perfect-information plan is simulated).

Each period, for every path, the rolling-horizon policy reads the path's state from the simulator, solves
the planning model (:mod:`netinv.exact.planning`) from that state over the next H periods (rolling) or
up to the end of the evaluation (shrinking), and applies the plan's first-period orders:

- **deterministic**: demand = its expected value in every period of the window;
- **stochastic**: K demand scenarios drawn afresh each period; the first-period orders are shared by all
  scenarios (they must be decided now), later decisions differ per scenario (a two-stage sample-average
  approximation of the multistage problem, re-solved every period).

With a ``forecast`` (:class:`~netinv.demand.forecast.DemandForecast`, e.g. the Holt-Winters forecast of
a scenario's demand history) the nodes it covers are planned on the forecast's mean path, or on the
mean plus bootstrapped forecast errors in the stochastic scenarios, instead of their distributions.

Models are built once per window length and re-solved in place (:class:`~netinv.exact.fastlp.PlanningLP`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from netinv.errors import InputError
from netinv.exact.highs import SolverOptions
from netinv.exact.planning import PlanOptions


@dataclass(frozen=True)
class RollingHorizonConfig:
    """How a rolling-horizon policy plans.

    stochastic: sample-average scenarios (True) or expected demand (False).
    horizon: window length H in periods; ``None`` = shrinking horizon to the end of ``periods``.
    periods: length of the evaluation (required for a shrinking horizon; with a rolling window the window
        is cut at the end of the evaluation when given, as in Perez et al. 2021).
    scenarios: K, the number of demand scenarios of the stochastic policy.
    stratified: draw the K scenarios by Latin hypercube sampling (see
        :func:`~netinv.demand.expected.sample_demand`; the default) or independently (False). On the
        Perez et al. network it added about one unit of profit per path at the same K.
    seed: seed of the scenario draws (the draws depend only on the seed, the period and the path's state,
        so the policy is a pure function of the state).
    options / solver: the planning model's options and HiGHS' options.
    """

    stochastic: bool = False
    horizon: int | None = None
    periods: int | None = None
    scenarios: int = 20
    seed: int = 0
    stratified: bool = True
    options: PlanOptions = field(default_factory=PlanOptions)
    solver: SolverOptions = field(default_factory=SolverOptions)

    def __post_init__(self):
        if self.horizon is None and self.periods is None:
            raise InputError("rolling horizon: give a window (--horizon H) or the periods of a shrinking horizon")
        if self.horizon is not None and self.horizon < 1:
            raise InputError(f"horizon: must be >= 1 period, got {self.horizon}")
        if self.scenarios < 1:
            raise InputError(f"scenarios: must be >= 1, got {self.scenarios}")

    def window(self, t: int) -> int:
        remaining = None if self.periods is None else self.periods - t
        if self.horizon is None:
            return max(int(remaining), 1)
        return max(min(self.horizon, remaining), 1) if remaining is not None else self.horizon


class RollingHorizon:
    """Re-plan every period with the exact model and apply the first period's orders.

    forecast: optional :class:`~netinv.demand.forecast.DemandForecast` (period 0 = the simulation's
        first period): the demand nodes it covers are planned on its mean path (deterministic) or on
        its mean plus bootstrapped forecast errors (stochastic) instead of their distributions; it must
        reach the end of every planning window.
    """

    def __init__(self, config: RollingHorizonConfig, *, forecast=None):
        self.config = config
        self.forecast = forecast
        self.name = "mpc-stochastic" if config.stochastic else "mpc-deterministic"
        self.solves = 0
        self.solve_seconds = 0.0
        self.handoff_seconds = 0.0

    def prepare(self, arrays, paths: int) -> None:
        from netinv.exact.planning import check_plannable

        check_plannable(arrays)
        self.arrays_ = arrays
        self.models_: dict[int, object] = {}
        if self.forecast is not None:
            self.forecast.columns(arrays)  # every node it covers is a demand node of this network
            if self.config.periods is not None:
                last = max(t + self.config.window(t) for t in range(self.config.periods))
                if last > self.forecast.periods:
                    raise InputError(f"forecast: covers {self.forecast.periods} periods; the policy plans up to "
                                     f"period {last - 1} (forecast at least {last} periods ahead)")

    def _model(self, horizon: int):
        from netinv.exact.fastlp import PlanningLP

        if horizon not in self.models_:
            k = self.config.scenarios if self.config.stochastic else 1
            self.models_[horizon] = PlanningLP(self.arrays_, horizon, k, self.config.options, self.config.solver)
        return self.models_[horizon]

    def orders(self, state) -> np.ndarray:
        from netinv.demand.expected import expected_demand, sample_demand
        from netinv.exact.planning import PlanState

        a, cfg = self.arrays_, self.config
        t = int(state.t)
        episode = (state.first_path, state.paths)
        if episode != getattr(self, "episode_", None) or t < getattr(self, "period_", -1):
            # a new block of paths: its solves start cold, so that its orders depend on its own states only
            # (warm starts only carry over within a block, period after period) and a block re-run gives
            # the same orders whatever ran before it
            for lp in self.models_.values():
                lp.forget_basis()
        self.episode_, self.period_ = episode, t
        horizon = cfg.window(t)
        lp = self._model(horizon)
        out = np.zeros((a.num_edges, state.paths), dtype=np.float32)
        self.last_objectives = np.full(state.paths, np.nan)  # the plan's objective per path (teacher labels)
        mean = expected_demand(a, t, horizon, forecast=self.forecast)[None] if not cfg.stochastic else None
        for b in range(state.paths):
            start = PlanState.from_sim(state, b)
            if cfg.stochastic:
                seed = np.random.SeedSequence([cfg.seed, t, _fingerprint(start)])
                demand = sample_demand(a, t, horizon, cfg.scenarios, seed, stratified=cfg.stratified,
                                       forecast=self.forecast)
            else:
                demand = mean
            solution = lp.solve(demand, start)
            self.solves += 1
            self.solve_seconds += solution.seconds["solve"]
            self.handoff_seconds += solution.seconds["handoff"]
            self.last_objectives[b] = solution.objective
            first = solution.decisions["orders"][0, 0]
            out[:, b] = np.maximum(first - state.owed[:, b], 0.0)  # what is still owed ships anyway
        return out


def _fingerprint(state) -> int:
    """A 32-bit digest of a path's state (seeds its scenario draws)."""
    digest = zlib.crc32(np.ascontiguousarray(state.on_hand, dtype=np.float32).tobytes())
    digest = zlib.crc32(np.ascontiguousarray(state.backlog, dtype=np.float32).tobytes(), digest)
    digest = zlib.crc32(np.ascontiguousarray(state.arrivals, dtype=np.float32).tobytes(), digest)
    return zlib.crc32(np.ascontiguousarray(state.components, dtype=np.float32).tobytes(), digest)


class PlannedOrders:
    """Apply a fixed order plan: ``plans`` of shape (B, T, E) (one plan per path, B = all simulated
    paths) or (T, E) (the same plan on every path)."""

    name = "planned-orders"

    def __init__(self, plans: np.ndarray, name: str | None = None):
        self.plans = np.asarray(plans, dtype=np.float32)
        if name:
            self.name = name

    def prepare(self, arrays, paths: int) -> None:
        p = self.plans if self.plans.ndim == 3 else self.plans[None]
        if p.ndim != 3 or p.shape[2] != arrays.num_edges:
            raise InputError(f"order plan: expected shape (paths, periods, {arrays.num_edges}), got {p.shape}")
        self.plans_ = p

    def orders(self, state) -> np.ndarray:
        t = int(state.t)
        p = self.plans_
        lo = 0 if p.shape[0] == 1 else state.first_path
        hi = lo + (1 if p.shape[0] == 1 else state.paths)
        if hi > p.shape[0]:
            raise InputError(f"order plan: has {p.shape[0]} paths, the simulation has more")
        if t >= p.shape[1]:
            return np.zeros((p.shape[2], state.paths), dtype=np.float32)
        out = np.array(p[lo:hi, t, :].T, dtype=np.float32)
        return np.repeat(out, state.paths, axis=1) if p.shape[0] == 1 else out

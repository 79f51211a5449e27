"""The demand model of a history node: one forecast and one distribution, chosen by a backtest.

Every command reads a node with ``demand: {history: FILE, period_days: P}`` through
:func:`demand_model` (by way of :func:`netinv.history.scenario.history_models`): ``basestock``,
``gsm``, ``simulate``, ``risk`` and the report through the distribution that replaces the history in
the loaded graph; ``plan`` and the rolling-horizon policies (and the GNN policy when given it)
through the forecast (:func:`netinv.history.forecast.scenario_forecast`); ``netinv data forecast``
prints both.

**Forecast, chosen by a rolling-origin backtest.** The candidates (:data:`CANDIDATES`):

=============================== ===================================================================
``mean``                        the mean of the whole history (what the fitted distribution used to be)
``recent-mean``                 the mean of the last ``recent`` (13) observed periods
``seasonal-naive``              the last observed value at the same position of the season
                                (``season_length``: 7 for daily periods, 52 for weekly); the last
                                observed value when there is no season or less than one season of data
``holt-winters``                exponential smoothing (:func:`holt_winters`), level only
``holt-winters-trend``          + additive damped trend
``holt-winters-season``         + additive season (needs two seasons of training data)
``holt-winters-trend-season``   both
=============================== ===================================================================

From each of the last ``origins`` (8) origins o = n - steps - j (j = 0..origins-1) every candidate
is fitted to the periods before o only and forecasts the ``steps`` (4) periods o..o+steps-1; the
error measure is the **mean absolute error (MAE) over these held-out periods** (missing periods are
not scored). The candidate with the lowest MAE is the node's forecast; it is then fitted to the
whole history and projected forward. A history too short to hold periods out (fewer than 8 + steps
periods) gets the ``mean`` and the deviations from it as its errors. MASE (the MAE divided by the in-sample MAE of the one-step
naive forecast) is reported beside it, for comparison across nodes; it ranks the candidates of one
node exactly as the MAE does.

**Distribution, centred on the forecast.** The per-period demand distribution (the spec every
stationary model uses: base-stock, GSM, the planning LP, the simulator's demand draws, risk) has

- mean [mu] = the **level**: the mean of the chosen forecast over the next ``horizon`` (13) periods
  after the history ends, so the distribution and the forecast agree over the planning horizon;
- standard deviation [sigma] = the **spread**: sigma^2 = the variance of the chosen forecast's
  held-out errors in the backtest (what the forecast misses by) + the variance of the forecast itself
  over those ``horizon`` periods (its season and trend within the horizon): the demand of a period
  drawn at random from the horizon. Not the variance of the whole history, which a trend or a
  season of the past inflates;
- shape: the family :func:`netinv.history.fit.fit_demand` chooses for the history (AIC with a
  goodness-of-fit fallback), re-parametrized to (mu, sigma): normal and gamma take both; Poisson
  when sigma^2 <= mu (its variance is its mean), otherwise a negative binomial with that mean and
  variance; ``empirical`` becomes every forecast of the horizon plus every centred held-out error
  (the gamma with mu, sigma when one of those values would be negative).

The forecast's error pool (bootstrapped by the stochastic rolling-horizon policy) is the same
held-out errors, centred (so that the forecast stays the mean of the scenarios, as it is the mean of
the distribution).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from netinv.errors import InputError
from netinv.history.fit import FitConfig, family_spec, fit_demand

CANDIDATES = ("mean", "recent-mean", "seasonal-naive", "holt-winters", "holt-winters-trend", "holt-winters-season",
              "holt-winters-trend-season")
ERROR_MEASURE = "MAE on held-out periods (rolling origin)"


@dataclass(frozen=True)
class ModelConfig:
    """How a history node's demand model is chosen.

    horizon: periods after the history over which the distribution is centred on the forecast [H].
    origins: rolling origins of the backtest. steps: periods forecast from each origin.
    recent: periods of the ``recent-mean`` candidate. season_length: periods in a season (None: no
    seasonal candidate). family: the distribution's shape, ``auto`` or one of the fit's families.
    """

    horizon: int = 13
    origins: int = 8
    steps: int = 4
    recent: int = 13
    season_length: int | None = None
    family: str = "auto"

    def __post_init__(self):
        if min(self.horizon, self.origins, self.steps, self.recent) < 1:
            raise InputError("horizon, origins, steps and recent must be >= 1")


@dataclass(frozen=True)
class DemandModel:
    """The demand model of one history node (see the module docstring).

    method: the chosen forecast. backtest: candidate -> MAE on the held-out periods (the candidates
    that could run). mase: candidate -> MASE. forecast: mean demand per period from the first period
    after the history, at least ``horizon`` periods. errors: the chosen forecast's held-out errors
    (actual - forecast), centred (the forecast is the mean). level [mu], spread [sigma]: the distribution's mean and std. family: its
    shape. spec: the netinv demand spec. history_mean / recent_mean: of the observed periods.
    """

    method: str
    backtest: dict
    mase: dict
    forecast: np.ndarray = field(repr=False)
    errors: np.ndarray = field(repr=False)
    level: float
    spread: float
    family: str
    spec: dict = field(repr=False)
    history_mean: float
    recent_mean: float
    horizon: int

    def to_dict(self) -> dict:
        return {
            "forecast_method": self.method,
            "error_measure": ERROR_MEASURE,
            "backtest_mae": self.backtest,
            "backtest_mase": self.mase,
            "forecast": self.forecast.tolist(),
            "level": self.level,
            "spread": self.spread,
            "centred_over_periods": self.horizon,
            "family": self.family,
            "distribution": self.spec,
            "history_mean": self.history_mean,
            "recent_mean": self.recent_mean,
        }


def candidate_forecast(name: str, values, steps: int, *, season_length: int | None = None,
                       recent: int = 13) -> np.ndarray | None:
    """The forecast of candidate ``name`` for the ``steps`` periods after ``values`` (NaN = missing),
    or None when the candidate cannot run on so short a history."""
    y = np.asarray(values, dtype=float)
    seen = y[np.isfinite(y)]
    if seen.size == 0:
        return None
    if name == "mean":
        return np.full(steps, seen.mean())
    if name == "recent-mean":
        return np.full(steps, seen[-recent:].mean())
    if name == "seasonal-naive":
        m = season_length if season_length and np.isfinite(y[-season_length:]).any() and y.size >= season_length else 1
        out = np.empty(steps)
        for h in range(steps):
            k = y.size - m + (h % m)
            while k >= 0 and not np.isfinite(y[k]):
                k -= m
            out[h] = y[k] if k >= 0 else seen[-1]
        return out
    if name.startswith("holt-winters"):
        return holt_winters(y, steps, trend="trend" in name, season=season_length if "season" in name else None)
    raise ValueError(name)


ALPHAS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9)
BETAS = (0.02, 0.05, 0.1, 0.2)
GAMMAS = (0.02, 0.05, 0.1, 0.2, 0.35)
DAMPING = (0.9, 0.98, 1.0)


def holt_winters(values, steps: int, *, trend: bool = False, season: int | None = None) -> np.ndarray | None:
    """Additive Holt-Winters exponential smoothing of ``values`` (NaN = missing, filled with the median
    of its season position) forecast ``steps`` periods ahead; None when the history is too short (8
    periods; two seasons and two periods with a season).

    Level l, trend b (damped by [phi]), season s of ``season`` periods [m]::

        l_t = alpha (y_t - s_{t-m}) + (1 - alpha)(l_{t-1} + phi b_{t-1})
        b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
        s_t = gamma (y_t - l_t) + (1 - gamma) s_{t-m}
        y^_{t+h} = l_t + (phi + ... + phi^h) b_t + s_{t+h-m}

    started from the first season's mean and deviations (trend: the change between the first two
    seasons, or between the first two groups of four periods), with (alpha, beta, gamma, phi) the
    point of the grid :data:`ALPHAS` x :data:`BETAS` x :data:`GAMMAS` x :data:`DAMPING` with the lowest
    one-step squared error after the first season, all points run at once (numpy)."""
    y = np.asarray(values, dtype=float).copy()
    m = season or 1
    if np.isfinite(y).sum() < 8 or (season and y.size < 2 * season + 2):
        return None
    missing = ~np.isfinite(y)
    if missing.any():
        pos = np.arange(y.size) % m
        medians = np.array([np.nanmedian(y[pos == k]) if np.isfinite(y[pos == k]).any() else np.nanmedian(y)
                            for k in range(m)])
        y[missing] = medians[pos][missing]
    first = max(m, 4)
    level0 = y[:first].mean()
    trend0 = (y[first:2 * first].mean() - level0) / first if trend else 0.0
    grid = np.array(np.meshgrid(ALPHAS, BETAS if trend else (0.0,), GAMMAS if season else (0.0,),
                                DAMPING if trend else (1.0,), indexing="ij")).reshape(4, -1)
    alpha, beta, gamma, phi = grid
    k = grid.shape[1]
    level, slope = np.full(k, level0), np.full(k, trend0)
    seasonal = np.tile(y[:m] - y[:m].mean() if season else np.zeros(1), (k, 1))
    sse = np.zeros(k)
    for t in range(y.size):
        j = t % m
        damped = phi * slope
        error = y[t] - (level + damped + seasonal[:, j])
        if t >= first:
            sse += error * error
        new = alpha * (y[t] - seasonal[:, j]) + (1 - alpha) * (level + damped)
        slope = beta * (new - level) + (1 - beta) * damped
        seasonal[:, j] = gamma * (y[t] - new) + (1 - gamma) * seasonal[:, j]
        level = new
    best = int(np.argmin(sse))
    h = np.arange(1, steps + 1)
    growth = np.cumsum(phi[best] ** h)
    out = level[best] + growth * slope[best] + seasonal[best, (y.size + h - 1) % m]
    return out if np.all(np.isfinite(out)) else None


def backtest(values, config: ModelConfig = ModelConfig()) -> tuple[dict, dict, dict]:
    """Rolling-origin backtest of every candidate on ``values``: ``(mae, mase, errors)`` by candidate
    (errors: actual - forecast on every scored held-out period). A candidate that cannot run from
    every origin is left out."""
    y = np.asarray(values, dtype=float)
    n = y.size
    origins = [o for o in range(n - config.steps - config.origins + 1, n - config.steps + 1) if o >= 8]
    if not origins:
        raise InputError(f"{np.isfinite(y).sum()} period(s) of history; at least {8 + config.steps} are needed to "
                         "backtest a forecast")
    errors: dict[str, list] = {}
    for name in CANDIDATES:
        pool = []
        for o in origins:
            guess = candidate_forecast(name, y[:o], config.steps, season_length=config.season_length,
                                       recent=config.recent)
            if guess is None:
                pool = None
                break
            actual = y[o:o + config.steps]
            ok = np.isfinite(actual)
            pool.extend((actual[ok] - guess[ok]).tolist())
        if pool:
            errors[name] = np.asarray(pool)
    seen = y[np.isfinite(y)]
    scale = float(np.mean(np.abs(np.diff(seen)))) if seen.size > 1 else 0.0
    mae = {k: float(np.mean(np.abs(e))) for k, e in errors.items()}
    mase = {k: (v / scale if scale > 0 else None) for k, v in mae.items()}
    return mae, mase, errors


@functools.lru_cache(maxsize=256)
def _chosen(key: bytes, config: ModelConfig) -> tuple[str, tuple, tuple, np.ndarray]:
    values = np.frombuffer(key, dtype=float)
    seen = values[np.isfinite(values)]
    if values.size < 8 + config.steps:  # too short to hold periods out: the mean, its in-sample spread
        return "mean", (), (), seen - seen.mean()
    mae, mase, errors = backtest(values, config)
    method = min(mae, key=lambda k: (mae[k], CANDIDATES.index(k)))
    return method, tuple(mae.items()), tuple(mase.items()), errors[method]


def demand_model(values, config: ModelConfig = ModelConfig(), *, periods: int | None = None,
                 node: str | None = None) -> DemandModel:
    """The demand model of a node whose demand per period is ``values`` (NaN = missing), with its
    forecast for ``max(periods, config.horizon)`` periods after the history. Backtests are cached
    per history (every command loading the same scenario pays for one)."""
    y = np.ascontiguousarray(values, dtype=float)
    who = f"node '{node}': " if node else ""
    try:
        method, mae, mase, errors = _chosen(y.tobytes(), config)
        fit = fit_demand(y, FitConfig(family=config.family), node=node)
    except InputError as exc:
        raise InputError(f"{who}{exc}" if node and not str(exc).startswith(who) else str(exc)) from None
    length = max(periods or 0, config.horizon)
    forecast = np.maximum(candidate_forecast(method, y, length, season_length=config.season_length,
                                             recent=config.recent), 0.0)
    level = float(forecast[:config.horizon].mean())
    residual = float(np.var(errors, ddof=1)) if errors.size > 1 else 0.0
    spread = float(np.sqrt(residual + np.var(forecast[:config.horizon])))
    seen = y[np.isfinite(y)]
    return DemandModel(method, dict(mae), dict(mase), forecast, errors - errors.mean(), level, spread, fit.family,
                       centred_spec(fit.family, level, spread, forecast[:config.horizon], errors,
                                    discrete=fit.discrete),
                       float(seen.mean()), float(seen[-config.recent:].mean()), config.horizon)


def centred_spec(family: str, level: float, spread: float, window: np.ndarray, errors: np.ndarray, *,
                 discrete: bool = True) -> dict:
    """The demand spec of shape ``family`` with mean ``level`` [mu] and std ``spread`` [sigma] (see the
    module docstring); ``empirical``: every forecast of ``window`` plus every centred error of
    ``errors`` (mean mu, variance that of the window plus that of the errors)."""
    mu, sigma = max(level, 0.0), max(spread, 0.0)
    if family in ("poisson", "negative_binomial") and discrete and mu > 0:
        if sigma**2 <= mu:
            return {"distribution": "poisson", "mean": mu}
        return family_spec("negative_binomial", {"mean": mu, "size": mu**2 / (sigma**2 - mu)})
    if family == "empirical" and errors.size:
        values = (np.asarray(window)[:, None] + (errors - errors.mean())[None, :]).ravel()
        if values.min() >= 0:
            return {"distribution": "empirical", "values": [float(v) for v in values]}
        family = "gamma"
    if family == "gamma" and mu > 0 and sigma > 0:
        return {"distribution": "gamma", "mean": mu, "std": sigma}
    return {"distribution": "normal", "mean": mu, "std": max(sigma, 1e-9)}

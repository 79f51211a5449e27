"""Forecasts for the horizon and quantile-based safety stock.

:func:`scenario_forecast` is the forecast of a scenario's history nodes that the planning and GNN
policies use: each node's demand model (:mod:`netinv.history.model`, the forecast chosen by a
backtest on held-out periods), the same model whose distribution every other command reads.
:func:`forecast_demand` below is a stand-alone Holt-Winters forecast of a series (statsmodels, AICc
choice of the trend) with simulated paths, for quantile-based safety stock.

:func:`forecast_demand` fits Holt-Winters exponential smoothing (statsmodels ``ExponentialSmoothing``)
to a node's demand per period: additive level, an additive damped trend when it lowers the AICc,
and an additive season of ``season_length`` periods when the history shows one (the Kruskal-Wallis
test of :func:`netinv.history.quality.seasonality`). Missing periods are filled with the median of
their season position (or the overall median) before fitting, and the count is reported.

The forecast's uncertainty comes from statsmodels' simulation of the fitted model with bootstrapped
one-step residuals (``simulate(..., error="add", random_errors="bootstrap")``): ``paths`` future
paths, from which per-period quantiles and the quantiles of cumulative demand over any lead time
follow. :func:`safety_stock` gives, for a replenishment exposure of L + 1 periods [tau] and a service
level [alpha]:

- quantile-based: Q_alpha(D_1 + ... + D_tau) - E[D_1 + ... + D_tau] from the simulated paths;
- the normal formula: z_alpha sigma_1 sqrt(tau), sigma_1 the std of the one-step residuals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from netinv.errors import InputError
from netinv.history.quality import seasonality


@dataclass(frozen=True)
class ForecastConfig:
    """horizon: periods forecast [H]. season_length: periods in a season (None: no season looked for).
    paths: simulated future paths for the quantiles. seed: of the bootstrap. quantiles: reported."""

    horizon: int = 12
    season_length: int | None = None
    paths: int = 2000
    seed: int = 0
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95)

    def __post_init__(self):
        if self.horizon < 1 or self.paths < 10:
            raise InputError(f"horizon must be >= 1 and paths >= 10, got {self.horizon}, {self.paths}")


@dataclass
class Forecast:
    """mean[h] for h = 0..H-1 periods ahead; ``paths`` (paths, H) simulated futures; the model used;
    ``residuals``: the fitted model's one-step (in-sample) forecast errors."""

    mean: np.ndarray
    paths: np.ndarray = field(repr=False)
    residual_std: float
    seasonal: bool
    trend: bool
    filled: int
    quantiles: dict
    residuals: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def cumulative_quantile(self, periods: int, q: float) -> float:
        """Q_q of the demand over the first ``periods`` periods of the horizon."""
        return float(np.quantile(self.paths[:, :periods].sum(axis=1), q))

    def to_dict(self) -> dict:
        return {
            "mean": self.mean.tolist(),
            "quantiles": {str(q): v.tolist() for q, v in self.quantiles.items()},
            "residual_std": self.residual_std,
            "seasonal": self.seasonal,
            "trend": self.trend,
            "filled_periods": self.filled,
        }


def forecast_demand(values, config: ForecastConfig = ForecastConfig()) -> Forecast:
    """Forecast ``values`` (demand per period, NaN = missing) ``config.horizon`` periods ahead."""
    import warnings

    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = np.asarray(values, dtype=float).copy()
    if np.isfinite(y).sum() < 8:
        raise InputError(f"{int(np.isfinite(y).sum())} usable period(s) of history; at least 8 are needed to forecast")
    m = config.season_length
    seasonal = seasonality(y, m)
    missing = ~np.isfinite(y)
    if missing.any():
        if seasonal:
            pos = np.arange(y.size) % m
            fill = np.array([np.nanmedian(y[pos == k]) for k in range(m)])[pos]
        else:
            fill = np.full(y.size, np.nanmedian(y))
        y[missing] = fill[missing]
    # leading / trailing missing periods are filled too: they are inside the node's range
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        for trend in (None, "add"):
            model = ExponentialSmoothing(
                y, trend=trend, damped_trend=trend is not None, seasonal="add" if seasonal else None,
                seasonal_periods=m if seasonal else None, initialization_method="estimated",
            )
            result = model.fit()
            if best is None or result.aicc < best.aicc:
                best = result
        H = config.horizon
        mean = np.asarray(best.forecast(H), dtype=float)
        sims = best.simulate(H, repetitions=config.paths, error="add", random_errors="bootstrap",
                             rng=np.random.default_rng(config.seed))
    sims = np.maximum(np.asarray(sims, dtype=float).reshape(H, config.paths).T, 0.0)  # demand is >= 0
    resid = np.asarray(best.resid, dtype=float)
    quantiles = {q: np.quantile(sims, q, axis=0) for q in config.quantiles}
    return Forecast(np.maximum(mean, 0.0), sims, float(np.std(resid, ddof=1)), bool(seasonal),
                    best.model.trend is not None, int(missing.sum()), quantiles, resid)


def scenario_forecast(path, periods: int, *, paths: int = 200, seed: int = 0):
    """The forecast of every node of the scenario at ``path`` whose demand comes from a history
    (``demand: {history: FILE}``), as a :class:`~netinv.demand.forecast.DemandForecast` of
    ``periods`` periods that the planning policies (``RollingHorizon(..., forecast=)``) and the GNN
    policy can use; None when no node reads a history.

    Each node's forecast is the one of its demand model (:func:`netinv.history.scenario.history_models`:
    the candidate with the lowest held-out error in a rolling-origin backtest, see
    :mod:`netinv.history.model`), the same model whose distribution the loaded graph carries; its
    error pool is that forecast's held-out errors. Period 0 of the forecast is the first period after
    the latest history ends: a node whose history ends k periods earlier is forecast k periods
    further and its first k periods are dropped. ``paths`` and ``seed`` are kept for callers of the
    earlier signature (the planners bootstrap the errors themselves).
    """
    import datetime as dt

    from netinv.demand.forecast import DemandForecast
    from netinv.history.scenario import has_history, history_models
    from netinv.network.io import read_document

    del paths, seed
    if periods < 1:
        raise InputError(f"periods must be >= 1, got {periods}")
    doc = read_document(path)
    if not has_history(doc):
        return None
    first = history_models(doc, str(path))
    ends = [per.start + dt.timedelta(days=per.period_days * per.values.size) for _, per, _ in first]
    now = max(ends)
    lags = [(now - end).days // per.period_days for (_, per, _), end in zip(first, ends, strict=True)]
    models = history_models(doc, str(path), periods=max(lags) + periods)
    nodes = tuple(str(node["id"]) for node, _, _ in models)
    means = [model.forecast[lag:lag + periods] for (_, _, model), lag in zip(models, lags, strict=True)]
    residuals = [model.errors for _, _, model in models]
    size = min(r.size for r in residuals)  # the same pool size for every node: the most recent ones
    return DemandForecast(nodes, np.stack(means, axis=1), np.stack([r[r.size - size:] for r in residuals], axis=1))


@dataclass(frozen=True)
class SafetyStock:
    """Safety stock for an exposure of ``periods`` [tau] at ``service_level`` [alpha]: ``quantile``
    (from the simulated forecast paths) and ``normal`` (z sigma_1 sqrt(tau)); ``mean_demand`` over the
    exposure and the resulting base-stock levels."""

    periods: int
    service_level: float
    mean_demand: float
    quantile: float
    normal: float

    def to_dict(self) -> dict:
        return {
            "periods": self.periods, "service_level": self.service_level, "mean_demand": self.mean_demand,
            "safety_stock_quantile": self.quantile, "safety_stock_normal": self.normal,
            "level_quantile": self.mean_demand + self.quantile, "level_normal": self.mean_demand + self.normal,
        }


def safety_stock(forecast: Forecast, periods: int, service_level: float) -> SafetyStock:
    """Safety stock over the first ``periods`` periods of the horizon (L + 1 for lead time L)."""
    if not 0 < service_level < 1:
        raise InputError(f"service_level must be in (0, 1), got {service_level}")
    if not 1 <= periods <= forecast.mean.size:
        raise InputError(f"periods must be in [1, horizon={forecast.mean.size}], got {periods}")
    mean = float(forecast.mean[:periods].sum())
    q = forecast.cumulative_quantile(periods, service_level)
    normal = float(stats.norm.ppf(service_level) * forecast.residual_std * np.sqrt(periods))
    return SafetyStock(periods, service_level, mean, q - mean, normal)

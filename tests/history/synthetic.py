"""Synthetic demand histories with known parameters, for the history tests."""

from __future__ import annotations

import datetime as dt

import numpy as np

START = dt.date(2023, 1, 2)  # a Monday


def draw(family: str, size: int, rng: np.random.Generator, **p) -> np.ndarray:
    """``size`` demands of ``family`` (normal values rounded and censored at 0, like sales)."""
    if family == "poisson":
        return rng.poisson(p["mean"], size).astype(float)
    if family == "negative_binomial":
        r, mean = p["r"], p["mean"]
        return rng.negative_binomial(r, r / (r + mean), size).astype(float)
    if family == "normal":
        return np.maximum(np.round(rng.normal(p["mean"], p["std"], size)), 0.0)
    if family == "gamma":
        shape = (p["mean"] / p["std"]) ** 2
        return np.round(rng.gamma(shape, p["std"] ** 2 / p["mean"], size))
    raise ValueError(family)


def daily_rows(series: dict[str, np.ndarray], start: dt.date = START):
    """(date, node, quantity) rows, one per node and day."""
    rows = []
    for k in range(max(len(v) for v in series.values())):
        date = start + dt.timedelta(days=k)
        for node, values in series.items():
            if k < len(values):
                rows.append((date, node, float(values[k])))
    return rows


def clean_network_history(seed: int, days: int = 730) -> dict[str, np.ndarray]:
    """Four stores: normal, Poisson, gamma and a weekly-seasonal Poisson (weekends busier)."""
    rng = np.random.default_rng(seed)
    weekly = np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.8, 1.6])
    return {
        "store_a": draw("normal", days, rng, mean=40, std=8),
        "store_b": draw("poisson", days, rng, mean=25),
        "store_c": draw("gamma", days, rng, mean=15, std=7),
        "store_d": rng.poisson(20 * weekly[np.arange(days) % 7]).astype(float),
    }


def clean_kinds_history(seed: int, days: int = 365) -> dict[str, np.ndarray]:
    """Five clean stores of the kinds a planner sees, parameters drawn per seed: Poisson,
    negative binomial, normal, weekly-seasonal Poisson and a Poisson whose mean grows (trend)."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekly = np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.8, 1.6])
    return {
        "poisson": draw("poisson", days, rng, mean=rng.uniform(2, 60)),
        "negative_binomial": draw("negative_binomial", days, rng, mean=rng.uniform(5, 50), r=rng.uniform(1, 10)),
        "normal": draw("normal", days, rng, mean=100, std=rng.uniform(5, 30)),
        "seasonal": rng.poisson(rng.uniform(10, 40) * weekly[t % 7]).astype(float),
        "trending": rng.poisson(10 + rng.uniform(10, 40) * t / days).astype(float),
    }


def planner_history(seed: int, days: int = 728, *, holdout_days: int = 0, node: str = "store",
                    base: float | None = None, growth: float | None = None, gaps: int = 3):
    """A planner's daily sales history: Poisson sales around ``base`` x (1 + growth x years) x the day
    of the week's factor (weekends busier), ``gaps`` whole missing weeks, one duplicated row and one
    outlier (ten times the day's sales). Returns ``(rows, holdout)``: the ``days`` days of history as
    (date, node, quantity) rows, and the ``holdout_days`` days that follow (clean daily sales, the
    future the forecasts are scored on). ``base`` (10 to 40 a day) and ``growth`` (-35% to +80% a year)
    are drawn per seed when None."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(10, 40) if base is None else base
    growth = rng.uniform(-0.35, 0.8) if growth is None else growth
    weekly = np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.8, 1.6])
    t = np.arange(days + holdout_days)
    sales = rng.poisson(base * (1 + growth * t / 365) * weekly[t % 7]).astype(float)
    history, holdout = sales[:days], sales[days:]
    keep = np.ones(days, dtype=bool)
    for week in rng.choice(np.arange(4, days // 7 - 12), size=gaps, replace=False):  # not in the last 12 weeks
        keep[week * 7:week * 7 + 7] = False
    spike = int(rng.integers(30, days - 30))
    history = history.copy()
    history[spike] = 10 * max(history[spike], 5.0)
    rows = [(START + dt.timedelta(days=int(k)), node, float(history[k])) for k in np.flatnonzero(keep)]
    rows.insert(len(rows) // 2, rows[len(rows) // 2])  # the same row twice
    return rows, holdout


def period_values(rows, period_days: int, node: str = "store") -> np.ndarray:
    """The per-period demand the scenario pipeline makes of ``rows``: checked and cleaned
    (:func:`~netinv.history.quality.check_history`: the duplicate and the outlier left out), then summed
    into periods of ``period_days`` days (missing weeks NaN)."""
    from netinv.history.aggregate import aggregate
    from netinv.history.quality import check_history
    from netinv.history.records import RawHistory, Record

    raw = RawHistory("synthetic.csv", tuple(Record(k + 2, d, n, f"{q:g}") for k, (d, n, q) in enumerate(rows)))
    return aggregate(check_history(raw).series[node], period_days).values

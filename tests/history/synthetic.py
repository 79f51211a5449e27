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

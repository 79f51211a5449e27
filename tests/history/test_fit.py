"""Fitting recovers known parameters from synthetic histories and picks the right family in most draws."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from netinv.demand.distributions import parse_demand
from netinv.errors import InputError
from netinv.history.fit import FitConfig, fit_demand
from tests.history.synthetic import draw

SEEDS = range(30)
N = 365  # a year of daily sales


@pytest.mark.parametrize(
    ("family", "params", "min_right"),
    [
        ("poisson", {"mean": 20}, 0.6),
        ("negative_binomial", {"mean": 30, "r": 4}, 0.6),
        ("normal", {"mean": 100, "std": 15}, 0.7),
    ],
)
def test_recovers_parameters_and_family(family, params, min_right):
    picks, z_mean, sizes, stds = Counter(), [], [], []
    for seed in SEEDS:
        x = draw(family, N, np.random.default_rng(seed), **params)
        fit = fit_demand(x)
        picks[fit.family] += 1
        est = fit.candidates[family].params
        true_sd = {"poisson": np.sqrt(params["mean"]), "normal": params.get("std"),
                   "negative_binomial": np.sqrt(params["mean"] + params["mean"] ** 2 / params.get("r", 1))}[family]
        z_mean.append((est["mean"] - params["mean"]) / (true_sd / np.sqrt(N)))
        if family == "negative_binomial":
            sizes.append(est["size"])
        if family == "normal":
            stds.append(est["std"])
    z_mean = np.asarray(z_mean)
    # the mean estimates are unbiased with the sampling error of a mean (standardized errors ~ N(0, 1))
    assert abs(z_mean.mean()) < 3 / np.sqrt(len(SEEDS)), z_mean.mean()
    assert 0.6 < z_mean.std() < 1.4
    assert np.mean(np.abs(z_mean) < 3) >= 0.95
    if sizes:  # size r of the negative binomial: within 5 standard errors of the mean of its estimates
        assert abs(np.mean(sizes) - params["r"]) < 5 * np.std(sizes) / np.sqrt(len(sizes))
    if stds:
        assert abs(np.mean(stds) - params["std"]) < 5 * np.std(stds) / np.sqrt(len(stds))
    assert picks[family] / len(SEEDS) >= min_right, picks


def test_spec_of_every_family_is_a_valid_demand_spec():
    rng = np.random.default_rng(0)
    x = draw("negative_binomial", N, rng, mean=12, r=3)
    for family in ("normal", "poisson", "negative_binomial", "gamma", "empirical"):
        fit = fit_demand(x, FitConfig(family=family))
        spec = parse_demand(fit.spec)
        assert spec.mean == pytest.approx(x.mean(), rel=0.05), family
    nb = parse_demand(fit_demand(x, FitConfig(family="negative_binomial")).spec)
    assert nb.std_dev == pytest.approx(np.sqrt(12 + 144 / 3), rel=0.2)


def test_not_a_family_sends_to_empirical():
    x = np.r_[np.full(200, 5.0), np.full(200, 60.0)]  # two modes: no family fits
    fit = fit_demand(x)
    assert fit.family == "empirical" and "goodness-of-fit" in fit.reason
    assert fit.spec["distribution"] == "empirical"


def test_too_little_history_is_an_error():
    with pytest.raises(InputError, match="node 'a': 3 usable period"):
        fit_demand([1, 2, np.nan, 3], node="a")
    with pytest.raises(InputError, match="does not apply"):
        fit_demand([1.5, 2.5, 3.1, 4, 5, 6, 7, 8, 9], FitConfig(family="poisson"))

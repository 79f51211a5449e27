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


def _per_value_gof(fit, k, c) -> float:
    """The chi-square p-value with one bin per whole value 0 .. max (the method before the bins were
    bounded), merged left to right into bins expecting >= 5: the reference for small histories."""
    from scipy import stats as st

    dist = fit.distribution()
    top = int(k.max())
    prob = dist.pmf(np.arange(top + 1))
    prob[-1] += max(0.0, 1.0 - prob.sum())
    observed = np.zeros(top + 1)
    observed[k.astype(np.int64)] = c
    bins_o, bins_e, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(observed, prob * c.sum()):
        acc_o, acc_e = acc_o + o, acc_e + e
        if acc_e >= 5:
            bins_o.append(acc_o)
            bins_e.append(acc_e)
            acc_o = acc_e = 0.0
    bins_o[-1] += acc_o
    bins_e[-1] += acc_e
    o, e = np.asarray(bins_o), np.asarray(bins_e)
    return float(st.chi2.sf(np.sum((o - e) ** 2 / e), len(e) - 2))


def test_goodness_of_fit_matches_one_bin_per_value_on_small_counts():
    x = np.random.default_rng(3).poisson(20, 200).astype(float)
    fitted = fit_demand(x).candidates["poisson"]
    k, c = np.unique(x, return_counts=True)
    assert fitted.gof_p == pytest.approx(_per_value_gof(fitted, k, c.astype(float)), rel=1e-9)


def test_goodness_of_fit_is_bounded_on_huge_counts():
    """60 days of 3e7 units: one bin per value would be 3.5e7 bins (minutes, GBs); at most MAX_GOF_BINS
    bins give a p-value, and a sample the fitted normal describes is not rejected."""
    from netinv.history.fit import MAX_GOF_BINS

    x = np.round(np.random.default_rng(4).normal(3e7, 1e6, 60))
    fit = fit_demand(x)
    assert MAX_GOF_BINS == 2048 and fit.family in ("normal", "negative_binomial", "gamma")
    assert all(np.isfinite(c.gof_p) or np.isnan(c.gof_p) for c in fit.candidates.values())
    assert fit.candidates["normal"].gof_p > 0.01

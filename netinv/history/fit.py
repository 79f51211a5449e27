"""Fitting the demand distributions the optimizer uses to a node's history, and choosing one.

Families (parameters by maximum likelihood):

====================== ========================================= =====================================
family                 parameters                                netinv demand spec
====================== ========================================= =====================================
``normal``             mean [mu], std [sigma]                    ``normal`` (censored at 0 when drawn)
``poisson``            mean [lambda]                             ``poisson``
``negative_binomial``  mean [mu], size [r] (var = mu + mu^2/r)   ``empirical``: its pmf tabulated on
                                                                 0..F^-1(1 - 1e-9) (exact up to that)
``gamma``              mean, std (shape k = (mean/std)^2)        ``gamma``
``empirical``          the cleaned history itself (bootstrap)    ``empirical`` with equal weights
====================== ========================================= =====================================

**Criterion.** On whole-number histories (sales counts) every family is judged by the same discrete
likelihood: normal and gamma give P(k - 1/2 < X <= k + 1/2) to a count k, P(X <= 1/2) to zero (the
normal is censored at zero, as the sampler does). On fractional histories only normal and gamma
apply, with their densities. The parametric family with the lowest AIC = 2 (parameters) - 2 log L
wins, unless a goodness-of-fit test rejects it at ``gof_alpha`` (chi-square on bins with expected
count >= 5 for counts, Kolmogorov-Smirnov otherwise): then no parametric family fits and the
empirical distribution (bootstrap of the history) is used. ``FitConfig.family`` forces a family.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from netinv.errors import InputError

FAMILIES = ("normal", "poisson", "negative_binomial", "gamma", "empirical")
PARAMETRIC = FAMILIES[:4]
_NUM_PARAMS = {"normal": 2, "poisson": 1, "negative_binomial": 2, "gamma": 2}
_MAX_TABLE = 20_000  # largest negative-binomial support tabulated as an empirical spec


@dataclass(frozen=True)
class FitConfig:
    """How a family is chosen.

    family: ``"auto"`` (AIC, then goodness of fit) or one of :data:`FAMILIES` to force it.
    gof_alpha: significance level of the goodness-of-fit test that sends the choice to ``empirical``.
    min_records: fewer usable records than this is an error (a distribution needs data).
    """

    family: str = "auto"
    gof_alpha: float = 0.01
    min_records: int = 8

    def __post_init__(self):
        if self.family != "auto" and self.family not in FAMILIES:
            raise InputError(f"family must be 'auto' or one of {', '.join(FAMILIES)}, got {self.family!r}")


@dataclass(frozen=True)
class FamilyFit:
    """One family fitted: ``params`` (see the module table), log-likelihood, AIC, goodness-of-fit p."""

    family: str
    params: dict
    log_likelihood: float
    aic: float
    gof_p: float

    def distribution(self):
        """The fitted scipy distribution (frozen)."""
        p = self.params
        if self.family == "normal":
            return stats.norm(p["mean"], max(p["std"], 1e-12))
        if self.family == "poisson":
            return stats.poisson(p["mean"])
        if self.family == "negative_binomial":
            return stats.nbinom(p["size"], p["size"] / (p["size"] + p["mean"]))
        if self.family == "gamma":
            shape = (p["mean"] / p["std"]) ** 2
            return stats.gamma(shape, scale=p["std"] ** 2 / p["mean"])
        raise ValueError(self.family)

    def to_dict(self) -> dict:
        return {"family": self.family, "params": self.params, "log_likelihood": self.log_likelihood,
                "aic": self.aic, "gof_p": self.gof_p}


@dataclass(frozen=True)
class DemandFit:
    """The chosen ``family``, every candidate's :class:`FamilyFit`, and the netinv demand ``spec``."""

    family: str
    spec: dict
    candidates: dict[str, FamilyFit]
    records: int
    discrete: bool
    reason: str
    values: np.ndarray = field(repr=False)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def std(self) -> float:
        return float(np.std(self.values))

    def to_dict(self) -> dict:
        chosen = self.candidates.get(self.family)
        return {
            "family": self.family,
            "params": chosen.params if chosen else {"records": self.records},
            "records": self.records,
            "mean": self.mean,
            "std": self.std,
            "likelihood": "discrete" if self.discrete else "density",
            "criterion": "lowest AIC; empirical when the goodness-of-fit test rejects it",
            "reason": self.reason,
            "candidates": {k: v.to_dict() for k, v in self.candidates.items()},
        }


# --------------------------------------------------------------------------------------------------
# log-likelihoods on (unique values, counts)


def _binned_logpmf(dist, k: np.ndarray) -> np.ndarray:
    """log P(k - 1/2 < X <= k + 1/2) for k >= 1 and log P(X <= 1/2) for k = 0."""
    upper = dist.logcdf(k + 0.5)
    lower = np.where(k > 0, dist.logcdf(np.maximum(k - 0.5, 0.0)), -np.inf)
    # log(e^u - e^l) = u + log(1 - e^(l - u)), steady in the far tail through logsf when needed
    with np.errstate(divide="ignore", invalid="ignore"):
        out = upper + np.log1p(-np.exp(lower - upper))
        left_sf = dist.logsf(np.maximum(k - 0.5, 0.0))
        right = left_sf + np.log1p(-np.exp(dist.logsf(k + 0.5) - left_sf))
    out = np.where(np.isfinite(out) & (out > -700), out, np.where(k > 0, right, upper))
    return np.where(np.isfinite(out), out, -1e6)


class _GammaLogTails:
    """``logcdf`` / ``logsf`` of a gamma distribution as log(gammainc) and log(gammaincc) (what
    ``stats.gamma`` computes, without freezing it and checking its arguments at every call)."""

    def __init__(self, shape: float, scale: float):
        self.shape, self.scale = shape, scale

    def logcdf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(special.gammainc(self.shape, np.maximum(np.asarray(x), 0.0) / self.scale))

    def logsf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(special.gammaincc(self.shape, np.maximum(np.asarray(x), 0.0) / self.scale))


class _NormalLogTails:
    """``logcdf`` / ``logsf`` of a normal distribution by ``scipy.special.log_ndtr`` (the same values
    as ``stats.norm``, without its argument checks: the hot loop of the binned normal fit)."""

    def __init__(self, mean: float, std: float):
        self.mean, self.std = mean, std

    def logcdf(self, x):
        return special.log_ndtr((np.asarray(x) - self.mean) / self.std)

    def logsf(self, x):
        return special.log_ndtr((self.mean - np.asarray(x)) / self.std)


def _nb_loglik(size: float, k, c, mean: float) -> float:
    p = size / (size + mean)
    return float(np.dot(c, stats.nbinom.logpmf(k, size, p)))


def _fit_family(family: str, x: np.ndarray, discrete: bool) -> FamilyFit | None:
    k, c = np.unique(x, return_counts=True)
    mean, var = float(x.mean()), float(x.var())
    if family == "poisson":
        if not discrete:
            return None
        ll = float(np.dot(c, stats.poisson.logpmf(k, max(mean, 1e-12))))
        return _finish("poisson", {"mean": mean}, ll, k, c, x, discrete)
    if family == "negative_binomial":
        if not discrete or mean <= 0:
            return None
        start = mean**2 / (var - mean) if var > mean else 1e6
        res = optimize.minimize_scalar(lambda t: -_nb_loglik(np.exp(t), k, c, mean),
                                       bounds=(np.log(1e-3), np.log(1e7)), method="bounded",
                                       options={"xatol": 1e-6})
        size = float(np.exp(res.x)) if res.success else start
        return _finish("negative_binomial", {"mean": mean, "size": size}, _nb_loglik(size, k, c, mean), k, c, x,
                       discrete)
    if family == "normal":
        std0 = max(np.sqrt(var), 1e-6)
        if not discrete:
            ll = float(np.dot(c, stats.norm.logpdf(k, mean, std0)))
            return _finish("normal", {"mean": mean, "std": std0}, ll, k, c, x, discrete)

        def nll(theta):
            return -float(np.dot(c, _binned_logpmf(_NormalLogTails(theta[0], np.exp(theta[1])), k)))

        res = optimize.minimize(nll, [mean, np.log(max(std0, 0.3))], method="Nelder-Mead",
                                options={"xatol": 1e-5, "fatol": 1e-7, "maxiter": 400})
        return _finish("normal", {"mean": float(res.x[0]), "std": float(np.exp(res.x[1]))}, -float(res.fun), k, c,
                       x, discrete)
    if family == "gamma":
        if mean <= 0 or var <= 0 or (not discrete and k[0] <= 0):
            return None
        if not discrete:
            shape, _, scale = stats.gamma.fit(x, floc=0)
            ll = float(np.dot(c, stats.gamma.logpdf(k, shape, scale=scale)))
            return _finish("gamma", {"mean": shape * scale, "std": np.sqrt(shape) * scale}, ll, k, c, x, discrete)

        def nll(theta):
            return -float(np.dot(c, _binned_logpmf(_GammaLogTails(np.exp(theta[0]), np.exp(theta[1])), k)))

        res = optimize.minimize(nll, [np.log(mean**2 / var), np.log(var / mean)], method="Nelder-Mead",
                                options={"xatol": 1e-5, "fatol": 1e-7, "maxiter": 400})
        shape, scale = np.exp(res.x)
        return _finish("gamma", {"mean": float(shape * scale), "std": float(np.sqrt(shape) * scale)}, -float(res.fun),
                       k, c, x, discrete)
    raise ValueError(family)


def _finish(family, params, ll, k, c, x, discrete) -> FamilyFit:
    params = {key: float(v) for key, v in params.items()}
    fit = FamilyFit(family, params, float(ll), 2 * _NUM_PARAMS[family] - 2 * float(ll), float("nan"))
    return FamilyFit(family, params, fit.log_likelihood, fit.aic, _gof_p(fit, k, c, x, discrete))


MAX_GOF_BINS = 2048  # the chi-square test starts from at most this many bins of whole values


def _gof_p(fit: FamilyFit, k, c, x, discrete) -> float:
    """Chi-square p-value on bins of expected count >= 5 (counts), else Kolmogorov-Smirnov.

    Counts start from one bin per whole value 0 .. max (the last bin holds the right tail); above
    :data:`MAX_GOF_BINS` values, from that many bins of equal width, so that a history of 3e7 units a day
    costs what one of 30 units does."""
    dist = fit.distribution()
    n = c.sum()
    if not discrete:
        return float(stats.kstest(x, dist.cdf).pvalue)
    top = int(k.max())
    if top + 1 <= MAX_GOF_BINS:
        edges = np.arange(top + 1)
    else:
        edges = np.unique(np.floor(np.linspace(0, top + 1, MAX_GOF_BINS + 1)[:-1]).astype(np.int64))
    # bin j holds the whole values edges[j] .. edges[j + 1] - 1; the last one holds every value from edges[-1]
    last_of_bin = (edges[1:] - 1).astype(float)
    if fit.family in ("poisson", "negative_binomial"):
        below = dist.cdf(last_of_bin)
    else:  # the continuous family's mass on each whole value k is P(k - 1/2 < X <= k + 1/2) (_binned_logpmf)
        below = dist.cdf(last_of_bin + 0.5)
    prob = np.diff(np.concatenate(([0.0], below, [1.0])))
    observed = np.bincount(np.searchsorted(edges, k.astype(np.int64), side="right") - 1, weights=c,
                           minlength=edges.size).astype(float)
    expected = np.maximum(prob, 0.0) * n
    # merge neighbouring values until each bin expects >= 5
    bins_o, bins_e, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(observed, expected):
        acc_o += o
        acc_e += e
        if acc_e >= 5:
            bins_o.append(acc_o)
            bins_e.append(acc_e)
            acc_o = acc_e = 0.0
    if bins_e:
        bins_o[-1] += acc_o
        bins_e[-1] += acc_e
    dof = len(bins_e) - 1 - _NUM_PARAMS[fit.family]
    if dof < 1:
        return float("nan")
    o, e = np.asarray(bins_o), np.asarray(bins_e)
    return float(stats.chi2.sf(np.sum((o - e) ** 2 / e), dof))


# --------------------------------------------------------------------------------------------------


def fit_demand(values, config: FitConfig = FitConfig(), *, node: str | None = None) -> DemandFit:
    """Fit every family to ``values`` (demand per period, NaN = missing, ignored) and choose one."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    who = f"node '{node}': " if node else ""
    if x.size < config.min_records:
        raise InputError(f"{who}{x.size} usable period(s) of history; at least {config.min_records} are needed "
                         "to fit a demand distribution")
    if (x < 0).any():
        raise InputError(f"{who}demand history has negative values")
    discrete = bool(np.all(x == np.round(x)))
    candidates = {}
    for family in PARAMETRIC:
        fitted = _fit_family(family, x, discrete)
        if fitted is not None:
            candidates[family] = fitted
    if config.family != "auto":
        family = config.family
        if family != "empirical" and family not in candidates:
            kind = "whole numbers" if family in ("poisson", "negative_binomial") else "positive values"
            raise InputError(f"{who}family {family!r} does not apply to this history (it needs {kind})")
        reason = "family forced by the configuration"
    elif not candidates:
        family, reason = "empirical", "no parametric family applies"
    else:
        best = min(candidates.values(), key=lambda f: f.aic)
        if np.isfinite(best.gof_p) and best.gof_p < config.gof_alpha:
            family = "empirical"
            reason = (f"lowest AIC: {best.family} ({best.aic:.1f}), rejected by the goodness-of-fit test "
                      f"(p = {best.gof_p:.2g} < {config.gof_alpha}): bootstrap of the history")
        else:
            family = best.family
            others = sorted((f for f in candidates.values() if f is not best), key=lambda f: f.aic)
            runner = f"; next {others[0].family} ({others[0].aic:.1f})" if others else ""
            reason = f"lowest AIC: {best.family} ({best.aic:.1f}){runner}; goodness of fit p = {best.gof_p:.2g}"
    spec = _spec(family, candidates.get(family), x)
    return DemandFit(family, spec, candidates, int(x.size), discrete, reason, x)


def family_spec(family: str, params: dict) -> dict:
    """The netinv demand spec of a parametric ``family`` with ``params`` (see the module table): a
    negative binomial becomes its pmf tabulated as an ``empirical`` spec."""
    return _spec(family, FamilyFit(family, dict(params), float("nan"), float("nan"), float("nan")), np.zeros(0))


def _spec(family: str, fit: FamilyFit | None, x: np.ndarray) -> dict:
    """The netinv demand spec (a plain mapping, see :mod:`netinv.demand.distributions`) of a chosen family."""
    if family == "empirical":
        return {"distribution": "empirical", "values": [float(v) for v in x]}
    p = fit.params
    if family == "normal":
        return {"distribution": "normal", "mean": max(p["mean"], 0.0), "std": p["std"]}
    if family == "poisson":
        return {"distribution": "poisson", "mean": p["mean"]}
    if family == "gamma":
        return {"distribution": "gamma", "mean": p["mean"], "std": p["std"]}
    dist = fit.distribution()  # negative binomial: its pmf as an empirical table
    top = int(dist.ppf(1 - 1e-9))
    if top > _MAX_TABLE:  # too long a table: the gamma with the same mean and variance
        return {"distribution": "gamma", "mean": p["mean"], "std": float(dist.std())}
    support = np.arange(top + 1)
    prob = dist.pmf(support)
    prob /= prob.sum()
    return {"distribution": "empirical", "values": support.astype(float).tolist(), "probabilities": prob.tolist()}


def tail_probability(fit: DemandFit, x: np.ndarray, scale: np.ndarray | float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(P(X >= x), P(X <= x)) under the fitted parametric family (the empirical choice falls back to
    the lowest-AIC parametric fit), its mean multiplied by ``scale`` (a seasonal factor per value: the
    std scales with it for normal and gamma, the size of a negative binomial stays)."""
    chosen = fit.candidates.get(fit.family) or min(fit.candidates.values(), key=lambda f: f.aic)
    p = chosen.params
    x = np.asarray(x, dtype=float)
    scale = np.broadcast_to(np.asarray(scale, dtype=float), x.shape)
    if chosen.family == "poisson":
        dist = stats.poisson(p["mean"] * scale)
    elif chosen.family == "negative_binomial":
        dist = stats.nbinom(p["size"], p["size"] / (p["size"] + p["mean"] * scale))
    elif chosen.family == "normal":
        dist = stats.norm(p["mean"] * scale, np.maximum(p["std"] * scale, 1e-12))
    else:
        shape = (p["mean"] / p["std"]) ** 2
        dist = stats.gamma(shape, scale=p["std"] ** 2 / p["mean"] * scale)
    if chosen.family in ("poisson", "negative_binomial"):
        return dist.sf(x - 1), dist.cdf(x)
    if fit.discrete:
        return dist.sf(x - 0.5), dist.cdf(x + 0.5)
    return dist.sf(x), dist.cdf(x)

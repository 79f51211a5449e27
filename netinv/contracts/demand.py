"""Demand of a single selling season, with the exact expected-sales function contracts need.

Every expected profit of a newsvendor contract is a linear function of the expected sales
S(x) = E[min(D, x)] at one or more points x (leftover I(x) = x - S(x), lost sales L(x) = mu - S(x)), so a
:class:`Demand` provides S in closed form for each standard distribution:

* ``normal`` N(mu, sigma^2) **untruncated** (the textbook convention; demand may be negative):
  S(x) = mu - sigma L((x - mu) / sigma), with L(z) = phi(z) - z (1 - Phi(z)) the standard normal loss;
* ``normal-censored``: D = max(X, 0) with X ~ N(mu, sigma^2) (how netinv's simulator samples a normal
  spec): S_c(x) = S(x) - S(0) for x >= 0, mean mu - S(0);
* ``poisson`` (lambda): S(x) = x P(D > x) + lambda P(D <= floor(x) - 1); orders are integers;
* ``gamma`` given by mean and std (shape k, scale theta): S(x) = k theta F_{k+1}(x) + x (1 - F_k(x));
* ``uniform`` on [a, b]: S(x) = a + ((b - a)^2 - (b - x)^2) / (2 (b - a)) on [a, b];
* ``empirical`` (sample values with weights): S(x) = sum_i w_i min(d_i, x), by prefix sums;
* any other frozen scipy distribution on [0, inf): S(x) = integral of 1 - F from 0 to x
  (:func:`scipy.integrate.quad`).

All functions take and return numpy arrays (or floats) and are vectorized over x.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import integrate, special, stats

from netinv.attrs import MAX_DEMAND_MEAN
from netinv.demand.expected import censored_normal_mean, normal_loss
from netinv.errors import InputError
from netinv.fileio import read_input_text

KINDS = ("normal", "normal-censored", "poisson", "gamma", "uniform", "empirical", "scipy")
TAIL = 1e-10  # probability mass above the highest order ever considered


@dataclass(frozen=True)
class Demand:
    """Season demand [D]. Build one with :meth:`normal`, :meth:`poisson`, :meth:`gamma`,
    :meth:`uniform`, :meth:`empirical`, :meth:`from_scipy`, :meth:`from_spec` or :meth:`parse`.

    Attributes:
        kind: one of :data:`KINDS`.
        parameters: (mean, std) for normal, normal-censored and gamma; (mean,) for poisson; (low, high)
            for uniform; () otherwise.
        values, weights: the distinct sample values (sorted) and their probabilities (empirical only).
        frozen: the scipy distribution used for ``kind == "scipy"``.
    """

    kind: str
    parameters: tuple[float, ...] = ()
    values: np.ndarray | None = field(default=None, compare=False, repr=False)
    weights: np.ndarray | None = field(default=None, compare=False, repr=False)
    frozen: object = field(default=None, compare=False, repr=False)

    # ---------------------------------------------------------------------------------------------
    # construction

    @classmethod
    def normal(cls, mean: float, std: float, *, censored: bool = False) -> Demand:
        """N(mean [mu], std [sigma]^2), untruncated unless ``censored`` (then max(X, 0))."""
        _finite("normal", "mean", mean)
        _positive("normal", "std", std)
        return cls("normal-censored" if censored else "normal", (float(mean), float(std)))

    @classmethod
    def poisson(cls, mean: float) -> Demand:
        """Poisson with rate ``mean`` [lambda] > 0."""
        _positive("poisson", "mean", mean)
        return cls("poisson", (float(mean),))

    @classmethod
    def gamma(cls, mean: float, std: float) -> Demand:
        """Gamma with the given mean and std (shape (mean/std)^2, scale std^2/mean)."""
        _positive("gamma", "mean", mean)
        _positive("gamma", "std", std)
        if std > MAX_GAMMA_CV * mean:
            raise InputError(f"demand gamma: std / mean must be at most {MAX_GAMMA_CV:g}, got std {std:g}, mean {mean:g}")
        return cls("gamma", (float(mean), float(std)))

    @classmethod
    def uniform(cls, low: float, high: float) -> Demand:
        """Continuous uniform on [low, high], 0 <= low < high."""
        _finite("uniform", "low", low)
        _finite("uniform", "high", high)
        if not 0 <= low < high:
            raise InputError(f"demand uniform: need 0 <= low < high, got low={low}, high={high}")
        return cls("uniform", (float(low), float(high)))

    @classmethod
    def empirical(cls, values, weights=None) -> Demand:
        """Demand equal to ``values[i]`` with probability ``weights[i]`` (equal weights if omitted)."""
        x = np.asarray(values, dtype=float).ravel()
        if x.size == 0:
            raise InputError("demand empirical: no values")
        if not np.all(np.isfinite(x)) or np.any(x < 0):
            raise InputError("demand empirical: values must be finite numbers >= 0")
        w = np.full(x.size, 1.0 / x.size) if weights is None else np.asarray(weights, dtype=float).ravel()
        if w.shape != x.shape or np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
            raise InputError("demand empirical: weights must be one finite number >= 0 per value, not all 0")
        uniq, inverse = np.unique(x, return_inverse=True)
        merged = np.bincount(inverse, weights=w / w.sum())
        return cls("empirical", (), uniq, merged)

    @classmethod
    def from_scipy(cls, frozen) -> Demand:
        """Any frozen continuous scipy distribution with support in [0, inf) (S by integration)."""
        if not isinstance(getattr(frozen, "dist", None), stats.rv_continuous):
            raise InputError(f"demand: expected a frozen continuous scipy distribution, got {type(frozen).__name__}")
        if float(frozen.support()[0]) < 0:
            raise InputError("demand: a scipy distribution must have support in [0, inf)")
        return cls("scipy", (), frozen=frozen)

    @classmethod
    def from_spec(cls, spec, *, censored: bool = False) -> Demand:
        """From a netinv demand spec (:mod:`netinv.demand.distributions`); a ``normal`` spec is untruncated unless
        ``censored`` (netinv's simulator censors it)."""
        kind = getattr(spec, "distribution", None)
        if kind == "normal":
            return cls.normal(spec.mean, spec.std, censored=censored)
        if kind == "poisson":
            return cls.poisson(spec.mean)
        if kind == "gamma":
            return cls.gamma(spec.mean, spec.std)
        if kind == "uniform":
            return cls.uniform(spec.low, spec.high)
        if kind == "empirical":
            return cls.empirical(spec.values, spec.weights())
        raise InputError(f"demand: a '{kind}' demand has no season distribution for a contract")

    @classmethod
    def parse(cls, text: str) -> Demand:
        """Parse ``normal:MEAN,STD`` (untruncated), ``normal-censored:MEAN,STD``, ``poisson:MEAN``,
        ``uniform:LOW,HIGH``, ``gamma:MEAN,STD`` or ``empirical:FILE.csv`` (one number per row, first
        column, an optional header line)."""
        kind, sep, rest = str(text).strip().partition(":")
        kind = kind.strip().lower()
        if not sep or not rest.strip():
            raise InputError(f"demand {text!r}: expected KIND:PARAMETERS, e.g. normal:100,30")
        if kind == "empirical":
            return cls.empirical(_read_sample(Path(rest.strip())))
        arity = {"normal": 2, "normal-censored": 2, "poisson": 1, "uniform": 2, "gamma": 2}
        if kind not in arity:
            raise InputError(f"demand {text!r}: unknown distribution {kind!r}; expected one of "
                             "normal, normal-censored, poisson, uniform, gamma, empirical")
        try:
            numbers = [float(part) for part in rest.split(",")]
        except ValueError:
            raise InputError(f"demand {text!r}: parameters must be numbers separated by commas") from None
        if len(numbers) != arity[kind]:
            raise InputError(f"demand {text!r}: {kind} takes {arity[kind]} parameter(s), got {len(numbers)}")
        if kind in ("normal", "normal-censored"):
            return cls.normal(*numbers, censored=kind == "normal-censored")
        return getattr(cls, kind)(*numbers)

    # ---------------------------------------------------------------------------------------------
    # properties

    @property
    def is_discrete(self) -> bool:
        """True when orders are integers (Poisson demand)."""
        return self.kind == "poisson"

    @property
    def is_empirical(self) -> bool:
        return self.kind == "empirical"

    @property
    def label(self) -> str:
        if self.kind == "empirical":
            return f"empirical ({self.values.size} distinct values)"
        if self.kind == "scipy":
            return f"scipy {self.frozen.dist.name}"
        return f"{self.kind}:{','.join(f'{p:g}' for p in self.parameters)}"

    @property
    def mean(self) -> float:
        """E[D] [mu]."""
        k, par = self.kind, self.parameters
        if k in ("normal", "poisson", "gamma"):
            return par[0]
        if k == "normal-censored":
            return censored_normal_mean(*par)
        if k == "uniform":
            return (par[0] + par[1]) / 2
        if k == "empirical":
            return float(np.dot(self.values, self.weights))
        return float(self.frozen.mean())

    def scipy(self):
        """The scipy distribution of D (normal-censored and empirical: of the uncensored / sampled law)."""
        k, par = self.kind, self.parameters
        if k in ("normal", "normal-censored"):
            return stats.norm(par[0], par[1])
        if k == "poisson":
            return stats.poisson(par[0])
        if k == "gamma":
            shape = (par[0] / par[1]) ** 2
            return stats.gamma(shape, scale=par[1] ** 2 / par[0])
        if k == "uniform":
            return stats.uniform(par[0], par[1] - par[0])
        if k == "scipy":
            return self.frozen
        return None

    # ---------------------------------------------------------------------------------------------
    # distribution functions

    def cdf(self, x):
        """F(x) = P(D <= x)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "empirical":
            cum = np.concatenate([[0.0], np.cumsum(self.weights)])
            return cum[np.searchsorted(self.values, x, side="right")]
        out = self.scipy().cdf(x)
        if self.kind == "normal-censored":
            out = np.where(x < 0, 0.0, out)
        return out

    def ppf(self, ratio: float) -> float:
        """The smallest x with F(x) >= ratio (the critical-fractile order; >= 0 for censored demand)."""
        if self.kind == "empirical":
            cum = np.cumsum(self.weights)
            return float(self.values[min(int(np.searchsorted(cum, ratio - 1e-12)), self.values.size - 1)])
        if self.kind == "poisson":
            level = float(self.scipy().ppf(ratio))
            while level > 0 and self.cdf(level - 1) >= ratio:
                level -= 1
            while self.cdf(level) < ratio - 1e-14:
                level += 1
            return level
        level = float(self.scipy().ppf(ratio))
        return max(level, 0.0) if self.kind == "normal-censored" else level

    def upper(self) -> float:
        """An order size above which no order is ever worth searching (the 1 - 1e-10 quantile)."""
        if self.kind == "empirical":
            return float(self.values[-1])
        if self.kind == "uniform":
            return self.parameters[1]
        return float(self.scipy().ppf(1 - TAIL))

    def sales(self, x):
        """Expected sales S(x) = E[min(D, x)], vectorized over x."""
        x = np.asarray(x, dtype=float)
        k, par = self.kind, self.parameters
        if k == "normal":
            return self._normal_sales(x)
        if k == "normal-censored":
            return np.where(x <= 0, 0.0, self._normal_sales(np.maximum(x, 0.0)) - self._normal_sales(0.0))
        if k == "poisson":
            lam = par[0]
            return x * stats.poisson.sf(x, lam) + lam * stats.poisson.cdf(np.floor(x) - 1, lam)
        if k == "gamma":
            shape, scale = (par[0] / par[1]) ** 2, par[1] ** 2 / par[0]
            xp = np.maximum(x, 0.0)
            return par[0] * special.gammainc(shape + 1, xp / scale) + xp * special.gammaincc(shape, xp / scale)
        if k == "uniform":
            low, high = par
            inside = low + ((high - low) ** 2 - (high - np.clip(x, low, high)) ** 2) / (2 * (high - low))
            return np.where(x <= low, x, inside)
        if k == "empirical":
            values, weights = self.values, self.weights
            cum_w = np.concatenate([[0.0], np.cumsum(weights)])
            cum_wv = np.concatenate([[0.0], np.cumsum(weights * values)])
            index = np.searchsorted(values, x, side="right")
            return cum_wv[index] + x * (1.0 - cum_w[index])
        return self._integrated_sales(x)

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` independent draws of D."""
        if self.kind == "empirical":
            return rng.choice(self.values, size=size, p=self.weights)
        draws = self.scipy().rvs(size=size, random_state=rng).astype(float)
        return np.maximum(draws, 0.0) if self.kind == "normal-censored" else draws

    # ---------------------------------------------------------------------------------------------

    def _normal_sales(self, x):
        mean, std = self.parameters
        return mean - std * normal_loss((np.asarray(x, dtype=float) - mean) / std)

    def _integrated_sales(self, x):
        flat = np.atleast_1d(x).ravel()
        out = np.empty(flat.size)
        for i, top in enumerate(flat):
            out[i] = 0.0 if top <= 0 else integrate.quad(self.frozen.sf, 0.0, top, limit=200, epsabs=1e-10)[0]
        return out.reshape(np.shape(x)) if np.ndim(x) else float(out[0])


# The range of a demand parameter given as a string (``--demand normal:MEAN,STD``): the scenario schema's
# (netinv.attrs.MAX_DEMAND_MEAN), and no positive parameter below MIN_PARAMETER (a gamma of mean 1e-300 has
# a shape that underflows to 0). Beyond these, the closed forms overflow to NaN or infinity.
MIN_PARAMETER = 1e-9
MAX_GAMMA_CV = 1000.0  # std / mean of a gamma: its shape (mean / std)^2 stays above 1e-6


def _finite(kind: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"demand {kind}: {name} must be a finite number, got {value!r}")
    if abs(value) > MAX_DEMAND_MEAN:
        raise InputError(f"demand {kind}: {name} must be at most {MAX_DEMAND_MEAN:g} in size, got {value:g}")


def _positive(kind: str, name: str, value) -> None:
    _finite(kind, name, value)
    if value <= 0:
        raise InputError(f"demand {kind}: {name} must be > 0, got {value}")
    if value < MIN_PARAMETER:
        raise InputError(f"demand {kind}: {name} must be at least {MIN_PARAMETER:g}, got {value:g}")


def _read_sample(path: Path) -> np.ndarray:
    """The first column of a CSV file as numbers (a non-numeric first line is a header)."""
    reader = csv.reader(io.StringIO(read_input_text(path, "demand sample"), newline=""))
    try:
        rows = [row for row in reader if row and row[0].strip()]
    except csv.Error as exc:  # a field over csv's size limit, a NUL byte
        raise InputError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from None
    values = []
    for line, row in enumerate(rows, start=1):
        try:
            values.append(float(row[0]))
        except ValueError:
            if line == 1:
                continue
            raise InputError(f"{path}: row {line}: {row[0]!r} is not a number") from None
    if not values:
        raise InputError(f"{path}: no demand values")
    return np.asarray(values)

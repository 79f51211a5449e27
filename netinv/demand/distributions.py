"""External demand: distribution specs (the scenario's ``demand`` field) and bulk sampling.

A spec is a mapping with a ``distribution`` key::

    {distribution: normal, mean: 5, std: 1}     # censored at zero when sampled: max(0, X)
    {distribution: poisson, mean: 20}
    {distribution: gamma, mean: 10, std: 4}
    {distribution: uniform, low: 2, high: 8}     # continuous on [low, high]
    {distribution: empirical, values: [3, 5, 9], probabilities: [0.2, 0.5, 0.3]}   # equal weights if omitted
    {distribution: series, values: [4, 6, 5, 7]} # deterministic demand per period, repeated cyclically

Specs are parsed into small frozen pydantic models (the file boundary) that also know their mean,
standard deviation and scipy distribution. :class:`DemandSampler` draws demand for many nodes, periods
and paths at once, grouped by distribution so that every draw is one numpy call; a given seed gives the
same demand whatever policy is simulated (common random numbers).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from netinv.attrs import MAX_DEMAND_MEAN, MAX_SERIES_LENGTH

NonNegative = Annotated[float, Field(ge=0, le=MAX_DEMAND_MEAN, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=MAX_DEMAND_MEAN, allow_inf_nan=False)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def to_dict(self) -> dict:
        """The spec as the plain mapping stored on the graph and written to files."""
        return self.model_dump(exclude_none=True)


class Normal(_Spec):
    """Normal demand N(mean [mu], std [sigma]); sampled values are censored at zero."""

    distribution: Literal["normal"]
    mean: NonNegative
    std: NonNegative

    @property
    def std_dev(self) -> float:
        return self.std

    def scipy(self):
        from scipy import stats

        return stats.norm(self.mean, max(self.std, 1e-12))


class Poisson(_Spec):
    """Poisson demand with rate ``mean`` [lambda]."""

    distribution: Literal["poisson"]
    mean: NonNegative

    @property
    def std_dev(self) -> float:
        return float(np.sqrt(self.mean))

    def scipy(self):
        from scipy import stats

        return stats.poisson(self.mean)


class Gamma(_Spec):
    """Gamma demand given by its mean and standard deviation (shape = (mean/std)^2)."""

    distribution: Literal["gamma"]
    mean: Positive
    std: Positive

    @property
    def shape(self) -> float:
        return (self.mean / self.std) ** 2

    @property
    def scale(self) -> float:
        return self.std**2 / self.mean

    @property
    def std_dev(self) -> float:
        return self.std

    def scipy(self):
        from scipy import stats

        return stats.gamma(self.shape, scale=self.scale)


class Uniform(_Spec):
    """Continuous uniform demand on [low, high]."""

    distribution: Literal["uniform"]
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high must be >= low, got low={self.low}, high={self.high}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def std_dev(self) -> float:
        return (self.high - self.low) / np.sqrt(12.0)

    def scipy(self):
        from scipy import stats

        return stats.uniform(self.low, self.high - self.low)


class Empirical(_Spec):
    """Discrete demand on the given ``values`` with ``probabilities`` (equal weights if omitted)."""

    distribution: Literal["empirical"]
    values: Annotated[list[NonNegative], Field(min_length=1, max_length=MAX_SERIES_LENGTH)]
    probabilities: list[Annotated[float, Field(ge=0, le=1)]] | None = None

    @model_validator(mode="after")
    def _weights(self):
        if self.probabilities is not None:
            if len(self.probabilities) != len(self.values):
                raise ValueError(
                    f"probabilities has {len(self.probabilities)} entries but values has {len(self.values)}"
                )
            if abs(sum(self.probabilities) - 1.0) > 1e-6:
                raise ValueError(f"probabilities must sum to 1, got {sum(self.probabilities):.6g}")
        return self

    def weights(self) -> np.ndarray:
        n = len(self.values)
        return np.full(n, 1.0 / n) if self.probabilities is None else np.asarray(self.probabilities)

    @property
    def mean(self) -> float:
        return float(np.dot(self.weights(), self.values))

    @property
    def std_dev(self) -> float:
        w, x = self.weights(), np.asarray(self.values, dtype=float)
        return float(np.sqrt(np.dot(w, (x - np.dot(w, x)) ** 2)))

    def scipy(self):
        from scipy import stats

        x, w = np.asarray(self.values, dtype=float), self.weights()
        # rv_discrete needs integer support: fall back to a histogram when the values are fractional.
        if np.all(x == np.round(x)):
            xs, inv = np.unique(x.astype(np.int64), return_inverse=True)
            return stats.rv_discrete(values=(xs, np.bincount(inv, weights=w)))
        return stats.rv_histogram(np.histogram(x, bins=max(10, len(x) // 10), weights=w), density=False)


class Series(_Spec):
    """Deterministic demand: ``values[t mod len(values)]`` in period t."""

    distribution: Literal["series"]
    values: Annotated[list[NonNegative], Field(min_length=1, max_length=MAX_SERIES_LENGTH)]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def std_dev(self) -> float:
        return float(np.std(self.values))

    def scipy(self):
        return None


DemandSpec = Annotated[
    Normal | Poisson | Gamma | Uniform | Empirical | Series, Field(discriminator="distribution")
]
DISTRIBUTIONS = ("normal", "poisson", "gamma", "uniform", "empirical", "series")
_ADAPTER: TypeAdapter = TypeAdapter(DemandSpec)


def parse_demand(spec: dict) -> Normal | Poisson | Gamma | Uniform | Empirical | Series:
    """Parse a demand mapping (raises pydantic.ValidationError; the loader turns it into a clear line)."""
    return _ADAPTER.validate_python(spec)


class DemandSampler:
    """Draws external demand for a fixed list of demand nodes, in chunks of periods.

    ``specs[k]`` is the demand of the k-th demand node. ``draw(start, periods, paths)`` returns a float32
    array of shape ``(periods, len(specs), paths)``. The random stream depends only on ``seed`` and the
    sequence of calls, so two simulations with the same seed and chunking see the same demand.
    """

    def __init__(self, specs, seed: int | None = 0):
        self.specs = list(specs)
        self.rng = np.random.default_rng(seed)
        self._groups: dict[str, np.ndarray] = {}
        for kind in DISTRIBUTIONS:
            idx = np.array([k for k, s in enumerate(self.specs) if s.distribution == kind], dtype=np.int64)
            if idx.size:
                self._groups[kind] = idx

    def draw(self, start: int, periods: int, paths: int) -> np.ndarray:
        out = np.empty((periods, len(self.specs), paths), dtype=np.float32)
        rng = self.rng
        for kind, idx in self._groups.items():
            specs = [self.specs[k] for k in idx]
            shape = (periods, idx.size, paths)
            if kind == "normal":
                mean = np.array([s.mean for s in specs], dtype=np.float32)[:, None]
                std = np.array([s.std for s in specs], dtype=np.float32)[:, None]
                x = rng.standard_normal(shape, dtype=np.float32)
                x *= std
                x += mean
                np.maximum(x, 0.0, out=x)
            elif kind == "poisson":
                lam = np.array([s.mean for s in specs])[:, None]
                x = rng.poisson(np.broadcast_to(lam, shape)).astype(np.float32)
            elif kind == "gamma":
                k = np.array([s.shape for s in specs])[:, None]
                scale = np.array([s.scale for s in specs], dtype=np.float32)[:, None]
                x = rng.standard_gamma(np.broadcast_to(k, shape)).astype(np.float32) * scale
            elif kind == "uniform":
                lo = np.array([s.low for s in specs], dtype=np.float32)[:, None]
                hi = np.array([s.high for s in specs], dtype=np.float32)[:, None]
                x = lo + (hi - lo) * rng.random(shape, dtype=np.float32)
            elif kind == "empirical":
                x = np.empty(shape, dtype=np.float32)
                for j, s in enumerate(specs):
                    cum = np.cumsum(s.weights())
                    cum[-1] = 1.0
                    pick = np.searchsorted(cum, rng.random((periods, paths)), side="right")
                    x[:, j, :] = np.asarray(s.values, dtype=np.float32)[np.minimum(pick, len(s.values) - 1)]
            else:  # series: deterministic, no random numbers drawn
                x = np.empty(shape, dtype=np.float32)
                t = np.arange(start, start + periods)
                for j, s in enumerate(specs):
                    vals = np.asarray(s.values, dtype=np.float32)
                    x[:, j, :] = vals[t % vals.size][:, None]
            out[:, idx, :] = x
        return out

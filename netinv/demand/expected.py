"""Expected and sampled demand of a network over a window of periods, and the normal-demand formulas
every module shares.

What the simulator draws is the convention: a ``normal`` spec is censored at zero, max(0, X) with
X ~ N(mu, sigma^2), so its mean per period is the censored mean E[max(0, X)]
(:func:`censored_normal_mean`), not mu. The planning models (:mod:`netinv.exact.planning`), the
rolling-horizon policies, the GNN's features and the contracts read these functions from here.

* :func:`normal_loss`: the standard normal loss function L(z) = E[(Z - z)^+] = phi(z) - z (1 - Phi(z)).
* :func:`censored_normal_mean`, :func:`mean_demand`: the mean per period of a spec as drawn.
* :func:`expected_demand`: (periods, D) expected demand of every demand node (series: their values).
* :func:`sample_demand`: (scenarios, periods, D) demand scenarios (plain or Latin-hypercube stratified).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from netinv.demand.distributions import DemandSampler, Empirical, Normal, Series
from netinv.network.compile import NetworkArrays

__all__ = ["censored_normal_mean", "expected_demand", "mean_demand", "normal_loss", "sample_demand"]


def normal_loss(z):
    """Standard normal loss function L(z) = E[(Z - z)^+] = phi(z) - z (1 - Phi(z)), vectorized over z."""
    return stats.norm.pdf(z) - z * stats.norm.sf(z)


def censored_normal_mean(mean: float, std: float) -> float:
    """E[max(0, X)] for X ~ N(mean [mu], std [sigma]^2), std > 0: mu Phi(mu / sigma) + sigma phi(mu / sigma)."""
    z = mean / std
    return float(mean * stats.norm.cdf(z) + std * stats.norm.pdf(z))


def mean_demand(spec) -> float:
    """Mean demand per period of a demand spec as the simulator draws it: the censored mean for a normal
    spec with std > 0 (:func:`censored_normal_mean`), the spec's mean otherwise (a series: its values')."""
    if isinstance(spec, Normal) and spec.std > 0:
        return censored_normal_mean(spec.mean, spec.std)
    return float(spec.mean)


def expected_demand(arrays: NetworkArrays, start: int, periods: int, *, forecast=None) -> np.ndarray:
    """(periods, D) expected demand from absolute period ``start``: a series' own values, the censored
    mean E[max(0, X)] for normal demand (what the simulator draws), the mean otherwise.

    ``forecast``: an optional :class:`~netinv.demand.forecast.DemandForecast`; the nodes it covers take
    its mean path instead (an error if it does not reach period ``start + periods - 1``).
    """
    out = np.empty((periods, arrays.num_demand_nodes))
    t = np.arange(start, start + periods)
    for j, spec in enumerate(arrays.demand_specs):
        if isinstance(spec, Series):
            vals = np.asarray(spec.values, dtype=np.float64)
            out[:, j] = vals[t % vals.size]
        else:
            out[:, j] = mean_demand(spec)
    if forecast is not None:
        out[:, forecast.columns(arrays)] = forecast.window(start, periods)
    return out


def sample_demand(arrays: NetworkArrays, start: int, periods: int, scenarios: int, seed,
                  *, stratified: bool = False, forecast=None) -> np.ndarray:
    """(scenarios, periods, D) demand scenarios drawn from the network's demand specs.

    ``stratified``: in every period and demand node the K draws take one uniform from each of the K
    strata [k/K, (k+1)/K) (in random order across periods) through the inverse distribution function:
    the K scenarios then cover the distribution evenly (Latin hypercube sampling), which lowers the
    noise of a sample-average model at the same K.

    ``forecast``: an optional :class:`~netinv.demand.forecast.DemandForecast`; the nodes it covers draw
    max(0, forecast mean + a forecast error bootstrapped from its residuals), independently per
    period and node (stratified: the residuals' empirical quantile at the stratified uniform).
    """
    if not stratified:
        draw = DemandSampler(arrays.demand_specs, seed=seed).draw(start, periods, scenarios)
        out = np.ascontiguousarray(np.transpose(draw, (2, 0, 1)), dtype=np.float64)
        if forecast is not None:
            # a stream of its own for the bootstrap (the sampler's draws of these nodes are replaced)
            rng = np.random.default_rng(np.random.SeedSequence(_entropy(seed) + [0x6F72]))
            u = rng.random((scenarios, periods, len(forecast.nodes)))
            out[:, :, forecast.columns(arrays)] = _forecast_draws(forecast, start, periods, u)
        return out
    rng = np.random.default_rng(seed)
    K, D = scenarios, arrays.num_demand_nodes
    strata = np.argsort(rng.random((periods, D, K)), axis=2)
    u = (strata + rng.random((periods, D, K))) / K
    out = np.empty((K, periods, D))
    t = np.arange(start, start + periods)
    for j, spec in enumerate(arrays.demand_specs):
        if isinstance(spec, Series):
            vals = np.asarray(spec.values, dtype=np.float64)
            out[:, :, j] = vals[t % vals.size][None, :]
            continue
        if isinstance(spec, Empirical):
            cum = np.cumsum(spec.weights())
            cum[-1] = 1.0
            pick = np.minimum(np.searchsorted(cum, u[:, j, :], side="right"), len(spec.values) - 1)
            x = np.asarray(spec.values, dtype=np.float64)[pick]
        elif isinstance(spec, Normal):
            x = np.maximum(stats.norm.ppf(u[:, j, :], spec.mean, spec.std), 0.0)
        else:
            x = spec.scipy().ppf(u[:, j, :])
        out[:, :, j] = x.T
    if forecast is not None:
        columns = forecast.columns(arrays)
        out[:, :, columns] = _forecast_draws(forecast, start, periods, np.transpose(u[:, columns, :], (2, 0, 1)))
    return out


def _forecast_draws(forecast, start: int, periods: int, u: np.ndarray) -> np.ndarray:
    """(K, periods, k) max(0, mean + error) with errors at probabilities ``u`` (K, periods, k)."""
    return np.maximum(forecast.window(start, periods)[None] + forecast.errors(u), 0.0)


def _entropy(seed) -> list[int]:
    """The entropy of an int / SeedSequence seed as a list (to derive an independent stream)."""
    if isinstance(seed, np.random.SeedSequence):
        entropy = seed.entropy if isinstance(seed.entropy, (list, tuple)) else [seed.entropy]
        return [int(x) for x in entropy] + [int(x) for x in seed.spawn_key]
    return [int(seed or 0)]

"""The single-period stocking problem with lateral transshipment, and its demand samples.

A :class:`TransshipmentProblem` is the part of a network the two-stage model reads (Herer, Tzur &
Yücesan 2006): the *locations* are the network's demand nodes, each with a holding cost [h_i], a
shortage cost [p_i] and a demand distribution; the network's ``kind: transshipment`` edges link them,
each with a unit cost [c_ij] (one way unless the reverse edge exists) and an optional capacity.
Supply edges, lead times and upstream stages play no part in the single-period model: every location
is stocked up to its level before demand, from an unlimited supply.

:func:`sample_demand` draws demand for all locations at once, independently through
:class:`~netinv.demand.distributions.DemandSampler` (the simulator's sampler: common random numbers), or with
correlation between locations through a Gaussian copula: correlated standard normals Z, then
D_i = F_i^{-1}(Phi(Z_i)) for every marginal (a normal marginal is mean + std Z_i, censored at zero as
the sampler censors it, so its correlation is exactly the one asked for before censoring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
from scipy import stats

from netinv.demand.distributions import DemandSampler
from netinv.errors import InputError, InvalidNetworkError
from netinv.network.compile import NetworkArrays, compile_network


@dataclass(frozen=True, eq=False)
class TransshipmentProblem:
    """Locations (the demand nodes) and the transshipment edges between them.

    Shapes: L locations, X transshipment edges; ``edge_source`` / ``edge_target`` index locations.

    holding_cost: per unit left over at the end of the period [h_i].
    shortage_cost: per unit of demand not met [p_i].
    unit_cost: per unit moved on an edge [c_ij].
    capacity: units an edge can move (``inf`` = unlimited).
    lead_time: periods on the edge; informative only here (the single-period model moves stock at once).
    """

    name: str
    locations: tuple[str, ...]
    holding_cost: np.ndarray
    shortage_cost: np.ndarray
    demand_specs: tuple
    edge_keys: tuple[tuple[str, str], ...]
    edge_source: np.ndarray
    edge_target: np.ndarray
    unit_cost: np.ndarray
    capacity: np.ndarray
    lead_time: np.ndarray

    @property
    def num_locations(self) -> int:
        return len(self.locations)

    @property
    def num_edges(self) -> int:
        return len(self.edge_keys)

    def edge_labels(self) -> list[str]:
        """``"source->target"`` of each edge (the keys of every per-edge result)."""
        return [f"{u}->{v}" for u, v in self.edge_keys]

    def with_unit_costs(self, unit_cost) -> TransshipmentProblem:
        """The same problem with other transshipment costs (a scalar or one per edge)."""
        cost = np.broadcast_to(np.asarray(unit_cost, dtype=float), (self.num_edges,)).copy()
        _check_costs(self, cost, "unit_cost")
        return replace(self, unit_cost=cost)

    def without_edges(self) -> TransshipmentProblem:
        """The same locations with no transshipment: one independent newsvendor each."""
        empty_int, empty = np.zeros(0, dtype=np.int64), np.zeros(0)
        return replace(self, edge_keys=(), edge_source=empty_int, edge_target=empty_int, unit_cost=empty,
                       capacity=empty, lead_time=empty_int)


def transshipment_problem(network: nx.DiGraph | NetworkArrays) -> TransshipmentProblem:
    """The transshipment problem of a loaded network (or of its compiled arrays).

    Raises :class:`~netinv.errors.InvalidNetworkError` with one line naming the edge or node when a
    transshipment edge touches a node that holds no stock for the model (a node without external demand,
    an external supply), or a cost is negative or not finite.
    """
    arrays = compile_network(network) if isinstance(network, nx.DiGraph) else network
    ds = arrays.demand_slice
    first = ds.start
    locations = arrays.node_ids[ds]
    if not locations:
        raise InvalidNetworkError(f"network '{arrays.name}': no demand node, so no location to stock")
    for x, (u, v) in enumerate(arrays.trans_keys):
        for end, i in ((u, arrays.trans_source[x]), (v, arrays.trans_target[x])):
            if i < first:
                what = "an external supply" if arrays.unlimited[i] else "not a demand node"
                raise InvalidNetworkError(
                    f"transshipment edge '{u}' -> '{v}': '{end}' holds no stock ({what}); transshipment "
                    "links stocking locations, the nodes with external demand"
                )
    problem = TransshipmentProblem(
        name=arrays.name,
        locations=tuple(locations),
        holding_cost=np.asarray(arrays.holding_cost[ds], dtype=float).copy(),
        shortage_cost=np.asarray(arrays.shortage_cost[ds], dtype=float).copy(),
        demand_specs=tuple(arrays.demand_specs),
        edge_keys=tuple(arrays.trans_keys),
        edge_source=np.asarray(arrays.trans_source, dtype=np.int64) - first,
        edge_target=np.asarray(arrays.trans_target, dtype=np.int64) - first,
        unit_cost=np.asarray(arrays.trans_unit_cost, dtype=float).copy(),
        capacity=np.asarray(arrays.trans_capacity, dtype=float).copy(),
        lead_time=np.asarray(arrays.trans_lead_time, dtype=np.int64).copy(),
    )
    for k, name in enumerate(problem.locations):
        for label, value in (("holding_cost", problem.holding_cost[k]), ("shortage_cost", problem.shortage_cost[k])):
            if not (math.isfinite(value) and value >= 0):
                raise InvalidNetworkError(f"node '{name}': {label} must be a finite number >= 0, got {value}")
    _check_costs(problem, problem.unit_cost, "unit_cost")
    for x, (u, v) in enumerate(problem.edge_keys):
        if not problem.capacity[x] >= 0:
            raise InvalidNetworkError(
                f"transshipment edge '{u}' -> '{v}': capacity must be >= 0, got {problem.capacity[x]}"
            )
    return problem


def _check_costs(problem: TransshipmentProblem, cost: np.ndarray, label: str) -> None:
    for x, (u, v) in enumerate(problem.edge_keys):
        if not (math.isfinite(cost[x]) and cost[x] >= 0):
            raise InvalidNetworkError(
                f"transshipment edge '{u}' -> '{v}': {label} must be a finite number >= 0, got {cost[x]}"
            )


# --------------------------------------------------------------------------------------------------
# demand samples


def sample_demand(problem: TransshipmentProblem, samples: int, seed: int | np.random.SeedSequence = 0, *,
                  correlation=None) -> np.ndarray:
    """(samples, L) demand of every location, float64.

    ``correlation``: ``None`` (independent locations), a number in (-1, 1) (the same correlation
    between every pair) or an (L, L) correlation matrix (symmetric, unit diagonal, positive
    semi-definite), applied through a Gaussian copula.
    """
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise InputError(f"samples must be an integer >= 1, got {samples!r}")
    L = problem.num_locations
    if correlation is None:
        draw = DemandSampler(problem.demand_specs, seed=seed).draw(0, 1, int(samples))
        return draw[0].T.astype(np.float64)
    matrix = _correlation_matrix(correlation, L)
    rng = np.random.default_rng(seed)
    eigenvalues, vectors = np.linalg.eigh(matrix)
    root = vectors * np.sqrt(np.maximum(eigenvalues, 0.0))  # matrix = root @ root.T (works when singular)
    z = rng.standard_normal((int(samples), L)) @ root.T
    u = stats.norm.cdf(z)
    out = np.empty_like(z)
    for k, spec in enumerate(problem.demand_specs):
        out[:, k] = _inverse_cdf(spec, z[:, k], u[:, k])
    return out


def _correlation_matrix(correlation, size: int) -> np.ndarray:
    matrix = np.asarray(correlation, dtype=float)
    if matrix.ndim == 0:
        rho = float(matrix)
        if not -1.0 < rho < 1.0:
            raise InputError(f"correlation must be in (-1, 1), got {rho}")
        matrix = np.full((size, size), rho)
        np.fill_diagonal(matrix, 1.0)
    if matrix.shape != (size, size):
        raise InputError(f"correlation matrix must be {size} x {size} (one row per location), got {matrix.shape}")
    if not np.all(np.isfinite(matrix)) or not np.allclose(matrix, matrix.T) or not np.allclose(np.diag(matrix), 1.0):
        raise InputError("correlation matrix must be symmetric with finite entries and a unit diagonal")
    if np.linalg.eigvalsh(matrix).min() < -1e-9:
        raise InputError("correlation matrix must be positive semi-definite (it is not a correlation matrix)")
    return matrix


def _inverse_cdf(spec, z: np.ndarray, u: np.ndarray) -> np.ndarray:
    kind = spec.distribution
    if kind == "normal":
        return np.maximum(spec.mean + spec.std * z, 0.0)
    if kind == "series":
        return np.full(z.shape, float(spec.values[0]))
    if kind == "empirical":
        cum = np.cumsum(spec.weights())
        cum[-1] = 1.0
        pick = np.searchsorted(cum, u, side="right")
        return np.asarray(spec.values, dtype=float)[np.minimum(pick, len(spec.values) - 1)]
    u = np.clip(u, 1e-16, 1.0 - 1e-16)
    return np.asarray(spec.scipy().ppf(u), dtype=float)

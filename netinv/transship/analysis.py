"""One call for a planner: optimal levels with transshipment, their out-of-sample cost, and the value of
transshipment (independent newsvendors / the given costs / full pooling), all on common samples."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from netinv.errors import InputError
from netinv.exact.highs import SolverOptions
from netinv.network.compile import NetworkArrays
from netinv.transship.problem import TransshipmentProblem, sample_demand, transshipment_problem
from netinv.transship.saa import IPM, StockingResult, evaluate_levels, solve_stocking


@dataclass(frozen=True)
class TransshipConfig:
    """What to sample.

    samples: demand samples K of the sample-average LP.
    seed: seed of the samples; the out-of-sample set comes from an independent stream of the same seed.
    out_of_sample: samples of the independent set the levels are judged on (``None`` = ``samples``).
    correlation: ``None`` (independent locations), one number for every pair, or an (L, L) matrix.
    method: ``"decomposition"`` (level bundle with the exact recourse, the default) or ``"extensive"``
        (the whole sample-average LP to HiGHS); see :func:`~netinv.transship.saa.solve_stocking`.
    solver: HiGHS options of the extensive LP (interior point by default).
    """

    samples: int = 10_000
    seed: int = 0
    out_of_sample: int | None = None
    correlation: float | tuple | None = None
    method: str = "decomposition"
    solver: SolverOptions = IPM

    def __post_init__(self):
        for label, value in (("samples", self.samples), ("out_of_sample", self.out_of_sample)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 2):
                raise InputError(f"{label} must be an integer >= 2, got {value!r}")


@dataclass(frozen=True)
class TransshipmentValue:
    """Optimal sample-average cost without transshipment, with it at the given costs, and with free
    transshipment between every pair of locations (full pooling), on the same samples."""

    independent: StockingResult
    with_transshipment: StockingResult
    full_pooling: StockingResult

    def to_dict(self) -> dict[str, float]:
        return {"independent": self.independent.expected_cost,
                "with_transshipment": self.with_transshipment.expected_cost,
                "full_pooling": self.full_pooling.expected_cost}


@dataclass(frozen=True)
class TransshipmentAnalysis:
    """The answer of :func:`analyze_transshipment` (``to_dict`` is the CLI's JSON; the out-of-sample
    standard error is ``out_of_sample.stderr``)."""

    problem: TransshipmentProblem = field(repr=False)
    optimum: StockingResult
    out_of_sample: StockingResult
    value: TransshipmentValue

    def to_dict(self) -> dict:
        return {
            "levels": dict(self.optimum.levels),
            "expected_cost": self.optimum.expected_cost,
            "stderr": self.optimum.stderr,
            "out_of_sample_cost": self.out_of_sample.expected_cost,
            "transshipped": dict(self.optimum.transshipped),
            "value": self.value.to_dict(),
        }


def transshipment_value(problem: TransshipmentProblem, demand: np.ndarray, *,
                        solver: SolverOptions = IPM, method: str = "decomposition") -> TransshipmentValue:
    """The three optimal costs on the samples ``demand`` (K, L)."""
    return TransshipmentValue(
        independent=solve_stocking(problem.without_edges(), demand, solver=solver, method=method),
        with_transshipment=solve_stocking(problem, demand, solver=solver, method=method),
        full_pooling=solve_stocking(problem, demand, pooling=True, solver=solver, method=method),
    )


def analyze_transshipment(network: nx.DiGraph | NetworkArrays,
                          config: TransshipConfig = TransshipConfig()) -> TransshipmentAnalysis:
    """Levels, expected cost (in sample, with its standard error), expected transshipment per edge, the
    levels' cost on an independent sample, and the value of transshipment."""
    problem = transshipment_problem(network)
    in_seed, out_seed = np.random.SeedSequence(config.seed).spawn(2)
    correlation = None if config.correlation is None else np.asarray(config.correlation, dtype=float)
    demand = sample_demand(problem, config.samples, in_seed, correlation=correlation)
    fresh = sample_demand(problem, config.out_of_sample or config.samples, out_seed, correlation=correlation)
    value = transshipment_value(problem, demand, solver=config.solver, method=config.method)
    optimum = value.with_transshipment
    return TransshipmentAnalysis(
        problem=problem,
        optimum=optimum,
        out_of_sample=evaluate_levels(problem, optimum.levels, fresh, solver=config.solver, method=config.method),
        value=value,
    )

"""Random stocking problems for the cross-checks: 2-6 locations, one-way edges, asymmetric costs, some
edge capacities, normal / Poisson / gamma / uniform demand."""

from __future__ import annotations

from netinv.transship import transshipment_problem
from tests.transship.conftest import stores_network


def random_demand(rng) -> dict:
    kind = rng.choice(["normal", "poisson", "gamma", "uniform"])
    mean = float(rng.uniform(10, 60))
    if kind == "normal":
        return {"distribution": "normal", "mean": mean, "std": float(rng.uniform(0.1, 0.5) * mean)}
    if kind == "poisson":
        return {"distribution": "poisson", "mean": mean}
    if kind == "gamma":
        return {"distribution": "gamma", "mean": mean, "std": float(rng.uniform(0.2, 0.8) * mean)}
    return {"distribution": "uniform", "low": 0.5 * mean, "high": 1.5 * mean}

def random_edges(rng, locations: int, edge_probability: float, *, max_cost: float, min_capacity: float
                 ) -> list[tuple]:
    """Edges ``(i, j, cost)`` drawn independently for each ordered pair i != j with ``edge_probability``
    (so many are one way), the cost uniform on [0, max_cost); 30% of them capped: ``(i, j, cost,
    capacity)`` with the capacity uniform on [min_capacity, 15)."""
    edges = []
    for i in range(locations):
        for j in range(locations):
            if i != j and rng.random() < edge_probability:
                edge = (i, j, float(rng.uniform(0.0, max_cost)))
                edges.append(edge + (float(rng.uniform(min_capacity, 15)),) if rng.random() < 0.3 else edge)
    return edges


def random_problem(rng, locations: int, edge_probability: float = 0.5):
    """Edges i -> j drawn independently (so many are one way), each with its own cost, 30% capped."""
    holding = rng.uniform(0.2, 2.0, locations).round(2)
    shortage = rng.uniform(1.0, 10.0, locations).round(2)
    edges = random_edges(rng, locations, edge_probability, max_cost=8.0, min_capacity=1)
    demands = [random_demand(rng) for _ in range(locations)]
    return transshipment_problem(stores_network(demands, holding, shortage, edges))

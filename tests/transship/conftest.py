"""Small transshipment networks for the tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import network

DATA = Path(__file__).resolve().parent / "data"


def stores_network(demands, holding, shortage, edges, name="stores"):
    """A supplier feeding one store per demand spec; ``edges`` is a list of (i, j, unit_cost[, capacity])
    transshipment edges between stores ``s{i}`` -> ``s{j}``."""
    nodes = [{"id": "supplier"}] + [
        {"id": f"s{i}", "holding_cost": float(h), "shortage_cost": float(p), "demand": d}
        for i, (d, h, p) in enumerate(zip(demands, holding, shortage, strict=True))
    ]
    links = [{"source": "supplier", "target": f"s{i}"} for i in range(len(demands))]
    for edge in edges:
        i, j, c = edge[:3]
        link = {"source": f"s{i}", "target": f"s{j}", "kind": "transshipment", "unit_cost": float(c)}
        if len(edge) > 3:
            link["capacity"] = float(edge[3])
        links.append(link)
    return network(nodes, links, name=name)

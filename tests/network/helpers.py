"""A tiny two-echelon network used by the tests of netinv.network: supplier -> dc -> two stores."""

from __future__ import annotations

from netinv.network import document_to_graph

DOC = {
    "name": "tiny",
    "nodes": [
        {"id": "supplier", "external_supply": True},
        {"id": "dc", "holding_cost": 0.5, "position": [0.0, 1.0]},
        {"id": "north", "holding_cost": 1.0, "shortage_cost": 9.0,
         "demand": {"distribution": "normal", "mean": 10.0, "std": 2.0}},
        {"id": "south", "holding_cost": 1.0, "shortage_cost": 9.0, "backlog": False,
         "demand": {"distribution": "poisson", "mean": 4.0}},
    ],
    "edges": [
        {"source": "supplier", "target": "dc", "lead_time": 3, "unit_cost": 2.0},
        {"source": "dc", "target": "north", "lead_time": 1},
        {"source": "dc", "target": "south", "lead_time": 2},
        {"source": "north", "target": "south", "kind": "transshipment", "unit_cost": 0.5},
    ],
}


def tiny():
    """The tiny network as a validated DiGraph."""
    return document_to_graph(DOC)

"""Hypothesis strategies for scenario documents: valid ones, and mutations of them.

:func:`valid_documents` draws a document the schema accepts: an acyclic supply network (edges only from
an earlier to a later node of a random order), transshipment edges between any two nodes, every
optional node and edge field now and then, demand of every distribution on some nodes, ids from all of
Unicode. :func:`mutated_documents` takes one and breaks it one to three times: a wrong type, a missing
or unknown key, an out-of-range / NaN / infinite / huge number, an edge to an unknown node, a supply
cycle, a duplicate, an empty list, a deeply nested value, a strange id, or the whole document replaced.

:func:`write_scenario` writes a document (valid or not) as YAML, JSON or GraphML the way a user's
editor would, so that the same documents also go through the file readers.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import yaml
from hypothesis import strategies as st

from netinv import attrs

# --------------------------------------------------------------------------------------------------
# valid documents

# Node ids: any Unicode except surrogates and control characters (an XML file cannot hold those), and
# now and then an integer (the published 9-node network numbers its nodes).
ID_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
NODE_IDS = st.one_of(ID_TEXT, ID_TEXT, ID_TEXT, st.integers(0, 10**6))


def _number(low: float, high: float, *, exclude_low: bool = False) -> st.SearchStrategy:
    """Finite numbers in a range, as floats or (when the range allows) integers."""
    floats = st.floats(low, high, exclude_min=exclude_low, allow_nan=False, allow_infinity=False)
    ints = st.integers(math.ceil(low) + (1 if exclude_low and low == math.ceil(low) else 0), math.floor(high))
    return st.one_of(floats, ints) if math.floor(high) >= math.ceil(low) + 1 else floats


COST = _number(0, attrs.MAX_MAGNITUDE)
SMALL_COST = _number(0, 100)
AMOUNT = _number(0, attrs.MAX_MAGNITUDE)
DEMAND_LEVEL = _number(0, attrs.MAX_DEMAND_MEAN)

NODE_FIELDS: dict[str, st.SearchStrategy] = {
    "holding_cost": st.one_of(SMALL_COST, COST),
    "processing_time": st.integers(0, attrs.MAX_PROCESSING_TIME),
    "initial_inventory": AMOUNT,
    "capacity": AMOUNT,
    "operating_cost": SMALL_COST,
    "yield": st.floats(0, 1, exclude_min=True),
    "backlog": st.booleans(),
    "price": SMALL_COST,
    "service_level": st.floats(0, 1, exclude_min=True, exclude_max=True),
    "service_factor": _number(0, 10),
    "risk_pool": _number(1, 10),
    "added_cost": COST,
    "max_service_time": st.integers(0, attrs.MAX_PROCESSING_TIME),
    "assembly": st.booleans(),
    "position": st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2),
}

EDGE_FIELDS: dict[str, st.SearchStrategy] = {
    "lead_time": st.integers(0, attrs.MAX_LEAD_TIME),
    "unit_cost": SMALL_COST,
    "pipeline_holding_cost": SMALL_COST,
    "capacity": AMOUNT,
    "quantity": _number(0, attrs.MAX_MAGNITUDE, exclude_low=True),
    "fixed_order_cost": SMALL_COST,
    "lot_size": _number(0, 1e6, exclude_low=True),
    "backlog": st.booleans(),
}


@st.composite
def demand_specs(draw) -> dict:
    """A demand mapping of one of the six distributions, with valid parameters."""
    kind = draw(st.sampled_from(["normal", "poisson", "gamma", "uniform", "empirical", "series"]))
    if kind in ("normal", "gamma"):
        low = 0 if kind == "normal" else 1e-6
        return {"distribution": kind, "mean": draw(_number(low, 1e4)), "std": draw(_number(low, 1e4))}
    if kind == "poisson":
        return {"distribution": kind, "mean": draw(_number(0, 1e4))}
    if kind == "uniform":
        a, b = sorted(draw(st.lists(_number(0, 1e4), min_size=2, max_size=2)))
        return {"distribution": kind, "low": a, "high": b}
    values = draw(st.lists(_number(0, 1e4), min_size=1, max_size=6))
    spec: dict[str, Any] = {"distribution": kind, "values": values}
    if kind == "empirical" and draw(st.booleans()):
        weights = draw(st.lists(st.integers(1, 9), min_size=len(values), max_size=len(values)))
        spec["probabilities"] = [w / sum(weights) for w in weights]
    return spec


@st.composite
def valid_documents(draw, max_nodes: int = 8) -> dict:
    """A scenario document the schema and the structural rules accept."""
    ids = draw(st.lists(NODE_IDS, min_size=1, max_size=max_nodes, unique_by=str))
    n = len(ids)
    supply_pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(supply_pairs), unique=True, max_size=2 * n)) if supply_pairs else []
    edges: list[dict] = []
    for i, j in chosen:
        edge = {"source": ids[i], "target": ids[j]}
        for key in draw(st.lists(st.sampled_from(sorted(EDGE_FIELDS)), unique=True, max_size=4)):
            edge[key] = draw(EDGE_FIELDS[key])
        edges.append(edge)
    others = [(i, j) for i in range(n) for j in range(n) if i != j and (min(i, j), max(i, j)) not in chosen]
    if others and draw(st.booleans()):
        for i, j in draw(st.lists(st.sampled_from(others), unique=True, max_size=3)):
            if (j, i) in chosen:
                continue
            edges.append({"source": ids[i], "target": ids[j], "kind": "transshipment",
                          "lead_time": draw(st.integers(0, 3)), "unit_cost": draw(SMALL_COST)})
    has_supplier = {j for i, j in chosen}
    nodes: list[dict] = []
    for k, node_id in enumerate(ids):
        node: dict[str, Any] = {"id": node_id}
        for key in draw(st.lists(st.sampled_from(sorted(NODE_FIELDS)), unique=True, max_size=5)):
            node[key] = draw(NODE_FIELDS[key])
        sink = all(i != k for i, _ in chosen)
        if draw(st.booleans() if sink else st.integers(0, 4).map(lambda x: x == 0)):
            node["demand"] = draw(demand_specs())
            node["shortage_cost"] = draw(SMALL_COST)
        if k not in has_supplier and draw(st.integers(0, 3)) == 0:
            node["external_supply"] = draw(st.booleans())
        nodes.append(node)
    doc: dict[str, Any] = {"name": draw(ID_TEXT), "nodes": nodes, "edges": edges}
    if draw(st.booleans()):
        doc["description"] = draw(st.text(max_size=20))
    if draw(st.integers(0, 4)) == 0:
        doc["known"] = {"cost": draw(SMALL_COST)}
    return doc


# --------------------------------------------------------------------------------------------------
# mutations

SPECIAL_NUMBERS = st.sampled_from([
    -1, -0.5, -1e-300, 0, 0.0, -0.0, 1e12 + 1, 1e13, 1e300, 1.7976931348623157e308, 2**63, 2**64 + 1, -(2**70), 10**400,
    math.nan, math.inf, -math.inf, 1.5, 0.999999, 1.000001, 1001, 10**9,
])
STRANGE_STRINGS = st.sampled_from([
    "", " ", "5", "1e309", "nan", "inf", "-1", "true", "null", "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\U0001f4e6\U0001f69a", "a" * 300, "\u00e9\u0301", "\ufeffbom", "tab\there", "new\nline", "<tag>&amp;",
    "{{x}}", "%s%s%n", "../../etc/passwd", "C:\\con\\aux", "\x00nul",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), SPECIAL_NUMBERS, STRANGE_STRINGS,
    st.text(max_size=8),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def deep(depth: int, kind: str) -> Any:
    """A value nested ``depth`` levels deep: [[[...]]] or {"a": {"a": ...}}."""
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


DEEP = st.builds(deep, st.integers(1, 200) | st.integers(200, 3000), st.sampled_from(["list", "dict"]))
BAD_VALUES = st.one_of(JUNK, SPECIAL_NUMBERS, STRANGE_STRINGS, DEEP)

ALL_NODE_KEYS = ["id", *NODE_FIELDS, "demand", "shortage_cost", "external_supply"]
ALL_EDGE_KEYS = ["source", "target", *EDGE_FIELDS, "kind"]
DEMAND_KEYS = ["distribution", "mean", "std", "low", "high", "values", "probabilities"]
TOP_KEYS = ["name", "description", "source", "known", "nodes", "edges"]

MUTATIONS = (
    "set_top", "set_node", "set_edge", "set_demand", "delete_top", "delete_node_key", "delete_edge_key",
    "unknown_key", "unknown_node", "cycle", "duplicate_node", "duplicate_edge", "empty_list",
    "replace_item", "replace_document", "strange_id", "self_loop", "swap_container",
)


def _items(doc: dict, key: str) -> list:
    value = doc.get(key)
    return value if isinstance(value, list) else []


@st.composite
def mutate(draw, doc: Any) -> Any:
    """``doc`` with one mutation applied (a new object where the mutation needs one)."""
    if not isinstance(doc, dict):
        return draw(BAD_VALUES)
    nodes, edges = _items(doc, "nodes"), _items(doc, "edges")
    node_maps = [n for n in nodes if isinstance(n, dict)]
    edge_maps = [e for e in edges if isinstance(e, dict)]
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "set_top":
        doc[draw(st.sampled_from(TOP_KEYS))] = draw(BAD_VALUES)
    elif kind == "set_node" and node_maps:
        draw(st.sampled_from(node_maps))[draw(st.sampled_from(ALL_NODE_KEYS))] = draw(BAD_VALUES)
    elif kind == "set_edge" and edge_maps:
        draw(st.sampled_from(edge_maps))[draw(st.sampled_from(ALL_EDGE_KEYS))] = draw(BAD_VALUES)
    elif kind == "set_demand" and node_maps:
        node = draw(st.sampled_from(node_maps))
        spec = node.get("demand")
        if isinstance(spec, dict):
            spec[draw(st.sampled_from(DEMAND_KEYS))] = draw(BAD_VALUES)
        else:
            node["demand"] = {"distribution": draw(STRANGE_STRINGS | st.sampled_from(DEMAND_KEYS)),
                              draw(st.sampled_from(DEMAND_KEYS)): draw(BAD_VALUES)}
            node.setdefault("shortage_cost", 1)
    elif kind == "delete_top" and doc:
        doc.pop(draw(st.sampled_from(sorted(doc, key=str))))
    elif kind == "delete_node_key" and node_maps:
        node = draw(st.sampled_from(node_maps))
        if node:
            node.pop(draw(st.sampled_from(sorted(node, key=str))))
    elif kind == "delete_edge_key" and edge_maps:
        edge = draw(st.sampled_from(edge_maps))
        if edge:
            edge.pop(draw(st.sampled_from(sorted(edge, key=str))))
    elif kind == "unknown_key":
        target = draw(st.sampled_from([doc, *node_maps, *edge_maps]))
        target[draw(st.text(min_size=1, max_size=10) | st.sampled_from(["holdng_cost", "leadtime", "Name"]))] = (
            draw(JUNK))
    elif kind == "unknown_node":
        ids = [n.get("id") for n in node_maps] or ["x"]
        other = draw(NODE_IDS | STRANGE_STRINGS)
        pair = [draw(st.sampled_from(ids)), other]
        if draw(st.booleans()):
            pair.reverse()
        doc["edges"] = [*edges, {"source": pair[0], "target": pair[1]}]
    elif kind == "cycle" and edge_maps:
        edge = draw(st.sampled_from(edge_maps))
        doc["edges"] = [*edges, {"source": edge.get("target"), "target": edge.get("source")}]
    elif kind == "duplicate_node" and nodes:
        doc["nodes"] = [*nodes, dict(draw(st.sampled_from(node_maps))) if node_maps else nodes[0]]
    elif kind == "duplicate_edge" and edges:
        doc["edges"] = [*edges, draw(st.sampled_from(edges))]
    elif kind == "empty_list":
        which = draw(st.sampled_from(["nodes", "edges", "values", "position"]))
        if which in ("nodes", "edges"):
            doc[which] = []
        elif node_maps:
            node = draw(st.sampled_from(node_maps))
            if which == "values" and isinstance(node.get("demand"), dict):
                node["demand"]["values"] = []
            else:
                node["position"] = []
    elif kind == "replace_item" and (nodes or edges):
        items = draw(st.sampled_from([x for x in (nodes, edges) if x]))
        items[draw(st.integers(0, len(items) - 1))] = draw(BAD_VALUES)
    elif kind == "replace_document":
        return draw(BAD_VALUES)
    elif kind == "strange_id" and node_maps:
        draw(st.sampled_from(node_maps))["id"] = draw(STRANGE_STRINGS | st.integers(-(2**70), 2**70) | st.floats())
    elif kind == "self_loop" and node_maps:
        node_id = draw(st.sampled_from(node_maps)).get("id")
        doc["edges"] = [*edges, {"source": node_id, "target": node_id}]
    elif kind == "swap_container":
        key = draw(st.sampled_from(["nodes", "edges"]))
        items = _items(doc, key)
        doc[key] = {str(i): item for i, item in enumerate(items)} if draw(st.booleans()) else tuple(items)
    return doc


@st.composite
def mutated_documents(draw, max_nodes: int = 8) -> Any:
    """A valid document broken one to three times."""
    doc = draw(valid_documents(max_nodes))
    for _ in range(draw(st.integers(1, 3))):
        doc = draw(mutate(doc))
    return doc


# --------------------------------------------------------------------------------------------------
# documents -> files

FORMATS = ("yaml", "json", "graphml")


def write_scenario(doc: Any, folder: Path, fmt: str) -> Path | None:
    """Write ``doc`` as a ``fmt`` file in ``folder``; None when the format cannot hold it (a lone surrogate
    in YAML, a GraphML document whose nodes are not mappings, ...): that is the writer's limit, not a bug."""
    path = folder / f"scenario.{fmt}"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # the Python writers recurse per level of a deeply nested value
    try:
        if fmt == "yaml":
            text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        elif fmt == "json":
            text = json.dumps(doc, ensure_ascii=False)
        else:
            text = _graphml_text(doc)
            if text is None:
                return None
        path.write_bytes(text.encode("utf-8"))
    except (UnicodeEncodeError, RecursionError, yaml.YAMLError, ValueError, TypeError):
        return None
    finally:
        sys.setrecursionlimit(limit)
    return path


def _graphml_text(doc: Any) -> str | None:
    """GraphML as netinv writes it (mappings and lists as JSON text), for documents of the right shape."""
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list) or not isinstance(doc.get("edges", []), list):
        return None
    graph = nx.DiGraph()
    for key, value in doc.items():
        if key not in ("nodes", "edges") and value is not None:
            graph.graph[key] = _graphml_value(value)
    for node in doc["nodes"]:
        if not isinstance(node, dict) or "id" not in node or not isinstance(node["id"], (str, int, float)):
            return None
        graph.add_node(node["id"], **{k: _graphml_value(v) for k, v in node.items() if k != "id" and v is not None})
    for edge in doc.get("edges", []):
        if not isinstance(edge, dict):
            return None
        u, v = edge.get("source"), edge.get("target")
        if not isinstance(u, (str, int, float)) or not isinstance(v, (str, int, float)):
            return None
        graph.add_edge(u, v, **{k: _graphml_value(x) for k, x in edge.items() if k not in ("source", "target")
                                and x is not None})
    return "\n".join(nx.generate_graphml(graph)) + "\n"


def _graphml_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (dict, list, tuple)) else value

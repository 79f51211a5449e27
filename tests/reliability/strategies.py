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
import random
import struct
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import yaml
from hypothesis import strategies as st

from netinv import attrs

# --------------------------------------------------------------------------------------------------
# drawing values from a seeded generator
#
# Hypothesis draws only a seed (``st.randoms``); the documents are built with plain ``random.Random`` calls.
# Drawing every field through Hypothesis cost ~25 ms a document (the checks themselves ~1 ms), which made
# the 10,500-example CI fuzz the longest part of the suite. A failure still reproduces from its seed
# (``print_blob``); what is lost is Hypothesis's shrinking of a failing document.

def _any_char(rng: random.Random, *, controls: bool) -> str:
    """One character: mostly ASCII, often any code point (unassigned ones too); never a surrogate, and a
    control character only when ``controls``."""
    while True:
        roll = rng.random()
        code = rng.randrange(0x20, 0x7F) if roll < 0.5 else rng.randrange(0xA0, 0x800) if roll < 0.75 else (
            rng.randrange(0x110000))
        category = unicodedata.category(chr(code))
        if category != "Cs" and (controls or category != "Cc"):
            return chr(code)


def _text(rng: random.Random, low: int, high: int, *, controls: bool = True) -> str:
    return "".join(_any_char(rng, controls=controls) for _ in range(rng.randint(low, high)))


def node_id(rng: random.Random) -> str | int:
    """Any Unicode except surrogates and control characters (an XML file cannot hold those), and now and
    then an integer (the published 9-node network numbers its nodes)."""
    return rng.randint(0, 10**6) if rng.random() < 0.25 else _text(rng, 1, 12, controls=False)


def _float(rng: random.Random, low: float, high: float) -> float:
    """A float in [low, high], often an end point or a value near one (as Hypothesis favours them)."""
    roll = rng.random()
    if roll < 0.1:
        return low
    if roll < 0.2:
        return high
    if roll < 0.3:
        return min(high, low + rng.random() * 1e-6)
    if roll < 0.6 and low >= 0 and high > 1:  # spread over the orders of magnitude
        return min(high, low + 10 ** rng.uniform(-6, math.log10(high - low if high > low else 1)))
    return rng.uniform(low, high)


def number(rng: random.Random, low: float, high: float, *, exclude_low: bool = False) -> float | int:
    """A finite number in a range, a float or (when the range holds two integers) an integer."""
    int_low = math.ceil(low) + (1 if exclude_low and low == math.ceil(low) else 0)
    if math.floor(high) >= math.ceil(low) + 1 and rng.random() < 0.5:
        roll = rng.random()
        return int_low if roll < 0.15 else math.floor(high) if roll < 0.25 else (
            rng.randint(int_low, min(math.floor(high), int_low + 100)) if roll < 0.7 else
            rng.randint(int_low, math.floor(high)))
    value = _float(rng, low, high)
    while exclude_low and value <= low:
        value = _float(rng, low, high)
    return value


def _open_unit(rng: random.Random, *, exclude_max: bool) -> float:
    value = _float(rng, 0.0, 1.0)
    while value <= 0 or (exclude_max and value >= 1):
        value = _float(rng, 0.0, 1.0)
    return value


def _subset(rng: random.Random, keys: list, most: int) -> list:
    return rng.sample(keys, rng.randint(0, min(most, len(keys))))


# --------------------------------------------------------------------------------------------------
# valid documents

NODE_FIELDS: dict[str, Callable[[random.Random], Any]] = {
    "holding_cost": lambda r: number(r, 0, 100) if r.random() < 0.5 else number(r, 0, attrs.MAX_MAGNITUDE),
    "processing_time": lambda r: r.randint(0, attrs.MAX_PROCESSING_TIME) if r.random() < 0.2 else r.randint(0, 5),
    "initial_inventory": lambda r: number(r, 0, attrs.MAX_MAGNITUDE),
    "capacity": lambda r: number(r, 0, attrs.MAX_MAGNITUDE),
    "operating_cost": lambda r: number(r, 0, 100),
    "yield": lambda r: _open_unit(r, exclude_max=False),
    "backlog": lambda r: r.random() < 0.5,
    "price": lambda r: number(r, 0, 100),
    "service_level": lambda r: _open_unit(r, exclude_max=True),
    "service_factor": lambda r: number(r, 0, 10),
    "risk_pool": lambda r: number(r, 1, 10),
    "added_cost": lambda r: number(r, 0, attrs.MAX_MAGNITUDE),
    "max_service_time": lambda r: r.randint(0, attrs.MAX_PROCESSING_TIME) if r.random() < 0.2 else r.randint(0, 5),
    "assembly": lambda r: r.random() < 0.5,
    "position": lambda r: [_float(r, -1e6, 1e6), _float(r, -1e6, 1e6)],
}

EDGE_FIELDS: dict[str, Callable[[random.Random], Any]] = {
    "lead_time": lambda r: r.randint(0, attrs.MAX_LEAD_TIME) if r.random() < 0.2 else r.randint(0, 5),
    "unit_cost": lambda r: number(r, 0, 100),
    "pipeline_holding_cost": lambda r: number(r, 0, 100),
    "capacity": lambda r: number(r, 0, attrs.MAX_MAGNITUDE),
    "quantity": lambda r: number(r, 0, attrs.MAX_MAGNITUDE, exclude_low=True),
    "fixed_order_cost": lambda r: number(r, 0, 100),
    "lot_size": lambda r: number(r, 0, 1e6, exclude_low=True),
    "backlog": lambda r: r.random() < 0.5,
}


def demand_spec(rng: random.Random) -> dict:
    """A demand mapping of one of the six distributions, with valid parameters."""
    kind = rng.choice(["normal", "poisson", "gamma", "uniform", "empirical", "series"])
    if kind in ("normal", "gamma"):
        low = 0 if kind == "normal" else 1e-6
        return {"distribution": kind, "mean": number(rng, low, 1e4), "std": number(rng, low, 1e4)}
    if kind == "poisson":
        return {"distribution": kind, "mean": number(rng, 0, 1e4)}
    if kind == "uniform":
        a, b = sorted([number(rng, 0, 1e4), number(rng, 0, 1e4)])
        return {"distribution": kind, "low": a, "high": b}
    values = [number(rng, 0, 1e4) for _ in range(rng.randint(1, 6))]
    spec: dict[str, Any] = {"distribution": kind, "values": values}
    if kind == "empirical" and rng.random() < 0.5:
        weights = [rng.randint(1, 9) for _ in values]
        spec["probabilities"] = [w / sum(weights) for w in weights]
    return spec


def valid_document(rng: random.Random, max_nodes: int = 8) -> dict:
    """A scenario document the schema and the structural rules accept: an acyclic supply network (edges
    only from an earlier to a later node), transshipment edges between other pairs, optional fields now
    and then, demand on some nodes."""
    ids: list = []
    for _ in range(rng.randint(1, max_nodes)):
        new = node_id(rng)
        if str(new) not in {str(i) for i in ids}:
            ids.append(new)
    n = len(ids)
    supply_pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = rng.sample(supply_pairs, rng.randint(0, min(2 * n, len(supply_pairs))))
    edges: list[dict] = []
    for i, j in chosen:
        edge = {"source": ids[i], "target": ids[j]}
        for key in _subset(rng, sorted(EDGE_FIELDS), 4):
            edge[key] = EDGE_FIELDS[key](rng)
        edges.append(edge)
    others = [(i, j) for i in range(n) for j in range(n) if i != j and (min(i, j), max(i, j)) not in chosen]
    if others and rng.random() < 0.5:
        for i, j in _subset(rng, others, 3):
            if (j, i) in chosen:
                continue
            edges.append({"source": ids[i], "target": ids[j], "kind": "transshipment",
                          "lead_time": rng.randint(0, 3), "unit_cost": number(rng, 0, 100)})
    has_supplier = {j for _, j in chosen}
    nodes: list[dict] = []
    for k, node_name in enumerate(ids):
        node: dict[str, Any] = {"id": node_name}
        for key in _subset(rng, sorted(NODE_FIELDS), 5):
            node[key] = NODE_FIELDS[key](rng)
        sink = all(i != k for i, _ in chosen)
        if rng.random() < (0.5 if sink else 0.2):
            node["demand"] = demand_spec(rng)
            node["shortage_cost"] = number(rng, 0, 100)
        if k not in has_supplier and rng.random() < 0.25:
            node["external_supply"] = rng.random() < 0.5
        nodes.append(node)
    doc: dict[str, Any] = {"name": _text(rng, 1, 12, controls=False), "nodes": nodes, "edges": edges}
    if rng.random() < 0.5:
        doc["description"] = _text(rng, 0, 20)
    if rng.random() < 0.2:
        doc["known"] = {"cost": number(rng, 0, 100)}
    return doc


def valid_documents(max_nodes: int = 8) -> st.SearchStrategy:
    """Hypothesis strategy of :func:`valid_document` (Hypothesis draws the seed)."""
    return st.randoms(use_true_random=True).map(lambda rng: valid_document(rng, max_nodes))


# --------------------------------------------------------------------------------------------------
# mutations

SPECIAL_NUMBERS = [
    -1, -0.5, -1e-300, 0, 0.0, -0.0, 1e12 + 1, 1e13, 1e300, 1.7976931348623157e308, 2**63, 2**64 + 1, -(2**70), 10**400,
    math.nan, math.inf, -math.inf, 1.5, 0.999999, 1.000001, 1001, 10**9,
]
STRANGE_STRINGS = [
    "", " ", "5", "1e309", "nan", "inf", "-1", "true", "null", "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\U0001f4e6\U0001f69a", "a" * 300, "\u00e9\u0301", "\ufeffbom", "tab\there", "new\nline", "<tag>&amp;",
    "{{x}}", "%s%s%n", "../../etc/passwd", "C:\\con\\aux", "\x00nul",
]


def _any_float(rng: random.Random) -> float:
    """Any float: NaN, infinities, subnormals, huge and tiny ones."""
    roll = rng.random()
    if roll < 0.15:
        return rng.choice([math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, sys.float_info.max])
    return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] if roll < 0.5 else (
        rng.uniform(-1e3, 1e3))


def scalar(rng: random.Random) -> Any:
    """None, a bool, a wide integer, any float, a special number or string, or a short text."""
    makers: list[Callable[[], Any]] = [
        lambda: None, lambda: rng.random() < 0.5, lambda: rng.randint(-(2**70), 2**70), lambda: _any_float(rng),
        lambda: rng.choice(SPECIAL_NUMBERS), lambda: rng.choice(STRANGE_STRINGS), lambda: _text(rng, 0, 8),
    ]
    return rng.choice(makers)()


def junk(rng: random.Random, leaves: int = 8) -> Any:
    """A scalar, or lists and mappings of them, at most ``leaves`` scalars in all."""
    if leaves <= 1 or rng.random() < 0.5:
        return scalar(rng)
    share = max(1, (leaves - 1) // 3)
    if rng.random() < 0.5:
        return [junk(rng, share) for _ in range(rng.randint(0, 3))]
    return {_text(rng, 0, 6): junk(rng, share) for _ in range(rng.randint(0, 3))}


def deep(depth: int, kind: str) -> Any:
    """A value nested ``depth`` levels deep: [[[...]]] or {"a": {"a": ...}}."""
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def bad_value(rng: random.Random) -> Any:
    roll = rng.randrange(4)
    if roll == 0:
        return junk(rng)
    if roll == 1:
        return rng.choice(SPECIAL_NUMBERS)
    if roll == 2:
        return rng.choice(STRANGE_STRINGS)
    depth = rng.randint(1, 200) if rng.random() < 0.5 else rng.randint(200, 3000)
    return deep(depth, rng.choice(["list", "dict"]))


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


def _set_demand(rng: random.Random, node_maps: list[dict]) -> None:
    node = rng.choice(node_maps)
    spec = node.get("demand")
    if isinstance(spec, dict):
        spec[rng.choice(DEMAND_KEYS)] = bad_value(rng)
    else:
        name = rng.choice(STRANGE_STRINGS + DEMAND_KEYS)
        node["demand"] = {"distribution": name, rng.choice(DEMAND_KEYS): bad_value(rng)}
        node.setdefault("shortage_cost", 1)


def _delete_key(rng: random.Random, maps: list[dict]) -> None:
    if maps:
        item = rng.choice(maps)
        if item:
            item.pop(rng.choice(sorted(item, key=str)))


def _empty_list(rng: random.Random, doc: dict, node_maps: list[dict]) -> None:
    which = rng.choice(["nodes", "edges", "values", "position"])
    if which in ("nodes", "edges"):
        doc[which] = []
    elif node_maps:
        node = rng.choice(node_maps)
        if which == "values" and isinstance(node.get("demand"), dict):
            node["demand"]["values"] = []
        else:
            node["position"] = []


def _strange_id(rng: random.Random) -> Any:
    roll = rng.randrange(3)
    return rng.choice(STRANGE_STRINGS) if roll == 0 else rng.randint(-(2**70), 2**70) if roll == 1 else (
        _any_float(rng))


def mutate(rng: random.Random, doc: Any) -> Any:  # noqa: C901, PLR0912 - one branch per mutation
    """``doc`` with one mutation applied (a new object where the mutation needs one)."""
    if not isinstance(doc, dict):
        return bad_value(rng)
    nodes, edges = _items(doc, "nodes"), _items(doc, "edges")
    node_maps = [n for n in nodes if isinstance(n, dict)]
    edge_maps = [e for e in edges if isinstance(e, dict)]
    kind = rng.choice(MUTATIONS)
    if kind == "set_top":
        doc[rng.choice(TOP_KEYS)] = bad_value(rng)
    elif kind == "set_node" and node_maps:
        rng.choice(node_maps)[rng.choice(ALL_NODE_KEYS)] = bad_value(rng)
    elif kind == "set_edge" and edge_maps:
        rng.choice(edge_maps)[rng.choice(ALL_EDGE_KEYS)] = bad_value(rng)
    elif kind == "set_demand" and node_maps:
        _set_demand(rng, node_maps)
    elif kind == "delete_top" and doc:
        doc.pop(rng.choice(sorted(doc, key=str)))
    elif kind == "delete_node_key":
        _delete_key(rng, node_maps)
    elif kind == "delete_edge_key":
        _delete_key(rng, edge_maps)
    elif kind == "unknown_key":
        key = _text(rng, 1, 10) if rng.random() < 0.5 else rng.choice(["holdng_cost", "leadtime", "Name"])
        rng.choice([doc, *node_maps, *edge_maps])[key] = junk(rng)
    elif kind == "unknown_node":
        ids = [n.get("id") for n in node_maps] or ["x"]
        pair = [rng.choice(ids), node_id(rng) if rng.random() < 0.5 else rng.choice(STRANGE_STRINGS)]
        if rng.random() < 0.5:
            pair.reverse()
        doc["edges"] = [*edges, {"source": pair[0], "target": pair[1]}]
    elif kind == "cycle" and edge_maps:
        edge = rng.choice(edge_maps)
        doc["edges"] = [*edges, {"source": edge.get("target"), "target": edge.get("source")}]
    elif kind == "duplicate_node" and nodes:
        doc["nodes"] = [*nodes, dict(rng.choice(node_maps)) if node_maps else nodes[0]]
    elif kind == "duplicate_edge" and edges:
        doc["edges"] = [*edges, rng.choice(edges)]
    elif kind == "empty_list":
        _empty_list(rng, doc, node_maps)
    elif kind == "replace_item" and (nodes or edges):
        items = rng.choice([x for x in (nodes, edges) if x])
        items[rng.randrange(len(items))] = bad_value(rng)
    elif kind == "replace_document":
        return bad_value(rng)
    elif kind == "strange_id" and node_maps:
        rng.choice(node_maps)["id"] = _strange_id(rng)
    elif kind == "self_loop" and node_maps:
        node_name = rng.choice(node_maps).get("id")
        doc["edges"] = [*edges, {"source": node_name, "target": node_name}]
    elif kind == "swap_container":
        key = rng.choice(["nodes", "edges"])
        items = _items(doc, key)
        doc[key] = {str(i): item for i, item in enumerate(items)} if rng.random() < 0.5 else tuple(items)
    return doc


def mutated_document(rng: random.Random, max_nodes: int = 8) -> Any:
    """A valid document broken one to three times."""
    doc = valid_document(rng, max_nodes)
    for _ in range(rng.randint(1, 3)):
        doc = mutate(rng, doc)
    return doc


def mutated_documents(max_nodes: int = 8) -> st.SearchStrategy:
    """Hypothesis strategy of :func:`mutated_document` (Hypothesis draws the seed)."""
    return st.randoms(use_true_random=True).map(lambda rng: mutated_document(rng, max_nodes))


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

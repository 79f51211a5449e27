"""What every format's reader and writer shares: one way to read a file's text, one nesting limit,
one "did you mean" hint, and the conversions between a graph read by networkx and a scenario document.

Every function raises a :class:`~netinv.errors.InputError` whose message is one line,
``<file>: <where>: <what>`` (see :func:`netinv.errors.where`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from netinv import attrs
from netinv.errors import InvalidNetworkError, ScenarioFileError, where
from netinv.fileio import parse_json, read_input_bytes, read_input_text

JSON_ENCODED = (attrs.DEMAND, attrs.POSITION)  # node attributes GraphML stores as JSON text
GRAPH_JSON_ENCODED = (attrs.KNOWN, attrs.EXCESS, attrs.STATE)  # scenario-level mappings, JSON text in GraphML

MAX_SCENARIO_BYTES = 32 * 2**20  # a scenario file; a 100,000-node network in YAML is some 8 MiB
MAX_NODES = 100_000  # nodes of a scenario file (loading 100,000 takes a minute; the Willems chains have 2,025)
MAX_EDGES = 1_000_000
MAX_NESTING = 100  # levels of lists and mappings in a scenario file; a scenario needs about five
TOO_DEEP = f"lists and mappings nested more than {MAX_NESTING} levels deep"


def read_text(path: Path) -> str:
    """The UTF-8 text of a scenario file (:func:`netinv.fileio.read_input_text`: a regular file within the
    size limit); a missing, unreadable, oversized or non-UTF-8 file is a one-line error."""
    return read_input_text(path, "scenario file", error=ScenarioFileError, limit=MAX_SCENARIO_BYTES)


def read_bytes(path: Path) -> bytes:
    """The bytes of a scenario file (for XML, which reads its own encoding), bounded as :func:`read_text`."""
    return read_input_bytes(path, "scenario file", error=ScenarioFileError, limit=MAX_SCENARIO_BYTES)


def check_size(doc: Any, path: str | None) -> None:
    """Refuse a document with more than :data:`MAX_NODES` nodes or :data:`MAX_EDGES` edges, before any is
    validated (a 50 MB list would take minutes, then exhaust memory)."""
    if not isinstance(doc, dict):
        return
    for key, limit in (("nodes", MAX_NODES), ("edges", MAX_EDGES)):
        items = doc.get(key)
        if isinstance(items, list) and len(items) > limit:
            raise ScenarioFileError(where(path, key, f"{len(items):,} {key}, over the limit of {limit:,}"))


def check_nesting(data: Any, path: str | None, owner: str | None = None) -> None:
    """Refuse a document nested more than MAX_NESTING levels: writers and validators recurse per level.
    Tuples and sets count like lists (a document built in Python may hold them; their repr recurses too)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list, tuple, set, frozenset)):
            if depth > MAX_NESTING:
                raise ScenarioFileError(where(path, owner, TOO_DEEP))
            stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to a misspelled ``name``, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_node(end: Any, known: Iterable[Any]) -> str:
    """The message for an edge end that names no node: ``unknown node 'x' (did you mean 'y'?)``."""
    return f"unknown node '{end}'{did_you_mean(str(end), (str(n) for n in known))}"


def kind_of(value: Any) -> str:
    """What a document that is not a mapping is, in words: ``a list``, ``an empty document``..."""
    if value is None:
        return "an empty document"
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def plain(value: Any) -> Any:
    """numpy scalars and arrays, and tuples, to plain Python, recursively, for writers."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        return value.tolist()
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def plain_copy(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``graph`` with every attribute :func:`plain` and None-valued node / edge attributes dropped."""
    out = nx.DiGraph()
    out.graph.update({k: plain(v) for k, v in graph.graph.items()})
    out.add_nodes_from((n, {k: plain(v) for k, v in d.items() if v is not None}) for n, d in graph.nodes(data=True))
    out.add_edges_from(
        (u, v, {k: plain(x) for k, x in d.items() if x is not None}) for u, v, d in graph.edges(data=True)
    )
    return out


def json_default(value: Any) -> Any:
    """``json.dumps(default=...)`` for numpy scalars and arrays."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def decode_json(text: str, path: str, owner: str, key: str) -> Any:
    """The value of an attribute stored as JSON text (GraphML, node-link ``known``), nesting checked."""
    try:
        value = parse_json(text, key, error=ScenarioFileError)
    except ScenarioFileError as exc:
        raise ScenarioFileError(where(path, owner, f"{key}: not valid JSON ({str(exc).removeprefix(key + ': ')})")) from None
    check_nesting(value, path, f"{owner}: {key}")
    return value


def raw_document(graph: nx.DiGraph, path: str) -> dict:
    """A document from a graph read from GraphML / node-link JSON, decoding JSON-encoded attributes.

    The graph was just read and is the caller's to give away: its attribute dicts are modified. Every
    key is kept, so that validation reports the unknown ones.
    """
    doc: dict[str, Any] = {k: v for k, v in graph.graph.items() if k not in ("node_default", "edge_default")}
    for key in ("nodes", "edges"):
        if key in doc:
            raise InvalidNetworkError(where(path, "graph", f"an attribute named '{key}' would replace the "
                                            f"scenario's {key}; rename it"))
    for key in GRAPH_JSON_ENCODED:
        if isinstance(doc.get(key), str):
            doc[key] = decode_json(doc[key], path, "graph", key)
    doc.setdefault(attrs.NAME, Path(path).stem)
    nodes = []
    for node, data in graph.nodes(data=True):
        for key in JSON_ENCODED:
            if isinstance(data.get(key), str):
                data[key] = decode_json(data[key], path, f"node '{node}'", key)
        if attrs.NODE_ID in data:
            raise InvalidNetworkError(where(path, f"node '{node}'", f"an attribute named '{attrs.NODE_ID}' "
                                            f"({data[attrs.NODE_ID]!r}) would rename the node; rename the attribute"))
        nodes.append({attrs.NODE_ID: node, **data})
    doc["nodes"] = nodes
    edges = []
    for u, v, d in graph.edges(data=True):
        for end in (attrs.EDGE_SOURCE, attrs.EDGE_TARGET):
            if end in d:
                raise InvalidNetworkError(where(path, f"edge '{u}' -> '{v}'", f"an attribute named '{end}' "
                                                f"({d[end]!r}) would rewire the edge; rename the attribute"))
        edges.append({attrs.EDGE_SOURCE: u, attrs.EDGE_TARGET: v, **d})
    doc["edges"] = edges
    return doc

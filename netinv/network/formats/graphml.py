"""GraphML: a reader and a writer.

Mappings (a node's ``demand``, its ``position``, the scenario's ``known`` answers) are stored as JSON
text in GraphML ``string`` data. The reader returns a scenario document, like every format's reader;
networkx's own silences (a node only an edge names, a value that does not fit its key's type) are
turned into one-line errors here.
"""

from __future__ import annotations

import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx

from netinv import attrs
from netinv.errors import InvalidNetworkError, ScenarioFileError, where
from netinv.network.formats.common import (
    GRAPH_JSON_ENCODED,
    JSON_ENCODED,
    plain_copy,
    raw_document,
    read_text,
    unknown_node,
)

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def read_graphml(path: Path) -> dict:
    """The scenario document of a GraphML file."""
    data = read_text(path).encode("utf-8")  # read once, bounded: the same clear errors as every format
    try:
        with warnings.catch_warnings():  # e.g. "No key type for id d2": the keys are checked below
            warnings.simplefilter("ignore", UserWarning)
            graph = nx.read_graphml(io.BytesIO(data))
    except Exception as exc:  # ElementTree / networkx raise many types for malformed XML
        bad = _bad_value(data)
        if bad:
            raise InvalidNetworkError(where(str(path), *bad)) from None
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        position = getattr(exc, "position", None)  # xml.etree.ElementTree.ParseError: (line, column)
        loc = f"line {position[0]}, column {position[1] + 1}" if position else None
        if position:
            msg = msg.split(": line ")[0]
        raise ScenarioFileError(where(str(path), loc, f"malformed GraphML: {msg}")) from None
    _check_nodes(path, data, graph)  # first: an edge given twice makes networkx build a multigraph
    if not graph.is_directed() or graph.is_multigraph():
        raise InvalidNetworkError(where(str(path), None, "GraphML graph must be directed and not a multigraph"))
    return raw_document(graph, str(path))


def write_graphml(graph: nx.DiGraph, path: str) -> str:
    """The GraphML text of ``graph``; a text XML 1.0 cannot hold is a one-line error naming ``path``."""
    unfit = _not_xml_text(graph)
    if unfit:  # ElementTree would write it, and no XML reader (netinv's included) would read it back
        raise ScenarioFileError(where(path, *unfit))
    out = plain_copy(graph)
    for key in GRAPH_JSON_ENCODED:
        if key in out.graph:
            out.graph[key] = json.dumps(out.graph[key])
    for _, data in out.nodes(data=True):
        for key in JSON_ENCODED:
            if key in data:
                data[key] = json.dumps(data[key])
    return "\n".join(nx.generate_graphml(out)) + "\n"


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _check_nodes(path: Path, data: bytes, graph: nx.DiGraph) -> None:
    """networkx silently adds a node that only an edge names (a typo would become a new node), calls a
    <node> without an id 'None' and merges a node or an edge given twice: all are errors here."""
    declared = set()
    edges = set()
    for _, element in ET.iterparse(io.BytesIO(data)):
        if _tag(element) == "node":
            if element.get("id") is None:
                raise InvalidNetworkError(where(str(path), None, "a <node> element without an 'id' attribute"))
            if element.get("id") in declared:
                raise InvalidNetworkError(where(str(path), f"node '{element.get('id')}'", "duplicate node id"))
            declared.add(element.get("id"))
        elif _tag(element) == "edge":
            ends = (element.get("source"), element.get("target"))
            if ends in edges:
                raise InvalidNetworkError(where(str(path), f"edge '{ends[0]}' -> '{ends[1]}'", "duplicate edge"))
            edges.add(ends)
    for u, v in graph.edges:
        for end in (u, v):
            if end not in declared:
                raise InvalidNetworkError(where(str(path), f"edge '{u}' -> '{v}'", unknown_node(end, sorted(declared))))


def _boolean(text: str) -> bool:
    return {"true": True, "false": False, "1": True, "0": False}[text.strip().lower()]


_TYPE_CHECKS = {"int": int, "integer": int, "long": int, "float": float, "double": float, "boolean": _boolean}


def _bad_value(data: bytes) -> tuple[str | None, str] | None:
    """(where, what) for a <data> value that does not fit its key's attr.type; networkx does not say."""
    try:
        root = ET.parse(io.BytesIO(data)).getroot()
    except (ET.ParseError, OSError):
        return None
    keys = {k.get("id"): (k.get("attr.name"), k.get("attr.type")) for k in root.iter() if _tag(k) == "key"}
    for element in root.iter():
        if _tag(element) == "node":
            owner = f"node '{element.get('id')}'"
        elif _tag(element) == "edge":
            owner = f"edge '{element.get('source')}' -> '{element.get('target')}'"
        elif _tag(element) == "graph":
            owner = None
        else:
            continue
        for data in element:
            name, kind = keys.get(data.get("key"), (None, None))
            if _tag(data) != "data" or kind not in _TYPE_CHECKS or data.text is None or len(data):
                continue
            try:
                _TYPE_CHECKS[kind](data.text)
            except (ValueError, KeyError):
                expected = {int: "an integer", float: "a number"}.get(_TYPE_CHECKS[kind], "true or false")
                return owner, f"{name}: must be {expected} (GraphML type {kind}), got {data.text.strip()[:60]!r}"
    return None


def _not_xml_text(graph: nx.DiGraph) -> tuple[str | None, str] | None:
    """(where, what) for the first id or text attribute with a character XML 1.0 cannot hold, else None."""
    owners = [(None, graph.graph)]
    owners += [(f"node '{n}'", {attrs.NODE_ID: n, **d}) for n, d in graph.nodes(data=True)]
    owners += [(f"edge '{u}' -> '{v}'", d) for u, v, d in graph.edges(data=True)]
    for owner, data in owners:
        for key, value in data.items():
            found = _XML_ILLEGAL.search(value) if isinstance(value, str) else None  # mappings go as JSON: escaped
            if found:
                code = f"U+{ord(found.group()):04X}"
                return owner, f"{key}: cannot write GraphML: character {code} cannot be stored in XML 1.0"
    return None

"""networkx node-link JSON (``nx.node_link_data``): a reader and a writer.

A ``.json`` file is node-link JSON when it holds ``graph`` and ``links`` (or ``directed``); see
:func:`is_node_link`. The reader returns a scenario document, like every format's reader.
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from netinv.errors import InvalidNetworkError, ScenarioFileError, where
from netinv.network.formats.common import json_default, kind_of, plain_copy, raw_document, unknown_node


def is_node_link(data: Any) -> bool:
    """Whether parsed JSON is networkx node-link data rather than a scenario document."""
    return isinstance(data, dict) and ("links" in data or "directed" in data) and "graph" in data


def read_node_link(data: dict, path: str) -> dict:
    """The scenario document of parsed node-link data (``path`` names the file in errors)."""
    _check_link_ends(data, path)
    try:
        graph = nx.node_link_graph(data, directed=True, multigraph=False, edges="links" if "links" in data else "edges")
    except Exception as exc:
        raise ScenarioFileError(where(path, None, f"malformed node-link JSON: {exc!s}".splitlines()[0])) from None
    if not isinstance(graph.graph, dict):  # networkx keeps whatever "graph" holds
        raise ScenarioFileError(where(path, None, f"malformed node-link JSON: 'graph' must be a mapping, got "
                                      f"{kind_of(graph.graph)}"))
    return raw_document(graph, path)


def write_node_link(graph: nx.DiGraph, path: str) -> str:
    """The node-link JSON text of ``graph`` (``path`` only names the file in errors)."""
    return json.dumps(nx.node_link_data(plain_copy(graph), edges="links"), indent=1, default=json_default)


def _check_link_ends(data: dict, path: str) -> None:
    """networkx silently adds a node that only a link names: a typo would become a new node."""
    nodes, links = data.get("nodes"), data.get("links", data.get("edges"))
    if not (isinstance(nodes, list) and isinstance(links, list)):
        return
    ids = set()
    for node in nodes:
        node_id = node.get("id") if isinstance(node, dict) else None
        if isinstance(node_id, (str, int)):
            if node_id in ids:  # networkx would merge the two into one node
                raise InvalidNetworkError(where(path, f"node '{node_id}'", "duplicate node id"))
            ids.add(node_id)
    seen = set()
    for link in links:
        ends = (link.get("source"), link.get("target")) if isinstance(link, dict) else ()
        if all(isinstance(end, (str, int)) for end in ends) and ends:
            if ends in seen:  # networkx would merge the two into one edge
                raise InvalidNetworkError(where(path, f"edge '{ends[0]}' -> '{ends[1]}'", "duplicate edge"))
            seen.add(ends)
        for end in ends:
            # a missing or unhashable end is networkx's to report
            if isinstance(end, (str, int)) and end not in ids:
                raise InvalidNetworkError(where(path, f"edge '{ends[0]}' -> '{ends[1]}'", unknown_node(end, ids)))

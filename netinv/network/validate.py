"""The scenario document <-> graph, and the rules a network obeys.

:func:`document_to_graph` checks a document (a mapping, as every format's reader returns) against
:mod:`netinv.network.schema` and the structural rules of :func:`check_structure`, and only then builds
the :class:`networkx.DiGraph`: a bad document raises an :class:`~netinv.errors.InputError` whose
message is one line, ``<file>: <where>: <what>``; nothing is half-built. :func:`graph_to_document` is
its inverse, and :func:`validate` checks a graph built in Python by the same rules.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
from pydantic import ValidationError

from netinv import attrs, timing
from netinv.errors import InvalidNetworkError, where
from netinv.network.formats.common import check_nesting, kind_of, plain, unknown_node
from netinv.network.messages import explain
from netinv.network.schema import ScenarioDoc
from netinv.network.state import check_state, resolve_state


def validate(graph: nx.DiGraph) -> nx.DiGraph:
    """Check a graph built in Python against the same rules as a loaded file; return a normalized copy."""
    return document_to_graph(graph_to_document(graph))


def document_to_graph(doc: dict, *, path: str | None = None) -> nx.DiGraph:
    """Validate a scenario document and build the DiGraph (every attribute typed, defaults filled)."""
    if not isinstance(doc, dict):
        raise InvalidNetworkError(where(path, None, f"a scenario must be a mapping, got {kind_of(doc)}"))
    check_nesting(doc, path)  # documents built in Python too: error messages recurse per level
    if path is not None and _names_a_history(doc):
        # checked first so that loading a scenario without history never imports the history package
        from netinv.history.scenario import resolve_histories

        doc = resolve_histories(doc, path)  # demand: {history: FILE} -> the fitted demand spec
    if isinstance(doc.get(attrs.STATE), str):
        doc = resolve_state(doc, path)  # state: FILE.csv -> the mapping read from it
    try:
        parsed = ScenarioDoc.model_validate(doc)
    except ValidationError as exc:
        raise InvalidNetworkError(where(path, *explain(exc, doc))) from None
    graph = nx.DiGraph()
    _add_scenario(graph, parsed)
    _add_nodes(graph, parsed, path)
    _add_edges(graph, parsed, path)
    check_structure(graph, path=path)
    if parsed.state is not None:
        state = parsed.state.model_dump(exclude_defaults=True)
        check_state(graph, state, path)
        if state:
            graph.graph[attrs.STATE] = state
    return graph


def _names_a_history(doc: dict) -> bool:
    """Whether a node's demand is ``{history: FILE}`` (a sales history next to the scenario)."""
    nodes = doc.get("nodes")
    return isinstance(nodes, list) and any(
        isinstance(n, dict) and isinstance(n.get(attrs.DEMAND), dict) and "history" in n[attrs.DEMAND] for n in nodes
    )


def _add_scenario(graph: nx.DiGraph, parsed: ScenarioDoc) -> None:
    graph.graph[attrs.NAME] = parsed.name
    graph.graph[attrs.DESCRIPTION] = parsed.description
    if parsed.source is not None:
        graph.graph[attrs.SOURCE] = parsed.source
    if parsed.known is not None:
        graph.graph[attrs.KNOWN] = parsed.known
    if parsed.excess is not None:
        graph.graph[attrs.EXCESS] = parsed.excess
    if parsed.time_convention != timing.NETINV:
        graph.graph[attrs.TIME_CONVENTION] = parsed.time_convention


def _add_nodes(graph: nx.DiGraph, parsed: ScenarioDoc, path: str | None) -> None:
    for node in parsed.nodes:
        data = node.model_dump(by_alias=True, exclude_none=True)
        node_id = data.pop(attrs.NODE_ID)
        if node_id in graph:
            raise InvalidNetworkError(where(path, f"node '{node_id}'", "duplicate node id"))
        if node.demand is not None:
            data[attrs.DEMAND] = node.demand.to_dict()
        graph.add_node(node_id, **data)


def _add_edges(graph: nx.DiGraph, parsed: ScenarioDoc, path: str | None) -> None:
    for edge in parsed.edges:
        data = edge.model_dump(exclude_none=True)
        u, v = data.pop(attrs.EDGE_SOURCE), data.pop(attrs.EDGE_TARGET)
        label = f"edge '{u}' -> '{v}'"
        for end in (u, v):
            if end not in graph:
                raise InvalidNetworkError(where(path, label, unknown_node(end, graph)))
        if u == v:
            raise InvalidNetworkError(where(path, label, "self-loop: a node cannot order from itself"))
        if graph.has_edge(u, v):
            raise InvalidNetworkError(where(path, label, "duplicate edge"))
        graph.add_edge(u, v, **data)


def check_structure(graph: nx.DiGraph, *, path: str | None = None) -> None:
    """Rules that span several nodes or edges: acyclic supply, shortage costs, source flags."""
    supply = supply_subgraph(graph)
    if not nx.is_directed_acyclic_graph(supply):
        cycle = nx.find_cycle(supply)
        loop = " -> ".join(f"'{u}'" for u, _ in cycle) + f" -> '{cycle[0][0]}'"
        raise InvalidNetworkError(
            where(path, f"edge '{cycle[0][0]}' -> '{cycle[0][1]}'",
                  f"cycle through supply edges: {loop} (only transshipment edges may form cycles)")
        )
    for node, data in graph.nodes(data=True):
        if data.get(attrs.DEMAND) is not None and data.get(attrs.SHORTAGE_COST) is None:
            raise InvalidNetworkError(
                where(path, f"node '{node}'", "a demand node needs 'shortage_cost' (per unit short)")
            )
        if data.get(attrs.EXTERNAL_SUPPLY) is not None and supply.in_degree(node) > 0:
            raise InvalidNetworkError(
                where(path, f"node '{node}'", "'external_supply' is only for nodes without supplier edges")
            )


def supply_subgraph(graph: nx.DiGraph) -> nx.DiGraph:
    """``graph`` without its transshipment edges, as a new DiGraph (attribute dicts copied shallowly):
    built once, it is much faster to traverse than a filtered view."""
    supply = nx.DiGraph()
    supply.graph.update(graph.graph)
    supply.add_nodes_from(graph.nodes(data=True))
    supply.add_edges_from(
        (u, v, d) for u, v, d in graph.edges(data=True) if d.get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY
    )
    return supply


def graph_to_document(graph: nx.DiGraph) -> dict:
    """The scenario document of a graph; attributes equal to their defaults are left out."""
    doc: dict[str, Any] = {attrs.NAME: graph.graph.get(attrs.NAME, "network")}
    for key in (attrs.DESCRIPTION, attrs.SOURCE, attrs.KNOWN, attrs.TIME_CONVENTION, attrs.STATE, attrs.EXCESS):
        if graph.graph.get(key):
            doc[key] = graph.graph[key]
    doc["nodes"] = [
        {attrs.NODE_ID: node, **_non_default(data, attrs.NODE_DEFAULTS)} for node, data in graph.nodes(data=True)
    ]
    doc["edges"] = [
        {attrs.EDGE_SOURCE: u, attrs.EDGE_TARGET: v, **_non_default(data, attrs.EDGE_DEFAULTS)}
        for u, v, data in graph.edges(data=True)
    ]
    return doc


_MISSING = object()


def _non_default(data: dict, defaults: dict) -> dict:
    """The attributes worth writing: not None, not their default, not an unlimited capacity."""
    return {
        key: plain(value)
        for key, value in data.items()
        if value is not None
        and defaults.get(key, _MISSING) != value
        and not (key == attrs.CAPACITY and value == math.inf)
    }

"""Load and save networks: one dispatcher, by file suffix, over the formats in :mod:`netinv.network.formats`.

Every format goes through the same path: its reader parses the file into a scenario document (a
mapping), :func:`~netinv.network.validate.document_to_graph` checks the document and only then builds a
:class:`networkx.DiGraph`. A bad file raises a :class:`~netinv.errors.InputError` whose message is one
line, ``<file>: <where>: <what>``; nothing is half-built. Saving writes a temporary file and renames it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from netinv.errors import InputError, InvalidNetworkError, ScenarioFileError, where
from netinv.fileio import atomic_write_text
from netinv.network.formats.common import check_size, kind_of
from netinv.network.formats.graphml import read_graphml, write_graphml
from netinv.network.formats.node_link import is_node_link, read_node_link, write_node_link
from netinv.network.formats.willems import read_willems_document
from netinv.network.formats.yaml_json import read_json, read_yaml, write_json, write_yaml
from netinv.network.validate import document_to_graph, graph_to_document, validate

__all__ = ["SCENARIO_SUFFIXES", "document_to_graph", "graph_to_document", "load", "read_document", "save",
           "validate"]


def _read_json_document(path: Path) -> Any:
    """A ``.json`` file holds a scenario document or networkx node-link data."""
    data = read_json(path)
    return read_node_link(data, str(path)) if is_node_link(data) else data


_READERS: dict[str, Callable[[Path], Any]] = {
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".json": _read_json_document,
    ".graphml": read_graphml,
    ".csv": read_willems_document,  # Willems (2008) supply chains
}
SCENARIO_SUFFIXES = tuple(_READERS)

_WRITERS: dict[str, Callable[[nx.DiGraph, str], str]] = {
    "yaml": write_yaml,
    "json": write_json,
    "node-link": write_node_link,
    "graphml": write_graphml,
}
_FORMAT_OF_SUFFIX = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".graphml": "graphml"}


def load(path: str | Path) -> nx.DiGraph:
    """Read a scenario file (format from its suffix) into a validated DiGraph."""
    path = Path(path)
    return document_to_graph(read_document(path), path=str(path))


def read_document(path: str | Path) -> dict:
    """Parse a scenario file into a scenario document (a mapping) without validating it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise ScenarioFileError(
            where(str(path), None, f"unknown file type '{suffix or path.name}' (expected one of "
                  f"{', '.join(SCENARIO_SUFFIXES)})")
        )
    data = _READERS[suffix](path)
    check_size(data, str(path))
    if not isinstance(data, dict):
        raise InvalidNetworkError(
            where(str(path), None, f"a scenario must be a mapping with keys 'name', 'nodes', 'edges'; "
                  f"got {kind_of(data)}")
        )
    return data


def save(graph: nx.DiGraph, path: str | Path, *, format: str | None = None) -> Path:
    """Write ``graph`` to ``path``: ``yaml``, ``json`` (scenario), ``node-link`` (JSON) or ``graphml``.

    The format defaults to the suffix. The file is written to a temporary name and renamed, so a
    failure never leaves half a file behind.
    """
    path = Path(path)
    fmt = format or _FORMAT_OF_SUFFIX.get(path.suffix.lower())
    if fmt not in _WRITERS:
        raise ScenarioFileError(where(str(path), None, f"cannot write format {fmt or path.suffix!r}"))
    text = _WRITERS[fmt](graph, str(path))
    try:
        return atomic_write_text(path, text)
    except InputError as exc:  # the same one line, as a scenario file's error
        raise ScenarioFileError(str(exc)) from None

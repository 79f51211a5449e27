"""The scenario document as YAML or JSON: a reader and a writer for each.

The readers return the parsed data, not yet checked to be a mapping (a ``.json`` file may also hold
networkx node-link JSON: :mod:`netinv.network.io` tells them apart). YAML is read with the safe loader
only: a file cannot construct Python objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from netinv.errors import ScenarioFileError, where
from netinv.network.formats.common import MAX_NESTING, TOO_DEEP, check_nesting, json_default, read_text
from netinv.network.validate import graph_to_document

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe: no Python object tags
YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def read_yaml(path: Path) -> Any:
    """The data of a YAML file; malformed or too deeply nested YAML is a one-line error with its line."""
    text = read_text(path)
    try:
        check_yaml_nesting(text, str(path))
        return yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioFileError(where(str(path), loc, f"malformed YAML: {problem}")) from None


def read_json(path: Path) -> Any:
    """The data of a JSON file; malformed or too deeply nested JSON is a one-line error with its line."""
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioFileError(
            where(str(path), f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}")
        ) from None
    except RecursionError:
        raise ScenarioFileError(where(str(path), None, TOO_DEEP)) from None
    check_nesting(data, str(path))
    return data


def write_yaml(graph: nx.DiGraph, path: str) -> str:
    """The scenario YAML text of ``graph`` (``path`` only names the file in errors)."""
    return yaml.dump(graph_to_document(graph), Dumper=YAML_DUMPER, sort_keys=False, default_flow_style=None,
                     width=100)


def write_json(graph: nx.DiGraph, path: str) -> str:
    """The scenario JSON text of ``graph`` (``path`` only names the file in errors)."""
    return json.dumps(graph_to_document(graph), indent=1, default=json_default)


def check_yaml_nesting(text: str, path: str) -> None:
    """The nesting limit for YAML, checked on libyaml's event stream before anything is built: its composer
    recurses in C once per level, and a file nested some ten thousand levels deep would crash Python."""
    depth = 0
    for event in yaml.parse(text, Loader=YAML_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                mark = event.start_mark
                raise ScenarioFileError(where(path, f"line {mark.line + 1}, column {mark.column + 1}", TOO_DEEP))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1

"""The scenario document as YAML or JSON: a reader and a writer for each.

The readers return the parsed data, not yet checked to be a mapping (a ``.json`` file may also hold
networkx node-link JSON: :mod:`netinv.network.io` tells them apart). YAML is read with the safe loader
only: a file cannot construct Python objects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from netinv.errors import ScenarioFileError, where
from netinv.fileio import MAX_INTEGER_DIGITS, parse_json
from netinv.network.formats.common import MAX_NESTING, TOO_DEEP, check_nesting, json_default, read_text
from netinv.network.validate import graph_to_document

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe: no Python object tags
MAX_YAML_VALUES = 2_000_000  # values in a YAML document, aliases expanded (a 100,000-node scenario has 1.2e6)
_INT_TAG = "tag:yaml.org,2002:int"
_DECIMAL = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")


class ScenarioLoader(YAML_LOADER):
    """The safe loader, stricter where YAML 1.1 is silently surprising:

    - a key given twice in one mapping is an error naming the key and both lines (YAML keeps the last);
    - an integer is written in decimal, without leading zeros: ``010`` (octal 8 in YAML 1.1), ``0x1F``,
      ``1_000`` and ``1:30`` (sexagesimal 90) are read as the text written, so an id ``010`` stays ``'010'``
      and a number field written so is refused as not a number, never read as another number;
    - an integer has at most :data:`~netinv.fileio.MAX_INTEGER_DIGITS` digits.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _INT_TAG]
        for first, resolvers in YAML_LOADER.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first_line: dict = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = self.construct_object(key_node)
                    if key in first_line:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"key {key!r} given twice in one mapping (first on line "
                            f"{first_line[key]}); give each key once", key_node.start_mark)
                    first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        digits = len(text.lstrip("+-"))
        if digits > MAX_INTEGER_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of {digits} digits; the limit is {MAX_INTEGER_DIGITS}", node.start_mark)
        return int(text)


ScenarioLoader.add_implicit_resolver(_INT_TAG, _DECIMAL, list("-+0123456789"))
ScenarioLoader.add_constructor(_INT_TAG, ScenarioLoader.construct_yaml_int)
YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def read_yaml(path: Path) -> Any:
    """The data of a YAML file; malformed or too deeply nested YAML is a one-line error with its line."""
    text = read_text(path)
    try:
        check_yaml_events(text, str(path))
        return yaml.load(text, Loader=ScenarioLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioFileError(where(str(path), loc, f"malformed YAML: {problem}")) from None


def read_json(path: Path) -> Any:
    """The data of a JSON file; malformed or too deeply nested JSON is a one-line error with its line."""
    data = parse_json(read_text(path), str(path), error=ScenarioFileError)
    check_nesting(data, str(path))
    return data


def write_yaml(graph: nx.DiGraph, path: str) -> str:
    """The scenario YAML text of ``graph`` (``path`` only names the file in errors)."""
    return yaml.dump(graph_to_document(graph), Dumper=YAML_DUMPER, sort_keys=False, default_flow_style=None,
                     width=100)


def write_json(graph: nx.DiGraph, path: str) -> str:
    """The scenario JSON text of ``graph`` (``path`` only names the file in errors)."""
    return json.dumps(graph_to_document(graph), indent=1, default=json_default)


def check_yaml_events(text: str, path: str) -> None:
    """The limits of a YAML document, checked on libyaml's event stream before anything is built: nesting
    (:data:`MAX_NESTING`: its composer recurses in C once per level, and a file nested some ten thousand
    levels deep would crash Python) and the number of values once aliases are expanded
    (:data:`MAX_YAML_VALUES`: a few lines of nested aliases, "billion laughs", stand for billions of values
    that every later step would walk). An anchor's size is counted once, where it is defined; an alias
    adds that size."""
    sizes: dict[str, int] = {}  # anchor -> values under it, aliases expanded
    open_counts: list[tuple[int, str | None]] = []  # (values so far, anchor) of each open collection
    total = 0
    for event in yaml.parse(text, Loader=YAML_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(open_counts) >= MAX_NESTING:
                raise ScenarioFileError(where(path, _at(event.start_mark), TOO_DEEP))
            open_counts.append((total, event.anchor))
            added = 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            start, anchor = open_counts.pop()
            if anchor is not None:
                sizes[anchor] = total - start + 1
            continue
        elif isinstance(event, yaml.ScalarEvent):
            added = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            added = sizes.get(event.anchor, 1)  # an undefined alias is the composer's error to report
        else:
            continue
        total += added
        if total > MAX_YAML_VALUES:
            raise ScenarioFileError(where(path, _at(event.start_mark), f"more than {MAX_YAML_VALUES:,} values once "
                                          "aliases are expanded; a scenario is far smaller (nested aliases?)"))


def _at(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"

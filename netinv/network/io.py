"""Load and save networks: scenario YAML / JSON, networkx node-link JSON and GraphML; read Willems CSV.

Every format goes through the same path: the file is parsed into a scenario document (a mapping),
the document is checked against :mod:`netinv.network.schema` and the structural rules of
:func:`check_structure`, and only then is a :class:`networkx.DiGraph` built. A bad file raises a
:class:`~netinv.errors.InputError` whose message is one line, ``<file>: <where>: <what>``; nothing is
half-built.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import yaml
from pydantic import ValidationError

from netinv import attrs
from netinv.errors import InvalidNetworkError, ScenarioFileError, where
from netinv.network.schema import EDGE_FIELDS, NODE_FIELDS, TOP_FIELDS, ScenarioDoc

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_JSON_ENCODED = (attrs.DEMAND, attrs.POSITION)  # node attributes GraphML stores as JSON text

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json", ".graphml", ".csv")  # .csv: Willems (2008) supply chains


# --------------------------------------------------------------------------------------------------
# public API


def load(path: str | Path) -> nx.DiGraph:
    """Read a scenario file (format from its suffix) into a validated DiGraph."""
    path = Path(path)
    return document_to_graph(read_document(path), path=str(path))


def read_document(path: str | Path) -> dict:
    """Parse a scenario file into a scenario document (a mapping) without validating it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SCENARIO_SUFFIXES:
        raise ScenarioFileError(
            where(str(path), None, f"unknown file type '{suffix or path.name}' (expected one of "
                  f"{', '.join(SCENARIO_SUFFIXES)})")
        )
    if suffix == ".graphml":
        return _graph_to_raw_document(_read_graphml(path), str(path))
    if suffix == ".csv":
        from netinv.network.formats.willems import read_willems_document

        return read_willems_document(path)
    text = _read_text(path)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioFileError(
                where(str(path), f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}")
            ) from None
        except RecursionError:
            raise ScenarioFileError(where(str(path), None, _TOO_DEEP)) from None
        _check_nesting(data, str(path))
        if isinstance(data, dict) and ("links" in data or "directed" in data) and "graph" in data:
            return _graph_to_raw_document(_node_link_to_graph(data, str(path)), str(path))
    else:
        try:
            _check_yaml_nesting(text, str(path))
            data = yaml.load(text, Loader=_YAML_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ScenarioFileError(where(str(path), loc, f"malformed YAML: {problem}")) from None
    if not isinstance(data, dict):
        raise InvalidNetworkError(
            where(str(path), None, f"a scenario must be a mapping with keys 'name', 'nodes', 'edges'; "
                  f"got {_kind(data)}")
        )
    return data


def save(graph: nx.DiGraph, path: str | Path, *, format: str | None = None) -> Path:
    """Write ``graph`` to ``path``: ``yaml``, ``json`` (scenario), ``node-link`` (JSON) or ``graphml``.

    The format defaults to the suffix. The file is written to a temporary name and renamed, so a
    failure never leaves half a file behind.
    """
    path = Path(path)
    fmt = format or {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".graphml": "graphml"}.get(
        path.suffix.lower()
    )
    if fmt not in ("yaml", "json", "node-link", "graphml"):
        raise ScenarioFileError(where(str(path), None, f"cannot write format {fmt or path.suffix!r}"))
    if fmt == "graphml":
        unfit = _not_xml_text(graph)
        if unfit:  # ElementTree would write it, and no XML reader (netinv's included) would read it back
            raise ScenarioFileError(where(str(path), *unfit))
        text = _graphml_text(graph)
    elif fmt == "node-link":
        text = json.dumps(nx.node_link_data(_plain_copy(graph), edges="links"), indent=1, default=_json_default)
    else:
        doc = graph_to_document(graph)
        if fmt == "json":
            text = json.dumps(doc, indent=1, default=_json_default)
        else:
            text = yaml.dump(doc, Dumper=_YAML_DUMPER, sort_keys=False, default_flow_style=None, width=100)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        _discard(tmp)
        raise ScenarioFileError(where(str(path), None, f"cannot write: {exc.strerror or exc}")) from None
    except BaseException:  # Ctrl-C mid-write: the final name was never touched; leave no temporary file either
        _discard(tmp)
        raise
    return path


def _discard(tmp: Path) -> None:
    """Remove a temporary file if there is one (its folder may not even exist: ``-o a_file/out.yaml``)."""
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass


def validate(graph: nx.DiGraph) -> nx.DiGraph:
    """Check a graph built in Python against the same rules as a loaded file; return a normalized copy."""
    return document_to_graph(graph_to_document(graph))


# --------------------------------------------------------------------------------------------------
# document <-> graph


def document_to_graph(doc: dict, *, path: str | None = None) -> nx.DiGraph:
    """Validate a scenario document and build the DiGraph (every attribute typed, defaults filled)."""
    if not isinstance(doc, dict):
        raise InvalidNetworkError(where(path, None, f"a scenario must be a mapping, got {_kind(doc)}"))
    _check_nesting(doc, path)  # documents built in Python too: error messages recurse per level
    if path is not None:
        # demand: {history: FILE} (a sales history next to the scenario): replaced by the fitted spec
        nodes = doc.get("nodes")
        if isinstance(nodes, list) and any(
            isinstance(n, dict) and isinstance(n.get("demand"), dict) and "history" in n["demand"] for n in nodes
        ):  # checked here so that loading a scenario without history never imports the history package
            from netinv.history.scenario import resolve_histories

            doc = resolve_histories(doc, path)
    try:
        parsed = ScenarioDoc.model_validate(doc)
    except ValidationError as exc:
        raise InvalidNetworkError(where(path, *_explain(exc, doc))) from None
    graph = nx.DiGraph()
    graph.graph[attrs.NAME] = parsed.name
    graph.graph[attrs.DESCRIPTION] = parsed.description
    if parsed.source is not None:
        graph.graph[attrs.SOURCE] = parsed.source
    if parsed.known is not None:
        graph.graph[attrs.KNOWN] = parsed.known
    for node in parsed.nodes:
        data = node.model_dump(by_alias=True, exclude_none=True)
        node_id = data.pop(attrs.NODE_ID)
        if node_id in graph:
            raise InvalidNetworkError(where(path, f"node '{node_id}'", "duplicate node id"))
        if node.demand is not None:
            data[attrs.DEMAND] = node.demand.to_dict()
        graph.add_node(node_id, **data)
    for edge in parsed.edges:
        data = edge.model_dump(exclude_none=True)
        u, v = data.pop(attrs.EDGE_SOURCE), data.pop(attrs.EDGE_TARGET)
        label = f"edge '{u}' -> '{v}'"
        for end in (u, v):
            if end not in graph:
                close = difflib.get_close_matches(end, [str(n) for n in graph], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise InvalidNetworkError(where(path, label, f"unknown node '{end}'{hint}"))
        if u == v:
            raise InvalidNetworkError(where(path, label, "self-loop: a node cannot order from itself"))
        if graph.has_edge(u, v):
            raise InvalidNetworkError(where(path, label, "duplicate edge"))
        graph.add_edge(u, v, **data)
    check_structure(graph, path=path)
    return graph


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
    for key in (attrs.DESCRIPTION, attrs.SOURCE, attrs.KNOWN):
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


def _non_default(data: dict, defaults: dict) -> dict:
    """The attributes worth writing: not None, not their default, not an unlimited capacity."""
    return {
        key: _plain(value)
        for key, value in data.items()
        if value is not None
        and defaults.get(key, _MISSING) != value
        and not (key == attrs.CAPACITY and value == math.inf)
    }


_MISSING = object()


# --------------------------------------------------------------------------------------------------
# helpers


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioFileError(where(str(path), None, "file not found")) from None
    except IsADirectoryError:
        raise ScenarioFileError(where(str(path), None, "is a directory, not a scenario file")) from None
    except PermissionError:
        raise ScenarioFileError(where(str(path), None, "permission denied")) from None
    except UnicodeDecodeError as exc:
        raise ScenarioFileError(where(str(path), f"byte {exc.start}", "not UTF-8 text")) from None
    except OSError as exc:
        raise ScenarioFileError(where(str(path), None, f"cannot read: {exc.strerror or exc}")) from None


def _read_graphml(path: Path) -> nx.DiGraph:
    _read_text(path)  # same clear errors for missing / unreadable files
    try:
        with warnings.catch_warnings():  # e.g. "No key type for id d2": the keys are checked below
            warnings.simplefilter("ignore", UserWarning)
            graph = nx.read_graphml(path)
    except Exception as exc:  # ElementTree / networkx raise many types for malformed XML
        bad = _graphml_bad_value(path)
        if bad:
            raise InvalidNetworkError(where(str(path), *bad)) from None
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        position = getattr(exc, "position", None)  # xml.etree.ElementTree.ParseError: (line, column)
        loc = f"line {position[0]}, column {position[1] + 1}" if position else None
        if position:
            msg = msg.split(": line ")[0]
        raise ScenarioFileError(where(str(path), loc, f"malformed GraphML: {msg}")) from None
    if not graph.is_directed() or graph.is_multigraph():
        raise InvalidNetworkError(where(str(path), None, "GraphML graph must be directed and not a multigraph"))
    _check_graphml_nodes(path, graph)
    return graph


def _check_graphml_nodes(path: Path, graph: nx.DiGraph) -> None:
    """networkx silently adds a node that only an edge names (a typo would become a new node) and calls a
    <node> without an id 'None': both are errors here."""
    import xml.etree.ElementTree as ET

    declared = set()
    for _, element in ET.iterparse(path):
        if element.tag.rsplit("}", 1)[-1] == "node":
            if element.get("id") is None:
                raise InvalidNetworkError(where(str(path), None, "a <node> element without an 'id' attribute"))
            declared.add(element.get("id"))
    for u, v in graph.edges:
        for end in (u, v):
            if end not in declared:
                close = difflib.get_close_matches(end, sorted(declared), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise InvalidNetworkError(where(str(path), f"edge '{u}' -> '{v}'", f"unknown node '{end}'{hint}"))


def _graphml_bad_value(path: Path) -> tuple[str | None, str] | None:
    """(where, what) for a <data> value that does not fit its key's attr.type; networkx does not say."""
    import xml.etree.ElementTree as ET

    def tag(element) -> str:
        return element.tag.rsplit("}", 1)[-1]

    def boolean(text: str) -> bool:
        return {"true": True, "false": False, "1": True, "0": False}[text.strip().lower()]

    checks = {"int": int, "integer": int, "long": int, "float": float, "double": float, "boolean": boolean}
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return None
    keys = {k.get("id"): (k.get("attr.name"), k.get("attr.type")) for k in root.iter() if tag(k) == "key"}
    for element in root.iter():
        if tag(element) == "node":
            owner = f"node '{element.get('id')}'"
        elif tag(element) == "edge":
            owner = f"edge '{element.get('source')}' -> '{element.get('target')}'"
        elif tag(element) == "graph":
            owner = None
        else:
            continue
        for data in element:
            name, kind = keys.get(data.get("key"), (None, None))
            if tag(data) != "data" or kind not in checks or data.text is None or len(data):
                continue
            try:
                checks[kind](data.text)
            except (ValueError, KeyError):
                expected = {int: "an integer", float: "a number"}.get(checks[kind], "true or false")
                return owner, f"{name}: must be {expected} (GraphML type {kind}), got {data.text.strip()[:60]!r}"
    return None


def _node_link_to_graph(data: dict, path: str) -> nx.DiGraph:
    # networkx silently adds a node that only a link names: a typo would become a new node.
    nodes, links = data.get("nodes"), data.get("links", data.get("edges"))
    if isinstance(nodes, list) and isinstance(links, list):
        ids = {n["id"] for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), (str, int))}
        for link in links:
            ends = (link.get("source"), link.get("target")) if isinstance(link, dict) else ()
            for end in ends:
                # a missing or unhashable end is networkx's to report
                if isinstance(end, (str, int)) and end not in ids:
                    close = difflib.get_close_matches(str(end), [str(n) for n in ids], n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    raise InvalidNetworkError(
                        where(path, f"edge '{ends[0]}' -> '{ends[1]}'", f"unknown node '{end}'{hint}")
                    )
    try:
        graph = nx.node_link_graph(data, directed=True, multigraph=False, edges="links" if "links" in data else "edges")
    except Exception as exc:
        raise ScenarioFileError(where(path, None, f"malformed node-link JSON: {exc!s}".splitlines()[0])) from None
    if not isinstance(graph.graph, dict):  # networkx keeps whatever "graph" holds
        raise ScenarioFileError(where(path, None, f"malformed node-link JSON: 'graph' must be a mapping, got "
                                      f"{_kind(graph.graph)}"))
    return graph


def _graph_to_raw_document(graph: nx.DiGraph, path: str) -> dict:
    """A document from a graph read from GraphML / node-link JSON, decoding JSON-encoded attributes."""
    # The graph was just read and is ours to modify. Every key is kept, so unknown ones are reported.
    doc: dict[str, Any] = {k: v for k, v in graph.graph.items() if k not in ("node_default", "edge_default")}
    if isinstance(doc.get(attrs.KNOWN), str):
        doc[attrs.KNOWN] = _decode_json(doc[attrs.KNOWN], path, "graph", attrs.KNOWN)
    doc.setdefault(attrs.NAME, Path(path).stem)
    nodes = []
    for node, data in graph.nodes(data=True):
        for key in _JSON_ENCODED:
            if isinstance(data.get(key), str):
                data[key] = _decode_json(data[key], path, f"node '{node}'", key)
        nodes.append({attrs.NODE_ID: node, **data})
    doc["nodes"] = nodes
    doc["edges"] = [{attrs.EDGE_SOURCE: u, attrs.EDGE_TARGET: v, **d} for u, v, d in graph.edges(data=True)]
    return doc


def _decode_json(text: str, path: str, owner: str, key: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioFileError(where(path, owner, f"{key}: not valid JSON ({exc.msg})")) from None
    except RecursionError:
        raise ScenarioFileError(where(path, owner, f"{key}: {_TOO_DEEP}")) from None
    _check_nesting(value, path, f"{owner}: {key}")
    return value


MAX_NESTING = 100  # levels of lists and mappings in a scenario file; a scenario needs about five
_TOO_DEEP = f"lists and mappings nested more than {MAX_NESTING} levels deep"


def _check_nesting(data: Any, path: str, owner: str | None = None) -> None:
    """Refuse a document nested more than MAX_NESTING levels: writers and validators recurse per level.
    Tuples and sets count like lists (a document built in Python may hold them; their repr recurses too)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list, tuple, set, frozenset)):
            if depth > MAX_NESTING:
                raise ScenarioFileError(where(path, owner, _TOO_DEEP))
            stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))


def _check_yaml_nesting(text: str, path: str) -> None:
    """The same limit for YAML, checked on libyaml's event stream before anything is built: its composer
    recurses in C once per level, and a file nested some ten thousand levels deep would crash Python."""
    depth = 0
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                mark = event.start_mark
                raise ScenarioFileError(where(path, f"line {mark.line + 1}, column {mark.column + 1}", _TOO_DEEP))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _plain_copy(graph: nx.DiGraph) -> nx.DiGraph:
    out = nx.DiGraph()
    out.graph.update({k: _plain(v) for k, v in graph.graph.items()})
    out.add_nodes_from((n, {k: _plain(v) for k, v in d.items() if v is not None}) for n, d in graph.nodes(data=True))
    out.add_edges_from(
        (u, v, {k: _plain(x) for k, x in d.items() if x is not None}) for u, v, d in graph.edges(data=True)
    )
    return out


def _graphml_text(graph: nx.DiGraph) -> str:
    out = _plain_copy(graph)
    for key in (attrs.KNOWN,):
        if key in out.graph:
            out.graph[key] = json.dumps(out.graph[key])
    for _, data in out.nodes(data=True):
        for key in _JSON_ENCODED:
            if key in data:
                data[key] = json.dumps(data[key])
    return "\n".join(nx.generate_graphml(out)) + "\n"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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


def _plain(value: Any) -> Any:
    """numpy scalars and arrays, and tuples, to plain Python, recursively, for writers."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        return value.tolist()
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _kind(value: Any) -> str:
    if value is None:
        return "an empty document"
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


# --------------------------------------------------------------------------------------------------
# pydantic errors -> one line


def _explain(exc: ValidationError, doc: dict) -> tuple[str | None, str]:
    """(where, what) for the first error of a validation, in the scenario's own terms."""
    errors = exc.errors(include_url=False)
    # Prefer the most specific error: pydantic reports every union branch for a bad demand spec.
    # A misspelled key is reported twice, as unknown and as missing: the unknown one carries the hint.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = list(err["loc"])
    owner, fields = _owner(loc, doc)
    what = _message(err, fields, loc)
    if err["type"] == "extra_forbidden":  # the key it misspells is not a second problem
        errors = [e for e in errors if not (e["type"] == "missing" and e["loc"][:-1] == err["loc"][:-1])]
    more = len({tuple(e["loc"][:2]) for e in errors}) - 1
    if more > 0:
        what += f" (and {more} more problem{'s' if more > 1 else ''})"
    return owner, what


def _owner(loc: list, doc: dict) -> tuple[str | None, list]:
    if len(loc) >= 2 and loc[0] in ("nodes", "edges") and isinstance(loc[1], int):
        items = doc.get(loc[0]) if isinstance(doc, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if loc[0] == "nodes":
            node_id = item.get("id") if isinstance(item, dict) else None
            named = isinstance(node_id, (str, int)) and not isinstance(node_id, bool)
            owner = f"node '{node_id}'" if named else f"nodes[{loc[1]}]"
        else:
            ok = isinstance(item, dict) and "source" in item and "target" in item
            owner = f"edge '{item['source']}' -> '{item['target']}'" if ok else f"edges[{loc[1]}]"
        return owner, loc[2:]
    return None, loc


_VALID_KEYS = {"nodes": NODE_FIELDS, "edges": EDGE_FIELDS, None: TOP_FIELDS}


def _message(err: dict, fields: list, loc: list) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    # Inside a demand spec pydantic adds the distribution tag to the location: drop it.
    names = [str(f) for f in fields if not (isinstance(f, str) and f in _DEMAND_TAGS and fields and fields[0] == "demand" and f != "demand")]
    field = ".".join(names)
    if kind == "extra_forbidden":
        key = str(fields[-1]) if fields else str(loc[-1])
        valid = _valid_keys_for(loc)
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (valid keys: {', '.join(valid)})"
        parent = ".".join(names[:-1])
        return f"{parent + ': ' if parent else ''}unknown key '{key}'{hint}"
    if kind == "missing":
        parent = ".".join(names[:-1])
        return f"{parent + ': ' if parent else ''}missing required key '{names[-1] if names else loc[-1]}'"
    prefix = f"{field}: " if field else ""
    if kind == "union_tag_invalid":
        tag = ctx.get("tag")
        close = difflib.get_close_matches(str(tag), _DEMAND_TAGS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{prefix}unknown distribution '{tag}' (expected one of {', '.join(_DEMAND_TAGS)}{hint})"
    if kind == "union_tag_not_found":
        return f"{prefix}missing key 'distribution' (one of {', '.join(_DEMAND_TAGS)})"
    simple = {
        "greater_than_equal": lambda: f"must be >= {_number(ctx.get('ge'))}",
        "greater_than": lambda: f"must be > {_number(ctx.get('gt'))}",
        "less_than_equal": lambda: f"must be <= {_number(ctx.get('le'))}",
        "less_than": lambda: f"must be < {_number(ctx.get('lt'))}",
        "int_type": lambda: "must be an integer",
        "int_from_float": lambda: "must be an integer",
        "int_parsing": lambda: "must be an integer",
        "float_type": lambda: "must be a number",
        "float_parsing": lambda: "must be a number",
        "finite_number": lambda: "must be a finite number",
        "bool_type": lambda: "must be true or false",
        "bool_parsing": lambda: "must be true or false",
        "string_type": lambda: "must be a string",
        "string_too_short": lambda: "must not be empty",
        "string_too_long": lambda: f"must be at most {ctx.get('max_length')} characters",
        "list_type": lambda: "must be a list",
        "dict_type": lambda: "must be a mapping",
        "model_type": lambda: "must be a mapping",
        "model_attributes_type": lambda: "must be a mapping",
        "too_short": lambda: f"must have at least {_items(ctx.get('min_length'))}",
        "too_long": lambda: f"must have at most {_items(ctx.get('max_length'))}",
        "literal_error": lambda: f"must be one of {ctx.get('expected')}",
    }
    if kind in simple:
        return f"{prefix}{simple[kind]()}, got {_show(value)}"
    if kind == "value_error":
        return f"{prefix}{err['msg'].removeprefix('Value error, ')}"
    return f"{prefix}{err['msg']}, got {_show(value)}"


_DEMAND_TAGS = ("normal", "poisson", "gamma", "uniform", "empirical", "series")


def _valid_keys_for(loc: list) -> tuple[str, ...]:
    if len(loc) >= 3 and loc[0] in ("nodes", "edges"):
        if loc[0] == "nodes" and loc[2] == "demand" and len(loc) >= 5:
            from netinv.demand import distributions as demand_module

            model = {
                "normal": demand_module.Normal, "poisson": demand_module.Poisson, "gamma": demand_module.Gamma,
                "uniform": demand_module.Uniform, "empirical": demand_module.Empirical,
                "series": demand_module.Series,
            }.get(loc[3])
            if model is not None:
                return tuple(model.model_fields)
        return _VALID_KEYS[loc[0]]
    return TOP_FIELDS


def _number(value: Any) -> str:
    """A bound as a planner writes it: 0 not 0.0, 1e+12 not 1000000000000.0."""
    return format(value, ".12g") if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _items(count: Any) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value[:60])
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)

"""pydantic validation errors -> one line naming the node, edge and field, in the scenario's own terms.

:func:`explain` turns the first error of a :class:`pydantic.ValidationError` raised while validating a
scenario document into ``(where, what)``: ``("node 'dc'", "lead_time: must be >= 0, got -2")``. A
misspelled key gets a "did you mean", a bad distribution name the list of valid ones.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from netinv import attrs
from netinv.network.schema import EDGE_FIELDS, NODE_FIELDS, TOP_FIELDS


def explain(exc: ValidationError, doc: dict) -> tuple[str | None, str]:
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
            node_id = item.get(attrs.NODE_ID) if isinstance(item, dict) else None
            named = isinstance(node_id, (str, int)) and not isinstance(node_id, bool)
            owner = f"node '{node_id}'" if named else f"nodes[{loc[1]}]"
        else:
            ok = isinstance(item, dict) and attrs.EDGE_SOURCE in item and attrs.EDGE_TARGET in item
            owner = f"edge '{item[attrs.EDGE_SOURCE]}' -> '{item[attrs.EDGE_TARGET]}'" if ok else f"edges[{loc[1]}]"
        return owner, loc[2:]
    return None, loc


_VALID_KEYS = {"nodes": NODE_FIELDS, "edges": EDGE_FIELDS, None: TOP_FIELDS}


def _message(err: dict, fields: list, loc: list) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    # Inside a demand spec pydantic adds the distribution tag to the location: drop it.
    names = [str(f) for f in fields if not (isinstance(f, str) and f in _DEMAND_TAGS and fields and fields[0] == attrs.DEMAND and f != attrs.DEMAND)]
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
        "greater_than_equal": lambda: f"must be >= {_bound(ctx.get('ge'))}",
        "greater_than": lambda: f"must be > {_bound(ctx.get('gt'))}",
        "less_than_equal": lambda: f"must be <= {_bound(ctx.get('le'))}",
        "less_than": lambda: f"must be < {_bound(ctx.get('lt'))}",
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
        if loc[0] == "nodes" and loc[2] == attrs.DEMAND and len(loc) >= 5:
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


def _bound(value: Any) -> str:
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

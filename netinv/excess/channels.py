"""The scenario's ``excess:`` block: the thresholds, the plan's settings and each node's disposal channels.

::

    excess:
      horizon: 12                  # periods the disposal plan covers [T]                  default 12
      terminal_value: 0            # per unit still held after the horizon                 default 0
      batch: 10                    # outlets and transfers in whole batches (a MILP)      default none
      thresholds: {k: 8, window: 8, no_sale_periods: 8, p_no_sale: 0.5, anomaly_p: 0.01,
                   max_cover: 26, max_age: 26, smoothing: 0.2}   # netinv.excess.detect.ExcessConfig
      nodes:
        store_3:
          value: 18.0              # a unit sold at full price (default: the node's price, else the
                                   #   unit cost of its cheapest supply edge: a unit kept is one not bought)
          markdown:                # price levels, one at a time: units sold per period at each discount
            - {discount: 0.3, units_per_period: 4}
            - {discount: 0.6, units_per_period: 10}
          return: {buyback_price: 6, capacity: 40, until: 3}   # or contract: "buyback:w=10,b=6"
          donation: {tax_value: 2.5, per_period: 10}
          scrap: {salvage: -0.4}   # negative: a cost per unit scrapped

Every outlet (``return``, ``donation``, ``scrap``) takes ``capacity`` (units over the horizon),
``per_period`` (units per period), ``from`` and ``until`` (its first and last period, 0-based; default
the whole horizon). A node without a ``scrap`` entry may still scrap at 0. ``return.contract`` reads a
:mod:`netinv.contracts` buyback contract (its ``b`` is the buyback price). Transfers need no entry:
they run on the scenario's transshipment edges (their ``unit_cost`` and ``lead_time``). Every mistake is
one line naming the file, the place and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from netinv import attrs
from netinv.errors import InputError, InvalidNetworkError, where
from netinv.excess.detect import ExcessConfig
from netinv.excess.disposal import Outlet, PriceLevel
from netinv.network.formats.common import unknown_node

TOP_KEYS = ("horizon", "terminal_value", "batch", "thresholds", "nodes")
NODE_KEYS = ("value", "markdown", "return", "donation", "scrap")
OUTLET_VALUE = {"return": "buyback_price", "donation": "tax_value", "scrap": "salvage"}
WINDOW_KEYS = ("capacity", "per_period", "from", "until")
THRESHOLD_KEYS = ("k", "window", "no_sale_periods", "p_no_sale", "anomaly_p", "max_cover", "max_age", "smoothing")


@dataclass(frozen=True)
class NodeChannels:
    """One node's channels: ``value`` (None: the default), price levels and outlets."""

    value: float | None = None
    markdown: tuple[PriceLevel, ...] = ()
    outlets: tuple[Outlet, ...] = ()


@dataclass(frozen=True)
class ExcessSettings:
    """The ``excess:`` block, checked."""

    config: ExcessConfig = ExcessConfig()
    horizon: int = 12
    terminal_value: float = 0.0
    batch: float | None = None
    nodes: dict[str, NodeChannels] = field(default_factory=dict)


def read_settings(block, graph, path: str | None = None) -> ExcessSettings:
    """The settings of a scenario's ``excess:`` block (None: the defaults); ``graph``: its network."""
    if block is None:
        return ExcessSettings()
    _mapping(block, "excess", path, TOP_KEYS)
    horizon = _number(block.get("horizon", 12), "excess", "horizon", path, integer=True, low=1)
    terminal = _number(block.get("terminal_value", 0.0), "excess", "terminal_value", path, low=None)
    batch = block.get("batch")
    batch = None if batch is None else _number(batch, "excess", "batch", path, positive=True)
    thresholds = _mapping(block.get("thresholds", {}), "excess.thresholds", path, THRESHOLD_KEYS)
    try:
        config = ExcessConfig(**thresholds)
    except InputError as exc:
        raise InvalidNetworkError(where(path, "excess.thresholds", str(exc))) from None
    nodes = {}
    for node, entry in _mapping(block.get("nodes", {}), "excess.nodes", path, None).items():
        if node not in graph:
            raise InvalidNetworkError(where(path, "excess.nodes", unknown_node(str(node), graph)))
        nodes[str(node)] = _node(entry, f"excess.nodes.{node}", path, int(horizon))
    return ExcessSettings(config, int(horizon), terminal, batch, nodes)


def _node(entry, place: str, path: str | None, horizon: int) -> NodeChannels:
    entry = _mapping(entry, place, path, NODE_KEYS)
    value = entry.get("value")
    value = None if value is None else _number(value, place, "value", path)
    levels = entry.get("markdown", [])
    if not isinstance(levels, list):
        raise InvalidNetworkError(where(path, place, "markdown: must be a list of {discount, units_per_period}"))
    markdown = []
    for k, level in enumerate(levels):
        where_ = f"{place}.markdown[{k}]"
        level = _mapping(level, where_, path, ("discount", "units_per_period"))
        for key in ("discount", "units_per_period"):
            if key not in level:
                raise InvalidNetworkError(where(path, where_, f"{key}: missing"))
        discount = _number(level["discount"], where_, "discount", path)
        if not 0 < discount < 1:
            raise InvalidNetworkError(where(path, where_, f"discount: must be in (0, 1), got {discount!r}"))
        markdown.append(PriceLevel(discount, _number(level["units_per_period"], where_, "units_per_period", path)))
    outlets = tuple(_outlet(name, entry[name], f"{place}.{name}", path, horizon) for name in OUTLET_VALUE
                    if name in entry)
    if "scrap" not in entry:
        outlets += (Outlet("scrap", 0.0),)
    return NodeChannels(value, tuple(markdown), outlets)


def _outlet(name: str, entry, place: str, path: str | None, horizon: int) -> Outlet:
    value_key = OUTLET_VALUE[name]
    extra = ("contract",) if name == "return" else ()
    entry = _mapping(entry, place, path, (value_key, *extra, *WINDOW_KEYS))
    if "contract" in entry:
        value = _buyback(entry["contract"], place, path)
    elif value_key in entry:
        value = _number(entry[value_key], place, value_key, path, low=None if name == "scrap" else 0.0)
    else:
        raise InvalidNetworkError(where(path, place, f"{value_key}: missing"))
    opens = _number(entry.get("from", 0), place, "from", path, integer=True)
    closes = _number(entry.get("until", horizon - 1), place, "until", path, integer=True)
    if closes < opens:
        raise InvalidNetworkError(where(path, place, f"until: must be >= from ({opens}), got {closes}"))
    return Outlet(name, value, _number(entry.get("capacity", math.inf), place, "capacity", path),
                  _number(entry.get("per_period", math.inf), place, "per_period", path), int(opens), int(closes))


def _buyback(text, place: str, path: str | None) -> float:
    from netinv.contracts.cli import parse_contract
    from netinv.contracts.terms import Buyback

    try:
        contract = parse_contract(str(text))
    except InputError as exc:
        raise InvalidNetworkError(where(path, place, f"contract: {exc}")) from None
    if not isinstance(contract, Buyback):
        raise InvalidNetworkError(where(path, place, f"contract: must be a buyback contract (buyback:w=..,b=..), "
                                        f"got {text!r}"))
    return float(contract.buyback_price)


def _mapping(value, place: str, path: str | None, keys) -> dict:
    if not isinstance(value, dict):
        raise InvalidNetworkError(where(path, place, f"must be a mapping, got {type(value).__name__}"))
    for key in value:
        if keys is not None and key not in keys:
            raise InvalidNetworkError(where(path, place, f"unknown key '{key}' (valid keys: {', '.join(keys)})"))
    return value


def _number(value, place: str, key: str, path: str | None, *, integer: bool = False, low: float | None = 0.0,
            positive: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value).is_integer()
    if ok and not (math.isinf(value) and value > 0):  # +inf: the default "unlimited" of capacities
        ok = math.isfinite(value) and abs(value) <= attrs.MAX_MAGNITUDE
    if ok and low is not None:
        ok = value > 0 if positive else value >= low
    if not ok:
        what = "an integer" if integer else "a number"
        bound = " > 0" if positive else "" if low is None else f" >= {low:g}"
        raise InvalidNetworkError(where(path, place, f"{key}: must be {what}{bound}, got {value!r}"))
    return int(value) if integer else float(value)

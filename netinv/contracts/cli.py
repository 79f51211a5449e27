"""Command-line logic of ``netinv contracts``: parse the options, call the library, return plain dicts.

``netinv/cli/analyses.py`` stays thin: it turns its options into a :class:`~netinv.contracts.Market` with
:func:`market_from_options` and calls :func:`evaluate_command` / :func:`compare_command` /
:func:`network_command`, printing the dict as JSON or :func:`format_table` as text. Contract strings::

    integrated
    wholesale:w=6
    buyback:w=6,b=4
    revenue-sharing:w=1,phi=0.3
    quantity-flexibility:w=6,delta=0.2
    sales-rebate:w=6,r=2,t=100
    options:reserve=1,exercise=5
    quantity-discount:0=7,100=6,150=5.5      (all-units table: minimum order = unit price)
    quantity-discount:lambda=0.6             (Cachon's coordinating schedule)
"""

from __future__ import annotations

import math
from pathlib import Path

from netinv.contracts.demand import Demand
from netinv.contracts.market import Market
from netinv.contracts.terms import (
    CONTRACTS,
    Contract,
    CoordinatingDiscount,
    QuantityDiscount,
)
from netinv.errors import InputError, InvalidContractError

INTEGRATED = "integrated"
EXAMPLES = "e.g. wholesale:w=6, buyback:w=6,b=4, revenue-sharing:w=1,phi=0.3, options:reserve=1,exercise=5"


def parse_contract(text: str) -> Contract | None:
    """A contract from its string (see the module docstring); ``None`` for ``integrated``.

    Raises:
        InvalidContractError: unknown family, unparsable string, unknown or missing key, bad value.
    """
    raw = str(text).strip()
    family, sep, rest = raw.partition(":")
    family = family.strip().lower()
    if family == INTEGRATED and not rest.strip():
        return None
    known = sorted([*CONTRACTS, INTEGRATED])
    if family not in CONTRACTS:
        raise InvalidContractError(f"contract {raw!r}: unknown contract {family!r}; expected one of {', '.join(known)}")
    if not sep or not rest.strip():
        raise InvalidContractError(f"contract {raw!r}: expected {family}:KEY=VALUE,...; {EXAMPLES}")
    pairs = {}
    for item in rest.split(","):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key or not value.strip():
            raise InvalidContractError(f"contract {raw!r}: cannot read {item.strip()!r}; expected KEY=VALUE")
        if key in pairs:
            raise InvalidContractError(f"contract {raw!r}: {key!r} given twice")
        try:
            number = float(value)
        except ValueError:
            raise InvalidContractError(f"contract {raw!r}: {key}={value.strip()!r} is not a number") from None
        if not math.isfinite(number):
            raise InvalidContractError(f"contract {raw!r}: {key} must be a finite number, got {value.strip()}")
        pairs[key] = number
    if family == "quantity-discount":
        return _discount(raw, pairs)
    cls = CONTRACTS[family]
    unknown = sorted(set(pairs) - set(cls.keys))
    if unknown:
        raise InvalidContractError(f"contract {raw!r}: unknown key {unknown[0]!r}; {family} takes "
                                   f"{', '.join(cls.keys)}")
    missing = [k for k in cls.keys if k not in pairs]
    if missing:
        raise InvalidContractError(f"contract {raw!r}: missing {', '.join(missing)}; {family} takes "
                                   f"{', '.join(cls.keys)}")
    return cls(**{cls.keys[k]: pairs[k] for k in cls.keys})


def _discount(raw: str, pairs: dict[str, float]) -> Contract:
    if set(pairs) == {"lambda"}:
        return CoordinatingDiscount(pairs["lambda"])
    breaks = []
    for key, price in pairs.items():
        try:
            breaks.append((float(key), price))
        except ValueError:
            raise InvalidContractError(f"contract {raw!r}: quantity-discount takes MIN_ORDER=PRICE pairs "
                                       f"(or lambda=FRACTION), got key {key!r}") from None
    return QuantityDiscount(tuple(sorted(breaks)))


def market_from_options(demand: str | Demand, price: float, cost: float, *, retailer_cost: float = 0.0,
                        salvage: float = 0.0, goodwill_retailer: float = 0.0,
                        goodwill_supplier: float = 0.0) -> Market:
    """The market of ``--demand --price --cost [--retailer-cost --salvage --goodwill-*]``."""
    if not isinstance(demand, Demand):
        demand = Demand.parse(demand)
    return Market(price=price, supplier_cost=cost, demand=demand, retailer_cost=retailer_cost, salvage=salvage,
                  retailer_goodwill=goodwill_retailer, supplier_goodwill=goodwill_supplier)


def evaluate_command(market: Market, contract: str, *, monte_carlo: int = 0, seed: int = 0) -> dict:
    """``netinv contracts evaluate``: the outcome of one contract string as a JSON-ready dict."""
    from netinv.contracts.evaluate import evaluate, integrated

    terms = parse_contract(contract)
    if terms is None:
        best = integrated(market)
        return {"contract": {"family": INTEGRATED}, "order": best.order, "retailer_profit": None,
                "supplier_profit": None, "channel_profit": best.channel_profit, "efficiency": 1.0,
                "sales": best.sales, "leftover": best.leftover, "lost_sales": best.lost_sales,
                "method": best.method, "integrated": {"order": best.order, "channel_profit": best.channel_profit}}
    return evaluate(terms, market, monte_carlo=monte_carlo, seed=seed).to_dict()


def compare_command(market: Market, contracts: list[str], *, plot: str | Path | None = None) -> dict:
    """``netinv contracts compare``: one row per contract string, and the profit-split picture (its .png
    name checked before any contract is evaluated)."""
    from netinv.report import check_png

    if not contracts:
        raise InputError("contracts compare: give at least one --contract")
    if plot is not None:
        check_png(plot)
    rows = [{"name": text.strip(), **evaluate_command(market, text)} for text in contracts]
    out = {"market": market.to_dict(), "contracts": rows, "integrated": rows[0]["integrated"]}
    if plot is not None:
        from netinv.contracts.plot import plot_profit_split

        out["plot"] = str(plot_profit_split(rows, rows[0]["integrated"]["channel_profit"], plot))
    return out


def network_command(file, contract: str, *, censored_normal: bool = False) -> dict:
    """``netinv contracts compare --network FILE``: the contract on every supply edge into a demand node."""
    from netinv.contracts.network import evaluate_network
    from netinv.network import load

    terms = parse_contract(contract)
    if terms is None:
        raise InputError("contracts --network: give a contract, not 'integrated' (the totals include it)")
    return evaluate_network(load(file), terms, censored_normal=censored_normal).to_dict()


def format_network(results: dict) -> str:
    """Plain text of ``{contract string: network_command(...)}``: per contract the totals, then per store
    edge the integrated order, the network's unit cost and both profits, and the reconciliation."""
    lines = []
    for text, out in results.items():
        rec = out["reconciliation"]
        lines += [f"contract {text}: retailers {out['retailer_profit']:,.2f}, suppliers {out['supplier_profit']:,.2f}, "
                  f"channel {out['channel_profit']:,.2f} per period (efficiency {out['efficiency']:.4f})",
                  f"{'edge':28} {'shortfall':9}{'order':>8} {'unit cost':>9} {'integrated':>11} {'steady':>11}"]
        for edge in out["edges"]:
            name = f"{edge['supplier']} -> {edge['retailer']}"
            lines.append(f"{name[:28]:28} {'backlog' if edge['backlog'] else 'lost':9}{edge['integrated']['order']:8.1f} "
                         f"{edge['unit_network_cost']:9.2f} {edge['integrated']['channel_profit']:11,.2f} "
                         f"{edge['steady_state_profit']:11,.2f}")
        lines += [f"integrated profit (contract model) {rec['integrated_profit']:,.2f}; steady state at the same levels "
                  f"{rec['steady_state_profit']:,.2f}; difference {rec['difference']:,.2f} = leftover carried "
                  f"{rec['leftover_carried']:,.2f} + backlog sold later {rec['backlog_sold_later']:,.2f}", ""]
    first = next(iter(results.values()))
    lines += [f"model: {first['model']}.", f"reconciliation: {first['reconciliation']['explained']}"]
    return "\n".join(lines)


def format_table(result: dict) -> str:
    """A plain-text table of :func:`compare_command`'s rows (or of one :func:`evaluate_command`)."""
    rows = result.get("contracts", [result])
    header = f"{'contract':32} {'order':>9} {'retailer':>10} {'supplier':>10} {'channel':>10} {'efficiency':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        name = row.get("name", row["contract"]["family"])
        lines.append(f"{name:32} {row['order']:9.3f} {_cell(row['retailer_profit'])} {_cell(row['supplier_profit'])} "
                     f"{_cell(row['channel_profit'])} {row['efficiency']:10.4f}")
    best = rows[0]["integrated"]
    lines.append(f"integrated channel: order {best['order']:.3f}, profit {best['channel_profit']:.3f}")
    return "\n".join(lines)


def _cell(value) -> str:
    return f"{'-':>10}" if value is None else f"{value:10.3f}"

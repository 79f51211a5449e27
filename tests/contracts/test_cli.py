"""The command-line logic of ``netinv contracts``: contract strings, the JSON shape, the comparison."""

from __future__ import annotations

import json

import pytest

from netinv.contracts import (
    Buyback,
    CoordinatingDiscount,
    Options,
    QuantityDiscount,
    RevenueSharing,
    SalesRebate,
)
from netinv.contracts.cli import (
    compare_command,
    evaluate_command,
    format_table,
    market_from_options,
    parse_contract,
)
from netinv.errors import InputError

MARKET = market_from_options("normal:100,30", price=10, cost=3, salvage=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("buyback:w=6,b=4", Buyback(6, 4)),
        ("revenue-sharing:w=1,phi=0.3", RevenueSharing(1, 0.3)),
        (" Sales-Rebate: w=6, r=2, t=100 ", SalesRebate(6, 2, 100)),
        ("options:reserve=1,exercise=5", Options(1, 5)),
        ("quantity-discount:0=7,100=6", QuantityDiscount(((0, 7), (100, 6)))),
        ("quantity-discount:lambda=0.6", CoordinatingDiscount(0.6)),
        ("integrated", None),
    ],
)
def test_parse_contract(text, expected):
    assert parse_contract(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("bogus:w=1", "unknown contract 'bogus'; expected one of buyback, integrated, options"),
        ("buyback", "expected buyback:KEY=VALUE"),
        ("buyback:w=6;b=4", "is not a number"),
        ("buyback:w=6,b", "cannot read 'b'"),
        ("buyback:w=6,x=4", "unknown key 'x'; buyback takes w, b"),
        ("buyback:w=6", "missing b"),
        ("buyback:w=6,w=7,b=1", "given twice"),
        ("wholesale:w=inf", "finite"),
        ("revenue-sharing:w=1,phi=1.5", r"phi must be in \[0, 1\]"),
        ("quantity-discount:0=7,big=6", "MIN_ORDER=PRICE"),
    ],
)
def test_unparsable_contract_strings_are_one_line_errors(text, match):
    with pytest.raises(InputError, match=match) as info:
        parse_contract(text)
    assert "\n" not in str(info.value)


def test_evaluate_command_json_shape():
    out = evaluate_command(MARKET, "wholesale:w=6")
    json.dumps(out)
    assert {"order", "retailer_profit", "supplier_profit", "channel_profit", "efficiency", "sales", "leftover",
            "lost_sales", "integrated"} <= set(out)
    assert out["order"] == pytest.approx(95.809, abs=5e-4)
    assert out["integrated"] == {"order": pytest.approx(122.941, abs=5e-4),
                                 "channel_profit": pytest.approx(619.594, abs=5e-4)}
    assert evaluate_command(MARKET, "integrated")["efficiency"] == 1.0


def test_evaluate_command_below_cost_is_an_input_error():
    with pytest.raises(InputError, match="below the supplier's cost"):
        evaluate_command(MARKET, "wholesale:w=2")


def test_compare_command_table_and_plot(tmp_path):
    picture = tmp_path / "split.png"
    out = compare_command(MARKET, ["wholesale:w=6", "buyback:w=5.8,b=3.6", "integrated"], plot=picture)
    json.dumps(out)
    assert [row["name"] for row in out["contracts"]] == ["wholesale:w=6", "buyback:w=5.8,b=3.6", "integrated"]
    assert out["contracts"][1]["efficiency"] == pytest.approx(1.0)
    assert picture.stat().st_size > 1000
    table = format_table(out)
    assert "buyback:w=5.8,b=3.6" in table and "0.9373" in table


def test_market_options_errors():
    with pytest.raises(InputError, match="price must be >= 0"):
        market_from_options("normal:100,30", price=-1, cost=3)
    with pytest.raises(InputError, match="unknown distribution"):
        market_from_options("weibull:1,2", price=10, cost=3)

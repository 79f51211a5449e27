"""The profit-split picture: a PNG with one point per evaluated contract at (retailer, supplier) profit and
the integrated channel's frontier."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from netinv.contracts.cli import compare_command, market_from_options  # noqa: E402
from netinv.contracts.plot import plot_profit_split  # noqa: E402
from netinv.errors import InputError  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
MARKET = market_from_options("normal:100,30", price=10, cost=3, salvage=1)


def test_points_and_frontier_match_the_rows(tmp_path, drawn):
    rows = [
        {"name": "a", "contract": {"family": "wholesale"}, "retailer_profit": 120.0, "supplier_profit": 300.0,
         "efficiency": 0.8},
        {"contract": {"family": "buyback"}, "retailer_profit": 200.0, "supplier_profit": 325.0, "efficiency": 1.0},
        {"name": "skipped", "contract": {"family": "options"}, "retailer_profit": None, "supplier_profit": None,
         "efficiency": None},
    ]
    path = plot_profit_split(rows, 525.0, tmp_path / "split.png")
    assert path == tmp_path / "split.png"
    data = path.read_bytes()
    assert data[:8] == PNG
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (720, 600)  # 6x5 at 120
    (fig,) = drawn
    ax = fig.axes[0]
    (frontier,) = ax.lines
    np.testing.assert_array_equal(frontier.get_xdata(), [0, 525.0])
    np.testing.assert_array_equal(frontier.get_ydata(), [525.0, 0])
    assert frontier.get_label() == "integrated channel (525.0)"
    points = [tuple(c.get_offsets()[0]) for c in ax.collections]
    assert points == [(120.0, 300.0), (200.0, 325.0)]  # the row without profits is left out
    assert [t.get_text() for t in ax.texts] == ["a\n0.800", "buyback\n1.000"]


def test_compare_rows_plot_on_the_frontier_when_coordinating(tmp_path, drawn):
    out = compare_command(MARKET, ["wholesale:w=6", "buyback:w=5.8,b=3.6"], plot=tmp_path / "split.png")
    assert (tmp_path / "split.png").read_bytes()[:8] == PNG
    (fig,) = drawn
    frontier = fig.axes[0].lines[0].get_xdata()[1]
    x, y = fig.axes[0].collections[1].get_offsets()[0]
    assert out["contracts"][1]["efficiency"] == pytest.approx(1.0)
    assert x + y == pytest.approx(frontier, rel=1e-6)  # the coordinating buyback sits on the frontier
    x, y = fig.axes[0].collections[0].get_offsets()[0]
    assert x + y < frontier  # the wholesale price contract does not


def test_a_missing_directory_is_a_one_line_error_and_writes_nothing(tmp_path, drawn):
    with pytest.raises(InputError, match=r"^[^\n]*split.png: cannot write: the folder [^\n]*missing does not exist$"):
        plot_profit_split([], 100.0, tmp_path / "missing" / "split.png")
    assert list(tmp_path.iterdir()) == []
    assert drawn == []  # refused before anything was drawn


def test_a_name_that_is_not_png_is_refused_before_drawing(tmp_path, drawn):
    with pytest.raises(InputError, match=r"^[^\n]*split.pdf: the picture is written as PNG; use a .png file name$"):
        plot_profit_split([], 100.0, tmp_path / "split.pdf")
    assert list(tmp_path.iterdir()) == [] and drawn == []


def test_compare_checks_the_picture_name_before_evaluating(tmp_path, monkeypatch):
    import netinv.contracts.cli as contracts_cli

    monkeypatch.setattr(contracts_cli, "evaluate_command", lambda *a, **k: pytest.fail("evaluated"))
    with pytest.raises(InputError, match=r"^[^\n]*split.svg: the picture is written as PNG; use a .png file name$"):
        compare_command(MARKET, ["wholesale:w=6"], plot=tmp_path / "split.svg")
    assert list(tmp_path.iterdir()) == []

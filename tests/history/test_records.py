"""netinv.history.records: reading and writing a date,node,quantity history."""

from __future__ import annotations

import datetime as dt

import pytest

from netinv.errors import InputError
from netinv.history.records import Record, parse_date, read_history, write_history


def test_parse_date():
    assert parse_date("2024-03-01") == dt.date(2024, 3, 1)
    assert parse_date(" 2024-03-01T12:00:00 ") == dt.date(2024, 3, 1)
    assert parse_date("2024-03-01 08:30") == dt.date(2024, 3, 1)
    assert parse_date("2024-3-1") is None and parse_date("2024-02-30") is None


def test_round_trip_keeps_lines_and_text(tmp_path):
    path = write_history(tmp_path / "h.csv", [(dt.date(2024, 1, 1), "a", 3), ("2024-01-02", "b", "n/a"),
                                              (dt.date(2024, 1, 2), "a", 2.5)])
    raw = read_history(path)
    assert raw.path == str(path)
    assert raw.records == (Record(2, dt.date(2024, 1, 1), "a", "3"), Record(3, dt.date(2024, 1, 2), "b", "n/a"),
                           Record(4, dt.date(2024, 1, 2), "a", "2.5"))
    assert raw.nodes == ("a", "b")


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty file; expected a header 'date,node,quantity'"),
    ("day,node,quantity\n", "line 1: header must be 'date,node,quantity', got 'day,node,quantity'"),
    ("date,node,quantity\n", "no data rows after the header 'date,node,quantity'"),
    ("date,node,quantity\n2024-01-01,a\n", "line 2: expected 3 fields (date,node,quantity), got 2"),
    ("date,node,quantity\n\n01/02/2024,a,1\n", "line 3: date: cannot read '01/02/2024' as a date (expected YYYY-MM-DD)"),
    ("date,node,quantity\n2024-01-01, ,1\n", "line 2: node: empty node id"),
])
def test_errors_name_the_line(tmp_path, text, message):
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_history(path)
    assert str(error.value) == f"{path}: {message}"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found$"):
        read_history(tmp_path / "none.csv")

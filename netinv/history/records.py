"""Reading a demand-history file: ``date,node,quantity``, one file for the whole network.

::

    date,node,quantity
    2024-01-01,store_n1,41
    2024-01-01,store_n2,23
    2024-01-02,store_n1,38

Dates are ISO ``YYYY-MM-DD``; one row is the demand of one node on one date (or in the period that
starts on that date, for a weekly or monthly history). What makes the file unreadable (missing file,
wrong header, a row with the wrong number of fields, an unparsable date, an empty node) is a one-line
:class:`~netinv.errors.InputError` ``FILE: line N: what``. Everything else that may be wrong with the
*data* (non-numeric or negative quantities, duplicates, gaps, unknown nodes, outliers) is kept here
as read and judged by :mod:`netinv.history.quality`, which lists it instead of failing.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from netinv.errors import InputError
from netinv.fileio import read_input_text

HEADER = ("date", "node", "quantity")


@dataclass(frozen=True)
class Record:
    """One data row: its ``line`` in the file, the ``date``, the ``node`` id and the ``quantity`` text
    exactly as written (parsed by the quality check, which reports what does not parse)."""

    line: int
    date: dt.date
    node: str
    quantity: str


@dataclass(frozen=True)
class RawHistory:
    """The rows of a history file, in file order. ``path`` names the file in messages."""

    path: str
    records: tuple[Record, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node ids in order of first appearance."""
        return tuple(dict.fromkeys(r.node for r in self.records))


def parse_date(text: str) -> dt.date | None:
    """An ISO date ``YYYY-MM-DD`` (a time part ``T...`` or `` ...`` is ignored), or None."""
    text = text.strip()
    for sep in ("T", " "):
        if sep in text:
            text = text.split(sep, 1)[0]
    if len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def read_history(path: str | Path) -> RawHistory:
    """Read a ``date,node,quantity`` CSV file. Raises a one-line InputError when the file cannot be read."""
    path = Path(path)
    name = str(path)
    text = read_input_text(path, "history file")
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise InputError(f"{name}: malformed CSV: {exc}") from None
    numbered = [(k, row) for k, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise InputError(f"{name}: empty file; expected a header 'date,node,quantity'")
    line, header = numbered[0]
    got = tuple(h.strip().lower() for h in header)
    if got != HEADER:
        raise InputError(f"{name}: line {line}: header must be 'date,node,quantity', got {','.join(header)!r}")
    records = []
    for line, row in numbered[1:]:
        if len(row) != len(HEADER):
            raise InputError(f"{name}: line {line}: expected 3 fields (date,node,quantity), got {len(row)}")
        date_text, node, quantity = (cell.strip() for cell in row)
        date = parse_date(date_text)
        if date is None:
            raise InputError(f"{name}: line {line}: date: cannot read {date_text!r} as a date (expected YYYY-MM-DD)")
        if not node:
            raise InputError(f"{name}: line {line}: node: empty node id")
        records.append(Record(line, date, node, quantity))
    if not records:
        raise InputError(f"{name}: no data rows after the header 'date,node,quantity'")
    return RawHistory(name, tuple(records))


def write_history(path: str | Path, rows) -> Path:
    """Write ``(date, node, quantity)`` rows in the layout :func:`read_history` reads (tests, examples)."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for date, node, quantity in rows:
            q = f"{quantity:g}" if isinstance(quantity, (int, float)) else quantity
            writer.writerow([date.isoformat() if isinstance(date, dt.date) else date, node, q])
    return path

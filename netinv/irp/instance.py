"""An inventory-routing instance and the reader of the DIMACS IRP ``.dat`` format.

The format (12th DIMACS Implementation Challenge, IRP track; the multi-vehicle form of the instances of
Archetti, Bertazzi, Laporte & Speranza 2007) is a stream of whitespace-separated tokens:

- header, four integers: ``n+1  H  Q  K`` (nodes with the supplier, periods, vehicle capacity, vehicles);
- the supplier, six fields: ``0  x  y  B0  r0  h0`` (start stock, production per period, holding cost);
- each customer ``i = 1..n``, eight fields: ``i  x  y  I0  U  L  r  h`` (start stock, maximum level,
  minimum level, consumption per period, holding cost).

Routing cost: the Euclidean distance rounded to the nearest integer (``round(d + 1e-5)`` as the reference
reader does; the coordinates are integers, so no distance ends in exactly .5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from netinv.errors import InputError

SUPPLIER_FIELDS = ("id", "x", "y", "start_stock", "production", "holding_cost")
CUSTOMER_FIELDS = ("id", "x", "y", "start_stock", "max_level", "min_level", "consumption", "holding_cost")
INTEGER_FIELDS = {"id", "start_stock", "production", "max_level", "min_level", "consumption"}


class IrpFormatError(InputError):
    """A malformed IRP instance file (CLI exit code 2)."""


@dataclass(frozen=True)
class IrpInstance:
    """One supplier (node 0), customers 1..n, ``vehicles`` identical vehicles, ``horizon`` periods.

    Arrays are indexed by node, the supplier first (index 0):
    coordinates [n+1, 2]; start_stock [n+1] (B0, I_i0); holding_cost [n+1] (h0, h_i) per unit per period.
    Customers only, index 0 unused (0): max_level [U_i], min_level [L_i], consumption [r_i] per period.
    production: units made available at the supplier every period [r0]. capacity: per vehicle [Q].
    """

    name: str
    horizon: int
    capacity: float
    vehicles: int
    coordinates: np.ndarray
    start_stock: np.ndarray
    holding_cost: np.ndarray
    max_level: np.ndarray
    min_level: np.ndarray
    consumption: np.ndarray
    production: float

    @property
    def customers(self) -> int:
        return len(self.coordinates) - 1

    @property
    def distance(self) -> np.ndarray:
        """Routing cost [c_ij]: Euclidean distance rounded to the nearest integer, [n+1, n+1]."""
        diff = self.coordinates[:, None, :] - self.coordinates[None, :, :]
        return np.floor(np.sqrt((diff ** 2).sum(axis=2)) + 0.5 + 1e-5)


MAX_NODES = 1_001  # the supplier and up to 1,000 customers (the DIMACS large instances have up to 200)
MAX_HORIZON = 100  # periods (the DIMACS instances have 3 or 6)
MAX_VEHICLES = 100


def read_dat(path: str | Path) -> IrpInstance:
    """Read a DIMACS IRP ``.dat`` file; a malformed one raises :class:`IrpFormatError` naming the file, the
    token's line, the node and field, and what is wrong."""
    from netinv.fileio import read_input_text  # regular files only, size-limited, UTF-8 (ASCII is a subset)

    path = Path(path)
    text = read_input_text(path, "DIMACS instance file", error=IrpFormatError)
    return parse_dat(text, name=path.stem, source=str(path))


def parse_dat(text: str, *, name: str = "instance", source: str = "<text>") -> IrpInstance:
    """Parse the text of a DIMACS IRP file (see :func:`read_dat`)."""
    tokens = Tokens(text, source)
    nodes, horizon, capacity, vehicles = (tokens.number(f"header field {f}", integer=True)
                                          for f in ("n+1", "H", "Q", "K"))
    for field, value, least in (("n+1", nodes, 2), ("H", horizon, 1), ("Q", capacity, 1), ("K", vehicles, 1)):
        if value < least:
            tokens.fail(f"header field {field}: must be >= {least}, got {value:g}")
    for field, value, most in (("n+1", nodes, MAX_NODES), ("H", horizon, MAX_HORIZON), ("K", vehicles, MAX_VEHICLES)):
        if value > most:  # the model has (n+1)^2 H routing columns: bounded before anything is built
            tokens.fail(f"header field {field}: at most {most} (netinv's limit), got {value:g}")
    nodes = int(nodes)
    rows = [tokens.record("supplier", SUPPLIER_FIELDS)]
    rows += [tokens.record(f"customer {i}", CUSTOMER_FIELDS) for i in range(1, nodes)]
    tokens.finish()
    for i, row in enumerate(rows):
        if row["id"] != i:
            tokens.fail(f"node {i}: id must be {i} (nodes in order, supplier 0), got {row['id']:g}")
    check_values(rows, tokens)
    customers = rows[1:]

    def column(key):
        return np.array([0.0] + [row[key] for row in customers])

    return IrpInstance(
        name=name, horizon=int(horizon), capacity=float(capacity), vehicles=int(vehicles),
        coordinates=np.array([[row["x"], row["y"]] for row in rows]),
        start_stock=np.array([row["start_stock"] for row in rows]),
        holding_cost=np.array([row["holding_cost"] for row in rows]),
        max_level=column("max_level"), min_level=column("min_level"), consumption=column("consumption"),
        production=float(rows[0]["production"]),
    )


def check_values(rows: list[dict], tokens: Tokens) -> None:
    """Every stock, level, rate and cost >= 0; a customer's min_level <= max_level and start_stock >=
    min_level and <= max_level (the levels every period must keep)."""
    for i, row in enumerate(rows):
        what = "supplier" if i == 0 else f"customer {i}"
        for key, value in row.items():
            if key not in ("id", "x", "y") and value < 0:
                tokens.fail(f"{what}: {key} must be >= 0, got {value:g}")
        if i and row["min_level"] > row["max_level"]:
            tokens.fail(f"{what}: min_level {row['min_level']:g} exceeds max_level {row['max_level']:g}")
        if i and row["start_stock"] < row["min_level"]:
            tokens.fail(f"{what}: start_stock {row['start_stock']:g} is below min_level {row['min_level']:g}")
        if i and row["start_stock"] > row["max_level"]:
            tokens.fail(f"{what}: start_stock {row['start_stock']:g} exceeds max_level {row['max_level']:g}")


class Tokens:
    """The file's whitespace-separated tokens with their line numbers, read one by one."""

    def __init__(self, text: str, source: str):
        self.source = source
        self.items = [(word, n) for n, line in enumerate(text.splitlines(), start=1) for word in line.split()]
        self.position = 0

    def fail(self, message: str, line: int | None = None):
        where = f"{self.source}" if line is None else f"{self.source}: line {line}"
        raise IrpFormatError(f"{where}: {message}")

    def number(self, what: str, *, integer: bool) -> float:
        if self.position >= len(self.items):
            last = self.items[-1][1] if self.items else 1
            self.fail(f"{what}: missing (the file ends early)", last)
        word, line = self.items[self.position]
        self.position += 1
        try:
            value = float(word)
        except ValueError:
            self.fail(f"{what}: {word!r} is not a number", line)
        if not math.isfinite(value):
            self.fail(f"{what}: {word!r} is not a finite number", line)
        if integer and value != int(value):
            self.fail(f"{what}: must be an integer, got {word!r}", line)
        return value

    def record(self, what: str, fields: tuple[str, ...]) -> dict[str, float]:
        return {f: self.number(f"{what} field {f}", integer=f in INTEGER_FIELDS) for f in fields}

    def finish(self) -> None:
        if self.position < len(self.items):
            word, line = self.items[self.position]
            self.fail(f"unexpected token {word!r} after the last customer (header n+1 too small?)", line)

"""Numbers as a planner reads them: the one formatter of every table (the report's and the CLI's).

``format_number(10750.3)`` is ``"10,750"``, ``format_number(107.53)`` ``"107.5"``, ``format_number(0.0054)``
``"0.0054"``: about ``digits`` significant digits in fixed notation with thousands separators, never
``1.075e+04``. Exponent notation is kept for magnitudes no table holds in ordinary use (below 1e-6 or
from 1e15). ``decimals`` fixes the number of decimals instead (a fill rate to 4 places: ``0.9500``).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["format_number"]

SMALLEST_PLAIN = 1e-6  # below this (and not 0), exponent notation
LARGEST_PLAIN = 1e15  # from this on, exponent notation


def format_number(value, digits: int = 4, decimals: int | None = None) -> str:
    """``value`` as text for a table: "" for None, "-" for NaN, "inf" / "-inf", integers with thousands
    separators (``1,075``), floats to about ``digits`` significant digits in fixed notation (trailing
    zeros dropped), or with exactly ``decimals`` decimals when given. Other objects (text) as ``str``."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    x = float(value)
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if decimals is not None:
        text = f"{x:,.{decimals}f}"
        return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text
    if x == 0:
        return "0"
    if not SMALLEST_PLAIN <= abs(x) < LARGEST_PLAIN:
        return f"{x:.{max(digits - 1, 0)}e}"
    magnitude = math.floor(math.log10(abs(x)))
    text = f"{x:,.{max(digits - 1 - magnitude, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text

"""netinv's exception hierarchy.

Every error netinv raises on purpose derives from :class:`NetinvError`; the CLI turns one into a single
line ``error: <message>`` and a non-zero exit code. A message names the file, node, edge or field and
what is wrong with it.
"""

from __future__ import annotations

import re


class NetinvError(Exception):
    """Base class of netinv's own errors. ``exit_code`` is what the CLI exits with.

    Its message is always one printable line: a line break, another control character, an invisible or
    bidirectional formatting character (U+200B, U+202E, ...) or a lone surrogate inside a value the user gave
    (a node id, a key, a contract string) is shown escaped, ``'new\\nline'`` (:func:`printable`), and a run
    of more than :data:`LONGEST_WORD` characters without a space (a 200,000-character id) is shortened to its
    start and end, with its length.
    """

    exit_code = 1

    def __str__(self) -> str:
        return printable(super().__str__())


class InputError(NetinvError):
    """Bad input: a file, an argument or a value the user gave. CLI exit code 2."""

    exit_code = 2


class ScenarioFileError(InputError):
    """A scenario file is missing, unreadable or not well-formed (YAML / JSON / GraphML syntax)."""


class InvalidNetworkError(InputError):
    """A network breaks the scenario schema or a structural rule (unknown node, supply cycle, ...)."""


class InvalidDemandError(InvalidNetworkError):
    """A demand specification is unknown or has invalid parameters."""


class InvalidContractError(InputError):
    """Contract terms that are not numbers, negative, out of range, or below cost."""


class SolverError(NetinvError):
    """An optimization model could not be solved to a usable answer. CLI exit code 3."""

    exit_code = 3


class TrainingInterrupted(NetinvError):
    """Training stopped by Ctrl-C or SIGTERM; the finished epochs are kept for a resumed run. CLI exit code 130."""

    exit_code = 130


# Invisible and bidirectional formatting characters (Unicode category Cf): a message showing them raw could
# hide a character of an id or reorder the line on the terminal (U+202E right-to-left override)
_INVISIBLE = (0xAD, *range(0x600, 0x606), 0x61C, 0x6DD, 0x70F, 0x890, 0x891, 0x8E2, 0x180E, *range(0x200B, 0x2010),
              *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x2070), 0xFEFF,
              *range(0xFFF9, 0xFFFC), 0x110BD, 0x110CD, *range(0x13430, 0x13440), *range(0x1BCA0, 0x1BCA4),
              *range(0x1D173, 0x1D17B), 0xE0001, *range(0xE0020, 0xE0080))
# C0 and C1 control characters (tab kept), the Unicode line / paragraph separators, the invisible characters
# and lone surrogates (from a JSON "\ud800": no stream can encode them) -> their escapes
_ESCAPED = {
    code: chr(code).encode("unicode_escape", "backslashreplace").decode("ascii")
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *_INVISIBLE, *range(0xD800, 0xE000))
    if code != 0x09
}


LONGEST_WORD = 300
_LONG_WORD = re.compile(r"\S{" + str(LONGEST_WORD + 1) + ",}")


def _shorten(match: re.Match) -> str:
    word = match.group()
    return f"{word[:60]}...[{len(word)} characters]...{word[-20:]}"


def printable(text: str) -> str:
    """``text`` with every control, invisible or bidirectional formatting character and lone surrogate
    escaped (``\\n``, ``\\u202e``), and runs of more than :data:`LONGEST_WORD` characters without a space
    shortened: what an error line prints of a value the user gave."""
    return _LONG_WORD.sub(_shorten, str(text).translate(_ESCAPED))


def where(path: str | None, location: str | None, what: str) -> str:
    """Format ``<path>: <location>: <what>`` leaving out the parts that are unknown."""
    return ": ".join(part for part in (path, location, what) if part)

"""netinv's exception hierarchy.

Every error netinv raises on purpose derives from :class:`NetinvError`; the CLI turns one into a single
line ``error: <message>`` and a non-zero exit code. A message names the file, node, edge or field and
what is wrong with it.
"""

from __future__ import annotations


class NetinvError(Exception):
    """Base class of netinv's own errors. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class InputError(NetinvError):
    """Bad input: a file, an argument or a value the user gave. CLI exit code 2."""

    exit_code = 2


class ScenarioFileError(InputError):
    """A scenario file is missing, unreadable or not well-formed (YAML / JSON / GraphML syntax)."""


class InvalidNetworkError(InputError):
    """A network breaks the scenario schema or a structural rule (unknown node, supply cycle, ...)."""


class InvalidDemandError(InvalidNetworkError):
    """A demand specification is unknown or has invalid parameters."""


class SolverError(NetinvError):
    """An optimization model could not be solved to a usable answer. CLI exit code 3."""

    exit_code = 3


def where(path: str | None, location: str | None, what: str) -> str:
    """Format ``<path>: <location>: <what>`` leaving out the parts that are unknown."""
    return ": ".join(part for part in (path, location, what) if part)

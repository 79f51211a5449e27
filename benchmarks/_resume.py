"""Interrupting and resuming a benchmark: finished rows are kept on disk until the table is recorded.

A benchmark computes its table one unit at a time (a network size, a chain, a sample count). With
:class:`Finished`, each unit's result is written (atomically) to ``out/bench/NAME-KEY.json`` as soon as it
is measured (KEY a digest of the command's arguments; the folder is ``$NETINV_BENCH_STATE`` when set); Ctrl-C or SIGTERM stops the run (:func:`run`
turns SIGTERM into Ctrl-C and either into one line and exit code 130), and the same command run again
reads the finished units back instead of measuring them again, then measures the rest. Read-back rows
keep the timings of the run that measured them (the table says how many were read back). Once the table
is recorded the file is deleted, so that a later run of the same command measures everything anew.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from netinv.fileio import atomic_write_text

FOLDER = Path(os.environ.get("NETINV_BENCH_STATE") or Path(__file__).resolve().parents[1] / "out" / "bench")
_active: list[Finished] = []  # the Finished of this process, for the message on interruption


class Finished:
    """The units a benchmark finished, for the command ``argv`` (by default this process's arguments)."""

    def __init__(self, name: str, argv: list[str] | None = None, folder: Path = FOLDER):
        argv = list(sys.argv[1:] if argv is None else argv)
        key = hashlib.sha256(json.dumps([name, argv]).encode()).hexdigest()[:12]
        self.path = Path(folder) / f"{name}-{key}.json"
        self.identity = {"benchmark": name, "argv": argv}
        self.units: dict[str, object] = {}
        self.read_back = 0
        _active.append(self)
        if self.path.exists():
            try:
                found = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                found = {}
            if found.get("identity") == self.identity:
                self.units = found.get("units", {})

    def get(self, key: str, compute: Callable[..., object], *args):
        """The unit ``key``: read back when an earlier run of the same command finished it, else
        ``compute(*args)`` (a JSON-ready value), kept on disk at once."""
        if key in self.units:
            self.read_back += 1
            return self.units[key]
        value = compute(*args)
        self.units[key] = json.loads(json.dumps(value))  # what a resumed run will read back
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps({"identity": self.identity, "units": self.units}, indent=1) + "\n")
        return self.units[key]

    def note(self) -> str:
        """A sentence for the table's notes when units were read back, else ''."""
        if not self.read_back:
            return ""
        return (f"Resumed run: {self.read_back} unit(s) were read back from an interrupted run of the same command "
                "(their timings were measured then).")

    def done(self) -> None:
        """The table is recorded: forget the units."""
        self.path.unlink(missing_ok=True)


def run(main: Callable[[], None]) -> None:
    """Run a benchmark's ``main``: Ctrl-C or SIGTERM prints where the finished units are and exits 130."""

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        main()
    except KeyboardInterrupt:
        where = "".join(f"{len(kept.units)} finished unit(s) kept in {kept.path}; " for kept in _active)
        print(f"interrupted: {where}run the same command again to resume", file=sys.stderr)
        sys.exit(130)

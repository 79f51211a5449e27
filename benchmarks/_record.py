"""Shared by the benchmarks: the machine's description and appending a table to RESULTS.md."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"{platform.system()} {platform.release()}")


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def record(title: str, command: str, text: str, notes: str = "") -> None:
    """Print ``text`` and append it to RESULTS.md under a dated heading."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"\n## {title} ({stamp})\n\nMachine: {machine()}  \nCommand: `{command}`\n\n{text}\n"
    if notes:
        block += f"\n{notes}\n"
    print(block)
    if os.environ.get("NETINV_BENCH_NO_RECORD") != "1":
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(block)


def record_or_print(title: str, script: str, text: str, notes: str, *, print_only: bool) -> None:
    """With ``print_only`` (a trial run): print ``text`` and ``notes``; otherwise :func:`record` them under
    ``title`` with the command that ran, ``python <script> <its arguments>``."""
    if print_only:
        print(text + "\n\n" + notes)
    else:
        record(title, f"python {script}" + "".join(f" {a}" for a in sys.argv[1:]), text, notes)

"""What the tests of the command line share: running ``netinv ARGS`` in-process."""

from __future__ import annotations

import sys

from netinv.cli import main


def run(args, monkeypatch, capsys) -> tuple[int, str, str]:
    """``netinv ARGS`` in-process, as the console script runs it: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["netinv", *map(str, args)])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err

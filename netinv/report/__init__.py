"""Tables and pictures for planners (matplotlib, drawn off-screen)."""

from __future__ import annotations

from pathlib import Path

from netinv.fileio import atomic_write_bytes, check_output


def check_png(path: str | Path) -> Path:
    """``path`` as a Path, or a one-line error when it is not a .png file name."""
    return check_output(path, (".png",), "the picture is written as PNG")


def save_png(fig, path: str | Path) -> Path:
    """Write a matplotlib figure to ``path`` atomically (:func:`netinv.fileio.atomic_write_bytes`) and
    close it; a failure is a one-line error and leaves nothing half-written."""
    from netinv.report.figures import png_bytes

    path = check_png(path)
    return atomic_write_bytes(path, png_bytes(fig))

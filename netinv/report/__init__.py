"""Tables and pictures for planners (matplotlib, drawn off-screen)."""

from __future__ import annotations

from pathlib import Path

from netinv.errors import InputError


def check_png(path: str | Path) -> Path:
    """``path`` as a Path, or a one-line error when it is not a .png file name."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise InputError(f"{path}: the picture is written as PNG; use a .png file name")
    return path


def save_png(fig, path: str | Path) -> Path:
    """Write a matplotlib figure to ``path`` atomically (a temporary file, then a rename) and close it;
    a failure is a one-line error and leaves nothing half-written."""
    import matplotlib.pyplot as plt

    path = check_png(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        fig.savefig(tmp, format="png")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return path

"""netinv.report (its __init__): the PNG name check and the atomic PNG writer other packages use."""

from __future__ import annotations

import pytest

from netinv.errors import InputError
from netinv.report import check_png, save_png
from netinv.report.figures import png_size


def test_check_png(tmp_path):
    assert check_png(tmp_path / "b.PNG").name == "b.PNG"
    with pytest.raises(InputError, match="cannot write: the folder .*absent does not exist"):
        check_png(tmp_path / "absent" / "b.png")  # refused before any work
    with pytest.raises(InputError, match=r"^b.jpg: the picture is written as PNG; use a .png file name$"):
        check_png("b.jpg")


def test_save_png_writes_the_figure_atomically_at_its_size(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots(figsize=(3, 2), dpi=50)
    number = fig.number
    path = save_png(fig, tmp_path / "f.png")
    assert png_size(path.read_bytes()) == (150, 100) and sorted(p.name for p in tmp_path.iterdir()) == ["f.png"]
    assert number not in plt.get_fignums()  # this figure is closed (another test's may still be open)

"""Shared fixtures: small networks built from scenario documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from netinv.network import document_to_graph

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def network(nodes, edges, name="test"):
    """A validated DiGraph from lists of node and edge mappings."""
    return document_to_graph({"name": name, "nodes": nodes, "edges": edges})


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS


@pytest.fixture()
def drawn(monkeypatch) -> list:
    """The matplotlib figures that the code under test closes, in order (closed all the same), so that a
    test can read what was drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = []
    close = plt.close

    def keep(fig=None):
        figures.append(fig)
        close(fig)

    monkeypatch.setattr(plt, "close", keep)
    return figures


def restore_sigint() -> None:
    """``preexec_fn`` of subprocesses that a test interrupts with SIGINT: a job started in the background
    inherits SIGINT ignored, where a user's terminal delivers it; with the default restored, Python in the
    child installs its KeyboardInterrupt handler as it does for a user."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)

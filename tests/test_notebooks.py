"""Every tutorial notebook runs top to bottom (CI executes them: a cell that raises fails the suite)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TUTORIALS = {"contracts", "planner_quickstart", "researcher_walkthrough",  # issue 8: these must exist (and run)
             "planner_network"}  # issue 21: a planner's own network


def test_tutorials_are_present():
    assert TUTORIALS <= {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors

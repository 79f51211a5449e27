"""netinv/cli/__init__.py: the entry point (help, imports, exit codes, the last guard against bugs)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli.conftest import run
from tests.conftest import SCENARIOS


def test_help_and_loading_do_not_import_torch():
    code = (
        "import sys; import netinv.cli; from netinv.network import load; "
        "from netinv.network.compile import compile_network; "
        f"compile_network(load({str(SCENARIOS / 'retail_network.yaml')!r})); "
        "bad = [m for m in ('torch', 'torch_geometric', 'pyomo', 'scipy.stats', 'statsmodels', 'matplotlib', 'highspy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    help_run = subprocess.run([sys.executable, "-m", "netinv.cli", "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0 and "simulate" in help_run.stdout


@pytest.mark.parametrize("args, command", [
    (["validate", SCENARIOS / "retail_network.yaml"], "validate"),
    (["contracts", "evaluate", "--demand", "normal:100,30", "--price", "10", "--cost", "3", "--contract",
      "wholesale:w=6"], "contracts evaluate"),
])
def test_a_bug_is_one_line_and_exit_70(args, command, monkeypatch, capsys):
    """An exception that is not one of netinv's own is a bug: one line naming it, no traceback, exit 70."""
    import netinv.contracts.cli
    import netinv.network.summary

    def broken(*_args, **_kwargs):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(netinv.network.summary, "summarize", broken)
    monkeypatch.setattr(netinv.contracts.cli, "evaluate_command", broken)
    code, out, err = run(args, monkeypatch, capsys)
    assert code == 70 and out == ""
    assert err == f"error: netinv {command}: bug: RuntimeError: something broke (please report this)\n"
    assert "Traceback" not in err


def test_netinv_errors_keep_their_exit_codes(monkeypatch, capsys):
    code, _, err = run(["validate", "no/such/file.yaml"], monkeypatch, capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ")


def test_help_lists_the_exit_codes(monkeypatch, capsys):
    code, out, _ = run(["--help"], monkeypatch, capsys)
    text = " ".join(out.split())
    assert code == 0
    for words in ("0 success", "2 bad input", "3 no usable solver answer", "70 a bug", "130 interrupted"):
        assert words in text

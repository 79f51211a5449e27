"""Finished simulation blocks kept on disk: saved, read back unchanged, and never mixed across runs."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.network import load
from netinv.network.compile import compile_network
from netinv.policies import InstallationBaseStock
from netinv.sim import SimConfig, simulate
from netinv.sim.checkpoint import BlockStore
from tests.conftest import SCENARIOS


def _case():
    arrays = compile_network(load(SCENARIOS / "clark_scarf_ss61.yaml"))
    levels = {arrays.node_ids[v]: 12.0 for v in arrays.edge_target}
    return arrays, InstallationBaseStock(levels), SimConfig(periods=15, paths=6, block_paths=2, seed=3)


def test_blocks_are_saved_and_a_second_run_reads_them_back(tmp_path):
    arrays, policy, config = _case()
    plain = simulate(arrays, policy, config)
    store = BlockStore(tmp_path / "run", {"case": "ss61"})
    first = simulate(arrays, policy, config, checkpoint=store)
    assert store.count() == 3  # 6 paths in blocks of 2
    part = store.load(1)
    assert part is not None and part.measured_periods == 15 and not part.interrupted
    assert store.load(7) is None
    again = simulate(arrays, policy, config, checkpoint=BlockStore(tmp_path / "run", {"case": "ss61"}))
    assert first.mean_cost == plain.mean_cost == again.mean_cost
    np.testing.assert_array_equal(first.ci95, again.ci95)


def test_a_folder_of_another_run_or_a_file_is_refused(tmp_path):
    BlockStore(tmp_path / "run", {"case": "ss61"})
    with pytest.raises(InputError, match="holds blocks of another simulation"):
        BlockStore(tmp_path / "run", {"case": "other"})
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="must be a folder"):
        BlockStore(tmp_path / "file", {})


def test_an_unreadable_block_names_the_file(tmp_path):
    store = BlockStore(tmp_path, {"case": 1})
    (tmp_path / "block-000000.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="unreadable simulation block"):
        store.load(0)


def test_blocks_without_an_identity_are_never_resumed(tmp_path):
    """Blocks whose run is unknown (identity.json deleted, or an older netinv's) are refused, not mixed in."""
    arrays, policy, config = _case()
    simulate(arrays, policy, config, checkpoint=BlockStore(tmp_path / "run", {"seed": 3}))
    (tmp_path / "run" / "identity.json").unlink()
    with pytest.raises(InputError, match="holds simulation blocks but no identity.json"):
        BlockStore(tmp_path / "run", {"seed": 3})
    with pytest.raises(InputError, match="holds blocks of another simulation"):  # two seeds, one folder
        BlockStore(tmp_path / "other", {"seed": 3}) and BlockStore(tmp_path / "other", {"seed": 4})

"""Finished blocks of a simulation kept on disk, so that an interrupted run resumes where it stopped.

The simulator runs paths in independent blocks whose demand depends only on (seed, block index), and
policies are pure functions of the state: a block's sums are the same whether it ran in the first
attempt or the second. :class:`BlockStore` keeps each complete block as ``block-K.npz`` (arrays only,
read back with ``allow_pickle=False``) in a folder whose ``identity.json`` names the run (the caller's
key: scenario, policy, configuration); a folder of another run is refused rather than mixed in.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from netinv.errors import InputError
from netinv.fileio import atomic_write_bytes, create_exclusive, make_folder
from netinv.sim.kpis import BlockSums


class BlockStore:
    """Complete blocks of the run ``identity`` (a JSON-ready dict) in ``folder``."""

    def __init__(self, folder: str | Path, identity: dict):
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(f"{self.folder}: --checkpoint must be a folder")
        make_folder(self.folder)
        marker = self.folder / "identity.json"
        identity = json.loads(json.dumps(identity, sort_keys=True, default=str))
        if not marker.exists() and self.count():
            raise InputError(f"{self.folder}: holds simulation blocks but no identity.json (another run's, or "
                             "an older netinv's); use another --checkpoint folder or delete the blocks")
        text = json.dumps(identity, sort_keys=True, indent=1) + "\n"
        if create_exclusive(marker, text.encode("utf-8")):
            return  # a new run; a second run started at the same time finds this identity and compares
        try:
            found = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found = None
        if found != identity:
            raise InputError(f"{self.folder}: holds blocks of another simulation (different scenario, policy, seed "
                             "or options); use another --checkpoint folder")

    def _path(self, k: int) -> Path:
        return self.folder / f"block-{k:06d}.npz"

    def load(self, k: int) -> BlockSums | None:
        path = self._path(k)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                sums = {key[5:]: data[key] for key in data.files if key.startswith("sums/")}
                return BlockSums(measured_periods=int(data["measured_periods"]), sums=sums,
                                 order_sq=data["order_sq"], demand_total=data["demand_total"],
                                 demand_sq=data["demand_sq"], interrupted=False, trace=None)
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"{path}: unreadable simulation block ({exc}); delete it to recompute") from None

    def save(self, k: int, part: BlockSums) -> None:
        arrays = {f"sums/{key}": value for key, value in part.sums.items()}
        buffer = io.BytesIO()
        np.savez(buffer, measured_periods=np.int64(part.measured_periods), order_sq=part.order_sq,
                 demand_total=part.demand_total, demand_sq=part.demand_sq, **arrays)
        atomic_write_bytes(self._path(k), buffer.getvalue())

    def count(self) -> int:
        return len(list(self.folder.glob("block-*.npz")))

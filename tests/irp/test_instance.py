"""The DIMACS IRP reader: the fields of a shipped instance, the rounding of distances, one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netinv.irp.instance import IrpFormatError, parse_dat, read_dat

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "irp"

TINY = """3\t2\t50\t1
0\t0.0\t0.0\t100\t20\t0.03
1\t10.0\t10.0\t5\t30\t0\t10\t0.02
2\t11.0\t11.0\t8\t40\t2\t12\t0.05
"""


def test_fields_of_a_shipped_instance_in_the_loader_order():
    inst = read_dat(SCENARIOS / "S_abs1n5_2_L3.dat")
    assert (inst.customers, inst.horizon, inst.capacity, inst.vehicles) == (5, 3, 144, 2)
    assert inst.start_stock.tolist() == [510, 130, 70, 58, 48, 11]  # B0, then each I0 (4th field)
    assert inst.max_level[1:].tolist() == [195, 105, 116, 72, 22]  # 5th field
    assert inst.min_level[1:].tolist() == [0] * 5
    assert inst.consumption[1:].tolist() == [65, 35, 58, 24, 11]
    assert inst.production == 193 == inst.consumption.sum()
    assert inst.holding_cost.tolist() == [0.03, 0.02, 0.03, 0.03, 0.02, 0.02]
    assert inst.coordinates[0].tolist() == [154.0, 417.0]


def test_distance_is_euclidean_rounded_to_the_nearest_integer():
    inst = parse_dat(TINY)
    d = inst.distance
    assert d[0, 1] == 14  # 14.142 (the DIMACS validator's 14.14 -> 14)
    assert d[0, 2] == 16  # 15.556 (15.56 -> 16)
    assert d[1, 2] == 1 and d[2, 1] == 1 and np.all(np.diag(d) == 0)
    assert (inst.min_level[2], inst.start_stock[2], inst.max_level[2]) == (2, 8, 40)


@pytest.mark.parametrize("text, expected", [
    ("", "line 1: header field n+1: missing"),
    ("3 2 50\n", "line 1: header field K: missing"),
    ("3 2 fifty 1\n", "line 1: header field Q: 'fifty' is not a number"),
    ("3 2.5 50 1\n", "line 1: header field H: must be an integer, got '2.5'"),
    ("1 2 50 1\n", "header field n+1: must be >= 2, got 1"),
    (TINY.replace("1\t10.0\t10.0\t5\t30\t0\t10\t0.02\n", ""), "line 3: customer 2 field id: missing (the file ends early)"),
    (TINY + "7\n", "line 5: unexpected token '7' after the last customer"),
    (TINY.replace("2\t11.0", "5\t11.0"), "node 2: id must be 2"),
    (TINY.replace("\t0.02\n", "\t-0.02\n"), "customer 1: holding_cost must be >= 0, got -0.02"),
    (TINY.replace("\t5\t30\t0", "\t5\t30\t31"), "customer 1: min_level 31 exceeds max_level 30"),
    (TINY.replace("\t8\t40\t2", "\t1\t40\t2"), "customer 2: start_stock 1 is below min_level 2"),
    (TINY.replace("0.0\t0.0\t100", "0.0\tnan\t100"), "line 2: supplier field y: 'nan' is not a finite number"),
    (TINY.replace("\t10\t0.02", "\t10.5\t0.02"), "line 3: customer 1 field consumption: must be an integer"),
])
def test_a_malformed_file_is_one_line_naming_line_and_field(text, expected):
    with pytest.raises(IrpFormatError) as info:
        parse_dat(text, source="bad.dat")
    message = str(info.value)
    assert message.startswith("bad.dat") and expected in message and "\n" not in message


def test_a_missing_or_binary_file_is_a_one_line_error(tmp_path):
    with pytest.raises(IrpFormatError, match="absent.dat: file not found"):
        read_dat(tmp_path / "absent.dat")
    binary = tmp_path / "binary.dat"
    binary.write_bytes(b"\xff\xfe3 2")
    with pytest.raises(IrpFormatError, match="binary.dat: line 1, byte 0: not UTF-8 text"):
        read_dat(binary)
    with pytest.raises(IrpFormatError, match="is a directory, not a DIMACS instance file"):
        read_dat(tmp_path)  # a folder (a FIFO or /dev/zero likewise: never read)
    huge = tmp_path / "huge.dat"
    huge.write_text("1000000000 3 10 1\n")
    with pytest.raises(IrpFormatError, match=r"huge.dat: .*header field n\+1: at most 1001 \(netinv's limit\)"):
        read_dat(huge)

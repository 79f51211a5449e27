"""History in and the data-quality report: injected anomalies are found with their dates, a clean
history gives no finding, bad files give one-line errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.history.aggregate import aggregate
from netinv.history.quality import QualityConfig, check_history
from netinv.history.records import RawHistory, Record, read_history, write_history
from tests.history.synthetic import START, clean_kinds_history, clean_network_history, daily_rows

DATA = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "history"


def day(k: int) -> dt.date:
    return START + dt.timedelta(days=k)


def test_clean_history_has_no_findings(tmp_path):
    """Eight clean two-year daily histories of four stores (normal, Poisson, gamma, weekly-seasonal
    Poisson): no finding at all (outlier false alarms are held at 0.1% per history)."""
    for seed in range(8):
        series = clean_network_history(seed)
        raw = read_history(write_history(tmp_path / f"h{seed}.csv", daily_rows(series)))
        report = check_history(raw, network_nodes=[*series, "dc"], demand_nodes=list(series))
        assert report.findings == [], [str(f) for f in report.findings]
        assert report.step_days == 1
        assert report.seasonal["store_d"] == 7 and report.seasonal["store_b"] is None
    report = check_history(read_history(write_history(tmp_path / "h.csv", daily_rows(clean_network_history(0)))))
    assert report.findings == [] and report.cleaning == [] and report.ok


def clean_findings(seeds, days: int) -> list[str]:
    findings = []
    for seed in seeds:
        series = clean_kinds_history(seed, days)
        raw = RawHistory(f"clean-{seed}", tuple(Record(k, date, node, f"{q:g}")
                                                for k, (date, node, q) in enumerate(daily_rows(series), start=2)))
        findings += [f"seed {seed}: {f}" for f in check_history(raw).findings]
    return findings


def test_no_false_alarm_on_fifty_clean_histories():
    """50 clean one-year histories of five stores each (Poisson, negative binomial, normal, seasonal,
    trending; parameters drawn per seed): not one finding. The outlier test holds the chance of a
    false alarm at alpha = 0.1% per history (Sidak over nodes and records): about 0.05 expected here."""
    assert QualityConfig().outlier_alpha == 0.001
    assert clean_findings(range(50), 365) == []


@pytest.mark.slow
def test_no_false_alarm_on_two_hundred_clean_two_year_histories():
    assert clean_findings(range(1000, 1200), 730) == []


def test_the_family_wise_level_is_shared_by_the_nodes():
    """The per-record level of one node falls as nodes are added, so that the history's level stays."""
    from netinv.history.quality import sidak

    assert sidak(0.001, 1) == pytest.approx(0.001)
    assert 1 - (1 - sidak(0.001, 5)) ** 5 == pytest.approx(0.001)
    assert sidak(0.001, 2 * 730) == pytest.approx(0.001 / 1460, rel=1e-3)  # about Bonferroni's alpha / 2n


def test_injected_anomalies_are_all_reported_with_their_dates(tmp_path):
    series = clean_network_history(seed=3)
    rows = daily_rows(series)
    gap = {day(k) for k in range(100, 105)}
    rows = [r for r in rows if not (r[1] == "store_b" and r[0] in gap)]  # a 5-day gap
    spike_row = next(k for k, r in enumerate(rows) if r[0] == day(200) and r[1] == "store_a")
    rows[spike_row] = (day(200), "store_a", 400.0)  # a promotion spike
    neg_row = next(k for k, r in enumerate(rows) if r[0] == day(300) and r[1] == "store_c")
    rows[neg_row] = (day(300), "store_c", -5.0)
    text_row = next(k for k, r in enumerate(rows) if r[0] == day(310) and r[1] == "store_c")
    rows[text_row] = (day(310), "store_c", "n/a")
    dup = next(r for r in rows if r[0] == day(50) and r[1] == "store_d")
    rows.append(dup)  # an identical copy
    rows.append((day(60), "store_a", 17.0))  # a second, different record for one date
    low_row = next(k for k, r in enumerate(rows) if r[0] == day(404) and r[1] == "store_d")
    rows[low_row] = (day(404), "store_d", 0.0)  # a Saturday with nothing sold
    assert day(404).weekday() == 5
    raw = read_history(write_history(tmp_path / "h.csv", rows))
    report = check_history(raw, network_nodes=list(series), demand_nodes=list(series))
    found = {(f.kind, f.node, f.dates) for f in report.findings}
    expected = {
        ("missing", "store_b", tuple(sorted(gap))),
        ("outlier", "store_a", (day(200),)),
        ("negative", "store_c", (day(300),)),
        ("non_numeric", "store_c", (day(310),)),
        ("duplicate", "store_d", (day(50),)),
        ("multiple_records", "store_a", (day(60),)),
        ("outlier", "store_d", (day(404),)),
        ("missing", "store_c", (day(300),)),  # the rows left out leave holes in the grid
        ("missing", "store_c", (day(310),)),
    }
    assert found == expected, sorted(found ^ expected)
    spike = next(f for f in report.findings if f.kind == "outlier" and f.node == "store_a")
    assert "400" in spike.message and "unusually high" in spike.message and "alpha/2n" in spike.message
    assert len(report.cleaning) == 6  # non-numeric, negative, duplicates, repeated, missing, outliers
    assert np.isnan(report.series["store_a"].values[200])  # the spike is left out of the fit
    assert report.series["store_d"].values[50] == dup[2]  # one copy kept
    strict = report.to_dict()
    assert strict["counts"]["outlier"] == 2 and strict["ok"] is False
    with pytest.raises(InputError) as err:
        report.raise_if_findings()
    assert "\n" not in str(err.value) and "and 8 more findings" in str(err.value)


def test_unknown_nodes_both_ways(tmp_path):
    rows = daily_rows({"store_a": np.full(30, 5.0), "ghost": np.full(30, 3.0), "dc": np.full(30, 1.0)})
    raw = read_history(write_history(tmp_path / "h.csv", rows))
    report = check_history(raw, network_nodes=["store_a", "store_b", "dc"], demand_nodes=["store_a", "store_b"])
    kinds = {(f.kind, f.node) for f in report.findings}
    assert kinds == {("unknown_node", "ghost"), ("no_history", "store_b"), ("not_a_demand_node", "dc")}
    ghost = next(f for f in report.findings if f.node == "ghost")
    assert ghost.dates[0] == START and ghost.dates[-1] == day(29)
    assert set(report.series) == {"store_a"}


def test_outliers_can_be_kept(tmp_path):
    values = np.full(60, 10.0) + np.arange(60) % 3
    values[20] = 90
    raw = read_history(write_history(tmp_path / "h.csv", daily_rows({"s": values})))
    report = check_history(raw, config=QualityConfig(outliers="keep"))
    assert [f.kind for f in report.findings] == ["outlier"]
    assert report.series["s"].values[20] == 90


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,store,qty\n2024-01-01,a,1\n", "line 1: header must be 'date,node,quantity', got 'day,store,qty'"),
        ("date,node,quantity\n2024-13-01,a,1\n", "line 2: date: cannot read '2024-13-01' as a date"),
        ("date,node,quantity\n01/02/2024,a,1\n", "line 2: date: cannot read '01/02/2024'"),
        ("date,node,quantity\n2024-01-01,a\n", "line 2: expected 3 fields (date,node,quantity), got 2"),
        ("date,node,quantity\n2024-01-01,,4\n", "line 2: node: empty node id"),
        ("date,node,quantity\n", "no data rows"),
        ("", "empty file"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_history(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_history(tmp_path / "nope.csv")


def test_weekly_grid_and_aggregation(tmp_path):
    rows = [(day(7 * k), "s", 10.0 + k) for k in range(20) if k != 5]
    report = check_history(read_history(write_history(tmp_path / "h.csv", rows)))
    assert report.step_days == 7
    assert [(f.kind, f.dates) for f in report.findings] == [("missing", (day(35),))]
    four_weeks = aggregate(report.series["s"], 28)
    assert four_weeks.values.size == 5
    assert four_weeks.values[0] == 10 + 11 + 12 + 13
    assert four_weeks.values[1] == pytest.approx((14 + 16 + 17) * 4 / 3)  # pro rata over the gap
    assert four_weeks.scaled == 1
    with pytest.raises(InputError, match="one record every 7 day"):
        aggregate(report.series["s"], 10)


def test_daily_to_weekly_sums(tmp_path):
    values = np.arange(30, dtype=float)
    report = check_history(read_history(write_history(tmp_path / "h.csv", daily_rows({"s": values}))),
                           config=QualityConfig(outliers="keep"))
    weeks = aggregate(report.series["s"], 7)
    assert weeks.values.tolist() == [values[7 * k:7 * k + 7].sum() for k in range(4)]  # day 28-29 left out

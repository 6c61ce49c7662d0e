"""monitor_source: the monitor of the scale engine equals monitor(read_log(...)), exactly.

Each log is written to Parquet, read back by read_log and monitored in pandas
(:func:`analysis.monitor.monitor`, no journey), and monitored on the scale
engine in one partition and in three hash buckets of cases. The table, the
movers (their bootstrap too), the per-case table and the notes are identical:
lead times are the same integer nanoseconds divided once into minutes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.logs import read_log
from analysis.monitor import NO_AGENCY, NO_CHARTER, NO_VISITS, monitor
from analysis.queues import NO_PRESENCE, NO_START
from analysis.scale.monitor import monitor_source
from analysis.schema import LogError

#: Logs of the conftest (name -> the centre column) and the settings each is monitored with.
CASES = [
    ("tiny", "centre", {"every": "week", "min_cases": 1}),
    ("edge", "centre", {"min_cases": 1, "tz": "Asia/Vientiane"}),
    ("bare", "channel", {"min_cases": 1}),
    ("bare", None, {"every": "quarter", "min_cases": 1}),
    ("example", "centre", {"min_cases": 5}),
    ("receipt.csv", "case:channel", {"every": "week"}),
    ("helpdesk.xes.gz", "support_section", {"every": "quarter", "tz": "Europe/Rome"}),
    ("running-example.csv", "Costs", {"min_cases": 1}),
]


def assert_same_monitor(got, want) -> None:
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    pd.testing.assert_frame_equal(got.movers, want.movers, check_exact=True)
    pd.testing.assert_frame_equal(got.cases, want.cases, check_exact=True)
    assert got.notes == want.notes and list(got.notes) == list(want.notes)
    for attr in ("by", "every", "min_cases", "sla_minutes", "tz", "calendar"):
        assert getattr(got, attr) == getattr(want, attr), attr


def _pandas(path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return monitor(read_log(path), n_boot=200, **options)


@pytest.mark.parametrize(("name", "by", "options"), CASES)
def test_the_scale_monitor_equals_the_pandas_one(name, by, options, logs):
    _, path = logs(name)
    want = _pandas(path, by=by, **options)
    for parts in (None, 3):
        got = monitor_source(path, by=by, n_boot=200, parts=parts, **options)
        assert_same_monitor(got, want)
    assert len(want.table) > 0 and want.table["cases"].sum() >= len(want.cases)


@pytest.fixture(scope="module")
def one_door(tmp_path_factory):
    """A simulated log with presence, doors and arrivals: visits and desk queues recorded."""
    from journeys import load_catalog
    from simulations.engine import simulate

    log = read_log(simulate(load_catalog("land-title-one-door"), days=20, seed=3).log)
    path = tmp_path_factory.mktemp("one_door") / "log.parquet"
    log.to_parquet(path)
    return path


def test_visits_and_desk_queues_are_measured_as_in_pandas(one_door):
    want = _pandas(one_door, by="odsc:door", every="week", sla_minutes=10, min_cases=3)
    got = monitor_source(one_door, by="odsc:door", every="week", sla_minutes=10, min_cases=3,
                         n_boot=200, parts=4)  # fmt: skip
    assert_same_monitor(got, want)
    t = got.table
    assert t["visits_mean"].notna().all() and t["queue_waits"].sum() > 0
    assert 0 <= t["queue_within_sla"].min() < t["queue_within_sla"].max() <= 1
    assert "visits_mean" not in got.notes and "queue_within_sla" not in got.notes


def test_what_the_log_does_not_hold_is_not_recorded_with_its_reason(logs):
    _, path = logs("bare")  # completions only, no presence
    m = monitor_source(path, by="channel", min_cases=1, n_boot=50)
    assert m.notes["visits_mean"] == NO_VISITS
    assert m.notes["queue_within_sla"] == "queue standard not checked: " + NO_START
    assert m.notes["within_charter_time"] == m.notes["within_charter_fee"] == NO_CHARTER
    assert m.table["visits_mean"].isna().all() and m.table["queue_within_sla"].isna().all()
    assert (m.table["queue_waits"] == 0).all()
    _, tiny = logs("tiny")  # starts but no presence
    assert monitor_source(tiny, min_cases=1).notes["queue_within_sla"].endswith(NO_PRESENCE)


def test_a_log_naming_no_agency_has_no_handoffs(tmp_path):
    t = pd.to_datetime(["2024-01-02 08:00", "2024-01-02 09:00", "2024-01-03 08:00"], utc=True)
    pd.DataFrame({"case:concept:name": ["a", "a", "b"], "concept:name": ["x", "y", "x"],
                  "time:timestamp": t}).to_parquet(tmp_path / "log.parquet")  # fmt: skip
    m = monitor_source(tmp_path, min_cases=1)
    assert m.notes["handoffs_mean"] == NO_AGENCY
    assert np.isnan(m.table["handoffs_mean"]).all()
    assert m.table[["cases", "lead_median_minutes"]].values.tolist() == [[2, 30.0]]


def test_bad_inputs_are_one_line_each(logs, tmp_path):
    _, path = logs("tiny")
    with pytest.raises(LogError, match=r"^tiny\.parquet: --by: the log has no column "
                                        r"'centr'; did you mean 'centre'\?$"):  # fmt: skip
        monitor_source(path, by="centr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandas_log = read_log(path)
    from analysis.monitor import nearest_column

    with pytest.raises(LogError) as got:
        monitor_source(path, by="district")
    assert str(got.value) == "tiny.parquet: " + nearest_column("district", pandas_log)
    with pytest.raises(LogError, match="--every: unknown period 'day'"):
        monitor_source(path, every="day")
    with pytest.raises(LogError, match="--min-cases must be >= 1, got 0"):
        monitor_source(path, min_cases=0)
    with pytest.raises(LogError, match="not a known IANA time zone"):
        monitor_source(path, tz="Mars/Olympus")
    with pytest.raises(LogError, match="no such file or folder"):
        monitor_source(tmp_path / "missing")
    empty = tmp_path / "empty.parquet"
    pd.read_parquet(path).iloc[:0].to_parquet(empty)
    with pytest.raises(LogError, match=r"^empty\.parquet: the log has no events$"):
        monitor_source(empty)

"""Monitoring per centre and period: exact values on tiny logs, a known trend recovered."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.charter import charter_cases, working_days, worst_breaches
from analysis.logs import read_log
from analysis.monitor import ALL_CENTRES, bootstrap_median_change, monitor
from analysis.schema import LogError
from journeys.charter import Charter
from journeys.model import Calendar, Distribution, Journey, Step, Transition

ROOT = Path(__file__).resolve().parents[2]


def _examples():
    spec = importlib.util.spec_from_file_location("mel", ROOT / "examples" / "make_example_log.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def t(*v):
    return pd.to_datetime(list(v), utc=True)


def _log(rows):
    """rows: (case, activity, start, end, centre, present)."""
    df = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "start_timestamp",
                                     "time:timestamp", "centre", "odsc:citizen_present"])  # fmt: skip
    df["start_timestamp"] = pd.to_datetime(df["start_timestamp"], utc=True)
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], utc=True)
    df["org:group"] = "front"
    return df


TINY = _log(
    [
        # centre X, January: leads 60 and 180 min; one queue of 10 min, one of 30 min
        ("a", "apply", "2024-01-02 08:00", "2024-01-02 08:20", "X", True),
        ("a", "pay", "2024-01-02 08:30", "2024-01-02 09:00", "X", True),
        ("b", "apply", "2024-01-03 08:00", "2024-01-03 08:30", "X", True),
        ("b", "pay", "2024-01-03 09:00", "2024-01-03 11:00", "X", True),
        # centre Y, January: one case, two visits (two days)
        ("c", "apply", "2024-01-04 08:00", "2024-01-04 08:10", "Y", True),
        ("c", "pay", "2024-01-05 08:00", "2024-01-05 08:10", "Y", True),
        # centre X, February: one case
        ("d", "apply", "2024-02-05 08:00", "2024-02-05 08:30", "X", True),
        ("d", "pay", "2024-02-05 08:35", "2024-02-05 09:00", "X", True),
    ]
)


def test_tidy_table_exact_values():
    m = monitor(TINY, by="centre", min_cases=2)
    t_ = m.table.set_index(["level", "centre", "period"])
    x_jan = t_.loc[("centre", "X", "2024-01")]
    assert x_jan["cases"] == 2 and not x_jan["few_cases"]
    assert x_jan["lead_median_minutes"] == 120.0
    assert x_jan["lead_p90_minutes"] == pytest.approx(60 + 0.9 * 120)
    assert x_jan["visits_mean"] == 1.0
    assert x_jan["queue_waits"] == 2 and x_jan["queue_within_sla"] == 0.5
    y_jan = t_.loc[("centre", "Y", "2024-01")]
    assert y_jan["few_cases"] and y_jan["visits_mean"] == 2.0
    assert math.isnan(y_jan["queue_within_sla"])  # its only wait opens a new visit: no queue
    national = t_.loc[("all", ALL_CENTRES, "2024-01")]
    assert national["cases"] == 3 and national["lead_median_minutes"] == 180.0
    assert national["queue_waits"] == 2
    assert set(m.notes) == {"within_charter_time", "within_charter_fee"}
    assert math.isnan(x_jan["within_charter_time"])


def test_centre_of_a_case_is_that_of_its_first_event_and_missing_is_named():
    log = TINY.copy()
    log.loc[1, "centre"] = "Y"  # case a moves desk: still counted at X
    log.loc[[4, 5], "centre"] = None
    m = monitor(log, by="centre", min_cases=1)
    assert m.cases.loc["a", "centre"] == "X"
    assert m.cases.loc["c", "centre"] == "(centre not recorded)"


def test_weeks_and_quarters_and_tz():
    m = monitor(TINY, by="centre", every="week", min_cases=1)
    assert "week of 2024-01-01" in set(m.table["period"])
    q = monitor(TINY, by="centre", every="quarter", min_cases=1)
    assert set(q.table["period"]) == {"2024Q1"}
    late = TINY.copy()
    late["time:timestamp"] = late["time:timestamp"] + pd.Timedelta(hours=20)
    late["start_timestamp"] = late["start_timestamp"] + pd.Timedelta(hours=20)
    # 2024-01-31 20:00 UTC is already February in Vientiane (UTC+7)
    one = late[late["case:concept:name"] == "d"].copy()
    one["start_timestamp"] = t("2024-01-31 20:00", "2024-01-31 21:00")
    one["time:timestamp"] = t("2024-01-31 20:30", "2024-01-31 21:30")
    assert set(monitor(one, by="centre", min_cases=1).table["period"]) == {"2024-01"}
    local = monitor(one, by="centre", min_cases=1, tz="Asia/Vientiane")
    assert set(local.table["period"]) == {"2024-02"}


def test_without_presence_visits_and_queue_are_not_recorded_with_reasons():
    log = TINY.drop(columns=["odsc:citizen_present"])
    m = monitor(log, by="centre", min_cases=1)
    assert m.table["visits_mean"].isna().all() and m.table["queue_within_sla"].isna().all()
    assert "visits are not recorded" in m.notes["visits_mean"]
    assert "in person" in m.notes["queue_within_sla"]


def test_bad_by_names_the_nearest_and_bad_options_refused():
    with pytest.raises(
        LogError, match=r"--by: the log has no column 'centr'; did you mean 'centre'\?"
    ):
        monitor(TINY, by="centr")
    with pytest.raises(LogError, match="--every: unknown period 'year'"):
        monitor(TINY, by="centre", every="year")
    with pytest.raises(LogError, match="--min-cases must be >= 1"):
        monitor(TINY, by="centre", min_cases=0)


def test_bootstrap_is_seeded_and_covers_a_known_shift_about_95_in_100_times():
    rng = np.random.default_rng(5)
    a, b = rng.exponential(100, 400), rng.exponential(100, 400) + 50
    one = bootstrap_median_change(a, b, seed=3, n_boot=300)
    assert one == bootstrap_median_change(a, b, seed=3, n_boot=300)
    covered = 0
    for k in range(60):  # the true shift of the medians is 50
        a, b = rng.exponential(100, 300), rng.exponential(100, 300) + 50
        _, lo, hi = bootstrap_median_change(a, b, seed=k, n_boot=300)
        covered += lo < 50 < hi
    assert 51 <= covered <= 60  # 95% nominal: 57 expected, below 51 has chance < 1%


def test_movers_recover_a_known_trend():
    mel = _examples()
    raw = mel.make_log(cases=900, seed=3, days=182,
                       drift={"Sikhottabong": -0.12, "Hadxayfong": 0.08})  # fmt: skip
    m = monitor(read_log(raw), by="centre", seed=1, n_boot=500)
    verdict = m.movers.set_index("centre")["direction"].to_dict()
    assert verdict == {"Sikhottabong": "faster", "Hadxayfong": "slower",
                       "Xaythany": "no clear change"}  # fmt: skip
    assert m.movers["centre"].iloc[0] == "Sikhottabong"  # the largest change first
    again = monitor(read_log(raw), by="centre", seed=1, n_boot=500)
    pd.testing.assert_frame_equal(m.movers, again.movers)
    # the last period has few cases: marked, and never an end point of the movers
    few = m.table[m.table["few_cases"]]["period"].unique().tolist()
    assert few and not set(few) & set(m.movers["to_period"])


def _journey(**charter):
    steps = (Step("apply", "a", Distribution.fixed(5), fee=10),
             Step("issue", "a", Distribution.fixed(5), fee=5))  # fmt: skip
    return Journey("s", "S", "apply", steps, (Transition("apply", "issue"),),
                   charter=Charter(**charter))  # fmt: skip


def test_working_days_exact():
    a = t("2024-03-01 09:00", "2024-03-04 09:00", "2024-03-08 15:00")
    b = t("2024-03-04 10:00", "2024-03-04 16:00", "2024-03-18 08:00")
    assert working_days(a, b).tolist() == [1.0, 0.0, 6.0]
    assert working_days(a, b, holidays=("2024-03-11",)).tolist() == [1.0, 0.0, 5.0]
    assert working_days(a, b, weekdays=("sat",)).tolist() == [1.0, 0.0, 2.0]


def test_charter_cases_time_fee_open_and_breaches():
    log = pd.DataFrame({
        "case:concept:name": ["ok", "ok", "late", "late", "late", "open", "open-late", "x"],
        "concept:name": ["apply", "issue", "apply", "apply", "issue", "apply", "apply", "other"],
        "time:timestamp": t("2024-03-04 09:00", "2024-03-05 09:00",    # 1 working day
                            "2024-03-04 09:00", "2024-03-06 09:00", "2024-03-11 09:00",  # 5
                            "2024-03-04 09:00",                        # open, 0 days so far
                            "2024-03-01 09:00",                        # open, 1 event only
                            "2024-03-04 09:00"),
    })  # fmt: skip
    log = pd.concat([log, pd.DataFrame({"case:concept:name": ["open-late"],
        "concept:name": ["apply"], "time:timestamp": t("2024-03-15 09:00")})])  # fmt: skip
    j = _journey(days=3, fee=15)
    c = charter_cases(log, j)
    assert c.loc["ok", ["working_days", "within_time", "fees", "within_fee"]].tolist() == [
        1.0, 1.0, 15.0, 1.0]  # fmt: skip
    assert c.loc["late", ["working_days", "within_time", "days_over", "fees", "within_fee"]
                 ].tolist() == [5.0, 0.0, 2.0, 25.0, 0.0]  # fmt: skip
    assert math.isnan(c.loc["open", "within_time"]) and not c.loc["open", "finished"]
    assert c.loc["open-late", "within_time"] == 0.0  # 10 working days and still open: a breach
    assert math.isnan(c.loc["x", "fees"]) and math.isnan(c.loc["x", "within_fee"])
    assert worst_breaches(c).index.tolist() == ["open-late", "late"]
    no_fee = charter_cases(log, _journey(days=3))
    assert no_fee["within_fee"].isna().all() and no_fee.loc["ok", "fees"] == 15.0


def test_charter_uses_the_journeys_holidays():
    j = _journey(days=1, calendar="office")
    j = j.replace(calendars=(Calendar("office", holidays=("2024-03-05",)),))
    log = pd.DataFrame(
        {
            "case:concept:name": ["c", "c"],
            "concept:name": ["apply", "issue"],
            "time:timestamp": t("2024-03-04 09:00", "2024-03-06 09:00"),
        }
    )
    c = charter_cases(log, j)
    assert c.loc["c", "working_days"] == 1.0 and c.loc["c", "within_time"] == 1.0
    assert "calendar 'office'" in c.attrs["calendar"]


def test_latest_periods_that_may_miss_slow_cases_are_incomplete_and_not_movers():
    rows = []
    for k, day in enumerate(["2024-01-05", "2024-01-10", "2024-02-05", "2024-02-10",
                             "2024-03-01", "2024-03-04"]):  # fmt: skip
        begin = pd.Timestamp(day, tz="UTC")
        rows += [(f"c{k}", "apply", begin), (f"c{k}", "issue", begin + pd.Timedelta(days=10))]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    log["centre"] = "X"
    m = monitor(log, by="centre", min_cases=2)
    flags = m.table.set_index("period")["incomplete"].to_dict()
    # the log ends 2024-03-14; p90 lead is 10 days: March began after 2024-03-04 ... ends later
    assert flags == {"2024-01": False, "2024-02": False, "2024-03": True}
    assert m.movers[["from_period", "to_period"]].values.tolist() == [["2024-01", "2024-02"]]


def test_without_agencies_handoffs_are_not_recorded_not_zero():
    m = monitor(TINY.drop(columns=["org:group"]), by="centre", min_cases=1)
    assert m.table["handoffs_mean"].isna().all()
    assert "handoffs are not recorded" in m.notes["handoffs_mean"]
    assert (monitor(TINY, by="centre", min_cases=1).table["handoffs_mean"] == 0).all()

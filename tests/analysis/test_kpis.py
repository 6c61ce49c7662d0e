"""Tests of analysis.kpis: hand-computed tiny logs, invariants, and pm4py on real logs."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.kpis import KPI_COLUMNS, case_kpis, event_times, has_start_times, summarize
from analysis.logs import read_log
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    ARRIVAL,
    CASE,
    DOOR,
    PRESENT,
    START,
    TIMESTAMP,
    LogError,
)
from journeys.model import Distribution, Door, Journey, Step, Transition

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NAN = float("nan")


def _real(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real log {name} not available")
    return path


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _tiny() -> pd.DataFrame:
    """Three cases: a ping-pong (A), a rework and a visit split over two days (B), one event (C).

    Times in UTC on 2024-03-04 (day 1) and 2024-03-05 (day 2).
    """
    rows = [
        # case, activity, agency, start, done, door, present
        ("A", "submit", "front", "03-04 08:00", "03-04 08:10", "odsc", True),
        ("A", "check", "tax", "03-04 08:40", "03-04 09:00", None, False),
        ("A", "collect", "front", "03-04 10:00", "03-04 10:05", "odsc", True),
        ("B", "submit", "front", "03-04 08:00", "03-04 08:15", "odsc", True),
        ("B", "submit", "front", "03-05 09:00", "03-05 09:20", "odsc", True),
        ("B", "pay", "treasury", "03-05 09:30", "03-05 09:35", "treasury", True),
        ("C", "submit", "front", None, "03-04 11:00", "odsc", True),
    ]
    frame = pd.DataFrame(rows, columns=[CASE, ACTIVITY, AGENCY, START, TIMESTAMP, DOOR, PRESENT])
    for col in (START, TIMESTAMP):
        frame[col] = pd.to_datetime("2024-" + frame[col], utc=True)
    return frame


def _journey() -> Journey:
    five = Distribution.fixed(5)
    steps = (
        Step("submit", "front", five, door="odsc", fee=1000, citizen_present=True),
        Step("check", "tax", five, fee=0),
        Step(
            "collect",
            "front",
            five,
            name="Collect licence",
            door="odsc",
            fee=500,
            citizen_present=True,
        ),  # fmt: skip
        Step("pay", "treasury", five, door="treasury", fee=2000, citizen_present=True),
    )
    transitions = (
        Transition("submit", "check"),
        Transition("check", "pay"),
        Transition("pay", "collect"),
    )
    doors = (Door("odsc", travel_cost=10_000), Door("treasury", travel_cost=5_000))
    return Journey(
        "t", "test", "submit", steps, transitions, doors=doors, time_value_per_hour=6_000
    )


# --------------------------------------------------------------------------- event_times


def test_event_times_with_starts():
    ev = event_times(_tiny())
    np.testing.assert_array_equal(ev["waiting"], [NAN, 30, 60, NAN, 24 * 60 + 45, 10, NAN])
    np.testing.assert_array_equal(ev["processing"], [10, 20, 5, 15, 20, 5, NAN])
    assert ev["handoff"].tolist() == [False, True, True, False, False, True, False]
    assert ev["pingpong"].tolist() == [False, False, True, False, False, False, False]
    assert pd.isna(ev["prev_agency"].iloc[0]) and pd.isna(ev["prev_agency"].iloc[3])
    assert ev["prev_agency"].tolist()[1:3] == ["front", "tax"]


def test_event_times_without_starts_is_transition_time():
    log = _tiny().drop(columns=[START])
    ev = event_times(log)
    np.testing.assert_array_equal(ev["waiting"], [NAN, 50, 65, NAN, 24 * 60 + 65, 15, NAN])
    assert ev["processing"].isna().all()
    assert not has_start_times(log)
    assert has_start_times(_tiny())


def test_waiting_never_negative_for_overlapping_events():
    log = pd.DataFrame(
        {
            CASE: ["a", "a"],
            ACTIVITY: ["x", "y"],
            START: pd.to_datetime(["2024-01-01 09:00", "2024-01-01 09:30"], utc=True),
            TIMESTAMP: pd.to_datetime(["2024-01-01 10:00", "2024-01-01 11:00"], utc=True),
            AGENCY: ["p", "q"],
        }
    )
    ev = event_times(log)
    assert ev["waiting"].tolist()[1] == 0.0  # y started 30 minutes before x completed
    assert ev["processing"].tolist() == [60.0, 90.0]
    assert case_kpis(log)["lead_minutes"].tolist() == [120.0]


def test_arrival_column_measures_the_first_queue():
    log = _tiny()
    # A arrived 07:45 (15 minutes before its 08:00 start); B's arrival is unknown;
    # C arrived 10:20, 40 minutes before its only (start-less) event completed
    arrived = {"A": "2024-03-04 07:45", "B": None, "C": "2024-03-04 10:20"}
    log[ARRIVAL] = pd.to_datetime(log[CASE].map(arrived), utc=True)
    ev = event_times(log)
    np.testing.assert_array_equal(ev["waiting"], [15, 30, 60, NAN, 24 * 60 + 45, 10, 40])
    k = case_kpis(log)
    assert k["lead_minutes"].tolist() == [140.0, 24 * 60 + 95.0, 40.0]
    assert k["waiting_minutes"].tolist() == [105.0, 24 * 60 + 55.0, 40.0]
    assert k["visits"].tolist() == [1.0, 3.0, 1.0]  # days of visits still come from events


def test_event_times_sorts_and_does_not_modify_input():
    log = _tiny()
    shuffled = log.sample(frac=1.0, random_state=3)
    kept = shuffled.copy()
    ev = event_times(shuffled)
    pd.testing.assert_frame_equal(shuffled, kept)
    assert ev.index.tolist() == list(range(7))  # back in case-then-time order, labels kept
    np.testing.assert_array_equal(ev["processing"], event_times(log)["processing"])


def test_pingpong_variants():
    def pingpongs(agencies: list[str]) -> int:
        n = len(agencies)
        log = pd.DataFrame(
            {
                CASE: ["c"] * n,
                ACTIVITY: [f"s{i}" for i in range(n)],
                TIMESTAMP: pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
                AGENCY: agencies,
            }
        )
        return int(case_kpis(log)["pingpongs"].iloc[0])

    assert pingpongs(["A", "B", "A"]) == 1
    assert pingpongs(["A", "B", "B", "A"]) == 1  # a run at B still bounces back
    assert pingpongs(["A", "B", "C", "A"]) == 0  # a round trip, not a bounce
    assert pingpongs(["A", "B", "A", "B"]) == 2
    assert pingpongs(["A", "A", "A"]) == 0


def test_missing_columns_and_unparsed_times_raise_log_error():
    with pytest.raises(LogError, match="no column 'time:timestamp'"):
        event_times(pd.DataFrame({CASE: ["a"]}))
    with pytest.raises(LogError, match="does not hold times"):
        event_times(pd.DataFrame({CASE: ["a"], TIMESTAMP: ["2024-01-01"]}))


# --------------------------------------------------------------------------- case_kpis


def test_case_kpis_hand_computed():
    k = case_kpis(_tiny())
    assert list(k.columns) == list(KPI_COLUMNS)
    assert k.index.tolist() == ["A", "B", "C"]
    assert k["lead_minutes"].tolist() == [125.0, 24 * 60 + 95.0, 0.0]
    assert k["waiting_minutes"].tolist() == [90.0, 24 * 60 + 55.0, 0.0]
    processing = k["processing_minutes"].tolist()
    assert processing[:2] == [35.0, 40.0] and math.isnan(processing[2])
    assert k["events"].tolist() == [3, 3, 1]
    assert k["activities"].tolist() == [3, 2, 1]
    assert k["agencies"].tolist() == [2, 2, 1]
    assert k["handoffs"].tolist() == [2, 1, 0]
    assert k["pingpongs"].tolist() == [1, 0, 0]
    # A: one visit (the back-office check does not split it); B: day 1, day 2, treasury
    assert k["visits"].tolist() == [1.0, 3.0, 1.0]
    assert k["doors"].tolist() == [1.0, 2.0, 1.0]
    assert k["citizen_cost"].isna().all()
    assert k["first"].tolist() == [_t("2024-03-04 08:00"), _t("2024-03-04 08:00"),
                                   _t("2024-03-04 11:00")]  # fmt: skip
    assert k["last"].tolist()[1] == _t("2024-03-05 09:35")


def test_case_kpis_accepts_event_times_output():
    log = _tiny()
    pd.testing.assert_frame_equal(case_kpis(event_times(log)), case_kpis(log))
    shuffled = event_times(log).sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(case_kpis(shuffled), case_kpis(log))


def test_presence_given_as_text_is_refused():
    log = _tiny().assign(**{PRESENT: ["true", "false", "true", "true", "true", "true", "true"]})
    with pytest.raises(LogError, match="odsc:citizen_present holds text"):
        case_kpis(log)


def test_case_kpis_without_starts():
    k = case_kpis(_tiny().drop(columns=[START]))
    assert k["lead_minutes"].tolist() == [115.0, 24 * 60 + 80.0, 0.0]
    # without starts, the waiting of a case is all of its lead time
    assert k["waiting_minutes"].tolist() == k["lead_minutes"].tolist()
    assert k["processing_minutes"].isna().all()


def test_visits_unknown_without_presence_and_local_days():
    k = case_kpis(_tiny().drop(columns=[PRESENT]))
    assert k["visits"].isna().all() and k["doors"].isna().all()
    # Days are local when tz is given. At UTC+7 nothing changes (A: 15:00 and 17:00).
    assert case_kpis(_tiny(), tz="Asia/Vientiane")["visits"].tolist() == [1.0, 3.0, 1.0]
    # At UTC-9, A's starts 08:00 and 10:00 UTC are 03-03 23:00 and 03-04 01:00 local;
    # at UTC+14 they are 03-04 22:00 and 03-05 00:00: two days, two visits.
    assert case_kpis(_tiny(), tz="Pacific/Gambier")["visits"].tolist() == [2.0, 3.0, 1.0]
    assert case_kpis(_tiny(), tz="Pacific/Kiritimati")["visits"].tolist() == [2.0, 3.0, 1.0]


def test_citizen_cost_from_journey():
    k = case_kpis(_tiny(), journey=_journey())
    # A: fees 1000 + 0 + 500; one odsc visit 10000; present minutes 10 + (60 queue + 5)
    #    = 75 -> 1.25 h x 6000 = 7500
    # B: fees 1000 x 2 (rework pays again) + 2000; visits odsc, odsc, treasury 25000;
    #    present minutes 15 + 20 + 5 = 40 -> 4000: the waits before the day-2 visit
    #    (1485, a night at home) and the treasury visit (10) open new visits, not queues
    # C: fee 1000, one odsc visit 10000, no measured time
    assert k["citizen_cost"].tolist() == [19_000.0, 33_000.0, 11_000.0]


def test_citizen_cost_counts_travel_time_both_ways_and_the_first_queue():
    j = _journey()
    j = replace(j, doors=(replace(j.doors[0], travel_minutes=30.0), j.doors[1]))
    log = _tiny()
    log[ARRIVAL] = pd.to_datetime(log[CASE].map({"A": "2024-03-04 07:45"}), utc=True)
    k = case_kpis(log, journey=j)
    # A: + 15 minutes queued from arrival, + 60 minutes travel to odsc and back
    # B: two odsc visits, + 2 x 60 minutes travel; C: one odsc visit, + 60 minutes
    assert k["citizen_cost"].tolist() == [
        19_000.0 + 6_000 * 75 / 60,
        33_000.0 + 6_000 * 120 / 60,
        11_000.0 + 6_000 * 60 / 60,
    ]


def test_presence_and_doors_from_journey_when_log_has_none():
    log = _tiny().drop(columns=[DOOR, PRESENT])
    # step names match too: "Collect licence" is the name of step "collect"
    log[ACTIVITY] = log[ACTIVITY].replace({"collect": "Collect licence"})
    k = case_kpis(log, journey=_journey())
    assert k["visits"].tolist() == [1.0, 3.0, 1.0]
    assert k["doors"].tolist() == [1.0, 2.0, 1.0]
    assert k["citizen_cost"].tolist() == [19_000.0, 33_000.0, 11_000.0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 600), st.integers(0, 600), st.integers(0, 3)),
        min_size=1,
        max_size=30,
    )
)
def test_sequential_cases_lead_is_waiting_plus_processing(rows):
    """For non-overlapping events, lead time = total waiting + total processing."""
    cases, gaps, works, agencies = zip(*rows)
    clock: dict[int, int] = {}
    starts, dones = [], []
    for c, gap, work in zip(cases, gaps, works):
        begin = clock.get(c, 0) + gap
        clock[c] = begin + work
        starts.append(begin)
        dones.append(begin + work)
    epoch = pd.Timestamp("2024-01-01", tz="UTC")
    log = pd.DataFrame(
        {
            CASE: [f"c{c}" for c in cases],
            ACTIVITY: ["x"] * len(rows),
            START: epoch + pd.to_timedelta(starts, unit="min"),
            TIMESTAMP: epoch + pd.to_timedelta(dones, unit="min"),
            AGENCY: [f"g{a}" for a in agencies],
        }
    )
    k = case_kpis(log)
    np.testing.assert_allclose(
        k["lead_minutes"], k["waiting_minutes"] + k["processing_minutes"], atol=1e-9
    )
    assert (k["events"].sum(), (k["handoffs"] <= k["events"] - 1).all()) == (len(rows), True)


# --------------------------------------------------------------------------- summarize


def test_summarize_tiny():
    ev = event_times(_tiny())
    s = summarize(case_kpis(_tiny()), sla_minutes=15, events=ev)
    assert s["cases"] == 3
    assert s["lead_minutes_median"] == 125.0
    assert s["lead_minutes_mean"] == pytest.approx((125 + 1535) / 3)
    # p90 of (0, 125, 1535) by linear interpolation: 125 + 0.8 x (1535 - 125)
    assert s["lead_minutes_p90"] == pytest.approx(1253.0)
    assert s["waiting_minutes_median"] == 90.0
    assert s["processing_minutes_mean"] == 37.5
    assert s["visits_mean"] == pytest.approx(5 / 3)
    assert s["handoffs_mean"] == 1.0
    assert s["pingpong_case_share"] == pytest.approx(1 / 3)
    assert s["cases_within_sla"] == pytest.approx(1 / 3)  # only C (0 minutes)
    # measured waits 30, 60, 1485, 10: one of four within 15 minutes
    assert s["events_within_sla"] == 0.25
    assert s["has_start_times"] == 1.0
    assert s.attrs["notes"] == []


def test_summarize_says_when_waiting_is_transition_time():
    s = summarize(case_kpis(_tiny().drop(columns=[START, PRESENT])))
    assert s["has_start_times"] == 0.0
    assert math.isnan(s["events_within_sla"])
    assert any("no start times" in note for note in s.attrs["notes"])
    assert any("visits are unknown" in note for note in s.attrs["notes"])


# --------------------------------------------------------------------------- real logs


@pytest.fixture(scope="module")
def receipt() -> pd.DataFrame:
    return read_log(_real("receipt.csv"), agency="org:group")


def test_receipt_lead_times_equal_pm4py_case_durations(receipt):
    import pm4py

    k = case_kpis(receipt)
    durations = pm4py.get_all_case_durations(
        receipt, case_id_key=CASE, activity_key=ACTIVITY, timestamp_key=TIMESTAMP
    )  # seconds, sorted ascending
    assert len(durations) == len(k) == 1434
    np.testing.assert_allclose(np.sort(k["lead_minutes"].to_numpy() * 60), durations, atol=1e-3)
    # without start times, waiting is the transition time: it fills the lead time
    np.testing.assert_allclose(k["waiting_minutes"], k["lead_minutes"], atol=1e-9)


def test_receipt_handoffs_equal_pm4py_dfg_over_agencies(receipt):
    import pm4py

    # the directly-follows graph over org:group: its arcs between different agencies
    dfg = pm4py.discover_dfg(
        receipt, case_id_key=CASE, activity_key=AGENCY, timestamp_key=TIMESTAMP
    )[0]
    expected = sum(n for (a, b), n in dfg.items() if a != b)
    k = case_kpis(receipt)
    assert k["handoffs"].sum() == expected
    ev = event_times(receipt)
    pairs = ev[ev["handoff"]].groupby(["prev_agency", AGENCY]).size()
    assert pairs.to_dict() == {(a, b): n for (a, b), n in dfg.items() if a != b}


def test_receipt_pingpongs_equal_a_plain_loop(receipt):
    # Independent reference: walk each case's agency runs in plain Python.
    expected = {}
    for case, agencies in receipt.groupby(CASE, sort=False)[AGENCY]:
        runs = [a for i, a in enumerate(agencies) if i == 0 or a != agencies.iloc[i - 1]]
        expected[case] = sum(runs[i] == runs[i - 2] for i in range(2, len(runs)))
    k = case_kpis(receipt)
    assert k["pingpongs"].to_dict() == expected
    assert sum(expected.values()) > 0


@pytest.fixture(scope="module")
def interval() -> pd.DataFrame:
    return read_log(_real("interval_event_log.csv"))


def test_interval_processing_equals_pm4py_service_time(interval):
    import pm4py

    service = pm4py.get_service_time(
        interval,
        aggregation_measure="mean",
        activity_key=ACTIVITY,
        timestamp_key=TIMESTAMP,
        start_timestamp_key=START,
        case_id_key=CASE,
    )  # seconds per activity
    ours = event_times(interval).groupby(ACTIVITY)["processing"].mean() * 60
    assert set(service) == set(ours.index)
    for act, seconds in service.items():
        assert ours[act] == pytest.approx(seconds, rel=1e-9)


def test_interval_waiting_equals_a_plain_loop(interval):
    ev = event_times(interval)
    expected = []
    for _, events in interval.groupby(CASE, sort=False):
        latest = None
        for begin, done in zip(events[START], events[TIMESTAMP]):
            expected.append(
                NAN if latest is None else max((begin - latest).total_seconds() / 60, 0.0)
            )
            latest = done if latest is None else max(latest, done)
    np.testing.assert_allclose(ev["waiting"].to_numpy(), expected, atol=1e-9)
    assert (ev["waiting"].dropna() == 0).sum() > 0  # overlapping events do occur (clipped)


def test_interval_lead_is_pm4py_duration_plus_lead_in(interval):
    import pm4py

    k = case_kpis(interval)
    # pm4py's case duration is last minus first completion; ours starts at the first start
    durations = pm4py.get_all_case_durations(
        interval, case_id_key=CASE, activity_key=ACTIVITY, timestamp_key=TIMESTAMP
    )
    g = interval.groupby(CASE)
    lead_in = (g[TIMESTAMP].min() - g[START].min()).dt.total_seconds()
    np.testing.assert_allclose(
        np.sort((k["lead_minutes"] * 60 - lead_in.reindex(k.index)).to_numpy()),
        durations,
        atol=1e-3,
    )

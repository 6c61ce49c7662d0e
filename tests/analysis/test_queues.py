"""queue_waits: only the citizens' queues at a desk, on hand-built logs with exact answers."""

from __future__ import annotations

import math

import pandas as pd

from analysis.queues import NO_PRESENCE, NO_QUEUE, NO_START, queue_check, queue_waits
from analysis.schema import ACTIVITY, AGENCY, ARRIVAL, CASE, DOOR, PRESENT, START, TIMESTAMP
from journeys.model import Distribution, Door, Journey, Step, Transition


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _log() -> pd.DataFrame:
    """A: a morning at the odsc door with a back-office check in between; B: two days and a
    second door; C: no start time. Times in UTC on 2024-03-04 and 2024-03-05."""
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
        Step("submit", "front", five, door="odsc", citizen_present=True),
        Step("check", "tax", five),
        Step("collect", "front", five, door="odsc", citizen_present=True),
        Step("pay", "treasury", five, door="treasury", citizen_present=True),
    )
    transitions = (
        Transition("submit", "check"),
        Transition("check", "pay"),
        Transition("pay", "collect"),
    )
    return Journey(
        "t", "test", "submit", steps, transitions, doors=(Door("odsc"), Door("treasury"))
    )


def test_only_waits_inside_a_visit_are_queues():
    q = queue_waits(_log())
    # A: collect continues the morning visit at the odsc door (09:00 -> 10:00); the
    # back-office check has no citizen; B's second submit and its payment open new visits
    # (another day, another door); C has no start time; first steps have no arrival.
    assert q.isna().tolist() == [True, True, False, True, True, True, True]
    assert q.iloc[2] == 60.0
    assert q.name == "queue_wait"


def test_the_first_desk_counts_from_the_arrival():
    log = _log()
    log[ARRIVAL] = log[CASE].map(
        {"A": _t("2024-03-04 07:50"), "B": _t("2024-03-04 07:55"), "C": _t("2024-03-04 10:00")}
    )
    q = queue_waits(log)
    # A waits 10 min for its first desk and B 5 min; C has no start: its wait includes the work.
    assert q.iloc[0] == 10.0 and q.iloc[2] == 60.0 and q.iloc[3] == 5.0
    assert q.dropna().size == 3 and math.isnan(q.iloc[6])


def test_no_queue_without_start_times():
    assert queue_waits(_log().drop(columns=[START])).isna().all()


def test_without_presence_no_wait_is_a_queue():
    log = _log().drop(columns=[PRESENT, DOOR])
    q = queue_waits(log)
    # Nothing says which steps had the citizen in front: back-office work is no queue.
    assert q.isna().all() and len(q) == 7
    assert queue_check(log, q) == NO_PRESENCE
    # Declaring presence (every step citizen-facing, one door per case) measures them:
    # A's check 30 (08:10 -> 08:40) and collect 60; B's second submit opens a visit, pay 10.
    everyone = log.assign(**{PRESENT: True})
    assert queue_waits(everyone).dropna().tolist() == [30.0, 60.0, 10.0]
    assert queue_check(everyone, queue_waits(everyone)) is None


def test_queue_check_reasons_in_order():
    log = _log()
    assert queue_check(log.drop(columns=[START]), queue_waits(log.drop(columns=[START]))) == (
        NO_START
    )
    one_per_day = log.assign(**{DOOR: ["d1", "d2", "d3", "d4", "d5", "d6", "d7"]})
    assert queue_check(one_per_day, queue_waits(one_per_day)) == NO_QUEUE


def test_presence_and_doors_from_the_journey():
    q = queue_waits(_log().drop(columns=[PRESENT, DOOR]), journey=_journey())
    # As with the log's own columns: check is back office, B's pay is at another door.
    assert q.dropna().tolist() == [60.0]


def test_days_are_local_days():
    t = pd.to_datetime(["2024-03-04 23:30", "2024-03-05 00:20"], utc=True)
    log = pd.DataFrame(
        {
            CASE: ["x", "x"],
            ACTIVITY: ["submit", "pay"],
            START: t - pd.Timedelta(minutes=5),
            TIMESTAMP: t,
            PRESENT: [True, True],
        }
    )
    # 23:30 and 00:15 UTC are two UTC days but one morning in Vientiane (UTC+7).
    assert queue_waits(log).isna().all()
    assert queue_waits(log, tz="Asia/Vientiane").tolist()[1] == 45.0

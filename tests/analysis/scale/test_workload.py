"""The scale engine's profiles, work in progress and workload tables equal the pandas ones.

As in ``test_bottlenecks.py``: every log (conftest), with and without a
``by`` column, in UTC and in a zone with daylight saving time, against
:func:`analysis.bottlenecks.profiles`, :func:`analysis.bottlenecks.wip` and
:func:`analysis.handoffs.resource_workload` (floats to 1e-9 relative: pandas
sums float minutes, the engine integer nanoseconds), and a run on three hash
buckets of cases identical to the run on one partition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.bottlenecks import profiles, wip
from analysis.handoffs import resource_workload
from analysis.scale import open_log
from analysis.scale.workload import (
    WORKLOAD_COLUMNS,
    profiles_finish,
    profiles_partials,
    resource_workload_finish,
    resource_workload_partials,
    wip_finish,
    wip_partials,
)
from analysis.schema import AGENCY, RESOURCE, LogError

TABLES = {
    "profiles": (profiles_partials, profiles_finish, profiles, ["weekday", "hour"]),
    "wip": (wip_partials, wip_finish, wip, ["date"]),
    "workload": (
        resource_workload_partials,
        resource_workload_finish,
        resource_workload,
        ["resource"],
    ),
}


def _engine(engine, path, table, *, by=None, tz=None, buckets=0):
    partials_of, finish, _, _ = TABLES[table]
    return engine(path, partials_of, finish, by=by, tz=tz, buckets=buckets)


def _with_known_agencies(expected: pd.DataFrame, ev: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """``resource_workload`` loses the agency of groups with a missing key (a pandas bug).

    With ``by``, the MultiIndex alignment of its ``agency`` column drops rows
    whose resource (or ``by`` value) is missing, so they show NaN although
    every event has an agency (``unknown`` at worst). Such rows get the
    agency of most of their events (ties: the first label), counted here
    directly from the events.
    """
    lost = expected["agency"].isna()
    if not lost.any():
        return expected
    expected = expected.copy()
    for i in np.flatnonzero(lost):
        row = expected.iloc[i]
        mask = np.ones(len(ev), dtype=bool)
        for col, key in [(by, by), (RESOURCE, "resource")]:
            if col is None:
                continue
            value = row[key]
            mask &= ev[col].isna().to_numpy() if pd.isna(value) else (ev[col] == value).to_numpy()
        counts = ev.loc[mask, AGENCY].value_counts()
        top = counts[counts == counts.max()].index
        expected.iloc[i, expected.columns.get_loc("agency")] = sorted(top)[0]
    return expected


@pytest.mark.parametrize("tz", [None, "America/Santiago"])
@pytest.mark.parametrize("table", list(TABLES))
def test_equal_to_pandas_and_to_a_split_run(
    logs, engine, table_equal, path_order, log_name, log_by, table, tz
):
    ev, path = logs(log_name)
    ev = path_order(ev)  # as mine() reads it
    by = log_by
    got = _engine(engine, path, table, by=by, tz=tz)
    expected = TABLES[table][2](ev, by=by, tz=tz)
    if table == "workload" and len(expected):
        expected = _with_known_agencies(expected, ev, by)
    if table == "wip" and by and expected[by].dtype == object:
        # pandas stacks its groups with the group value inserted as a scalar: a missing
        # value makes the column object; the engine keeps the log's string dtype
        expected[by] = expected[by].astype(got[by].dtype)
    keys = ([by] if by else []) + TABLES[table][3]
    table_equal(got, expected, keys=keys, rank=[])
    if tz is None:  # the clock is read inside each partition: one zone is enough here
        split = _engine(engine, path, table, by=by, tz=tz, buckets=3)
        pd.testing.assert_frame_equal(split, got, check_exact=True)


def test_profiles_on_the_tiny_log(logs, engine):
    _, path = logs("tiny")
    p = _engine(engine, path, "profiles").set_index(["day", "hour"])
    assert len(p) == 168
    # c1 begins Monday 08:00, c2 Tuesday 09:00
    assert p["arrivals"][p["arrivals"] > 0].to_dict() == {("Mon", 8): 1, ("Tue", 9): 1}
    # completions: Mon 08:10, 09:00, 10:05, 10:20; Tue 09:20, 09:50
    events = p["events"][p["events"] > 0].to_dict()
    assert events == {("Mon", 8): 1, ("Mon", 9): 1, ("Mon", 10): 2, ("Tue", 9): 2}
    # check begins Mon 08:40 after 30 minutes of waiting; fix 10:00 after 60; check 10:05 after 0
    assert p.loc[("Mon", 8), ["waiting_median", "waiting_total"]].tolist() == [30.0, 30.0]
    assert p.loc[("Mon", 10), ["waiting_median", "waiting_total"]].tolist() == [30.0, 60.0]
    # an hour without events: zero counts, waiting not recorded
    assert p.loc[("Sun", 3), ["arrivals", "events"]].tolist() == [0, 0]
    assert np.isnan(p.loc[("Sun", 3), "waiting_median"])


def test_wip_reads_the_local_calendar(logs, engine):
    _, path = logs("edge")
    utc = _engine(engine, path, "wip")
    # c2 works 23:50-00:20 UTC over two UTC days (5 and 6 March), one day in Vientiane;
    # c4 is open from 4 to 7 March either way
    local = _engine(engine, path, "wip", tz="Asia/Vientiane")
    day = pd.Timestamp("2024-03-05")
    assert utc.set_index("date").loc[day, ["open", "started", "finished"]].tolist() == [2, 1, 0]
    assert local.set_index("date").loc[day, ["open", "started", "finished"]].tolist() == [1, 0, 0]
    # c1 and c4 start 4 March; c4 ends 7 March, c3 (one event) opens and closes 9 March
    assert utc["date"].tolist() == list(pd.date_range("2024-03-04", "2024-03-09"))
    assert utc["open"].tolist() == [2, 2, 2, 1, 0, 1]
    assert utc["started"].sum() == utc["finished"].sum() == 4


def test_workload_on_the_tiny_log(logs, engine):
    _, path = logs("tiny")
    w = _engine(engine, path, "workload").set_index("resource")
    assert w.index.tolist() == ["bob", "ann", "cat"]
    # bob: check in c1 twice (20 and 15 minutes) and in c2 (30), on two days
    assert w.loc["bob", ["events", "cases", "activities", "agency", "active_days"]].tolist() == [
        3,
        2,
        1,
        "tax",
        2,
    ]
    assert w.loc["bob", "busy_minutes"] == 65.0 and w.loc["bob", "events_per_day"] == 1.5
    assert w["event_share"].tolist() == [0.5, 2 / 6, 1 / 6]


def test_workload_without_resources_or_start_times(logs, engine):
    # the interval log has no resources: an empty table with the columns
    _, path = logs("interval_event_log.csv")
    w = _engine(engine, path, "workload")
    assert w.empty and w.columns.tolist() == list(WORKLOAD_COLUMNS)
    # receipt has no start times: busy minutes are not recorded (NaN), never 0
    _, path = logs("receipt.csv")
    w = _engine(engine, path, "workload")
    assert len(w) > 1 and w["busy_minutes"].isna().all()


@pytest.mark.parametrize(
    "partials_of", [profiles_partials, wip_partials, resource_workload_partials]
)
def test_bad_options_are_one_line(logs, partials_of):
    _, path = logs("tiny")
    _, log = open_log(path)
    with pytest.raises(LogError, match=r"tz: unknown time zone 'Mars/Olympus'") as err:
        partials_of(log, tz="Mars/Olympus")
    assert "\n" not in str(err.value)
    with pytest.raises(LogError, match=r"by: column 'centre2' is not in the log"):
        partials_of(log, by="centre2")


@pytest.mark.parametrize("tz", ["Asia/Kathmandu", "Etc/GMT-7", "CET"])
@pytest.mark.parametrize("table", list(TABLES))
def test_other_zones_equal_pandas(logs, engine, table_equal, table, tz):
    # a +05:45 zone, the fixed-offset names read_log infers, a rule zone with DST
    ev, path = logs("receipt.csv")
    got = _engine(engine, path, table, tz=tz)
    expected = TABLES[table][2](ev, tz=tz)
    table_equal(got, expected, keys=TABLES[table][3], rank=[])

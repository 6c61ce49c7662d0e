"""Waiting causes: exact answers on hand-built logs, one per cause, and a per-minute oracle.

Every hand-built log runs on Monday 4 March 2024 (UTC) unless it says otherwise.
The oracle at the end applies the definitions of :mod:`analysis.waiting_causes`
minute by minute (no interval arithmetic, no searches), on random logs whose
times are whole minutes, so its answers are exact and independent of the
vectorised code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.waiting_causes import (
    CAUSES,
    NO_CLOCK,
    NO_RESOURCE,
    NO_START,
    waiting_causes,
)
from analysis.work_calendars import WorkCalendars, learn_calendars

DAY = "2024-03-04"  # a Monday
ALL_HOURS = dict(days=range(7), hours=range(24))
OFFICE = dict(days=range(5), hours=range(8, 16))


def _t(hhmm: str, day: str = DAY) -> pd.Timestamp:
    return pd.Timestamp(f"{day} {hhmm}", tz="UTC")


def _log(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (case, activity, start, end, resource[, day of start, day of end])."""
    out = []
    for r in rows:
        case, act, s, e, res = r[:5]
        ds = r[5] if len(r) > 5 else DAY
        de = r[6] if len(r) > 6 else ds
        out.append((case, act, _t(s, ds), _t(e, de), res))
    log = pd.DataFrame(
        out,
        columns=[
            "case:concept:name",
            "concept:name",
            "start_timestamp",
            "time:timestamp",
            "org:resource",
        ],
    )
    return log.assign(**{"org:group": "office"})


def _causes(log, cal, method="binding", **kw) -> dict[tuple[str, str], list[float]]:
    wc = waiting_causes(log, calendars=cal, method=method, **kw)
    e = wc.events
    return {
        (str(c), str(a)): [float(v) for v in row]
        for c, a, row in zip(e["case"], e["activity"], e[list(CAUSES)].to_numpy())
    }


def _cal(names, **hours):
    return WorkCalendars.fixed(names, **hours)


BOTH = pytest.mark.parametrize("method", ["binding", "lashkevich"])


@BOTH
def test_contention_the_clerk_busy_with_an_earlier_case(method):
    # y's check is ready at 09:00; the clerk works on x's check (ready 08:05) until 09:45
    log = _log(
        [
            ("x", "apply", "08:00", "08:05", "front"),
            ("x", "check", "08:30", "09:45", "clerk"),
            ("y", "apply", "08:10", "09:00", "front"),
            ("y", "check", "09:45", "10:00", "clerk"),
        ]
    )
    got = _causes(log, _cal(["front", "clerk"], **ALL_HOURS), method)
    assert got[("y", "check")] == [0.0, 45.0, 0.0, 0.0, 0.0]
    assert got[("x", "check")] == [0.0, 0.0, 0.0, 0.0, 25.0]  # the clerk was free 08:05-08:30


@BOTH
def test_prioritisation_a_later_case_served_first(method):
    # x's check ready 09:00, y's 09:30; the clerk serves y 09:30-10:00, then x
    log = _log(
        [
            ("x", "apply", "08:00", "09:00", "front"),
            ("y", "apply", "08:00", "09:30", "front2"),
            ("y", "check", "09:30", "10:00", "clerk"),
            ("x", "check", "10:00", "10:20", "clerk"),
        ]
    )
    got = _causes(log, _cal(["front", "front2", "clerk"], **ALL_HOURS), method)
    # 09:00-09:30 the clerk was free and on duty: extraneous; then y jumped the queue
    assert got[("x", "check")] == [0.0, 0.0, 30.0, 0.0, 30.0]
    assert ("y", "check") not in got  # no wait: nothing to split


@BOTH
def test_unavailability_ready_after_closing_started_at_opening(method):
    # ready Monday 15:30, the clerk works 08:00-16:00 on weekdays, starts Tuesday 08:00
    log = _log(
        [
            ("x", "apply", "15:00", "15:30", "front"),
            ("x", "check", "08:00", "08:30", "clerk", "2024-03-05"),
        ]
    )
    cal = WorkCalendars(
        ("front", "clerk"),
        np.vstack([_cal(["f"], **ALL_HOURS).on_duty, _cal(["c"], **OFFICE).on_duty]),
        np.ones(2, dtype=bool),
    )
    assert _causes(log, cal, method)[("x", "check")] == [0.0, 0.0, 0.0, 960.0, 30.0]


def test_the_methods_differ_when_the_clerk_was_free_after_the_night():
    # the same file started at 09:00: the clerk was free and on duty 08:00-09:00
    log = _log(
        [
            ("x", "apply", "15:00", "15:30", "front"),
            ("x", "check", "09:00", "09:30", "clerk", "2024-03-05"),
        ]
    )
    cal = WorkCalendars(
        ("front", "clerk"),
        np.vstack([_cal(["f"], **ALL_HOURS).on_duty, _cal(["c"], **OFFICE).on_duty]),
        np.ones(2, dtype=bool),
    )
    # the paper: every off-duty minute counts; binding: the night did not hold it back
    assert _causes(log, cal, "lashkevich")[("x", "check")] == [0, 0, 0, 960.0, 90.0]
    assert _causes(log, cal, "binding")[("x", "check")] == [0, 0, 0, 0, 1050.0]


@BOTH
def test_batching_files_started_together(method):
    # the clerk starts x and y together at 10:00; x was ready at 09:00, y at 09:40
    log = _log(
        [
            ("x", "apply", "08:30", "09:00", "front"),
            ("y", "apply", "09:00", "09:40", "front"),
            ("x", "check", "10:00", "10:30", "clerk"),
            ("y", "check", "10:00:30", "10:31", "clerk"),
        ]
    )
    got = _causes(log, _cal(["front", "clerk"], **ALL_HOURS), method)
    assert got[("x", "check")] == [40.0, 0.0, 0.0, 0.0, 20.0]
    # y closed the batch: no batching; it started 30 s into x, which was enabled earlier
    assert got[("y", "check")] == [0.0, 0.5, 0.0, 0.0, 20.0]


def test_back_to_back_work_and_late_starts_are_not_batches():
    log = _log(
        [
            ("x", "apply", "08:30", "09:00", "front"),
            ("y", "apply", "09:00", "09:40", "front"),
            ("x", "check", "10:00", "10:30", "clerk"),
            ("y", "check", "10:30", "10:50", "clerk"),  # after x ended: a queue, not a batch
        ]
    )
    got = _causes(log, _cal(["front", "clerk"], **ALL_HOURS))
    assert got[("x", "check")] == [0.0, 0.0, 0.0, 0.0, 60.0]
    assert got[("y", "check")] == [0.0, 30.0, 0.0, 0.0, 20.0]
    # two minutes apart is beyond the one-minute window; a window of 5 makes it a batch
    log.loc[3, "start_timestamp"] = _t("10:02")
    assert _causes(log, _cal(["front", "clerk"], **ALL_HOURS))[("x", "check")][0] == 0.0
    wide = _causes(log, _cal(["front", "clerk"], **ALL_HOURS), batch_window=5.0)
    assert wide[("x", "check")][0] == 40.0


@BOTH
def test_extraneous_the_clerk_free_all_along(method):
    log = _log(
        [
            ("x", "apply", "08:00", "08:10", "front"),
            ("x", "check", "11:10", "11:30", "clerk"),
        ]
    )
    assert _causes(log, _cal(["front", "clerk"], **ALL_HOURS), method)[("x", "check")] == [
        0.0,
        0.0,
        0.0,
        0.0,
        180.0,
    ]


def test_busy_outside_the_learned_hours_is_still_the_desk_busy():
    # the clerk works on x 16:00-17:00 (off duty by its calendar): y waits for it
    log = _log(
        [
            ("x", "apply", "15:00", "15:50", "front"),
            ("y", "apply", "15:00", "16:10", "front"),
            ("x", "check", "16:00", "17:00", "clerk"),
            ("y", "check", "17:00", "17:10", "clerk"),
        ]
    )
    cal = WorkCalendars(
        ("front", "clerk"),
        np.vstack([_cal(["f"], **ALL_HOURS).on_duty, _cal(["c"], **OFFICE).on_duty]),
        np.ones(2, dtype=bool),
    )
    assert _causes(log, cal)[("y", "check")] == [0.0, 50.0, 0.0, 0.0, 0.0]


def test_unsplit_waits_are_listed_with_their_reason_not_counted_as_zero():
    log = _log(
        [
            ("x", "apply", "08:00", "08:10", "front"),
            ("x", "check", "09:10", "09:30", "clerk"),
            ("x", "sign", "10:00", "10:30", None),
        ]
    )
    log = pd.concat(
        [
            log,
            pd.DataFrame(
                {
                    "case:concept:name": ["x"],
                    "concept:name": ["notify"],
                    "start_timestamp": [pd.NaT],
                    "time:timestamp": [_t("12:00")],
                    "org:resource": ["system"],
                    "org:group": ["office"],
                }
            ),
        ],
        ignore_index=True,
    )
    log["start_timestamp"] = pd.to_datetime(log["start_timestamp"], utc=True)
    wc = waiting_causes(log, calendars=_cal(["front", "clerk", "system"], **ALL_HOURS))
    assert wc.note is None
    assert wc.events["activity"].tolist() == ["check"]
    unsplit = wc.unsplit.set_index("activity")
    assert unsplit.loc["sign", "reason"] == "no resource recorded"
    assert unsplit.loc["sign", "waiting"] == 30.0
    assert unsplit.loc["notify", "reason"] == "no start time recorded"
    assert unsplit.loc["notify", "waiting"] == 90.0
    assert wc.split_share == pytest.approx(60.0 / 180.0)
    d = wc.to_dict()
    assert d["by_activity"][0]["activity"] == "check" and d["note"] is None


def test_logs_that_cannot_be_split_say_why():
    log = _log([("x", "a", "08:00", "08:10", "r"), ("x", "b", "09:00", "09:30", "r")])
    assert waiting_causes(log.drop(columns="start_timestamp")).note == NO_START
    assert waiting_causes(log.drop(columns="org:resource")).note == NO_RESOURCE
    days = log.assign(
        start_timestamp=pd.to_datetime(["2024-03-04", "2024-03-06"], utc=True),
        **{"time:timestamp": pd.to_datetime(["2024-03-05", "2024-03-07"], utc=True)},
    )
    wc = waiting_causes(days)
    assert wc.note == NO_CLOCK and len(wc.events) == 0
    assert wc.unsplit["waiting"].sum() == 1440.0  # the wait is kept, as unsplit
    assert np.isnan(waiting_causes(log.iloc[:1]).split_share)


def test_tables_per_agency_and_handoff():
    log = _log(
        [
            ("x", "apply", "08:00", "08:05", "front"),
            ("x", "check", "08:30", "09:45", "clerk"),
            ("y", "apply", "08:10", "09:00", "front"),
            ("y", "check", "09:45", "10:00", "clerk"),
        ]
    )
    log["org:group"] = ["Commerce", "Tax", "Commerce", "Tax"]
    wc = waiting_causes(log, calendars=_cal(["front", "clerk"], **ALL_HOURS))
    h = wc.table("handoff")
    assert h[
        ["source", "target", "waits", "waiting", "contention", "extraneous"]
    ].values.tolist() == [["Commerce", "Tax", 2, 70.0, 45.0, 25.0]]
    assert wc.table("agency")["agency"].tolist() == ["Tax"]
    with pytest.raises(ValueError):
        wc.table("door")


def test_calendars_learned_from_when_each_clerk_was_seen():
    monday = 4 * 1440.0
    weeks = range(20)  # a slot needs 2 of the 20 weeks
    seen_r, seen_t = [], []
    for w in weeks:
        for d in range(5):
            for h in (8, 9, 10, 11, 13, 14, 15):
                seen_r.append("clerk")
                seen_t.append(monday + w * 10080 + d * 1440 + h * 60 + 20)
    seen_r.append("clerk")
    seen_t.append(monday + 3 * 10080 + 5 * 1440 + 20 * 60)  # once on a Saturday evening
    seen_r += ["visitor"] * 3  # three sightings: too few for a calendar of its own
    seen_t += [monday + 2 * 1440 + 3 * 60] * 3
    cal = learn_calendars(np.array(seen_r), np.array(seen_t))
    clerk = cal.on_duty[cal.index(np.array(["clerk"]))[0]]
    on = {(int(s) // 24, int(s) % 24) for s in np.flatnonzero(clerk)}
    assert on == {(d, h) for d in range(5) for h in (8, 9, 10, 11, 13, 14, 15)}
    v = cal.index(np.array(["visitor"]))[0]
    assert not cal.learned[v]
    # the pooled calendar: the clerk's hours (the visitor was seen in one week of 20)
    assert {(int(s) // 24, int(s) % 24) for s in np.flatnonzero(cal.on_duty[v])} == on
    assert cal.weekly_hours()["clerk"] == 35


def test_the_zone_sets_the_hours_of_the_calendar():
    # Vientiane is UTC+7: the clerk's 08:00-16:00 is 01:00-09:00 UTC
    log = _log(
        [
            ("x", "apply", "08:00", "08:30", "front"),  # 15:00-15:30 local
            ("x", "check", "01:00", "01:30", "clerk", "2024-03-05"),  # 08:00 local
        ]
    )
    cal = WorkCalendars(
        ("front", "clerk"),
        np.vstack([_cal(["f"], **ALL_HOURS).on_duty, _cal(["c"], **OFFICE).on_duty]),
        np.ones(2, dtype=bool),
    )
    assert _causes(log, cal, zone="Asia/Vientiane")[("x", "check")] == [0, 0, 0, 960.0, 30.0]
    # read in UTC the same times fall outside 08:00-16:00 differently
    assert _causes(log, cal)[("x", "check")] != [0, 0, 0, 960.0, 30.0]


# ----- an independent oracle, minute by minute ------------------------------------------


def _oracle(log: pd.DataFrame, cal: WorkCalendars, method: str, window: float) -> dict:
    """The definitions applied minute by minute (whole-minute logs only)."""
    from analysis.kpis import event_times

    ev = event_times(log).reset_index(drop=True)
    m = lambda ts: (ts.dt.tz_localize(None) - pd.Timestamp("1970-01-01")) // pd.Timedelta("1min")  # noqa: E731
    s, e = m(ev["start_timestamp"]).to_numpy(), m(ev["time:timestamp"]).to_numpy()
    w = ev["waiting"].to_numpy()
    enabled = np.where(np.isnan(w), np.nan, s - np.nan_to_num(w))
    res, act = ev["org:resource"].to_numpy(), ev["concept:name"].to_numpy()
    # batches, by the documented rule, one event at a time
    ready = np.full(len(ev), np.nan)
    for r in set(res):
        for a in set(act):
            idx = sorted(np.flatnonzero((res == r) & (act == a)), key=lambda i: s[i])
            groups, cur = [], []
            for i in idx:
                if cur and s[i] - s[cur[-1]] <= window and (s[i] < max(e[j] for j in cur) or s[i] == s[cur[-1]]):
                    cur.append(i)
                else:
                    if cur:
                        groups.append(cur)
                    cur = [i]
            if cur:
                groups.append(cur)
            for g in groups:
                if len(g) >= 2:
                    en = [enabled[j] for j in g if not np.isnan(enabled[j])]
                    when = min(max(en), min(s[j] for j in g)) if en else np.nan
                    for j in g:
                        ready[j] = when
    out = {}
    row = {name: k for k, name in enumerate(cal.resources)}
    for i in np.flatnonzero(w > 0):
        a0, s0 = int(enabled[i]), int(s[i])
        states = []
        for t in range(a0, s0):
            if not np.isnan(ready[i]) and t < ready[i]:
                states.append("batching")
                continue
            others = [j for j in range(len(ev)) if j != i and res[j] == res[i] and s[j] <= t < e[j]]
            if any(np.isnan(enabled[j]) or enabled[j] <= enabled[i] for j in others):
                states.append("contention")
            elif others:
                states.append("prioritisation")
            else:
                slot = ((t - 4 * 1440) % 10080) // 60
                on = cal.on_duty[row[res[i]], slot]
                states.append("free" if on else "unavailability")
        if method == "binding":
            free = [k for k, x in enumerate(states) if x == "free"]
            if free:
                states = [
                    x if x == "batching" else "free" for x in states[: free[-1] + 1]
                ] + states[free[-1] + 1 :]
        counts = [float(sum(x == c for x in states)) for c in CAUSES[:-1]]
        counts.append(float(sum(x == "free" for x in states)))
        out[(ev.loc[i, "case:concept:name"], ev.loc[i, "concept:name"], s0)] = counts
    return out


@pytest.mark.parametrize("seed", range(6))
@BOTH
def test_matches_a_minute_by_minute_oracle_on_random_logs(seed, method):
    rng = np.random.default_rng(seed)
    rows = []
    base = pd.Timestamp("2024-03-04 06:00", tz="UTC")
    for c in range(14):
        t = int(rng.integers(0, 900))
        for k, act in enumerate(("apply", "check", "sign")):
            t += int(rng.integers(0, 400))
            if rng.random() < 0.25:  # a batch-like start: on the hour
                t = (t // 60 + 1) * 60
            d = int(rng.integers(0, 90))
            res = f"r{int(rng.integers(0, 3))}" if k else "front"
            rows.append(
                (
                    f"c{c}",
                    act,
                    base + pd.Timedelta(minutes=t),
                    base + pd.Timedelta(minutes=t + d),
                    res,
                )
            )
            t += d
    log = pd.DataFrame(
        rows,
        columns=[
            "case:concept:name",
            "concept:name",
            "start_timestamp",
            "time:timestamp",
            "org:resource",
        ],
    ).assign(**{"org:group": "office"})
    names = ["front", "r0", "r1", "r2"]
    on = np.zeros((4, 168), dtype=bool)
    for k in range(4):
        for d in range(7):
            for h in range(24):
                on[k, 24 * d + h] = rng.random() < 0.6
    cal = WorkCalendars(tuple(names), on, np.ones(4, dtype=bool))
    wc = waiting_causes(log, calendars=cal, method=method, batch_window=1.0)
    e = wc.events
    assert np.allclose(e[list(CAUSES)].sum(axis=1), e["waiting"], atol=1e-9)
    assert (e[list(CAUSES)].to_numpy() >= 0).all()
    starts = pd.to_datetime(log["start_timestamp"])
    key_start = {
        (c, a): int((s.tz_localize(None) - pd.Timestamp("1970-01-01")) // pd.Timedelta("1min"))
        for c, a, s in zip(log["case:concept:name"], log["concept:name"], starts)
    }
    got = {
        (c, a, key_start[(c, a)]): [round(float(v), 6) for v in r]
        for c, a, r in zip(e["case"], e["activity"], e[list(CAUSES)].to_numpy())
    }
    want = _oracle(log, cal, method, 1.0)
    assert got == want
    assert len(want) > 10

"""Tests of analysis.lifecycle: exact pairings on hand-built cases, then a FIFO oracle."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.kpis import event_times
from analysis.lifecycle import SUSPENDED, Pairing, SetAside, pair_lifecycle
from analysis.logs import read_log
from analysis.schema import ACTIVITY, CASE, LIFECYCLE, START, TIMESTAMP, LogError


def _rows(spec: list[tuple], *, instance: bool = False) -> pd.DataFrame:
    """Rows from (case, activity, transition, "HH:MM"[, instance]) tuples on 2024-01-01."""
    frame = pd.DataFrame(
        {
            CASE: [r[0] for r in spec],
            ACTIVITY: [r[1] for r in spec],
            LIFECYCLE: [r[2] for r in spec],
            TIMESTAMP: pd.to_datetime([f"2024-01-01 {r[3]}" for r in spec], utc=True),
        }
    )
    if instance:
        frame["concept:instance"] = [r[4] for r in spec]
    return frame


def _pairs(p: Pairing) -> list[tuple[str, str, str | None, str]]:
    ev = p.events
    start = [None if pd.isna(s) else f"{s:%H:%M}" for s in ev[START]]
    return list(zip(ev[CASE], ev[ACTIVITY], start, [f"{t:%H:%M}" for t in ev[TIMESTAMP]]))


def test_complete_without_start_in_the_middle_keeps_later_pairs_right():
    p = pair_lifecycle(
        _rows(
            [
                ("c", "a", "start", "08:00"),
                ("c", "a", "complete", "08:10"),
                ("c", "a", "complete", "08:20"),  # no open start: complete-only
                ("c", "a", "start", "09:00"),
                ("c", "a", "complete", "09:30"),
            ]
        )
    )
    assert _pairs(p) == [
        ("c", "a", "08:00", "08:10"),
        ("c", "a", None, "08:20"),
        ("c", "a", "09:00", "09:30"),
    ]
    assert p.set_aside == (SetAside("complete_without_start", (3,)),)


def test_start_without_complete_is_dropped_fifo_takes_the_oldest():
    p = pair_lifecycle(
        _rows(
            [
                ("c", "a", "start", "08:00"),
                ("c", "a", "start", "08:05"),
                ("c", "a", "complete", "08:30"),
                ("c", "b", "start", "09:00"),  # b never completes
            ]
        )
    )
    assert _pairs(p) == [("c", "a", "08:00", "08:30")]
    assert p.counts() == {"start_without_complete": 2}
    assert p.set_aside[0].rows == (2, 4)


def test_two_overlapping_instances_follow_concept_instance():
    spec = [
        ("c", "a", "start", "08:00", "i1"),
        ("c", "a", "start", "08:30", "i2"),
        ("c", "a", "complete", "09:00", "i2"),
        ("c", "a", "complete", "10:00", "i1"),
    ]
    with_instance = pair_lifecycle(_rows(spec, instance=True))
    assert _pairs(with_instance) == [("c", "a", "08:30", "09:00"), ("c", "a", "08:00", "10:00")]
    assert with_instance.set_aside == ()
    fifo = pair_lifecycle(_rows(spec))  # without the instance: oldest start first
    assert _pairs(fifo) == [("c", "a", "08:00", "09:00"), ("c", "a", "08:30", "10:00")]


def test_cases_and_activities_never_mix_and_equal_times_pair():
    p = pair_lifecycle(
        _rows(
            [
                ("c1", "a", "start", "08:00"),
                ("c2", "a", "complete", "08:30"),  # c1's start is not c2's
                ("c1", "b", "complete", "08:40"),  # nor a's start b's
                ("c1", "a", "complete", "09:00"),
                ("c2", "b", "COMPLETE", "09:10"),
                ("c2", "b", "Start", "09:10"),  # same time as its complete: paired
            ]
        )
    )
    assert _pairs(p) == [
        ("c2", "a", None, "08:30"),
        ("c1", "b", None, "08:40"),
        ("c1", "a", "08:00", "09:00"),
        ("c2", "b", "09:10", "09:10"),
    ]
    assert p.counts() == {"complete_without_start": 2}
    assert p.set_aside[0].rows == (2, 3)


def test_completion_only_activity_is_not_set_aside():
    p = pair_lifecycle(
        _rows(
            [
                ("c", "submitted", "complete", "08:00"),
                ("c", "check", "start", "08:10"),
                ("c", "check", "complete", "08:20"),
                ("c", "approved", "complete", "08:30"),
            ]
        )
    )
    assert _pairs(p) == [
        ("c", "submitted", None, "08:00"),
        ("c", "check", "08:10", "08:20"),
        ("c", "approved", None, "08:30"),
    ]
    assert p.set_aside == ()


def test_suspend_resume_sums_the_work_and_processing_subtracts_the_pause():
    p = pair_lifecycle(
        _rows(
            [
                ("c", "a", "start", "08:00"),
                ("c", "a", "suspend", "08:10"),
                ("c", "a", "resume", "09:10"),
                ("c", "a", "suspend", "09:20"),
                ("c", "a", "resume", "09:25"),
                ("c", "a", "complete", "09:30"),
                ("c", "b", "start", "10:00"),
                ("c", "b", "complete", "10:20"),
                ("c", "b", "suspend", "11:00"),  # after b completed, never resumed
            ]
        )
    )
    assert _pairs(p) == [("c", "a", "08:00", "09:30"), ("c", "b", "10:00", "10:20")]
    assert p.events[SUSPENDED].tolist() == [65.0, 0.0]
    assert p.set_aside == (SetAside("unpaired_suspend_resume", (9,)),)
    ev = event_times(p.events.assign(**{"org:group": "x"}))
    assert ev["processing"].tolist() == [25.0, 20.0]


def test_other_transitions_are_ignored_and_counted():
    p = pair_lifecycle(
        _rows(
            [
                ("c", "a", "schedule", "07:00"),
                ("c", "a", "start", "08:00"),
                ("c", "a", "ate_abort", "08:05"),
                ("c", "a", "complete", "08:30"),
                ("c", "a", "SCHEDULE", "09:00"),
            ]
        )
    )
    assert _pairs(p) == [("c", "a", "08:00", "08:30")]
    assert p.ignored == {"schedule": 2, "ate_abort": 1}
    assert p.set_aside == ()
    assert SUSPENDED not in p.events.columns


def test_input_not_modified():
    rows = _rows([("c", "a", "start", "08:00"), ("c", "a", "complete", "08:30")])
    before = rows.copy()
    pair_lifecycle(rows)
    pd.testing.assert_frame_equal(rows, before)


# --------------------------------------------------------------------------- through read_log


def test_read_log_reports_each_kind_once_and_strict_refuses():
    raw = _rows(
        [
            ("c", "a", "start", "08:00"),
            ("c", "a", "complete", "08:10"),
            ("c", "a", "complete", "08:20"),
            ("c", "a", "start", "09:00"),
            ("c", "a", "start", "09:05"),
            ("c", "a", "complete", "09:30"),
        ]
    )
    with pytest.warns(UserWarning) as record:
        log = read_log(raw)
    assert [str(r.message) for r in record] == [
        "DataFrame: set aside 1 start that never completes (row 5): dropped",
        "DataFrame: set aside 1 complete without a start (row 3): kept without a start time",
    ]
    assert log.attrs["odsc:set_aside"] == {"start_without_complete": 1, "complete_without_start": 1}
    assert [None if pd.isna(s) else f"{s:%H:%M}" for s in log[START]] == ["08:00", None, "09:00"]
    with pytest.raises(LogError) as info:
        read_log(raw, strict=True)
    assert str(info.value) == (
        "DataFrame: strict reading: set aside 1 start that never completes (row 5): dropped; "
        "set aside 1 complete without a start (row 3): kept without a start time"
    )


# --------------------------------------------------------------------------- FIFO oracle


def _fifo_reference(rows: pd.DataFrame) -> list[tuple[str, str, int, int]]:
    """The rule written as a loop: (case, activity, start minute or -1, complete minute)."""
    out = []
    for (c, a), g in rows.groupby([CASE, ACTIVITY], sort=False):
        order = sorted(
            range(len(g)),
            key=lambda i: (g[TIMESTAMP].iloc[i], g[LIFECYCLE].iloc[i] != "start", i),
        )
        waiting: list[int] = []
        for i in order:
            minute = int(
                (g[TIMESTAMP].iloc[i] - pd.Timestamp("2024-01-01", tz="UTC")).seconds // 60
            )
            if g[LIFECYCLE].iloc[i] == "start":
                waiting.append(minute)
            else:
                out.append((c, a, waiting.pop(0) if waiting else -1, minute))
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2"]),
            st.sampled_from(["a", "b"]),
            st.sampled_from(["start", "complete"]),
            st.integers(0, 30),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_vectorised_pairing_equals_the_loop(spec):
    rows = _rows([(c, a, t, f"08:{m:02d}") for c, a, t, m in spec])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = pair_lifecycle(rows)
    base = pd.Timestamp("2024-01-01", tz="UTC")
    got = sorted(
        (
            c,
            a,
            -1 if pd.isna(s) else int((s - base).seconds // 60),
            int((t - base).seconds // 60),
        )
        for c, a, s, t in zip(
            p.events[CASE], p.events[ACTIVITY], p.events[START], p.events[TIMESTAMP]
        )
    )
    assert got == _fifo_reference(rows)
    n_starts = int(np.sum(rows[LIFECYCLE] == "start"))
    paired = sum(1 for g in got if g[2] >= 0)
    assert p.counts().get("start_without_complete", 0) == n_starts - paired

"""Log filters: exact answers on tiny logs, and the same cases as pm4py's filters on real logs."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.filters import (
    LogFilters,
    apply_filters,
    filter_min_events,
    filter_top_variants,
    filter_where,
    filter_window,
    parse_instant,
)
from analysis.logs import read_log
from analysis.schema import LogError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CASE = "case:concept:name"


def _utc(*times: str) -> pd.Series:
    return pd.to_datetime(list(times), utc=True)


@pytest.fixture
def tiny() -> pd.DataFrame:
    # a: starts (start time) 31 Jan 23:00, ends 1 Feb 01:00 -- runs across midnight
    # b: 1 Feb 12:00 to 3 Feb 09:00; c: 29 Feb 23:59 (one event); d: 1 Mar 00:00
    return pd.DataFrame(
        {
            CASE: ["a", "a", "b", "b", "b", "c", "d"],
            "concept:name": ["x", "y", "x", "y", "z", "x", "x"],
            "start_timestamp": _utc(
                "2024-01-31 23:00", None, "2024-02-01 12:00", None, None, None, None
            ),
            "time:timestamp": _utc(
                "2024-01-31 23:30",
                "2024-02-01 01:00",
                "2024-02-01 13:00",
                "2024-02-02 09:00",
                "2024-02-03 09:00",
                "2024-02-29 23:59",
                "2024-03-01 00:00",
            ),
            "org:group": ["front", "tax", "front", "tax", "police", "front", "front"],
        }
    )


def _cases(log: pd.DataFrame) -> list[str]:
    return sorted(log[CASE].unique())


@pytest.mark.parametrize(
    ("window", "expected"),
    [("started", ["b", "c"]), ("ended", ["a", "b", "c"]), ("contained", ["b", "c"])],
)
def test_window_february(tiny: pd.DataFrame, window: str, expected: list[str]) -> None:
    kept, step = filter_window(tiny, start="2024-02-01", end="2024-02-29", window=window)
    assert _cases(kept) == expected
    assert step.cases_in == 4 and step.cases_kept == len(expected)
    assert step.events_kept == len(kept)


def test_window_case_start_is_its_first_start_time(tiny: pd.DataFrame) -> None:
    # case a's first completion is on 31 Jan 23:30 but it started at 23:00: a window
    # from 23:15 does not hold its start
    kept, _ = filter_window(tiny, start="2024-01-31 23:15", window="started")
    assert "a" not in _cases(kept)
    kept, _ = filter_window(tiny, start="2024-01-31 23:00", window="started")
    assert "a" in _cases(kept)


def test_datetime_upper_bound_is_included(tiny: pd.DataFrame) -> None:
    kept, _ = filter_window(tiny, end="2024-03-01 00:00", window="ended")
    assert _cases(kept) == ["a", "b", "c", "d"]
    kept, _ = filter_window(tiny, end="2024-02-29 23:58", window="ended")
    assert _cases(kept) == ["a", "b"]


def test_bounds_are_read_in_the_logs_clock(tiny: pd.DataFrame) -> None:
    # 1 Feb 00:00 in Vientiane (UTC+7) is 31 Jan 17:00 UTC: case a started after it
    kept, _ = filter_window(tiny, start="2024-02-01", window="started", tz="Asia/Vientiane")
    assert _cases(kept) == ["a", "b", "c", "d"]
    local = tiny.copy()
    local.attrs["odsc:zone"] = "Asia/Vientiane"
    kept, _ = filter_window(local, start="2024-02-01", window="started")
    assert _cases(kept) == ["a", "b", "c", "d"]
    # an explicit offset wins over the clock
    kept, _ = filter_window(local, start="2024-02-01T00:00+00:00", window="started")
    assert _cases(kept) == ["b", "c", "d"]


def test_parse_instant_dst_day_is_a_whole_local_day() -> None:
    # 31 March 2024 in Amsterdam has 23 hours: the end bound is 1 April 00:00 CEST
    end = parse_instant("2024-03-31", option="--to", zone="Europe/Amsterdam", upper=True)
    assert end == pd.Timestamp("2024-03-31 22:00", tz="UTC")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "31/01/2024"}, "--from: not a date or datetime: '31/01/2024'"),
        ({"start": "2024-13-01"}, "--from: not a date or datetime: '2024-13-01'"),
        ({"start": "2024-03-01", "end": "2024-02-01"}, "--from 2024-03-01 is after --to"),
        ({"start": "2024-02-01", "window": "during"}, "--window: unknown value 'during'"),
    ],
)
def test_window_bad_options(tiny: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(LogError, match="^" + message.replace("(", r"\(")):
        filter_window(tiny, **kwargs)


def test_where_event_attribute_keeps_whole_cases(tiny: pd.DataFrame) -> None:
    kept, step = filter_where(tiny, [("org:group", "police")])
    assert _cases(kept) == ["b"] and len(kept) == 3  # all of b's events, not only police's
    assert step.text() == "--where org:group=police: kept 1 of 4 cases (3 of 7 events)"


def test_where_same_column_or_other_columns_and(tiny: pd.DataFrame) -> None:
    kept, _ = filter_where(tiny, [("org:group", "police"), ("org:group", "tax")])
    assert _cases(kept) == ["a", "b"]
    kept, _ = filter_where(tiny, [("org:group", "tax"), ("concept:name", "z")])
    assert _cases(kept) == ["b"]


def test_where_unknown_column_and_value(tiny: pd.DataFrame) -> None:
    with pytest.raises(LogError, match=r"^log.csv: --where dept=tax: no column 'dept'; columns:"):
        filter_where(tiny, [("dept", "tax")], name="log.csv")
    with pytest.raises(LogError) as err:
        apply_filters(tiny, LogFilters(where=(("org:group", "Tax"),)), name="log.csv")
    assert str(err.value) == (
        "log.csv: --where org:group=Tax keeps no case of 4; no event has org:group = 'Tax' "
        "(its commonest values: front, tax, police): nothing to analyse (widen the filter)"
    )


def test_min_events(tiny: pd.DataFrame) -> None:
    kept, step = filter_min_events(tiny, 2)
    assert _cases(kept) == ["a", "b"]
    with pytest.raises(LogError, match="keeps no case of 4; the longest case has 3 events"):
        apply_filters(tiny, LogFilters(min_case_events=4))
    with pytest.raises(LogError, match="--min-case-events: must be a whole number >= 1"):
        filter_min_events(tiny, 0)


def test_top_variants_ties_are_kept() -> None:
    log = pd.DataFrame(
        {
            CASE: ["p", "p", "q", "q", "r", "s", "t", "t"],
            "concept:name": ["a", "b", "a", "b", "a", "c", "c", "a"],
            "time:timestamp": _utc(*[f"2024-01-0{i} 08:00" for i in (1, 2, 1, 2, 1, 1, 1, 2)]),
        }
    )
    kept, step = filter_top_variants(log, 1)  # a->b twice: the top one
    assert _cases(kept) == ["p", "q"]
    kept, step = filter_top_variants(log, 2)  # then a, c and c->a, once each: all tied
    assert _cases(kept) == ["p", "q", "r", "s", "t"]
    assert step.detail == "4 of 4 variants (all variants tied at 1 cases kept)"


def test_filter_order_and_lines(tiny: pd.DataFrame) -> None:
    f = LogFilters(end="2024-02-29", window="ended", where=(("org:group", "front"),),
                   min_case_events=2, top_variants=1)  # fmt: skip
    kept, steps = apply_filters(tiny, f, name="log.csv")
    assert [s.option.split()[0] for s in steps] == [
        "--to", "--where", "--min-case-events", "--variants"
    ]  # fmt: skip
    assert [s.cases_kept for s in steps] == [3, 3, 2, 2]
    assert all(a.cases_kept == b.cases_in for a, b in zip(steps, steps[1:], strict=False))
    assert _cases(kept) == ["a", "b"]  # a and b tie at one case each: both kept
    assert steps[-1].detail == "2 of 2 variants (all variants tied at 1 cases kept)"


def test_window_keeping_nothing_names_the_log_span(tiny: pd.DataFrame) -> None:
    with pytest.raises(LogError) as err:
        apply_filters(tiny, LogFilters(start="2025-01-01"), name="log.csv")
    assert str(err.value) == (
        "log.csv: --from 2025-01-01 (cases started in it) keeps no case of 4; the log runs "
        "from 2024-01-31 to 2024-03-01: nothing to analyse (widen the filter)"
    )


def test_filters_do_not_change_the_input(tiny: pd.DataFrame) -> None:
    before = tiny.copy()
    apply_filters(tiny, LogFilters(start="2024-02-01", top_variants=1, min_case_events=2))
    pd.testing.assert_frame_equal(tiny, before)


# ----- against pm4py on real logs --------------------------------------------------------


@pytest.fixture(scope="module")
def receipt() -> pd.DataFrame:
    path = DATA / "receipt.csv"
    if not path.exists():
        pytest.skip("real logs not present")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_log(path, agency="org:group")


def _pm4py_frame(log: pd.DataFrame) -> pd.DataFrame:
    frame = log[[CASE, "concept:name", "time:timestamp", "org:group"]].copy()
    frame[CASE] = frame[CASE].astype(str)
    return frame


def test_contained_window_is_pm4pys_traces_contained(receipt: pd.DataFrame) -> None:
    import pm4py

    lo, hi = "2011-03-01 00:00:00", "2011-06-30 12:00:00"
    theirs = pm4py.filter_time_range(_pm4py_frame(receipt), lo, hi, mode="traces_contained")
    # pm4py reads the bounds in UTC; receipt's clock is CET, so give ours as UTC instants
    ours, _ = filter_window(receipt, start=lo + "+00:00", end=hi + "+00:00", window="contained")
    assert len(theirs) > 1000
    assert set(ours[CASE]) == set(theirs[CASE]) and len(ours) == len(theirs)


def test_where_is_pm4pys_case_level_attribute_filter(receipt: pd.DataFrame) -> None:
    import pm4py

    theirs = pm4py.filter_event_attribute_values(
        _pm4py_frame(receipt), "org:group", ["Group 4", "Group 13"], level="case"
    )
    ours, _ = filter_where(receipt, [("org:group", "Group 4"), ("org:group", "Group 13")])
    assert 0 < len(theirs) < len(receipt)
    assert set(ours[CASE]) == set(theirs[CASE]) and len(ours) == len(theirs)


def test_min_events_is_pm4pys_case_size(receipt: pd.DataFrame) -> None:
    import pm4py

    theirs = pm4py.filter_case_size(_pm4py_frame(receipt), 7, 10**6)
    ours, _ = filter_min_events(receipt, 7)
    assert 0 < len(theirs) < len(receipt)
    assert set(ours[CASE]) == set(theirs[CASE])


@pytest.mark.parametrize("k", [1, 3, 5])
def test_top_variants_are_pm4pys(receipt: pd.DataFrame, k: int) -> None:
    import pm4py

    theirs = pm4py.filter_variants_top_k(_pm4py_frame(receipt), k)
    ours, step = filter_top_variants(receipt, k)
    assert "tied" not in step.detail  # no tie at these cuts, so the two rules agree
    assert set(ours[CASE]) == set(theirs[CASE]) and len(ours) == len(theirs)


def test_where_numbers_and_flags(tiny: pd.DataFrame) -> None:
    log = tiny.assign(amount=[35.0, 0.0, 35.5, 0.0, 0.0, 35.0, 12.0],
                      **{"odsc:citizen_present": [True, False, False, False, False, False, True]})  # fmt: skip
    kept, _ = filter_where(log, [("amount", "35")])
    assert _cases(kept) == ["a", "c"]
    kept, _ = filter_where(log, [("amount", "35.5")])
    assert _cases(kept) == ["b"]
    kept, _ = filter_where(log, [("odsc:citizen_present", "true")])
    assert _cases(kept) == ["a", "d"]
    kept, _ = filter_where(log, [("odsc:citizen_present", "False")])
    assert _cases(kept) == ["a", "b", "c"]


_DAYS = [f"2024-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in (1, 15, 28)]


@settings(max_examples=40, deadline=None)
@given(lo=st.sampled_from(_DAYS), hi=st.sampled_from(_DAYS))
def test_contained_is_started_and_ended(lo: str, hi: str) -> None:
    log = pd.DataFrame(
        {
            CASE: ["a", "a", "b", "b", "c", "d", "d"],
            "concept:name": ["x", "y", "x", "y", "x", "x", "y"],
            "time:timestamp": _utc(
                "2024-01-20 00:00",
                "2024-02-10 00:00",
                "2024-02-01 00:00",
                "2024-02-02 00:00",
                "2024-02-28 23:59",
                "2024-01-01 00:00",
                "2024-03-27 00:00",
            ),  # fmt: skip
        }
    )
    lo, hi = min(lo, hi), max(lo, hi)
    kept = {w: set(filter_window(log, start=lo, end=hi, window=w)[0][CASE]) for w in
            ("started", "ended", "contained")}  # fmt: skip
    assert kept["contained"] == kept["started"] & kept["ended"]
    # a case is in "started" exactly when its first event falls in [lo, hi + 1 day)
    first = log.groupby(CASE)["time:timestamp"].min()
    end = pd.Timestamp(hi, tz="UTC") + pd.Timedelta(days=1)
    assert kept["started"] == set(
        first.index[(first >= pd.Timestamp(lo, tz="UTC")) & (first < end)]
    )

"""Tests of analysis.logs.read_log: shapes, time zones, pairing, and every bad input."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pandas as pd
import pytest

from analysis.logs import read_log
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    ARRIVAL,
    CASE,
    RESOURCE,
    START,
    TIMESTAMP,
    UNKNOWN_AGENCY,
    LogError,
)
from journeys.errors import InputError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BAD = Path(__file__).resolve().parents[1] / "data" / "bad_logs"


def _real(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real log {name} not available")
    return path


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- real logs


def test_receipt_shape_agencies_and_utc():
    path = _real("receipt.csv")
    before = _digest(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # receipt.csv has no duplicates: no warning
        log = read_log(path, agency="org:group")
    assert _digest(path) == before  # the input file is never modified
    assert len(log) == 8577
    assert log[CASE].nunique() == 1434
    assert str(log[TIMESTAMP].dtype) == "datetime64[ns, UTC]"
    # EMPTY is a placeholder: it becomes "unknown", as many times as the file has it
    raw = pd.read_csv(path, dtype=str)
    assert not log[AGENCY].eq("EMPTY").any()
    assert log[AGENCY].eq(UNKNOWN_AGENCY).sum() == raw["org:group"].eq("EMPTY").sum() == 1936
    assert log[AGENCY].nunique() == 10  # 9 groups + unknown
    # mixed offsets: +02:00 in October, +01:00 in November, both normalised to UTC
    first = log[log[CASE] == "case-10011"][TIMESTAMP].tolist()
    assert first[0] == _utc("2011-10-11 11:45:40.276")  # 13:45:40.276+02:00
    assert first[2] == _utc("2011-11-24 14:36:51.302")  # 15:36:51.302+01:00
    # sorted by case then time, other columns kept
    assert log.equals(log.sort_values([CASE, TIMESTAMP], kind="stable").reset_index(drop=True))
    assert {"case:channel", RESOURCE, "lifecycle:transition"} <= set(log.columns)
    assert list(log.columns[:4]) == [CASE, ACTIVITY, TIMESTAMP, AGENCY]


def test_receipt_uses_existing_org_group_without_being_told():
    log = read_log(_real("receipt.csv"))
    assert log[AGENCY].value_counts()["Group 1"] == 3152


def test_interval_log_picks_up_start_timestamp():
    log = read_log(_real("interval_event_log.csv"))
    assert str(log[START].dtype) == "datetime64[ns, UTC]"
    assert len(log) == 8109
    assert (log[START] <= log[TIMESTAMP]).all()
    c1 = log[log[CASE] == "C1"].iloc[0]
    assert c1[START] == _utc("2015-01-05 09:00:07")
    assert c1[TIMESTAMP] == _utc("2015-01-05 09:02:50")


def test_xes_and_csv_of_running_example_hold_the_same_events():
    xes = read_log(_real("running-example.xes"))
    csv = read_log(_real("running-example.csv"))
    cols = [CASE, ACTIVITY, TIMESTAMP, RESOURCE, AGENCY]
    assert len(xes) == len(csv) == 42
    pd.testing.assert_frame_equal(xes[cols], csv[cols])
    assert xes[CASE].nunique() == 6


# --------------------------------------------------------------------------- shapes


def _raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": ["B", "A", "A", "B"],
            "task": ["check", "submit", "check", "submit"],
            "done": [
                "2024-03-04 10:00",
                "2024-03-04 08:30",
                "2024-03-04 09:00",
                "2024-03-04 09:45",
            ],
            "department": ["tax", "front", "EMPTY", None],
            "clerk": ["k1", "k2", "k1", "k2"],
            "channel": ["desk", "online", "online", "desk"],
        }
    )


def test_columns_mapped_sorted_and_missing_agency_unknown():
    raw = _raw()
    kept = raw.copy()
    log = read_log(
        raw, case="file", activity="task", timestamp="done", agency="department", resource="clerk"
    )
    pd.testing.assert_frame_equal(raw, kept)  # the input frame is not modified
    assert list(log.columns) == [CASE, ACTIVITY, TIMESTAMP, AGENCY, RESOURCE, "channel"]
    assert log[CASE].tolist() == ["A", "A", "B", "B"]
    assert log[ACTIVITY].tolist() == ["submit", "check", "submit", "check"]
    assert log[AGENCY].tolist() == ["front", "unknown", "unknown", "tax"]
    assert log[TIMESTAMP].tolist() == [
        _utc("2024-03-04 08:30"),
        _utc("2024-03-04 09:00"),
        _utc("2024-03-04 09:45"),
        _utc("2024-03-04 10:00"),
    ]


def test_custom_missing_placeholders():
    raw = _raw().assign(department=["tax", "n/a", "front", "front"])
    log = read_log(
        raw, case="file", activity="task", timestamp="done", agency="department", missing=("n/a",)
    )
    assert log[AGENCY].tolist() == ["unknown", "front", "front", "tax"]


def test_naive_times_take_tz_and_default_to_utc():
    raw = _raw()
    kw = {"case": "file", "activity": "task", "timestamp": "done"}
    utc = read_log(raw, **kw)
    vientiane = read_log(raw, tz="Asia/Vientiane", **kw)  # UTC+7, no daylight saving
    assert utc[TIMESTAMP].iloc[0] == _utc("2024-03-04 08:30")
    assert vientiane[TIMESTAMP].iloc[0] == _utc("2024-03-04 01:30")
    assert ((utc[TIMESTAMP] - vientiane[TIMESTAMP]) == pd.Timedelta(hours=7)).all()


def test_mixed_offsets_and_formats_in_one_column():
    raw = pd.DataFrame(
        {
            CASE: ["a", "a", "a"],
            ACTIVITY: ["x", "y", "z"],
            TIMESTAMP: [
                "2011-10-11 13:45:40.276000+02:00",
                "2011-11-24 15:36:51+01:00",  # no fractional seconds
                "2011-11-25T08:00:00Z",
            ],
        }
    )
    log = read_log(raw)
    assert log[TIMESTAMP].tolist() == [
        _utc("2011-10-11 11:45:40.276"),
        _utc("2011-11-24 14:36:51"),
        _utc("2011-11-25 08:00:00"),
    ]


def test_arrival_column_parsed_to_utc():
    raw = pd.DataFrame(
        {
            CASE: ["a", "a"],
            ACTIVITY: ["x", "y"],
            TIMESTAMP: ["2024-01-01 10:00", "2024-01-01 11:00"],
            ARRIVAL: ["2024-01-01 15:30+07:00", "2024-01-01 15:30+07:00"],
        }
    )
    log = read_log(raw)
    assert log[ARRIVAL].tolist() == [_utc("2024-01-01 08:30")] * 2


def test_explicit_agency_replaces_an_existing_org_group_column():
    raw = _raw().rename(columns={"channel": AGENCY})
    log = read_log(raw, case="file", activity="task", timestamp="done", agency="department")
    assert log[AGENCY].tolist() == ["front", "unknown", "unknown", "tax"]
    assert list(log.columns).count(AGENCY) == 1


def test_lifecycle_rows_paired_first_in_first_out():
    raw = pd.DataFrame(
        {
            CASE: ["c"] * 7,
            ACTIVITY: ["a", "a", "b", "a", "a", "b", "c"],
            "lifecycle:transition": [
                "start",
                "complete",
                "complete",  # b without a start
                "START",  # case does not matter
                "complete",
                "schedule",  # ignored
                "start",  # c never completes: dropped with a warning
            ],
            TIMESTAMP: [
                "2024-01-01 08:00",
                "2024-01-01 08:10",
                "2024-01-01 08:20",
                "2024-01-01 09:00",
                "2024-01-01 09:30",
                "2024-01-01 09:40",
                "2024-01-01 10:00",
            ],
        }
    )
    with pytest.warns(UserWarning) as record:
        log = read_log(raw)
    # b has no start anywhere: complete-only by design, not set aside
    assert [str(r.message) for r in record] == [
        "DataFrame: set aside 1 start that never completes (row 7): dropped"
    ]
    assert log.attrs["odsc:set_aside"] == {"start_without_complete": 1}
    assert log[ACTIVITY].tolist() == ["a", "b", "a"]
    assert log[START].tolist()[0] == _utc("2024-01-01 08:00")
    assert pd.isna(log[START].iloc[1])
    assert log[START].tolist()[2] == _utc("2024-01-01 09:00")
    assert log[TIMESTAMP].tolist() == [
        _utc("2024-01-01 08:10"),
        _utc("2024-01-01 08:20"),
        _utc("2024-01-01 09:30"),
    ]
    assert "lifecycle:transition" not in log.columns


def test_parquet_round_trip_with_naive_datetimes(tmp_path):
    frame = pd.DataFrame(
        {
            CASE: ["a", "a"],
            ACTIVITY: ["x", "y"],
            TIMESTAMP: pd.to_datetime(["2024-05-01 08:00", "2024-05-01 09:00"]),
            "cost": [1.5, 2.5],
        }
    )
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    log = read_log(path, tz="Asia/Vientiane")
    assert log[TIMESTAMP].tolist() == [_utc("2024-05-01 01:00"), _utc("2024-05-01 02:00")]
    assert log["cost"].tolist() == [1.5, 2.5]


def test_case_ids_read_as_text():
    log = read_log(_real("running-example.csv"))
    assert sorted(log[CASE].unique()) == ["1", "2", "3", "4", "5", "6"]


# --------------------------------------------------------------------------- bad input


def _error(source, **kw) -> str:
    with pytest.raises(LogError) as info:
        read_log(source, **kw)
    text = str(info.value)
    assert "\n" not in text  # one line
    assert isinstance(info.value, InputError)
    return text


def test_missing_column_suggests_nearest_name():
    text = _error(_real("receipt.csv"), agency="org:grop")
    assert text.startswith(
        "receipt.csv: no column 'org:grop' for agency (did you mean 'org:group'?); "
        "columns: case:channel, case:concept:name,"
    )
    assert text.endswith("org:resource, time:timestamp")


def test_missing_column_without_near_name():
    text = _error(_raw(), case="file", activity="task", timestamp="when")
    assert text == (
        "DataFrame: no column 'when' for timestamp; "
        "columns: file, task, done, department, clerk, channel"
    )


def test_unparseable_timestamps_give_file_lines_and_values():
    text = _error(BAD / "bad_timestamps.csv")
    assert text == (
        "bad_timestamps.csv: unparseable time:timestamp at lines 3, 5 "
        "(values: 'yesterday', '2024-13-45 10:00:00+07:00')"
    )


def test_empty_log():
    assert _error(BAD / "empty.csv") == "empty.csv: the log has no events"
    empty = pd.DataFrame({CASE: [], ACTIVITY: [], TIMESTAMP: []})
    assert _error(empty) == "DataFrame: the log has no events"


def test_zero_byte_file(tmp_path):
    path = tmp_path / "nothing.csv"
    path.write_bytes(b"")
    assert _error(path) == "nothing.csv: the log has no events (the file is empty)"


def test_duplicates_dropped_and_counted():
    path = BAD / "duplicates.csv"
    with pytest.warns(UserWarning) as record:
        log = read_log(path)
    assert [str(r.message) for r in record] == [
        "duplicates.csv: set aside 3 duplicate events (lines 3, 5, 6): dropped after the first"
    ]
    assert log[ACTIVITY].tolist() == ["submit", "check"]
    assert log.attrs["odsc:set_aside"] == {"duplicate": 3}
    assert _error(path, strict=True) == (
        "duplicates.csv: strict reading: set aside 3 duplicate events (lines 3, 5, 6): "
        "dropped after the first"
    )


def test_start_after_completion_column_keeps_the_completion():
    path = BAD / "start_after_complete.csv"
    with pytest.warns(UserWarning) as record:
        log = read_log(path)
    assert [str(r.message) for r in record] == [
        "start_after_complete.csv: set aside 1 start after its completion (line 3): "
        "kept without a start time"
    ]
    assert log[ACTIVITY].tolist() == ["submit", "check"]
    assert log[START].tolist()[0] == _utc("2024-03-04 01:00")
    assert pd.isna(log[START].iloc[1])
    assert log[TIMESTAMP].tolist()[1] == _utc("2024-03-04 02:00")
    assert _error(path, strict=True) == (
        "start_after_complete.csv: strict reading: set aside 1 start after its completion "
        "(line 3): kept without a start time"
    )


def test_start_after_completion_lifecycle_is_two_unpaired_rows():
    # check completes at 09:00 and starts at 09:30: no start is open at its completion
    path = BAD / "lifecycle_start_after_complete.csv"
    with pytest.warns(UserWarning) as record:
        log = read_log(path)
    assert [str(r.message) for r in record] == [
        "lifecycle_start_after_complete.csv: set aside 1 start that never completes (line 5): "
        "dropped",
        "lifecycle_start_after_complete.csv: set aside 1 complete without a start (line 4): "
        "kept without a start time",
    ]
    assert log[ACTIVITY].tolist() == ["submit", "check"]
    assert log[START].iloc[0] == _utc("2024-03-04 08:00")
    assert pd.isna(log[START].iloc[1])
    assert log.attrs["odsc:set_aside"] == {
        "start_without_complete": 1,
        "complete_without_start": 1,
    }
    assert _error(path, strict=True) == (
        "lifecycle_start_after_complete.csv: strict reading: set aside 1 start that never "
        "completes (line 5): dropped; set aside 1 complete without a start (line 4): kept "
        "without a start time"
    )


def test_nothing_set_aside_is_an_empty_dict():
    log = read_log(_raw(), case="file", activity="task", timestamp="done")
    assert log.attrs["odsc:set_aside"] == {}


def test_not_utf8_names_byte_offset_and_line():
    path = BAD / "latin1.csv"
    # 'é' in Latin-1 (0xE9) sits after 46 + 30 bytes of lines 1-2 and 'c1,v' on line 3
    assert path.read_bytes().index(b"\xe9") == 80
    assert _error(path) == (
        "latin1.csv: not valid utf-8 text at byte offset 80 (line 3): invalid continuation "
        "byte; re-save the file as utf-8 or pass its encoding"
    )
    log = read_log(path, encoding="latin-1")
    assert log[ACTIVITY].tolist() == ["submit", "vérifier"]


def test_missing_file_and_unsupported_extension():
    assert _error(BAD / "nope.csv").startswith("nope.csv: no such file (")
    assert _error(BAD / "log.json") == (
        "log.json: unsupported file type "
        "(expected one of .csv, .csv.gz, .txt, .xes, .xes.gz, .parquet, .pq)"
    )


def test_broken_xes():
    assert _error(BAD / "broken.xes").startswith("broken.xes: not a readable XES file (")


def test_empty_case_id():
    assert _error(BAD / "empty_case.csv") == "empty_case.csv: empty case:concept:name at line 3"


def test_bad_presence_flag():
    assert _error(BAD / "bad_present.csv") == (
        "bad_present.csv: odsc:citizen_present must be true or false, got 'maybe' at line 3"
    )


def test_unknown_time_zone():
    text = _error(_raw(), case="file", activity="task", timestamp="done", tz="Mars/Olympus")
    assert text.startswith("DataFrame: unknown time zone 'Mars/Olympus'")


def test_bad_files_are_never_modified():
    digests = {p: _digest(p) for p in BAD.iterdir()}
    for path in digests:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read_log(path)
            except LogError:
                pass
    assert {p: _digest(p) for p in BAD.iterdir()} == digests

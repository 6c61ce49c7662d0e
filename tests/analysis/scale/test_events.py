"""The scale engine's per-event table equals analysis.kpis.event_times, and its reader's errors.

Every real log that read_log reads is written to Parquet and read back by
:func:`analysis.scale.source.open_log`; the table ``ev`` must hold the same
waiting and processing minutes (bit for bit: both divide integer nanoseconds
by 60e9 in IEEE arithmetic), handoffs and ping-pongs as event_times, in the
same order, for the whole log and for one hash bucket of its cases.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.kpis import event_times
from analysis.logs import read_log
from analysis.scale import build_events, open_log
from analysis.scale.events import _cases_whole, event_frame
from analysis.scale.source import parquet_files
from analysis.schema import LogError

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"
LOGS = [
    DATA / "running-example.csv",
    DATA / "receipt.csv",
    DATA / "helpdesk.xes.gz",
    DATA / "roadtraffic100traces.xes",
    DATA / "interval_event_log.csv",
    ROOT / "examples" / "odsc_example_log.csv",
]
COLUMNS = "ckey, act, waiting, processing, handoff, pingpong, pos, fpos, first, last"


def _ev(folder: Path, where: str | None = None) -> pd.DataFrame:
    con, log = open_log(folder, where=where)
    build_events(con, log)
    return con.execute(f"SELECT {COLUMNS} FROM ev ORDER BY ckey, pos").df()


def _same(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert len(got) == len(ref)
    assert got["ckey"].tolist() == ref["case:concept:name"].astype(str).tolist()
    assert got["act"].astype(str).tolist() == ref["concept:name"].astype(str).tolist()
    for col in ("waiting", "processing"):
        np.testing.assert_array_equal(got[col].to_numpy(float), ref[col].to_numpy(float))
    for col in ("handoff", "pingpong"):
        assert got[col].to_numpy(bool).tolist() == ref[col].to_numpy(bool).tolist()


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_ev_equals_event_times_on_real_logs(path: Path, tmp_path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not here")
    log = read_log(path)
    log.to_parquet(tmp_path / "log.parquet")
    ref = event_times(log)
    _same(_ev(tmp_path), ref)
    # one hash bucket of the cases: the same rows of those cases, nothing else
    part = _ev(tmp_path, where='hash("case:concept:name") % 3 = 1')
    _same(part, ref[ref["case:concept:name"].astype(str).isin(set(part["ckey"]))])


def _frame(**cols: object) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_ties_missing_starts_and_arrival_on_a_hand_built_log(tmp_path: Path) -> None:
    t = pd.to_datetime
    log = _frame(
        **{
            "case:concept:name": ["b", "b", "b", "a", "a"],
            "concept:name": ["x", "y", "z", "x", "y"],
            # b: y and z complete at the same time; z started before y did
            "time:timestamp": t(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 10:00",
                    "2024-01-01 10:00",
                    "2024-01-02 08:00",
                    "2024-01-02 09:30",
                ],
                utc=True,
            ),
            "start_timestamp": t(
                [
                    "2024-01-01 08:50",
                    "2024-01-01 09:40",
                    "2024-01-01 09:10",
                    None,
                    "2024-01-02 09:00",
                ],
                utc=True,
            ),
            "org:group": ["f", "t", "f", "f", "f"],
            "odsc:arrival": t(["2024-01-01 08:30"] * 3 + ["2024-01-02 07:00"] * 2, utc=True),
        }
    )
    canonical = read_log(log)
    canonical.to_parquet(tmp_path / "log.parquet")
    got = _ev(tmp_path)
    _same(got, event_times(canonical))
    # exact values: a's first event waits from arrival (no start: its completion), 60 min
    assert got["waiting"].tolist()[:2] == [60.0, 60.0]
    # b: arrival 08:30 -> start 08:50 is 20 min; y and z tie at 10:00 and the start
    # (nulls first, then ascending) orders z (09:10) before y (09:40) in the path
    assert got["waiting"].tolist()[2:] == [20.0, 10.0, 0.0]
    assert got["fpos"].tolist()[2:] == [1, 2, 3]


def test_folder_glob_and_hive_partitions(tmp_path: Path) -> None:
    t = pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"], utc=True)
    for centre in ("north", "south"):
        part = tmp_path / f"centre={centre}"
        part.mkdir()
        _frame(
            **{
                "case:concept:name": [f"{centre}-1"] * 2,
                "concept:name": ["a", "b"],
                "time:timestamp": t,
                "org:group": ["x", "y"],
            }
        ).to_parquet(part / "p.parquet")
    con, log = open_log(tmp_path)
    assert log.events == 4 and "centre" in log.columns
    assert con.execute("SELECT DISTINCT centre FROM log ORDER BY 1").fetchall() == [
        ("north",),
        ("south",),
    ]
    files, _ = parquet_files(str(tmp_path / "*" / "*.parquet"))
    assert len(files) == 2


def test_bad_inputs_name_the_file_and_the_row(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="holds no .parquet file"):
        open_log(tmp_path)
    with pytest.raises(LogError, match="matches no file"):
        open_log(str(tmp_path / "*.parquet"))
    (tmp_path / "a.csv").write_text("x\n")
    with pytest.raises(LogError, match=r"a.csv: not a .parquet file"):
        open_log(tmp_path / "a.csv")
    ok = pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"], utc=True)
    _frame(
        **{"case:concept:name": ["c", None], "concept:name": ["a", "b"], "time:timestamp": ok}
    ).to_parquet(tmp_path / "n.parquet")
    with pytest.raises(LogError, match=r"n.parquet: row 2: no case:concept:name"):
        open_log(tmp_path / "n.parquet")
    _frame(**{"case": ["c"], "concept:name": ["a"], "time:timestamp": ok[:1]}).to_parquet(
        tmp_path / "m.parquet"
    )
    with pytest.raises(LogError, match=r"m.parquet: no column 'case:concept:name'"):
        open_log(tmp_path / "m.parquet")
    _frame(
        **{"case:concept:name": ["c"], "concept:name": ["a"], "time:timestamp": ["2024-01-01"]}
    ).to_parquet(tmp_path / "s.parquet")
    with pytest.raises(LogError, match=r"'time:timestamp' is VARCHAR, not a timestamp"):
        open_log(tmp_path / "s.parquet")
    _frame(
        **{
            "case:concept:name": ["c", "c"],
            "concept:name": ["a", "a"],
            "time:timestamp": ok,
            "lifecycle:transition": ["start", "complete"],
        }
    ).to_parquet(tmp_path / "l.parquet")
    with pytest.raises(LogError, match="pair start and complete rows first"):
        open_log(tmp_path / "l.parquet")


FLAGS = {
    "first_act": ["act"],
    "first_agency": ["agency"],
    "first_res": ["res"],
    "first_pair": ["src_act", "act"],
    "first_hop_agency": ["src_agency", "agency"],
    "first_hop_resource": ["src_res", "res"],
}


def _flags(folder: Path) -> pd.DataFrame:
    con, log = open_log(folder)
    build_events(con, log)
    cols = ", ".join(["ckey", *{c for cs in FLAGS.values() for c in cs}, *FLAGS])
    return con.execute(f"SELECT {cols} FROM ev ORDER BY ckey, pos").df()


def test_first_flags_on_a_hand_built_log(tmp_path: Path) -> None:
    # c1: a(x, ann) b(y, bob) a(x, ann) b(y, ann); c2: a(x, ann)
    pd.DataFrame(
        {
            "case:concept:name": ["c1"] * 4 + ["c2"],
            "concept:name": ["a", "b", "a", "b", "a"],
            "time:timestamp": pd.to_datetime(
                [
                    "2024-01-01 08:00",
                    "2024-01-01 09:00",
                    "2024-01-01 10:00",
                    "2024-01-01 11:00",
                    "2024-01-01 08:00",
                ],
                utc=True,
            ),  # fmt: skip
            "org:group": ["x", "y", "x", "y", "x"],
            "org:resource": ["ann", "bob", "ann", "ann", "ann"],
        }
    ).to_parquet(tmp_path / "log.parquet")
    got = _flags(tmp_path)
    assert got["first_act"].tolist() == [True, True, False, False, True]
    assert got["first_agency"].tolist() == [True, True, False, False, True]
    assert got["first_res"].tolist() == [True, True, False, False, True]
    # pairs: (-, a) (a, b) (b, a) (a, b): the second a -> b is not the case's first
    assert got["first_pair"].tolist() == [True, True, True, False, True]
    assert got["first_hop_agency"].tolist() == [True, True, True, False, True]
    # clerks: (-, ann) (ann, bob) (bob, ann) (ann, ann)
    assert got["first_hop_resource"].tolist() == [True, True, True, True, True]


@pytest.mark.parametrize("pack", [True, False], ids=["packed", "hashed"])
@pytest.mark.parametrize("path", LOGS[:4], ids=lambda p: p.name)
def test_first_flags_equal_pandas_first_of_each_case_and_value(
    path: Path, pack: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not here")
    if not pack:
        monkeypatch.setattr("analysis.scale.events._PACK_LIMIT", 0)
    read_log(path).to_parquet(tmp_path / "log.parquet")
    got = _flags(tmp_path)  # in pos order, where the flags mark a case's first
    for flag, cols in FLAGS.items():
        keys = got[["ckey", *cols]].astype(object).where(got[["ckey", *cols]].notna(), None)
        want = ~keys.duplicated()
        assert got[flag].to_numpy(bool).tolist() == want.to_numpy(bool).tolist(), flag


def test_case_table_holds_each_path_in_flow_order(tmp_path: Path) -> None:
    # c1's second event began before the first completed one: the path is b, a
    pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2"],
            "concept:name": ["a", "b", "a"],
            "start_timestamp": pd.to_datetime(
                ["2024-01-01 08:30", "2024-01-01 08:00", "2024-01-01 09:00"], utc=True
            ),
            "time:timestamp": pd.to_datetime(
                ["2024-01-01 09:00", "2024-01-01 10:00", "2024-01-01 09:30"], utc=True
            ),
            "org:group": ["x", "y", "x"],
        }
    ).to_parquet(tmp_path / "log.parquet")
    con, log = open_log(tmp_path)
    build_events(con, log)
    rows = con.execute("SELECT ckey, path, events, lead_ns // 60000000000 FROM cs").fetchall()
    assert rows == [("c1", ["b", "a"], 2, 120), ("c2", ["a"], 1, 30)]


def test_files_of_whole_sorted_cases_read_without_a_sort_give_the_same_tables(
    tmp_path: Path,
) -> None:
    # two files, each sorted by case, the later case ids in the first file
    log = (
        read_log(DATA / "running-example.csv") if (DATA / "running-example.csv").exists() else None
    )
    if log is None:
        pytest.skip("running-example.csv is not here")
    ids = log["case:concept:name"].astype(str)
    late = ids >= sorted(ids.unique())[len(ids.unique()) // 2]
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    log.to_parquet(one / "log.parquet")
    log[late].to_parquet(two / "a.parquet")
    log[~late].to_parquet(two / "b.parquet")
    con, parsed = open_log(two)
    frame = event_frame(con, parsed)
    assert _cases_whole(frame)  # the cases are left in file order, not sorted
    assert frame["ckey"][0] == min(ids[late])
    shuffled = frame[[*range(1, frame.height), 0]]  # a case split over two runs
    assert not _cases_whole(shuffled)
    cols = "ckey, act, pos, fpos, wait_ns, work_ns, handoff, pingpong, first_act, first_pair"
    got = _ordered(two, cols)
    want = _ordered(one, cols)
    assert got.equals(want)


def _ordered(folder: Path, cols: str) -> pd.DataFrame:
    con, log = open_log(folder)
    build_events(con, log)
    return con.execute(f"SELECT {cols} FROM ev ORDER BY ckey, pos").df()

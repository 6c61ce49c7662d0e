"""The mining benchmark's own parts: generation, the hive folder, the three DFGs, verdicts.

The sides run in-process here on 2,000 events (the benchmark runs each in a
child process); the figures they return are not checked, their DFGs are.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from journeys.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_mining.py"


def _load():
    # the benchmark's scripts import each other by name, as when run from bench/
    if str(BENCH.parent) not in sys.path:
        sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_mining", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_mining"] = mod
    spec.loader.exec_module(mod)
    return mod


bm = _load()
ms = sys.modules["mining_sides"]
ml = sys.modules["mining_log"]
EVENTS = 2_000


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench") / "data"
    # small blocks and chunks, so the 2,000 events span 13 blocks and 5 chunks
    info = bm.write_dataset(folder, EVENTS, seed=7, chunk_events=450, block_cases=16)
    return folder, info


@pytest.mark.parametrize("module", ["bench_mining", "mining_log", "mining_sides"])
def test_doctests(module):
    found = doctest.testmod(sys.modules[module], optionflags=doctest.NORMALIZE_WHITESPACE)
    assert found.failed == 0 and found.attempted > 0


def test_chunked_generation_is_the_one_shot_log():
    whole = bm.make_log(EVENTS, seed=7, block_cases=16)
    chunks = list(bm.iter_chunks(EVENTS, seed=7, chunk_events=450, block_cases=16))
    assert len(chunks) == 5
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    # and the same again in chunks of another size
    other = pd.concat(bm.iter_chunks(EVENTS, seed=7, chunk_events=1, block_cases=16))
    pd.testing.assert_frame_equal(other.reset_index(drop=True), whole)
    assert len(whole) == EVENTS
    ids = whole["case:concept:name"]
    assert ids.nunique() == 200 and ids.is_monotonic_increasing
    assert ids.iloc[-1] == "case-000199"
    assert whole.groupby("case:concept:name").size().min() >= 3
    # times are whole seconds, each case's steps strictly ordered by start and completion
    for col in ("time:timestamp", "start_timestamp"):
        assert (whole[col].astype("int64") % 10**9 == 0).all()
        gaps = whole.groupby("case:concept:name")[col].diff().dropna()
        assert (gaps > pd.Timedelta(0)).all()
    assert ((whole["time:timestamp"] - whole["start_timestamp"]) >= pd.Timedelta(minutes=1)).all()


def test_another_seed_gives_another_log():
    a = bm.make_log(EVENTS, seed=7, block_cases=16)
    b = bm.make_log(EVENTS, seed=8, block_cases=16)
    assert not a["time:timestamp"].equals(b["time:timestamp"])


def test_the_plan_spreads_the_events_exactly():
    p = bm.plan_log(10_007, cases=1_000, seed=3, block_cases=300)
    assert p.block_cases.tolist() == [300, 300, 300, 100]
    assert int(p.block_events.sum()) == 10_007
    assert (p.block_events >= 3 * p.block_cases).all()
    with pytest.raises(ValueError, match="cannot make"):
        bm.plan_log(100, cases=50)


def test_the_hive_folder_holds_every_case_in_one_partition(dataset):
    folder, info = dataset
    table = ds.dataset(folder / "hive", format="parquet", partitioning="hive").to_table()
    hive = table.to_pandas()
    assert len(hive) == EVENTS and info["events"] == EVENTS and info["cases"] == 200
    months = hive.groupby("case:concept:name")["month"].nunique()
    assert len(months) == 200 and (months == 1).all()
    # the partition is the month the case's first step started in
    first = hive.groupby("case:concept:name")["start_timestamp"].min().dt.strftime("%Y-%m")
    month = hive.groupby("case:concept:name")["month"].first().astype(str)
    assert (first == month).all()
    files = list((folder / "hive").rglob("*.parquet"))
    assert len(files) == info["files"] and all(f.parent.name.startswith("month=2024-") for f in files)
    # the single file is the same log, row for row
    single = pd.read_parquet(folder / "log.parquet")
    whole = bm.make_log(EVENTS, seed=7, block_cases=16)
    pd.testing.assert_frame_equal(single, whole, check_dtype=False)
    key = ["case:concept:name", "start_timestamp"]
    back = hive.drop(columns="month").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, whole.sort_values(key).reset_index(drop=True),
                                  check_dtype=False)  # fmt: skip


def _assert_same(ref, other, *, medians=True):
    assert set(ref) == set(other)
    for k, (n, mean, median) in ref.items():
        assert other[k][0] == n, k
        assert other[k][1] == pytest.approx(mean, rel=1e-9), k
        if medians:
            assert other[k][2] == pytest.approx(median, rel=1e-9), k


def test_the_three_dfgs_agree(dataset):
    folder, _ = dataset
    file = str(folder / "log.parquet")
    pandas_dfg = bm.pm4py_pandas(file, check=True)["dfg"]
    polars = bm.pm4py_polars(file, check=True)
    assert polars["dfg_seconds"] <= polars["seconds"]
    duck = bm.duckdb_dfg(file)["dfg"]
    assert len(pandas_dfg) > 30
    _assert_same(pandas_dfg, polars["dfg"])
    _assert_same(pandas_dfg, duck)
    # on the hive folder too (polars and DuckDB read it; pm4py pandas reads one file)
    _assert_same(pandas_dfg, bm.pm4py_polars(str(folder / "hive"), check=True)["dfg"])
    _assert_same(pandas_dfg, bm.duckdb_dfg(str(folder / "hive"))["dfg"])
    # ours counts and signed means are pm4py's
    _assert_same(pandas_dfg, bm.ours(file, check=True)["dfg"], medians=False)
    a = bm.agreement(pandas_dfg, duck)
    assert a["same_counts"] and a["mean_rel"] < 1e-12


def test_duckdb_dfg_exact_on_a_hand_built_log(tmp_path):
    # c1: a(08:00-08:10) b(09:00-09:30); c2: a(08:00-08:20) b(08:50-09:00) a(10:00-10:05)
    t = pd.to_datetime
    log = pd.DataFrame({
        "case:concept:name": ["c1", "c1", "c2", "c2", "c2"],
        "concept:name": ["a", "b", "a", "b", "a"],
        "org:group": ["x", "y", "x", "y", "x"],
        "start_timestamp": t(["2024-01-01 08:00", "2024-01-01 09:00", "2024-01-01 08:00",
                              "2024-01-01 08:50", "2024-01-01 10:00"], utc=True),
        "time:timestamp": t(["2024-01-01 08:10", "2024-01-01 09:30", "2024-01-01 08:20",
                             "2024-01-01 09:00", "2024-01-01 10:05"], utc=True),
    })  # fmt: skip
    path = tmp_path / "l.parquet"
    log.iloc[::-1].to_parquet(path)  # the query orders by itself
    dfg = bm.duckdb_dfg(str(path))["dfg"]
    # a->b: 50 min and 30 min (start of b minus completion of a); b->a: 60 min
    assert dfg == {("a", "b"): (2, 2400.0, 2400.0), ("b", "a"): (1, 3600.0, 3600.0)}
    ref = bm.pm4py_pandas(str(path), check=True)["dfg"]
    assert ref == dfg


def test_verdicts_and_unknowns():
    figures = {"ours": {"seconds": 3.0, "peak_mb": 3_100.0}, "pm4py pandas": {"seconds": 10.0},
               "bare DuckDB": {"seconds": 1.0}}  # fmt: skip
    v = {r["name"]: r for r in bm.verdicts(1_000_000, figures)}
    assert v["ours / pm4py polars"]["value"] is None
    assert v["ours / pm4py polars"]["verdict"] == "not measured"
    assert v["ours / min(pm4py)"]["value"] == 0.3  # the only pm4py side that ran
    assert v["ours / bare DuckDB"]["verdict"] == "PASS"  # 3.0 <= 3 at 1e6
    assert v["ours peak MB"]["verdict"] == "(target at 1e7)"
    v = {r["name"]: r for r in bm.verdicts(10_000_000, figures)}
    assert v["ours / min(pm4py)"]["verdict"] == "MISS" and v["ours peak MB"]["verdict"] == "MISS"
    assert v["ours / bare DuckDB"]["verdict"] == "(target at 1e6)"
    v = {r["name"]: r for r in bm.verdicts(50_000_000, {"ours": {"seconds": 9.0, "peak_mb": 1.0}})}
    assert v["ours mined 5e7"]["verdict"] == "PASS"
    v = {r["name"]: r for r in bm.verdicts(50_000_000, {})}
    assert v["ours mined 5e7"]["verdict"] == "MISS"


def test_estimates_skip_what_cannot_fit():
    est = ms._estimate_mb("pm4py pandas", 50_000_000, {})
    assert est > 24 * 1024  # pm4py on pandas cannot hold 50M events in 24 GB
    assert ms._estimate_mb("bare DuckDB", 50_000_000, {}) is None  # out of core: always run
    # a measurement at a smaller size in the same run scales linearly above the base
    base = ms._ESTIMATE["pm4py pandas"][0]
    assert ms._estimate_mb("pm4py pandas", 2_000_000, {"pm4py pandas": (1_000_000, base + 500)}) \
        == pytest.approx(base + 1000)  # fmt: skip


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--events", "abc"], "--events: 'abc' is not a number"),
        (["--events", "1e6,"], "--events: '' is not a number"),
        (["--events", "1.5"], "--events: '1.5' is not a whole number"),
        (["--events", "0"], "--events: '0' is not a whole number"),
        (["--events", "1e12"], "from 10 to 1e9"),
        (["--check-up-to", "x"], "--check-up-to: 'x' is not a number"),
        (["--sides", "ours,spark"], "--sides: 'ours,spark'"),
        (["--sides", "pandas"], "give ours and any of"),
        (["--timeout", "-1"], "--timeout: -1 is not a positive"),
        (["--memory", "0"], "--memory: 0 is not a positive"),
        (["--json", "out.txt"], "out.txt: unknown output type '.txt'"),
        (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["--seed", "-1"], "--seed: -1 is negative"),
        (["--timeout", "nan"], "--timeout: nan is not a positive"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_one_line_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        bm.main(argv)
    captured = capsys.readouterr()
    assert e.value.code == 2 and captured.out == ""
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("bench_mining.py: ")
    assert list(tmp_path.iterdir()) == []


def test_bad_data_and_json_paths(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "folder.json").mkdir()
    for argv, message in [
        (["--data", "a-file"], "--data: a-file: is a file, not a folder"),
        (["--json", "folder.json"], "folder.json: is a folder"),
        (["--json", "a-file/out.json"], "is a file, not a folder"),
    ]:
        with pytest.raises(SystemExit) as e:
            bm.main(argv)
        err = capsys.readouterr().err
        assert e.value.code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "folder.json"]
    assert (tmp_path / "a-file").read_text() == "x"


def test_a_foreign_folder_in_data_is_not_removed(tmp_path):
    root = tmp_path / "data"
    foreign = root / f"mining-events2000-seed42-v{bm.GENERATOR_VERSION}"
    foreign.mkdir(parents=True)
    (foreign / "mine.txt").write_text("keep")
    with pytest.raises(InputError, match="is not this benchmark's data; remove it"):
        bm._dataset(root, 2_000, 42, True)
    assert (foreign / "mine.txt").read_text() == "keep"


def test_a_tiny_run_end_to_end(tmp_path, capsys):
    out = tmp_path / "figures.json"
    bm.main(["--events", "300", "--sides", "ours,duckdb", "--data", str(tmp_path / "d"),
             "--json", str(out)])  # fmt: skip
    text = capsys.readouterr().out
    assert "bare DuckDB against" not in text or "PASS" in text
    run = json.loads(out.read_text())["runs"][0]
    assert run["events"] == 300 and set(run["sides"]) == {"ours", "bare DuckDB"}
    assert all(s["status"] == "ok" for s in run["sides"].values())
    assert all(s["peak_mb"] > 20 for s in run["sides"].values())
    assert run["agreement"]["ours"]["same_counts"]
    ratios = {r["name"]: r["value"] for r in run["ratios"]}
    assert ratios["ours / pm4py pandas"] is None  # not run: unknown, never 0
    assert ratios["ours / bare DuckDB"] == pytest.approx(
        run["sides"]["ours"]["seconds"] / run["sides"]["bare DuckDB"]["seconds"], rel=1e-3)
    assert np.isfinite(run["sides"]["ours"]["seconds"])
    # a second run reuses the cached data
    folder, info, reused = bm._dataset(tmp_path / "d", 300, 42, False)
    assert reused and info["events"] == 300 and (folder / "hive").is_dir()


DATA = ROOT.parent / "shared" / "data"


@pytest.mark.parametrize("name", ["receipt.csv", "interval_event_log.csv"])
def test_on_real_logs_duckdb_is_pm4py_pandas(name, tmp_path):
    """Ties and mixed UTC offsets (receipt), start times (interval): the query is pm4py's DFG."""
    if not (DATA / name).exists():
        pytest.skip(f"{name} is not in the shared data")
    info = bm.write_log_dataset(tmp_path / "d", DATA / name)
    file = str(tmp_path / "d" / "log.parquet")
    ref = bm.pm4py_pandas(file, check=True)["dfg"]
    _assert_same(ref, bm.duckdb_dfg(file)["dfg"])
    _assert_same(ref, bm.duckdb_dfg(str(tmp_path / "d" / "hive"))["dfg"])
    _assert_same(ref, bm.ours(file, check=True)["dfg"], medians=False)
    hive = ds.dataset(tmp_path / "d" / "hive", format="parquet", partitioning="hive").to_table()
    per_case = hive.to_pandas().groupby("case:concept:name")["month"].nunique()
    assert len(per_case) == info["cases"] and (per_case == 1).all()


def test_pm4py_polars_truncates_to_whole_seconds_on_receipt(tmp_path):
    """receipt.csv has transitions of a fraction of a second: pm4py's polars DFG drops it."""
    if not (DATA / "receipt.csv").exists():
        pytest.skip("receipt.csv is not in the shared data")
    bm.write_log_dataset(tmp_path / "d", DATA / "receipt.csv")
    file = str(tmp_path / "d" / "log.parquet")
    ref = bm.pm4py_pandas(file, check=True)["dfg"]
    polars = bm.pm4py_polars(file, check=True)["dfg"]
    a = bm.agreement(ref, polars)
    assert a["same_counts"] and a["mean_rel"] > 1e-3
    run = ms._agreements({"pm4py pandas": {"dfg": ref}, "pm4py polars": {"dfg": polars}})
    assert run["pm4py polars"]["verdict"] == "MISS"
    assert "whole seconds" in run["pm4py polars"]["why"]


def test_bad_log_option(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    for argv, message in [
        (["--log", "missing.csv"], "--log: missing.csv: no such file"),
        (["--log", "bad.csv", "--events", "1e6"], "--log and --events: give one of them"),
        (["--log", "bad.csv", "--data", "d"], "bad.csv"),
    ]:
        with pytest.raises(SystemExit) as e:
            bm.main(argv)
        err = capsys.readouterr().err
        assert e.value.code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    # nothing half-written stays in the data folder
    assert not (tmp_path / "d").exists() or list((tmp_path / "d").iterdir()) == []


def test_sides_that_cannot_fit_are_not_run_and_say_why(tmp_path, capsys):
    out = tmp_path / "f.json"
    data = tmp_path / "d"
    bm.main(["--events", "300", "--sides", "ours,pandas,duckdb", "--memory", "0.05",
             "--data", str(data), "--json", str(out)])  # fmt: skip
    run = json.loads(out.read_text())["runs"][0]
    # pm4py's pandas path holds the log in memory; the scale engine has no estimate
    assert run["sides"]["pm4py pandas"]["status"].startswith("not run: needs ~0.")
    assert run["sides"]["pm4py pandas"]["status"].endswith("0.1 GB may be used (--memory)")
    assert run["sides"]["ours"]["status"] == "ok"
    duck = run["sides"]["bare DuckDB"]
    assert duck["status"] == "ok" and duck["reads"] == "hive folder"
    # no side reads one file, so none is written
    assert not list(data.glob("*/log.parquet")) and list(data.glob("*/hive/month=*/*.parquet"))
    ratios = {r["name"]: r for r in run["ratios"]}
    # pm4py was not run: every ratio against it is unknown, never 0
    assert ratios["ours / pm4py pandas"]["value"] is None
    assert ratios["ours / pm4py pandas"]["verdict"] == "not measured"
    text = capsys.readouterr().out
    assert "not run: needs ~0." in text and "not measured" in text


def test_a_side_past_its_timeout_is_stopped(tmp_path):
    out = tmp_path / "f.json"
    bm.main(["--events", "300", "--sides", "ours", "--timeout", "0.01",
             "--data", str(tmp_path / "d"), "--json", str(out)])  # fmt: skip
    run = json.loads(out.read_text())["runs"][0]
    assert run["sides"]["ours"]["status"] == "timed out after 0.01 s (--timeout)"

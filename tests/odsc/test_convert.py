"""Tests of ``odsc convert`` and analysis.log_export on tiny logs, and every bad input."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analysis.log_export import MAX_PARTITIONS, write_parquet_folder
from analysis.log_sources import META_KEY
from analysis.logs import read_log
from analysis.schema import LogError
from odsc.cli import main

CSV = """case,step,when,department,centre,lifecycle:transition
c1,intake,2024-01-15 08:00:00+01:00,DOLA,Pek,complete
c1,intake,2024-01-15 08:00:00+01:00,DOLA,Pek,complete
c1,review,2024-07-15 09:30:00+02:00,Tax,Pek,complete
c2,intake,2024-07-16 10:00:00+02:00,DOLA,Xaythany,start
c2,intake,2024-07-16 10:20:00+02:00,DOLA,Xaythany,complete
c3,pay,2024-07-17 11:00:00+02:00,Tax,Xaythany,start
"""
COLUMNS = ["--case", "case", "--activity", "step", "--timestamp", "when", "--agency", "department"]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "log.csv"
    path.write_text(CSV)
    return path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_convert_and_read_back_the_same_log(tmp_path):
    src, out = _csv(tmp_path), tmp_path / "out"
    result = _run("convert", str(src), "-o", str(out), "--partition-by", "centre", *COLUMNS)
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet")) == [
        "centre=Pek/part-0.parquet",
        "centre=Xaythany/part-0.parquet",
    ]
    assert "wrote 3 events of 2 cases in 2 Parquet files" in result.output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = read_log(
            src, case="case", activity="step", timestamp="when", agency="department"
        )
    back = read_log(out)
    assert back.attrs["odsc:zone"] == original.attrs["odsc:zone"] == "CET"
    # what the reader set aside from the original is still said of the folder
    assert back.attrs["odsc:set_aside"] == original.attrs["odsc:set_aside"]
    assert original.attrs["odsc:set_aside"] == {
        "duplicate": 1,
        "start_without_complete": 1,
        "complete_without_start": 1,
    }
    cols = [c for c in original.columns if c != "centre"]
    pd.testing.assert_frame_equal(back[cols], original[cols])
    assert back["centre"].tolist() == original["centre"].tolist()  # text, after the others
    meta = json.loads(pq.read_schema(out / "centre=Pek" / "part-0.parquet").metadata[META_KEY])
    assert meta == {
        "set_aside": {"duplicate": 1, "start_without_complete": 1, "complete_without_start": 1}
    }


def test_without_partitions_one_file(tmp_path):
    out = tmp_path / "out"
    assert _run("convert", str(_csv(tmp_path)), "-o", str(out), *COLUMNS).exit_code == 0
    assert [p.name for p in out.iterdir()] == ["part-0.parquet"]


def test_convert_refuses_a_folder_that_is_not_empty_unless_force(tmp_path):
    src, out = _csv(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "old.parquet").write_bytes(b"keep me")
    result = _run("convert", str(src), "-o", str(out), *COLUMNS)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {out}: the folder is not empty; give an empty or new folder, or --force"
    )
    assert (out / "old.parquet").read_bytes() == b"keep me"
    forced = _run("convert", str(src), "-o", str(out), "--force", *COLUMNS)
    assert forced.exit_code == 0, forced.output
    assert [p.name for p in out.iterdir()] == ["part-0.parquet"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no temp left


def test_a_bad_partition_column_names_it_and_the_columns(tmp_path):
    out = tmp_path / "out"
    result = _run(
        "convert", str(_csv(tmp_path)), "-o", str(out), "--partition-by", "centr", *COLUMNS
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --partition-by: the log has no column 'centr'; columns: case:concept:name, "
        "concept:name, time:timestamp, org:group, start_timestamp, centre"
    )
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


def test_a_folder_holding_the_input_is_never_replaced(tmp_path):
    src = _csv(tmp_path)
    result = _run("convert", str(src), "-o", str(tmp_path), "--force", *COLUMNS)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {tmp_path}: holds the input {src}; write the Parquet files elsewhere"
    )
    assert src.read_text() == CSV


def test_output_that_is_a_file_and_a_missing_input(tmp_path):
    target = tmp_path / "out.parquet"
    target.write_text("x")
    result = _run("convert", str(_csv(tmp_path)), "-o", str(target), *COLUMNS)
    assert (result.exit_code, result.output.strip()) == (
        2,
        f"error: {target}: is a file; give a folder to write the Parquet files in",
    )
    missing = _run("convert", str(tmp_path / "no.csv"), "-o", str(tmp_path / "o"))
    assert missing.exit_code == 2
    assert missing.output.strip() == f"error: no.csv: no such file ({tmp_path}/no.csv)"


def test_too_many_partitions_are_refused_before_writing(tmp_path):
    n = MAX_PARTITIONS + 1
    log = read_log(pd.DataFrame({
        "case:concept:name": [f"c{i}" for i in range(n)],
        "concept:name": ["a"] * n,
        "time:timestamp": pd.Timestamp("2024-01-01", tz="UTC"),
    }))  # fmt: skip
    with pytest.raises(LogError) as info:
        write_parquet_folder(log, tmp_path / "out", partition_by=["case:concept:name"])
    assert str(info.value) == (
        f"--partition-by case:concept:name: would make {n:,} folders; at most "
        f"{MAX_PARTITIONS:,} (partition by a column with fewer values, e.g. centre or month)"
    )
    assert list(tmp_path.iterdir()) == []


def test_missing_partition_values_read_back_as_missing(tmp_path):
    log = read_log(pd.DataFrame({
        "case:concept:name": ["a", "b"],
        "concept:name": ["x", "y"],
        "time:timestamp": ["2024-01-01 08:00", "2024-01-01 09:00"],
        "centre": ["Pek", None],
    }))  # fmt: skip
    write_parquet_folder(log, tmp_path / "out", partition_by=["centre"])
    back = read_log(tmp_path / "out")
    assert back.sort_values("case:concept:name")["centre"].isna().tolist() == [False, True]


def test_a_column_parquet_cannot_hold_is_named(tmp_path):
    log = read_log(pd.DataFrame({
        "case:concept:name": ["a", "b"],
        "concept:name": ["x", "y"],
        "time:timestamp": ["2024-01-01 08:00", "2024-01-01 09:00"],
        "fee": pd.Series([1, "free"], dtype=object),
    }))  # fmt: skip
    with pytest.raises(LogError) as info:
        write_parquet_folder(log, tmp_path / "out")
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 'out'}: the log cannot be written as Parquet (")
    assert "column fee" in text and "\n" not in text
    assert list(tmp_path.iterdir()) == []

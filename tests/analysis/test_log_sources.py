"""Tests of analysis.log_sources: files, folders, patterns, hive partitions, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analysis.log_sources import LogSource, read_parquet_source, resolve_source
from analysis.logs import read_log
from analysis.schema import LogError
from odsc.cli import main


def _events(case: str, start_hour: int, n: int = 2, group: str = "DOLA") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case:concept:name": [case] * n,
            "concept:name": [f"step{i}" for i in range(n)],
            "time:timestamp": pd.date_range(
                f"2024-03-04 {start_hour:02d}:00", periods=n, freq="30min", tz="UTC"
            ),  # fmt: skip
            "org:group": [group] * n,
        }
    )


def _hive(root: Path) -> Path:
    """Two centres x two months, one file each, with the case ids telling them apart."""
    for centre in ("Xaythany", "Pek"):
        for month, hour in (("2024-01", 8), ("2024-02", 9)):
            folder = root / f"centre={centre}" / f"month={month}"
            folder.mkdir(parents=True)
            _events(f"{centre}-{month}", hour).to_parquet(folder / "part-0.parquet")
    return root


def _error(text) -> str:
    with pytest.raises(LogError) as info:
        resolve_source(text)
    assert "\n" not in str(info.value)
    return str(info.value)


# --------------------------------------------------------------------------- resolving


def test_a_single_file(tmp_path):
    path = tmp_path / "log.csv.gz"
    path.write_bytes(b"")
    src = resolve_source(str(path))
    assert src == LogSource(
        files=(path,), kind="csv", partitions=(), root=tmp_path, name="log.csv.gz"
    )
    assert src.single


def test_a_hive_folder(tmp_path):
    src = resolve_source(_hive(tmp_path / "logs"))
    assert src.kind == "parquet" and src.partitions == ("centre", "month")
    assert [f.relative_to(src.root).as_posix() for f in src.files] == [
        "centre=Pek/month=2024-01/part-0.parquet",
        "centre=Pek/month=2024-02/part-0.parquet",
        "centre=Xaythany/month=2024-01/part-0.parquet",
        "centre=Xaythany/month=2024-02/part-0.parquet",
    ]
    assert not src.single


def test_a_pattern_and_its_root(tmp_path):
    root = _hive(tmp_path / "logs")
    src = resolve_source(f"{root}/centre=Pek/*/*.parquet")
    assert len(src.files) == 2 and src.root == root / "centre=Pek"
    assert src.partitions == ("month",)  # the folders below the root only
    deep = resolve_source(f"{root}/**/*.parquet")
    assert len(deep.files) == 4 and deep.partitions == ("centre", "month")


def test_other_files_are_ignored(tmp_path):
    root = _hive(tmp_path / "logs")
    (root / "README.md").write_text("about these files")
    (root / "_SUCCESS").write_text("")
    (root / ".part-0.parquet.crc").write_text("")
    (root / "_tmp").mkdir()
    (root / "_tmp" / "x.parquet").write_bytes(b"")
    assert len(resolve_source(root).files) == 4


def test_bad_sources_name_the_path(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _error(empty) == "empty: the folder holds no log files"
    (empty / "notes.txt.bak").write_text("x")
    assert _error(empty).startswith("empty: the folder holds no log files (known types: .csv, ")
    assert _error(f"{tmp_path}/*.parquet") == "*.parquet: no file matches this pattern"
    assert (
        _error(tmp_path / "nope.parquet") == f"nope.parquet: no such file ({tmp_path}/nope.parquet)"
    )
    odd = tmp_path / "log.json"
    odd.write_text("{}")
    assert _error(odd).startswith("log.json: unsupported file type (expected one of .csv,")
    mixed = tmp_path / "mixed"
    (mixed / "a").mkdir(parents=True)
    (mixed / "a" / "x.csv").write_text("x")
    (mixed / "b.xes").write_text("x")
    assert (
        _error(mixed) == "mixed: mixes csv and xes files (a/x.csv, b.xes); keep one kind per folder"
    )


def test_partition_folders_that_differ(tmp_path):
    root = _hive(tmp_path / "logs")
    _events("loose", 10).to_parquet(root / "loose.parquet")
    assert _error(root) == (
        "logs: the partition folders differ: centre=Pek/month=2024-01/part-0.parquet is under "
        "centre=.../month=... but loose.parquet under no partition folder"
    )


def test_an_unreadable_file(tmp_path):
    root = tmp_path / "logs"
    root.mkdir()
    _events("a", 8).to_parquet(root / "a.parquet")
    os.symlink(tmp_path / "gone.parquet", root / "b.parquet")  # a link to nothing
    assert _error(root) == "b.parquet: cannot be read (No such file or directory)"


# --------------------------------------------------------------------------- reading


def test_one_table_equals_the_files_concatenated(tmp_path):
    root = _hive(tmp_path / "logs")
    frame = read_parquet_source(resolve_source(root))
    # cross-check: each file by pandas, with its folders' keys, one after the other
    parts = []
    for f in sorted(root.rglob("*.parquet")):
        part = pd.read_parquet(f)
        part["centre"] = f.parent.parent.name.split("=")[1]
        part["month"] = f.parent.name.split("=")[1]
        parts.append(part)
    expected = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["month"].tolist()[:4] == ["2024-01", "2024-01", "2024-02", "2024-02"]


def test_read_log_of_a_folder_and_of_a_pattern(tmp_path):
    root = _hive(tmp_path / "logs")
    log = read_log(root)
    assert len(log) == 8 and log["case:concept:name"].nunique() == 4
    assert log.groupby("centre")["case:concept:name"].nunique().to_dict() == {
        "Pek": 2,
        "Xaythany": 2,
    }
    assert str(log["time:timestamp"].dtype) == "datetime64[ns, UTC]"
    by_glob = read_log(f"{root}/**/*.parquet")
    pd.testing.assert_frame_equal(log, by_glob)


def test_schemas_are_unified_where_arrow_can(tmp_path):
    root = tmp_path / "logs"
    root.mkdir()
    a = _events("a", 8).assign(fee=pa.array([1, 2], pa.int32()).to_pandas())
    b = _events("b", 9).assign(fee=[2.5, 3.5], note=["late", None])
    a.to_parquet(root / "a.parquet")
    b.to_parquet(root / "b.parquet")
    frame = read_parquet_source(resolve_source(root))
    assert frame["fee"].tolist() == [1.0, 2.0, 2.5, 3.5]
    assert frame["note"].isna().tolist() == [True, True, False, True]


def test_schemas_that_cannot_be_unified_name_the_column_and_files(tmp_path):
    root = tmp_path / "logs"
    (root / "centre=Pek").mkdir(parents=True)
    (root / "centre=Xay").mkdir(parents=True)
    _events("a", 8).assign(fee=[1, 2]).to_parquet(root / "centre=Pek" / "p.parquet")
    _events("b", 9).assign(fee=["free", "1"]).to_parquet(root / "centre=Xay" / "p.parquet")
    text_type = pq.read_schema(root / "centre=Xay" / "p.parquet").field("fee").type  # by pandas
    with pytest.raises(LogError) as info:
        read_log(root)
    assert str(info.value) == (
        f"logs: column 'fee' is int64 in centre=Pek/p.parquet but {text_type} in "
        "centre=Xay/p.parquet; the files cannot be read as one log"
    )


def test_a_partition_key_that_is_also_a_column(tmp_path):
    root = tmp_path / "logs" / "org:group=Tax"
    root.mkdir(parents=True)
    _events("a", 8).to_parquet(root / "p.parquet")
    with pytest.raises(LogError, match=r"^org:group=Tax/p.parquet: column 'org:group' is also a "):
        read_log(tmp_path / "logs")


def test_a_damaged_parquet_file_in_a_folder(tmp_path):
    root = tmp_path / "logs"
    root.mkdir()
    _events("a", 8).to_parquet(root / "a.parquet")
    (root / "b.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(LogError, match=r"^b.parquet: not a readable Parquet file \("):
        read_log(root)


def test_several_csv_files_are_refused(tmp_path):
    root = tmp_path / "logs"
    root.mkdir()
    for name in ("a.csv", "b.csv"):
        _events(name, 8).to_csv(root / name, index=False)
    with pytest.raises(LogError) as info:
        read_log(root)
    assert str(info.value) == (
        "logs: 2 csv files; only Parquet files are read as one log from a folder or pattern "
        "(convert each with odsc convert)"
    )
    assert len(read_log(root / "a.csv")) == 2  # one of them is fine


def test_cli_reads_a_folder_and_a_pattern_and_refuses_bad_ones(tmp_path):
    root = _hive(tmp_path / "logs")
    out = tmp_path / "m.json"
    result = CliRunner().invoke(main, ["mine", f"{root}/", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    out.unlink()
    bad = CliRunner().invoke(main, ["mine", f"{tmp_path}/nothing-*.parquet", "-o", str(out)])
    assert bad.exit_code == 2
    assert bad.output.strip() == "error: nothing-*.parquet: no file matches this pattern"
    assert not out.exists()


def test_partition_values_are_text(tmp_path):
    root = tmp_path / "logs" / "year=2024"
    root.mkdir(parents=True)
    _events("a", 8).to_parquet(root / "p.parquet")
    frame = read_parquet_source(resolve_source(tmp_path / "logs"))
    assert frame["year"].tolist() == ["2024", "2024"]
    assert pq.read_schema(root / "p.parquet").names == list(frame.columns[:-1])


def test_calibrate_names_the_journey_after_the_folder(tmp_path):
    root = _hive(tmp_path / "centres")
    out = tmp_path / "model.yaml"
    result = CliRunner().invoke(main, ["calibrate", f"{root}/**/*.parquet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("id: centres-as-is\nname: centres (as-is, calibrated)\n")

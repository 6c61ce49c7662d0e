"""``odsc monitor`` and ``odsc mine`` on the scale engine and on Dask: the same outputs.

The example log is converted once (``odsc convert``, a folder per centre);
``--engine auto`` then takes the scale engine for the folder, and the CSV and
JSON equal those of ``--engine pandas`` on the same folder, also with
``--dask-local 2`` (a real LocalCluster of two worker processes). Every bad
option is one line, exit status 2, nothing written. ``odsc mine`` on the folder
writes the same JSON report (but the time it was made) locally, in three hash
buckets and on ``--dask-local 2``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "examples" / "odsc_example_log.csv"
OPTIONS = ["--by", "centre", "--tz", "Asia/Vientiane", "--min-cases", "3"]


def run(*args: str):
    return CliRunner().invoke(main, [*args])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("converted") / "log"
    r = run("convert", str(LOG), "-o", str(out), "--partition-by", "centre")
    assert r.exit_code == 0, r.output
    return out


def _monitor(folder: Path, out: Path, *extra: str) -> str:
    r = run("monitor", str(folder), *OPTIONS, *extra, "-o", str(out))
    assert r.exit_code == 0, r.output
    scale = "--engine" not in extra or "scale" in extra
    assert r.output.strip() == f"wrote {out}" + (" (scale engine)" if scale else "")
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pandas_outputs(folder, tmp_path_factory) -> dict[str, str]:
    where = tmp_path_factory.mktemp("pandas")
    return {ext: _monitor(folder, where / f"m.{ext}", "--engine", "pandas")
            for ext in ("csv", "json")}  # fmt: skip


def test_auto_takes_the_scale_engine_for_a_folder_and_writes_the_same_csv_and_json(
    folder, pandas_outputs, tmp_path
):
    for ext in ("csv", "json"):
        got = _monitor(folder, tmp_path / f"m.{ext}")
        assert got == pandas_outputs[ext], ext
    lines = pandas_outputs["csv"].splitlines()
    assert lines[0].startswith("level,centre,period") and len(lines) > 10
    glob = _monitor(Path(str(folder) + "/*/*.parquet"), tmp_path / "g.csv", "--buckets", "3")
    assert glob == pandas_outputs["csv"]


def test_dask_local_2_writes_the_same_csv(folder, pandas_outputs, tmp_path):
    got = _monitor(folder, tmp_path / "d.csv", "--dask-local", "2", "--worker-memory", "1GB")
    assert got == pandas_outputs["csv"]


def test_the_html_report_from_the_scale_engine_carries_no_script(folder, tmp_path):
    page = _monitor(folder, tmp_path / "m.html", "--engine", "scale")
    assert "<script" not in page and "<svg" in page
    assert "Which centres got faster or slower" in page


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--scheduler", "tcp://127.0.0.1:9", "--dask-local", "2"],
         "give either --scheduler or --dask-local, not both"),
        (["--scheduler", "tcp://127.0.0.1:9"],
         "scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler"),
        (["--dask-local", "0"], "--dask-local must be >= 1, got 0"),
        (["--buckets", "0"], "--buckets must be >= 1, got 0"),
        (["--dask-local", "2", "--worker-memory", "lots"],
         "--worker-memory: not a size of at least 1MiB such as 4GB or 512MiB, got 'lots'"),
        (["--worker-memory", "2GB"], "--worker-memory needs --scheduler or --dask-local"),
        (["--engine", "scale", "--journey", "business-licence"],
         "--journey: the scale engine cannot honour this option; use --engine pandas"),
        (["--engine", "scale", "--agency", "department"],
         "--agency department: the scale engine cannot honour this option"),
        (["--engine", "pandas", "--dask-local", "2"],
         "--dask-local 2: Dask runs the scale engine only; not with --engine pandas"),
        (["--journey", "business-licence", "--dask-local", "2"],
         "--dask-local 2: Dask runs the scale engine only; and --journey needs the pandas"),
        (["--by", "centr"], "log: --by: the log has no column 'centr'; did you mean 'centre'?"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line_exit_2_nothing_written(folder, tmp_path, extra, needle):
    out = tmp_path / "m.csv"
    r = run("monitor", str(folder), *OPTIONS, *extra, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert needle in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert "Traceback" not in r.output and not out.exists()


def test_dask_options_on_a_csv_log_are_refused(tmp_path):
    out = tmp_path / "m.csv"
    r = run("monitor", str(LOG), *OPTIONS, "--dask-local", "2", "-o", str(out))
    assert r.exit_code == 2 and not out.exists()
    assert r.output.strip() == (
        f"error: --dask-local 2: Dask runs the scale engine only; LOG {LOG} is not a folder or "
        "glob of Parquet files (odsc convert writes one; or --engine scale)"
    )


def _mine_json(folder: Path, out: Path, *extra: str) -> dict:
    import json

    r = run("mine", str(folder), "--by", "centre", "--key", "k", *extra, "-o", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["report"].pop("generated")  # the time the report was made
    return data


def test_mine_on_dask_local_2_writes_the_same_json_report(folder, tmp_path):
    local = _mine_json(folder, tmp_path / "local.json", "--engine", "scale")
    assert local["summary"]["cases"] > 100 and local["report"]["pseudonymised"]
    for extra in (["--dask-local", "2"], ["--buckets", "3"]):
        assert _mine_json(folder, tmp_path / "other.json", *extra) == local, extra


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--scheduler", "tcp://127.0.0.1:9", "--dask-local", "2"],
         "give either --scheduler or --dask-local, not both"),
        (["--dask-local", "0"], "--dask-local must be >= 1, got 0"),
        (["--engine", "pandas", "--dask-local", "2"],
         "--dask-local 2: Dask runs the scale engine only, and LOG is mined by pandas"),
        (["--scheduler", "tcp://127.0.0.1:9"],
         "scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler"),
    ],
)  # fmt: skip
def test_mine_bad_dask_options_are_one_line_nothing_written(folder, tmp_path, extra, needle):
    out = tmp_path / "r.json"
    r = run("mine", str(folder), *extra, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert needle in r.output and "Traceback" not in r.output and not out.exists()

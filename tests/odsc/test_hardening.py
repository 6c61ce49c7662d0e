"""Inputs that once gave a traceback, a hang, a silent overwrite or a wrong acceptance.

Each test is one such input; each asserts the command contract: one ``error:``
line naming the file, row, field or option, exit status 2, and the folder
exactly as it was (nothing written, no existing file touched).
"""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402

LOG = """case,step,done,dept
A-1,apply,2024-01-02 08:00,Commerce
A-1,check,2024-01-02 10:00,Tax
A-2,apply,2024-01-03 09:00,Commerce
A-2,check,2024-01-05 09:00,Tax
"""
COLUMNS = ["--case", "case", "--activity", "step", "--timestamp", "done", "--agency", "dept"]
SMALL_RUN = ["--days", "3", "--warmup-days", "1", "--tail-days", "2", "--replications", "2"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
        for p in sorted(folder.rglob("*"))
    }


def _refused(folder: Path, *args: str, needles: tuple[str, ...] = (), lines: int = 1) -> str:
    """Run ``odsc args``; assert exit 2, ``lines`` error lines, folder untouched; the first."""
    before = _snapshot(folder)
    r = CliRunner().invoke(main, list(args), prog_name="odsc")
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    shown = r.stderr.splitlines()
    assert len(shown) == lines and all(x.startswith("error: ") for x in shown), r.stderr
    for needle in needles:
        assert needle in shown[0]
    assert _snapshot(folder) == before
    return shown[0]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "centre.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def _long_journey(n: int) -> str:
    """A valid journey of ``n`` steps in a line (the catalogue's largest has under 20)."""
    head = [
        "id: long",
        "name: Long",
        "start: s0",
        "agencies: {a: {name: A}}",
        "doors: {d: {name: D, agency: a}}",
        "calendars: {office: {hours: ['08:00-16:00'], days: [mon, tue, wed, thu, fri]}}",
        "pools: {p: {agency: a, capacity: 5, calendar: office}}",
        "arrivals: {per_day: 2}",
        "steps:",
    ]
    steps = []
    for i in range(n):
        extra = ", door: d, citizen_present: true" if i in (0, n - 1) else ""
        steps.append(f"  s{i}: {{agency: a, pool: p, duration: {{dist: fixed, value: 1}}{extra}}}")
    moves = ["transitions:"] + [f"  - {{from: s{i}, to: s{i + 1}}}" for i in range(n - 1)]
    return "\n".join(head + steps + moves) + "\n"


# ------------------------------------------------------------------ timestamps


@pytest.mark.parametrize("when", ["1500-01-02 08:00", "9999-12-31 10:00", "1500-01-02T08:00Z"])
def test_timestamp_out_of_pandas_bounds_names_the_line(tmp_path, when):
    bad = tmp_path / "old.csv"
    bad.write_text(LOG.replace("2024-01-02 10:00", when), encoding="utf-8")
    line = _refused(tmp_path, "mine", str(bad), *COLUMNS, "-o", str(tmp_path / "r.md"))
    assert line == (
        f"error: old.csv: time:timestamp out of range at line 3 (values: '{when}'); "
        "times must lie between the years 1678 and 2261"
    )
    _refused(tmp_path, "calibrate", str(bad), *COLUMNS, "-o", str(tmp_path / "m.yaml"))


# ------------------------------------------------------------------ size limits


def test_100000_distinct_activities_are_refused_at_once(tmp_path):
    rows = [f"C{i % 500},act{i},2024-01-02 08:{i % 60:02d},D" for i in range(100_000)]
    big = tmp_path / "many.csv"
    big.write_text("case,step,done,dept\n" + "\n".join(rows) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    line = _refused(tmp_path, "calibrate", str(big), *COLUMNS, "-o", str(tmp_path / "m.yaml"))
    assert line == (
        "error: many.csv: 100,000 distinct activities in column 'step' (limit 1,000): "
        "does --activity name the step column?"
    )
    _refused(tmp_path, "mine", str(big), *COLUMNS, "-o", str(tmp_path / "r.md"))
    assert time.perf_counter() - t0 < 60


def test_1_mb_field_is_refused_not_exit_1_in_silence(tmp_path):
    bad = tmp_path / "wide.csv"
    bad.write_text(LOG.replace("A-1,check", "A-1," + "x" * 1_000_000), encoding="utf-8")
    line = _refused(tmp_path, "mine", str(bad), *COLUMNS, "-o", str(tmp_path / "r.html"))
    assert line == (
        "error: wide.csv: concept:name value of 1,000,000 characters in case 'A-1' "
        "(limit 1,000 characters)"
    )


@pytest.fixture(scope="module")
def journey_10000(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("long") / "long.yaml"
    path.write_text(_long_journey(10_000), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["journey", "metrics"],
        ["journey", "walk"],
        ["journey", "plot", "-o", "{out}/b.png"],
        ["compare", "business-licence", "-o", "{out}/c.html"],
        ["simulate", "--days", "2", "-o", "{out}/s.csv"],
        ["redesign", "--digitize", "all", "-o", "{out}/t.yaml"],
    ],
)
def test_10000_step_journey_is_refused_quickly(tmp_path, journey_10000, command):
    args = [a.format(out=tmp_path) for a in command]
    args.insert(2 if args[0] == "journey" else 1, str(journey_10000))
    t0 = time.perf_counter()
    # journey validation refuses it: too many steps, and too many transitions
    line = _refused(tmp_path, *args, lines=2)
    assert line.startswith(f"error: {journey_10000}: steps: a journey may have at most 200 steps")
    assert line.endswith("got 10,000")
    assert time.perf_counter() - t0 < 30


@pytest.mark.parametrize("command", [["metrics"], ["walk"], ["plot", "-o", "{out}/b.svg"]])
def test_a_journey_one_step_past_the_limit_is_refused(tmp_path, command):
    wide = tmp_path / "wide.yaml"
    wide.write_text(_long_journey(201), encoding="utf-8")
    args = ["journey", command[0], str(wide), *[a.format(out=tmp_path) for a in command[1:]]]
    line = _refused(tmp_path, *args)
    assert line.startswith(f"error: {wide}: steps: a journey may have at most 200 steps")


# ------------------------------------------------------------------ options


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "business-licence", "--arrivals-per-day", "0"],
         "error: --arrivals-per-day must be > 0, got 0"),
        (["simulate", "business-licence", "--days", "100000000"],
         "error: --days must be at most 2,500 (about ten years of working days), got 100000000"),
        (["simulate", "business-licence", "--days", "2", "--arrivals-per-day", "1e9"],
         "error: --arrivals-per-day must be at most 100,000, got 1e+09"),
        (["simulate", "business-licence", "--days", "2000", "--arrivals-per-day", "5000"],
         "error: business-licence: --days 2000 at 5000 citizens a day: about 10,000,000 "
         "citizens in one run (limit 500,000)"),
        (["simulate", "business-licence", "--seed", "-1"], "error: --seed must be >= 0, got -1"),
        (["compare", "business-licence", "business-licence-one-door", *SMALL_RUN, "--sla", "nan"],
         "error: --sla must be >= 0 minutes, got nan"),
        (["compare", "business-licence", "business-licence-one-door", "--jobs", "100000"],
         "error: --jobs must be at most 256 (more than a machine has cores), got 100000"),
    ],
)  # fmt: skip
def test_bad_run_options_are_one_line(tmp_path, args, message):
    out = tmp_path / ("s.csv" if args[0] == "simulate" else "c.md")
    assert _refused(tmp_path, *args, "-o", str(out)) == message


def test_walk_with_seed_minus_1(tmp_path):
    assert _refused(tmp_path, "journey", "walk", "family-book", "--seed", "-1") == (
        "error: --seed must be >= 0, got -1"
    )


def test_plot_with_dpi_0(tmp_path):
    line = _refused(tmp_path, "journey", "plot", "family-book", "--dpi", "0", "-o",
                    str(tmp_path / "b.png"))  # fmt: skip
    assert line == "error: --dpi must be >= 1, got 0"


def test_mine_with_sla_nan(tmp_path, log):
    line = _refused(tmp_path, "mine", str(log), *COLUMNS, "--sla", "nan", "-o",
                    str(tmp_path / "r.md"))  # fmt: skip
    assert line == "error: --sla must be a number, got nan"


def test_empty_one_door_name(tmp_path):
    line = _refused(tmp_path, "redesign", "family-book", "--one-door", "", "-o",
                    str(tmp_path / "t.yaml"))  # fmt: skip
    assert line == "error: family-book: --one-door: the front desk needs a name, got ''"


def test_click_usage_errors_are_one_line(tmp_path, log):
    line = _refused(tmp_path, "mine", str(log), "--sla", "soon", "-o", str(tmp_path / "r.md"))
    assert line == (
        "error: odsc mine: Invalid value for '--sla': 'soon' is not a valid float. "
        "(see odsc mine --help)"
    )
    assert _refused(tmp_path, "journey", "walk").startswith("error: odsc journey walk: Missing")


# ------------------------------------------------------------------ input files


def test_duplicate_column_names_are_refused(tmp_path):
    csv = tmp_path / "twice.csv"
    csv.write_text("case,step,done,step\nA,x,2024-01-02 08:00,y\n", encoding="utf-8")
    line = _refused(tmp_path, "mine", str(csv), "--case", "case", "--activity", "step",
                    "--timestamp", "done", "-o", str(tmp_path / "r.md"))  # fmt: skip
    assert line == (
        "error: twice.csv: line 1: column 'step' appears twice (columns 2 and 4); rename one"
    )


def test_duplicate_column_names_in_parquet_are_refused(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table([["A"], ["x"], ["2024-01-02 08:00"], ["y"]],
                     names=["case", "step", "done", "step"])  # fmt: skip
    path = tmp_path / "twice.parquet"
    pq.write_table(table, path)
    line = _refused(tmp_path, "calibrate", str(path), *COLUMNS[:6], "-o", str(tmp_path / "m.yaml"))
    assert line == "error: twice.parquet: column 'step' appears twice (columns 2 and 4); rename one"


def test_truncated_gz_is_refused_not_aborted(tmp_path):
    data = gzip.compress(LOG.encode() * 200)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    line = _refused(tmp_path, "mine", str(path), *COLUMNS, "-o", str(tmp_path / "r.md"))
    assert (
        line == "error: cut.csv.gz: the compressed data ends early (a truncated download or copy?)"
    )


# ------------------------------------------------------------------ outputs


@pytest.mark.parametrize(
    ("args", "known"),
    [
        (["mine", "{log}", *COLUMNS], ".html, .htm, .md, .markdown, .json"),
        (["calibrate", "{log}", *COLUMNS], ".yaml, .yml"),
        (["simulate", "family-book", "--days", "2"], "use .parquet or .csv"),
        (["compare", "family-book", "family-book-one-door", *SMALL_RUN], "use .html, .md or .json"),
        (["redesign", "family-book", "--digitize", "all"], ".yaml, .yml"),
        (["journey", "plot", "family-book"], "use .png, .svg or .pdf"),
    ],
)
def test_unknown_output_type_is_refused_with_the_known_ones(tmp_path, log, args, known):
    ext = ".docx" if args[0] == "journey" else ".pdf"
    out = tmp_path / f"out{ext}"
    line = _refused(tmp_path, *[a.format(log=log) for a in args], "-o", str(out))
    assert str(out) in line and known in line


@pytest.mark.parametrize(
    "args",
    [
        ["mine", "{log}", *COLUMNS, "-o", "{out}/r.html"],
        ["calibrate", "{log}", *COLUMNS, "-o", "{out}/m.yaml"],
        ["simulate", "family-book", "--days", "2", "-o", "{out}/s.csv"],
        ["compare", "family-book", "family-book-one-door", *SMALL_RUN, "-o", "{out}/c.html"],
        ["redesign", "family-book", "--digitize", "all", "-o", "{out}/t.yaml"],
        ["journey", "plot", "family-book", "-o", "{out}/b.png"],
        ["demo", "--replications", "2", "-o", "{out}/demo"],
    ],
)
def test_output_under_a_file_is_refused_before_any_work(tmp_path, log, args):
    parent = tmp_path / "notes.txt"
    parent.write_text("a file, not a folder")
    line = _refused(tmp_path, *[a.format(log=log, out=parent) for a in args])
    assert line.endswith(f"cannot write there: {parent} is a file, not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_output_in_a_read_only_folder(tmp_path, log):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        line = _refused(tmp_path, "mine", str(log), *COLUMNS, "-o", str(locked / "r.md"))
        assert "cannot write in" in line and "Permission denied" in line
    finally:
        locked.chmod(0o700)


def test_output_may_never_be_the_input(tmp_path):
    journey = tmp_path / "fb.yaml"
    journey.write_text(Path("journeys/catalog/family-book.yaml").read_text(encoding="utf-8"))
    (tmp_path / "link.yaml").symlink_to(journey)
    os.link(journey, tmp_path / "hard.yaml")
    for out in ("fb.yaml", "link.yaml", "hard.yaml", "sub/../fb.yaml"):
        line = _refused(tmp_path, "redesign", str(journey), "--digitize", "all", "-o",
                        str(tmp_path / out))  # fmt: skip
        assert line.endswith(f"the output would overwrite the input {journey}")


# ------------------------------------------------------------------ standard error


def test_third_party_warnings_are_silenced(tmp_path):
    # pandas warns "Could not infer format ..." when the first time is not ISO
    log = tmp_path / "us.csv"
    log.write_text("case,step,done\nA,x,01/02/2024 10:00pm\nA,y,2024-01-03 10:00\n")
    out = tmp_path / "r.md"
    r = CliRunner().invoke(main, ["mine", str(log), *COLUMNS[:6], "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stderr == f"wrote {out}\n"


def test_our_own_warnings_are_one_line_each(tmp_path):
    log = tmp_path / "twice.csv"
    log.write_text(LOG + "A-2,check,2024-01-05 09:00,Tax\n", encoding="utf-8")
    out = tmp_path / "r.md"
    r = CliRunner().invoke(main, ["mine", str(log), *COLUMNS, "-o", str(out)])
    assert r.exit_code == 0, r.output
    wrote, warning = r.stderr.splitlines()
    assert wrote == f"wrote {out}"
    assert warning.startswith("warning: twice.csv: ") and "duplicate" in warning
    assert "line 6" in warning


def test_a_bug_is_one_line_with_exit_1(tmp_path, log, monkeypatch):
    import analysis.mining

    def broken(*args, **kwargs):
        raise KeyError("lead_minutes")

    monkeypatch.setattr(analysis.mining, "mine", broken)
    monkeypatch.delenv("ODSC_TRACEBACK", raising=False)
    r = CliRunner().invoke(main, ["mine", str(log), *COLUMNS, "-o", str(tmp_path / "r.md")])
    assert r.exit_code == 1
    assert r.stderr.startswith("error: internal error (KeyError: 'lead_minutes'); this is a bug")
    assert len(r.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["centre.csv"]


def test_reading_what_the_simulator_writes_stays_quiet(tmp_path):
    out = tmp_path / "s.parquet"
    r = CliRunner().invoke(main, ["simulate", "family-book", "--days", "2", "-o", str(out)])
    assert r.exit_code == 0 and r.stderr == ""
    assert pd.read_parquet(out)["case:concept:name"].nunique() > 0


def test_a_run_in_which_no_citizen_arrives_writes_an_empty_log(tmp_path):
    # 0.125 citizens a day over 2 days: nobody comes (once a traceback)
    out = tmp_path / "s.csv"
    args = ["simulate", "family-book", "--days", "2", "--arrivals-per-day", "0.125", "-o", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "0 events of 0 cases (0 arrived" in r.stdout
    assert out.read_text().splitlines()[0].endswith(",odsc:arrival")
    assert len(out.read_text().splitlines()) == 1

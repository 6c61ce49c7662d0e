"""``odsc simulate`` and ``odsc compare``: outputs, reproducibility, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_journeys"


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _one_error_line(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    for n in needles:
        assert n in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_simulate_twice_gives_the_same_bytes(tmp_path, suffix):
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    for out in (a, b):
        r = _run("simulate", "business-licence", "--days", "5", "--seed", "1", "-o", str(out))
        assert r.exit_code == 0, r.output
        assert r.output.startswith(f"wrote {out}: ")
    assert a.read_bytes() == b.read_bytes()
    log = pd.read_csv(a) if suffix == ".csv" else pd.read_parquet(a)
    assert list(log.columns[:4]) == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "start_timestamp",
    ]
    assert {"org:group", "odsc:door", "odsc:citizen_present", "odsc:arrival"} <= set(log.columns)
    first = log.groupby("case:concept:name").head(1)
    starts = pd.to_datetime(first["start_timestamp"], utc=True)
    assert (pd.to_datetime(first["odsc:arrival"], utc=True) <= starts).all()


def test_simulate_seed_changes_the_log(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _run("simulate", "family-book", "--days", "3", "--seed", "1", "-o", str(a))
    _run("simulate", "family-book", "--days", "3", "--seed", "2", "-o", str(b))
    assert a.read_bytes() != b.read_bytes()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        ((str(BAD / "bad_clock.yaml"),), ("bad_clock.yaml", "calendars.office.hours[0]")),
        (("no-such-journey",), ("no-such-journey", "no such journey")),
        (("business-licence", "--days", "0"), ("--days", "got 0")),
        (("business-licence", "--warmup-days", "-1"), ("--warmup-days",)),
        (("business-licence", "--days", "3", "--warmup-days", "3"), ("warmup_days",)),
    ],
)
def test_simulate_bad_input_one_line_and_nothing_written(tmp_path, args, needles):
    out = tmp_path / "sim.csv"
    out.write_text("keep me\n")
    r = _run("simulate", *args, "-o", str(out))
    _one_error_line(r, *needles)
    assert out.read_text() == "keep me\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sim.csv"]


def test_simulate_unsupported_output_type(tmp_path):
    out = tmp_path / "sim.xlsx"
    r = _run("simulate", "business-licence", "--days", "2", "-o", str(out))
    _one_error_line(r, "sim.xlsx", "unsupported log type")
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("--replications", "-1"), ("--replications", "got -1")),
        (("--replications", "0"), ("--replications", "got 0")),
        (("--days", "0"), ("--days", "got 0")),
        (("--scheduler", "tcp://127.0.0.1:9"), ("tcp://127.0.0.1:9", "cannot reach")),
        (("--jobs", "0"), ("--jobs",)),
    ],
)
def test_compare_bad_options_one_line_and_nothing_written(tmp_path, args, needles):
    out = tmp_path / "report.html"
    out.write_text("old report")
    r = _run(
        "compare", "business-licence", "business-licence-one-door", "--days", "3",
        "--warmup-days", "1", *args, "-o", str(out),
    )  # fmt: skip
    _one_error_line(r, *needles)
    assert out.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_compare_bad_journey_and_bad_report_type(tmp_path):
    r = _run("compare", "business-licence", str(BAD / "duplicate_step_id.yaml"))
    _one_error_line(r, "duplicate_step_id.yaml", "steps.submit")
    r = _run("compare", "family-book", "family-book-one-door", "-o", str(tmp_path / "r.pdf"))
    _one_error_line(r, "r.pdf", "unsupported report type")
    r = _run("compare", "family-book")
    _one_error_line(r, "at least one TO_BE")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[object, Path]:
    out = tmp_path_factory.mktemp("compare") / "compare.html"
    r = _run(
        "compare", "business-licence", "business-licence-one-door",
        "--replications", "3", "--days", "30", "--jobs", "1", "-o", str(out),
    )  # fmt: skip
    return r, out


def test_compare_prints_a_before_after_table_with_cis(compared):
    r, _ = compared
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("3 replications; citizens arrive on 30 working days")
    head = next(line for line in lines if line.startswith("KPI"))
    assert "business-licence" in head and "95% CI of change" in head
    visits = next(line for line in lines if line.startswith("Visits to offices per case"))
    # as-is about 5.2 visits, one-door exactly 2; the CI of the change is printed as "a to b"
    cells = visits.split()
    assert cells[-6] == "2" and float(cells[-7]) > 4.5  # a whole count: no decimals
    assert " to " in visits and visits.rstrip().endswith("%")
    assert lines[-1] == f"wrote {compared[1]}"


def test_compare_writes_a_self_contained_html_report(compared):
    _, out = compared
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # nothing to run, nothing fetched: no scripts, no linked files
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert re.search(r'(src|href)\s*=\s*"(https?:)?//', page) is None
    assert page.count("<svg") == 8  # six plots and two blueprints
    for text in (
        "Time: lead time (median)",
        "95% CI of the change",
        "Citizens queuing by hour of day",
        "Staff utilisation per desk pool",
        "Enterprise licence registration (one-door, ODSC front desk)",
    ):
        assert text in page


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_compare_markdown_and_json(tmp_path, fmt):
    out = tmp_path / f"compare.{fmt}"
    r = _run(
        "compare", "family-book", "family-book-one-door", "--replications", "2",
        "--days", "4", "--warmup-days", "1", "--jobs", "1", "-o", str(out),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    if fmt == "md":
        assert text.startswith("# Before and after: family-book vs family-book-one-door")
        assert "| Visits to offices per case |" in text
    else:
        doc = json.loads(text)
        assert doc["baseline"] == "family-book" and doc["replications"] == 2
        kpis = {row["kpi"] for row in doc["comparison"]}
        assert {"lead_median", "visits", "citizen_cost", "within_sla"} <= kpis


def test_compare_format_without_output_prints_the_report():
    r = _run(
        "compare", "land-title", "land-title-one-door", "--replications", "2", "--days", "3",
        "--warmup-days", "1", "--tail-days", "40", "--jobs", "1", "--format", "json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["scenarios"] == ["land-title", "land-title-one-door"]

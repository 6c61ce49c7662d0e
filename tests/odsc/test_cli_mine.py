"""``odsc mine``: writes the report, or one error line, exit 2 and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402

LOG = """case,step,done,dept,clerk
A-1,apply,2024-01-02 08:00,Commerce,Noy
A-1,check,2024-01-02 10:00,Tax,Vanh
A-2,apply,2024-01-03 09:00,Commerce,Noy
A-2,check,2024-01-05 09:00,Tax,Vanh
"""
COLUMNS = [
    "--case",
    "case",
    "--activity",
    "step",
    "--timestamp",
    "done",
    "--agency",
    "dept",
    "--resource",
    "clerk",
    "--tz",
    "Asia/Vientiane",
]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "centre.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_mine_writes_html_and_leaves_the_log_alone(log, tmp_path):
    out = tmp_path / "report.html"
    before = log.read_bytes()
    r = _run("mine", str(log), *COLUMNS, "--key", "k", "-o", str(out))
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Noy" not in page and "A-1" not in page
    assert log.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_format_from_option_or_extension(log, tmp_path):
    md = tmp_path / "r.md"
    assert _run("mine", str(log), *COLUMNS, "-o", str(md)).exit_code == 0
    assert md.read_text(encoding="utf-8").startswith("# Bottleneck and silo-handoff report")
    js = tmp_path / "r.json"
    r = _run("mine", str(log), *COLUMNS, "--format", "json", "-o", str(js))
    assert r.exit_code == 0, r.output
    d = json.loads(js.read_text(encoding="utf-8"))
    # Two Commerce -> Tax handoffs: 2 h and 2 days (2,880 min) later.
    (h,) = d["handoffs"]
    assert (h["source"], h["target"], h["count"]) == ("Commerce", "Tax", 2)
    assert h["delay_median"] == pytest.approx((120 + 2880) / 2)


def test_the_extension_decides_and_format_must_agree(log, tmp_path):
    r = _run("mine", str(log), *COLUMNS, "--format", "json", "-o", str(tmp_path / "r.out"))
    assert r.exit_code == 2
    assert r.output.endswith(
        "r.out: unknown output type '.out'; known types: .html, .htm, .md, .markdown, .json\n"
    )
    r = _run("mine", str(log), *COLUMNS, "--format", "md", "-o", str(tmp_path / "r.json"))
    assert r.exit_code == 2
    assert r.output.endswith("r.json: --format md but the extension means json\n")
    assert list(tmp_path.iterdir()) == [log]


def test_show_ids(log, tmp_path):
    out = tmp_path / "r.md"
    assert _run("mine", str(log), *COLUMNS, "--show-ids", "-o", str(out)).exit_code == 0
    assert "Noy" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--agency", "department"], "no column 'department'"),
        (["--by", "centre"], "--by: no column 'centre'"),
        (["--tz", "Mars/Base"], "--tz: unknown time zone 'Mars/Base'"),
        (["--key", ""], "--key"),
        (["--journey", "no-such-journey"], "no-such-journey"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(log, tmp_path, extra, message):
    out = tmp_path / "report.html"
    out.write_text("previous report", encoding="utf-8")
    r = _run("mine", str(log), *COLUMNS, *extra, "-o", str(out))
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in r.output
    assert out.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["centre.csv", "report.html"]


def test_missing_file_and_bad_timestamps(tmp_path):
    out = tmp_path / "r.html"
    r = _run("mine", str(tmp_path / "nope.csv"), "-o", str(out))
    assert r.exit_code == 2 and r.output.startswith("error: ") and "nope.csv" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text(LOG.replace("2024-01-03 09:00", "yesterday"), encoding="utf-8")
    r = _run("mine", str(bad), *COLUMNS, "-o", str(out))
    assert r.exit_code == 2
    assert "bad.csv" in r.output and "yesterday" in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not out.exists()


def test_help_lists_the_options():
    r = _run("mine", "--help")
    assert r.exit_code == 0
    for option in ("--agency", "--journey", "--by", "--sla", "--show-ids", "--key", "--format"):
        assert option in r.output

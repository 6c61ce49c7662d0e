"""``odsc monitor``: writes the report, or one error line per problem, exit 2, nothing written."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "examples" / "odsc_example_log.csv"
SURVEY = ROOT / "examples" / "odsc_example_survey.csv"
BASE = [str(LOG), "--by", "centre", "--tz", "Asia/Vientiane"]


def run(*args: str):
    return CliRunner().invoke(main, ["monitor", *args])


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("m") / "monitor.html"
    r = run(*BASE, "--journey", "business-licence", "--feedback", str(SURVEY), "--key", "k",
            "-o", str(out))  # fmt: skip
    assert r.exit_code == 0, r.output
    return out.read_text(encoding="utf-8")


def test_html_is_self_contained_and_hides_case_ids(html):
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert re.search(r"BL-\d{4}", html) is None  # case ids only as pseudonyms
    assert "case-" in html  # the worst breaches, by pseudonym
    for part in ("Which centres got faster or slower", "Service charter",
                 "How ratings follow visits and waits", "The emotion curve", "<svg"):  # fmt: skip
        assert part in html


def test_json_has_nulls_with_reasons_and_charter_and_feedback(tmp_path):
    out = tmp_path / "m.json"
    r = run(*BASE, "--journey", "business-licence", "--feedback", str(SURVEY), "-o", str(out))
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    rows = [x for x in d["table"] if x["level"] == "centre"]
    assert {x["centre"] for x in rows} == {"Xaythany", "Hadxayfong", "Sikhottabong"}
    assert all(x["queue_within_sla"] is None for x in rows)  # no desk queue in this log
    assert "queue standard not checked" in d["notes"]["queue_within_sla"]
    assert d["charter"]["days"] == 15 and 0 < d["charter"]["within_time"] < 1
    assert all(re.fullmatch(r"case-[0-9a-f]{6,}", w["case"]) for w in d["charter"]["worst"])
    eff = {e["term"]: e for e in d["feedback"]["effects"]}
    assert eff["per extra visit"]["ci_low"] < -0.4 < eff["per extra visit"]["ci_high"]
    assert "BL-" not in json.dumps(d["feedback"])


def test_csv_is_the_tidy_table_with_empty_cells_for_not_recorded(tmp_path):
    out = tmp_path / "m.csv"
    assert run(*BASE, "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows[0]["level"] == "centre" and rows[0]["queue_within_sla"] == ""
    assert rows[0]["within_charter_time"] == ""  # no journey: no charter, not 0
    assert sum(int(r["cases"]) for r in rows if r["level"] == "all") == 240


def test_without_by_the_log_is_one_centre(tmp_path):
    out = tmp_path / "m.json"
    assert run(str(LOG), "-o", str(out)).exit_code == 0
    d = json.loads(out.read_text())
    assert {x["centre"] for x in d["table"]} == {"All centres"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "centr"], "--by: the log has no column 'centr'; did you mean 'centre'?"),
        (["--by", "district"], "--by: the log has no column 'district'; columns that could"),
        (["--min-cases", "0"], "--min-cases must be >= 1, got 0"),
        (["--sla", "-1"], "--sla must be > 0, got -1"),
        (["--tz", "Mars/Base"], "--tz: unknown time zone 'Mars/Base'"),
        (["--every", "year"], "'--every': 'year' is not one of"),
        (["--journey", "no-such-journey"], "no-such-journey"),
        (["--feedback", "missing.csv"], "missing.csv: --feedback: no such file"),
    ],
)
def test_bad_options_one_line_exit_2_nothing_written(tmp_path, args, message):
    out = tmp_path / "m.html"
    out.write_text("keep")
    r = run(str(LOG), *args, "-o", str(out))
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert out.read_text() == "keep"


def test_bad_survey_rows_each_named_and_nothing_written(tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "case,centre,date,rating,emotion,step,comment\n"
        "BL-0001,,,4,,,fine\n"
        "BL-9999,,,4,,,\n"            # unknown case
        "BL-0002,,,7,,,\n"            # rating out of range
        "BL-0001,,,5,,,\n"            # a second answer
        ",Xaythany,2023-01-05,3,,,\n"  # outside the log
        "BL-0003,,,,5,Police clearance,\n"  # emotion out of range
    )  # fmt: skip
    out = tmp_path / "m.html"
    r = run(*BASE, "--feedback", str(survey), "-o", str(out))
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        "error: survey.csv: row 3: case 'BL-9999' is not in the log",
        "error: survey.csv: row 4: rating must be a whole number from 1 to 5, got '7'",
        "error: survey.csv: row 5: a second answer for case 'BL-0001' (the first is row 2)",
        "error: survey.csv: row 6: date 2023-01-05 is outside the log's period "
        "(2024-03-04 to 2024-07-05)",
        "error: survey.csv: row 7: emotion must be a number from -2 to +2, got '5'",
    ]
    assert not out.exists()


def test_survey_text_is_escaped_and_never_beside_a_case_id(tmp_path):
    survey = tmp_path / "s.csv"
    survey.write_text(
        "case,rating,comment\nBL-0001,2,<script>alert(1)</script> at Police clearance\n"
    )
    out = tmp_path / "m.html"
    assert run(*BASE, "--feedback", str(survey), "-o", str(out)).exit_code == 0
    page = out.read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "BL-0001" not in page


def test_empty_or_damaged_survey_files(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    r = run(*BASE, "--feedback", str(empty), "-o", str(tmp_path / "m.html"))
    assert r.exit_code == 2 and "e.csv: the file is empty" in r.stderr
    head = tmp_path / "h.csv"
    head.write_text("case,rating\n")
    r = run(*BASE, "--feedback", str(head), "-o", str(tmp_path / "m.html"))
    assert r.exit_code == 2 and "h.csv: the survey has no answers" in r.stderr


def test_unknown_output_type(tmp_path):
    r = run(*BASE, "-o", str(tmp_path / "m.pdf"))
    assert r.exit_code == 2 and "unknown output type '.pdf'" in r.stderr


def test_mine_with_a_charter_journey_and_feedback(tmp_path):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["mine", str(LOG), "--by", "centre", "--journey",
                                  "business-licence", "--feedback", str(SURVEY), "-o", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    page = out.read_text()
    assert "Service charter" in page and "What citizens said" in page
    assert re.search(r"BL-\d{4}", page) is None and "<script" not in page
    js = tmp_path / "r.json"
    r = CliRunner().invoke(main, ["mine", str(LOG), "--journey", "business-licence", "-o", str(js)])
    assert r.exit_code == 0
    text = js.read_text()
    d = json.loads(text[: text.rindex("}") + 1])
    assert d["charter"]["days"] == 15 and d["feedback"] is None
    assert 0 < d["charter"]["within_time"] < 1


def test_mine_without_charter_or_feedback_has_no_such_sections(tmp_path):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["mine", str(LOG), "--journey", "business-licence-one-door",
                                  "-o", str(out)])  # fmt: skip
    assert r.exit_code == 0 and "Service charter" not in out.read_text()


def test_mine_bad_survey_row_exit_2_nothing_written(tmp_path):
    survey = tmp_path / "s.csv"
    survey.write_text("case,rating\nBL-0001,9\n")
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["mine", str(LOG), "--feedback", str(survey), "-o", str(out)])
    assert r.exit_code == 2 and not out.exists()
    assert r.stderr.strip() == (
        "error: s.csv: row 2: rating must be a whole number from 1 to 5, got '9'"
    )

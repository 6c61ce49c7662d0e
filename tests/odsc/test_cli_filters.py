"""Log filters, --before-after and OCEL input on the command line: lines, reports, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402

# six cases: three in January (slow), three in March (fast); A-6 also reaches Police
LOG = """case,step,done,dept,channel
A-1,apply,2024-01-02 08:00,Commerce,Desk
A-1,check,2024-01-09 08:00,Tax,Desk
A-2,apply,2024-01-03 09:00,Commerce,Web
A-2,check,2024-01-08 09:00,Tax,Web
A-3,apply,2024-01-04 09:00,Commerce,Desk
A-3,check,2024-01-10 09:00,Tax,Desk
A-4,apply,2024-03-04 08:00,Commerce,Desk
A-4,check,2024-03-05 08:00,Tax,Desk
A-5,apply,2024-03-05 09:00,Commerce,Web
A-5,check,2024-03-06 11:00,Tax,Web
A-6,apply,2024-03-06 09:00,Commerce,Desk
A-6,check,2024-03-07 09:00,Tax,Desk
A-6,<b>seal</b>,2024-03-08 09:00,Police,Desk
"""
COLUMNS = ["--case", "case", "--activity", "step", "--timestamp", "done", "--agency", "dept",
           "--tz", "Asia/Vientiane"]  # fmt: skip


@pytest.fixture
def log(tmp_path: Path) -> Path:
    p = tmp_path / "centre.csv"
    p.write_text(LOG)
    return p


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args))


def test_window_prints_what_it_kept_and_the_report_says_it(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    r = run(
        "mine", str(log), *COLUMNS, "--from", "2024-03-01", "--to", "2024-03-31", "-o", str(out)
    )
    assert r.exit_code == 0, r.output
    line = "--from 2024-03-01 --to 2024-03-31 (cases started in it): kept 3 of 6 cases (7 of 13 events)"
    assert r.stdout.splitlines()[0] == line
    text = out.read_text()
    assert "## Part of the log analysed" in text and line in text
    assert "| Cases | 3 |" in text


def test_where_on_a_renamed_column_and_repeated(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    r = run("mine", str(log), *COLUMNS, "--where", "dept=Police", "--where", "channel=Desk",
            "-o", str(out))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (
        "--where org:group=Police --where channel=Desk: kept 1 of 6 cases (3 of 13 events)"
        in r.stdout
    )
    d = json.loads(out.read_text())
    assert d["filters"][0]["cases_kept"] == 1 and d["summary"]["cases"] == 1
    assert d["before_after"] is None


def test_variants_and_min_events(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    r = run("mine", str(log), *COLUMNS, "--min-case-events", "3", "-o", str(out))
    assert r.exit_code == 0 and "kept 1 of 6 cases (3 of 13 events)" in r.stdout
    r = run("mine", str(log), *COLUMNS, "--variants", "top:1", "-o", str(out))
    assert "--variants top:1: kept 5 of 6 cases (10 of 13 events); 1 of 2 variants" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-01-01"], "error: centre.csv: --from 2025-01-01 (cases started in it) "
         "keeps no case of 6; the log runs from 2024-01-02 to 2024-03-08: nothing to analyse "
         "(widen the filter)"),
        (["--where", "channel=Fax"], "error: centre.csv: --where channel=Fax keeps no case of 6; "
         "no event has channel = 'Fax' (its commonest values: Desk, Web): nothing to analyse "
         "(widen the filter)"),
        (["--where", "colour=red"], "error: centre.csv: --where colour=red: no column 'colour'; "
         "columns: case:concept:name, concept:name, time:timestamp, org:group, channel"),
        (["--where", "Desk"], "error: --where: expected COL=VALUE, got 'Desk'"),
        (["--from", "1/3/2024"], "error: --from: not a date or datetime: '1/3/2024' "
         "(use YYYY-MM-DD or YYYY-MM-DD HH:MM)"),
        (["--from", "2024-03-01", "--to", "2024-02-01"],
         "error: --from 2024-03-01 is after --to 2024-02-01: the window is empty"),
        (["--window", "ended"], "error: --window needs --from or --to"),
        (["--variants", "5"], "error: --variants: expected top:N with a whole number N >= 1, got '5'"),
        (["--variants", "top:0"], "error: --variants: expected top:N with a whole number N >= 1, "
         "got 'top:0'"),
        (["--min-case-events", "0"], "error: --min-case-events must be >= 1, got 0"),
        (["--min-case-events", "9"], "error: centre.csv: --min-case-events 9 keeps no case of 6; "
         "the longest case has 3 events: nothing to analyse (widen the filter)"),
        (["--before-after", "2030-01-01"], "error: --before-after 2030-01-01: no case started on "
         "or after it; the log's cases start from 2024-01-02 to 2024-03-06"),
        (["--before-after", "March"], "error: --before-after: not a date or datetime: 'March' "
         "(use YYYY-MM-DD or YYYY-MM-DD HH:MM)"),
        (["--seed", "-1", "--before-after", "2024-02-01"], "error: --seed must be >= 0, got -1"),
        (["--object-type", "application"], "error: centre.csv: --object-type is for OCEL 2.0 "
         "files only (.jsonocel, .xmlocel, .sqlite)"),
    ],
)  # fmt: skip
def test_bad_filters_one_line_exit_2_nothing_written(
    log: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "r.html"
    out.write_text("previous report")
    r = run("mine", str(log), *COLUMNS, *args, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == [message]
    assert "Traceback" not in r.output
    assert out.read_text() == "previous report"


def test_before_after_table_and_report_sections(log: Path, tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    r = run("mine", str(log), *COLUMNS, "--before-after", "2024-02-01", "-o", str(html))
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == ("3 cases (6 events) started before 2024-02-01; "
                        "3 cases (7 events) started on or after it.")  # fmt: skip
    median = next(x for x in lines if x.startswith("Median lead time"))
    assert "6.0 days" in median and "26.0 h" in median and "-4.9 days" in median
    visits = next(x for x in lines if x.startswith("Visits per case"))
    assert visits.split()[3:5] == ["not", "recorded"]
    page = html.read_text()
    assert '<h2 id="before-after">Before and after 2024-02-01</h2>' in page
    assert "<i>not recorded</i>: the log does not say when the citizen had to be present" in page
    assert "<script" not in page
    js = tmp_path / "r.json"
    r = run("mine", str(log), *COLUMNS, "--before-after", "2024-02-01", "--seed", "4",
            "-o", str(js))  # fmt: skip
    d = json.loads(js.read_text())["before_after"]
    assert d["cases_before"] == 3 and d["seed"] == 4
    row = {k["kpi"]: k for k in d["kpis"]}
    assert row["lead_median"]["before"] == 6 * 1440 and row["lead_median"]["after"] == 26 * 60
    assert row["visits_mean"]["before"] is None and row["visits_mean"]["not_recorded"]
    md = tmp_path / "r.md"
    run("mine", str(log), *COLUMNS, "--before-after", "2024-02-01", "-o", str(md))
    assert "## Before and after 2024-02-01" in md.read_text()


def test_log_text_in_filter_lines_is_escaped(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = run("mine", str(log), *COLUMNS, "--where", "step=<b>seal</b>", "-o", str(out))
    assert r.exit_code == 0, r.output
    page = out.read_text()
    assert "<b>seal</b>" not in page and "--where concept:name=&lt;b&gt;seal&lt;/b&gt;" in page


def _event(eid: str, kind: str, time: str, desk: str, *objects: str) -> dict:
    return {"id": eid, "type": kind, "time": time,
            "attributes": [{"name": "desk", "value": desk}],
            "relationships": [{"objectId": o, "qualifier": ""} for o in objects]}  # fmt: skip


def _ocel_file(tmp_path: Path) -> Path:
    # an OCEL 2.0 JSON file written by hand: a joint submission of two applications,
    # a payment also about a document, and a document archived alone
    ocel = {
        "objectTypes": [{"name": "application", "attributes": []},
                        {"name": "document", "attributes": []}],
        "eventTypes": [{"name": n, "attributes": [{"name": "desk", "type": "string"}]}
                       for n in ("submit", "check", "pay", "archive")],
        "objects": [{"id": "a1", "type": "application"}, {"id": "a2", "type": "application"},
                    {"id": "d1", "type": "document"}],
        "events": [
            _event("e1", "submit", "2024-01-02T08:00:00+07:00", "front", "a1", "a2"),
            _event("e2", "check", "2024-01-02T09:00:00+07:00", "tax", "a1"),
            _event("e3", "pay", "2024-01-03T10:00:00+07:00", "cashier", "a1", "d1"),
            _event("e4", "check", "2024-01-04T11:00:00+07:00", "tax", "a2"),
            _event("e5", "archive", "2024-01-05T12:00:00+07:00", "records", "d1"),
        ],
    }  # fmt: skip
    path = tmp_path / "centre.jsonocel"
    path.write_text(json.dumps(ocel))
    return path


def test_ocel_mine(tmp_path: Path) -> None:
    path = _ocel_file(tmp_path)
    out = tmp_path / "r.json"
    r = run("mine", str(path), "--object-type", "application", "--agency", "desk", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith(
        "centre.jsonocel: flattened on object type application: 2 cases, 5 events"
    )
    d = json.loads(out.read_text())
    assert d["summary"]["cases"] == 2 and d["summary"]["events"] == 5
    r = run("mine", str(path), "-o", str(out))
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        "error: centre.jsonocel: an OCEL log needs --object-type, the object type whose objects "
        "are the cases; its types: application (2 objects), document (1 objects)"
    ]
    r = run("mine", str(path), "--object-type", "case", "-o", str(tmp_path / "x.json"))
    assert r.exit_code == 2 and "no such object type" in r.stderr
    assert not (tmp_path / "x.json").exists()


def test_calibrate_and_validate_take_the_filters(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "j.yaml"
    r = run("calibrate", str(log), *COLUMNS, "--from", "2024-03-01", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "--from 2024-03-01 (cases started in it): kept 3 of 6 cases (7 of 13 events)" in r.stderr
    bad = tmp_path / "k.yaml"
    r = run("calibrate", str(log), *COLUMNS, "--where", "channel=Fax", "-o", str(bad))
    assert r.exit_code == 2 and not bad.exists()
    assert r.stderr.startswith("error: centre.csv: --where channel=Fax keeps no case of 6")
    r = run(
        "validate", str(out), str(log), *COLUMNS, "--min-case-events", "3", "--replications", "1"
    )
    assert "--min-case-events 3: kept 1 of 6 cases (3 of 13 events)" in r.stderr


def test_where_on_staff_names_is_not_shown_in_a_pseudonymised_report(tmp_path: Path) -> None:
    p = tmp_path / "staff.csv"
    p.write_text(
        "case,step,done,clerk\n"
        "A-1,apply,2024-01-02 08:00,Noy\nA-1,check,2024-01-02 10:00,Vanh\n"
        "A-2,apply,2024-01-03 09:00,Noy\nA-2,check,2024-01-05 09:00,Noy\n"
    )
    out = tmp_path / "r.html"
    args = ["mine", str(p), "--case", "case", "--activity", "step", "--timestamp", "done",
            "--resource", "clerk", "--where", "clerk=Vanh", "--where", "case=A-1"]  # fmt: skip
    r = run(*args, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "--where org:resource=Vanh --where case:concept:name=A-1: kept 1 of 2 cases" in r.stdout
    page = out.read_text()
    assert "Vanh" not in page and "A-1" not in page
    assert "--where org:resource=(a name, not shown)" in page
    r = run(*args, "--show-ids", "-o", str(out))
    assert "--where org:resource=Vanh" in out.read_text()


def test_ocel_calibrate(tmp_path: Path) -> None:
    path = _ocel_file(tmp_path)
    out = tmp_path / "j.yaml"
    r = run("calibrate", str(path), "--object-type", "application", "--agency", "desk",
            "-o", str(out))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("centre.jsonocel: flattened on object type application: 2 cases")
    assert "submit" in out.read_text()
    r = run("calibrate", str(path), "-o", str(tmp_path / "k.yaml"))
    assert r.exit_code == 2 and "needs --object-type" in r.stderr
    assert not (tmp_path / "k.yaml").exists()

"""``odsc programme``: the three outputs, one-line errors, a killed run resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--replications", "2", "--days", "5", "--warmup-days", "1", "--tail-days", "40",
         "--jobs", "1"]  # fmt: skip
MANIFEST = """programme: Two <b>districts</b>
centres:
  - {id: x1, name: "Xaythany <script>", journey: family-book, to_be: family-book-one-door}
  - {id: h2, name: Hadxayfong, journey: land-title, arrivals_per_day: 3,
     to_be: land-title-one-door}
"""


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture()
def manifest(tmp_path):
    p = tmp_path / "centres.yaml"
    p.write_text(MANIFEST)
    return p


def test_html_report_ranks_the_centres_escaped_and_without_scripts(manifest, tmp_path):
    out = tmp_path / "report.html"
    r = _run("programme", str(manifest), *SMALL, "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "Two &lt;b&gt;districts&lt;/b&gt;" in html
    assert html.count("<tr><td class=\"num\">") == 2  # one row per centre
    assert "as-is &rarr; to-be" in html
    assert "National, as-is -> to-be (each centre's own to-be journey" in r.output
    assert "wrote" in r.output


def test_csv_is_the_tidy_table_and_json_says_null(manifest, tmp_path):
    csv, js = tmp_path / "runs.csv", tmp_path / "r.json"
    assert _run("programme", str(manifest), *SMALL, "-o", str(csv)).exit_code == 0
    assert _run("programme", str(manifest), *SMALL, "-o", str(js)).exit_code == 0
    t = pd.read_csv(csv)
    assert t[["centre", "scenario", "replication"]].values.tolist() == [
        [c, s, k] for c in ("x1", "h2") for s in ("as-is", "to-be") for k in (0, 1)]
    d = json.loads(js.read_text())
    assert [r["centre"] for r in d["runs"]] == t["centre"].tolist()
    assert d["runs"][0]["lead_mean"] == t["lead_mean"][0]  # the same figures, to the digit
    cit = [n for n in d["national"] if n["figure"] == "citizens"]
    assert [c["mean"] for c in cit] == [13.0, 13.0] and cit[0]["diff"] is None


def test_a_model_without_presence_shows_visits_as_not_recorded(tmp_path):
    from dataclasses import replace

    from journeys import load_catalog
    from journeys.io import save

    j = load_catalog("family-book-one-door")
    save(replace(j, id="back-office", steps=tuple(replace(x, citizen_present=False)
                                                  for x in j.steps)), tmp_path / "m.yaml")  # fmt: skip
    m = tmp_path / "c.yaml"
    m.write_text("centres:\n  - {id: a, journey: m.yaml, to_be: m.yaml}\n")
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    for out in (html, js):
        r = _run("programme", str(m), *SMALL, "--rank-by", "visits", "-o", str(out))
        assert r.exit_code == 0, r.output
    d = json.loads(js.read_text())
    assert {r["visits"] for r in d["runs"]} == {None}
    v = [n for n in d["national"] if n["figure"] == "visits"]
    assert [(n["mean"], n["centres"]) for n in v] == [(None, 0), (None, 0)]
    assert d["ranking"]["to-be"][0]["verdict"] == "not recorded"
    text = html.read_text()
    assert "not recorded" in text and "0.00" not in text


def test_a_scenario_file_and_the_to_be_journeys_together(manifest, tmp_path):
    s = tmp_path / "grow.yaml"
    s.write_text("scenarios:\n  - {name: busier, demand: 1.5}\n")
    r = _run("programme", str(manifest), "--scenario", str(s), "--to-be", *SMALL,
             "--rank-by", "visits")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "National, as-is -> busier (demand x1.5):" in r.output
    assert "National, as-is -> to-be (" in r.output
    assert "Citizens arriving a working day, all centres" in r.output


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--replications", "1"], "--replications"),
        (["--rank-by", "speed"], "--rank-by: unknown KPI 'speed'"),
        (["--jobs", "0"], "--jobs"),
        (["--days", "3", "--warmup-days", "3"], "--warmup-days (3) must be less than --days (3)"),
        (["--scheduler", "tcp://127.0.0.1:9", "--dask-local", "2"], "not both"),
        (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    ],
)
def test_bad_options_one_line_nothing_written(manifest, tmp_path, extra, needle):
    out = tmp_path / "r.html"
    r = _run("programme", str(manifest), *SMALL, *extra, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert needle in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert "Traceback" not in r.output and not out.exists()


def test_bad_files_name_the_file_and_leave_the_output_alone(manifest, tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old")
    bad = tmp_path / "bad.yaml"
    bad.write_text("centres:\n  - {id: a, journey: family-book, desks: {registrar: -1}}\n")
    as_csv = tmp_path / "c.csv"
    as_csv.write_text("id,journey,to_be\na,family-book,family-book-one-door\n")
    for args, needle in [
        ([str(bad)], "bad.yaml: centre 1 (a): desks: registrar: expected a whole number"),
        ([str(tmp_path / "none.yaml")], "none.yaml: no such file"),
        ([str(manifest), "--scenario", str(tmp_path / "s.yaml")], "s.yaml: no such file"),
        ([str(manifest), "--checkpoint", str(out)], "is a file; give a folder"),
        ([str(manifest), "-o", str(tmp_path / "r.pdf")], "unknown output type '.pdf'"),
        ([str(as_csv), "-o", str(as_csv)], "would overwrite the input"),
    ]:
        r = _run("programme", *args, *SMALL, *([] if "-o" in args else ["-o", str(out)]))
        assert r.exit_code == 2, (args, r.output)
        assert needle in r.output and len(r.output.strip().splitlines()) == 1, r.output
        assert out.read_text() == "old"
    assert as_csv.read_text().startswith("id,journey,to_be")


def test_without_scenarios_every_centre_needs_a_to_be(tmp_path):
    m = tmp_path / "c.yaml"
    m.write_text("centres:\n  - {id: a, journey: family-book}\n")
    r = _run("programme", str(m), *SMALL)
    assert r.exit_code == 2
    assert r.output.strip() == ("error: c.yaml: nothing to compare: no --scenario, and not every"
                                " centre names a to_be journey (none at a); give --scenario"
                                " FILE")  # fmt: skip
    r = _run("programme", str(m), "--to-be", *SMALL)
    assert r.output.strip() == ("error: c.yaml: --to-be needs a to_be journey at every centre;"
                                " none at a")  # fmt: skip


def test_a_run_killed_outright_resumes_from_its_checkpoint(manifest, tmp_path):
    folder, first, second = tmp_path / "ckpt", tmp_path / "a.csv", tmp_path / "b.csv"
    whole = tmp_path / "whole.csv"
    args = [sys.executable, "-m", "odsc", "programme", str(manifest), "--replications", "3",
            "--days", "30", "--warmup-days", "1", "--tail-days", "40", "--jobs", "1"]  # fmt: skip
    subprocess.run([*args, "-o", str(whole)], check=True, capture_output=True, cwd=ROOT)
    proc = subprocess.Popen([*args, "--checkpoint", str(folder), "-o", str(first)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 300
    while time.time() < deadline and len(list(folder.glob("*.json"))) < 3:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(folder.glob("*.json")))
    assert 3 <= done < 12 and not first.exists()
    r = subprocess.run([*args, "--checkpoint", str(folder), "-o", str(second)],
                       capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
    assert f"{done} of 12 runs read back, {12 - done} run now" in r.stderr
    assert second.read_bytes() == whole.read_bytes()

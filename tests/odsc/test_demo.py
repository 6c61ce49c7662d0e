"""`odsc demo`: log -> mined -> calibrated -> redesigned -> compared, one report.

The demo runs for real (SimPy, pm4py-free mining, scipy fits) with few
replications to stay fast; `make demo` runs the default.
"""

from __future__ import annotations

import re

from click.testing import CliRunner

from analysis.fidelity import Fidelity
from journeys.io import load
from journeys.validate import validate
from odsc.cli import main
from odsc.demo import demo_pipeline


def run(*args: str):
    return CliRunner().invoke(main, ["demo", *args], catch_exceptions=False)


def test_demo_writes_the_report_the_log_and_both_journeys(tmp_path):
    out = tmp_path / "demo"
    r = run("-o", str(out), "--replications", "3", "--jobs", "1")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["as_is.yaml", "observed_log.csv", "report.html", "to_be.yaml"]
    as_is, to_be = load(out / "as_is.yaml"), load(out / "to_be.yaml")
    assert validate(as_is) == [] and validate(to_be) == []
    assert as_is.metrics().visits > 4.5 and to_be.metrics().visits == 2.0
    html = (out / "report.html").read_text(encoding="utf-8")
    for heading in (
        "1. What the centre's log shows",
        "2. The as-is model, calibrated from the log",
        "3. The redesign, and why",
        "4. The journey before and after",
        "5. Before and after, simulated",
        "6. Time, Cost and Visits, step by step",
        "7. Conclusions and recommendations",
    ):
        assert f"<h2>{heading}</h2>" in html
    # no script of any kind, no inline handler (the old "full width" button)
    assert "<script" not in html and not re.search(r"\son[a-z]+=", html)
    # the three TCV tiles are always there; the log holds no costs: not recorded, never 0
    for tile in ("Time: lead time (median)", "Cost to the citizen", "Visits to offices"):
        assert tile in html
    assert "the journeys hold no fees, travel costs or value of time" in html
    assert "District Tax Office" in html and "-> tax" not in html  # names, not ids
    assert "Got worse (" in html and "Improved (" in html
    assert html.count("<svg") >= 4  # two blueprints, two plots
    # self-contained: no resource fetched from the network
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert "purl.org" not in html  # no RDF metadata in the SVG
    # no case id of the log appears in the report
    first_case = (out / "observed_log.csv").read_text().splitlines()[1].split(",")[0]
    assert first_case not in html
    lines = r.output.splitlines()
    assert lines[0].startswith("Observed log: ")
    assert "Redesign chosen from the findings:" in lines
    assert any(line.startswith("  - One door: ") for line in lines)
    assert lines[-1].startswith("Done in ")


def test_same_seed_same_files_whatever_the_processes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run("-o", str(a), "--replications", "2", "--jobs", "1").exit_code == 0
    assert run("-o", str(b), "--replications", "2", "--jobs", "2").exit_code == 0
    for name in ("report.html", "observed_log.csv", "as_is.yaml", "to_be.yaml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_the_pipeline_closes_the_loop():
    r = demo_pipeline(seed=2, days=15, replications=3, sim_days=15, jobs=1)
    assert isinstance(r.fidelity, Fidelity)
    # the calibrated model reproduces its own log's routing closely
    assert r.fidelity.ngram_2 < 0.1
    assert abs(r.fidelity.visits_error) < 0.1
    t = r.comparison.table.set_index("kpi")
    assert t.loc["visits", "value"] == 2.0
    assert t.loc["lead_median", "diff_high"] < 0  # shorter, with 95% confidence
    assert r.recommendation.reasons[0].startswith("One door: ")


def test_bad_options_exit_2_and_write_nothing(tmp_path):
    out = tmp_path / "demo"
    r = CliRunner().invoke(main, ["demo", "-o", str(out), "--seed", "-1"])
    assert r.exit_code == 2
    assert r.output.strip() == "error: demo: the seed must be >= 0, got -1"
    r = CliRunner().invoke(main, ["demo", "-o", str(out), "--replications", "1"])
    assert r.exit_code == 2
    assert r.output.strip() == "error: demo: at least 2 replications are needed, got 1"
    assert not out.exists()

"""``odsc optimize`` and ``odsc sweep``: outputs, the reports, one-line errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from journeys.io import save  # noqa: E402
from odsc.cli import main  # noqa: E402
from simulations.optimize import one_pool_journey  # noqa: E402

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_journeys"
SMALL = ["--replications", "3", "--days", "6", "--warmup-days", "1", "--tail-days", "2",
         "--jobs", "1"]  # fmt: skip


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _one_error_line(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    for n in needles:
        assert n in lines[0], lines[0]
    assert "Traceback" not in result.output


@pytest.fixture()
def counter(tmp_path) -> Path:
    """An M/M/c counter: 0.2 citizens a minute, 10 min of work, 6 desks today."""
    path = tmp_path / "counter.yaml"
    save(one_pool_journey(0.2, 10.0, desks=6), path)
    return path


def test_optimize_prints_the_chosen_desks_and_writes_the_report(tmp_path, counter):
    out = tmp_path / "staffing.html"
    r = _run("optimize", str(counter), "--standard", "80% within 5 min", *SMALL, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "Queue standard: 80% within 5 min at every citizen-facing desk" in r.output
    row = next(line for line in r.output.splitlines() if line.startswith("desk "))
    # today 6 desks; Erlang C bounds 3 to 4; 4 chosen (0.936 analytic against 0.730 for 3)
    assert row.split()[:6] == ["desk", "citizens", "6", "4", "3-4", "100%"]
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "<svg" in html
    assert "How many desks it takes" in html and "4 desks" in html
    js = tmp_path / "staffing.json"
    r = _run("optimize", str(counter), "--standard", "80% within 5 min", *SMALL, "-o", str(js))
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["chosen"]["desks"] == {"desk": 4} and data["bounds"] == {"desk": [3, 4]}
    assert data["cost_not_recorded"] is None
    # back offices have no queue standard: null, never 0
    assert data["chosen"]["figures"]["lead_within"] == [None, None, None]


def test_optimize_without_costs_says_money_is_not_recorded(tmp_path):
    path = tmp_path / "free.yaml"
    j = one_pool_journey(0.2, 10.0, desks=5, cost_per_hour=0.0)
    save(j, path)
    out = tmp_path / "s.json"
    r = _run("optimize", str(path), "--standard", "80% within 5 min", *SMALL, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "money not recorded" in r.output and "open desk-hours a week" in r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["chosen"]["cost_per_week"] is None and "give --desk-cost" in data[
        "cost_not_recorded"
    ]


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--standard", "85 within 15 min"], ["--standard", "is not a standard"]),
        (["--standard", "85% within 15 fortnights"], ["--standard"]),
        (["--lead-time", "150% within 20 days"], ["--lead-time", "at most 100%"]),
        (["--desk-cost", "-5"], ["--desk-cost must be > 0"]),
        (["--desk-cost", "nan"], ["--desk-cost must be a number"]),
        (["--hours", "7:30 to 17:00"], ["--hours", "08:00-12:00"]),
        (["--replications", "1"], ["--replications must be >= 2"]),
        (["--jobs", "0"], ["--jobs"]),
    ],
)
def test_optimize_bad_options_are_one_line(tmp_path, counter, args, needles):
    out = tmp_path / "r.html"
    _one_error_line(_run("optimize", str(counter), *SMALL, *args, "-o", str(out)), *needles)
    assert not out.exists()


def test_optimize_bad_journeys_and_outputs_are_one_line(tmp_path, counter):
    _one_error_line(_run("optimize", str(tmp_path / "missing.yaml")), "missing.yaml")
    _one_error_line(_run("optimize", str(BAD / "negative_duration.yaml")), "negative_duration")
    _one_error_line(_run("optimize", str(counter), "-o", str(tmp_path / "r.pdf")), "r.pdf")
    before = counter.read_bytes()
    _one_error_line(_run("optimize", str(counter), "-o", str(counter)), "counter.yaml")
    assert counter.read_bytes() == before
    back = tmp_path / "back.yaml"
    j = one_pool_journey(0.2, 10.0, desks=5)
    save(replace(j, steps=(replace(j.steps[0], citizen_present=False, door=None),), doors=()),
         back)  # fmt: skip
    _one_error_line(_run("optimize", str(back), *SMALL), "no step needs the citizen at a desk")


def test_sweep_demand_holds_up_to_the_erlang_point(tmp_path, counter):
    """3 desks: Erlang C serves 86.4% within 5 min at 0.8x demand, 73.0% at 1x (80% asked)."""
    from journeys.io import load
    from journeys.staffing import add_staff

    four = tmp_path / "four.yaml"
    save(add_staff(load(counter), "desk", -3).journey, four)
    out = tmp_path / "sweep.html"
    r = _run("sweep", str(four), "--arrivals", "0.6x:1.2x:0.2x", "--standard",
             "80% within 5 min", "--replications", "4", "--days", "20", "--warmup-days", "1",
             "--tail-days", "1", "--jobs", "1", "-o", str(out))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "counter holds up to 0.8x today's demand." in r.output
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and "<script" not in html


@pytest.mark.parametrize(
    "args, needles",
    [
        ([], ["give exactly one of --arrivals, --desks, --courier"]),
        (["--arrivals", "1x:2x", "--courier", "1:3"], ["got --arrivals, --courier"]),
        (["--arrivals", "1x:lots"], ["--arrivals", "is not a range"]),
        (["--arrivals", "0x:1x"], ["--arrivals", "above 0"]),
        (["--arrivals", "1x:100x:0.5x"], ["--arrivals", "at most 50"]),
        (["--arrivals", "1x:1000000x:100000x"], ["--arrivals", "citizens a day is above"]),
        (["--desks", "3:1"], ["--desks", "POOL=RANGE"]),
        (["--desks", "nope=3:1"], ["--desks", "no pool 'nope'", "its pools: desk"]),
        (["--desks", "desk=2.5:1"], ["--desks", "whole numbers"]),
        (["--courier", "1:3"], ["--courier", "no design has a courier handoff"]),
    ],
)
def test_sweep_bad_options_are_one_line(tmp_path, counter, args, needles):
    out = tmp_path / "s.html"
    _one_error_line(_run("sweep", str(counter), *SMALL, *args, "-o", str(out)), *needles)
    assert not out.exists()


def test_sweep_monotone_in_demand_on_the_catalogue():
    """More demand, longer waits: with common random numbers the curves do not cross back."""
    from simulations.sweep import sweep

    sw = sweep([pytest.importorskip("journeys").load_catalog("business-licence")],
               arrivals=[1.0, 1.5, 2.0], replications=3, days=25, warmup_days=2,
               tail_days=40, seed=2, jobs=1)  # fmt: skip
    within = [p.summary.mean("within") for p in sw.points]
    lead = [p.summary.mean("lead_median") for p in sw.points]
    assert within[0] > within[1] > within[2]
    assert lead[0] < lead[1] < lead[2]


def test_sweep_courier_runs_shorten_the_lead_time():
    from journeys import load_catalog
    from simulations.sweep import sweep

    sw = sweep([load_catalog("business-licence")], courier=[1, 3], replications=3, days=20,
               warmup_days=2, tail_days=40, seed=2, jobs=1)  # fmt: skip
    one, three = (p.summary.mean("lead_median") for p in sw.points)
    assert three < one


def test_reports_escape_the_journeys_text(tmp_path):
    j = replace(one_pool_journey(0.2, 10.0, desks=4), name="<script>alert(1)</script> & co")
    path = tmp_path / "odd.yaml"
    save(j, path)
    for cmd, extra in (("optimize", ["--standard", "80% within 5 min"]),
                       ("sweep", ["--desks", "desk=4:3"])):  # fmt: skip
        out = tmp_path / f"{cmd}.html"
        r = _run(cmd, str(path), *extra, *SMALL, "-o", str(out))
        assert r.exit_code == 0, r.output
        html = out.read_text(encoding="utf-8")
        assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in (tmp_path / "optimize.html").read_text(
        encoding="utf-8"
    )


def test_optimize_gives_the_same_answer_on_dask(tmp_path, counter):
    pytest.importorskip("distributed")
    small = SMALL[:-2]  # without --jobs 1
    outs = []
    for backend in (["--jobs", "1"], ["--dask-local", "2"]):
        out = tmp_path / f"{backend[0][2:]}.json"
        r = _run("optimize", str(counter), "--standard", "80% within 5 min", *small, *backend,
                 "-o", str(out))  # fmt: skip
        assert r.exit_code == 0, r.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]

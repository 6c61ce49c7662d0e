"""``odsc calibrate`` and ``odsc validate``: files written, or one error line and exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeys.io import load
from journeys.validate import validate
from odsc.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "odsc_example_log.csv"
DATA = REPO.parent / "shared" / "data"

LOG = """case,step,done,dept,clerk
A-1,apply,2024-01-02 08:00,Commerce,Noy
A-1,check,2024-01-02 10:00,Tax,Vanh
A-2,apply,2024-01-03 09:00,Commerce,Noy
A-2,check,2024-01-05 09:00,Tax,Vanh
A-3,apply,2024-01-04 09:00,Commerce,Noy
"""
COLUMNS = ["--case", "case", "--activity", "step", "--timestamp", "done", "--agency", "dept"]


@pytest.fixture
def small_log(tmp_path: Path) -> Path:
    p = tmp_path / "small.csv"
    p.write_text(LOG, encoding="utf-8")
    return p


def test_calibrate_writes_a_valid_model(small_log: Path, tmp_path: Path) -> None:
    out = tmp_path / "as_is.yaml"
    res = CliRunner().invoke(main, ["calibrate", str(small_log), *COLUMNS, "-o", str(out)])
    assert res.exit_code == 0, res.output
    j = load(out)
    assert validate(j) == []
    assert j.id == "small-as-is"
    probs = {t.target: t.probability for t in j.successors("apply")}
    assert probs == {"check": pytest.approx(2 / 3, abs=1e-6), "case_end": pytest.approx(1 / 3)}
    assert "no start times" in res.output  # the notes are printed


def test_calibrate_bad_column_exits_2_and_writes_nothing(small_log: Path, tmp_path: Path) -> None:
    out = tmp_path / "as_is.yaml"
    res = CliRunner().invoke(
        main, ["calibrate", str(small_log), "--activity", "stap", "-o", str(out)]
    )
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "stap" in lines[0]
    assert not out.exists()


def test_calibrate_bad_period_exits_2(small_log: Path, tmp_path: Path) -> None:
    out = tmp_path / "as_is.yaml"
    args = ["calibrate", str(small_log), *COLUMNS, "--period", "soon", "-o", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2 and "error: small.csv: --period: not dates" in res.output
    assert not out.exists()


def test_validate_prints_figures_and_verdict(tmp_path: Path) -> None:
    model = tmp_path / "ex.yaml"
    runner = CliRunner()
    assert runner.invoke(main, ["calibrate", str(EXAMPLE), "-o", str(model)]).exit_code == 0
    res = runner.invoke(main, ["validate", str(model), str(EXAMPLE), "--replications", "2"])
    assert res.exit_code == 0, res.output
    assert "240 real cases, 480 simulated" in res.output
    assert "target p90 case duration within 25%" in res.output
    assert "Verdict: the model" in res.output
    # cases of weeks read in days: the example log's real median is 17.1 days
    assert re.search(r"median case duration\s+17\.1 days\s+[\d.]+ days", res.output)
    res = runner.invoke(
        main, ["validate", str(model), str(EXAMPLE), "--replications", "1", "--json"]
    )
    figures = json.loads(res.output)
    assert figures["cases_real"] == 240 and figures["basis"] == "start"
    assert figures["ngram_2"] < 0.05  # the routing of the example log is reproduced
    assert figures["visits_real"] == pytest.approx(5.2, abs=0.05)


def test_validate_bad_model_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: y\nstart: a\nsteps: {}\ntransitions: []\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(bad), str(EXAMPLE)])
    assert res.exit_code == 2
    assert all(line.startswith("error: ") for line in res.output.strip().splitlines())


@pytest.mark.skipif(not (DATA / "receipt.csv").exists(), reason="shared data not present")
def test_receipt_end_to_end(tmp_path: Path) -> None:
    model = tmp_path / "receipt.yaml"
    runner = CliRunner()
    args = ["calibrate", str(DATA / "receipt.csv"), "--agency", "org:group"]
    res = runner.invoke(main, [*args, "--period", "2011-04-01", "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert validate(load(model)) == []
    res = runner.invoke(
        main, ["validate", str(model), str(DATA / "receipt.csv"), "--agency", "org:group"]
    )
    assert res.exit_code == 0, res.output
    assert "1,434 real cases, 7,170 simulated" in res.output
    assert "target 2-gram distance below 0.2" in res.output


def test_calibrate_processing_quantile_out_of_range_exits_2(
    small_log: Path, tmp_path: Path
) -> None:
    out = tmp_path / "as_is.yaml"
    args = ["calibrate", str(small_log), *COLUMNS, "--processing-quantile", "1.5", "-o", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2
    assert (
        res.output.strip() == "error: small.csv: --processing-quantile: must be in [0, 1), got 1.5"
    )
    assert not out.exists()


def test_citizen_steps_and_a_present_rule_make_steps_citizen_facing(
    small_log: Path, tmp_path: Path
) -> None:
    out = tmp_path / "as_is.yaml"
    res = CliRunner().invoke(
        main, ["calibrate", str(small_log), *COLUMNS, "--citizen-steps", "Apply", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    j = load(out)
    assert j.step("apply").citizen_present and j.step("apply").door == "commerce_office"
    assert not j.step("check").citizen_present
    # a rule on a column: clerk Noy served at the counter
    res = CliRunner().invoke(
        main, ["calibrate", str(small_log), *COLUMNS, "--present", "clerk=Noy", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert load(out).step("apply").citizen_present
    # and a redesign of the calibrated model can bring them to one door
    to_be = tmp_path / "to_be.yaml"
    res = CliRunner().invoke(main, ["redesign", str(out), "--one-door", "ODSC", "-o", str(to_be)])
    assert res.exit_code == 0, res.output
    assert load(to_be).id == "small-to-be"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--citizen-steps", "aply"],
            "small.csv: --citizen-steps: no activity 'aply' (did you mean 'apply'?)",
        ),
        (["--citizen-steps", " , "], "small.csv: --citizen-steps: give activity names"),
        (["--present", "desk=yes"], "small.csv: --present: the log has no column 'desk'"),
        (["--present", "clerk=Bob"], "small.csv: --present: no event has clerk = 'Bob'"),
    ],
)
def test_bad_citizen_options_exit_2(small_log: Path, tmp_path: Path, args, message) -> None:
    out = tmp_path / "as_is.yaml"
    res = CliRunner().invoke(main, ["calibrate", str(small_log), *COLUMNS, *args, "-o", str(out)])
    assert res.exit_code == 2
    assert res.output.startswith(f"error: {message}"), res.output
    assert not out.exists()


def test_validate_says_why_no_case_finished(small_log: Path, tmp_path: Path) -> None:
    model = tmp_path / "slow.yaml"
    res = CliRunner().invoke(main, ["calibrate", str(small_log), *COLUMNS, "-o", str(model)])
    assert res.exit_code == 0, res.output
    # every case now waits 30 years between its steps: none finishes in the replay
    text = model.read_text(encoding="utf-8")
    j = load(model)
    from journeys.io import dumps
    from journeys.model import Distribution, Transition

    slow = j.replace(transitions=tuple(
        Transition(t.source, t.target, t.probability, t.carrier, Distribution.fixed(30 * 525600))
        for t in j.transitions
    ))  # fmt: skip
    model.write_text(dumps(slow), encoding="utf-8")
    assert model.read_text(encoding="utf-8") != text
    res = CliRunner().invoke(main, ["validate", str(model), str(small_log), *COLUMNS])
    assert res.exit_code == 2
    assert res.output.startswith("error: slow.yaml: none of the 3 replayed cases finished")
    assert "its cases take longer than the run" in res.output

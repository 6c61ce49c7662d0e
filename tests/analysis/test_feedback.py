"""Citizen feedback: every bad row named, joined right, a known effect recovered."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pandas as pd
import pytest

from analysis.feedback import (
    comments_by_step,
    emotion_curve,
    join_feedback,
    rating_effects,
    read_feedback,
    satisfaction_by,
)
from analysis.logs import read_log
from analysis.monitor import monitor
from journeys.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
LOG = read_log(ROOT / "examples" / "odsc_example_log.csv")
SURVEY = ROOT / "examples" / "odsc_example_survey.csv"


def _examples():
    spec = importlib.util.spec_from_file_location("mel", ROOT / "examples" / "make_example_log.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SMALL = pd.DataFrame({
    "case:concept:name": ["A", "A", "B", "B"],
    "concept:name": ["apply", "collect", "apply", "collect"],
    "centre": ["X", "X", "Y", "Y"],
    "time:timestamp": pd.to_datetime(["2024-03-04 08:00", "2024-03-06 09:00",
                                      "2024-03-05 10:00", "2024-03-08 10:00"], utc=True),
})  # fmt: skip


def _read(text, **kw):
    return read_feedback(io.StringIO(text), log=SMALL, by="centre", source_name="s.csv", **kw)


def _errors(text, **kw):
    with pytest.raises(InputError) as e:
        _read(text, **kw)
    return str(e.value).splitlines()


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        ("C,4,,", "s.csv: row 2: case 'C' is not in the log"),
        ("A,0,,", "s.csv: row 2: rating must be a whole number from 1 to 5, got '0'"),
        ("A,6,,", "s.csv: row 2: rating must be a whole number from 1 to 5, got '6'"),
        ("A,3.5,,", "s.csv: row 2: rating must be a whole number from 1 to 5, got '3.5'"),
        ("A,good,,", "s.csv: row 2: rating must be a whole number from 1 to 5, got 'good'"),
        ("A,,3,apply", "s.csv: row 2: emotion must be a number from -2 to +2, got '3'"),
        ("A,,,", "s.csv: row 2: gives no rating and no emotion"),
        ("A,,1,aply", "s.csv: row 2: step 'aply' is not a step of the log (did you mean 'apply'?)"),
        (",4,,", "s.csv: row 2: needs a case id, or a centre and a date"),
    ],
)
def test_each_bad_row_is_named(rows, line):
    assert _errors("case,rating,emotion,step\n" + rows + "\n") == [line]


def test_dates_outside_the_log_before_the_case_and_unreadable():
    text = ("case,centre,date,rating\nA,,2024-02-01,4\nB,,2024-03-04,4\n,X,2024-13-01,3\n"
            ",X,2024-03-07,5\n")  # fmt: skip
    assert _errors(text) == [
        "s.csv: row 2: date 2024-02-01 is outside the log's period (2024-03-04 to 2024-03-08)",
        "s.csv: row 3: date 2024-03-04 is before case 'B' started (2024-03-05)",
        "s.csv: row 4: date must be YYYY-MM-DD, got '2024-13-01'",
    ]


def test_centres_unknown_contradicting_or_without_by():
    text = "case,centre,date,rating\nA,Y,,4\n,Xx,2024-03-05,3\n"
    assert _errors(text) == [
        "s.csv: row 2: case 'A' is at centre 'X' in the log, not 'Y'",
        "s.csv: row 3: centre 'Xx' is not in the log's 'centre' (did you mean 'X'?)",
    ]
    with pytest.raises(InputError, match="row 2: gives a centre but no --by column"):
        read_feedback(io.StringIO("centre,date,rating\nX,2024-03-05,4\n"), log=SMALL)


def test_duplicate_answers_name_the_first_row():
    text = "case,rating,emotion,step\nA,4,,\nA,,1,apply\nA,5,,\nA,,2,apply\n"
    assert _errors(text) == [
        "s.csv: row 4: a second answer for case 'A' (the first is row 2)",
        "s.csv: row 5: a second answer for case 'A' about step 'apply' (the first is row 3)",
    ]


def test_header_problems_are_one_line_each():
    assert _errors("case,ratng\nA,4\n") == [
        "s.csv: line 1: unknown column 'ratng' (did you mean 'rating'?); known: case, centre, "
        "date, rating, emotion, step, comment",
        "s.csv: line 1: needs a 'rating' (1-5) or an 'emotion' (-2..+2) column",
    ]
    assert _errors("rating\n4\n") == [
        "s.csv: line 1: needs a 'case' column, or 'centre' and 'date' columns"
    ]


def test_many_bad_rows_are_capped():
    lines = _errors("case,rating\n" + "Z,9\n" * 15)
    assert len(lines) == 21 and lines[-1] == "s.csv: ... and 10 more problems"


def test_a_good_survey_joins_to_cases_and_centres():
    text = ("case,centre,date,rating,emotion,step,comment\nA,,,4,,,Fast <b>service</b>\n"
            "A,,,,-1,collect,\n,Y,2024-03-06,2,,,Slow at collect\nB,Y,2024-03-08,5,,,\n")  # fmt: skip
    fb = _read(text)
    assert fb["centre"].tolist() == ["X", "X", "Y", "Y"]
    m = monitor(SMALL, by="centre", min_cases=1)
    j = join_feedback(fb, m.cases)
    assert j["lead_minutes"].iloc[0] == pytest.approx(2 * 1440 + 60)
    assert pd.isna(j["lead_minutes"].iloc[2])  # anonymous: no case measures
    assert [str(p) for p in j["period"]] == ["2024-03"] * 4
    s = satisfaction_by(j, "centre")
    assert s.loc["X", "rating_mean"] == 4.0 and s.loc["Y", "rating_mean"] == 3.5
    assert s.loc["Y", "satisfied_share"] == 0.5 and s.loc["X", "emotion_mean"] == -1.0
    c = comments_by_step(j, steps=["apply", "collect"])
    assert c.loc["collect", "comments"] == 1
    assert c.loc["(no step named)", "examples"] == ["Fast <b>service</b>"]
    assert "case" not in c.columns and "A" not in str(c.to_dict())


def test_the_example_survey_recovers_the_known_slopes():
    """The synthetic survey was drawn from SURVEY_MODEL: both 95% intervals must hold it."""
    model = _examples().SURVEY_MODEL
    fb = read_feedback(SURVEY, log=LOG, by="centre")
    j = join_feedback(fb, monitor(LOG, by="centre").cases)
    eff = rating_effects(j, seed=0, n_boot=1000)
    visit, day = eff.loc["per extra visit"], eff.loc["per day of lead time"]
    assert visit["ci_low"] < model["visit"] < visit["ci_high"]
    assert day["ci_low"] < model["day"] < day["ci_high"]
    assert visit["ci_high"] < 0 and day["ci_high"] < 0  # the effect is found, not only allowed
    assert eff.equals(rating_effects(j, seed=0, n_boot=1000))  # seeded


def test_the_slope_estimate_is_unbiased_over_survey_draws():
    """Eight synthetic surveys of one log: the mean estimate sits on the model's slopes."""
    mel = _examples()
    raw = mel.make_log(cases=600, seed=3, days=120)
    log = read_log(raw)
    cases = monitor(log, by="centre").cases
    got = []
    for seed in range(8):
        fb = read_feedback(mel.make_survey(raw, seed=seed), log=log, by="centre")
        eff = rating_effects(join_feedback(fb, cases), n_boot=20)
        got.append(eff["slope"].to_numpy())
    visit, day = pd.DataFrame(got).mean().tolist()
    assert visit == pytest.approx(mel.SURVEY_MODEL["visit"], abs=0.08)
    assert day == pytest.approx(mel.SURVEY_MODEL["day"], abs=0.008)


def test_rating_effects_say_why_not_measured():
    fb = _read("case,rating\nA,4\nB,2\n")
    eff = rating_effects(join_feedback(fb, monitor(SMALL, by="centre").cases))
    assert eff.empty and eff.attrs["reason"].startswith("only 2 rated cases")


def test_emotion_curve_in_the_given_order():
    fb = read_feedback(SURVEY, log=LOG, by="centre")
    curve = emotion_curve(fb, order=["Get residence certificate", "Police clearance"])
    assert curve.index.tolist() == ["Get residence certificate", "Police clearance"]
    assert curve.loc["Police clearance", "emotion_mean"] < 0 < curve.loc[
        "Get residence certificate", "emotion_mean"]  # fmt: skip

"""A programme of centres: the manifest, seeds per centre, checkpoints, national figures."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulations.programme_run as pr
from journeys import load_catalog
from journeys.errors import InputError
from journeys.io import save
from simulations.experiments import mean_ci
from simulations.programme import programme_from_text, read_programme
from simulations.programme_run import KPIS, ProgrammeResult, centre_seed, run_programme
from simulations.programme_scenarios import (
    ProgrammeScenario,
    read_scenarios,
    scenarios_from_data,
)
from simulations.programme_summary import national, ranking

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY = dict(replications=2, days=4, warmup_days=1, tail_days=8, seed=5)

THREE = """
programme: Three centres
centres:
  - {id: a, name: Centre A, journey: family-book-one-door, arrivals_per_day: 6}
  - {id: b, journey: land-title-one-door, desks: {odsc_desk: 2}}
  - {id: c, journey: family-book-one-door}
"""


def _three():
    return programme_from_text(THREE, source="centres.yaml")


# ------------------------------------------------------------------ the manifest
def test_yaml_and_csv_manifests_read_the_same_programme(tmp_path):
    (tmp_path / "centres.csv").write_text(
        "id,name,journey,arrivals_per_day,desks,to_be,to_be_desks\n"
        "a,Centre A,family-book-one-door,6,,,\n"
        "b,,land-title-one-door,,odsc_desk=2,,\n"
        "c,,family-book-one-door,,,,\n"
    )
    (tmp_path / "centres.yaml").write_text(THREE)
    y, c = read_programme(tmp_path / "centres.yaml"), read_programme(tmp_path / "centres.csv")
    assert y.centres == c.centres
    assert [x.id for x in y.centres] == ["a", "b", "c"]
    assert [x.name for x in y.centres] == ["Centre A", "b", "c"]
    assert [x.arrivals_per_day for x in y.centres] == [6.0, 4.0, 10.0]
    assert y.centre("b").journey.pool("odsc_desk").capacity == 2
    assert load_catalog("land-title-one-door").pool("odsc_desk").capacity == 1
    assert y.title == "Three centres" and c.title == ""


def test_a_journey_file_beside_the_manifest_and_a_to_be_with_its_own_desks(tmp_path):
    j = load_catalog("business-licence")
    save(replace(j, id="calibrated-centre"), tmp_path / "model.yaml")
    (tmp_path / "centres.yaml").write_text(
        "centres:\n  - {id: x, journey: model.yaml, arrivals_per_day: 3.5,"
        " to_be: business-licence-one-door, to_be_desks: {odsc_desk: 3}}\n"
    )
    c = read_programme(tmp_path / "centres.yaml").centres[0]
    assert c.journey.id == "calibrated-centre"
    assert c.to_be.id == "business-licence-one-door"
    assert c.to_be.pool("odsc_desk").capacity == 3
    assert c.to_be.arrivals.per_day == 3.5  # the centre's demand holds for its redesign


BAD_MANIFESTS = [
    ("centres: []\n", "centres.yaml: no centre in the manifest"),
    ("- {id: a}\n", "centres.yaml: expected a mapping with a list 'centres:'"),
    ("centres: [{id: a, journey: family-book}]\nextra: 1\n",
     "centres.yaml: unknown field 'extra'"),
    ("centres:\n  - {id: a, journey: family-book, desk: {x: 1}}\n",
     "centres.yaml: centre 1 (a): unknown field 'desk' (known: id, name, journey,"),
    ("centres:\n  - {name: A, journey: family-book}\n",
     "centres.yaml: centre 1: id: expected a name of 1 to 100 characters, got None"),
    ("centres:\n  - {id: a}\n", "centres.yaml: centre 1 (a): journey: missing"),
    ("centres:\n  - {id: a, journey: no-such-service}\n",
     "centres.yaml: centre 1 (a): journey: no-such-service: no such journey file or catalogue"),
    ("centres:\n  - {id: a, journey: missing.yaml}\n",
     "centres.yaml: centre 1 (a): journey: missing.yaml:"),
    ("centres:\n  - {id: a, journey: family-book}\n  - {id: a, journey: land-title}\n",
     "centres.yaml: centre 2 (a): id: 'a' is also the id of centre 1"),
    ("centres:\n  - {id: a, journey: family-book, arrivals_per_day: -2}\n",
     "centres.yaml: centre 1 (a): arrivals_per_day: expected a number above 0"),
    ("centres:\n  - {id: a, journey: family-book, arrivals_per_day: lots}\n",
     "centres.yaml: centre 1 (a): arrivals_per_day: expected a number above 0 and at most"
     " 100,000, got 'lots'"),
    ("centres:\n  - {id: a, journey: family-book, desks: {registrar: 0}}\n",
     "centres.yaml: centre 1 (a): desks: registrar: expected a whole number of desks from 1"),
    ("centres:\n  - {id: a, journey: family-book, desks: 3}\n",
     "centres.yaml: centre 1 (a): desks: expected desks per pool"),
    ("centres:\n  - {id: a, journey: family-book, to_be_desks: {odsc_desk: 2}}\n",
     "centres.yaml: centre 1 (a): to_be_desks: given without a to_be journey"),
    ("centres:\n  - {id: a, journey: family-book, to_be: family-book-one-door,"
     " to_be_desks: {family_book_officer: 9}}\n",
     "centres.yaml: centre 1 (a): to_be_desks: family-book-one-door has no pool 'family_book_officer'"),
    ("centres:\n  - 7\n", "centres.yaml: centre 1: expected a centre with the fields"),
    ("centres: [\n", "centres.yaml: "),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_MANIFESTS)
def test_bad_manifests_name_the_file_the_centre_and_the_field(tmp_path, text, message):
    p = tmp_path / "centres.yaml"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        read_programme(p)
    assert str(e.value).startswith(message), str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,journey,colour\na,family-book,red\n", "centres.csv: line 1: unknown column 'colour'"),
        ("id,journey\na,family-book,extra\n", "centres.csv: row 2: more values than columns"),
        ("id,journey,desks\na,family-book,registrar:2\n",
         "centres.csv: row 2 (a): desks: 'registrar:2': write POOL=N;POOL=N"),
        ("id,journey,desks\na,family-book,registrar=two\n",
         "centres.csv: row 2 (a): desks: registrar: expected a whole number"),
        ("id,journey\na,family-book\n,land-title\n", "centres.csv: row 3: id: expected a name"),
        ("", "centres.csv: empty file"),
    ],
)  # fmt: skip
def test_bad_csv_manifests_name_the_row(tmp_path, text, message):
    p = tmp_path / "centres.csv"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        read_programme(p)
    assert str(e.value).startswith(message), str(e.value)


def test_a_manifest_that_is_not_a_manifest(tmp_path):
    with pytest.raises(InputError, match="centres.txt: a programme manifest is .yaml"):
        read_programme(tmp_path / "centres.txt")
    with pytest.raises(InputError, match="nope.yaml: no such file"):
        read_programme(tmp_path / "nope.yaml")
    (tmp_path / "latin.yaml").write_bytes(b"centres: [{id: \xe9}]")
    with pytest.raises(InputError, match="latin.yaml: not UTF-8 text"):
        read_programme(tmp_path / "latin.yaml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scenarios": []}, "s.yaml: scenarios: expected a list"),
        ({"name": "x"}, "s.yaml: scenario 1 (x): no change"),
        ({"name": "as-is", "demand": 2}, "s.yaml: scenario 1 (as-is): name: 'as-is' is taken"),
        ({"name": "x", "demand": 0}, "s.yaml: scenario 1 (x): demand: expected a number above 0"),
        ({"name": "x", "one_door": ""}, "s.yaml: scenario 1 (x): one_door: expected the front"),
        ({"name": "x", "carrier": "digital"}, "s.yaml: scenario 1 (x): carrier: expected"),
        ({"name": "x", "add_staff": {"desk": "two"}}, "s.yaml: scenario 1 (x): add_staff:"),
        ({"name": "x", "appointments": 1.5}, "s.yaml: scenario 1 (x): appointments: expected"),
        ({"name": "x", "to_be": True, "one_door": "ODSC"}, "s.yaml: scenario 1 (x): to_be: the"),
        ({"name": "x", "staff": 1}, "s.yaml: scenario 1 (x): unknown field 'staff'"),
        ({"scenarios": [{"name": "x", "demand": 2}, {"name": "x", "demand": 3}]},
         "s.yaml: scenario 2 (x): name: 'x' is taken"),
    ],
)  # fmt: skip
def test_bad_scenarios_name_the_file_the_scenario_and_the_field(data, message):
    with pytest.raises(InputError) as e:
        scenarios_from_data(data, source="s.yaml")
    assert str(e.value).startswith(message), str(e.value)


def test_an_operator_that_cannot_apply_at_a_centre_names_it(tmp_path):
    f = tmp_path / "staff.yaml"
    f.write_text("name: more desks\nadd_staff: {registrar: 1}\n")
    with pytest.raises(InputError) as e:
        run_programme(_three(), read_scenarios(f), jobs=1, **TINY)
    assert str(e.value).startswith(
        "staff.yaml: scenario more desks: centre b: add_staff: no pool 'registrar' (known: odsc_desk,"
    ), str(e.value)


# ---------------------------------------------------------------------- the runs
def test_the_tidy_table_one_row_per_centre_scenario_and_replication():
    s = scenarios_from_data({"name": "+1 desk", "add_staff": {"odsc_desk": 1}}, source="s")
    r = run_programme(_three(), s, jobs=1, **TINY)
    assert list(r.runs.columns) == ["centre", "scenario", "replication", *KPIS]
    assert r.runs[["centre", "scenario", "replication"]].values.tolist() == [
        [c, sc, k] for c in "abc" for sc in ("as-is", "+1 desk") for k in (0, 1)
    ]
    assert (r.ran, r.resumed) == (12, 0)
    assert r.demand[("a", "+1 desk")] == 6.0
    # desks were added at every centre, so no desk queue got longer at any of them
    q = r.runs.pivot_table(index=["centre", "replication"], columns="scenario", values="desk_queue")
    assert (q["+1 desk"] <= q["as-is"] + 1e-9).all()


def test_results_do_not_depend_on_the_order_of_the_centres():
    p = _three()
    flipped = replace(p, centres=p.centres[::-1])
    a = run_programme(p, [], jobs=1, **TINY).runs
    b = run_programme(flipped, [], jobs=1, **TINY).runs
    b = b.set_index(["centre", "scenario", "replication"]).loc[
        a.set_index(["centre", "scenario", "replication"]).index].reset_index()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_same_model_at_two_centres_sees_different_citizens_and_scenarios_share_them():
    # centres a and c run the same journey; a changed demand of 1.0x is no change at all
    p = replace(_three(), centres=(_three().centres[2], replace(_three().centres[2], id="d")))
    same = ProgrammeScenario("unchanged", demand=1.0)
    r = run_programme(p, [same], jobs=1, **TINY).runs.set_index(["centre", "scenario"])
    base_c = r.loc[("c", "as-is")].reset_index(drop=True)
    pd.testing.assert_frame_equal(base_c, r.loc[("c", "unchanged")].reset_index(drop=True),
                                  check_exact=True)  # common random numbers  # fmt: skip
    assert not r.loc[("d", "as-is")]["lead_mean"].equals(base_c["lead_mean"])
    assert centre_seed(5, "c") != centre_seed(5, "d")


def _interrupt_after(k: int):
    real = pr._run_task
    count = {"n": 0}

    def flaky(task):
        if count["n"] >= k:
            raise KeyboardInterrupt("stopped")
        count["n"] += 1
        return real(task)

    return flaky


def test_a_checkpoint_resumes_with_only_the_remaining_tasks(tmp_path, monkeypatch):
    s = [ProgrammeScenario("+20%", demand=1.2)]
    whole = run_programme(_three(), s, jobs=1, **TINY)
    folder = tmp_path / "ckpt"
    monkeypatch.setattr(pr, "_run_task", _interrupt_after(5))
    with pytest.raises(KeyboardInterrupt):
        run_programme(_three(), s, jobs=1, checkpoint=folder, **TINY)
    assert len(list(folder.glob("*.json"))) == 5
    assert not list(folder.glob(".*.tmp"))
    monkeypatch.undo()
    ran: list[str] = []
    real = pr._run_task
    monkeypatch.setattr(pr, "_run_task", lambda t: ran.append(t.centre) or real(t))
    again = run_programme(_three(), s, jobs=1, checkpoint=folder, **TINY)
    assert (again.resumed, again.ran, len(ran)) == (5, 7, 7)
    pd.testing.assert_frame_equal(whole.runs, again.runs, check_exact=True)
    # a third run reads everything back; a changed seed reuses nothing
    monkeypatch.undo()
    assert run_programme(_three(), s, jobs=1, checkpoint=folder, **TINY).ran == 0
    other = run_programme(_three(), s, jobs=1, checkpoint=folder, **{**TINY, "seed": 6})
    assert (other.resumed, other.ran) == (0, 12)


def test_a_damaged_checkpoint_file_is_run_again(tmp_path):
    folder = tmp_path / "ckpt"
    first = run_programme(_three(), [], jobs=1, checkpoint=folder, **TINY)
    victim = sorted(folder.glob("*.json"))[0]
    victim.write_text('{"format": 1, "row": {"centre"')
    again = run_programme(_three(), [], jobs=1, checkpoint=folder, **TINY)
    assert (again.resumed, again.ran) == (5, 1)
    pd.testing.assert_frame_equal(first.runs, again.runs, check_exact=True)
    json.loads(victim.read_text())  # rewritten whole


def test_a_checkpoint_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "ckpt"
    f.write_text("x")
    with pytest.raises(InputError, match="cannot create the checkpoint folder"):
        run_programme(_three(), [], jobs=1, checkpoint=f / "sub", **TINY)


# --------------------------------------------------------- national and ranking
def _hand_built() -> ProgrammeResult:
    p = _three()
    rows = []
    # centre a: demand 6; b: 4; c: 10 (c records no visits: NaN)
    vis = {("a", "as-is"): [5.0, 6.0], ("a", "new"): [2.0, 3.0], ("b", "as-is"): [4.0, 4.0],
           ("b", "new"): [4.0, 5.0], ("c", "as-is"): [math.nan] * 2, ("c", "new"): [math.nan] * 2}
    lead = {("a", "as-is"): [10.0, 12.0], ("a", "new"): [4.0, 5.0], ("b", "as-is"): [8.0, 9.0],
            ("b", "new"): [8.0, 10.0], ("c", "as-is"): [3.0, 3.0], ("c", "new"): [3.0, 4.0]}
    for (c, s), v in vis.items():
        for k in (0, 1):
            row = {"centre": c, "scenario": s, "replication": k, **dict.fromkeys(KPIS, 0.5)}
            row.update(visits=v[k], lead_mean=lead[(c, s)][k], lead_median=lead[(c, s)][k])
            rows.append(row)
    centres = pd.DataFrame({"centre": list("abc"), "name": ["A", "B", "C"],
                            "journey": ["j"] * 3, "arrivals_per_day": [6.0, 4.0, 10.0],
                            "days": [5] * 3, "tail_days": [5] * 3})  # fmt: skip
    demand = {(c, s): {"a": 6.0, "b": 4.0, "c": 10.0}[c] for c, s in vis}
    return ProgrammeResult(p, pd.DataFrame(rows), centres, ("as-is", "new"), demand, 2, 1, 1,
                           15.0, 12, 0)  # fmt: skip


def test_national_figures_by_hand():
    n = national(_hand_built()).set_index(["scenario", "figure"])
    # visits: centres a and b only (c records none); weights 6 and 4
    base = np.array([(6 * 5 + 4 * 4) / 10, (6 * 6 + 4 * 4) / 10])  # 4.6, 5.2
    new = np.array([(6 * 2 + 4 * 4) / 10, (6 * 3 + 4 * 5) / 10])  # 2.8, 3.8
    assert n.loc[("as-is", "visits"), ["mean", "centres", "of"]].tolist() == [4.9, 2, 3]
    assert n.loc[("new", "visits"), "mean"] == pytest.approx(3.3)
    m, lo, hi = mean_ci(new - base)
    assert n.loc[("new", "visits"), ["diff", "diff_low", "diff_high"]].tolist() == pytest.approx(
        [m, lo, hi])
    assert m == pytest.approx(-1.6)
    # a total: visits a working day = 6 x visits(a) + 4 x visits(b), per replication
    assert n.loc[("as-is", "visits_total"), "mean"] == pytest.approx((46 + 52) / 2)
    # lead time: all three centres, weights 6, 4, 10
    assert n.loc[("as-is", "lead_mean"), "mean"] == pytest.approx(
        ((60 + 32 + 30) / 20 + (72 + 36 + 30) / 20) / 2)
    assert n.loc[("as-is", "citizens"), "mean"] == 20.0
    assert math.isnan(n.loc[("as-is", "citizens"), "ci_low"])


def test_per_centre_summaries_use_the_experiments_intervals():
    r = _hand_built()
    s = r.summary().set_index(["centre", "scenario", "kpi"])
    assert s.loc[("a", "new", "visits"), ["mean", "ci_low", "ci_high"]].tolist() == list(
        mean_ci([2.0, 3.0]))
    c = r.comparison().set_index(["centre", "scenario", "kpi"])
    # paired: visits 5, 6 -> 2, 3 is a change of exactly -3 in both replications
    assert c.loc[("a", "new", "visits"), ["diff", "diff_low", "diff_high"]].tolist() == [-3.0] * 3


def test_ranking_by_hand():
    r = ranking(_hand_built(), "new", "lead_median")
    # a: -6.5 (diffs -6, -7: clearly better); c: +0.5 (0, +1: no clear change); b: +0.5 (0, +1)
    assert r["centre"].tolist() == ["a", "b", "c"]
    assert r["verdict"].tolist() == ["better", "no clear change", "no clear change"]
    assert r.loc[0, "diff"] == -6.5
    v = ranking(_hand_built(), "new", "visits")
    assert v["verdict"].tolist()[-1] == "not recorded" and v["centre"].tolist()[-1] == "c"


def test_a_centre_that_records_no_visits_leaves_them_out_of_the_nation(tmp_path):
    j = load_catalog("family-book-one-door")
    back = replace(j, id="no-presence", steps=tuple(replace(s, citizen_present=False)
                                                    for s in j.steps))  # fmt: skip
    save(back, tmp_path / "back.yaml")
    (tmp_path / "c.yaml").write_text("centres:\n  - {id: x, journey: back.yaml}\n"
                                     "  - {id: y, journey: land-title-one-door}\n")  # fmt: skip
    r = run_programme(read_programme(tmp_path / "c.yaml"), [ProgrammeScenario("+", demand=1.1)],
                      jobs=1, **TINY)  # fmt: skip
    assert r.runs.loc[r.runs["centre"] == "x", "visits"].isna().all()
    n = national(r).set_index(["scenario", "figure"])
    assert n.loc[("as-is", "visits"), "centres"] == 1
    y = r.runs[(r.runs["centre"] == "y") & (r.runs["scenario"] == "as-is")]["visits"].mean()
    assert n.loc[("as-is", "visits"), "mean"] == pytest.approx(y)
    assert n.loc[("as-is", "lead_mean"), "centres"] == 2


def test_the_example_manifest_is_made_by_its_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_programme", EXAMPLES / "make_programme.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.make_manifest(73, seed=13) == (EXAMPLES / "centres.yaml").read_text()
    p = read_programme(EXAMPLES / "centres.yaml")
    assert len(p.centres) == 73 and len({c.id for c in p.centres}) == 73
    assert all(c.to_be is not None for c in p.centres)


def test_the_report_warns_of_a_headline_kpi_that_gets_worse_elsewhere():
    from odsc.report_programme import watch

    r = _hand_built()
    runs = r.runs.copy()
    at = (runs["centre"] == "a") & (runs["scenario"] == "new")
    runs.loc[at, "desk_within_sla"] = 0.2  # from 0.5 in both replications: clearly worse
    r = replace(r, runs=runs)
    assert watch(r, "new", "lead_median") == [
        "Desk services within 15 min gets clearly worse at 1 of 3 centres: A (50% → 20%)."
    ]
    assert watch(r, "new", "desk_within_sla") == []

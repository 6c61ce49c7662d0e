"""Conformance of hand-built logs against the catalogue journey and a parallel journey."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.conformance import allowed_pairs, conformance
from journeys.model import Distribution, Journey, Step, Transition

HAPPY = [
    "village_cert",
    "submit",
    "doic_review",
    "police_clearance",
    "site_inspection",
    "tax_registration",
    "doic_approval",
    "collect_licence",
]


def _log(cases: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for case, acts in cases.items():
        for i, a in enumerate(acts):
            rows.append(
                (case, a, pd.Timestamp("2024-03-04 08:00", tz="UTC") + pd.Timedelta(days=i))
            )
    df = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    df["org:group"] = "x"
    return df


@pytest.fixture(scope="module")
def licence() -> Journey:
    return Journey.from_catalog("business-licence")


def test_happy_path_and_rework_loop_conform(licence):
    loop = HAPPY[:3] + ["submit", "doic_review"] + HAPPY[3:]  # review sends the file back once
    c = conformance(_log({"ok": HAPPY, "loop": loop}), licence)
    assert (c.cases, c.conforming, c.share) == (2, 2, 1.0)
    assert c.deviations.empty
    assert c.matched_share == 1.0


def test_step_names_match_as_well_as_ids(licence):
    names = [licence.step(s).label for s in HAPPY]
    assert conformance(_log({"c": names}), licence).share == 1.0


def test_each_kind_of_deviation(licence):
    cases = {
        "ok": HAPPY,
        "skip": [s for s in HAPPY if s != "police_clearance"],
        "late_start": HAPPY[1:],
        "unfinished": HAPPY[:-1],
        "coffee": HAPPY[:2] + ["coffee break"] + HAPPY[2:],
        "back": HAPPY[:4] + ["submit"] + HAPPY[4:],
        "twice": HAPPY[:5] + ["site_inspection"] + HAPPY[5:],
    }
    c = conformance(_log(cases), licence)
    assert c.cases == 7 and c.conforming == 1
    assert c.share == pytest.approx(1 / 7)
    per = c.per_case
    assert per.loc["ok", "conforms"]
    assert not per.loc["late_start", "starts_ok"] and per.loc["late_start", "ends_ok"]
    assert not per.loc["unfinished", "ends_ok"]
    assert per.loc["coffee", "unknown"] == 1
    assert per.loc["skip", "bad_pairs"] == 1
    dev = {(r.kind, r.source, r.target): (r.detail, r.cases) for r in c.deviations.itertuples()}
    assert dev[("skipped steps", "Review dossier", "Environmental site check")] == (
        "Police clearance",
        1,
    )
    assert dev[("missing start", "Submit application", "Get residence certificate")] == ("", 1)
    assert dev[("not finished", "Approve and sign licence", "")] == ("", 1)
    assert dev[("unknown activity", "coffee break", "")] == ("", 1)
    assert dev[("unexpected order", "Police clearance", "Submit application")] == ("", 1)
    assert dev[("repeated step", "Environmental site check", "Environmental site check")] == (
        "",
        1,
    )
    assert c.deviations["case_share"].max() == pytest.approx(1 / 7)
    assert len(json.dumps(c.to_dict())) > 0


def test_ignore_unknown_drops_bookkeeping_events(licence):
    log = _log({"c": HAPPY[:2] + ["coffee break"] + HAPPY[2:]})
    assert conformance(log, licence).share == 0.0
    c = conformance(log, licence, ignore_unknown=True)
    assert c.share == 1.0 and c.matched_share == pytest.approx(8 / 9)


def _parallel() -> Journey:
    d = Distribution.fixed(5)
    steps = (
        Step("s", "x", d, split="and"),
        Step("p", "x", d, split="xor"),
        Step("p1", "x", d),
        Step("p2", "x", d),
        Step("q", "y", d),
        Step("e", "x", d, join="and"),
    )
    tr = (
        Transition("s", "p"),
        Transition("s", "q"),
        Transition("p", "p1", probability=0.5),
        Transition("p", "p2", probability=0.5),
        Transition("p1", "e"),
        Transition("p2", "e"),
        Transition("q", "e"),
    )
    return Journey("par", "Parallel", "s", steps, tr)


def test_parallel_branches_may_interleave_but_exclusive_ones_may_not():
    j = _parallel()
    pairs = allowed_pairs(j)
    assert ("p1", "q") in pairs and ("q", "p") in pairs
    assert ("p1", "p2") not in pairs  # alternatives of an xor inside one branch
    c = conformance(
        _log(
            {
                "seq": ["s", "p", "p1", "q", "e"],
                "mixed": ["s", "q", "p", "p2", "e"],
                "inter": ["s", "p", "q", "p1", "e"],
                "both": ["s", "p", "p1", "p2", "q", "e"],
            }
        ),
        j,
    )
    assert c.per_case["conforms"].to_dict() == {
        "seq": True,
        "mixed": True,
        "inter": True,
        "both": False,
    }

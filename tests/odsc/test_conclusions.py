"""Conclusions and headlines that show losses next to gains."""

from __future__ import annotations

import pytest

from analysis.findings import Finding
from odsc.conclusions import change_conclusions, mine_conclusions


def _row(kpi, label, before, after, diff, change, verdict, value=None):
    return {
        "kpi": kpi, "label": label, "scenario": "b", "baseline_text": before,
        "value_text": after, "diff_text": diff, "change_text": change, "verdict": verdict,
        "significant": bool(verdict), "value": value,
    }


def test_losses_are_listed_with_their_remedies():
    rows = [
        _row("lead_median", "Lead time, median (days)", "26.5", "4.89", "-21.7", "-82%", "better"),
        _row("handoffs", "Agency handoffs per case", "5", "6.23", "+1.23", "+25%", "worse"),
        _row("within_sla", "Served at the first desk within 15 min", "94%", "56%", "-37 pts",
             "-40%", "worse"),
        _row("visits", "Visits to offices per case", "5.27", "5.20", "-0.07", "-1%", ""),
        _row("util:odsc", "Utilisation of ODSC front desk clerks", "–", "91%", "–", "", "", 0.91),
    ]
    v = change_conclusions(rows, "b")
    assert v["better"] == ["Lead time, median (days): 26.5 -> 4.89 (-82%)"]
    assert v["worse"] == [
        "Agency handoffs per case: 5 -> 6.23 (+25%)",
        "Served at the first desk within 15 min: 94% -> 56% (-37 pts)",
    ]
    assert len(v["remedies"]) == 3  # handoffs, the front-desk queue, the busy desk
    assert v["remedies"][2].startswith("Utilisation of ODSC front desk clerks is 91%")
    assert v["unchanged"] == ["Visits to offices per case"]


def test_one_action_per_recommendation_largest_first():
    fs = [
        Finding("Handoff A -> B", "x", {}, 900.0, "Exchange data.", "handoff", 3, 300.0),
        Finding("Rework: X", "x", {}, 700.0, "Checklist.", "rework", 7, 100.0),
        Finding("Handoff B -> C", "x", {}, 600.0, "Exchange data.", "handoff", 3, 200.0),
        Finding("Long tail", "x", {}, 500.0, "", "tail"),
    ]
    got = mine_conclusions(fs)
    assert [(c["action"], c["because"]) for c in got] == [
        ("Exchange data.", ["Handoff A -> B", "Handoff B -> C"]),
        ("Checklist.", ["Rework: X"]),
    ]
    assert got[1]["effect"] == "+1.7 h per case (7 cases; 11.7 h in total)"


@pytest.mark.parametrize("name", ["business-licence"])
def test_the_compare_headline_shows_what_got_worse(name):
    from journeys import load_catalog
    from odsc.report_compare import render_comparison
    from simulations.experiments import compare

    j0, j1 = load_catalog(name), load_catalog(f"{name}-one-door")
    c = compare(j0, j1, replications=3, days=20, warmup_days=2, tail_days=40, seed=1, jobs=1)
    md = render_comparison(c, [j0, j1], fmt="md")
    worse = next(line for line in md.splitlines() if line.startswith("- Got worse: "))
    assert "## TCV table: " in md and "| **Total per case** |" in md
    # one front desk for everything: its queue is longer, and the back office hands off more
    assert "Agency handoffs per case" in worse and "Served at the first desk within 15 min" in worse
    html = render_comparison(c, [j0, j1], fmt="html")
    assert "Got worse (2)" in html and "Time, Cost and Visits, step by step" in html
    assert "doic_desk" not in html and "village_office" not in html  # names, not ids
    assert "412,500 LAK" in html  # the as-is fees per case, with their currency
    # a desk pool is named by its agency; its role only where it is the same before and after
    assert "Utilisation of District Police (1 desk)" in html
    assert "Utilisation of Village authority, front desk (1 desk)" in html

"""The before/after report: figures as text, verdicts, escaping, the three formats."""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from odsc.report_compare import (  # noqa: E402
    comparison_rows,
    comparison_table_text,
    render_comparison,
)
from simulations.experiments import Experiment, paired_comparison  # noqa: E402

BASE, ALT = "as-is <b>&", "one|door"


def _comparison():
    runs = pd.DataFrame(
        {
            "scenario": [BASE] * 3 + [ALT] * 3,
            "replication": [0, 1, 2] * 2,
            "lead_median": [20.0, 22.0, 24.0, 4.0, 5.0, 6.0],
            "visits": [5.0, 5.2, 5.4, 2.0, 2.0, 2.0],
            "citizen_cost": [1e6, 1.2e6, 1.1e6, 2e5, 2.1e5, 2.2e5],
            "within_sla": [0.9, 0.8, 0.85, 0.95, 0.9, 0.93],
            "handoffs": [5.0, 5.0, 5.0, 5.0, 6.0, 4.0],
            "unfinished": [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            "util:front": [np.nan] * 3 + [0.5, 0.6, 0.55],
        }
    )
    cases = pd.DataFrame(
        {
            "scenario": [BASE] * 4 + [ALT] * 4,
            "replication": 0,
            "lead_days": [20.0, 21.0, 25.0, 30.0, 4.0, 5.0, 5.0, 6.0],
            "waiting_days": [19.0, 20.0, 24.0, 29.0, 3.0, 4.0, 4.0, 5.0],
            "visits": [5.0, 5.0, 6.0, 5.0, 2.0, 2.0, 2.0, 2.0],
            "first_queue_minutes": [0.0, 5.0, 20.0, 3.0, 0.0, 30.0, 12.0, 1.0],
            "desk_queue_minutes": [40.0, 55.0, 90.0, 35.0, 0.0, 30.0, 12.0, 1.0],
        }
    )
    queues = pd.DataFrame(
        {
            "scenario": [BASE, BASE, ALT, ALT],
            "replication": 0,
            "pool": ["desk", "desk", "front", "front"],
            "citizen": True,
            "hour": [8, 9, 8, 9],
            "queue": [3.0, 1.0, 1.0, 0.5],
        }
    )
    ex = Experiment(runs, cases, queues, (BASE, ALT), 3, 20, 2, 7, tail_days=30)
    return paired_comparison(ex)


def test_rows_say_what_changed_and_whether_it_is_better():
    rows = {r["kpi"]: r for r in comparison_rows(_comparison())}
    lead = rows["lead_median"]
    assert (lead["baseline_text"], lead["value_text"], lead["diff_text"]) == (
        "22.0",
        "5.00",
        "-17.0",
    )
    assert lead["change_text"] == "-77%"  # -17 / 22
    assert lead["significant"] and lead["verdict"] == "better" and lead["group"] == "Time"
    sla = rows["within_sla"]
    # differences +0.05, +0.10, +0.08: mean 0.0767, CI about [0.014, 0.139]
    assert (sla["baseline_text"], sla["value_text"], sla["diff_text"]) == ("85%", "93%", "+8 pts")
    assert sla["ci_text"] == "+1 pts to +14 pts"
    assert sla["verdict"] == "better"  # more served within the standard is good news
    # handoffs: differences +0, +1, -1 -> not significant, no verdict
    assert not rows["handoffs"]["significant"] and rows["handoffs"]["verdict"] == ""
    util = rows["util:front"]
    assert util["baseline_text"] == "–" and util["ci_text"] == "" and util["verdict"] == ""
    assert util["group"] == "Staff utilisation"
    cost = rows["citizen_cost"]
    assert cost["baseline_text"] == "1,100,000" and cost["diff_text"] == "-890,000"


def test_terminal_table_lines_up_and_notes_unfinished_cases():
    text = comparison_table_text(_comparison())
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("KPI"))
    assert set(lines[header + 1].replace(" ", "")) == {"-"}
    lead = next(line for line in lines if line.startswith("Lead time, median"))
    # differences -16, -17, -18: -17 -+ t(0.975, 2) x 1 / sqrt(3) = -17 -+ 2.484
    assert lead.split()[-7:] == ["22.0", "5.00", "-17.0", "-19.5", "to", "-14.5", "-77%"]
    assert lines[-1].startswith("Note: some measured cases were still open at the end")
    assert f"{BASE}: 1" in lines[-1]


def test_html_escapes_names_and_shows_headline_and_plots():
    page = render_comparison(_comparison(), fmt="html")
    assert "as-is &lt;b&gt;&amp;" in page and "as-is <b>&" not in page
    assert page.count("<svg") == 6  # no journeys given: the plots only
    assert "<metadata" not in page and "creativecommons" not in page  # no RDF, no date
    assert "Time: lead time (median)" in page and "Citizens queuing by hour of day" in page
    # the three TCV tiles are always there: a cost the journeys do not hold is not recorded
    assert "Cost to the citizen" in page and "Visits to offices" in page
    assert 'class="card better"' in page
    assert "A longer tail (--tail-days) lets them finish." in page


def test_markdown_escapes_table_cells_and_json_has_nulls():
    md = render_comparison(_comparison(), fmt="md")
    # A tag cannot open ("&lt;b>"), a pipe cannot split a cell; the rest stays readable.
    assert "| KPI | as-is &lt;b>& | one\\|door |" in md
    assert "<b>" not in md and "&gt;" not in md
    # The headline reads in a terminal too: an arrow, not an HTML entity.
    assert "- Time: lead time (median): 22.0 -> 5.00 days" in md
    assert "## Conclusions and recommendations" in md
    doc = json.loads(render_comparison(_comparison(), fmt="json"))
    util = next(r for r in doc["comparison"] if r["kpi"] == "util:front")
    assert util["baseline"] is None and util["value"] == 0.55
    lead = next(r for r in doc["comparison"] if r["kpi"] == "lead_median")
    assert math.isclose(lead["diff"], -17.0) and doc["tail_days"] == 30

"""Each findings rule fires at its threshold, quotes its numbers, and ranks by impact."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import findings as F
from analysis.conformance import Conformance
from analysis.findings import Finding, find, format_minutes

DAY = 1440.0


def _handoffs(lead_share: float, case_share: float = 0.4, carrier: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["Tax"],
            "target": ["Commerce"],
            "count": [430],
            "cases": [412],
            "case_share": [case_share],
            "delay_median": [3.1 * DAY],
            "delay_p90": [9.0 * DAY],
            "delay_total": [1.0e6],
            "lead_share": [lead_share],
            "pingpongs": [0],
            "carrier": [carrier],
        }
    )


def test_format_minutes():
    assert format_minutes(14.6) == "15 min"
    assert format_minutes(60) == "1.0 h"
    assert format_minutes(47.9 * 60) == "47.9 h"
    assert format_minutes(2 * DAY) == "2.0 days"
    assert format_minutes(float("nan")) == "n/a"
    # the same words as the report's tables: a short wait is not "0 min", long ones get commas
    assert format_minutes(0) == "0 min" and format_minutes(0.3) == "<1 min"
    assert format_minutes(59.7) == "1.0 h"
    assert format_minutes(3053.5 * DAY) == "3,053.5 days"


def test_handoff_rule_text_threshold_and_carrier_advice():
    (f,) = find(handoffs=_handoffs(0.38, carrier="citizen"))
    assert f.kind == "handoff"
    # the title is not repeated; the impact per case first, the total second
    assert f.text == (
        "40% of cases pass from Tax to Commerce (carried by citizen); the wait holds 38% of all"
        " lead time. It adds on average 40.5 h (median 3.1 days, p90 9.0 days) to each of the"
        " 412 cases it touches (694.4 days of case time in total)."
    )
    assert (f.cases, f.per_case) == (412, pytest.approx(1.0e6 / 412))
    assert f.evidence["cases"] == 412 and f.evidence["lead_share"] == 0.38
    assert f.impact == 1.0e6
    assert "back office" in f.recommendation
    assert find(handoffs=_handoffs(F.HANDOFF_MIN_LEAD_SHARE)) != []
    assert find(handoffs=_handoffs(F.HANDOFF_MIN_LEAD_SHARE - 0.001)) == []
    assert find(handoffs=_handoffs(0.38, case_share=F.MIN_CASE_SHARE - 0.001)) == []


def test_pingpong_rule():
    p = pd.DataFrame(
        {
            "a": ["A"],
            "b": ["B"],
            "returns": [200],
            "cases": [120],
            "case_share": [0.12],
            "delay_total": [5000.0],
        }
    )
    (f,) = find(pingpongs=p)
    assert f.text.startswith(
        "Files go from one to the other and straight back in 12% of cases (200 returns). It adds"
        " on average 42 min to each of the 120 cases it touches (3.5 days of case time in total)."
    )
    assert f.per_case == pytest.approx(5000.0 / 120)
    assert f.impact == 5000.0
    low = p.assign(case_share=F.PINGPONG_MIN_CASE_SHARE - 0.01)
    assert find(pingpongs=low) == []


def _activities(share: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "activity": ["X"],
            "events": [500],
            "waiting_median": [DAY],
            "waiting_p90": [4.2 * DAY],
            "waiting_total": [9000.0],
            "waiting_share": [share],
            "processing_median": [30.0],
        }
    )


def test_waiting_rule_and_wording_without_start_times():
    (f,) = find(activities=_activities(0.31))
    assert f.text.startswith(
        "Each time it runs (500 times) the waiting is a median 24.0 h (p90 4.2 days): 31% of all"
        " waiting, 6.2 days in total."
    )
    (g,) = find(activities=_activities(0.31), has_start=False)
    assert "time since the previous step" in g.text
    assert find(activities=_activities(F.WAITING_MIN_SHARE - 0.01)) == []


def test_rework_rule_impact_uses_waiting_plus_processing():
    rw = pd.DataFrame(
        {"activity": ["X"], "rework_cases": [18], "rework_share": [0.18], "extra_executions": [25]}
    )
    fs = find(rework=rw, activities=_activities(0.0))
    (f,) = [x for x in fs if x.kind == "rework"]
    assert f.title == "Rework: X"
    assert f.text == (
        "Repeated in 18% of cases (25 extra rounds in 18 cases); a round costs a median 24.5 h"
        " of waiting and work. It adds on average 34.0 h to each of the 18 cases it touches"
        " (25.5 days of case time in total). That is 1.4 extra rounds per reworked case."
    )
    assert f.impact == pytest.approx(25 * (DAY + 30.0))
    assert find(rework=rw.assign(rework_share=0.04)) == []


def test_sla_rule():
    waiting = pd.Series([0.0] * 8 + [30.0, 45.0, np.nan])  # 8 of 10 within 15 minutes
    (f,) = find(waiting=waiting, sla_minutes=15)
    assert f.kind == "sla"
    assert f.title == "Desk queues longer than the standard"
    assert f.text.startswith(
        "Only 80% of the citizens' queues at a desk end within 15 minutes (standard: 85% "
        "within 15 minutes); 2 of 10 queues were longer."
    )
    assert f.evidence["within_share"] == pytest.approx(0.8)
    assert f.evidence["breaches"] == 2 and f.evidence["queues"] == 10
    # (0.85 - 0.8) x 10 steps short of the standard x median excess (15, 30) = 22.5
    assert f.impact == pytest.approx(0.05 * 10 * 22.5)
    assert "80%" in f.text and "85%" in f.text
    assert find(waiting=pd.Series([0.0] * 17 + [30.0] * 3)) == []  # exactly 85%
    # Without start times a wait includes the work: no queue can be judged.
    assert find(waiting=waiting, has_start=False) == []
    assert find(waiting=pd.Series([np.nan, np.nan])) == []  # no desk queue measured


def test_texts_write_counts_with_thousands_separators():
    a = _activities(0.31).assign(events=1416)
    (f,) = find(activities=a)
    assert "Each time it runs (1,416 times)" in f.text
    (h,) = find(handoffs=_handoffs(0.38).assign(cases=12345))
    assert "to each of the 12,345 cases it touches" in h.text
    (one,) = find(handoffs=_handoffs(0.38).assign(cases=1))
    assert "to the 1 case it touches" in one.text


def test_one_rework_loop_is_one_finding():
    # submit and review repeat together in the same 38 cases: one loop, one finding
    rw = pd.DataFrame(
        {
            "activity": ["X", "Y", "Z"],
            "rework_cases": [38, 38, 10],
            "rework_share": [0.16, 0.16, 0.06],
            "extra_executions": [49, 49, 12],
        }
    )
    act = pd.concat(
        [_activities(0.0).assign(activity=a, waiting_median=w, processing_median=30.0)
         for a, w in (("X", 100.0), ("Y", 200.0), ("Z", 10.0))]
    )
    fs = [f for f in find(rework=rw, activities=act) if f.kind == "rework"]
    assert [f.title for f in fs] == ["Rework: X and Y", "Rework: Z"]
    # a whole extra round costs both steps' median wait and work: 130 + 230 minutes
    assert fs[0].impact == pytest.approx(49 * 360.0)
    assert fs[0].per_case == pytest.approx(49 * 360.0 / 38)


def test_no_finding_on_handoffs_with_an_unrecorded_agency():
    h = pd.concat([_handoffs(0.38), _handoffs(0.45).assign(target="unknown")])
    assert [f.title for f in find(handoffs=h)] == ["Handoff Tax -> Commerce"]
    p = pd.DataFrame(
        {
            "a": ["unknown", "A"],
            "b": ["Tax", "B"],
            "returns": [300, 200],
            "cases": [150, 120],
            "case_share": [0.15, 0.12],
            "delay_total": [9000.0, 5000.0],
        }
    )
    assert [f.title for f in find(pingpongs=p)] == ["Ping-pong between A and B"]


def test_waiting_that_is_one_handoff_is_reported_once():
    h = _handoffs(0.38)  # 430 handoffs Tax -> Commerce, 1,000,000 minutes in all
    same = _activities(0.31).assign(activity="Approve", events=430, waiting_total=1.0e6)
    (f,) = find(handoffs=h, activities=same)
    assert f.kind == "handoff" and f.impact == 1.0e6
    assert f.text.endswith("It is all the waiting before Approve (31% of all waiting).")
    assert f.evidence["receiving_step"] == "Approve"
    # A step whose waiting is more than that handoff keeps its own finding.
    other = same.assign(waiting_total=1.5e6)
    assert sorted(x.kind for x in find(handoffs=h, activities=other)) == ["handoff", "waiting"]


def test_conformance_rule_impact_from_lead_times():
    per = pd.DataFrame({"conforms": [True, True, False, False]}, index=["a", "b", "c", "d"])
    dev = pd.DataFrame(
        {
            "kind": ["skipped steps"],
            "source": ["S"],
            "target": ["T"],
            "detail": ["M"],
            "cases": [2],
            "occurrences": [2],
            "case_share": [0.5],
        }
    )
    c = Conformance("j", 4, 2, 0.5, 1.0, per, dev)
    kpis = pd.DataFrame({"lead_minutes": [10.0, 20.0, 100.0, 200.0]}, index=["a", "b", "c", "d"])
    fs = [f for f in find(conformance=c, case_kpis=kpis) if f.kind == "conformance"]
    (f,) = fs
    assert "50% of cases (2 of 4)" in f.text and "skipped steps S -> T (M)" in f.text
    assert f.impact == pytest.approx((150 - 15) * 2)


def test_tail_rule():
    lead = pd.DataFrame({"lead_minutes": [10.0] * 80 + [5000.0] * 20})
    (f,) = find(case_kpis=lead)
    assert f.kind == "tail"
    assert f.evidence["lead_median_minutes"] == 10.0
    assert f.evidence["lead_p90_minutes"] == 5000.0
    assert "Half the cases finish within 10 min" in f.text
    even = pd.DataFrame({"lead_minutes": np.linspace(100, 500, 50)})
    assert find(case_kpis=even) == []


def test_group_rule():
    groups = pd.DataFrame(
        {"cases": [100, 80, 1], "lead_median": [60.0, 200.0, 9999.0]},
        index=pd.Index(["Pek", "Xay", "Tiny"], name="centre"),
    )
    (f,) = find(groups=groups)  # Tiny holds under 2% of cases and is ignored
    assert f.title == "Xay is slower than Pek"
    assert f.impact == pytest.approx((200 - 60) * 80)


def test_findings_ranked_by_impact_and_json_ready():
    fs = find(
        handoffs=_handoffs(0.38),
        activities=_activities(0.5),
        waiting=pd.Series([100.0] * 10),
    )
    # impacts: handoff 1e6, waiting 9000, service level 0.85 x 10 x (100 - 15) = 722.5
    assert [f.kind for f in fs] == ["handoff", "waiting", "sla"]
    assert [f.impact for f in fs] == sorted((f.impact for f in fs), reverse=True)
    d = json.loads(json.dumps([f.to_dict() for f in fs]))
    assert d[0]["evidence"]["cases"] == 412
    for f in fs:
        assert f.evidence and all(not isinstance(v, np.generic) for v in f.evidence.values())


def test_finding_evidence_nan_becomes_none_in_json():
    f = Finding("t", "x", {"v": float("nan"), "n": np.int64(3)}, 1.0, "r", "k")
    assert f.evidence["n"] == 3 and type(f.evidence["n"]) is int
    assert f.evidence["v"] is None and f.to_dict()["evidence"]["v"] is None

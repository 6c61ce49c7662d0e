"""The wait-cause rule: timers and legal deadlines, handoffs, backlogs; exact cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import causes as C
from analysis.causes import timer_reason, wait_causes
from analysis.findings import find
from analysis.handoffs import handoff_events
from analysis.kpis import event_times
from analysis.mining import mine
from analysis.recommend import recommend
from journeys.catalog import load_catalog

DAY = 1440.0
T0 = pd.Timestamp("2024-01-01", tz="UTC")


def test_regular_long_waits_are_a_timer():
    assert timer_reason(np.array([60, 60, 60, 60, 66]) * DAY) == (
        "regular: half of the waits within 0.0 days of the median 60.0 days"
    )
    # the same spread around a 6-day median: under a week, a desk could do it
    assert timer_reason(np.array([6, 6, 6, 6, 6]) * DAY) is None


def test_whole_days_for_a_month_or_more_are_a_timer():
    days = np.array([31.0, 45.0, 90.0, 120.0, 400.0])
    assert timer_reason(days * DAY) == (
        "counted in days: 100% of the waits are whole days, median 90.0 days"
    )
    # a clock change moves a whole-day wait by an hour: still whole days
    assert timer_reason(days * DAY + 60.0) is not None
    # clock times of work (2 h 5 min off whole days) or a 20-day median: not a timer
    assert timer_reason(days * DAY + 125.0) is None
    assert timer_reason(np.array([10.0, 15.0, 20.0, 28.0, 90.0]) * DAY) is None


def test_a_peak_at_one_period_is_a_timer():
    # a third of the tickets close exactly 15 days (to the hour) after the answer
    waits = np.array(
        [
            15 * DAY + 3,
            15 * DAY + 10,
            15 * DAY - 20,
            20 * DAY + 333,
            31 * DAY + 7,
            40 * DAY + 100,
            9 * DAY + 555,
            50 * DAY + 1000,
            27 * DAY + 801,
        ]
    )
    assert timer_reason(waits) == (
        "peaks at one period: 33% of the waits are 15.0 days to the hour"
    )
    # the same share at one hour's wait is a busy desk, not a timer
    assert timer_reason(np.r_[np.full(3, 60.0), np.linspace(2, 30, 6) * DAY + 77]) is None
    assert C.PEAK_SHARE == 0.25


def test_too_few_waits_say_nothing():
    assert timer_reason(np.array([60, 60, 60, 60]) * DAY) is None
    assert timer_reason(np.array([60, 60, 60, 60, np.nan, np.nan]) * DAY) is None
    assert C.MIN_WAITS == 5


def _fines(n: int = 6) -> pd.DataFrame:
    """Per case: a fine (police), a penalty 60 days later (police), then payment at the bank
    2 + i hours later, and an appeal handled by the prefecture 1 + i hours after that."""
    rows = []
    for i in range(n):
        fine = T0 + pd.Timedelta(days=i)
        penalty = fine + pd.Timedelta(days=60)
        pay = penalty + pd.Timedelta(hours=2 + i)
        appeal = pay + pd.Timedelta(hours=1 + i)
        rows += [
            (f"c{i}", "fine", fine, "police"),
            (f"c{i}", "penalty", penalty, "police"),
            (f"c{i}", "pay", pay, "police"),
            (f"c{i}", "appeal", appeal, "prefecture"),
        ]
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp",
                                       "org:group"])  # fmt: skip


def test_wait_causes_per_activity():
    ev = event_times(_fines())
    c = wait_causes(ev, handoff_events(ev))
    assert c["cause"].to_dict() == {
        "appeal": "handoff",  # all of its waiting follows the police's step
        "pay": "backlog",
        "penalty": "timer",
    }
    assert c.loc["appeal", "handoff_share"] == 1.0 and c.loc["pay", "handoff_share"] == 0.0
    assert c.loc["penalty", "cause_reason"].startswith("regular:")
    assert c["waits"].tolist() == [6, 6, 6]
    # without the handoff events nothing counts as a handoff
    assert wait_causes(ev).loc["appeal", "cause"] == "backlog"
    assert wait_causes(event_times(_fines(4)))["cause"].isna().all()  # 4 waits each


def test_mined_findings_recommend_by_cause():
    r = mine(_fines())
    acts = r.activities.set_index("activity")
    assert acts.loc["penalty", "cause"] == "timer"
    (w,) = [f for f in r.findings if f.kind == "waiting"]
    assert w.evidence["activity"] == "penalty" and w.evidence["cause"] == "timer"
    assert w.text.endswith(
        "The waits look set by a rule, not by a desk (regular: half of the waits within "
        "0.0 days of the median 60.0 days)."
    )
    assert w.recommendation.startswith("The wait looks set by a rule, not by a desk")
    assert "staff" in w.recommendation and "add desk capacity" not in w.recommendation


def _activity_row(cause: str | None, **extra: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "activity": ["X"],
            "events": [100],
            "waiting_median": [DAY],
            "waiting_p90": [3 * DAY],
            "waiting_total": [100 * DAY],
            "waiting_share": [0.6],
            "cause": [cause],
            "cause_reason": [extra.get("reason", "")],
            "handoff_share": [extra.get("share", 0.0)],
        }
    )


@pytest.mark.parametrize(
    ("cause", "starts", "tail"),
    [
        ("backlog", "A bottleneck step: add desk capacity", "of all waiting, 100.0 days in total."),
        ("handoff", "Most of this waiting follows a handoff", "70% of it follows a handoff "
         "from another agency."),
        (None, "A bottleneck step: add desk capacity", "of all waiting, 100.0 days in total."),
    ],
)  # fmt: skip
def test_waiting_recommendation_differs_by_cause(cause, starts, tail):
    (f,) = find(activities=_activity_row(cause, share=0.7))
    assert f.recommendation.startswith(starts)
    assert f.text.endswith(tail)
    assert f.evidence["cause"] == cause


def _handoff_table(cause: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["Police"], "target": ["Prefecture"], "count": [40], "cases": [40],
            "case_share": [0.4], "delay_median": [60 * DAY], "delay_p90": [61 * DAY],
            "delay_total": [2400 * DAY], "lead_share": [0.5], "pingpongs": [0],
            "carrier": [""], "cause": [cause],
            "cause_reason": ["regular: half of the waits within 0.5 days of the median 60.0 days"
                             if cause == "timer" else ""],
        }
    )  # fmt: skip


def test_a_timer_handoff_is_not_sent_to_data_exchange():
    (timer,) = find(handoffs=_handoff_table("timer"))
    assert timer.evidence["cause"] == "timer"
    assert (
        "The waits look set by a rule, not by a desk (regular: half of the waits within "
        "0.5 days of the median 60.0 days)."
    ) in timer.text
    assert timer.recommendation.startswith("The wait looks set by a rule")
    (paper,) = find(handoffs=_handoff_table("handoff"))
    assert paper.recommendation.startswith("Candidate for back-office data exchange")
    j = load_catalog("business-licence")
    f = timer.__class__(
        timer.title, timer.text, {**timer.evidence, "source": "environment", "target": "tax"},
        timer.impact, timer.recommendation, "handoff",
    )  # fmt: skip
    rec = recommend(j, [f])
    assert [r.split(":")[0] for r in rec.reasons] == ["One door"]
    assert rec.skipped == (
        "Data exchange environment <-> tax: the delay looks set by a rule, not by moving "
        "papers (regular: half of the waits within 0.5 days of the median 60.0 days); review "
        "the deadline instead.",
    )

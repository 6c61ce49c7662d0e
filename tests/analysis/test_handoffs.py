"""Silo handoffs, ping-pong and carriers on hand-built logs with exact answers."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.handoffs import handoff_events, handoff_matrix, handoffs, pingpongs, step_of
from analysis.schema import LogError
from journeys.model import Journey


def _ts(values: list[str]) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True)


def tiny_log() -> pd.DataFrame:
    """c1: front -> tax -> front -> tax (two returns); c2: front -> tax. With start times.

    Lead times: c1 08:00-10:20 = 140 minutes, c2 09:00-09:50 = 50 minutes.
    """
    rows = [
        ("c1", "apply", "2024-01-01 08:00", "2024-01-01 08:10", "front", "ann", "A"),
        ("c1", "check", "2024-01-01 08:40", "2024-01-01 09:00", "tax", "bob", "A"),
        ("c1", "fix", "2024-01-01 10:00", "2024-01-01 10:05", "front", "ann", "A"),
        ("c1", "check", "2024-01-01 10:05", "2024-01-01 10:20", "tax", "bob", "A"),
        ("c2", "apply", "2024-01-02 09:00", "2024-01-02 09:20", "front", "cat", "B"),
        ("c2", "check", "2024-01-02 09:20", "2024-01-02 09:50", "tax", "bob", "B"),
    ]
    case, act, start, end, group, res, centre = zip(*rows)
    return pd.DataFrame(
        {
            "case:concept:name": case,
            "concept:name": act,
            "time:timestamp": _ts(list(end)),
            "start_timestamp": _ts(list(start)),
            "org:group": group,
            "org:resource": res,
            "centre": centre,
        }
    )


def test_handoff_events_delays_and_pingpong_flags():
    h = handoff_events(tiny_log())
    got = list(zip(h["case"], h["source"], h["target"], h["delay"], h["pingpong"]))
    assert got == [
        ("c1", "front", "tax", 30.0, False),
        ("c1", "tax", "front", 60.0, True),
        ("c1", "front", "tax", 0.0, True),
        ("c2", "front", "tax", 0.0, False),
    ]


def test_handoffs_long_form_exact():
    t = handoffs(tiny_log()).set_index(["source", "target"])
    assert t.index.tolist() == [("tax", "front"), ("front", "tax")]  # by total delay
    ft = t.loc[("front", "tax")]
    assert (ft["count"], ft["cases"], ft["case_share"]) == (3, 2, 1.0)
    assert (ft["delay_median"], ft["delay_total"]) == (0.0, 30.0)
    assert ft["delay_mean"] == pytest.approx(10.0)
    assert ft["delay_p90"] == pytest.approx(24.0)
    assert ft["lead_share"] == pytest.approx(30 / 190)
    assert ft["pingpongs"] == 1  # front -> tax sent straight back once
    tf = t.loc[("tax", "front")]
    assert (tf["count"], tf["cases"], tf["case_share"]) == (1, 1, 0.5)
    assert tf["lead_share"] == pytest.approx(60 / 190)
    assert tf["pingpongs"] == 1
    assert (t["carrier"] == "").all()


def test_handoffs_without_start_times_use_transition_time():
    t = handoffs(tiny_log().drop(columns="start_timestamp")).set_index(["source", "target"])
    # c1: 08:10 -> 09:00 (50), 09:00 -> 10:05 (65), 10:05 -> 10:20 (15); c2: 30
    assert t.loc[("front", "tax"), "delay_total"] == 50 + 15 + 30
    assert t.loc[("tax", "front"), "delay_total"] == 65


def test_same_agency_in_a_row_is_not_a_handoff_and_runs_collapse():
    log = pd.DataFrame(
        {
            "case:concept:name": ["c"] * 5,
            "concept:name": list("abcde"),
            "time:timestamp": pd.date_range("2024-01-01", periods=5, freq="h", tz="UTC"),
            "org:group": ["x", "x", "y", "y", "x"],
        }
    )
    h = handoff_events(log)
    assert list(zip(h["source"], h["target"], h["pingpong"])) == [
        ("x", "y", False),
        ("y", "x", True),  # x x -> y y -> x is a ping-pong
    ]


def test_handoffs_by_group():
    t = handoffs(tiny_log(), by="centre")
    got = {(r.centre, r.source, r.target): (r.count, r.case_share) for r in t.itertuples()}
    assert got == {
        ("A", "tax", "front"): (1, 1.0),
        ("A", "front", "tax"): (2, 1.0),
        ("B", "front", "tax"): (1, 1.0),
    }
    a = t[t["centre"] == "A"].set_index(["source", "target"])
    assert a.loc[("tax", "front"), "lead_share"] == pytest.approx(60 / 140)


def test_resource_level():
    t = handoffs(tiny_log(), level="resource")
    got = {(r.source, r.target): r.count for r in t.itertuples()}
    assert got == {("ann", "bob"): 2, ("bob", "ann"): 1, ("cat", "bob"): 1}


def test_bad_level_is_an_input_error():
    with pytest.raises(LogError, match="level"):
        handoffs(tiny_log(), level="desk")


def test_pingpong_table_pairs_both_directions():
    p = pingpongs(tiny_log())
    assert p[["a", "b", "returns", "cases"]].values.tolist() == [["front", "tax", 2, 1]]
    assert p["case_share"].tolist() == [0.5]
    assert p["delay_total"].tolist() == [60.0]


def test_handoff_matrix_counts_and_medians():
    t = handoffs(tiny_log())
    m = handoff_matrix(t)
    assert m.loc["front", "tax"] == 3 and m.loc["tax", "front"] == 1
    assert m.loc["front", "front"] == 0
    med = handoff_matrix(t, value="delay_median")
    assert med.loc["tax", "front"] == 60.0 and pd.isna(med.loc["front", "front"])


def test_carriers_from_a_journey():
    j = Journey.from_catalog("business-licence")
    steps = ["Get residence certificate", "submit", "doic_review", "police_clearance"]
    log = pd.DataFrame(
        {
            "case:concept:name": ["c"] * 4,
            "concept:name": steps,
            "time:timestamp": pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC"),
            "org:group": ["village", "commerce", "commerce", "police"],
        }
    )
    assert step_of(j)["Get residence certificate"] == "village_cert"
    t = handoffs(log, journey=j).set_index(["source", "target"])
    # village_cert -> submit and doic_review -> police_clearance are carried by the citizen
    assert t.loc[("village", "commerce"), "carrier"] == "citizen"
    assert t.loc[("commerce", "police"), "carrier"] == "citizen"


def test_carrier_is_empty_when_the_journey_has_no_such_transition():
    j = Journey.from_catalog("business-licence")
    log = pd.DataFrame(
        {
            "case:concept:name": ["c", "c"],
            "concept:name": ["submit", "tax_registration"],
            "time:timestamp": pd.date_range("2024-01-01", periods=2, freq="D", tz="UTC"),
            "org:group": ["commerce", "tax"],
        }
    )
    assert handoffs(log, journey=j)["carrier"].tolist() == [""]

"""mine(): every table at once, the league table, JSON output, and the real receipt log."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.findings import Finding
from analysis.handoffs import handoffs
from analysis.logs import read_log
from analysis.mining import MiningResult, league_table, mine
from analysis.queues import NO_PRESENCE
from analysis.schema import LogError
from journeys.model import Journey

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _ts(values: list[str]) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True)


def tiny_log() -> pd.DataFrame:
    """Centre A: c1 front -> tax -> front -> tax (lead 140 min); centre B: c2 (lead 50 min)."""
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


def test_mine_tiny_log_tables():
    r = mine(tiny_log())
    assert isinstance(r, MiningResult)
    assert r.summary["cases"] == 2 and r.summary["events"] == 6
    assert r.summary["handoffs"] == 4 and r.summary["handoffs_per_case"] == 2.0
    assert r.summary["handoff_delay_share"] == pytest.approx(90 / 190)
    assert r.summary["variants"] == 2
    assert r.activities["activity"].tolist() == ["fix", "check", "apply"]
    assert r.transitions["count"].sum() == 4
    assert r.handoff_matrix.loc["front", "tax"] == 3
    assert r.resource_handoffs["count"].sum() == 4
    assert r.pingpongs["returns"].tolist() == [2]
    assert r.resources["resource"].tolist() == ["bob", "ann", "cat"]
    assert r.wip["open"].tolist() == [1, 1]
    assert r.profiles["arrivals"].sum() == 2
    assert r.conformance is None and r.groups is None and r.grouped == {}
    assert all(isinstance(f, Finding) for f in r.findings)


def test_findings_on_tiny_log_carry_numbers():
    r = mine(tiny_log().assign(**{"odsc:citizen_present": True}))
    kinds = {f.kind for f in r.findings}
    # front -> tax and back: both handoffs hold over 5% of lead time; ping-pong in 50% of cases
    assert {"handoff", "pingpong", "rework", "sla"} <= kinds
    # The waiting before 'fix' is the one tax -> front handoff seen from the other side:
    # reported once, by the handoff finding.
    assert "waiting" not in kinds
    back = next(f for f in r.findings if f.title == "Handoff tax -> front")
    assert back.text.endswith("It is all the waiting before fix (67% of all waiting).")
    for f in r.findings:
        assert f.evidence and any(ch.isdigit() for ch in f.text)
    assert [f.impact for f in r.findings] == sorted((f.impact for f in r.findings), reverse=True)


def test_queue_standard_unknown_without_presence():
    r = mine(tiny_log())
    # Start times but no presence column and no journey: no wait is known to be a queue.
    assert np.isnan(r.summary["queue_waits"]) and np.isnan(r.summary["queue_within_sla"])
    assert r.summary["queue_unchecked"] == NO_PRESENCE
    assert "sla" not in {f.kind for f in r.findings}
    d = r.to_dict()["summary"]
    assert d["queue_waits"] is None and d["queue_within_sla"] is None
    assert d["queue_unchecked"].startswith("the log does not say which steps needed the citizen")
    assert league_table(tiny_log(), by="centre")["sla_share"].isna().all()


def test_league_table_exact():
    t = league_table(tiny_log().assign(**{"odsc:citizen_present": True}), by="centre")
    assert t.index.tolist() == ["B", "A"]  # shorter median lead time first
    assert t["rank"].tolist() == [1, 2]
    assert t.loc["A", "lead_median"] == 140.0 and t.loc["B", "lead_median"] == 50.0
    assert t.loc["A", "waiting_median"] == 90.0  # 30 + 60 + 0
    assert t.loc["A", "handoffs_per_case"] == 3.0 and t.loc["B", "handoffs_per_case"] == 1.0
    assert t.loc["A", "pingpong_rate"] == 1.0 and t.loc["B", "pingpong_rate"] == 0.0
    # waits measured after the first event: A 30, 60, 0 (one of three within 15 minutes)
    assert t.loc["A", "sla_share"] == pytest.approx(1 / 3)
    assert t.loc["B", "sla_share"] == 1.0


def test_queue_standard_is_measured_on_desk_queues_only():
    r = mine(tiny_log().assign(**{"odsc:citizen_present": True}))
    # Every step citizen-facing, no doors in the log (one door per case).
    # Queue waits: c1 30, 60, 0 and c2 0 (the first steps have no arrival time).
    assert r.summary["queue_waits"] == 4
    assert r.summary["queue_within_sla"] == 0.5
    (sla,) = [f for f in r.findings if f.kind == "sla"]
    assert sla.evidence["queues"] == 4 and sla.evidence["breaches"] == 2
    # The same log with each step on its own day: no step continues a visit, so no queue
    # is measured and the rule is silent (the waits are days between visits, not queues).
    days = tiny_log().assign(**{"odsc:citizen_present": True})
    shift = pd.to_timedelta(np.arange(len(days)), unit="D")
    days["time:timestamp"] += shift
    days["start_timestamp"] += shift
    d = mine(days)
    assert d.summary["queue_waits"] == 0 and np.isnan(d.summary["queue_within_sla"])
    assert "sla" not in {f.kind for f in d.findings}
    assert league_table(days, by="centre")["sla_share"].isna().all()


def test_handoffs_with_an_unrecorded_agency_make_no_finding():
    log = tiny_log().assign(
        **{"org:group": ["front", "unknown", "front", "unknown", "front", "tax"]}
    )
    r = mine(log)
    assert "unknown" in set(r.handoffs["source"])  # the table still shows them
    for f in r.findings:
        assert "unknown" not in f.title, f.title


def test_mine_by_group_fills_league_and_grouped_tables():
    r = mine(tiny_log(), by="centre")
    assert r.groups is not None and r.groups.index.tolist() == ["B", "A"]
    assert set(r.grouped) == {
        "activities",
        "transitions",
        "handoffs",
        "pingpongs",
        "variants",
        "rework",
        "profiles",
        "wip",
    }
    for table in r.grouped.values():
        assert table.columns[0] == "centre"
    h = r.grouped["handoffs"]
    assert h.loc[h["centre"] == "A", "count"].sum() == 3


def test_mine_rejects_an_unknown_group_column():
    with pytest.raises(LogError, match="'center'"):
        mine(tiny_log(), by="center")


def test_mine_with_a_journey_adds_conformance_and_carriers():
    j = Journey.from_catalog("business-licence")
    steps = ["village_cert", "submit", "doic_review", "police_clearance"]
    agencies = ["village", "commerce", "commerce", "police"]
    log = pd.DataFrame(
        {
            "case:concept:name": ["c"] * 4,
            "concept:name": steps,
            "time:timestamp": pd.date_range("2024-01-01 09:00", periods=4, freq="D", tz="UTC"),
            "org:group": agencies,
        }
    )
    r = mine(log, journey=j)
    assert r.journey == "business-licence"
    assert r.conformance is not None and r.conformance.share == 0.0  # not finished
    assert r.conformance.deviations["kind"].tolist() == ["not finished"]
    assert set(r.handoffs["carrier"]) == {"citizen"}
    assert r.summary["conformance_share"] == 0.0
    assert r.case_kpis["citizen_cost"].notna().all()


def _walk(value, path="$"):
    """Yield (path, value) for every leaf of a plain JSON structure."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), path
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, value


def test_to_dict_is_plain_and_json_ready():
    r = mine(tiny_log(), by="centre")
    d = r.to_dict()
    for path, leaf in _walk(d):
        assert leaf is None or type(leaf) in (str, int, float, bool), (path, type(leaf))
    back = json.loads(json.dumps(d))
    assert back["handoff_matrix"]["front"]["tax"] == 3
    assert back["groups"][0]["centre"] == "B"
    assert back["wip"][0]["date"].startswith("2024-01-01")
    assert "case_kpis" not in back  # case ids stay out unless asked for
    assert len(r.to_dict(include_cases=True)["case_kpis"]) == 2


def test_mine_does_not_change_its_input():
    log = tiny_log()
    before = log.copy()
    mine(log, by="centre")
    pd.testing.assert_frame_equal(log, before)


@pytest.fixture(scope="module")
def receipt() -> pd.DataFrame:
    path = DATA / "receipt.csv"
    if not path.exists():
        pytest.skip("shared data not available")
    return read_log(path)


def test_mine_receipt_log(receipt):
    t0 = time.perf_counter()
    r = mine(receipt, by="case:channel", tz="Europe/Amsterdam")
    elapsed = time.perf_counter() - t0
    assert elapsed < 20
    assert r.summary["cases"] == 1434 and r.summary["events"] == 8577
    assert r.summary["activities"] == 27
    # the mined handoff table is the stand-alone one
    mined = r.handoffs.drop(columns=["cause", "cause_reason"])
    pd.testing.assert_frame_equal(mined, handoffs(receipt))
    assert set(r.handoffs["cause"]) == {"handoff"}  # no agency pair waits like a timer
    assert r.groups is not None and r.groups["cases"].sum() == 1434
    assert set(r.groups.index) == {"Internet", "Desk", "Post", "e-mail", "Intern"}
    assert any("start times" in n for n in r.notes)
    assert any("no agency" in n for n in r.notes)  # EMPTY groups became 'unknown'
    assert r.findings, "a real government log should yield findings"
    for f in r.findings:
        assert f.evidence and any(ch.isdigit() for ch in f.text)
    # variants: coverage accumulates to the share of the top ten
    assert r.variants["cumulative_share"].iloc[-1] == pytest.approx(r.variants["share"].sum())
    assert np.isclose(r.activities["waiting_share"].sum(), 1.0)
    json.dumps(r.to_dict())

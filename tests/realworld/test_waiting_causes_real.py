"""Waiting causes on the public logs beside the project, with default options.

BPIC 2012 has start and complete rows and clerks for its work items (W_): their
waits are split, the others (A_ and O_ states have no start) are listed as not
split. The help desk, permit-receipt and road-traffic logs have completion
times only, and the synthetic interval log no resources: the report says why
their waits cannot be split.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.timezones import log_zone
from analysis.waiting_causes import CAUSES, NO_RESOURCE, NO_START, waiting_causes
from odsc.report_mine import mine_report

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared data not present")


@pytest.fixture(scope="module")
def bpic(real_log):
    log = real_log(DATA / "bpic2012.xes.gz")  # read_log, once per run (tests/conftest.py)
    return log, waiting_causes(log, zone=log_zone(log))


def test_bpic2012_work_items_are_split_exactly(bpic):
    log, wc = bpic
    assert wc.note is None and wc.zone == "CET"
    e = wc.events
    assert set(e["activity"].str[:2]) == {"W_"}  # only work items have starts and clerks
    assert np.allclose(e[list(CAUSES)].sum(axis=1), e["waiting"], rtol=0, atol=1e-6)
    assert (e[list(CAUSES)].to_numpy() >= 0).all()
    # every positive wait is either split or listed as not split, with its reason
    from analysis.bottlenecks import prepare

    w = prepare(log)["waiting"]
    assert e["waiting"].sum() + wc.unsplit["waiting"].sum() == pytest.approx(w[w > 0].sum())
    reasons = set(wc.unsplit["reason"])
    assert reasons == {"no start time recorded", "no resource recorded"}
    assert 0.5 < wc.split_share < 0.7
    # the clerks' calendars are learned: a working week, not the whole week
    hours = wc.calendars.weekly_hours()
    assert 20 <= hours.median() <= 80


def test_bpic2012_report_says_why_each_top_wait_happens(bpic):
    page = mine_report(bpic[0], key="k")  # the log as read above
    section = page[page.index('<h2 id="causes">') : page.index('<h2 id="handoffs">')]
    head = section[section.index('<ol class="headlines">') : section.index("</ol>")]
    for step in ("W_Nabellen offertes", "W_Completeren aanvraag", "W_Valideren aanvraag"):
        assert step in head
    assert "Causes per step" in section and "Waits whose causes are not recorded" in section
    assert "not recorded: no start time recorded" in section


@pytest.mark.parametrize(
    "name, note",
    [
        ("helpdesk.xes.gz", NO_START),
        ("receipt.csv", NO_START),
        ("roadtraffic100traces.xes", NO_START),
        ("interval_event_log.csv", NO_RESOURCE),
    ],
)
def test_logs_that_cannot_be_split_say_why_in_the_report(name, note):
    text = mine_report(DATA / name, key="k", fmt="json")
    d = json.loads(text[: text.rindex("}") + 1])["waiting_causes"]
    assert d["note"] == note
    assert d["split_share"] is None and d["by_activity"] == [] and d["by_handoff"] == []
    assert sum(u["waiting"] for u in d["unsplit"]) > 0  # the waits are there, not split
    md = mine_report(DATA / name, key="k", fmt="md")
    assert f"> Why cases wait cannot be split into causes: {note}." in md

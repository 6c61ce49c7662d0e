"""analysis.recommend: the redesign a log's findings call for, and desk loads.

Exact loads on a hand-built one-desk journey (arrivals x passes x minutes over
open desk minutes), the rules on the catalogue's business licence.
"""

from __future__ import annotations

import math

import pytest

from analysis.findings import Finding
from analysis.recommend import desk_load, recommend
from journeys.catalog import load_catalog
from journeys.model import (
    Agency,
    Arrivals,
    Calendar,
    Distribution,
    Door,
    Journey,
    Pool,
    Step,
    Transition,
)
from journeys.redesign import RedesignError
from journeys.validate import validate


def one_desk(per_day: float, *, rework: float = 0.0) -> Journey:
    """One counter step of 10 minutes at one desk open 08-12 and 13-16 (420 minutes)."""
    steps = [
        Step(
            "serve",
            name="Serve",
            agency="a",
            door="d",
            pool="desk",
            duration=Distribution.fixed(10),
        ),
        Step("done", name="Done", agency="a", door="d", duration=Distribution.fixed(0)),
    ]
    transitions = [Transition("serve", "done", probability=1 - rework)]
    if rework:
        transitions.append(Transition("serve", "serve", probability=rework))
    return Journey(
        "one",
        "One desk",
        start="serve",
        steps=tuple(steps),
        transitions=tuple(transitions),
        agencies=(Agency("a", "Agency A"),),
        doors=(Door("d", "Counter"),),
        pools=(Pool("desk", capacity=1),),
        calendars=(Calendar("office"),),
        arrivals=Arrivals(per_day=per_day),
    )


def handoff(source: str, target: str) -> Finding:
    text = f"Handoff {source} -> {target}: 40 cases, median 3.0 days, 20% of lead time."
    return Finding(f"Handoff {source} -> {target}", text,
                   {"source": source, "target": target}, 9000.0, "", "handoff")  # fmt: skip


def test_desk_load_is_arrivals_times_minutes_over_open_desk_minutes():
    assert desk_load(one_desk(30))["desk"] == pytest.approx(30 * 10 / 420)
    # a rework loop taken with p = 0.2 gives 1.25 passes
    assert desk_load(one_desk(30, rework=0.2))["desk"] == pytest.approx(30 * 10 * 1.25 / 420)


def test_an_overloaded_desk_gets_the_fewest_desks_that_bring_it_under_the_limit():
    j = one_desk(60)  # load 600 / 420 = 143%
    rec = recommend(j, [])
    assert rec.journey.pool("desk").capacity == math.ceil(600 / 420 / 0.85)  # 2
    assert rec.reasons == (
        "Desks: pool desk would be busy 143% of its open time with 1 desk; "
        "2 desks bring it to 71%.",
    )
    assert rec.changes == ("Pool desk: 1 -> 2 desks (+1).",)
    assert desk_load(rec.journey)["desk"] == pytest.approx(600 / 840)
    assert j.pool("desk").capacity == 1  # the input is unchanged


def test_a_one_door_journey_without_findings_is_left_alone():
    j = load_catalog("business-licence-one-door")
    rec = recommend(j, [])
    assert rec.journey == j and rec.changes == () and rec.reasons == ()


def test_business_licence_one_door_then_data_exchange_for_the_findings_pairs():
    j = load_catalog("business-licence")
    findings = [
        handoff("Environment", "Tax"),
        handoff("tax", "environment"),  # the same pair the other way: once
        handoff("commerce", "customs"),  # no such agency
    ]
    rec = recommend(j, findings)
    assert [r.split(":")[0] for r in rec.reasons] == ["One door", "Data exchange"]
    assert rec.reasons[1] == "Data exchange: Environment <-> Tax, because: " + findings[0].text
    assert rec.skipped == (
        "Data exchange commerce <-> customs: not both agencies are in the journey.",
    )
    to_be = rec.journey
    assert validate(to_be) == []
    assert to_be.metrics().visits == 2.0 and len(to_be.doors) == 1
    env_to_tax = [
        t for t in to_be.transitions
        if to_be.step(t.source).agency == "environment" and to_be.step(t.target).agency == "tax"
    ]  # fmt: skip
    assert env_to_tax and all(t.carrier == "digital" for t in env_to_tax)
    other = [t for t in to_be.transitions if t.carrier == "courier"]
    assert other, "handoffs no finding named stay with the courier"
    assert j == load_catalog("business-licence")


def test_max_handoffs_limits_the_pairs():
    j = load_catalog("business-licence")
    rec = recommend(j, [handoff("environment", "tax"), handoff("commerce", "police")],
                    max_handoffs=1)  # fmt: skip
    assert [r.split(":")[0] for r in rec.reasons] == ["One door", "Data exchange"]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"max_load": 1.5}, "max_load must be in (0, 1), got 1.5"),
        ({"max_handoffs": -1}, "max_handoffs must be >= 0, got -1"),
    ],
)
def test_options_out_of_range(option, message):
    with pytest.raises(RedesignError, match=message.replace("(", r"\(").replace(")", r"\)")):
        recommend(one_desk(10), [], **option)

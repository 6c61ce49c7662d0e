"""The step-by-step TCV table: exact figures on a hand-built redesign."""

from __future__ import annotations

import pytest

from journeys.catalog import load_catalog
from journeys.errors import InputError
from journeys.metrics import static_metrics
from journeys.model import Agency, Distribution, Door, Journey, Step, Transition
from journeys.restructure import merge
from journeys.tcv import step_figures, tcv_table


def _as_is(fee: float = 100.0) -> Journey:
    """Submit at office A (sent back half the time, the citizen comes again), collect at B."""
    return Journey(
        "asis",
        "As is",
        start="submit",
        agencies=(Agency("a", "Agency A"), Agency("b", "Agency B")),
        doors=(Door("da", "Office A", travel_cost=1000), Door("db", "Office B", travel_cost=500)),
        steps=(
            Step("submit", "a", Distribution.fixed(10), name="Submit", door="da",
                 citizen_present=True, fee=fee, documents=("form", "certificate")),
            Step("check", "a", Distribution.fixed(30), name="Check"),
            Step("stamp", "b", Distribution.fixed(5), name="Stamp", door="db",
                 citizen_present=True, documents=("form",)),
            Step("collect", "b", Distribution.fixed(5), name="Collect", door="db",
                 citizen_present=True, fee=50, documents=("receipt",)),
        ),
        transitions=(
            Transition("submit", "check", delay=Distribution.fixed(60)),
            Transition("check", "submit", probability=0.5, carrier="citizen"),
            Transition("check", "stamp", probability=0.5, carrier="citizen"),
            Transition("stamp", "collect"),
        ),
    )


def _to_be() -> Journey:
    """One front desk; the stamp done in the back office; a new digital check."""
    return Journey(
        "tobe",
        "To be",
        start="submit",
        agencies=(Agency("a", "Agency A"), Agency("b", "Agency B"), Agency("o", "Front desk")),
        doors=(Door("f", "Front desk", travel_cost=1000),),
        steps=(
            Step("submit", "o", Distribution.fixed(10), name="Submit", door="f",
                 citizen_present=True, fee=100, documents=("form",)),
            Step("verify", "a", Distribution.fixed(2), name="Registry look-up"),
            Step("check", "a", Distribution.fixed(30), name="check"),
            Step("stamp", "b", Distribution.fixed(5), name="Stamp"),
            Step("collect", "o", Distribution.fixed(5), name="Collect", door="f",
                 citizen_present=True, fee=50, documents=("receipt", "ID card")),
        ),
        transitions=(
            Transition("submit", "verify"),
            Transition("verify", "check"),
            Transition("check", "stamp"),
            Transition("stamp", "collect", carrier="courier"),
        ),
    )


def test_step_figures_exact():
    f = step_figures(_as_is())
    # sent back with p = 0.5: 2 passes through submit and check, each a new visit
    assert (f["submit"].passes, f["submit"].visits, f["submit"].fee) == (2.0, 2.0, 200.0)
    assert f["submit"].travel_cost == 2000.0
    # the 60-minute delay into check, twice, plus 2 x 30 minutes of work
    assert (f["check"].work_minutes, f["check"].delay_minutes, f["check"].minutes) == (60, 120, 180)
    # the stamp begins a visit at office B; collecting continues it (same door, no carrier)
    assert (f["stamp"].visits, f["collect"].visits) == (1.0, 0.0)
    assert f["stamp"].fee == 0.0  # the journey records fees: a step without one is free


def test_columns_add_up_to_the_static_metrics():
    for name in ("business-licence", "land-title", "family-book"):
        j0, j1 = load_catalog(name), load_catalog(f"{name}-one-door")
        t = tcv_table(j0, j1)
        for j, visits, fees in ((j0, t.visits_before, t.fees_before),
                                (j1, t.visits_after, t.fees_after)):
            m = static_metrics(j)
            assert visits == pytest.approx(m.visits)
            assert fees == pytest.approx(m.fees)
        m0 = static_metrics(j0)
        assert t.minutes_before == pytest.approx(m0.touch_minutes + m0.delay_minutes)
        assert t.travel_cost_before == pytest.approx(m0.travel_cost)


def test_rows_say_what_became_of_each_step():
    t = tcv_table(_as_is(), _to_be())
    got = [(r.before, r.after, r.change) for r in t.rows]
    assert got == [
        ("Submit", "Submit", "moved"),  # now at the front desk
        (None, "Registry look-up", "new"),  # placed after the to-be step before it
        ("Check", "check", "unchanged"),  # same id; the name's case does not matter
        ("Stamp", "Stamp", "back office"),
        ("Collect", "Collect", "moved"),
    ]
    by = {r.before: r for r in t.rows}
    assert by["Submit"].change == "moved" and by["Submit"].note == "to Front desk"
    assert by["Collect"].note == "to Front desk"
    assert (t.visits_before, t.visits_after) == (3.0, 2.0)
    assert (t.fees_before, t.fees_after) == (250.0, 150.0)
    assert (t.travel_cost_before, t.travel_cost_after) == (2500.0, 2000.0)
    assert (t.offices_before, t.offices_after) == (2.0, 1.0)
    docs = {d.name: d.change for d in t.documents}
    assert docs == {
        "form": "still asked",
        "certificate": "no longer asked",
        "receipt": "still asked",
        "ID card": "newly asked",
    }
    assert next(d for d in t.documents if d.name == "form").before == ("Submit", "Stamp")


def test_removed_and_merged_steps():
    j0 = _as_is()
    j1 = merge(j0, ["stamp", "collect"]).journey
    t = tcv_table(j0, j1)
    by = {r.before: r for r in t.rows}
    assert by["Stamp"].change == "merged" and by["Stamp"].note == "with Collect"
    assert by["Collect"].change == "merged" and by["Collect"].note == "into Stamp + Collect"
    assert len(t.rows) == 4 and t.count("merged") == 2
    t2 = tcv_table(load_catalog("business-licence"), load_catalog("business-licence-one-door"))
    assert next(r for r in t2.rows if r.before == "Get residence certificate").change == "removed"


def test_fees_not_recorded_are_not_zero():
    t = tcv_table(_as_is(fee=0.0), _to_be())
    # the as-is journey names no fee on submit, but collect has one: fees are recorded
    assert t.fees_before == 50.0
    free = _to_be()
    from dataclasses import replace

    free = replace(free, steps=tuple(replace(s, fee=0.0) for s in free.steps),
                   doors=tuple(replace(d, travel_cost=0.0) for d in free.doors))
    t = tcv_table(_as_is(), free)
    assert t.fees_after is None and t.travel_cost_after is None
    assert all(r.figures_after.fee is None for r in t.rows if r.figures_after)


def test_currencies_must_agree():
    from dataclasses import replace

    with pytest.raises(InputError, match="tobe: counts money in USD"):
        tcv_table(_as_is(), replace(_to_be(), currency="USD"))

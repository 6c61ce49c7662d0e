"""What one replication measures: the synthetic steps of a calibrated model are not counted."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.calibrate import BOUNDARY_STAGE
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
from journeys.validate import validate
from simulations.measures import measure_replication


def _two_door_start() -> Journey:
    """A calibrated-style journey: a zero-time ``Case start`` of agency x branching to
    ``a`` (agency x) or ``b`` (agency y), each the whole case. No case has a handoff."""
    five = Distribution.fixed(5)
    return Journey(
        "toy",
        "Toy",
        start="case_start",
        steps=(
            Step("case_start", "x", Distribution.fixed(0), "Case start", stage=BOUNDARY_STAGE),
            Step("a", "x", five, "A", pool="x_desks", citizen_present=True, door="da"),
            Step("b", "y", five, "B", pool="y_desks", citizen_present=True, door="db"),
        ),
        transitions=(Transition("case_start", "a", 0.5), Transition("case_start", "b", 0.5)),
        agencies=(Agency("x"), Agency("y")),
        doors=(Door("da"), Door("db")),
        pools=(Pool("x_desks", 1, "office"), Pool("y_desks", 1, "office")),
        calendars=(Calendar("office"),),
        arrivals=Arrivals(per_day=20),
    )


def test_boundary_steps_make_no_handoff_and_are_not_the_first_desk() -> None:
    j = _two_door_start()
    assert validate(j) == []
    row, cases, _ = measure_replication(
        j, name="toy", replication=0, days=5, warmup_days=1, tail_days=5, seed=1
    )
    assert row["cases"] > 50 and row["unfinished"] == 0
    # Case start -> B crosses from x to y only through the synthetic step: no real handoff
    assert row["handoffs"] == 0.0
    # the first desk is A's or B's (one desk each, 5 minutes a citizen): some citizens queue;
    # the synthetic start has no desk and would have put everyone at 0 minutes
    assert cases["first_queue_minutes"].max() > 0
    assert row["within_sla"] == pytest.approx((cases["first_queue_minutes"] <= 15).mean())


def test_a_model_without_presence_records_no_visits_nor_desk_queue() -> None:
    """A log that never says the citizen was there calibrates to a model without presence:
    its visits, offices and first-desk queue are not recorded (NaN), never 0 or 100%."""
    from dataclasses import replace

    j = _two_door_start()
    j = replace(j, steps=tuple(replace(s, citizen_present=False, door=None) for s in j.steps))
    row, _, _ = measure_replication(
        j, name="toy", replication=0, days=5, warmup_days=1, tail_days=5, seed=1
    )
    assert math.isnan(row["visits"]) and math.isnan(row["doors"])
    assert math.isnan(row["within_sla"])
    assert row["lead_median"] > 0  # time is still measured



def test_desk_measures_count_every_desk_and_visit_alike() -> None:
    """The like-for-like queue: every citizen-facing desk service, from the engine's record."""
    j = _two_door_start()
    row, cases, _ = measure_replication(
        j, name="toy", replication=0, days=5, warmup_days=1, tail_days=5, seed=1
    )
    # the mean per citizen is the mean of the per-case totals over all visits, which hold
    # at least the first desk's queue
    assert row["desk_queue"] == pytest.approx(cases["desk_queue_minutes"].mean())
    assert (cases["desk_queue_minutes"] >= cases["first_queue_minutes"] - 1e-9).all()
    assert cases["desk_queue_minutes"].sum() > cases["first_queue_minutes"].sum()
    assert 0 < row["desk_within_sla"] <= 1


class _Res:
    desk_waits = pd.DataFrame(
        {
            "case:concept:name": ["a", "a", "b", "c"],
            "wait_minutes": [0.0, 20.0, 15.0, 99.0],
            "odsc:citizen_present": [True, True, True, False],
        }
    )


def test_desk_share_is_the_share_of_services_within_the_standard() -> None:
    from simulations.measures import _desk_queues, _desk_visit_waits

    waits = _desk_visit_waits(_Res(), ["a", "b", "c"])
    # c's service had no citizen at the desk; of a's two and b's one, two began within 15 min
    assert waits.tolist() == [0.0, 20.0, 15.0]
    assert float((waits <= 15).mean()) == pytest.approx(2 / 3)
    # per case, summed over its visits; c stood in no line
    assert _desk_queues(_Res(), ["a", "b", "c"]).tolist() == [20.0, 15.0, 0.0]

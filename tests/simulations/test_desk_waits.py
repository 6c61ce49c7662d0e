"""The queue a service standard is about: desk waits of the simulation result, exactly."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from journeys.model import Calendar, Distribution
from simulations.engine import simulate
from simulations.optimize import one_pool_journey


def test_desk_waits_on_a_hand_built_morning():
    j = one_pool_journey(0.1, 10.0, desks=1)
    j = replace(
        j,
        steps=(replace(j.steps[0], duration=Distribution.fixed(10.0)),),
        calendars=(Calendar("all", (("08:00", "16:00"),), ("mon", "tue", "wed", "thu", "fri")),),
    )
    # Monday: one citizen at the door before opening, two just after, one alone later
    times = pd.to_datetime(
        ["2026-01-05 07:30", "2026-01-05 08:00", "2026-01-05 08:02", "2026-01-05 11:00"], utc=True
    )
    res = simulate(j, days=1, seed=1, arrivals=times)
    w = res.desk_waits.set_index("case:concept:name")
    # 07:30 joins at the opening and is served at once; 08:00 waits for the 08:00-08:10
    # service; 08:02 for it and the next (08:10-08:20); 11:00 finds a free desk
    assert w["wait_minutes"].round(6).tolist() == [0.0, 10.0, 18.0, 0.0]
    assert w["door_closed"].tolist() == [True, False, False, False]
    assert w["pool"].tolist() == ["desk"] * 4 and w["odsc:citizen_present"].all()

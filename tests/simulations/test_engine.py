"""The simulation engine: exact traces on tiny journeys, invariants, randomness, bad input."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journeys import load_catalog
from journeys.errors import InputError, JourneyError
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
from simulations import SimulationError, always_open, simulate

REPO = Path(__file__).resolve().parents[2]
OFFICE = Calendar("office", (("08:00", "12:00"), ("13:00", "16:00")))
MON = "2026-01-05"  # a Monday


def fixed(minutes: float) -> Distribution:
    return Distribution.fixed(minutes)


def journey(steps, transitions=(), pools=(), calendars=(OFFICE,), arrivals=None, doors=()):
    return Journey(
        id="t",
        name="test",
        start=steps[0].id,
        steps=tuple(steps),
        transitions=tuple(transitions),
        agencies=(Agency("a"), Agency("b")),
        doors=tuple(doors),
        pools=tuple(pools),
        calendars=tuple(calendars),
        arrivals=arrivals or Arrivals(per_day=10),
    )


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def clock(ts: pd.Series) -> list[str]:
    return [t.strftime("%a %H:%M") for t in ts]


# ------------------------------------------------------------ exact traces

ONE_DESK_ARRIVALS = [f"{MON} 08:{m:02d}" for m in (0, 10, 20, 30, 40, 50)] + ["2026-01-06 07:00"]


def one_desk(present: bool) -> Journey:
    return journey(
        [Step("serve", "a", fixed(100), pool="desk", citizen_present=present, door="hall")],
        pools=[Pool("desk", capacity=1, calendar="office")],
        doors=[Door("hall")],
    )


def test_present_citizens_queue_until_closing_then_come_back_first_next_day():
    # Service 100 min, one desk, 08-12 and 13-16. Services started before lunch or
    # closing run to their end (11:20-13:00, 14:40-16:20); the sixth citizen is still
    # queuing at 16:00, goes home and is served first on Tuesday (a second visit),
    # ahead of the citizen who came at 07:00 and waited for the door to open.
    res = simulate(one_desk(True), days=2, seed=1, arrivals=ONE_DESK_ARRIVALS)
    log = res.log
    assert clock(log["start_timestamp"]) == [
        "Mon 08:00", "Mon 09:40", "Mon 11:20", "Mon 13:00", "Mon 14:40", "Tue 08:00", "Tue 09:40"
    ]  # fmt: skip
    assert clock(log["time:timestamp"])[2] == "Mon 13:00"
    assert clock(log["time:timestamp"])[4] == "Mon 16:20"
    assert log["odsc:visit"].tolist() == [1, 1, 1, 1, 1, 2, 1]
    assert log["case:concept:name"].tolist() == [f"case-{i:06d}" for i in range(1, 8)]
    assert log["org:resource"].unique().tolist() == ["desk#1"]
    assert (res.arrived, res.finished, res.in_system) == (7, 7, 0)
    # busy 500 min on Monday (with the 20 min past closing) and 200 on Tuesday,
    # over 2 x 420 open minutes
    assert res.utilisation["desk"] == pytest.approx(700 / 840)
    q = res.queue_lengths
    assert clock(q["time"]) == [
        "Mon 00:00", "Mon 08:10", "Mon 08:20", "Mon 08:30", "Mon 08:40", "Mon 08:50",
        "Mon 09:40", "Mon 11:20", "Mon 13:00", "Mon 14:40", "Mon 16:00", "Tue 08:00", "Tue 09:40",
    ]  # fmt: skip
    assert q["length"].tolist() == [0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, 1, 0]


def test_back_office_work_waits_in_the_queue_overnight():
    res = simulate(one_desk(False), days=2, seed=1, arrivals=ONE_DESK_ARRIVALS)
    assert clock(res.log["start_timestamp"])[5:] == ["Tue 08:00", "Tue 09:40"]
    assert res.log["odsc:visit"].tolist() == [1] * 7
    q = res.queue_lengths
    # nobody leaves at 16:00; the 07:00 arrival joins the queue at once
    assert q["length"].iloc[-4:].tolist() == [1, 2, 1, 0]
    assert clock(q["time"].iloc[-4:]) == ["Mon 14:40", "Tue 07:00", "Tue 08:00", "Tue 09:40"]


def test_sent_home_on_friday_before_a_monday_holiday_comes_back_on_tuesday():
    cal = Calendar("office", OFFICE.hours, OFFICE.days, ("2026-01-12",))
    j = one_desk(True).replace(calendars=(cal,))
    fri = "2026-01-09"
    res = simulate(j, days=3, seed=1, arrivals=[f"{fri} 13:00", f"{fri} 13:05", f"{fri} 14:00"])
    starts = res.log["start_timestamp"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert starts == ["2026-01-09 13:00", "2026-01-09 14:40", "2026-01-13 08:00"]
    assert res.log["odsc:visit"].tolist() == [1, 1, 2]


def test_warm_up_cases_are_simulated_and_counted_but_not_logged():
    res = simulate(one_desk(True), days=2, warmup_days=1, seed=1, arrivals=ONE_DESK_ARRIVALS)
    assert res.warmup_arrived == 6 and res.arrived == 7
    assert res.log["case:concept:name"].tolist() == ["case-000007"]
    assert clock(res.log["start_timestamp"]) == ["Tue 09:40"]  # behind the warm-up case
    assert res.utilisation["desk"] == pytest.approx(200 / 420)
    assert res.warmup_end == at("2026-01-06")


def two_steps(carrier, delay=None, batch_times=()):
    return journey(
        [
            Step("submit", "a", fixed(20), pool="front", citizen_present=True, door="d1"),
            Step("review", "b", fixed(30), pool="back", door="d2", citizen_present=False),
        ],
        [Transition("submit", "review", 1.0, carrier, delay, tuple(batch_times))],
        pools=[Pool("front", 1, "office"), Pool("back", 1, "office")],
        doors=[Door("d1"), Door("d2", travel_minutes=45)],
    )


def review_starts(res) -> list[str]:
    log = res.log[res.log["odsc:step"] == "review"]
    return log["start_timestamp"].dt.strftime("%a %d %H:%M").tolist()


def test_courier_leaves_at_the_next_batch_on_a_working_day():
    j = two_steps("courier", fixed(60), ["15:00"])
    arrivals = [f"{MON} 10:00", f"{MON} 14:50", "2026-01-09 15:30"]
    res = simulate(j, days=7, seed=1, arrivals=arrivals)
    # ready 10:20 -> batch 15:00 -> 16:00, closed -> Tue 08:00;
    # ready 15:10 -> Tuesday's batch -> Wed 08:00; Friday 15:50 -> Monday's batch -> Tue 08:00
    assert review_starts(res) == ["Tue 06 08:00", "Wed 07 08:00", "Tue 13 08:00"]


def test_courier_batch_defaults_to_15h():
    res = simulate(two_steps("courier"), days=2, seed=1, arrivals=[f"{MON} 10:00"])
    assert review_starts(res) == ["Mon 05 15:00"]


def test_citizen_carrier_travels_then_waits_for_the_door_to_open():
    j = two_steps("citizen", fixed(30))
    j = j.replace(steps=(j.steps[0], replace(j.steps[1], citizen_present=True)))
    res = simulate(j, days=2, seed=1, arrivals=[f"{MON} 08:00", f"{MON} 15:45"])
    # 08:20 + 30 min; 16:05 + 30 min = 16:35, closed: Tuesday 08:00, still the first visit
    assert review_starts(res) == ["Mon 05 08:50", "Tue 06 08:00"]
    assert res.log["odsc:visit"].tolist() == [1, 1, 1, 1]


def test_citizen_carrier_without_delay_takes_the_doors_travel_time():
    res = simulate(two_steps("citizen"), days=1, seed=1, arrivals=[f"{MON} 08:00"])
    assert review_starts(res) == ["Mon 05 09:05"]  # 08:20 + 45 min


def test_digital_handoff_is_immediate():
    res = simulate(two_steps("digital"), days=1, seed=1, arrivals=[f"{MON} 08:00"])
    assert review_starts(res) == ["Mon 05 08:20"]


def parallel(branch_a: Distribution, branch_b: Distribution, pool: str | None = None):
    return journey(
        [
            Step("open", "a", fixed(10), split="and"),
            Step("left", "a", branch_a, pool=pool),
            Step("right", "b", branch_b, pool=pool),
            Step("join", "a", fixed(5), join="and"),
        ],
        [
            Transition("open", "left"),
            Transition("open", "right"),
            Transition("left", "join"),
            Transition("right", "join"),
        ],
        pools=[Pool("p", 1, "always")],
        calendars=[always_open()],
    )


def test_parallel_branches_run_at_once_and_the_join_waits_for_both():
    res = simulate(parallel(fixed(30), fixed(90)), days=1, seed=1, arrivals=[f"{MON} 09:00"])
    log = res.log.set_index("odsc:step")
    assert (
        log.loc["left", "start_timestamp"]
        == log.loc["right", "start_timestamp"]
        == at(f"{MON} 09:10")
    )
    assert log.loc["join", "start_timestamp"] == at(f"{MON} 10:40")
    assert res.cases["end"].tolist() == [at(f"{MON} 10:45")]


def test_join_starts_after_every_branch_with_random_work_and_a_shared_desk():
    exp = Distribution("exponential", {"mean": 20.0})
    j = parallel(exp, exp, pool="p").replace(arrivals=Arrivals(per_day=20))
    res = simulate(j, days=40, seed=5)
    wide = res.log.pivot(index="case:concept:name", columns="odsc:step", values="time:timestamp")
    start = res.log.pivot(index="case:concept:name", columns="odsc:step", values="start_timestamp")
    wide = wide.dropna()
    assert len(wide) > 700
    branch_end = wide[["left", "right"]].max(axis=1)
    assert (start.loc[wide.index, "join"] == branch_end).all()
    assert (res.log.groupby("case:concept:name").size().loc[wide.index] == 4).all()


def test_rework_taken_with_probability_0_2_averages_1_25_passes():
    j = journey(
        [
            Step("work", "a", Distribution("exponential", {"mean": 3.0}), pool="p"),
            Step("check", "a", fixed(1)),
            Step("done", "a", fixed(1)),
        ],
        [
            Transition("work", "check"),
            Transition("check", "work", probability=0.2),
            Transition("check", "done", probability=0.8),
        ],
        pools=[Pool("p", 2, "always")],
        calendars=[always_open()],
        arrivals=Arrivals(per_day=400),
    )
    # about 6,000 cases; the 95% interval misses 1.25 one seed in twenty (e.g. seed 2)
    res = simulate(j, days=15, seed=1)
    finished = res.log[res.log["case:concept:name"].isin(res.finished_cases)]
    passes = finished[finished["odsc:step"] == "work"].groupby("case:concept:name").size()
    assert len(passes) > 5000
    lo, hi = stats.t.interval(0.95, len(passes) - 1, passes.mean(), stats.sem(passes))
    assert lo <= 1.25 <= hi
    assert hi - lo < 0.05


# ------------------------------------------------------------ invariants


@pytest.fixture(scope="module")
def licence():
    return simulate(load_catalog("business-licence"), days=40, warmup_days=5, seed=3)


def test_conservation(licence):
    r = licence
    assert r.arrived == r.finished + r.in_system
    assert r.arrived == r.warmup_arrived + len(r.cases)
    assert r.in_system > 0 and r.finished > 0
    assert set(r.log["case:concept:name"]) <= set(r.cases["case:concept:name"])
    assert len(r.finished_cases) == int(r.cases["finished"].sum())


def test_no_service_starts_outside_opening_hours(licence):
    log = licence.log
    pooled = log[log["org:resource"].notna()]
    assert len(pooled) > 1000
    start = pooled["start_timestamp"]
    minute = start.dt.hour * 60 + start.dt.minute + start.dt.second / 60
    in_hours = ((minute >= 480) & (minute < 720)) | ((minute >= 780) & (minute < 960))
    assert in_hours.all()
    assert (start.dt.weekday < 5).all()
    # a service may run past closing, never by more than its own length
    assert (pooled["time:timestamp"] >= start).all()
    # citizens never meet a desk on a weekend
    present = log[log["odsc:citizen_present"]]
    assert (present["time:timestamp"].dt.weekday < 5).all()


def test_log_schema_and_order(licence):
    log = licence.log
    assert list(log.columns) == [
        "case:concept:name", "concept:name", "time:timestamp", "start_timestamp", "org:resource",
        "org:group", "odsc:door", "odsc:citizen_present", "odsc:step", "odsc:appointment",
        "odsc:visit",
    ]  # fmt: skip
    assert str(log["time:timestamp"].dt.tz) == "UTC"
    assert log["odsc:citizen_present"].dtype == bool
    assert (log["start_timestamp"] >= licence.warmup_end).all()
    key = list(zip(log["case:concept:name"], log["time:timestamp"]))
    assert key == sorted(key)
    j = load_catalog("business-licence")
    agency = {s.label: s.agency for s in j.steps}
    assert (log["org:group"] == log["concept:name"].map(agency)).all()


def test_queue_lengths_are_change_points_from_the_warm_up_end(licence):
    q = licence.queue_lengths
    assert (q["length"] >= 0).all()
    assert set(q["pool"]) == set(licence.utilisation)
    first = q.groupby("pool")["time"].min()
    assert (first == licence.warmup_end).all()


def mm1(per_day: float = 1440.0 * 0.8, capacity: int = 1) -> Journey:
    return journey(
        [Step("serve", "a", Distribution("exponential", {"mean": 1.0}), pool="desk")],
        pools=[Pool("desk", capacity, "always")],
        calendars=[always_open()],
        arrivals=Arrivals(per_day=per_day),
    )


def test_littles_law_on_the_queue_length_series():
    res = simulate(mm1(), days=12, warmup_days=2, seed=4)
    log = res.log.set_index("case:concept:name")
    arrival = res.cases.set_index("case:concept:name")["arrival"]
    wait = (log["start_timestamp"] - arrival.reindex(log.index)).dt.total_seconds() / 60
    minutes = (res.end - res.warmup_end).total_seconds() / 60
    lam = len(res.cases) / minutes
    L = res.mean_queue_lengths()["desk"]
    assert L == pytest.approx(lam * wait.mean(), rel=0.02)
    assert L > 1  # a real queue (M/M/1 at rho = 0.8: Lq = 3.2 on average)
    assert res.utilisation["desk"] == pytest.approx(0.8, abs=0.03)


# ------------------------------------------------------------ randomness


def _digest(seed: int) -> str:
    res = simulate(load_catalog("business-licence"), days=15, seed=seed, replication=1)
    return hashlib.sha256(res.log.to_csv().encode()).hexdigest()


def test_same_seed_same_bytes_in_this_and_another_process():
    here = _digest(11)
    assert here == _digest(11)
    code = (
        "import hashlib; from journeys import load_catalog; from simulations import simulate\n"
        "r = simulate(load_catalog('business-licence'), days=15, seed=11, replication=1)\n"
        "print(hashlib.sha256(r.log.to_csv().encode()).hexdigest())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "123", "PATH": ""},
    )  # fmt: skip
    assert out.stdout.strip() == here


def test_another_seed_or_replication_gives_another_log():
    assert _digest(12) != _digest(11)
    a = simulate(mm1(), days=1, seed=1, replication=0).log
    b = simulate(mm1(), days=1, seed=1, replication=1).log
    assert not a["start_timestamp"].equals(b["start_timestamp"])


def test_common_random_numbers_an_extra_desk_keeps_the_citizens():
    base = simulate(mm1(per_day=1440 * 1.8, capacity=2), days=3, seed=8)
    more = simulate(mm1(per_day=1440 * 1.8, capacity=3), days=3, seed=8)
    assert base.cases["arrival"].equals(more.cases["arrival"])
    assert base.arrived == more.arrived
    # first in, first out on one step: the k-th service started is the k-th citizen's
    # in both runs, so each citizen keeps the same work time
    work = [
        (r.log["time:timestamp"] - r.log["start_timestamp"]).set_axis(r.log["case:concept:name"])
        for r in (base, more)
    ]
    common = work[0].index.intersection(work[1].index)
    assert len(common) > 7000
    # (times are written to the second, so a work time may differ by that rounding)
    diff = (work[0].loc[common] - work[1].loc[common]).dt.total_seconds().abs()
    assert diff.max() <= 1.0
    assert (diff == 0).mean() > 0.6
    # and the extra desk shortens the wait
    assert more.mean_queue_lengths()["desk"] < base.mean_queue_lengths()["desk"] / 2


def test_appointments_are_served_first_then_first_in_first_out():
    j = mm1(per_day=1440 * 0.9).replace(
        arrivals=Arrivals(per_day=1440 * 0.9, appointment_share=0.3)
    )
    res = simulate(j, days=2, seed=9)
    log = res.log.merge(res.cases, on="case:concept:name", suffixes=("", "_case"))
    assert 0.25 < log["odsc:appointment"].mean() < 0.35
    for _, group in log.groupby("odsc:appointment"):
        # (two services may start within the same second: order those by arrival)
        ordered = group.sort_values(["start_timestamp", "arrival"])
        assert ordered["arrival"].is_monotonic_increasing
    # no citizen without an appointment starts while one with an appointment waits
    appt = log[log["odsc:appointment"]]
    a_arr = appt["arrival"].to_numpy()
    a_start = appt["start_timestamp"].to_numpy()
    for t in log.loc[~log["odsc:appointment"], "start_timestamp"].to_numpy()[::10]:
        assert not ((a_arr < t) & (a_start > t)).any()
    waits = (log["start_timestamp"] - log["arrival"]).dt.total_seconds()
    assert waits[log["odsc:appointment"]].mean() < waits[~log["odsc:appointment"]].mean() / 2


def test_demand_can_be_scaled():
    j = load_catalog("business-licence")
    more = simulate(j, days=20, seed=1, arrivals_per_day=3 * j.arrivals.per_day)
    base = simulate(j, days=20, seed=1)
    assert 2.3 < more.arrived / base.arrived < 3.7


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "options, words",
    [
        ({"days": 0}, "days must be a whole number >= 1, got 0"),
        ({"days": 5, "warmup_days": -1}, "warmup_days must be a whole number >= 0, got -1"),
        ({"days": 5, "warmup_days": 5}, "warmup_days (5) must be less than days (5)"),
        ({"days": 5, "replication": -2}, "replication must be a whole number >= 0, got -2"),
        ({"days": 5, "seed": -1}, "seed must be a whole number >= 0, got -1"),
        ({"days": 5, "arrivals_per_day": -3.0}, "arrivals_per_day must be a number >= 0"),
        ({"days": 5, "start_date": "5 Jan"}, "start_date: not a date"),
    ],
)
def test_bad_options_raise_one_line_input_errors(options, words):
    options = {"seed": 1, **options}
    with pytest.raises(InputError) as err:
        simulate(load_catalog("business-licence"), **options)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_options_error_is_a_simulation_error():
    with pytest.raises(SimulationError):
        simulate(mm1(), days=0, seed=1)


def test_an_invalid_journey_names_the_field():
    j = load_catalog("business-licence")
    steps = tuple(replace(s, pool="nobody") if s.id == "submit" else s for s in j.steps)
    with pytest.raises(JourneyError) as err:
        simulate(j.replace(steps=steps), days=5, seed=1)
    assert str(err.value).startswith("business-licence: steps.submit.pool: ")
    assert "'nobody'" in str(err.value) and "\n" not in str(err.value)


def test_branch_probabilities_must_add_up():
    j = load_catalog("business-licence")
    tr = tuple(
        replace(t, probability=0.5) if (t.source, t.target) == ("doic_review", "submit") else t
        for t in j.transitions
    )
    with pytest.raises(JourneyError, match="steps.doic_review: branch probabilities sum to 1.3"):
        simulate(j.replace(transitions=tr), days=5, seed=1)


def test_replayed_arrivals_before_the_start_date_are_refused():
    with pytest.raises(InputError, match="arrivals: row 0 .* is before the start date 2026-01-05"):
        simulate(mm1(), days=1, seed=1, arrivals=["2026-01-04 10:00"], start_date=MON)


def test_calendar_that_never_opens_is_refused():
    j = one_desk(True).replace(calendars=(Calendar("office", OFFICE.hours, ()),))
    with pytest.raises(InputError, match="calendars.office"):
        simulate(j, days=3, seed=1)


def test_result_counts_on_an_empty_replay():
    res = simulate(one_desk(True), days=1, seed=1, arrivals=[], start_date=MON)
    assert (res.arrived, res.finished, res.in_system, len(res.log)) == (0, 0, 0, 0)
    assert math.isclose(res.utilisation["desk"], 0.0)
    assert np.all(res.queue_lengths["length"] == 0)

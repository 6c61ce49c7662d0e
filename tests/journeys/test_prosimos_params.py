"""Prosimos parameters of a journey: exact values on a tiny journey, and what is lossy."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from journeys import load_catalog
from journeys.bpmn_export import process_graph
from journeys.model import Arrivals, Calendar, Distribution
from journeys.prosimos import UNLIMITED, prosimos_distribution, read_prosimos, to_prosimos

from .test_bpmn import tiny


def _values(d: dict) -> list[float]:
    return [p["value"] for p in d["distribution_params"]]


def test_tiny_journey_parameters_exactly() -> None:
    j = tiny()
    p, lossy = to_prosimos(j)
    prof = {r["id"]: r["resource_list"][0] for r in p["resource_profiles"]}
    assert {k: v["amount"] for k, v in prof.items()} == {"desk": 2, "clerk": 1}
    assert prof["desk"]["assignedTasks"] == ["Task_submit", "Task_b", "Task_join"]
    assert p["resource_calendars"] == [{"id": "office", "name": "office", "time_periods": [
        {"from": "MONDAY", "to": "FRIDAY", "beginTime": "08:00:00", "endTime": "12:00:00"},
        {"from": "MONDAY", "to": "FRIDAY", "beginTime": "13:00:00", "endTime": "16:00:00"}]}]
    tasks = {t["task_id"]: t["resources"][0] for t in p["task_resource_distribution"]}
    # seconds; lognormal by mean and variance, as Prosimos reads it
    assert tasks["Task_submit"]["distribution_name"] == "lognorm"
    assert _values(tasks["Task_submit"])[:2] == [120.0, 3600.0]
    assert tasks["Task_check"] == {"resource_id": "clerk_desk", "distribution_name": "fix",
                                   "distribution_params": [{"value": 600.0}]}
    assert _values(tasks["Task_b"]) == [60.0, 180.0]
    g = process_graph(j)
    flows = {f.id: f for f in g.flows}
    (gw,) = p["gateway_branching_probabilities"]
    assert gw["gateway_id"] == "Split_check"
    assert sorted((flows[x["path_id"]].target, x["value"]) for x in gw["probabilities"]) == [
        ("Handoff_2", 0.3), ("Task_fork", 0.7)]
    assert sorted(_values(e)[0] for e in p["event_distribution"]) == [3600.0, 5400.0]
    # 10 cases over 7 open hours: one every 42 minutes while the desk is open
    assert _values(p["arrival_time_distribution"])[0] == 7 * 3600 / 10
    assert p["arrival_time_calendar"] == p["resource_calendars"][0]["time_periods"]
    text = "\n".join(lossy)
    assert "visits: 1 citizen-present steps (submit)" in text
    assert "fees: 1 steps charge fees (submit)" in text
    assert "courier batch times: submit->check" in text
    assert "work running at closing" in text


def test_lossy_names_each_thing_prosimos_cannot_say() -> None:
    j = tiny()
    j = replace(
        j,
        arrivals=Arrivals(per_day=5, hourly={8: 2, 9: 1}, weekday={"mon": 2.0},
                          appointment_share=0.25),
        calendars=(Calendar("office", holidays=("2026-01-01",)),),
        steps=tuple(replace(s, duration=Distribution("triangular", {"low": 1, "mode": 2, "high": 6}))
                    if s.id == "a" else s for s in j.steps),
    )
    _, lossy = to_prosimos(j)
    text = "\n".join(lossy)
    for words in ("hourly arrival weights", "weekday arrival weights", "appointments: 25%",
                  "holidays: the closed dates of calendar(s) office",
                  "distributions: a are triangular or empirical"):
        assert words in text, words
    # nothing to say about what the journey does not have
    _, plain = to_prosimos(replace(tiny(), steps=tuple(
        replace(s, citizen_present=False, fee=0.0) for s in tiny().steps)))
    assert not any(line.startswith(("visits", "fees")) for line in plain)


def test_triangular_goes_as_a_cut_normal_of_the_same_mean_and_spread() -> None:
    d = Distribution("triangular", {"low": 1.0, "mode": 2.0, "high": 6.0})
    out = prosimos_distribution(d)
    mean, sd, lo, hi = _values(out)
    assert out["distribution_name"] == "norm"
    assert mean == pytest.approx(60 * 3.0)
    assert sd == pytest.approx(60 * math.sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18))
    assert (lo, hi) == (60.0, 360.0)


def test_no_queue_step_gets_unlimited_desks_around_the_clock() -> None:
    j = tiny()
    j = replace(j, steps=tuple(replace(s, pool=None) if s.id == "a" else s for s in j.steps))
    p, lossy = to_prosimos(j)
    res = [r["resource_list"][0] for r in p["resource_profiles"] if r["id"] == "Task_a_unlimited"]
    assert res[0]["amount"] == UNLIMITED and res[0]["calendar"] == "always"
    cal = {c["id"]: c for c in p["resource_calendars"]}["always"]
    assert cal["time_periods"] == [{"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00",
                                    "endTime": "23:59:59"}]
    assert any("no-queue steps" in line for line in lossy)


@pytest.mark.parametrize("name", ["business-licence", "land-title-one-door"])
def test_read_back_what_was_written(name: str) -> None:
    j = load_catalog(name)
    p, _ = to_prosimos(j)
    r = read_prosimos(p)
    g = process_graph(j)
    for s in j.steps:
        if s.duration.dist in ("triangular", "empirical"):
            continue
        back = r["duration"][g.task_of[s.id]]
        assert back == {"dist": s.duration.dist, **{k: float(v) for k, v in s.duration.params.items()}}
    assert {k: v["capacity"] for k, v in r["pools"].items()} == {p.id: p.capacity for p in j.pools}
    assert r["per_day"] == pytest.approx(j.arrivals.per_day)


def test_parameters_of_other_prosimos_versions_are_read_and_said() -> None:
    from journeys.errors import InputError

    p, _ = to_prosimos(tiny())
    # scipy-style lists of older versions, a distribution a journey has no name for
    p["task_resource_distribution"][0]["resources"][0] = {
        "resource_id": "desk_desk", "distribution_name": "lognorm",
        "distribution_params": [{"value": v} for v in (0.8, 3600, 60, 0, 9000)]}
    p["task_resource_distribution"][1]["resources"][0] = {
        "resource_id": "clerk_desk", "distribution_name": "exponnorm",
        "distribution_params": [{"value": 1}]}
    r = read_prosimos(p)
    assert r["duration"]["Task_submit"] == {"dist": "lognormal", "mean": 0.8 / 60, "sd": 1.0}
    assert "Task_check" not in r["duration"]
    assert r["notes"] == [
        "task Task_submit: 5 parameters for 'lognorm' where Prosimos 2.1 reads 4 (mean, "
        "variance, min, max); read as Prosimos 2.1 reads them",
        "task Task_check: Prosimos distribution 'exponnorm' has no journey equivalent; the "
        "default duration is used"]
    old = {"resource_profiles": {"R": {"name": "x", "resource_list": []}},
           "task_resource_distribution": {}}
    with pytest.raises(InputError, match="the format before Prosimos 2"):
        read_prosimos(old)

"""The catalogue of reference journeys: every file loads, and each as-is / one-door pair
keeps the ranges the catalogue promises (doors, visits, days, office hours, desk load).

The helpers below recompute the figures from the files' own data, independently of the
library's metrics: expected passes through each step (an absorbing Markov chain solved
with numpy), and the expected delays plus touch time along the most likely path.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from journeys import Distribution, Journey, Step, Transition, catalog_names, load_catalog
from journeys.catalog import catalog_text
from journeys.io import dumps, loads

SERVICES = ("business-licence", "land-title", "family-book")
OFFICE_HOURS = (("08:00", "12:00"), ("13:00", "16:00"))
WORKING_DAYS = ("mon", "tue", "wed", "thu", "fri")
DAY = 1440.0  # minutes of delay in one day


# ----------------------------------------------------------------- helpers
def _passes(j: Journey) -> dict[str, float]:
    """Expected number of times each step runs for one case.

    Solves v = e_start + P^T v, where P[a, b] is the branch probability of a -> b
    (1 for every branch of an and-split), and a branch entering an and-join counts
    1/(number of its branches), since the join runs once when all have arrived.
    """
    ids = list(j.step_ids)
    ix = {s: i for i, s in enumerate(ids)}
    p = np.zeros((len(ids), len(ids)))
    for t in j.transitions:
        src, tgt = j.step(t.source), j.step(t.target)
        w = 1.0 if src.split == "and" else t.probability
        if tgt.join == "and":
            w /= len(j.predecessors(tgt.id))
        p[ix[src.id], ix[tgt.id]] += w
    e = np.zeros(len(ids))
    e[ix[j.start]] = 1.0
    v = np.linalg.solve(np.eye(len(ids)) - p.T, e)
    return dict(zip(ids, v.tolist(), strict=True))


def _visits(j: Journey) -> float:
    """Expected visits: a visit starts at a citizen-present step unless the case comes
    straight (no carrier) from a citizen-present step at the same door."""
    v = _passes(j)
    total = 1.0 if j.step(j.start).citizen_present else 0.0
    for t in j.transitions:
        src, tgt = j.step(t.source), j.step(t.target)
        if not tgt.citizen_present:
            continue
        same_visit = src.citizen_present and src.door == tgt.door and t.carrier is None
        if not same_visit:
            w = 1.0 if src.split == "and" else t.probability
            if tgt.join == "and":
                w /= len(j.predecessors(tgt.id))  # the citizen comes once to a join
            total += v[src.id] * w
    return total


def _most_likely_lead(j: Journey) -> float:
    """Expected delays plus mean durations (minutes) along the most likely path.

    At an xor step the most likely branch is followed; at an and-split every branch,
    and an and-join starts when the last branch arrives (the critical path).
    """
    arrivals: dict[str, list[float]] = {}

    def finish(step_id: str, start: float) -> float:
        s = j.step(step_id)
        done = start + s.duration.mean
        outs = j.successors(step_id)
        if not outs:
            return done
        chosen = outs if s.split == "and" else [max(outs, key=lambda t: t.probability)]
        ends = []
        for t in chosen:
            at = done + (t.delay.mean if t.delay is not None else 0.0)
            if j.step(t.target).join == "and":
                arrivals.setdefault(t.target, []).append(at)
                if len(arrivals[t.target]) < len(j.predecessors(t.target)):
                    continue
                at = max(arrivals[t.target])
            ends.append(finish(t.target, at))
        return max(ends, default=float("-inf"))  # -inf: a branch waiting at a join

    return finish(j.start, 0.0)


def _pool_utilisation(j: Journey) -> dict[str, float]:
    """Offered load over capacity per pool: arrivals x passes x mean minutes / open minutes."""
    v = _passes(j)
    out = {}
    for pool in j.pools:
        minutes = sum(v[s.id] * s.duration.mean for s in j.steps if s.pool == pool.id)
        open_minutes = pool.capacity * j.calendar(pool.calendar).minutes_open_per_day
        out[pool.id] = j.arrivals.per_day * minutes / open_minutes
    return out


def _citizen_doors(j: Journey) -> set[str | None]:
    return {s.door for s in j.steps if s.citizen_present}


def _tiny() -> Journey:
    """Submit (desk A) -> check (back office), rework to submit with p = 0.2, else
    and-split into two back-office steps joined before collect (desk A)."""
    fixed = Distribution.fixed
    steps = (
        Step("submit", "a", fixed(10), door="A", citizen_present=True),
        Step("check", "a", fixed(20)),
        Step("split", "a", fixed(5), split="and"),
        Step("x", "b", fixed(30)),
        Step("y", "c", fixed(60)),
        Step("collect", "a", fixed(5), door="A", citizen_present=True, join="and"),
    )
    transitions = (
        Transition("submit", "check", carrier="courier", delay=fixed(100)),
        Transition("check", "submit", 0.2, carrier="citizen", delay=fixed(1000)),
        Transition("check", "split", 0.8),
        Transition("split", "x", carrier="digital", delay=fixed(1)),
        Transition("split", "y", carrier="courier", delay=fixed(200)),
        Transition("x", "collect", carrier="courier", delay=fixed(50)),
        Transition("y", "collect", carrier="digital", delay=fixed(2)),
    )
    return Journey("tiny", "Tiny", "submit", steps, transitions)


# ----------------------------------------------------------------- the helpers themselves
def test_passes_of_a_rework_loop_are_one_over_one_minus_p():
    v = _passes(_tiny())
    assert v["submit"] == pytest.approx(1 / (1 - 0.2))
    assert v["check"] == pytest.approx(1.25)
    assert v["x"] == pytest.approx(1.0)
    assert v["collect"] == pytest.approx(1.0)  # the and-join runs once


def test_visits_count_the_returns_of_the_rework_loop():
    # submit 1.25 times (first visit + 0.25 returns), collect once
    assert _visits(_tiny()) == pytest.approx(2.25)


def test_most_likely_lead_follows_the_critical_branch():
    # submit 10 + courier 100 + check 20 + split 5, then max(1 + 30 + 50, 200 + 60 + 2)
    # + collect 5; the rework branch (p = 0.2) is not the most likely one
    assert _most_likely_lead(_tiny()) == pytest.approx(10 + 100 + 20 + 5 + 262 + 5)


# ----------------------------------------------------------------- every catalogue file
def test_the_catalogue_holds_each_service_as_is_and_one_door():
    names = catalog_names()
    for service in SERVICES:
        assert service in names
        assert f"{service}-one-door" in names


@pytest.mark.parametrize("name", catalog_names())
def test_loads_validates_and_round_trips(name):
    from journeys.validate import validate

    j = load_catalog(name)
    assert j.id == name
    assert validate(j) == []
    assert loads(dumps(j)) == j


@pytest.mark.parametrize("name", catalog_names())
def test_file_opens_with_its_sources_and_assumptions(name):
    text = catalog_text(name)
    head = text.split("\nid:")[0]
    assert text.startswith("# ")
    assert "Sources of the figures" in head
    assert "ASSUMPTIONS" in head


@pytest.mark.parametrize("name", catalog_names())
def test_every_calendar_keeps_lao_office_hours(name):
    j = load_catalog(name)
    assert j.calendars
    for cal in j.calendars:
        assert cal.hours == OFFICE_HOURS
        assert cal.days == WORKING_DAYS
        assert cal.minutes_open_per_day == 420.0


@pytest.mark.parametrize("name", catalog_names())
def test_citizens_arrive_only_while_offices_are_open(name):
    j = load_catalog(name)
    assert j.currency == "LAK"
    assert set(j.arrivals.hourly) <= {8, 9, 10, 11, 13, 14, 15}
    assert set(j.arrivals.weekday) <= set(WORKING_DAYS)


@pytest.mark.parametrize("name", catalog_names())
def test_every_desk_pool_is_below_saturation(name):
    j = load_catalog(name)
    util = _pool_utilisation(j)
    assert set(util) == {p.id for p in j.pools}
    # below 1 on an average day, and below 0.9 on the busiest weekday
    peak = max(j.arrivals.weekday.values(), default=1.0)
    over = {p: round(u * peak, 2) for p, u in util.items() if u * peak >= 0.9}
    assert over == {}
    # every step that queues uses a pool of the file
    assert all(s.pool in util for s in j.steps if s.pool is not None)


# ----------------------------------------------------------------- as-is journeys
@pytest.mark.parametrize("service", SERVICES)
def test_as_is_is_multi_door(service):
    j = load_catalog(service)
    doors = {s.door for s in j.steps if s.door is not None}
    assert 4 <= len(doors) <= 6
    assert _citizen_doors(j) == doors
    assert 4 <= len(j.agencies) <= 6


@pytest.mark.parametrize("service", SERVICES)
def test_as_is_visits_and_days(service):
    j = load_catalog(service)
    assert 3 <= _visits(j) <= 6
    assert 15 <= _most_likely_lead(j) / DAY <= 30


@pytest.mark.parametrize("service", SERVICES)
def test_as_is_has_a_rework_loop_and_a_citizen_carried_handoff(service):
    j = load_catalog(service)
    assert not nx.is_directed_acyclic_graph(j.graph())
    loops = [t for t in j.transitions if t.probability < 1 and t.carrier == "citizen"]
    assert any(nx.has_path(j.graph(), t.target, t.source) for t in loops)
    silo = [
        t
        for t in j.transitions
        if t.carrier == "citizen" and j.step(t.source).agency != j.step(t.target).agency
    ]
    assert silo
    assert all(t.delay is not None and t.delay.mean >= DAY for t in silo)


# ----------------------------------------------------------------- one-door redesigns
@pytest.mark.parametrize("service", SERVICES)
def test_one_door_has_one_front_desk(service):
    j = load_catalog(f"{service}-one-door")
    assert _citizen_doors(j) == {"odsc_front_desk"}
    assert {s.door for s in j.steps if s.door is not None} == {"odsc_front_desk"}
    assert j.door("odsc_front_desk").name == "ODSC front desk"


@pytest.mark.parametrize("service", SERVICES)
def test_one_door_visits_and_days(service):
    j = load_catalog(f"{service}-one-door")
    assert 1 <= _visits(j) <= 2
    assert 1 <= _most_likely_lead(j) / DAY <= 5


@pytest.mark.parametrize("service", SERVICES)
def test_one_door_moves_papers_by_courier_or_data_exchange(service):
    j = load_catalog(f"{service}-one-door")
    carried = [
        (t.source, t.target)
        for t in j.transitions
        if t.carrier == "citizen" and j.step(t.source).door != j.step(t.target).door
    ]
    assert carried == []
    handoffs = {t.carrier for t in j.transitions if t.carrier is not None}
    assert handoffs <= {"courier", "digital"}
    assert "courier" in handoffs


@pytest.mark.parametrize("service", SERVICES)
def test_one_door_parallel_checks_join_again(service):
    j = load_catalog(f"{service}-one-door")
    g = j.graph()
    splits = [s.id for s in j.steps if s.split == "and"]
    joins = [s.id for s in j.steps if s.join == "and"]
    assert len(splits) == len(joins) == 1
    for t in j.successors(splits[0]):
        assert nx.has_path(g, t.target, joins[0])


@pytest.mark.parametrize("service", SERVICES)
def test_one_door_is_at_least_75_percent_faster(service):
    # Lao ODSC single windows: business registration time about 80% shorter (UNDP); the
    # expected delays alone leave out batch waits, nights and weekends, so the static
    # saving is larger than the simulated one
    before = _most_likely_lead(load_catalog(service))
    after = _most_likely_lead(load_catalog(f"{service}-one-door"))
    assert 1 - after / before >= 0.75


def test_family_book_matches_pek_district():
    # Pek district ODSC (UNDP 2012): about one month before; after, birth certificate plus
    # family-book change in 3 days (the expected delays leave out nights and weekends)
    assert 20 <= _most_likely_lead(load_catalog("family-book")) / DAY <= 30
    assert 1 <= _most_likely_lead(load_catalog("family-book-one-door")) / DAY <= 3


@pytest.mark.parametrize("service", SERVICES)
def test_one_door_keeps_the_same_demand_and_no_higher_fees(service):
    as_is, one_door = load_catalog(service), load_catalog(f"{service}-one-door")
    assert one_door.arrivals == as_is.arrivals
    fees_before = sum(n * as_is.step(s).fee for s, n in _passes(as_is).items())
    fees_after = sum(n * one_door.step(s).fee for s, n in _passes(one_door).items())
    assert fees_after <= fees_before


@pytest.mark.parametrize("service", SERVICES)
def test_static_metrics_agree_with_the_helpers(service):
    metrics = pytest.importorskip("journeys.metrics")
    for name, low, high in ((service, 3, 6), (f"{service}-one-door", 1, 2)):
        j = load_catalog(name)
        m = metrics.static_metrics(j)
        assert low <= m.visits <= high
        assert m.visits == pytest.approx(_visits(j))
        assert m.expected_passes == pytest.approx(_passes(j))

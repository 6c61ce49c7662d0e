"""Journeys that cannot run are refused; what validation accepts runs everywhere.

Size limits of :mod:`journeys.limits`, loops that can never be left, parallel
blocks entered or left sideways, and a loop that is left with probability
0.001 (accepted: every command must finish on it).
"""

from __future__ import annotations

import time

import pytest

from journeys import limits
from journeys.graph_rules import join_arrivals
from journeys.metrics import static_metrics
from journeys.model import Agency, Arrivals, Calendar, Distribution, Door, Journey, Pool, Step
from journeys.model import Transition as T
from journeys.validate import validate
from journeys.walk import walk


def _journey(steps, transitions, **kw) -> Journey:
    base = dict(
        agencies=(Agency("a"),),
        doors=(Door("d", agency="a"),),
        pools=(Pool("p", capacity=1, calendar="office"),),
        calendars=(Calendar("office"),),
    )
    base.update(kw)
    return Journey("j", "J", steps[0].id, tuple(steps), tuple(transitions), **base)


def _step(ident, **kw) -> Step:
    return Step(ident, "a", Distribution.fixed(5), **kw)


def _messages(j: Journey) -> list[str]:
    return [str(p) for p in validate(j)]


def _chain(n: int) -> Journey:
    steps = [_step(f"s{i}") for i in range(n)]
    return _journey(steps, [T(f"s{i}", f"s{i + 1}") for i in range(n - 1)])


# ----------------------------------------------------------------- size limits
def test_the_limits_are_named_in_one_place():
    assert limits.LIMITS == {
        "MAX_STEPS": 200,
        "MAX_TRANSITIONS": 1000,
        "MAX_SECTION": 200,
        "MAX_DOCUMENTS": 200,
        "MAX_CAPACITY": 10_000,
        "MAX_ARRIVALS_PER_DAY": 100_000,
        "MAX_HORIZON_DAYS": 2500,
    }


def test_the_largest_journey_allowed_is_valid():
    assert validate(_chain(limits.MAX_STEPS)) == []


def test_one_step_too_many_is_the_one_problem():
    assert _messages(_chain(limits.MAX_STEPS + 1)) == [
        "steps: a journey may have at most 200 steps (MAX_STEPS: the exact metrics grow with"
        " the cube of the number of steps), got 201"
    ]


def test_a_huge_journey_is_refused_quickly():
    t0 = time.perf_counter()
    problems = _messages(_chain(10_000))
    assert time.perf_counter() - t0 < 5
    assert problems == [
        "steps: a journey may have at most 200 steps (MAX_STEPS: the exact metrics grow with"
        " the cube of the number of steps), got 10,000",
        "transitions: a journey may have at most 1,000 transitions (MAX_TRANSITIONS: routing and"
        " the blueprint grow with steps times transitions), got 9,999",
    ]


def test_sections_and_documents_have_limits():
    docs = tuple(f"paper {k}" for k in range(201))
    j = _journey(
        [_step("x", documents=docs)],
        [],
        doors=tuple(Door(f"d{k}") for k in range(201)),
    )
    assert _messages(j) == [
        "steps: a journey may have at most 200 documents (MAX_DOCUMENTS: the metrics solve one"
        " linear system per distinct document), got 201",
        "doors: a journey may have at most 200 doors (MAX_SECTION: at most one per step is ever"
        " used), got 201",
    ]


def test_capacity_and_arrivals_at_the_limit_are_valid_and_beyond_are_not():
    j = _chain(2).replace(pools=(Pool("p", capacity=10_000),), arrivals=Arrivals(per_day=100_000))
    assert validate(j) == []
    j = j.replace(pools=(Pool("p", capacity=10_001),), arrivals=Arrivals(per_day=100_000.5))
    assert _messages(j) == [
        "pools.p.capacity: must be <= 10,000 desks (MAX_CAPACITY: the simulator keeps one record"
        " per desk), got 10,001",
        "arrivals.per_day: must be <= 100,000 cases a day (MAX_ARRIVALS_PER_DAY: the simulator"
        " runs one process per case), got 100000",
    ]


# ------------------------------------------------------------ loops never left
def test_a_loop_taken_with_probability_one_is_refused():
    j = _journey(
        [_step("x"), _step("y"), _step("z")],
        [T("x", "y"), T("y", "x", 1.0), T("y", "z", 0.0)],
    )
    why = (
        "no end can be reached from this step with positive probability; its paths only loop"
        " among: x, y (the ways out have probability 0: transitions[2] to z)"
    )
    assert _messages(j) == [f"steps.x: {why}", f"steps.y: {why}"]


def test_a_step_behind_a_zero_probability_exit_is_fine_when_the_loop_can_be_left():
    # y -> w has probability 0, but w itself ends, and y leaves the loop by z
    j = _journey(
        [_step("x"), _step("y"), _step("z"), _step("w")],
        [T("x", "y"), T("y", "x", 0.5), T("y", "z", 0.5), T("y", "w", 0.0)],
    )
    assert validate(j) == []


def _rework(p: float) -> Journey:
    """submit -> check; check sends the dossier back with probability p, else issue."""
    steps = [
        _step("submit", door="d", citizen_present=True, pool="p", fee=100),
        _step("check", pool="p"),
        _step("issue", door="d", citizen_present=True),
    ]
    trs = [
        T("submit", "check", carrier="courier", batch_times=("15:00",)),
        T("check", "submit", p, carrier="citizen"),
        T("check", "issue", round(1 - p, 12)),
    ]
    return _journey(steps, trs, arrivals=Arrivals(per_day=2))


def test_a_loop_left_with_probability_one_in_a_thousand_runs_everywhere():
    j = _rework(0.999)
    assert validate(j) == []
    m = static_metrics(j)
    assert m.expected_passes == pytest.approx({"submit": 1000, "check": 1000, "issue": 1})
    assert m.fees == pytest.approx(100_000)
    likely = walk(j)
    assert likely["step"].tolist() == ["submit", "check", "issue"]
    sampled = walk(j, how="sample", seed=1, max_steps=40)
    assert len(sampled) == 40 and sampled.attrs["truncated"] is True

    from journeys.redesign import digitize_handoffs, one_door

    assert static_metrics(one_door(j).journey).expected_passes["check"] == pytest.approx(1000)
    # the dossier goes back to a step the citizen attends: it stays a citizen handoff
    assert static_metrics(digitize_handoffs(j).journey).citizen_handoffs == pytest.approx(999)

    from simulations.engine import simulate

    r = simulate(j, days=5, seed=1)
    assert r.arrived == r.finished + r.in_system
    assert r.arrived > 0


# ------------------------------------------------------------ parallel blocks
def _block(*extra: T, join_extra: tuple[str, ...] = ()) -> Journey:
    """x -> s (and-split) -> b1, b2 -> j (and-join) -> e, with extra transitions."""
    steps = [
        _step("x"),
        _step("s", split="and"),
        _step("b1"),
        _step("b2"),
        _step("j", join="and"),
        _step("e"),
        _step("f"),
    ]
    trs = [T("s", "b1"), T("s", "b2"), T("b1", "j"), T("b2", "j"), *extra]
    return _journey(steps, trs)


def test_a_loop_around_the_whole_block_is_valid():
    j = _block(T("x", "s"), T("j", "e"), T("e", "x", 0.3), T("e", "f", 0.7))
    assert validate(j) == []
    assert join_arrivals(j) == {"j": 2}


def test_a_branch_looping_back_to_its_split_is_refused():
    j = _block(T("x", "s"), T("j", "e"), T("e", "f"))
    j = j.replace(
        transitions=tuple(t for t in j.transitions if (t.source, t.target) != ("b1", "j"))
        + (T("b1", "s", 0.5), T("b1", "j", 0.5))
    )
    assert _messages(j) == [
        "transitions[6]: leads from a branch of the parallel block 's' -> 'j' back to its split,"
        " which would start the branches again while the others go on; loop back from the join"
        " or after it instead"
    ]


def test_entering_a_branch_from_before_the_split_is_refused():
    j = _block(T("x", "s", 0.5), T("x", "b2", 0.5), T("j", "e"), T("e", "f"))
    assert _messages(j) == [
        "transitions[5]: leads from outside into a branch of the parallel block 's' -> 'j'; the"
        " join would wait for branches its split did not start (lead to the split instead)"
    ]


def test_rework_into_the_join_from_after_it_is_refused():
    j = _block(T("x", "s"), T("j", "e"), T("e", "j", 0.2), T("e", "f", 0.8))
    assert _messages(j) == [
        "transitions[6]: leads back into the join of the parallel block 's' -> 'j' from after"
        " it; the join would wait for branches that do not run again (loop back to the split"
        " instead)"
    ]


def test_entering_the_join_from_before_the_split_is_refused():
    j = _block(T("x", "s", 0.5), T("x", "j", 0.5), T("j", "e"), T("e", "f"))
    assert _messages(j) == [
        "transitions[5]: leads from outside the parallel block 's' -> 'j' into its join, which"
        " would count it as a branch; lead to the split instead"
    ]


def test_a_choice_inside_a_branch_arrives_once_at_the_join_in_the_simulation():
    # b1 goes to j directly or through c: three transitions into j, two branches
    steps = [_step("s", split="and"), _step("b1"), _step("c"), _step("b2")]
    steps += [_step("j", join="and"), _step("e")]
    trs = [T("s", "b1"), T("s", "b2"), T("b1", "c", 0.5), T("b1", "j", 0.5), T("c", "j")]
    trs += [T("b2", "j"), T("j", "e")]
    j = _journey(steps, trs, arrivals=Arrivals(per_day=5))
    assert validate(j) == []
    assert join_arrivals(j) == {"j": 2}
    from simulations.engine import simulate

    r = simulate(j, days=10, seed=3)
    # no desks: nothing queues, so every case is done within its day
    assert r.arrived > 20
    assert r.finished == r.arrived

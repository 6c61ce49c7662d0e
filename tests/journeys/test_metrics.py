"""Exact static TCV metrics (journeys.metrics) on hand-built journeys with hand-computed answers."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.catalog import load_catalog
from journeys.errors import InputError, JourneyError
from journeys.metrics import StaticMetrics, metrics_table, static_metrics
from journeys.model import Agency, Distribution, Door, Journey, Step, Transition
from journeys.walk import walk

MIN = Distribution.fixed


def make(steps, transitions, *, start=None, doors=(), time_value=0.0) -> Journey:
    """A journey with every agency its steps name; doors given as Door objects."""
    agencies = tuple(Agency(a, a.title()) for a in dict.fromkeys(s.agency for s in steps))
    return Journey(
        "t",
        "Test journey",
        start=start or steps[0].id,
        steps=tuple(steps),
        transitions=tuple(transitions),
        agencies=agencies,
        doors=tuple(doors),
        time_value_per_hour=time_value,
    )


def rework(p: float = 0.2) -> Journey:
    """submit (office, fee 100) -> check; check -> submit with p (citizen), -> issue with 1 - p."""
    return make(
        [
            Step(
                "submit",
                "a",
                MIN(10),
                door="d",
                citizen_present=True,
                fee=100,
                documents=("form", "ID card"),
            ),  # fmt: skip
            Step("check", "a", MIN(20)),
            Step("issue", "b", MIN(5)),
        ],
        [
            Transition("submit", "check", carrier="courier", delay=MIN(60)),
            Transition("check", "submit", probability=p, carrier="citizen", delay=MIN(1440)),
            Transition("check", "issue", probability=1 - p, carrier="digital"),
        ],
        doors=[Door("d", "Desk", travel_minutes=30, travel_cost=1000)],
    )


def test_rework_loop_taken_with_p_0_2_gives_1_25_passes():
    m = static_metrics(rework(0.2))
    # 1 / (1 - 0.2) = 1.25 passes through the looped steps, 1 through the exit
    assert m.expected_passes == {"submit": 1.25, "check": 1.25, "issue": 1.0}
    assert m.expected_steps == 3.5
    assert m.visits == 1.25  # each pass of submit is a new visit (the citizen carried it back)
    assert m.fees == 125.0
    assert m.documents == 2.5  # 2 documents per pass
    assert m.distinct_documents == 2.0
    assert m.touch_minutes == pytest.approx(1.25 * 10 + 1.25 * 20 + 5)
    assert m.citizen_touch_minutes == 12.5
    assert m.citizen_handoffs == 0.25
    assert m.courier_handoffs == 1.25
    assert m.digital_handoffs == 1.0  # 1.25 passes of check x 0.8
    assert m.agency_handoffs == 1.0  # check (a) -> issue (b)
    assert m.delay_minutes == pytest.approx(1.25 * 60 + 0.25 * 1440)
    assert m.travel_minutes == 1.25 * 60  # 30 min each way, per visit
    assert m.travel_cost == 1250.0


def test_loop_passes_follow_one_over_one_minus_p():
    for p in (0.0, 0.5, 0.9):
        assert static_metrics(rework(p)).expected_passes["check"] == pytest.approx(1 / (1 - p))


def test_three_way_branch():
    steps = [
        Step("a", "r", MIN(10), door="z", citizen_present=True),
        Step("b", "p", MIN(20), door="x", citizen_present=True, fee=100),
        Step("c", "q", MIN(30), door="y", citizen_present=True, fee=200),
        Step("d", "q", MIN(40), door="x", citizen_present=True, fee=1000),
        Step("e", "r", MIN(5)),
    ]
    trans = [
        Transition("a", "b", probability=0.5, carrier="citizen"),
        Transition("a", "c", probability=0.3, carrier="citizen"),
        Transition("a", "d", probability=0.2, carrier="citizen"),
        Transition("b", "e", carrier="courier"),
        Transition("c", "e", carrier="courier"),
        Transition("d", "e", carrier="courier"),
    ]
    doors = [Door("x"), Door("y"), Door("z")]
    m = static_metrics(make(steps, trans, doors=doors))
    assert m.expected_passes == {"a": 1.0, "b": 0.5, "c": 0.3, "d": 0.2, "e": 1.0}
    assert m.fees == pytest.approx(0.5 * 100 + 0.3 * 200 + 0.2 * 1000)  # 310
    assert m.touch_minutes == pytest.approx(10 + 0.5 * 20 + 0.3 * 30 + 0.2 * 40 + 5)  # 42
    assert m.visits == pytest.approx(2.0)  # a, then exactly one of b, c, d
    assert m.door_reach == pytest.approx({"x": 0.7, "y": 0.3, "z": 1.0})  # b or d: 0.5 + 0.2
    assert m.doors == pytest.approx(2.0)
    assert m.agency_reach == pytest.approx({"r": 1.0, "p": 0.5, "q": 0.5})
    assert m.agencies == pytest.approx(2.0)
    assert m.citizen_handoffs == pytest.approx(1.0)
    assert m.courier_handoffs == pytest.approx(1.0)
    assert m.agency_handoffs == pytest.approx(2.0)  # into the branch and out of it


def test_nested_loops():
    # outer: a -> b; inner: b -> c, c -> b (0.5); c -> d (0.5); d -> a (0.25) or e (0.75)
    steps = [Step(s, "g", MIN(1)) for s in "abcde"]
    trans = [
        Transition("a", "b"),
        Transition("b", "c"),
        Transition("c", "b", probability=0.5),
        Transition("c", "d", probability=0.5),
        Transition("d", "a", probability=0.25),
        Transition("d", "e", probability=0.75),
    ]
    m = static_metrics(make(steps, trans))
    outer = 1 / (1 - 0.25)  # 4/3 passes through a and d
    inner = outer / (1 - 0.5)  # 2 passes of the inner loop per outer pass: 8/3
    assert m.expected_passes == pytest.approx(
        {"a": outer, "b": inner, "c": inner, "d": outer, "e": 1.0}
    )
    assert m.expected_steps == pytest.approx(2 * outer + 2 * inner + 1)  # 23/3
    assert m.visits == 0.0  # never in front of the citizen


def test_two_doors_with_a_citizen_carrier_give_exactly_two_visits():
    # a and b at door 1 (next desk, no carrier: one visit); the citizen carries the
    # papers to door 2 (second visit); d is back office.
    steps = [
        Step("a", "x", MIN(10), door="d1", citizen_present=True, fee=1000),
        Step("b", "x", MIN(5), door="d1", citizen_present=True, fee=2000),
        Step("c", "y", MIN(15), door="d2", citizen_present=True),
        Step("d", "y", MIN(60)),
    ]
    trans = [
        Transition("a", "b"),
        Transition("b", "c", carrier="citizen", delay=MIN(2880)),
        Transition("c", "d", carrier="courier"),
    ]
    doors = [
        Door("d1", "Office one", travel_minutes=30, travel_cost=10000),
        Door("d2", "Office two", travel_minutes=20, travel_cost=5000),
    ]
    m = static_metrics(make(steps, trans, doors=doors, time_value=6000))
    assert m.visits == 2.0
    assert m.doors == 2.0
    assert m.travel_minutes == 2 * 30 + 2 * 20
    assert m.travel_cost == 15000.0
    assert m.citizen_touch_minutes == 30.0
    # 6000 per hour = 100 per minute, for 30 minutes at desks and 100 travelling
    assert m.time_cost == pytest.approx(13000.0)
    assert m.citizen_cost == pytest.approx(3000 + 15000 + 13000)
    assert m.citizen_handoffs == 1.0
    assert m.delay_minutes == 2880.0


def test_same_door_with_a_carrier_is_a_new_visit():
    steps = [
        Step("a", "x", MIN(10), door="d1", citizen_present=True),
        Step("b", "x", MIN(5), door="d1", citizen_present=True),
    ]
    doors = [Door("d1")]
    came_back = make(steps, [Transition("a", "b", carrier="citizen")], doors=doors)
    stayed = make(steps, [Transition("a", "b")], doors=doors)
    assert static_metrics(came_back).visits == 2.0
    assert static_metrics(stayed).visits == 1.0


def test_fees_under_a_branch_and_a_loop():
    # pay 500 at a; with p = 0.4 a fine of 300 at f; a refusal (p = 0.25 from r) sends
    # the citizen back to a: a is passed 1 / 0.75 times.
    steps = [
        Step("a", "x", MIN(5), door="d", citizen_present=True, fee=500),
        Step("f", "x", MIN(5), door="d", citizen_present=True, fee=300),
        Step("r", "x", MIN(5)),
        Step("e", "x", MIN(5)),
    ]
    trans = [
        Transition("a", "f", probability=0.4),
        Transition("a", "r", probability=0.6),
        Transition("f", "r"),
        Transition("r", "a", probability=0.25, carrier="citizen"),
        Transition("r", "e", probability=0.75),
    ]
    m = static_metrics(make(steps, trans, doors=[Door("d")]))
    passes = 1 / 0.75
    assert m.expected_passes["a"] == pytest.approx(passes)
    assert m.expected_passes["f"] == pytest.approx(0.4 * passes)
    assert m.fees == pytest.approx(passes * (500 + 0.4 * 300))
    # f follows a at the same desk without a carrier: no new visit
    assert m.visits == pytest.approx(passes)


def parallel() -> Journey:
    """a -> s (and-split) -> two branches -> j (and-join) -> e.

    Branch 1: p1, then police step p2 with probability 0.5. Branch 2: q1, then
    police step q2 with probability 0.4. The join is entered once, not twice.
    """
    steps = [
        Step("a", "r", MIN(10), door="o", citizen_present=True, fee=50),
        Step("s", "r", MIN(1), split="and"),
        Step("p1", "r", MIN(2)),
        Step("p2", "police", MIN(30), fee=10),
        Step("q1", "r", MIN(3)),
        Step("q2", "police", MIN(40), fee=20),
        Step("j", "r", MIN(4), join="and"),
        Step("e", "r", MIN(5), door="o", citizen_present=True),
    ]
    trans = [
        Transition("a", "s", carrier="courier"),
        Transition("s", "p1", carrier="courier"),
        Transition("s", "q1", carrier="digital"),
        Transition("p1", "p2", probability=0.5, carrier="courier"),
        Transition("p1", "j", probability=0.5),
        Transition("p2", "j", carrier="courier"),
        Transition("q1", "q2", probability=0.4, carrier="digital"),
        Transition("q1", "j", probability=0.6),
        Transition("q2", "j", carrier="digital"),
        Transition("j", "e", carrier="courier"),
    ]
    return make(steps, trans, doors=[Door("o", travel_cost=100)])


def test_and_split_runs_each_branch_once_and_the_join_once():
    m = static_metrics(parallel())
    assert m.expected_passes == pytest.approx(
        {"a": 1, "s": 1, "p1": 1, "p2": 0.5, "q1": 1, "q2": 0.4, "j": 1, "e": 1}
    )
    assert m.expected_steps == pytest.approx(6.9)
    assert m.fees == pytest.approx(50 + 0.5 * 10 + 0.4 * 20)
    assert m.touch_minutes == pytest.approx(10 + 1 + 2 + 0.5 * 30 + 3 + 0.4 * 40 + 4 + 5)
    # the police are reached unless both branches miss them: 1 - 0.5 * 0.6
    assert m.agency_reach["police"] == pytest.approx(0.7)
    assert m.agencies == pytest.approx(1.7)
    assert m.visits == 2.0
    # handoffs: a->s, s->p1, p1->p2 (0.5), p2->j (0.5), j->e by courier; s->q1, q1->q2
    # (0.4), q2->j (0.4) by data exchange
    assert m.courier_handoffs == pytest.approx(1 + 1 + 0.5 + 0.5 + 1)
    assert m.digital_handoffs == pytest.approx(1 + 0.4 + 0.4)
    # into and out of the police steps: p1->p2, p2->j (0.5 each), q1->q2, q2->j (0.4 each)
    assert m.agency_handoffs == pytest.approx(0.5 + 0.5 + 0.4 + 0.4)


def test_loop_around_a_parallel_split():
    # a -> s (and) -> b1, b2 -> j (and) -> e (0.9) or back to s (0.1)
    steps = [
        Step("a", "r", MIN(1)),
        Step("s", "r", MIN(1), split="and"),
        Step("b1", "r", MIN(1)),
        Step("b2", "r", MIN(1)),
        Step("j", "r", MIN(1), join="and"),
        Step("e", "r", MIN(1)),
    ]
    trans = [
        Transition("a", "s"),
        Transition("s", "b1"),
        Transition("s", "b2"),
        Transition("b1", "j"),
        Transition("b2", "j"),
        Transition("j", "e", probability=0.9),
        Transition("j", "s", probability=0.1),
    ]
    m = static_metrics(make(steps, trans))
    k = 1 / 0.9  # passes of the parallel block; without the join rule j would get 2k
    assert m.expected_passes == pytest.approx({"a": 1, "s": k, "b1": k, "b2": k, "j": k, "e": 1})


def test_passes_agree_with_sampled_walks():
    """Monte Carlo cross-check: mean passes over sampled walks against the exact chain."""
    steps = [Step(s, "g", MIN(1)) for s in "abcde"]
    trans = [
        Transition("a", "b"),
        Transition("b", "c"),
        Transition("c", "b", probability=0.5),
        Transition("c", "d", probability=0.5),
        Transition("d", "a", probability=0.25),
        Transition("d", "e", probability=0.75),
    ]
    j = make(steps, trans)
    exact = static_metrics(j).expected_passes
    n = 200
    counts = {s: [] for s in "abcde"}
    for seed in range(n):
        path = walk(j, how="sample", seed=seed, max_steps=500)["step"].tolist()
        for s in counts:
            counts[s].append(path.count(s))
    for s, xs in counts.items():
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
        assert abs(mean - exact[s]) <= 4 * sd / math.sqrt(n) + 1e-9, (s, mean, exact[s])


def test_business_licence_as_is_and_one_door():
    before = static_metrics(load_catalog("business-licence"))
    after = static_metrics(load_catalog("business-licence-one-door"))
    # as-is: residence certificate, submission (1.25 passes: dossier returned with
    # p = 0.2), police, tax, collection: five offices visits plus the returns
    assert before.expected_passes["submit"] == pytest.approx(1.25)
    assert before.visits == pytest.approx(5.25)
    assert before.doors == 4.0
    # one door: submit and collect at the ODSC front desk, two separate visits
    assert after.visits == 2.0
    assert after.doors == 1.0
    assert after.citizen_handoffs == 0.0
    assert after.citizen_cost < before.citizen_cost


def test_to_dict_is_json_ready_and_complete():
    m = static_metrics(rework())
    d = json.loads(json.dumps(m.to_dict()))
    assert d["expected_passes"] == {"submit": 1.25, "check": 1.25, "issue": 1.0}
    assert set(d) == set(StaticMetrics.__dataclass_fields__)


def test_invalid_journey_is_refused_with_its_problems():
    bad = make(
        [Step("a", "x", MIN(1)), Step("b", "x", MIN(1))],
        [Transition("a", "b", probability=0.5)],
    )
    with pytest.raises(JourneyError) as e:
        static_metrics(bad)
    assert (
        str(e.value)
        == "t: steps.a: branch probabilities sum to 0.5, not 1 (transitions[0] to b: 0.5)"
    )


def test_metrics_table_side_by_side():
    one, two = rework(0.2), rework(0.5).replace(id="t2")
    t = metrics_table(one, two)
    assert list(t.columns) == ["t", "t2"]
    assert t.index.name == "metric"
    assert t.loc["Visits to offices"].tolist() == [1.25, 2.0]
    assert t.loc["Fees (LAK)"].tolist() == [125.0, 200.0]
    assert t.loc["Travel time (hours)"].tolist() == [1.25, 2.0]  # 60 min per visit
    assert t.loc["Handoff delays, summed (days)"].tolist() == [
        round((1.25 * 60 + 0.25 * 1440) / 1440, 2),
        round((2 * 60 + 1 * 1440) / 1440, 2),
    ]
    assert "Citizen cost: fees + travel + time (LAK)" in t.index


def test_metrics_table_keeps_two_journeys_with_the_same_id():
    t = metrics_table(rework(0.2), rework(0.5))
    assert list(t.columns) == ["t", "t (2)"]


def test_metrics_table_needs_a_journey():
    with pytest.raises(InputError):
        metrics_table()


def test_journey_metrics_method():
    m = rework(0.5).metrics()
    assert isinstance(m, StaticMetrics)
    assert m.expected_passes == {"submit": 2.0, "check": 2.0, "issue": 1.0}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.floats(0.0, 0.9)),
        min_size=1,
        max_size=8,
    )
)
def test_passes_conserve_flow_on_random_rework_chains(backs):
    """Property: each step's passes equal the flow into it (plus 1 at the start).

    A chain s0 -> s1 -> ... -> sn; step i goes back to step (k mod (i + 1)) with
    probability p, and forward otherwise. Checked against the balance equations
    written out here, not against the solver.
    """
    n = len(backs)
    steps = [Step(f"s{i}", "x", MIN(1), door="d", citizen_present=i % 2 == 0) for i in range(n + 1)]
    trans = []
    for i, (k, p) in enumerate(backs):
        back = k % (i + 1)
        if p > 0:
            trans.append(Transition(f"s{i}", f"s{back}", probability=p, carrier="citizen"))
        trans.append(Transition(f"s{i}", f"s{i + 1}", probability=1 - p))
    m = static_metrics(make(steps, trans, doors=[Door("d")]))
    x = m.expected_passes
    inflow = {s.id: 0.0 for s in steps}
    for t in trans:
        inflow[t.target] += x[t.source] * t.probability
    inflow["s0"] += 1.0
    for s in steps:
        assert x[s.id] == pytest.approx(inflow[s.id], rel=1e-9)
    assert x[f"s{n}"] == pytest.approx(1.0)  # the end is reached exactly once
    assert m.doors == pytest.approx(1.0)
    present = sum(x[s.id] for s in steps if s.citizen_present)
    assert 1.0 - 1e-9 <= m.visits <= present * (1 + 1e-9)  # figures keep 12 digits


def nested_splits() -> Journey:
    """a splits into b and c; b splits again into b1 and b2; all three branches meet at j."""
    steps = [
        Step("a", "r", MIN(1), split="and"),
        Step("b", "r", MIN(1), split="and"),
        Step("b1", "p", MIN(1)),
        Step("b2", "r", MIN(1)),
        Step("c", "r", MIN(1)),
        Step("j", "r", MIN(1), join="and"),
        Step("e", "r", MIN(1)),
    ]
    trans = [
        Transition("a", "b"),
        Transition("a", "c"),
        Transition("b", "b1"),
        Transition("b", "b2"),
        Transition("b1", "j"),
        Transition("b2", "j"),
        Transition("c", "j"),
        Transition("j", "e"),
    ]
    return make(steps, trans)


def test_nested_splits_sharing_a_join_enter_it_once():
    m = static_metrics(nested_splits())
    assert m.expected_passes == {s: 1.0 for s in ("a", "b", "b1", "b2", "c", "j", "e")}
    assert m.agency_reach == {"r": 1.0, "p": 1.0}
    assert m.agency_handoffs == 2.0  # b -> b1 and b1 -> j

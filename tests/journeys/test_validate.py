"""Journey validation: the bad-input corpus, and the rules on journeys built in Python."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from journeys.catalog import catalog_names, load_catalog
from journeys.errors import JourneyError, Problem
from journeys.io import load, loads
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

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_journeys"

# file -> (path of the field named, fragment of its message)
EXPECTED = {
    "and_split_probability": (
        "transitions[0].probability",
        "takes every branch: leave the probability out",
    ),
    "bad_clock": ("calendars.office.hours[0]", "not a clock time HH:MM, got '12:60'"),
    "bad_holiday": ("calendars.office.holidays[0]", "not a date YYYY-MM-DD, got '2026-02-30'"),
    "branch_loop_never_left": (
        "steps.tax_check",
        "no end can be reached from this step with positive probability; its paths only loop"
        " among: tax_check (the ways out have probability 0: transitions[2] to collect)",
    ),
    "branch_reentered": (
        "transitions[4]",
        "leads from the join of the parallel block 'submit' -> 'collect' or after it back into"
        " one branch; the join would wait for the other branches, which do not run again (loop"
        " back to the split instead)",
    ),
    "batch_times_not_courier": (
        "transitions[1].batch_times",
        "only a courier leaves at batch times, but the carrier is 'digital'",
    ),
    "capacity_not_a_number": ("pools.desk.capacity", "must be a whole number of desks, got 'two'"),
    "citizen_without_door": ("steps.tax_check.door", "the citizen is present at this step"),
    "door_unknown_agency": (
        "doors.front.agency",
        "unknown agency 'comerce' (known: commerce, tax); did you mean 'commerce'?",
    ),
    "duplicate_step_id": ("steps.submit", "duplicate key 'submit' (lines 15 and 18)"),
    "duplicate_transition": ("transitions[2]", "repeats transitions[1] (tax_check -> collect)"),
    "empty_file": ("", "the file is empty"),
    "huge_arrivals": (
        "arrivals.per_day",
        "must be <= 100,000 cases a day (MAX_ARRIVALS_PER_DAY: the simulator runs one process per"
        " case), got 1e+09",
    ),
    "huge_capacity": (
        "pools.desk.capacity",
        "must be <= 10,000 desks (MAX_CAPACITY: the simulator keeps one record per desk), got"
        " 1,000,000,000,000",
    ),
    "interval_ends_before_start": ("calendars.office.hours[1]", "16:00-13:00 must end after"),
    "join_single_incoming": (
        "steps.collect.join",
        "2 or more incoming transitions; this step has 1",
    ),
    "join_without_split": ("steps.collect.join", "no and-split's branches meet here"),
    "loop_never_left": (
        "steps.tax_check",
        "no end can be reached from this step with positive probability; its paths only loop"
        " among: submit, tax_check (the ways out have probability 0: transitions[1] to collect)",
    ),
    "missing_field": ("start", "is required"),
    "missing_parameter": ("steps.tax_check.duration.sd", "missing parameter of lognormal"),
    "negative_duration": ("steps.tax_check.duration.mean", "must be > 0, got -5"),
    "negative_fee": ("steps.submit.fee", "must be >= 0, got -5000"),
    "never_ends": ("transitions", "the journey never ends"),
    "no_end": ("steps.recheck", "no end can be reached from this step"),
    "no_working_days": ("calendars.office.days", "no working days"),
    "not_a_mapping": ("", "a journey file must be a mapping, got a list"),
    "not_yaml": ("line 6", "not valid YAML"),
    "overlapping_hours": ("calendars.office.hours[1]", "11:00-13:00 overlaps 08:00-12:00"),
    "pool_unknown_agency": ("pools.desk.agency", "unknown agency 'police' (known: commerce, tax)"),
    "probabilities_not_one": ("steps.tax_check", "branch probabilities sum to 0.9, not 1"),
    "probability_above_one": ("transitions[1].probability", "must be <= 1, got 1.5"),
    "split_branches_never_meet": ("steps.submit.split", "never meet again"),
    "split_without_join": ("steps.submit.split", "first meet at 'collect', not an and-join"),
    "unknown_agency": (
        "steps.tax_check.agency",
        "unknown agency 'taxx' (known: commerce, tax); did you mean 'tax'?",
    ),
    "unknown_calendar": ("pools.desk.calendar", "unknown calendar 'offce'"),
    "unknown_carrier": ("transitions[1].carrier", "unknown carrier 'bus'"),
    "unknown_distribution": ("steps.tax_check.duration.dist", "unknown distribution 'normal'"),
    "unknown_door": ("steps.submit.door", "unknown door 'frnt' (known: front)"),
    "unknown_field": ("steps.submit.fees", "unknown field"),
    "unknown_pool": ("steps.collect.pool", "unknown pool 'desks'"),
    "unknown_start": ("start", "unknown step 'sbmit'"),
    "unknown_step": ("transitions[1].to", "unknown step 'colect'"),
    "unknown_weekday": ("calendars.office.days[1]", "unknown weekday 'tues'"),
    "unordered_hours": ("calendars.office.hours[1]", "08:00-12:00 is listed after 13:00-16:00"),
    "unreachable_step": ("steps.archive", "unreachable from the start step 'submit'"),
    "unsafe_tag": ("line 3", "unsafe or unknown YAML tag"),
    "yes_is_not_a_boolean": ("steps.submit.citizen_present", "must be true or false, got 'yes'"),
    "zero_capacity": ("pools.desk.capacity", "must be > 0, got 0"),
}


def test_corpus_and_expectations_list_the_same_files():
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_names_its_field(name):
    path = BAD / f"{name}.yaml"
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# BAD: ")
    field, fragment = EXPECTED[name]
    with pytest.raises(JourneyError) as info:
        load(path)
    err = info.value
    assert err.source == str(path)
    messages = [p.message for p in err.problems if p.path == field]
    assert messages, f"no problem at {field!r}: {err}"
    assert any(fragment in m for m in messages), messages
    # one line per problem, each naming the file
    assert all(line.startswith(f"{path}: ") for line in str(err).splitlines())


def test_unsafe_tag_is_refused_and_nothing_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(JourneyError, match="python/object/apply:os.system"):
        load(BAD / "unsafe_tag.yaml")
    assert list(tmp_path.iterdir()) == []  # `touch unsafe_tag_ran` did not run


THREE_PROBLEMS = """\
id: three
name: Three problems
start: submit
agencies: {commerce: {}, tax: {}}
calendars:
  office: {hours: ["08:00-12:00", "11:00-16:00"]}
steps:
  submit: {agency: commerce, duration: {dist: fixed, value: 10}}
  tax_check: {agency: taxx, duration: {dist: fixed, value: 10}}
  done: {agency: commerce, duration: {dist: fixed, value: 1}}
transitions:
  - {from: submit, to: tax_check}
  - {from: tax_check, to: done, probability: 0.5}
  - {from: tax_check, to: submit, probability: 0.2}
"""


def test_three_problems_are_reported_at_once():
    with pytest.raises(JourneyError) as info:
        loads(THREE_PROBLEMS, source="three.yaml")
    assert [str(p) for p in info.value.problems] == [
        "calendars.office.hours[1]: 11:00-16:00 overlaps 08:00-12:00",
        "steps.tax_check.agency: unknown agency 'taxx' (known: commerce, tax); did you mean 'tax'?",
        "steps.tax_check: branch probabilities sum to 0.7, not 1 "
        "(transitions[1] to done: 0.5, transitions[2] to submit: 0.2)",
    ]
    assert str(info.value).splitlines()[0].startswith("three.yaml: calendars.office.hours[1]: ")


@pytest.mark.parametrize("name", catalog_names())
def test_every_catalogue_journey_is_valid(name):
    assert validate(load_catalog(name)) == []


# ----------------------------------------------------------- built in Python
def _journey(steps, transitions, **kw) -> Journey:
    """A journey with one agency `a`, one door `d`, one pool `p`, calendar `office`."""
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


def _paths(j: Journey) -> list[str]:
    return [p.path for p in validate(j)]


def test_valid_hand_built_journey_has_no_problems():
    j = _journey([_step("x", door="d", citizen_present=True), _step("y")], [Transition("x", "y")])
    assert validate(j) == []


def test_two_steps_with_one_id_are_reported():
    j = _journey([_step("x"), _step("y"), _step("x")], [Transition("x", "y")])
    assert validate(j)[0] == Problem("steps.x", "step id used 2 times; ids must be unique")


def test_duplicate_ids_in_other_sections():
    j = _journey([_step("x")], [], agencies=(Agency("a"), Agency("a")), pools=())
    assert _paths(j) == ["agencies.a"]


@pytest.mark.parametrize(
    ("dist", "path", "fragment"),
    [
        (Distribution("normal", {"mean": 3}), "steps.x.duration.dist", "unknown distribution"),
        (Distribution("lognormal", {"mean": 3}), "steps.x.duration.sd", "missing parameter"),
        (Distribution("exponential", {"mean": -5}), "steps.x.duration.mean", "must be > 0, got -5"),
        (Distribution("uniform", {"low": -1, "high": 3}), "steps.x.duration.low", ">= 0, got -1"),
        (Distribution("triangular", {"low": 5, "mode": 9, "high": 7}), "steps.x.duration", "low"),
        (Distribution("empirical", {"samples": ()}), "steps.x.duration.samples", "non-empty"),
        (Distribution("fixed", {"value": "ten"}), "steps.x.duration.value", "must be a number"),
    ],
)
def test_distribution_of_python_built_step(dist, path, fragment):
    j = _journey([Step("x", "a", dist)], [])
    problems = validate(j)
    assert [p.path for p in problems] == [path]
    assert fragment in problems[0].message


def test_shares_and_probabilities_are_at_most_one():
    j = _journey([_step("x"), _step("y")], [Transition("x", "y", probability=1.5)])
    j = j.replace(arrivals=Arrivals(appointment_share=2))
    assert [str(p) for p in validate(j)] == [
        "arrivals.appointment_share: must be <= 1, got 2",
        "transitions[0].probability: must be <= 1, got 1.5",
        "steps.x: branch probabilities sum to 1.5, not 1 (transitions[0] to y: 1.5)",
    ]


def test_numbers_of_python_built_journey():
    j = _journey(
        [_step("x", fee=-1.0), _step("y")],
        [Transition("x", "y", probability=-0.5, delay=Distribution("exponential", {"mean": 0}))],
        pools=(Pool("p", capacity=0, calendar="office", cost_per_hour=float("nan")),),
        doors=(Door("d", agency="a", travel_minutes=-3),),
    )
    assert [str(p) for p in validate(j)] == [
        "doors.d.travel_minutes: must be >= 0, got -3",
        "pools.p.capacity: must be > 0 desks, got 0",
        "pools.p.cost_per_hour: must be a finite number, got nan",
        "steps.x.fee: must be >= 0, got -1",
        "transitions[0].probability: must be >= 0, got -0.5",
        "transitions[0].delay.mean: must be > 0, got 0",
        "steps.x: branch probabilities sum to -0.5, not 1 (transitions[0] to y: -0.5)",
    ]


def test_calendar_rules_on_python_built_calendar():
    cal = Calendar(
        "office",
        hours=(("08:00", "12:00"), ("7:5", "09:00"), ("13:00", "12:30"), ("09:00", "10:00")),
        days=("mon", "mon", "funday"),
        holidays=("2026-13-01",),
    )
    assert [str(p) for p in validate(_journey([_step("x")], [], calendars=(cal,)))] == [
        "calendars.office.hours[1]: not a clock time HH:MM in '7:5-09:00'",
        "calendars.office.hours[2]: 13:00-12:30 must end after it starts",
        "calendars.office.hours[3]: 09:00-10:00 overlaps 08:00-12:00",
        "calendars.office.days[1]: mon is listed twice",
        "calendars.office.days[2]: unknown weekday 'funday' (one of: mon, tue, wed, thu, fri, "
        "sat, sun)",
        "calendars.office.holidays[0]: not a date YYYY-MM-DD, got '2026-13-01'",
    ]


def test_adjacent_opening_intervals_do_not_overlap():
    cal = Calendar("office", hours=(("08:00", "12:00"), ("12:00", "16:00")))
    assert validate(_journey([_step("x")], [], calendars=(cal,))) == []


def test_unknown_reference_without_a_close_id_gets_no_suggestion():
    j = _journey([Step("x", "zzz", Distribution.fixed(1))], [])
    assert [p.message for p in validate(j)] == ["unknown agency 'zzz' (known: a)"]


def test_long_lists_of_known_ids_are_cut():
    agencies = tuple(Agency(f"agency{i:02d}") for i in range(20))
    j = _journey([Step("x", "agency99x", Distribution.fixed(1))], [], agencies=agencies)
    (problem,) = [p for p in validate(j) if p.path == "steps.x.agency"]
    assert "agency11, ...)" in problem.message and "agency12" not in problem.message


def test_empty_journey():
    j = Journey("j", "J", "x", (), ())
    assert validate(j) == [Problem("steps", "a journey needs at least one step")]


def test_unknown_carrier_and_bad_batch_time():
    j = _journey(
        [_step("x"), _step("y")],
        [Transition("x", "y", carrier="courier", batch_times=("25:00",))],
    )
    assert [str(p) for p in validate(j)] == [
        "transitions[0].batch_times[0]: not a clock time HH:MM, got '25:00'"
    ]
    j = j.replace(transitions=(Transition("x", "y", carrier="pigeon"),))
    assert _paths(j) == ["transitions[0].carrier"]


def test_rework_loop_with_an_exit_is_valid():
    # x -> y -> z, with y sending 20% of the cases back to x
    j = _journey(
        [_step("x"), _step("y"), _step("z")],
        [Transition("x", "y"), Transition("y", "x", 0.2), Transition("y", "z", 0.8)],
    )
    assert validate(j) == []


def test_probability_tolerance_is_one_in_a_million():
    def with_probabilities(p: float, q: float) -> Journey:
        return _journey(
            [_step("x"), _step("y"), _step("z")],
            [Transition("x", "y", p), Transition("x", "z", q)],
        )

    assert validate(with_probabilities(0.3, 0.7 + 5e-7)) == []
    assert _paths(with_probabilities(0.3, 0.7 + 2e-6)) == ["steps.x"]


def test_nested_parallel_blocks_are_valid():
    # s1 splits into (s2 splits into a, b; joined at j2) and c; all joined at j1
    and_split, and_join = {"split": "and"}, {"join": "and"}
    steps = [
        _step("s1", **and_split),
        _step("s2", **and_split),
        _step("a"),
        _step("b"),
        _step("j2", **and_join),
        _step("c"),
        _step("j1", **and_join),
    ]
    pairs = [("s1", "s2"), ("s1", "c"), ("s2", "a"), ("s2", "b"), ("a", "j2"), ("b", "j2")]
    pairs += [("j2", "j1"), ("c", "j1")]
    j = _journey(steps, [Transition(u, v) for u, v in pairs])
    assert validate(j) == []
    # the inner join turned into a simple merge: the inner split is unmatched
    broken = j.replace(steps=tuple(replace(s, join="xor") if s.id == "j2" else s for s in steps))
    assert [str(p) for p in validate(broken)] == [
        "steps.s2.split: this and-split's branches first meet at 'j2', not an and-join; "
        "set `join: and` on it"
    ]


def test_and_split_with_one_branch():
    j = _journey([_step("x", split="and"), _step("y")], [Transition("x", "y")])
    assert _paths(j) == ["steps.x.split"]


def test_a_branch_with_an_early_exit_never_meets_the_other():
    # x splits into y and z; y may give up (end) instead of reaching the join w
    steps = [_step("x", split="and"), _step("y"), _step("z"), _step("w", join="and")]
    steps.append(_step("quit"))
    trs = [Transition("x", "y"), Transition("x", "z"), Transition("y", "w", 0.9)]
    trs += [Transition("y", "quit", 0.1), Transition("z", "w")]
    assert _paths(_journey(steps, trs)) == ["steps.x.split", "steps.w.join"]


def test_validate_does_not_change_its_input():
    j = _journey([_step("x"), _step("x")], [Transition("x", "q")])
    before = repr(j)
    validate(j)
    assert repr(j) == before


# ------------------------------------------- shape problems and rules together
BASE = (BAD / "unknown_agency.yaml").read_text(encoding="utf-8").replace("taxx", "tax")


def _problems(text: str) -> list[str]:
    with pytest.raises(JourneyError) as info:
        loads(text)
    return [str(p) for p in info.value.problems]


def test_base_of_the_corpus_is_valid():
    assert validate(loads(BASE)) == []


def test_rule_problems_are_reported_beside_shape_problems():
    text = BASE.replace("fee: 5000", "fee: -5000").replace("{agency: tax,", "{agency: taxx,")
    assert _problems(text) == [
        "steps.submit.fee: must be >= 0, got -5000",
        "steps.tax_check.agency: unknown agency 'taxx' (known: commerce, tax); did you mean 'tax'?",
    ]


def test_an_unreadable_entry_is_not_reported_again_as_unknown():
    text = BASE.replace("tax: {name: Tax office}", "tax: Tax office")
    assert _problems(text) == ["agencies.tax: must be a mapping, got 'Tax office'"]


def test_an_unreadable_transition_does_not_make_steps_unreachable():
    text = BASE.replace("- {from: tax_check, to: collect, carrier: digital}", "- tax_check")
    assert _problems(text) == [
        "transitions[1]: must be a mapping with from and to, got 'tax_check'"
    ]


def test_a_misread_split_does_not_mislead_the_graph_rules():
    text = BASE.replace("citizen_present: true}", "citizen_present: true, split: both}", 1)
    text = text.replace("to: tax_check, carrier", "to: tax_check, probability: 0.5, carrier")
    assert _problems(text) == ["steps.submit.split: must be 'xor' or 'and', got 'both'"]

"""Journey files: exact round trips, YAML scalars read as text, and unreadable input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.catalog import catalog_names, catalog_text, load_catalog
from journeys.errors import JourneyError
from journeys.io import dumps, journey_to_dict, load, loads, parse, save
from journeys.model import (
    CARRIERS,
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


@pytest.mark.parametrize("name", catalog_names())
def test_catalogue_journey_round_trips(name, tmp_path):
    j = load_catalog(name)
    assert loads(dumps(j)) == j
    f = tmp_path / f"{name}.yaml"
    text = save(j, f)
    assert f.read_text(encoding="utf-8") == text
    assert load(f) == j
    assert dumps(load(f)) == text  # the canonical text is a fixed point


@pytest.mark.parametrize("name", catalog_names())
def test_catalogue_file_and_its_canonical_form_hold_the_same_data(name):
    import yaml

    raw = yaml.safe_load(catalog_text(name))
    canonical = journey_to_dict(load_catalog(name))
    assert set(canonical["steps"]) == set(raw["steps"])
    assert len(canonical["transitions"]) == len(raw["transitions"])


def everything() -> Journey:
    """A journey using every feature of the model and of the file format."""
    agencies = (Agency("commerce", "Industry and Commerce"), Agency("tax", "Tax"), Agency("env"))
    doors = (
        Door("odsc", "One-door centre", "commerce", travel_minutes=35.5, travel_cost=20000),
        Door("tax_office", agency="tax"),
    )
    calendars = (
        Calendar("office", holidays=("2026-12-02", "2027-01-01")),
        Calendar("weekend", (("09:00", "12:00"),), ("sat", "sun")),
    )
    pools = (
        Pool("front", capacity=3, calendar="office", cost_per_hour=25000.5, name="Front desk"),
        Pool("back", capacity=1, calendar="weekend", agency="tax"),
    )
    arrivals = Arrivals(
        per_day=12.5,
        hourly={8: 3.0, 9: 4.5, 13: 2.0},
        weekday={"mon": 1.3, "fri": 0.7},
        appointment_share=0.25,
    )
    d = Distribution
    steps = (
        Step("submit", "commerce", d.fixed(10), name="Submit", door="odsc", pool="front",
             fee=50000, documents=("form", "ID card"), citizen_present=True, split="and",
             stage="Apply"),
        Step("tax", "tax", d("lognormal", {"mean": 30.0, "sd": 12.5}), pool="back"),
        Step("env", "env", d("gamma", {"mean": 45.0, "sd": 20.0})),
        Step("join", "commerce", d("triangular", {"low": 5.0, "mode": 10.0, "high": 30.0}),
             join="and"),
        Step("check", "commerce", d("uniform", {"low": 2.0, "high": 4.0})),
        Step("collect", "commerce", d("empirical", {"samples": (3.0, 4.5, 12.0)}),
             door="odsc", pool="front", fee=0.5, citizen_present=True),
        Step("sign", "commerce", d("exponential", {"mean": 7.25})),
    )  # fmt: skip
    transitions = (
        Transition("submit", "tax", carrier="courier", batch_times=("10:00", "15:00"),
                   delay=d("uniform", {"low": 60.0, "high": 120.0})),
        Transition("submit", "env", carrier="digital", delay=d.fixed(1)),
        Transition("tax", "join"),
        Transition("env", "join", carrier="citizen", delay=d("exponential", {"mean": 1440.0})),
        Transition("join", "check"),
        # rework of the whole parallel block; a loop back into its join would make
        # the join wait for a third arrival that never comes
        Transition("check", "submit", probability=0.125, carrier="citizen"),
        Transition("check", "sign", probability=0.875),
        Transition("sign", "collect", carrier="citizen"),
    )  # fmt: skip
    return Journey(
        "everything",
        "Every feature: 13:00 sharp",
        "submit",
        steps,
        transitions,
        agencies,
        doors,
        pools,
        calendars,
        arrivals,
        description="Line one.\nLine two: with a colon, and 'quotes'.\n",
        currency="USD",
        time_value_per_hour=2.5,
    )


def test_the_feature_journey_is_valid():
    assert validate(everything()) == []


def test_the_feature_journey_round_trips(tmp_path):
    j = everything()
    assert loads(dumps(j)) == j
    save(j, tmp_path / "j.yaml")
    assert load(tmp_path / "j.yaml") == j


def test_the_feature_journey_file_reads_as_written():
    data = journey_to_dict(everything())
    assert data["calendars"]["office"] == {
        "hours": ["08:00-12:00", "13:00-16:00"],
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "holidays": ["2026-12-02", "2027-01-01"],
    }
    assert data["transitions"][0] == {
        "from": "submit",
        "to": "tax",
        "carrier": "courier",
        "delay": {"dist": "uniform", "low": 60, "high": 120},
        "batch_times": ["10:00", "15:00"],
    }
    assert data["steps"]["collect"]["duration"] == {"dist": "empirical", "samples": [3, 4.5, 12]}
    assert data["arrivals"] == {
        "per_day": 12.5,
        "hourly": {8: 3, 9: 4.5, 13: 2},
        "weekday": {"mon": 1.3, "fri": 0.7},
        "appointment_share": 0.25,
    }


SCALARS = """\
id: 2026-12-02
name: 13:00
start: s
calendars:
  office: {hours: [08:00-12:00, 13:00-16:00], holidays: [2026-12-02, 2027-01-01]}
agencies: {a: {name: yes}, b: {name: 0x1F}, c: {name: '1e5'}}
steps:
  s: {agency: a, duration: {dist: fixed, value: 08}, documents: [no, on, '1.5', 010]}
transitions: []
"""


def test_clock_times_dates_and_yaml11_words_are_read_as_text():
    # a YAML 1.1 loader would read 13:00 as 780, the dates as dates, yes/no/on as
    # booleans and 010 as the octal 8
    j = loads(SCALARS.replace("value: 08", "value: 8"))
    assert j.id == "2026-12-02"
    assert j.name == "13:00"
    assert j.calendar("office").hours == (("08:00", "12:00"), ("13:00", "16:00"))
    assert j.calendar("office").holidays == ("2026-12-02", "2027-01-01")
    assert [a.name for a in j.agencies] == ["yes", "0x1F", "1e5"]
    assert j.step("s").documents == ("no", "on", "1.5", "010")
    assert j.step("s").duration.params == {"value": 8.0}
    assert loads(dumps(j)) == j


def test_a_number_with_a_leading_zero_is_text_not_a_number():
    with pytest.raises(
        JourneyError, match=r"steps\.s\.duration\.value: must be a number, got '08'"
    ):
        loads(SCALARS)


def test_text_written_as_a_decimal_number_must_be_quoted():
    text = SCALARS.replace("'1.5'", "1.5").replace("'1e5'", "1e5").replace("08}", "8}")
    assert [str(p) for p in _error(lambda: loads(text)).problems] == [
        "agencies.c.name: must be text, got 100000.0 (quote it)",
        "steps.s.documents[2]: must be text, got 1.5 (quote it)",
    ]


def test_unquoted_batch_time_is_text():
    text = dumps(everything()).replace("- '10:00'", "- 10:00")
    assert "- 10:00" in text
    assert loads(text).transitions[0].batch_times == ("10:00", "15:00")


def test_only_yaml12_booleans_are_booleans():
    j = everything()
    text = dumps(j).replace("citizen_present: true", "citizen_present: True")
    assert loads(text) == j


def test_load_names_the_file_for_unreadable_input(tmp_path):
    assert (
        str(_error(lambda: load(tmp_path / "none.yaml")))
        == f"{tmp_path / 'none.yaml'}: no such file"
    )
    assert "is a directory" in str(_error(lambda: load(tmp_path)))
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert str(_error(lambda: load(latin))) == f"{latin}: not valid UTF-8 text (byte 9)"


def _error(call) -> JourneyError:
    with pytest.raises(JourneyError) as info:
        call()
    return info.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: !!int abc", "a value does not fit its YAML tag (invalid literal for int()"),
        ("id: !!timestamp x", "a value does not fit its YAML tag"),
        ("id: !!binary 'zz'", "line 1: a value cannot be read: failed to decode base64"),
        ("a: &x [*x]", "line 1: a value cannot be read: found unconstructable recursive node"),
        ("? [a, b]\n: 1", "line 1: a key must be text"),
        ("id: !!python/name:os.system", "line 1: unsafe or unknown YAML tag"),
        ("a: 1\n---\nb: 2", "line 2: not valid YAML: expected a single document"),
    ],
)
def test_odd_yaml_is_one_clear_problem(text, expected):
    err = _error(lambda: loads(text, source="odd.yaml"))
    assert len(err.problems) == 1
    assert str(err).startswith(f"odd.yaml: {expected}")


def test_every_duplicate_key_is_named_by_its_path():
    text = dumps(everything())
    text = text.replace("  submit:\n", "  submit:\n    fee: 1\n", 1)  # fee twice in submit
    text = text.replace("  env:\n", "  check:\n", 1)  # a second step `check`
    err = _error(lambda: loads(text, source="dup.yaml"))
    assert [p.path for p in err.problems] == ["steps.submit.fee", "steps.check"]
    assert err.problems[0].message.startswith("duplicate key 'fee' (lines ")


def test_a_merge_key_may_be_overridden():
    text = dumps(everything()).replace(
        "  submit:\n", "  submit:\n    <<: {fee: 1, stage: Old}\n", 1
    )
    assert loads(text) == everything()


def test_non_finite_numbers_are_refused():
    text = dumps(everything()).replace("fee: 50000", "fee: .inf")
    err = _error(lambda: loads(text))
    assert [str(p) for p in err.problems] == ["steps.submit.fee: must be a finite number, got inf"]


def test_parse_accepts_plain_data_and_refuses_none():
    assert parse(journey_to_dict(everything())) == everything()
    assert str(_error(lambda: parse(None, source="e.yaml"))).startswith("e.yaml: the file is empty")


# ------------------------------------------------------------ property test
_IDS = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_NUM = st.floats(0.5, 1e5, allow_nan=False, allow_infinity=False)
_DIST = st.one_of(
    st.builds(Distribution.fixed, _NUM),
    st.builds(lambda m: Distribution("exponential", {"mean": m}), _NUM),
    st.builds(lambda m, s: Distribution("lognormal", {"mean": m, "sd": s}), _NUM, _NUM),
    st.builds(lambda m, s: Distribution("gamma", {"mean": m, "sd": s}), _NUM, _NUM),
    st.builds(
        lambda xs: Distribution("triangular", dict(zip(("low", "mode", "high"), sorted(xs)))),
        st.lists(_NUM, min_size=3, max_size=3),
    ),
    st.builds(
        lambda xs: Distribution("uniform", dict(zip(("low", "high"), sorted(xs)))),
        st.lists(_NUM, min_size=2, max_size=2),
    ),
    st.builds(
        lambda xs: Distribution("empirical", {"samples": tuple(xs)}),
        st.lists(_NUM, min_size=1, max_size=4),
    ),
)


@st.composite
def journeys(draw) -> Journey:
    """Small random DAGs: a chain 0 -> 1 -> ... -> n-1 plus random forward
    edges and rework loops, with branch probabilities that sum to 1."""
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(_IDS, min_size=n, max_size=n, unique=True))
    names = draw(st.lists(st.text(max_size=12), min_size=n, max_size=n))
    steps = []
    for i, ident in enumerate(ids):
        present = draw(st.booleans())
        steps.append(
            Step(
                ident,
                draw(st.sampled_from(["a", "b"])),
                draw(_DIST),
                name=names[i],
                door="d" if present else None,
                pool=draw(st.sampled_from([None, "p"])),
                fee=draw(st.sampled_from([0.0, 1500.0, 0.25])),
                documents=tuple(draw(st.lists(st.text(min_size=1, max_size=6), max_size=2))),
                citizen_present=present,
            )
        )
    transitions = []
    for i in range(n - 1):
        targets = [i + 1]
        targets += draw(st.lists(st.integers(i + 2, n - 1), unique=True)) if i + 2 < n else []
        targets += draw(st.lists(st.integers(0, i), unique=True, max_size=1))  # rework
        weights = draw(st.lists(st.integers(1, 9), min_size=len(targets), max_size=len(targets)))
        for k, w in zip(targets, weights):
            courier = draw(st.sampled_from((None, *CARRIERS)))
            transitions.append(
                Transition(
                    ids[i],
                    ids[k],
                    probability=w / sum(weights),
                    carrier=courier,
                    delay=draw(st.one_of(st.none(), _DIST)),
                    batch_times=("10:00", "15:30") if courier == "courier" else (),
                )
            )
    return Journey(
        draw(_IDS),
        draw(st.text(max_size=20)),
        ids[0],
        tuple(steps),
        tuple(transitions),
        agencies=(Agency("a", draw(st.text(max_size=10))), Agency("b")),
        doors=(Door("d", agency="a", travel_minutes=draw(_NUM)),),
        pools=(Pool("p", capacity=draw(st.integers(1, 9)), calendar="office"),),
        calendars=(Calendar("office"),),
        arrivals=Arrivals(per_day=draw(_NUM), hourly={8: draw(_NUM)}),
        description=draw(st.text(max_size=30)),
    )


@settings(max_examples=60, deadline=None)
@given(journeys())
def test_generated_valid_journeys_round_trip_exactly(j):
    assert validate(j) == []
    text = dumps(j)
    assert loads(text) == j
    assert dumps(loads(text)) == text


def test_property_generator_covers_loops_and_branches():
    # the strategy is not vacuous: some generated journey has a rework loop
    found = []

    @settings(max_examples=60, deadline=None, database=None)
    @given(journeys())
    def collect(j):
        order = {s: i for i, s in enumerate(j.step_ids)}
        found.append(any(order[t.target] <= order[t.source] for t in j.transitions))

    collect()
    assert any(found)

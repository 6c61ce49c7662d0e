"""Walking the journey (journeys.walk): likely, given and sampled paths, and their text."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from journeys.catalog import load_catalog
from journeys.errors import InputError
from journeys.model import Agency, Distribution, Door, Journey, Step, Transition
from journeys.walk import COLUMNS, format_walk, walk, walk_summary

MIN = Distribution.fixed
NA = pd.NA


def make(steps, transitions, *, doors=(), name="Test journey") -> Journey:
    agencies = tuple(
        Agency(a, f"Agency {a.upper()}") for a in dict.fromkeys(s.agency for s in steps)
    )
    return Journey(
        "t",
        name,
        start=steps[0].id,
        steps=tuple(steps),
        transitions=tuple(transitions),
        agencies=agencies,
        doors=tuple(doors),
    )


def loop_journey(p_back: float = 0.6) -> Journey:
    """a (office) -> b (back office); b -> a with p_back (citizen), b -> c otherwise."""
    return make(
        [
            Step("a", "x", MIN(10), name="Apply", door="d", citizen_present=True, fee=1500),
            Step("b", "x", MIN(20), name="Check"),
            Step("c", "y", MIN(5), name="Issue", door="d", citizen_present=True),
        ],
        [
            Transition("a", "b", carrier="courier", batch_times=("15:00",), delay=MIN(600)),
            Transition("b", "a", probability=p_back, carrier="citizen", delay=MIN(2880)),
            Transition("b", "c", probability=1 - p_back, carrier="citizen", delay=MIN(1440)),
        ],
        doors=[Door("d", "Town hall")],
    )


def parallel_journey() -> Journey:
    """s (office) -and-> b1 (courier), b2 -> b3 (digital) -> j (and-join) -> e (office)."""
    return make(
        [
            Step("s", "x", MIN(10), name="Submit", door="d", citizen_present=True),
            Step("split", "x", MIN(1), name="Dispatch", split="and"),
            Step("b1", "p", MIN(30), name="Police check"),
            Step("b2", "q", MIN(5), name="Tax lookup"),
            Step("b3", "q", MIN(5), name="Tax record"),
            Step("j", "x", MIN(10), name="Approve", join="and"),
            Step("e", "x", MIN(5), name="Collect", door="d", citizen_present=True, fee=100000),
        ],
        [
            Transition("s", "split", carrier="courier"),
            Transition("split", "b1", carrier="courier", delay=MIN(600)),
            Transition("split", "b2", carrier="digital", delay=MIN(5)),
            Transition("b2", "b3"),
            Transition("b1", "j", carrier="courier", delay=MIN(1440)),
            Transition("b3", "j", carrier="digital"),
            Transition("j", "e", carrier="courier"),
        ],
        doors=[Door("d", "ODSC front desk")],
    )


def test_most_likely_path_of_the_business_licence():
    df = walk(load_catalog("business-licence"))
    assert list(df.columns) == list(COLUMNS)
    assert df["step"].tolist() == [
        "village_cert",
        "submit",
        "doic_review",
        "police_clearance",
        "site_inspection",
        "tax_registration",
        "doic_approval",
        "collect_licence",
    ]
    assert df["visit"].tolist() == [1, 2, NA, 3, NA, 4, NA, 5]
    assert df["door"].tolist()[:4] == [
        "Village office",
        "DOIC front office",
        "",
        "District police station",
    ]
    assert df.loc[1, "citizen"] == (
        "At DOIC front office: Submit application (brings: application form, residence"
        " certificate, ID card, lease contract); pays 50,000 LAK"
    )
    assert df.loc[2, "citizen"] == (
        "Waits: Review dossier by District Office of Industry and Commerce"
    )
    assert df.loc[2, "carrier"] == "carries papers to District police station (~2-4 days)"
    assert df.loc[1, "carrier"] == "courier, next batch 15:00 (~1-3 days)"
    assert df.loc[7, "carrier"] == ""
    assert df["fee"].sum() == 400000.0
    assert df.attrs["how"] == "likely" and df.attrs["truncated"] is False


def test_likely_path_does_not_retake_a_rework_loop_even_when_it_is_likelier():
    df = walk(loop_journey(p_back=0.6))
    assert df["step"].tolist() == ["a", "b", "c"]
    assert df.loc[1, "carrier"] == "carries papers to Town hall (~1 day)"


def test_likely_path_leaves_a_loop_it_cannot_avoid_by_the_nearest_exit():
    # a -> b (0.9) or c (0.1); b only goes back to a: the walk must come back once
    j = make(
        [Step("a", "x", MIN(1)), Step("b", "x", MIN(1)), Step("c", "x", MIN(1))],
        [
            Transition("a", "b", probability=0.9),
            Transition("a", "c", probability=0.1),
            Transition("b", "a"),
        ],
    )
    assert walk(j)["step"].tolist() == ["a", "b", "a", "c"]


def test_visits_stay_at_the_same_desk_and_restart_after_a_carrier():
    steps = [
        Step("a", "x", MIN(10), door="d1", citizen_present=True),
        Step("b", "x", MIN(5), door="d1", citizen_present=True),
        Step("c", "x", MIN(5)),
        Step("d", "x", MIN(5), door="d1", citizen_present=True),
        Step("e", "y", MIN(5), door="d2", citizen_present=True),
    ]
    trans = [
        Transition("a", "b"),  # next desk: same visit
        Transition("b", "c", carrier="courier"),
        Transition("c", "d", carrier="citizen"),  # comes back: new visit
        Transition("d", "e"),  # another office: new visit
    ]
    df = walk(make(steps, trans, doors=[Door("d1", "One"), Door("d2", "Two")]))
    assert df["visit"].tolist() == [1, 1, NA, 2, 3]
    assert df.loc[0, "carrier"] == "next desk, same office"
    assert df.loc[2, "carrier"] == "carries papers to One"
    assert walk_summary(df)["visits"] == 3
    assert walk_summary(df)["doors"] == 2


def test_parallel_branches_are_listed_one_after_another():
    df = walk(parallel_journey())
    assert df["step"].tolist() == ["s", "split", "b1", "b2", "b3", "j", "e"]
    assert df["visit"].tolist() == [1, NA, NA, NA, NA, NA, 2]
    assert df.loc[1, "carrier"] == (
        "in parallel: courier (~10 h) -> Police check; data exchange (~5 min) -> Tax lookup"
    )
    # the end of the first branch hands over to the join, not to the next row
    assert df.loc[2, "carrier"] == "courier (~1 day) -> Approve"
    assert df.loc[4, "carrier"] == "data exchange"
    assert df.loc[1, "handoff"] == "courier,digital"
    assert df.loc[1, "delay_minutes"] == 600.0


def test_given_path_is_followed_and_checked():
    j = loop_journey()
    df = walk(j, path=["a", "b", "a", "b", "c"])
    assert df["step"].tolist() == ["a", "b", "a", "b", "c"]
    assert df["visit"].tolist() == [1, NA, 2, NA, 3]
    assert df.attrs["how"] == "path"
    assert df.loc[1, "carrier"] == "carries papers to Town hall (~2 days)"
    assert df.loc[3, "carrier"] == "carries papers to Town hall (~1 day)"


def test_given_path_with_parallel_branches():
    df = walk(parallel_journey(), path=["s", "split", "b1", "b2", "b3", "j", "e"])
    assert df["carrier"].tolist()[2] == "courier (~1 day) -> Approve"
    assert df["visit"].tolist() == [1, NA, NA, NA, NA, NA, 2]


def test_given_path_names_the_unlinked_pair():
    with pytest.raises(InputError) as e:
        walk(loop_journey(), path=["a", "c"])
    assert str(e.value) == "t: path: no transition from 'a' (step 1) to 'c' (step 2)"


def test_given_path_names_an_unknown_step():
    with pytest.raises(InputError) as e:
        walk(loop_journey(), path=["a", "zz"])
    assert str(e.value) == "t: path[1]: no step 'zz' in this journey"


def test_empty_path_and_bad_options_are_input_errors():
    with pytest.raises(InputError, match="path: is empty"):
        walk(loop_journey(), path=[])
    with pytest.raises(InputError, match="how: must be 'likely' or 'sample', got 'best'"):
        walk(loop_journey(), how="best")
    with pytest.raises(InputError, match="max_steps"):
        walk(loop_journey(), max_steps=0)


def test_sampled_path_is_reproducible_and_varies_with_the_seed():
    j = loop_journey(p_back=0.5)
    paths = {tuple(walk(j, how="sample", seed=s)["step"]) for s in range(20)}
    assert len(paths) > 1  # some citizens are sent back, some are not
    assert all(p[-1] == "c" and p[:2] == ("a", "b") for p in paths)
    a = walk(j, how="sample", seed=11)
    assert a.equals(walk(j, how="sample", seed=11))
    assert a.attrs["seed"] == 11 and a.attrs["how"] == "sample"


def test_sampled_path_stops_at_max_steps():
    df = walk(loop_journey(p_back=0.99), how="sample", seed=1, max_steps=5)
    assert len(df) == 5
    assert df.attrs["truncated"] is True
    assert "(the walk stops here, after 5 steps)" in format_walk(df)


def test_json_records_have_the_columns_and_null_visits():
    rows = json.loads(walk(loop_journey()).to_json(orient="records"))
    assert [r["step"] for r in rows] == ["a", "b", "c"]
    assert [r["visit"] for r in rows] == [1, None, 2]
    assert set(rows[0]) == set(COLUMNS)
    assert rows[0]["fee"] == 1500.0 and rows[0]["minutes"] == 10.0


def test_walk_summary_totals():
    s = walk_summary(walk(parallel_journey()))
    assert s == {
        "steps": 7,
        "visits": 2,
        "doors": 1,
        "agencies": 3,
        "citizen_handoffs": 0,
        "fees": 100000.0,
        "touch_minutes": 66.0,
        "citizen_minutes": 15.0,
    }


def test_format_walk_of_the_business_licence_fits_a_terminal():
    j = load_catalog("business-licence")
    text = format_walk(walk(j), journey=j)
    lines = text.splitlines()
    assert lines[0] == j.name
    assert max(len(line) for line in lines) <= 100
    for office in ("Village office", "DOIC front office", "District police station"):
        assert office in text
    assert lines[-8:-2] == [
        "Totals on this path:",
        "  Visits:         5 visits to 4 offices",
        "  Agencies:       5",
        "  Fees:           400,000 LAK",
        "  Touch time:     5 h 5 min of work, 1 h 40 min of it with the citizen",
        "  Papers carried: by the citizen 5 times",
    ]
    flat = " ".join(text.split())  # the last sentence is wrapped
    assert "Expected over all cases, rework included: 5.25 visits, fees 412,500 LAK" in flat


def test_format_walk_at_80_columns_and_without_the_journey():
    df = walk(parallel_journey())
    text = format_walk(df, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert text.splitlines()[0] == "Test journey"  # from the table's attrs
    assert "  Papers carried: none" in text.splitlines()
    assert "100,000" in text


def test_journey_walk_method_passes_options():
    df = loop_journey().walk(path=["a", "b", "c"])
    assert df["step"].tolist() == ["a", "b", "c"]


def test_given_path_cannot_skip_to_a_join():
    with pytest.raises(InputError) as e:
        walk(parallel_journey(), path=["s", "split", "j"])
    assert str(e.value) == "t: path: no transition from 'split' (step 2) to 'j' (step 3)"


def test_nested_parallel_splits_list_every_branch():
    # a splits into b and c; b splits again into b1 and b2; all meet at j
    j = make(
        [
            Step("a", "r", MIN(1), split="and"),
            Step("b", "r", MIN(1), split="and"),
            Step("b1", "p", MIN(1)),
            Step("b2", "r", MIN(1)),
            Step("c", "r", MIN(1)),
            Step("j", "r", MIN(1), join="and"),
            Step("e", "r", MIN(1)),
        ],
        [
            Transition("a", "b"),
            Transition("a", "c"),
            Transition("b", "b1"),
            Transition("b", "b2"),
            Transition("b1", "j"),
            Transition("b2", "j"),
            Transition("c", "j"),
            Transition("j", "e"),
        ],
    )
    df = walk(j)
    assert df["step"].tolist() == ["a", "b", "b1", "b2", "c", "j", "e"]
    assert df.loc[1, "carrier"] == (
        "in parallel: passed on to Agency P -> b1; passed on within the agency -> b2"
    )


def test_walk_shows_the_readable_walk_in_a_notebook():
    from journeys.display import walk_html
    from journeys.walk_table import Walk

    df = walk(load_catalog("business-licence"))
    assert isinstance(df, Walk) and isinstance(df, pd.DataFrame)
    page = df._repr_html_()
    assert page == walk_html(df)
    assert "<NA>" not in page and "&lt;NA&gt;" not in page and "2880.0" not in page
    assert "…" not in page and "..." not in page  # nothing cut
    plain = df.frame
    assert type(plain) is pd.DataFrame and plain.equals(pd.DataFrame(df))
    assert plain.attrs["journey"] == "business-licence"
    # a selection is a plain DataFrame, shown the pandas way
    assert type(df[["step", "visit"]]) is pd.DataFrame
    assert "<table" in df[["step", "visit"]]._repr_html_()
    assert 'class="odsc-walk"' not in df[["step", "visit"]]._repr_html_()

"""Variants, rework and the process map (item 5) on hand-built logs."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.processmap import process_map, process_map_svg
from analysis.variants import case_variants, rework, variants


def _log(cases: dict[str, list[str]], channel: dict[str, str] | None = None) -> pd.DataFrame:
    """One event per activity, an hour apart, every case starting 2024-01-01 08:00."""
    rows = []
    for case, acts in cases.items():
        for i, a in enumerate(acts):
            rows.append(
                (case, a, pd.Timestamp("2024-01-01 08:00", tz="UTC") + pd.Timedelta(hours=i))
            )
    df = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    df["org:group"] = "x"
    if channel:
        df["case:channel"] = df["case:concept:name"].map(channel)
    return df


CASES = {
    "c1": ["a", "b", "c"],
    "c2": ["a", "b", "c"],
    "c3": ["a", "b", "c"],
    "c4": ["a", "b", "b", "c"],
    "c5": ["a", "c"],
    "c6": ["a", "b", "a", "b", "a", "b", "c"],
}


def test_case_variants():
    v = case_variants(_log(CASES))
    assert v["c4"] == "a -> b -> b -> c"
    assert v["c5"] == "a -> c"


def test_variants_coverage():
    v = variants(_log(CASES))
    assert v["variant"].tolist() == [
        "a -> b -> c",
        "a -> b -> b -> c",
        "a -> c",
        "a -> b -> a -> b -> a -> b -> c",
    ]
    assert v["cases"].tolist() == [3, 1, 1, 1]
    assert v["share"].tolist() == pytest.approx([0.5, 1 / 6, 1 / 6, 1 / 6])
    assert v["cumulative_share"].tolist() == pytest.approx([0.5, 4 / 6, 5 / 6, 1.0])
    assert v["rank"].tolist() == [1, 2, 3, 4]
    assert v["events"].tolist() == [3, 4, 2, 7]
    assert v["lead_median"].tolist() == [120.0, 180.0, 60.0, 360.0]


def test_variants_top():
    v = variants(_log(CASES), top=2)
    assert len(v) == 2 and v["cumulative_share"].iloc[-1] == pytest.approx(4 / 6)


def test_variants_by_group():
    channel = {"c1": "desk", "c2": "desk", "c3": "web", "c4": "web", "c5": "web", "c6": "web"}
    v = variants(_log(CASES, channel), by="case:channel")
    desk = v[v["case:channel"] == "desk"]
    web = v[v["case:channel"] == "web"]
    assert desk["variant"].tolist() == ["a -> b -> c"] and desk["share"].tolist() == [1.0]
    assert web["cases"].sum() == 4 and web["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert web["rank"].tolist() == [1, 2, 3, 4]


def test_rework_exact():
    r = rework(_log(CASES)).set_index("activity")
    assert r.index[0] == "b"  # most rework cases
    b = r.loc["b"]
    # b: done by c1-c4 and c6 (5 cases); once in c1-c3, twice in c4, three times in c6
    assert (b["events"], b["cases"], b["rework_cases"]) == (8, 5, 2)
    assert b["extra_executions"] == 1 + 2
    assert b["max_repeats"] == 3
    assert b["rework_share"] == pytest.approx(2 / 6)
    assert b["rework_share_of_activity"] == pytest.approx(2 / 5)
    a = r.loc["a"]
    assert (a["rework_cases"], a["extra_executions"]) == (1, 2)
    assert r.loc["c", "rework_cases"] == 0


def test_rework_by_group():
    channel = {"c1": "desk", "c2": "desk", "c3": "web", "c4": "web", "c5": "web", "c6": "web"}
    r = rework(_log(CASES, channel), by="case:channel")
    web = r[r["case:channel"] == "web"].set_index("activity")
    assert web.loc["b", "rework_share"] == pytest.approx(2 / 4)
    desk = r[r["case:channel"] == "desk"]
    assert desk["rework_cases"].sum() == 0


# ----- process map ----------------------------------------------------------------------


def test_process_map_structure():
    g = process_map(_log(CASES))
    src = g.source
    # five distinct arcs (a->b, b->c, b->b, a->c, b->a), one start arc, one end arc
    assert src.count("->") == 5 + 1 + 1
    assert "start" in src and "end" in src
    # a -> b: once in c1-c4 and three times in c6 = 7 transitions, median 1 h
    assert " 7\\n 1.0 h" in src


def test_process_map_prunes_to_max_arcs():
    full = process_map(_log(CASES)).source
    small = process_map(_log(CASES), max_arcs=2).source
    assert "Showing 2 of" in small
    assert small.count("->") < full.count("->")


def test_process_map_escapes_log_text():
    log = _log({"c1": ['<script>alert("x")</script>', "b\\c"]})
    src = process_map(log).source
    assert '\\"x\\"' in src and "b\\\\c" in src
    if shutil.which("dot"):
        svg = process_map_svg(log)
        assert svg is not None
        assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_process_map_svg_is_none_without_dot(monkeypatch):
    # Not a mock of a component: it hides the external `dot` program, as on a machine
    # without Graphviz, and checks the documented fallback.
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert process_map_svg(_log(CASES)) is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_process_map_svg_renders():
    svg = process_map_svg(_log(CASES), title="Test map")
    assert svg is not None and "<svg" in svg and "Test map" in svg


def test_process_map_keeps_pruned_activities_connected():
    # The busiest arc alone is a -> b; b neither ends cases nor keeps an outgoing arc,
    # so its busiest outgoing arc (b -> c, 5 times) comes back with it.
    src = process_map(_log(CASES), max_arcs=1).source
    assert "Showing 2 of 5 arcs" in src
    assert src.count("->") == 2 + 1 + 1  # two arcs, start -> a, c -> end

"""The "Why cases wait" section of the mining report: causes, advice, notes, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from markupsafe import escape  # noqa: E402

from analysis.logs import read_log  # noqa: E402
from analysis.mining import mine  # noqa: E402
from odsc.mine_causes import ADVICE, TITLES  # noqa: E402
from odsc.report_mine import mine_report  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "odsc_example_log.csv"


def _json(text: str) -> dict:
    return json.loads(text[: text.rindex("}") + 1])


def _queue(activity: str = "check", *, days: int = 15) -> pd.DataFrame:
    """A desk that is the bottleneck: each weekday two files are ready at 09:00 and
    the clerk serves them one after the other, 09:00-10:00 and 10:00-11:00."""
    rows = []
    for d in pd.bdate_range("2024-03-04", periods=days):
        for k in range(2):
            case = f"{d:%m%d}-{k}"
            t = lambda hh, mm=0, d=d: d.tz_localize("UTC") + pd.Timedelta(hours=hh, minutes=mm)  # noqa: E731
            rows.append((case, "apply", t(8, 30), t(9), "front"))
            rows.append((case, activity, t(9 + k), t(10 + k), "clerk"))
    return pd.DataFrame(
        rows,
        columns=[
            "case:concept:name",
            "concept:name",
            "start_timestamp",
            "time:timestamp",
            "org:resource",
        ],
    ).assign(**{"org:group": ["Front office", "Back office"] * (2 * days)})


def test_a_desk_bottleneck_is_called_contention_with_desk_advice():
    page = mine_report(_queue(), key="k")
    section = page[page.index('<h2 id="causes">') : page.index('<h2 id="handoffs">')]
    assert "<b>Desk busy (contention).</b>" in section
    assert ADVICE["contention"] in section
    assert "check (100% of 15.0 h, 15 waits)" in section  # 15 files waited an hour each
    assert "Causes per step" in section and "Causes per handoff between agencies" in section
    assert "Why cases wait before each step" in section  # the stacked bar, inline SVG
    assert "<script" not in section.lower()
    d = _json(mine_report(_queue(), key="k", fmt="json"))["waiting_causes"]
    row = d["by_activity"][0]
    assert (row["activity"], row["waits"], row["waiting"], row["contention"]) == (
        "check",
        15,
        900.0,
        900.0,
    )
    assert row["main"] == "contention" and d["split_share"] == 1.0 and d["note"] is None
    assert d["by_handoff"][0]["source"] == "Front office"


def test_a_file_ready_after_closing_is_called_unavailability():
    # the same desk, but the second file is ready at 15:30 and started at 08:00 next day
    rows = []
    for i, d in enumerate(pd.bdate_range("2024-03-04", periods=16)):
        t = lambda hh, mm=0, day=d: day.tz_localize("UTC") + pd.Timedelta(hours=hh, minutes=mm)  # noqa: E731
        nxt = d + pd.offsets.BDay(1)
        rows += [
            (f"a{i}", "apply", t(9), t(9, 30), "front"),
            (f"a{i}", "check", t(9, 30), t(10), "clerk"),
        ]
        rows += [
            (f"b{i}", "apply", t(15), t(15, 30), "front"),
            (f"b{i}", "check", t(8, 0, nxt), t(8, 30, nxt), "clerk"),
        ]
    log = pd.DataFrame(
        rows,
        columns=[
            "case:concept:name",
            "concept:name",
            "start_timestamp",
            "time:timestamp",
            "org:resource",
        ],
    ).assign(**{"org:group": "x"})
    # the clerk is seen 08:00-10:00 only: off duty from 10:00 to 08:00
    page = mine_report(log, key="k", fmt="md")
    assert "**Desk off duty (unavailability).**" in page
    assert ADVICE["unavailability"] in page


def test_the_example_interval_log_says_why_each_top_wait_happens():
    log = read_log(EXAMPLE, tz="Asia/Vientiane")
    wc = mine(log, tz="Asia/Vientiane").waiting_causes
    top = wc.table("activity").head(5)
    page = mine_report(EXAMPLE, tz="Asia/Vientiane", key="k", journey=None)
    section = page[page.index('<h2 id="causes">') : page.index('<h2 id="handoffs">')]
    headlines = section[section.index('<ol class="headlines">') : section.index("</ol>")]
    items = headlines.split("<li>")[1:]
    for name, main in zip(top["activity"], top["main"]):
        # each top step is named under its main cause, which gives that cause's advice
        li = next(i for i in items if i.startswith(f"<b>{escape(TITLES[main])}.</b>"))
        assert escape(name) in li and escape(ADVICE[main]) in li
    assert "Causes are split for 100% of all waiting" in section
    assert "Causes per agency" in section


def test_logs_without_start_times_get_a_note_and_no_zeros():
    log = _queue().drop(columns="start_timestamp")
    page = mine_report(log, key="k")
    section = page[page.index('<h2 id="causes">') : page.index('<h2 id="handoffs">')]
    assert "Why cases wait cannot be split into causes: the log has no start times" in section
    assert "Causes per step" not in section and "%" not in section
    md = mine_report(log, key="k", fmt="md")
    assert "> Why cases wait cannot be split into causes: the log has no start times" in md
    d = _json(mine_report(log, key="k", fmt="json"))["waiting_causes"]
    assert d["split_share"] is None and d["by_activity"] == []
    # the waits are kept as not split: 30 files an hour after apply, 15 of them two hours
    assert sum(u["waiting"] for u in d["unsplit"]) == 30 * 60.0 + 15 * 60.0
    assert d["note"].startswith("the log has no start")


def test_log_text_in_the_causes_tables_is_escaped():
    log = _queue("<b>check</b>")
    page = mine_report(log, key="k")
    section = page[page.index('<h2 id="causes">') : page.index('<h2 id="handoffs">')]
    assert "<b>check</b>" not in section and "&lt;b&gt;check&lt;/b&gt;" in section

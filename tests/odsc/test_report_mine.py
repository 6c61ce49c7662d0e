"""The mining report: escaped, pseudonymised, self-contained, with the right figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from odsc.mine_context import duration, percent  # noqa: E402
from odsc.report_mine import mine_report  # noqa: E402

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "odsc_example_log.csv"


def _tiny() -> pd.DataFrame:
    """Two cases; hand-counted: 3 handoffs front->tax (2) and tax->front (1)."""
    return pd.DataFrame(
        {
            "case:concept:name": ["Noy-001", "Noy-001", "Noy-001", "Kham-002", "Kham-002"],
            "concept:name": ["<script>alert(1)</script>", "check", "fix", "apply", "check"],
            "time:timestamp": [
                "2024-01-01 08:00:00+07:00",
                "2024-01-01 10:00:00+07:00",
                "2024-01-02 08:00:00+07:00",
                "2024-01-01 09:00:00+07:00",
                "2024-01-01 09:30:00+07:00",
            ],
            "org:group": ["front", "tax", "front", "front", "tax"],
            "org:resource": ["Somsack Phomma", "Vanh", "Somsack Phomma", "Bounmy", "Vanh"],
        }
    )


def test_formatting_of_durations_and_shares():
    assert duration(0.4) == "<1 min"
    assert duration(45) == "45 min"
    assert duration(186) == "3.1 h"
    assert duration(4464) == "3.1 days"
    assert duration(1440 * 2500) == "2,500.0 days"
    assert duration(float("nan")) == "n/a"
    assert percent(0.385) == "38%" and percent(0.0001) == "<1%" and percent(None) == "n/a"


@pytest.fixture(scope="module")
def page() -> str:
    return mine_report(_tiny(), key="k")


def test_script_in_the_log_is_rendered_as_text(page):
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    md = mine_report(_tiny(), key="k", fmt="md")
    assert "<script" not in md.lower()


def test_html_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page  # plots are inline
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    # The plots carry no metadata block (no date, no links to RDF vocabularies): the only
    # addresses left are the XML namespaces of inline SVG, which nothing fetches.
    assert "<metadata" not in page and "<dc:date>" not in page
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }


def test_ids_and_names_are_pseudonymised_unless_asked(page):
    for secret in ("Noy-001", "Kham-002", "Somsack", "Vanh", "Bounmy"):
        assert secret not in page
    assert re.search(r"clerk-[0-9a-f]{4}", page)
    shown = mine_report(_tiny(), show_ids=True, fmt="md")
    assert "Somsack Phomma" in shown and "Vanh" in shown


def test_same_key_gives_the_same_pseudonyms():
    a = set(re.findall(r"clerk-[0-9a-f]{4,}", mine_report(_tiny(), key="k", fmt="md")))
    b = set(re.findall(r"clerk-[0-9a-f]{4,}", mine_report(_tiny(), key="k", fmt="md")))
    c = set(re.findall(r"clerk-[0-9a-f]{4,}", mine_report(_tiny(), key="k2", fmt="md")))
    assert a == b and len(a) >= 2
    assert a.isdisjoint(c)


def test_json_holds_the_hand_counted_handoffs_and_no_case_ids():
    d = json.loads(mine_report(_tiny(), key="k", fmt="json"))
    pairs = {(h["source"], h["target"]): h["count"] for h in d["handoffs"]}
    assert pairs == {("front", "tax"): 2, ("tax", "front"): 1}
    # tax -> front of Noy-001: from 10:00 to 08:00 next day = 22 h = 1320 minutes.
    back = next(h for h in d["handoffs"] if h["source"] == "tax")
    assert back["delay_total"] == pytest.approx(1320.0)
    assert d["report"]["pseudonymised"] is True
    assert "case_kpis" not in d
    assert "Noy-001" not in json.dumps(d)


def test_markdown_tables_are_github_tables():
    md = mine_report(_tiny(), key="k", fmt="md")
    lines = md.splitlines()
    assert lines[0] == "# Bottleneck and silo-handoff report"
    head = lines.index(
        "| from agency | to agency | handoffs | cases | share of cases | "
        "median delay | 90th pct delay | total delay | share of lead time | "
        "sent back |"
    )
    assert lines[head + 1].startswith("|---|---|---:|")
    assert lines[head + 2].startswith("| tax | front | 1 | 1 | 50% | 22.0 h |")


def test_markdown_reads_in_a_terminal():
    md = mine_report(_tiny(), key="k", fmt="md")
    # Kham-002's handoff front -> tax took 30 min; the second check of Noy-001 none: figures
    # and arrows are written as they are, not as HTML entities.
    assert "&gt;" not in md and "&lt;1" not in md
    assert "Handoff tax -> front" in md
    assert "&lt;script>alert(1)&lt;/script>" in md  # the log's markup stays inert


def test_evidence_is_labelled_in_words():
    md = mine_report(_tiny(), key="k", fmt="md")
    line = next(x for x in md.splitlines() if x.startswith("Evidence: from: **tax**"))
    assert "share of lead time: **" in line and "total delay: **22.0 h**" in line
    assert "lead share" not in md and "delay total" not in md


def _queue_log() -> pd.DataFrame:
    """One office, three citizens with start times and arrival times (as the simulator writes).

    Queues: from arrival to the first desk 5, 20 and 40 minutes; the cashier on the same
    visit 10 minutes after the desk (a queue too) for the first citizen.
    """
    t = lambda v: pd.to_datetime(v, utc=True)  # noqa: E731
    return pd.DataFrame(
        {
            "case:concept:name": ["a", "a", "b", "c"],
            "concept:name": ["submit", "pay", "submit", "submit"],
            "odsc:arrival": t(["2024-03-04 08:00"] * 2 + ["2024-03-04 08:10", "2024-03-04 08:20"]),
            "start_timestamp": t(
                ["2024-03-04 08:05", "2024-03-04 08:25", "2024-03-04 08:30", "2024-03-04 09:00"]
            ),
            "time:timestamp": t(
                ["2024-03-04 08:15", "2024-03-04 08:30", "2024-03-04 08:50", "2024-03-04 09:10"]
            ),
            "org:group": ["odsc", "treasury", "odsc", "odsc"],
            "odsc:citizen_present": [True, True, True, True],
        }
    )


def test_queue_standard_tile_counts_desk_queues():
    md = mine_report(_queue_log(), key="k", fmt="md")
    # 5, 10, 20, 40 minutes: two of four within 15 minutes.
    assert "| Desk queues within 15 min | 50% | standard: 85%; 4 queues measured |" in md
    assert "### " in md and "Desk queues longer than the standard" in md
    assert "not checked" not in md


@pytest.mark.skipif(not EXAMPLE.exists(), reason="example log not generated")
def test_example_log_with_league_table_and_journey():
    from journeys.catalog import resolve

    md = mine_report(
        EXAMPLE,
        fmt="md",
        by="centre",
        journey=resolve("business-licence"),
        key="k",
        tz="Asia/Vientiane",
    )
    assert "## League table by centre" in md
    league = md[md.index("## League table by centre") :]
    for centre in ("Xaythany", "Hadxayfong", "Sikhottabong"):
        assert f"| {centre} |" in league
    assert "## Conformance to business-licence" in md
    # The example log has doors and citizen presence: visits per case are known.
    assert "| Visits per case |" in md
    # Every step of a case is on another day: no desk queue is in the log, so the queue
    # standard is not judged (it used to say "1% of steps served within 15 min").
    assert "Desk queues within" not in md and "within 15 min | 1%" not in md
    assert "The queue standard (85% of citizens served within 15 min) is not checked" in md
    assert "desk queues within 15 min" not in md.split("## League table by centre")[1]
    # The first step of every case has no waiting measured: no total, not "0 min".
    assert "| Get residence certificate | 240 | 240 | n/a | n/a | n/a | n/a |" in md
    # The courier handoff and the waiting before the site check are one delay, told once.
    findings = md.split("## Findings, ranked by impact")[1].split("## Where cases wait")[0]
    assert findings.count("946.2 days of case time in total") == 1
    assert "Waiting before Environmental site check" not in findings
    # impact per affected case first, the total second; the title is not repeated
    assert "+3.9 days per case (240 cases; 946.2 days in total)" in md
    assert "\n\nHandoff Police -> Environment" not in findings
    assert "## Conclusions and recommendations" in md
    assert "It is all the waiting before Environmental site check" in md


@pytest.mark.skipif(not (DATA / "receipt.csv").exists(), reason="shared data not present")
def test_receipt_report_headline_figures():
    md = mine_report(DATA / "receipt.csv", agency="org:group", fmt="md", key="k")
    # 1,434 cases and 8,577 events (the data README); 10 agencies incl. 'unknown'.
    assert "| Cases | 1,434 | 8,577 events, 27 steps, 10 agencies |" in md
    assert "| Period covered |" in md
    # Without start times a case's waiting adds up to its lead time: no second tile of it.
    assert "| Median lead time | 48 min | 90% of cases within 14.1 days |" in md
    assert "Median time between steps" not in md
    # No queue can be told apart from the work; handoffs to 'unknown' make no finding.
    assert "is not checked: without start times" in md and "Desk queues" not in md
    findings = md.split("## Findings, ranked by impact")[1].split("## Where cases wait")[0]
    assert "unknown" not in findings
    assert "Each time it runs (1,416 times) the waiting (time since the previous step) is a median 1 min" in findings
    assert "## Lead time per case" in md

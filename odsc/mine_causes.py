"""The "Why cases wait" section of the mining report: causes, tables, advice.

:func:`causes_context` turns the :class:`analysis.waiting_causes.WaitingCauses`
of a mining result into what the HTML template
(``templates/_waiting_causes.html.j2``) and the Markdown writer show: for the
steps and handoffs with the most waiting, which cause held the files back and
what to do about it (the advice follows the cause: desks or hours for
contention, hours for unavailability, courier frequency or data exchange for
batching, queue rules for prioritisation, and for extraneous waiting that it
is not a staffing problem), the tables per step, agency and handoff, and
what could not be split, with the reason. A log whose waits cannot be split
gets one note saying why, and no table of zeros.

Examples
--------
>>> import pandas as pd
>>> from analysis.mining import mine
>>> log = pd.DataFrame({"case:concept:name": ["c", "c"], "concept:name": ["a", "b"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"], utc=True),
...     "org:group": ["x", "y"]})
>>> c = causes_context(mine(log))
>>> c["note"].startswith("Why cases wait cannot be split into causes: the log has no start")
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from odsc.mine_format import count, duration, percent, table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.mining import MiningResult

__all__ = ["ADVICE", "MIN_SHOWN", "PHRASES", "TITLES", "causes_context", "causes_markdown"]

#: What the report says a cause means, in a sentence that leads its list of waits.
PHRASES: dict[str, str] = {
    "batching": "Files were held to be processed in a batch with others",
    "contention": "The desk was busy with cases that were ready before",
    "prioritisation": "The desk served cases that came later first",
    "unavailability": "The desk was closed or its clerk off duty",
    "extraneous": "The desk was free and on duty while the file waited for something else",
}

#: What to do about each cause.
ADVICE: dict[str, str] = {
    "contention": (
        "The desk is the bottleneck: add a desk or staff hours at the times this step "
        "queues, or move other work away from these clerks."
    ),
    "prioritisation": (
        "Later cases overtake earlier ones: agree a first-come, first-served or triage "
        "rule for this queue (for instance numbered tickets) and publish it."
    ),
    "unavailability": (
        "Files wait for the desk to open: align the opening hours and staff rosters with "
        "when files arrive (cover the lunch break, stagger shifts, open late one day)."
    ),
    "batching": (
        "Files are held to be handled together: send the courier or run the batch more "
        "often, or exchange the data digitally so that each file moves on its own."
    ),
    "extraneous": (
        "Not a staffing problem: more desks or longer hours will not shorten this. The "
        "file waited for something outside the desk (the citizen's documents, payment or "
        "return visit, a courier or transfer, another party, a legal timer): find out "
        "which, then use data exchange for a transfer, reminders or appointments for the "
        "citizen, a review for a timer."
    ),
}

_LABELS = {
    "batching": "batching",
    "contention": "desk busy",
    "prioritisation": "later first",
    "unavailability": "off duty",
    "extraneous": "outside the desk",
}

#: The heading of each cause in the report.
TITLES = {
    "batching": "Batching",
    "contention": "Desk busy (contention)",
    "prioritisation": "Later cases served first (prioritisation)",
    "unavailability": "Desk off duty (unavailability)",
    "extraneous": "Outside the desk (extraneous)",
}

#: A cause is named for a top wait when it holds at least this share of it.
MIN_SHOWN: float = 0.15

_DEFINITIONS = (
    (
        "Batching",
        "the file was held until the other files of its batch were ready (several "
        "files of one step started together by one clerk).",
    ),
    ("Desk busy (contention)", "the clerk was working on files that were ready before this one."),
    (
        "Later case served first (prioritisation)",
        "the clerk was working on files that became ready after this one.",
    ),
    (
        "Desk off duty (unavailability)",
        "outside the clerk's working hours, learned from when "
        "each clerk was seen at work (hour by weekday).",
    ),
    (
        "Outside the desk (extraneous)",
        "the rest: the clerk was free and on duty and did not start the file.",
    ),
)


def causes_context(
    result: MiningResult, *, svg: Callable[..., str] | None = None
) -> dict[str, Any]:
    """The section's context; ``svg(size, draw)`` renders plots when given (HTML only)."""
    wc = result.waiting_causes
    out: dict[str, Any] = {
        "note": None,
        "lead": "",
        "top": [],
        "activities": None,
        "agencies": None,
        "handoffs": None,
        "unsplit": None,
        "definitions": [{"term": t, "text": d} for t, d in _DEFINITIONS],
        "plot": "",
        "plot_handoffs": "",
    }
    if wc is None:
        out["note"] = "Why cases wait was not computed for this report."
        return out
    if wc.note is not None:
        out["note"] = f"Why cases wait cannot be split into causes: {wc.note}."
        return out
    acts = wc.table("activity")
    agencies = wc.table("agency")
    hand = wc.table("handoff")
    split_waits = int(acts["waits"].sum()) if len(acts) else 0
    method = (
        "Only what held a file back at the end of its wait is counted as the desk's: the "
        "time from the clerk's last free moment on duty to the start"
        if wc.method == "binding"
        else "Every moment of the wait is counted (the method of Lashkevich et al.)"
    )
    out["lead"] = (
        f"Each wait is split by what the step's clerk or desk was doing meanwhile "
        f"(after Lashkevich et al., CAiSE 2023). {method}. Causes are split for "
        f"{percent(wc.split_share)} of all waiting ({count(split_waits)} waits)."
    )
    if not len(acts):
        out["note"] = "No wait above zero before a step with a start time and a resource."
        return out
    rows = [(str(r["activity"]), r) for _, r in acts.head(5).iterrows()]
    rows += [(f"handoff {r['source']} \u2192 {r['target']}", r) for _, r in hand.head(3).iterrows()]
    out["top"] = _by_cause(rows)
    out["activities"] = _table(acts, [("activity", "step", "text")], "steps")
    named = agencies[agencies["agency"].astype(str) != "unknown"] if len(agencies) else agencies
    if len(named):
        out["agencies"] = _table(agencies, [("agency", "agency", "text")], "agencies")
    if len(hand):
        out["handoffs"] = _table(
            hand,
            [("source", "from agency", "text"), ("target", "to agency", "text")],
            "handoffs",
        )
    if len(wc.unsplit):
        out["unsplit"] = table(
            wc.unsplit.assign(
                reason=wc.unsplit["reason"].astype(str).map(lambda r: f"not recorded: {r}")
            ),
            [
                ("activity", "step", "text"),
                ("waits", "waits", "count"),
                ("waiting", "total wait", "dur"),
                ("reason", "causes", "text"),
            ],
            limit=10,
            what="steps",
        )
    if svg is not None:
        from markupsafe import Markup

        from analysis.waiting_plots import cause_bars

        n = min(10, len(acts))
        out["plot"] = Markup(
            svg(
                (8.5, 1.9 + 0.4 * n),
                lambda ax: cause_bars(
                    acts, ax=ax, title="Why cases wait before each step (share of its waiting)"
                ),
            )
        )
        if len(hand):
            n = min(8, len(hand))
            out["plot_handoffs"] = Markup(
                svg(
                    (8.5, 1.9 + 0.4 * n),
                    lambda ax: cause_bars(
                        hand,
                        label="handoff",
                        top=8,
                        ax=ax,
                        title="Why cases wait at each handoff (share of its waiting)",
                    ),
                )
            )
    return out


def causes_markdown(
    c: dict[str, Any], md: Callable[[Any], str], md_table: Callable[[dict[str, Any]], list[str]]
) -> list[str]:
    """The section as Markdown lines (``md`` escapes text, ``md_table`` draws a table)."""
    out = ["## Why cases wait", ""]
    if c["lead"]:
        out += [md(c["lead"]), ""]
    if c["note"]:
        out += [f"> {md(c['note'])}", ""]
    for t in c["top"]:
        out += [f"- **{md(t['title'])}.** {md(t['text'])} *{md(t['advice'])}*"]
    if c["top"]:
        out.append("")
    for title, key in (
        ("Per step", "activities"),
        ("Per agency", "agencies"),
        ("Per handoff", "handoffs"),
        ("Waits not split", "unsplit"),
    ):
        if c[key]:
            out += [f"### {title}", "", *md_table(c[key]), ""]
    return out


def _by_cause(rows: list[tuple[str, pd.Series]]) -> list[dict[str, Any]]:
    """The top waits grouped by cause: each cause that holds at least 15% of a wait.

    A group lists its waits (the share and total behind each) and gives the
    cause's advice once; groups come in the order of the minutes they hold.
    """
    from analysis.waiting_causes import CAUSES

    groups: dict[str, dict[str, Any]] = {}
    for title, row in rows:
        for c in CAUSES:
            share = float(row[f"{c}_share"])
            if share >= MIN_SHOWN or c == row["main"]:
                g = groups.setdefault(c, {"cause": c, "minutes": 0.0, "items": []})
                g["minutes"] += float(row[c])
                g["items"].append(
                    f"{title} ({percent(share)} of {duration(row['waiting'])}, "
                    f"{count(row['waits'])} waits)"
                )
    out = sorted(groups.values(), key=lambda g: -g["minutes"])
    return [
        {
            "title": f"{TITLES[g['cause']]}",
            "text": f"{PHRASES[g['cause']]}: " + "; ".join(g["items"]) + ".",
            "advice": ADVICE[g["cause"]],
            "cause": g["cause"],
        }
        for g in out
    ]


def _table(df: pd.DataFrame, keys: list[tuple[str, str, str]], what: str) -> dict[str, Any]:
    from analysis.waiting_causes import CAUSES

    shown = df.assign(main=df["main"].map(_LABELS))
    return table(
        shown,
        keys
        + [("waits", "waits", "count"), ("waiting", "total wait", "dur")]
        + [(f"{c}_share", _LABELS[c], "pct") for c in CAUSES]
        + [("main", "main cause", "text")],
        limit=12,
        what=what,
    )

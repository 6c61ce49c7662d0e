"""The mine report's section on log filters and on before/after a reform date.

:func:`section_view` turns the filters applied (:mod:`analysis.filters`) and a
:class:`analysis.before_after.BeforeAfter` into what the HTML partial
``mine_before_after.html.j2`` and the Markdown renderer show;
:func:`cli_table` is the same table for the terminal and :func:`json_part`
the JSON entries. Values read in people's units (:func:`odsc.mine_format.duration`,
percentages); a value the log does not hold reads "not recorded" with the
reason, and is ``null`` in JSON.

A change is called *lower* or *higher* only when its confidence interval
excludes zero; otherwise "no clear change".

Examples
--------
>>> import pandas as pd
>>> from analysis.before_after import before_after
>>> log = pd.DataFrame({"case:concept:name": list("aabbccdd"),
...     "concept:name": ["apply", "issue"] * 4,
...     "time:timestamp": pd.to_datetime(["2024-01-02 08:00", "2024-01-12 08:00",
...         "2024-01-03 08:00", "2024-01-09 08:00", "2024-03-04 08:00", "2024-03-06 08:00",
...         "2024-03-05 08:00", "2024-03-06 08:00"], utc=True)})
>>> view = section_view(before_after(log, "2024-02-01", n_resamples=200), ())
>>> view["rows"][0]["label"], view["rows"][0]["before"], view["rows"][0]["after"]
('Median lead time', '8.0 days (6.0 days to 10.0 days)', '36.0 h (24.0 h to 2.0 days)')
>>> [r["before"] for r in view["rows"] if r["label"] == "Visits per case"]
['not recorded']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from odsc.mine_format import duration, md_text, percent

if TYPE_CHECKING:  # pragma: no cover
    from analysis.before_after import BeforeAfter, KpiChange
    from analysis.filters import FilterStep

__all__ = ["NOT_RECORDED", "cli_table", "json_part", "markdown_lines", "section_view"]

#: How a value the log does not hold reads.
NOT_RECORDED = "not recorded"


def section_view(
    ba: BeforeAfter | None, filters: Sequence[FilterStep], *, currency: str | None = None
) -> dict[str, Any]:
    """The template context of the section (``{}`` parts when there is nothing to show)."""
    view: dict[str, Any] = {"filters": [f.text() for f in filters], "rows": [], "ba": None}
    if ba is None:
        return view
    level = f"{ba.confidence:.0%}"
    view["ba"] = {
        "date": ba.date,
        "before": f"{ba.cases_before:,} cases ({ba.events_before:,} events) started before {ba.date}",
        "after": f"{ba.cases_after:,} cases ({ba.events_after:,} events) started on or after it",
        "level": level,
        "method": (
            f"Intervals: {level} percentile bootstrap over cases ({ba.n_resamples:,} resamples "
            f"per side, seed {ba.seed}); a change is called lower or higher only when its "
            "interval excludes zero. Each case counts on the side where it started."
        ),
        "notes": list(ba.notes),
    }
    view["rows"] = [_row(r, currency) for r in ba.rows]
    return view


def _row(r: KpiChange, currency: str | None) -> dict[str, str]:
    if r.before is None and r.after is None:
        why = r.reason or ""
        return {"label": r.label, "before": NOT_RECORDED, "after": NOT_RECORDED,
                "change": NOT_RECORDED, "verdict": "", "why": why, "tone": ""}  # fmt: skip
    verdict, tone = "no clear change", ""
    if r.change_ci is None:
        verdict = "no interval"
    elif r.clear:
        verdict = "lower" if r.change < 0 else "higher"  # type: ignore[operator]
        good = _lower_is_better(r.key) == (r.change < 0)  # type: ignore[operator]
        tone = "good" if good else "bad"
    return {
        "label": r.label,
        "before": _with_ci(r.before, r.before_ci, r.unit, currency),
        "after": _with_ci(r.after, r.after_ci, r.unit, currency),
        "change": _change(r.change, r.change_ci, r.unit, currency),
        "verdict": verdict,
        "why": r.reason or "",
        "tone": tone,
    }


def _lower_is_better(key: str) -> bool:
    return key != "queue_within_sla"


def _value(x: float | None, unit: str, currency: str | None) -> str:
    if x is None:
        return NOT_RECORDED
    if unit == "minutes":
        return duration(x)
    if unit == "share":
        return percent(x)
    if unit == "money":
        return f"{x:,.0f}" + (f" {currency}" if currency else "")
    return f"{x:,.2f}" if abs(x) < 10 else f"{x:,.1f}"


def _with_ci(x: float | None, ci: tuple[float, float] | None, unit: str, cur: str | None) -> str:
    text = _value(x, unit, cur)
    if x is None or ci is None:
        return text
    return f"{text} ({_value(ci[0], unit, cur)} to {_value(ci[1], unit, cur)})"


def _signed(x: float, unit: str, cur: str | None) -> str:
    sign = "+" if x > 0 else "-" if x < 0 else "±"
    if unit == "share":
        return f"{sign}{abs(100 * x):.0f} pts"
    return f"{sign}{_value(abs(x), unit, cur)}"


def _change(x: float | None, ci: tuple[float, float] | None, unit: str, cur: str | None) -> str:
    if x is None:
        return NOT_RECORDED
    text = _signed(x, unit, cur)
    if ci is None:
        return text
    return f"{text} ({_signed(ci[0], unit, cur)} to {_signed(ci[1], unit, cur)})"


def markdown_lines(view: dict[str, Any]) -> list[str]:
    """The section as Markdown lines (nothing when there are no filters and no split)."""
    out: list[str] = []
    if view["filters"]:
        out += ["## Part of the log analysed", ""]
        out += [f"- {md_text(f)}" for f in view["filters"]]
        out.append("")
    ba = view["ba"]
    if ba is None:
        return out
    out += [f"## Before and after {md_text(ba['date'])}", ""]
    out += [f"{md_text(ba['before'])}; {md_text(ba['after'])}.", ""]
    out += [f"| KPI | before ({ba['level']} CI) | after ({ba['level']} CI) | change | |"]
    out += ["|---|---:|---:|---:|---|"]
    for r in view["rows"]:
        tail = r["verdict"] or r["why"]
        cells = [r["label"], r["before"], r["after"], r["change"], tail]
        out.append("| " + " | ".join(md_text(c) for c in cells) + " |")
    out += ["", md_text(ba["method"])]
    out += [f"\n> {md_text(n)}" for n in ba["notes"]]
    out.append("")
    return out


def cli_table(ba: BeforeAfter, *, currency: str | None = None) -> str:
    """The before/after table for the terminal (tabulate)."""
    from tabulate import tabulate

    view = section_view(ba, (), currency=currency)
    b = view["ba"]
    rows, why = [], []
    for r in view["rows"]:
        if r["before"] == NOT_RECORDED and r["after"] == NOT_RECORDED:
            # the reasons go under the table: a long one would widen every row
            rows.append(
                [r["label"], NOT_RECORDED, NOT_RECORDED, NOT_RECORDED, f"see ({len(why) + 1})"]
            )
            why.append(f"({len(why) + 1}) {r['label']}: not recorded: {r['why']}")
        else:
            rows.append([r["label"], r["before"], r["after"], r["change"], r["verdict"]])
    head = [f"{b['before']}; {b['after']}."]
    table = tabulate(
        rows,
        headers=["", f"before ({b['level']} CI)", f"after ({b['level']} CI)", "change", ""],
        disable_numparse=True,
    )
    return "\n".join([*head, table, *why, *b["notes"]])


def json_part(ba: BeforeAfter | None, filters: Sequence[FilterStep]) -> dict[str, Any]:
    """The JSON entries: ``filters`` (a list) and ``before_after`` (``null`` without a date)."""
    return {
        "filters": [f.to_dict() for f in filters],
        "before_after": ba.to_dict() if ba is not None else None,
    }

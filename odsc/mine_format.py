"""Numbers of the mining report formatted for people, and the small tables it shows.

Durations arrive in minutes and leave as minutes, hours or days (one decimal),
counts with thousands separators, shares as whole percentages. A *table* here
is a dict of column headers and rows of display strings that both the HTML
template and the Markdown writer of :mod:`odsc.report_mine` can show.
:func:`md_text` makes any text safe to put in Markdown (a table cell too).

Examples
--------
>>> duration(0), duration(0.4), duration(12.4), duration(150), duration(60 * 24 * 1234.5)
('0 min', '<1 min', '12 min', '2.5 h', '1,234.5 days')
>>> percent(0.8567), percent(0.004), percent(float("nan"))
('86%', '<1%', 'n/a')
>>> count(1434.0), number(3.14159, 1)
('1,434', '3.1')
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Column",
    "count",
    "duration",
    "finding_view",
    "lead_table",
    "md_text",
    "number",
    "percent",
    "set_aside_note",
    "table",
    "to_float",
]

#: A table column: (source column, header, kind); kinds are text, path, count, dur, pct,
#: num1 and num.
Column = tuple[str, str, str]


def duration(minutes: Any) -> str:
    """A duration in minutes for people: ``12 min``, ``3.4 h``, ``2.1 days``.

    The same wording as the findings (:func:`analysis.findings.format_minutes`),
    so a figure reads the same in a finding, a table and a plot.

    Examples
    --------
    >>> duration(59.4), duration(59.6), duration(47 * 60), duration(48 * 60), duration(None)
    ('59 min', '1.0 h', '47.0 h', '2.0 days', 'n/a')
    """
    from analysis.findings import format_minutes

    return format_minutes(to_float(minutes))


def percent(share: Any) -> str:
    """A share (0..1) as a whole percentage; ``<1%`` for small non-zero shares.

    Examples
    --------
    >>> percent(1), percent(0.0), percent(0.125)
    ('100%', '0%', '12%')
    """
    x = to_float(share)
    if math.isnan(x):
        return "n/a"
    if 0 < abs(x) < 0.005:
        return "<1%"
    return f"{100 * x:.0f}%"


#: How the evidence keys of :mod:`analysis.findings` read in a report.
_EVIDENCE_LABELS = {
    "source": "from",
    "target": "to",
    "a": "agency",
    "b": "and agency",
    "case_share": "share of cases",
    "delay_median_minutes": "median delay",
    "delay_p90_minutes": "90th pct delay",
    "delay_total_minutes": "total delay",
    "lead_share": "share of lead time",
    "carrier": "carried by",
    "receiving_step": "receiving step",
    "activity": "step",
    "waiting_median_minutes": "median wait",
    "waiting_p90_minutes": "90th pct wait",
    "waiting_total_minutes": "total wait",
    "waiting_share": "share of all waiting",
    "rework_cases": "cases repeating it",
    "rework_share": "share of cases",
    "extra_executions": "extra executions",
    "minutes_per_execution": "wait and work per execution",
    "within_share": "within the standard",
    "sla_minutes": "standard",
    "breaches": "longer queues",
    "queues": "queues measured",
    "gap_minutes": "gap to the standard",
    "lead_median_minutes": "median lead time",
    "lead_p90_minutes": "90th pct lead time",
    "slow_cases": "slowest cases",
    "best_group": "fastest group",
    "best_lead_median_minutes": "median lead time there",
    "conforming": "cases following it",
    "share": "share of cases",
    "top_deviation": "main deviation",
    "top_deviation_case_share": "its share of cases",
}

#: Evidence keys holding minutes (besides those ending in ``_minutes``).
_EVIDENCE_MINUTES = frozenset({"minutes_per_execution"})


def finding_view(f: Any) -> dict[str, Any]:
    """A finding for the report: its texts and evidence as (label, display value) pairs.

    Examples
    --------
    >>> from analysis.findings import Finding
    >>> v = finding_view(Finding("t", "x", {"a": "Tax", "delay_total_minutes": 4464.0,
    ...     "case_share": 0.25, "minutes_per_execution": 4173.0, "cases": 1416}, 60.0))
    >>> v["evidence"]
    [('agency', 'Tax'), ('total delay', '3.1 days'), ('share of cases', '25%'), ('wait and work per execution', '2.9 days'), ('cases', '1,416')]
    """
    evidence = [
        (_label(k), _evidence_value(k, v)) for k, v in f.evidence.items() if v not in (None, "")
    ]
    return {
        "title": f.title,
        "text": f.text,
        "recommendation": f.recommendation,
        "impact": _impact(f),
        "evidence": evidence,
    }


def _impact(f: Any) -> str:
    """The impact line: per affected case first, the total second.

    >>> from analysis.findings import Finding
    >>> _impact(Finding("t", "x", {}, 1362471.0, cases=240, per_case=5556.5))
    '+3.9 days per case (240 cases; 946.2 days in total)'
    >>> _impact(Finding("t", "x", {}, 120.0))
    '2.0 h of case time in total'
    """
    per, n = getattr(f, "per_case", None), getattr(f, "cases", None)
    if per is None:
        return f"{duration(f.impact)} of case time in total"
    who = f"{count(n)} {'case' if n == 1 else 'cases'}; " if n else ""
    return f"+{duration(per)} per case ({who}{duration(f.impact)} in total)"


def _evidence_value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "n/a" if value is None else "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if key.endswith("minutes") or key in _EVIDENCE_MINUTES:
            return duration(value)
        if "share" in key or key.endswith("rate"):
            return percent(value)
        if isinstance(value, int) or float(value).is_integer():
            return count(value)
        return number(value, 2)
    return str(value)


def _label(key: str) -> str:
    return _EVIDENCE_LABELS.get(key) or key.removesuffix("_minutes").replace("_", " ")


def table(df: pd.DataFrame, spec: Sequence[Column], *, limit: int, what: str) -> dict[str, Any]:
    # Columns the log cannot fill (e.g. processing times without start times) are left out.
    spec = [
        c
        for c in spec
        if c[0] in df.columns
        and (c[2] in ("text", "gap") or len(df) == 0 or df[c[0]].notna().any())
    ]
    columns = [{"label": label, "num": kind not in ("text", "path")} for _, label, kind in spec]
    part = df.head(limit)
    rows = []
    for record in part[[c for c, _, _ in spec]].itertuples(index=False, name=None):
        rows.append([_cell(v, kind) for v, (_, _, kind) in zip(record, spec)])
    more = f"Showing the first {limit} of {len(df):,} {what}." if len(df) > limit else ""
    return {"columns": columns, "rows": rows, "more": more, "empty": f"No {what} to show."}


def _cell(v: Any, kind: str) -> str:
    if kind == "text":
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
    if kind == "path":
        return str(v).replace(" -> ", " \u2192 ")
    if kind == "count":
        x = to_float(v)
        return "n/a" if math.isnan(x) else f"{x:,.0f}"
    if kind == "dur":
        return duration(v)
    if kind == "gap":  # a time between steps; none when every pair overlapped
        return "overlap" if math.isnan(to_float(v)) else duration(v)
    if kind == "pct":
        return percent(v)
    if kind == "num1":
        return number(v, 1)
    return number(v, 2)


def lead_table(k: pd.DataFrame, has_start: bool) -> dict[str, Any]:
    rows = []
    labels = {
        "lead_minutes": "lead time",
        "waiting_minutes": "waiting",
        "processing_minutes": "processing",
    }
    if not has_start:  # waiting is then the lead time again, less the first step
        labels.pop("waiting_minutes")
    for column, label in labels.items():
        if column not in k.columns or not k[column].notna().any():
            continue
        x = k[column].astype(float)
        rows.append(
            [
                label,
                duration(x.quantile(0.1)),
                duration(x.median()),
                duration(x.mean()),
                duration(x.quantile(0.9)),
                duration(x.max()),
            ]
        )
    columns = [{"label": "per case", "num": False}]
    columns += [
        {"label": s, "num": True} for s in ("10th pct", "median", "mean", "90th pct", "longest")
    ]
    return {"columns": columns, "rows": rows, "more": "", "empty": "No cases."}


def md_text(text: Any) -> str:
    r"""Text safe in Markdown, a table cell included, and still readable as plain text.

    Newlines are flattened; pipes, backslashes and square brackets (links)
    are escaped with a backslash; a ``<`` that could open an HTML tag, comment
    or autolink becomes ``&lt;``. Other characters stay as they are, so
    ``<1 min`` and ``A -> B`` read well in a terminal too, and no text from a
    log or a journey file can put markup into a rendered report.

    Examples
    --------
    >>> print(md_text("<script>alert(1)</script> | <1 min | A -> B"))
    &lt;script>alert(1)&lt;/script> \| <1 min \| A -> B
    >>> print(md_text("[click](javascript:x)"))
    \[click\](javascript:x)
    """
    s = " ".join(str(text).split())
    for ch in ("\\", "|", "[", "]"):
        s = s.replace(ch, "\\" + ch)
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", s)


def to_float(v: Any) -> float:
    try:
        return math.nan if v is None else float(v)
    except (TypeError, ValueError):
        return math.nan


def count(v: Any) -> str:
    x = to_float(v)
    return "n/a" if math.isnan(x) else f"{x:,.0f}"


def number(v: Any, digits: int) -> str:
    x = to_float(v)
    return "n/a" if math.isnan(x) else f"{x:,.{digits}f}"


def set_aside_note(aside: dict[str, int]) -> str:
    """The report's note on the rows the reader set aside (kinds: :mod:`analysis.lifecycle`).

    >>> set_aside_note({"start_without_complete": 3, "duplicate": 1})
    'The reader set aside rows it could not use as they are: 3 starts that never complete (dropped); 1 duplicate event (dropped after the first). Read with --strict to refuse such a log instead.'
    """
    from analysis.lifecycle import KINDS

    parts = []
    for kind, n in aside.items():
        one, several, fate = KINDS.get(kind, (kind, kind, "set aside"))
        parts.append(f"{n:,} {one if n == 1 else several} ({fate})")
    return (
        "The reader set aside rows it could not use as they are: "
        + "; ".join(parts)
        + ". Read with --strict to refuse such a log instead."
    )

"""The display context of the mining report: figures formatted for people.

:func:`report_context` turns a :class:`analysis.mining.MiningResult` into
plain strings and small tables (durations in minutes, hours or days, counts
with thousands separators, shares as percentages) that the HTML template and
the Markdown writer of :mod:`odsc.report_mine` both show.

Examples
--------
>>> duration(0), duration(0.4), duration(12.4), duration(150), duration(60 * 24 * 1234.5)
('0 min', '<1 min', '12 min', '2.5 h', '1,234.5 days')
>>> percent(0.8567), percent(0.004), percent(float("nan"))
('86%', '<1%', 'n/a')
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.mining import MiningResult

__all__ = ["ReportMeta", "duration", "percent", "report_context"]


def duration(minutes: Any) -> str:
    """A duration in minutes for people: ``12 min``, ``3.4 h``, ``2.1 days``.

    Examples
    --------
    >>> duration(59.6), duration(47 * 60), duration(48 * 60), duration(None)
    ('60 min', '47.0 h', '2.0 days', 'n/a')
    """
    m = _float(minutes)
    if math.isnan(m):
        return "n/a"
    if m == 0:
        return "0 min"
    if abs(m) < 0.5:
        return "<1 min"
    if abs(m) < 60:
        return f"{m:.0f} min"
    if abs(m) < 48 * 60:
        return f"{m / 60:.1f} h"
    return f"{m / 1440:,.1f} days"


def percent(share: Any) -> str:
    """A share (0..1) as a whole percentage; ``<1%`` for small non-zero shares.

    Examples
    --------
    >>> percent(1), percent(0.0), percent(0.125)
    ('100%', '0%', '12%')
    """
    x = _float(share)
    if math.isnan(x):
        return "n/a"
    if 0 < abs(x) < 0.005:
        return "<1%"
    return f"{100 * x:.0f}%"


@dataclass(frozen=True)
class ReportMeta:
    """What the report says about where the figures come from."""

    source: str = "event log"
    pseudonymised: bool = True
    keyed: bool = False
    tz: str | None = None
    currency: str | None = None




_Column = tuple[str, str, str]  # (source column, label, kind)


def report_context(result: MiningResult, meta: ReportMeta) -> dict[str, Any]:
    s = result.summary
    k = result.case_kpis
    sla = result.sla_minutes
    first, last = _period(k)
    period = f"{first:%d %b %Y} to {last:%d %b %Y}" if first is not None else "n/a"
    days = (last - first).total_seconds() / 86400 if first is not None else math.nan
    has_start = bool(_get(s, "has_start", False))
    cases = int(_get(s, "cases", len(k)))

    tiles = [
        _tile("Cases", _count(cases),
              f"{_count(_get(s, 'events'))} events, {_count(_get(s, 'activities'))} steps, "
              f"{_count(_get(s, 'agencies'))} agencies"),
        _tile("Median lead time", duration(_col_q(k, "lead_minutes", 0.5)),
              f"90% of cases within {duration(_col_q(k, 'lead_minutes', 0.9))}"),
        _tile("Median waiting per case" if has_start else "Median time between steps",
              duration(_col_q(k, "waiting_minutes", 0.5)),
              f"90th percentile {duration(_col_q(k, 'waiting_minutes', 0.9))}"),
        _tile("Handoffs per case", _number(_get(s, "handoffs_per_case"), 1),
              f"{percent(_get(s, 'handoff_delay_share'))} of lead time spent in handoffs"),
    ]
    visits = _col_mean(k, "visits")
    if not math.isnan(visits):
        tiles.append(_tile("Visits per case", _number(visits, 1),
                           f"up to {_number(_col_q(k, 'visits', 0.9), 0)} for 1 case in 10"))
    served, unit = _sla_share(s)
    if not math.isnan(served):
        label = (f"Steps served within {duration(sla)}" if unit == "steps"
                 else f"Cases waiting {duration(sla)} or less in all")
        tiles.append(
            _tile(label, percent(served),
                  f"standard: 85% of {unit}" + ("" if has_start else " (transition time)"),
                  tone="bad" if served < 0.85 else "ok")
        )
    cost = _col_mean(k, "citizen_cost")
    if not math.isnan(cost):
        unit = f" {meta.currency}" if meta.currency else ""
        tiles.append(_tile("Citizen cost per case", f"{cost:,.0f}{unit}",
                           "mean of fees, travel and time off work"))
    if result.conformance is not None:
        tiles.append(_tile("Follow the journey", percent(result.conformance.share),
                           f"{_count(result.conformance.conforming)} of "
                           f"{_count(result.conformance.cases)} cases"))
    tiles.append(_tile("Period covered", f"{days:,.0f} days" if not math.isnan(days) else "n/a",
                       period))

    findings = [_finding(f) for f in result.findings]
    notes = list(result.notes)
    if meta.pseudonymised:
        notes.append(
            "Case ids and staff names are pseudonymised with a keyed hash (HMAC-SHA256): "
            + ("the same key gives the same pseudonyms in every report."
               if meta.keyed else "a random key was used for this report only.")
        )
    else:
        notes.append("Case ids and staff names are shown as recorded in the log.")
    notes.append(
        "Durations are calendar time (nights and weekends included), shown in minutes, "
        "hours or days; a day is 24 hours."
    )
    key_notes = [n for n in result.notes if n.startswith("No start timestamps")]

    waiting_meaning = (
        "Waiting before a step is the time from the end of the previous step of the case to "
        "the start of this one."
        if has_start
        else "The log has no start times: the time before a step is measured from the end of "
        "the previous step to the end of this one, so it includes the work itself."
    )
    h = result.handoffs
    handoff_headline = (
        f"{_count(_get(s, 'handoffs'))} handoffs ({_number(_get(s, 'handoffs_per_case'), 1)} "
        f"per case) account for {percent(_get(s, 'handoff_delay_share'))} of all lead time."
        if len(h)
        else "there are no handoffs between agencies in this log."
    )
    v = result.variants
    variants_headline = (
        f"{_count(_get(s, 'variants'))} different paths; the {len(v)} most frequent cover "
        f"{percent(_get(s, 'top_variants_coverage'))} of cases."
    )
    has_carrier = "carrier" in h.columns and bool(h["carrier"].fillna("").astype(str).ne("").any())

    context: dict[str, Any] = {
        "title": "Bottleneck and silo-handoff report",
        "subtitle": (
            f"{_count(cases)} cases mined from the event log: where citizens wait, which "
            "handoffs between agencies cost time, and what to change."
        ),
        "source": meta.source,
        "period": period,
        "generated": f"{_dt.date.today():%d %b %Y}",
        "tiles": tiles,
        "headlines": findings[:3],
        "findings": findings,
        "key_notes": key_notes,
        "notes": notes,
        "sla": duration(sla),
        "pseudonymised": meta.pseudonymised,
        "waiting_meaning": waiting_meaning,
        "handoff_headline": handoff_headline,
        "variants_headline": variants_headline,
        "process_map_note": (
            "The process map needs Graphviz (the 'dot' program), which is not installed "
            "here; the transitions table above holds the same figures."
        ),
        "activities": _table(
            result.activities,
            [("activity", "step", "text"), ("events", "events", "count"),
             ("cases", "cases", "count"), ("waiting_median", "median wait", "dur"),
             ("waiting_p90", "90th pct wait", "dur"), ("waiting_total", "total wait", "dur"),
             ("waiting_share", "share of all waiting", "pct"),
             ("processing_median", "median work", "dur")],
            limit=15, what="steps",
        ),
        "transitions": _table(
            result.transitions,
            [("source", "from step", "text"), ("target", "to step", "text"),
             ("count", "times", "count"), ("cases", "cases", "count"),
             ("median", "median time", "dur"), ("p90", "90th pct", "dur"),
             ("total", "total time", "dur")],
            limit=12, what="transitions",
        ),
        "rework": _table(
            result.rework[result.rework["rework_cases"] > 0]
            if "rework_cases" in result.rework.columns else result.rework,
            [("activity", "step", "text"), ("rework_cases", "cases repeating it", "count"),
             ("rework_share", "share of cases", "pct"),
             ("extra_executions", "extra executions", "count"),
             ("max_repeats", "most in one case", "count")],
            limit=10, what="steps",
        ),
        "handoffs": _table(
            h,
            [("source", "from agency", "text"), ("target", "to agency", "text"),
             ("count", "handoffs", "count"), ("cases", "cases", "count"),
             ("case_share", "share of cases", "pct"), ("delay_median", "median delay", "dur"),
             ("delay_p90", "90th pct delay", "dur"), ("delay_total", "total delay", "dur"),
             ("lead_share", "share of lead time", "pct"), ("pingpongs", "sent back", "count")]
            + ([("carrier", "carrier", "text")] if has_carrier else []),
            limit=15, what="agency pairs",
        ),
        "pingpongs": _table(
            result.pingpongs,
            [("a", "agency", "text"), ("b", "and agency", "text"),
             ("returns", "returns", "count"), ("cases", "cases", "count"),
             ("case_share", "share of cases", "pct"), ("delay_total", "time lost", "dur")],
            limit=10, what="pairs",
        ),
        "resource_handoffs": _table(
            result.resource_handoffs,
            [("source", "from", "text"), ("target", "to", "text"),
             ("count", "handoffs", "count"), ("cases", "cases", "count"),
             ("delay_median", "median delay", "dur"), ("delay_total", "total delay", "dur")],
            limit=10, what="pairs",
        ),
        "variants": _table(
            v,
            [("rank", "#", "count"), ("variant", "path (steps in order)", "path"),
             ("events", "steps", "count"), ("cases", "cases", "count"),
             ("share", "share", "pct"), ("cumulative_share", "cumulative", "pct"),
             ("lead_median", "median lead time", "dur")],
            limit=10, what="variants",
        ),
        "lead_table": _lead_table(k, has_start),
        "resources": None,
        "conformance": None,
        "league": None,
    }
    if len(result.resources):
        context["resources"] = _table(
            result.resources,
            [("resource", "staff / desk", "text"), ("agency", "agency", "text"),
             ("events", "events", "count"), ("cases", "cases", "count"),
             ("active_days", "active days", "count"),
             ("events_per_day", "events per active day", "num1"),
             ("busy_minutes", "time working", "dur"), ("event_share", "share of events", "pct")],
            limit=15, what="staff",
        )
    if result.conformance is not None:
        c = result.conformance
        context["conformance"] = {
            "journey": c.journey,
            "headline": (
                f"{percent(c.share)} of cases ({_count(c.conforming)} of {_count(c.cases)}) "
                f"follow the journey; {percent(c.matched_share)} of events match one of its "
                "steps. The most widespread deviations:"
            ),
            "deviations": _table(
                c.deviations,
                [("kind", "deviation", "text"), ("source", "from", "text"),
                 ("target", "to", "text"), ("detail", "detail", "text"),
                 ("cases", "cases", "count"), ("case_share", "share of cases", "pct")],
                limit=15, what="deviations",
            ),
        }
    if result.groups is not None and result.by:
        g = result.groups.reset_index()
        context["league"] = {
            "by": result.by,
            "table": _table(
                g,
                [("rank", "rank", "count"), (result.by, result.by, "text"),
                 ("cases", "cases", "count"), ("lead_median", "median lead time", "dur"),
                 ("lead_p90", "90th pct lead time", "dur"),
                 ("waiting_median", "median waiting", "dur"),
                 ("handoffs_per_case", "handoffs per case", "num1"),
                 ("pingpong_rate", "cases with ping-pong", "pct"),
                 ("sla_share", f"steps within {duration(sla)}", "pct")],
                limit=50, what="groups",
            ),
        }
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("odsc-journeys")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ver = "dev"
    context["footer"] = (
        f"Made with odsc-journeys {ver} (odsc mine). Figures are computed from the event log "
        "only; a finding is an indication to check with the agencies, not a verdict."
    )
    return context


def _finding(f: Any) -> dict[str, Any]:
    evidence = [
        (_label(k), _evidence_value(k, v)) for k, v in f.evidence.items() if v not in (None, "")
    ]
    return {
        "title": f.title,
        "text": f.text,
        "recommendation": f.recommendation,
        "impact": f"{duration(f.impact)} of case time",
        "evidence": evidence,
    }


def _evidence_value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "n/a" if value is None else "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if key.endswith("minutes") or key in ("delay", "lead", "waiting", "sla"):
            return duration(value)
        if "share" in key or key.endswith("rate"):
            return percent(value)
        if isinstance(value, int) or float(value).is_integer():
            return _count(value)
        return _number(value, 2)
    return str(value)


def _label(key: str) -> str:
    text = key.removesuffix("_minutes").replace("_", " ")
    return text


def _table(df: pd.DataFrame, spec: Sequence[_Column], *, limit: int, what: str) -> dict[str, Any]:
    # Columns the log cannot fill (e.g. processing times without start times) are left out.
    spec = [
        c for c in spec
        if c[0] in df.columns and (c[2] == "text" or len(df) == 0 or df[c[0]].notna().any())
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
        x = _float(v)
        return "n/a" if math.isnan(x) else f"{x:,.0f}"
    if kind == "dur":
        return duration(v)
    if kind == "pct":
        return percent(v)
    if kind == "num1":
        return _number(v, 1)
    return _number(v, 2)


def _lead_table(k: pd.DataFrame, has_start: bool) -> dict[str, Any]:
    rows = []
    labels = {"lead_minutes": "lead time", "waiting_minutes": "waiting",
              "processing_minutes": "processing"}
    if not has_start:  # waiting is then the lead time again, less the first step
        labels.pop("waiting_minutes")
    for column, label in labels.items():
        if column not in k.columns or not k[column].notna().any():
            continue
        x = k[column].astype(float)
        rows.append([label, duration(x.quantile(0.1)), duration(x.median()), duration(x.mean()),
                     duration(x.quantile(0.9)), duration(x.max())])
    columns = [{"label": "per case", "num": False}]
    columns += [{"label": s, "num": True} for s in ("10th pct", "median", "mean", "90th pct",
                                                     "longest")]
    return {"columns": columns, "rows": rows, "more": "", "empty": "No cases."}


# ----- small helpers --------------------------------------------------------------------


def _sla_share(s: pd.Series) -> tuple[float, str]:
    """The service level of analysis.kpis.summarize: per step when known, else per case."""
    steps = _float(_get(s, "events_within_sla"))
    if not math.isnan(steps):
        return steps, "steps"
    return _float(_get(s, "cases_within_sla")), "cases"


def _period(k: pd.DataFrame) -> tuple[Any, Any]:
    if "first" not in k.columns or not len(k):
        return None, None
    return k["first"].min(), k["last"].max()


def _tile(label: str, value: str, note: str = "", tone: str = "") -> dict[str, str]:
    return {"label": label, "value": value, "note": note, "tone": tone}


def _get(s: Any, key: str, default: Any = math.nan) -> Any:
    try:
        return s[key] if key in s.index else default
    except (KeyError, AttributeError):
        return default


def _col_q(k: pd.DataFrame, column: str, q: float) -> float:
    return float(k[column].quantile(q)) if column in k.columns and len(k) else math.nan


def _col_mean(k: pd.DataFrame, column: str) -> float:
    return float(k[column].mean()) if column in k.columns and k[column].notna().any() else math.nan


def _float(v: Any) -> float:
    try:
        return math.nan if v is None else float(v)
    except (TypeError, ValueError):
        return math.nan


def _count(v: Any) -> str:
    x = _float(v)
    return "n/a" if math.isnan(x) else f"{x:,.0f}"


def _number(v: Any, digits: int) -> str:
    x = _float(v)
    return "n/a" if math.isnan(x) else f"{x:,.{digits}f}"

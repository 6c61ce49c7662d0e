"""The display context of the mining report: figures formatted for people.

:func:`report_context` turns a :class:`analysis.mining.MiningResult` into
plain strings and small tables (durations in minutes, hours or days, counts
with thousands separators, shares as percentages) that the HTML template and
the Markdown writer of :mod:`odsc.report_mine` both show.

Examples
--------
>>> import pandas as pd
>>> from analysis.mining import mine
>>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
...     "concept:name": ["apply", "approve", "apply", "approve"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-03 08:00",
...         "2024-01-01 09:00", "2024-01-01 10:30"], utc=True),
...     "org:group": ["Commerce", "Tax", "Commerce", "Tax"]})
>>> c = report_context(mine(log), ReportMeta(source="centre.csv"))
>>> [(t["label"], t["value"]) for t in c["tiles"][:2]]
[('Cases', '2'), ('Median lead time', '24.8 h')]
>>> c["handoffs"]["rows"][0][:4]
['Commerce', 'Tax', '2', '2']
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.queues import NO_QUEUE
from odsc.conclusions import mine_conclusions
from odsc.mine_format import (
    count,
    duration,
    finding_view,
    lead_table,
    number,
    percent,
    table,
    to_float,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.mining import MiningResult

__all__ = ["ReportMeta", "duration", "has_start_times", "percent", "report_context"]


@dataclass(frozen=True)
class ReportMeta:
    """What the report says about where the figures come from.

    ``causes_note``, when given, stands in place of the "Why cases wait"
    section (the scale engine does not compute it and says why).
    """

    source: str = "event log"
    pseudonymised: bool = True
    keyed: bool = False
    tz: str | None = None
    currency: str | None = None
    causes_note: str | None = None


_NOT_RECORDED = "not recorded"


def report_context(result: MiningResult, meta: ReportMeta) -> dict[str, Any]:
    s = result.summary
    k = result.case_kpis
    sla = result.sla_minutes
    first, last = _period(k)
    period = f"{first:%d %b %Y} to {last:%d %b %Y}" if first is not None else "n/a"
    days = (last - first).total_seconds() / 86400 if first is not None else math.nan
    has_start = has_start_times(s)
    cases = int(_get(s, "cases", len(k)))

    tiles = [
        _tile(
            "Cases",
            count(cases),
            f"{count(_get(s, 'events'))} events, {count(_get(s, 'activities'))} steps, "
            + _agencies(s),
        ),
        _tile(
            "Median lead time",
            duration(_col_q(k, "lead_minutes", 0.5)),
            f"90% of cases within {duration(_col_q(k, 'lead_minutes', 0.9))}",
        ),
    ]
    if has_start:
        # Without start times a case's waiting adds up to its lead time: no tile of its own.
        tiles.append(
            _tile(
                "Median waiting per case",
                duration(_col_q(k, "waiting_minutes", 0.5)),
                f"90th percentile {duration(_col_q(k, 'waiting_minutes', 0.9))}",
            )
        )
    no_agency = to_float(_get(s, "agencies_named")) == 0
    tiles += [
        _tile(
            "Handoffs per case",
            _NOT_RECORDED if no_agency else number(_get(s, "handoffs_per_case"), 1),
            "the log names no agency"
            if no_agency
            else f"{percent(_get(s, 'handoff_delay_share'))} of lead time spent in handoffs",
        ),
    ]
    # The three TCV tiles (Time, Cost, Visits) are always there: a figure the log does
    # not hold is "not recorded", with the reason, never 0.
    visits = _col_mean(k, "visits")
    if not math.isnan(visits):
        tiles.append(
            _tile(
                "Visits per case",
                number(visits, 1),
                f"up to {number(_col_q(k, 'visits', 0.9), 0)} for 1 case in 10",
            )
        )
    else:
        tiles.append(
            _tile(
                "Visits per case",
                _NOT_RECORDED,
                "the log does not say when the citizen had to be present"
                " (declare it with --citizen-steps or --present)",
                tone="unknown",
            )
        )
    served, queues = _queue_standard(s)
    if queues:
        tiles.append(
            _tile(
                f"Desk queues within {duration(sla)}",
                percent(served),
                f"standard: 85%; {count(queues)} queues measured",
                tone="bad" if served < 0.85 else "ok",
            )
        )
    cost = _col_mean(k, "citizen_cost")
    if not math.isnan(cost):
        unit = f" {meta.currency}" if meta.currency else ""
        tiles.append(
            _tile(
                "Citizen cost per case",
                f"{cost:,.0f}{unit}",
                "mean of fees, travel and time off work",
            )
        )
    else:
        tiles.append(
            _tile(
                "Citizen cost per case",
                _NOT_RECORDED,
                "the log holds no fees or travel costs (give a priced --journey)",
                tone="unknown",
            )
        )
    if result.conformance is not None:
        tiles.append(
            _tile(
                "Follow the journey",
                percent(result.conformance.share),
                f"{count(result.conformance.conforming)} of "
                f"{count(result.conformance.cases)} cases",
            )
        )
    tiles.append(
        _tile("Period covered", f"{days:,.0f} days" if not math.isnan(days) else "n/a", period)
    )

    findings = [finding_view(f) for f in result.findings]
    notes = list(result.notes)
    if meta.pseudonymised:
        notes.append(
            "Case ids and staff names are pseudonymised with a keyed hash (HMAC-SHA256): "
            + (
                "the same key gives the same pseudonyms in every report."
                if meta.keyed
                else "a random key was used for this report only."
            )
        )
    else:
        notes.append("Case ids and staff names are shown as recorded in the log.")
    notes.append(
        "Durations are calendar time (nights and weekends included), shown in minutes, "
        "hours or days; a day is 24 hours."
    )
    unchecked = _get(s, "queue_unchecked", None)
    if not queues:
        notes.append(
            f"The queue standard (85% of citizens served within {duration(sla)}) is not "
            "checked: " + (unchecked if isinstance(unchecked, str) else NO_QUEUE)
        )
    key_notes = [n for n in result.notes if "no start times" in n.lower()]

    waiting_meaning = (
        "Waiting before a step is the time from the end of the previous step of the case to "
        "the start of this one."
        if has_start
        else "The log has no start times: the time before a step is measured from the end of "
        "the previous step to the end of this one, so it includes the work itself."
    ) + (
        " Likely cause, by one rule on the shape of the waits: 'deadline/timer' when they "
        "are long (a week or more) and regular, peaking at one period to the hour, or "
        "counted in whole days for a month or more, as a legal period is; 'handoff' when most of the waiting follows another "
        "agency's step; 'backlog' otherwise (the step's own desk); blank with fewer than "
        "5 waits."
    )
    h = result.handoffs
    handoff_headline = (
        f"In total {count(_get(s, 'handoffs'))} handoffs ({number(_get(s, 'handoffs_per_case'), 1)} "
        f"per case) account for {percent(_get(s, 'handoff_delay_share'))} of all lead time."
        if len(h)
        else "The log names no agency (no agency column, or every value missing), so "
        "handoffs between agencies cannot be seen; pass the agency column with --agency."
        if no_agency
        else "There are no handoffs between agencies in this log."
    )
    v = result.variants
    variants_headline = (
        f"{count(_get(s, 'variants'))} different paths; the {len(v)} most frequent cover "
        f"{percent(_get(s, 'top_variants_coverage'))} of cases."
    )
    t = result.transitions
    overlapping = int(t["overlaps"].sum()) if "overlaps" in t.columns else 0
    has_carrier = "carrier" in h.columns and bool(h["carrier"].fillna("").astype(str).ne("").any())

    context: dict[str, Any] = {
        "title": "Bottleneck and silo-handoff report",
        "subtitle": (
            f"{count(cases)} cases mined from the event log: where citizens wait, which "
            "handoffs between agencies cost time, and what to change."
        ),
        "source": meta.source,
        "period": period,
        "generated": f"{_dt.date.today():%d %b %Y}",
        "tiles": tiles,
        "headlines": findings[:3],
        "findings": findings,
        "conclusions": mine_conclusions(list(result.findings)),
        "key_notes": key_notes,
        "notes": notes,
        "sla": duration(sla),
        "sla_definition": (
            f"A citizen's queue at a desk is within the standard when it lasts at most "
            f"{duration(sla)}. A queue is the wait before a step in the office the citizen "
            "is already in, on the same day, or from the recorded arrival to the first desk; "
            "the time between visits or offices is not a queue (see handoffs)."
        ),
        "time_title": "Lead time and waiting per case" if has_start else "Lead time per case",
        "pseudonymised": meta.pseudonymised,
        "waiting_meaning": waiting_meaning,
        "handoff_headline": handoff_headline,
        "variants_headline": variants_headline,
        "process_map_note": (
            "The process map needs Graphviz (the 'dot' program), which is not installed "
            "here; the transitions table above holds the same figures."
        ),
        "activities": table(
            _cause_labels(_measured_waits(result.activities)),
            [
                ("activity", "step", "text"),
                ("events", "events", "count"),
                ("cases", "cases", "count"),
                ("waiting_median", "median wait", "dur"),
                ("waiting_p90", "90th pct wait", "dur"),
                ("waiting_total", "total wait", "dur"),
                ("waiting_share", "share of all waiting", "pct"),
                ("processing_median", "median work", "dur"),
                ("cause", "likely cause", "text"),
            ],
            limit=15,
            what="steps",
        ),
        "transitions": table(
            result.transitions,
            [
                ("source", "from step", "text"),
                ("target", "to step", "text"),
                ("count", "times", "count"),
                ("cases", "cases", "count"),
            ]
            + ([("overlaps", "overlapping", "count")] if overlapping else [])
            + [
                ("median", "median time", "gap"),
                ("p90", "90th pct", "gap"),
                ("total", "total time", "gap"),
            ],
            limit=12,
            what="transitions",
        ),
        "transitions_overlap": (
            f"{count(overlapping)} transitions overlap: the next step started before the "
            "previous one ended (work at the same time). They are counted under "
            "'overlapping' and left out of the times, which are those of the transitions "
            "that did not overlap ('overlap' where all did)."
            if overlapping
            else ""
        ),
        "rework": table(
            result.rework[result.rework["rework_cases"] > 0]
            if "rework_cases" in result.rework.columns
            else result.rework,
            [
                ("activity", "step", "text"),
                ("rework_cases", "cases repeating it", "count"),
                ("rework_share", "share of cases", "pct"),
                ("extra_executions", "extra executions", "count"),
                ("max_repeats", "most in one case", "count"),
            ],
            limit=10,
            what="steps",
        ),
        "handoffs": table(
            h,
            [
                ("source", "from agency", "text"),
                ("target", "to agency", "text"),
                ("count", "handoffs", "count"),
                ("cases", "cases", "count"),
                ("case_share", "share of cases", "pct"),
                ("delay_median", "median delay", "dur"),
                ("delay_p90", "90th pct delay", "dur"),
                ("delay_total", "total delay", "dur"),
                ("lead_share", "share of lead time", "pct"),
                ("pingpongs", "sent back", "count"),
            ]
            + ([("carrier", "carrier", "text")] if has_carrier else []),
            limit=15,
            what="agency pairs",
        ),
        "pingpongs": table(
            result.pingpongs,
            [
                ("a", "agency", "text"),
                ("b", "and agency", "text"),
                ("returns", "returns", "count"),
                ("cases", "cases", "count"),
                ("case_share", "share of cases", "pct"),
                ("delay_total", "time lost", "dur"),
            ],
            limit=10,
            what="pairs",
        ),
        "resource_handoffs": table(
            result.resource_handoffs,
            [
                ("source", "from", "text"),
                ("target", "to", "text"),
                ("count", "handoffs", "count"),
                ("cases", "cases", "count"),
                ("delay_median", "median delay", "dur"),
                ("delay_total", "total delay", "dur"),
            ],
            limit=10,
            what="pairs",
        ),
        "variants": table(
            v,
            [
                ("rank", "#", "count"),
                ("variant", "path (steps in order)", "path"),
                ("events", "steps", "count"),
                ("cases", "cases", "count"),
                ("share", "share", "pct"),
                ("cumulative_share", "cumulative", "pct"),
                ("lead_median", "median lead time", "dur"),
            ],
            limit=10,
            what="variants",
        ),
        "lead_table": lead_table(k, has_start),
        "resources": None,
        "conformance": None,
        "league": None,
    }
    if len(result.resources):
        context["resources"] = table(
            result.resources,
            [
                ("resource", "staff / desk", "text"),
                ("agency", "agency", "text"),
                ("events", "events", "count"),
                ("cases", "cases", "count"),
                ("active_days", "active days", "count"),
                ("events_per_day", "events per active day", "num1"),
                ("busy_minutes", "time working", "dur"),
                ("event_share", "share of events", "pct"),
            ],
            limit=15,
            what="staff",
        )
    if result.conformance is not None:
        c = result.conformance
        context["conformance"] = {
            "journey": c.journey,
            "headline": (
                f"{percent(c.share)} of cases ({count(c.conforming)} of {count(c.cases)}) "
                f"follow the journey; {percent(c.matched_share)} of events match one of its "
                "steps. The most widespread deviations:"
            ),
            "deviations": table(
                c.deviations,
                [
                    ("kind", "deviation", "text"),
                    ("source", "from", "text"),
                    ("target", "to", "text"),
                    ("detail", "detail", "text"),
                    ("cases", "cases", "count"),
                    ("case_share", "share of cases", "pct"),
                ],
                limit=15,
                what="deviations",
            ),
        }
    if result.groups is not None and result.by:
        g = result.groups.reset_index()
        context["league"] = {
            "by": result.by,
            "table": table(
                g,
                [
                    ("rank", "rank", "count"),
                    (result.by, result.by, "text"),
                    ("cases", "cases", "count"),
                    ("lead_median", "median lead time", "dur"),
                    ("lead_p90", "90th pct lead time", "dur"),
                    ("waiting_median", "median waiting", "dur"),
                    ("handoffs_per_case", "handoffs per case", "num1"),
                    ("pingpong_rate", "cases with ping-pong", "pct"),
                    ("sla_share", f"desk queues within {duration(sla)}", "pct"),
                ],
                limit=50,
                what="groups",
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


# ----- small helpers --------------------------------------------------------------------


def has_start_times(summary: pd.Series) -> bool:
    """Whether the mined log had start times (so waiting excludes the work itself)."""
    for key in ("has_start_times", "has_start"):
        if key in summary.index and not math.isnan(to_float(summary[key])):
            return bool(summary[key])
    return False


def _queue_standard(s: pd.Series) -> tuple[float, int]:
    """The share of desk queues within the standard and how many were measured.

    See :func:`analysis.queues.queue_waits`; (NaN, 0) when the log has none.
    """
    n = to_float(_get(s, "queue_waits"))
    if math.isnan(n) or n == 0:
        return math.nan, 0
    return to_float(_get(s, "queue_within_sla")), int(n)


def _measured_waits(a: pd.DataFrame) -> pd.DataFrame:
    """The activity table with no total or share of waiting where none was measured.

    A step that only ever opens a case has no waiting before it (NaN median):
    its total is unknown, not zero.
    """
    if "waiting_median" not in a.columns:
        return a
    unknown = a["waiting_median"].isna()
    if not unknown.any():
        return a
    cols = [c for c in ("waiting_total", "waiting_share") if c in a.columns]
    out = a.copy()
    out.loc[unknown, cols] = math.nan
    return out


_CAUSE_LABELS = {"timer": "deadline/timer", "handoff": "handoff", "backlog": "backlog"}


def _cause_labels(a: pd.DataFrame) -> pd.DataFrame:
    """The activity table with the likely cause in the report's words."""
    if "cause" not in a.columns:
        return a
    return a.assign(cause=a["cause"].map(_CAUSE_LABELS).fillna(""))


def _period(k: pd.DataFrame) -> tuple[Any, Any]:
    if "first" not in k.columns or not len(k):
        return None, None
    return k["first"].min(), k["last"].max()


def _tile(label: str, value: str, note: str = "", tone: str = "") -> dict[str, str]:
    return {"label": label, "value": value, "note": note, "tone": tone}


def _agencies(s: Any) -> str:
    """``3 agencies``, ``1 agency``, or ``no agency named`` when all are unknown."""
    named = to_float(_get(s, "agencies_named"))
    n = to_float(_get(s, "agencies"))
    if named == 0:
        return "no agency named"
    return f"{count(n)} agenc{'y' if n == 1 else 'ies'}"


def _get(s: Any, key: str, default: Any = math.nan) -> Any:
    try:
        return s[key] if key in s.index else default
    except (KeyError, AttributeError):
        return default


def _col_q(k: pd.DataFrame, column: str, q: float) -> float:
    return float(k[column].quantile(q)) if column in k.columns and len(k) else math.nan


def _col_mean(k: pd.DataFrame, column: str) -> float:
    return float(k[column].mean()) if column in k.columns and k[column].notna().any() else math.nan

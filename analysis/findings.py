"""Plain-language findings, each with the numbers behind it, ranked by impact.

Findings come from fixed rules over the mining tables; a rule that does not
fire says nothing, and no finding is ever made without its evidence. The
*impact* of a finding is the case time it accounts for, in minutes summed
over cases, so findings of different kinds rank on one scale.

The rules and their thresholds (module constants, so a reader can check them):

1. **Handoff** (``kind="handoff"``): an agency-to-agency handoff whose delays
   add up to at least :data:`HANDOFF_MIN_LEAD_SHARE` (5%) of all lead time and
   that touches at least :data:`MIN_CASE_SHARE` (2%) of cases. Impact: its
   total delay. The recommendation depends on the journey's carrier.
2. **Ping-pong** (``kind="pingpong"``): two agencies sending a file straight
   back to each other in at least :data:`PINGPONG_MIN_CASE_SHARE` (5%) of
   cases. Impact: the delay of the returning handoffs.

   Handoffs and ping-pong to or from events without an agency
   (:data:`analysis.schema.UNKNOWN_AGENCY`) make no finding: nobody can be
   asked to fix a handoff with an office the log does not name. The tables
   of the report still show them, and its notes say how many events lack an
   agency.
3. **Waiting** (``kind="waiting"``): an activity holding at least
   :data:`WAITING_MIN_SHARE` (20%) of all waiting. Impact: its total waiting.
   When that waiting is exactly one reported handoff seen from the receiving
   side (as many events as the handoff has handoffs, and the same total
   delay within 0.5%), it is not reported twice: the handoff finding says
   that it is all the waiting before the activity.
4. **Rework** (``kind="rework"``): an activity repeated within a case in at
   least :data:`REWORK_MIN_CASE_SHARE` (5%) of cases. Impact: its extra
   executions times the median waiting plus processing of the activity.
5. **Queue standard** (``kind="sla"``): fewer than :data:`SERVICE_LEVEL`
   (85%) of the citizens' *desk queues* last at most ``sla_minutes`` (15),
   the one-stop-shop standard "85% served within 15 minutes". A desk queue
   (:func:`analysis.queues.queue_waits`) is the wait before a citizen-facing
   step that continues a visit (same office, same day), or from the
   citizen's recorded arrival to the first desk. The time between two
   steps in general is *not* a queue: it holds handoffs, travel, couriers
   and days between visits, which the handoff and waiting rules measure; a
   15-minute standard applied to it would report ~0% on any multi-office
   journey and count those delays a second time. The rule says nothing
   when no desk queue can be measured (no start times; no step follows
   another in the same office on the same day and no arrival times).
   Impact: the queues short of the standard times the median excess of the
   queues that breach it.
6. **Conformance** (``kind="conformance"``, with a journey): fewer than
   :data:`CONFORMANCE_MIN_SHARE` (80%) of cases follow the journey. Impact:
   the extra median lead time of the deviating cases, times their number.
7. **Long tail** (``kind="tail"``): the 90th percentile of lead time is at
   least :data:`TAIL_RATIO` (10) times the median. Impact: the lead time of
   the slowest tenth beyond the 90th percentile.
8. **Group gap** (``kind="group"``, with ``by``): a group with at least
   :data:`MIN_CASE_SHARE` of cases whose median lead time is at least
   :data:`GROUP_GAP_RATIO` (2) times the best group's. Impact: the gap in
   median lead time times the group's cases.

At most :data:`MAX_PER_RULE` (3) findings come from one rule.

Examples
--------
>>> format_minutes(45), format_minutes(186), format_minutes(4464), format_minutes(0.2)
('45 min', '3.1 h', '3.1 days', '<1 min')
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.schema import UNKNOWN_AGENCY

__all__ = [
    "CONFORMANCE_MIN_SHARE",
    "GROUP_GAP_RATIO",
    "HANDOFF_MIN_LEAD_SHARE",
    "MAX_PER_RULE",
    "MIN_CASE_SHARE",
    "PINGPONG_MIN_CASE_SHARE",
    "REWORK_MIN_CASE_SHARE",
    "SERVICE_LEVEL",
    "TAIL_RATIO",
    "WAITING_MIN_SHARE",
    "Finding",
    "find",
    "format_minutes",
]

HANDOFF_MIN_LEAD_SHARE: float = 0.05
MIN_CASE_SHARE: float = 0.02
PINGPONG_MIN_CASE_SHARE: float = 0.05
WAITING_MIN_SHARE: float = 0.20
REWORK_MIN_CASE_SHARE: float = 0.05
SERVICE_LEVEL: float = 0.85
CONFORMANCE_MIN_SHARE: float = 0.80
TAIL_RATIO: float = 10.0
GROUP_GAP_RATIO: float = 2.0
MAX_PER_RULE: int = 3

_CARRIER_ADVICE = {
    "citizen": (
        "The citizen carries the file between these offices: move this handoff to the "
        "back office behind one front desk, or replace the paper with data exchange."
    ),
    "courier": (
        "The file travels by courier inside government: replace it with digital data "
        "exchange between the two agencies' systems."
    ),
    "digital": (
        "The handoff is already digital: the delay is the receiving desk's queue; "
        "look at its staffing and opening hours."
    ),
    "": (
        "Candidate for back-office data exchange; agree a service standard between the "
        "two agencies and track it."
    ),
}


@dataclass(frozen=True)
class Finding:
    """One finding: what, the numbers behind it, how much it matters, what to do.

    Attributes
    ----------
    title : str
        A short headline.
    text : str
        One or two plain sentences with the numbers.
    evidence : dict
        The numbers the text quotes (plain ints, floats and strings; times
        in minutes).
    impact : float
        Case time accounted for, in minutes (the ranking key).
    recommendation : str
        What a reform team could do about it.
    kind : str
        The rule that made it (see the module docstring).

    Examples
    --------
    >>> f = Finding("t", "x", {"cases": 3}, 120.0, "r", "waiting")
    >>> f.to_dict()["evidence"]
    {'cases': 3}
    """

    title: str
    text: str
    evidence: dict[str, Any] = field(default_factory=dict)
    impact: float = 0.0
    recommendation: str = ""
    kind: str = ""

    def __post_init__(self) -> None:
        # Evidence holds plain Python values, whatever the tables' dtypes were.
        object.__setattr__(self, "evidence", {k: _plain(v) for k, v in self.evidence.items()})
        object.__setattr__(self, "impact", float(self.impact))

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (for JSON)."""
        out = asdict(self)
        out["evidence"] = {k: _plain(v) for k, v in self.evidence.items()}
        out["impact"] = _plain(self.impact)
        return out


def format_minutes(minutes: float) -> str:
    """A duration for people: minutes, hours or days (calendar days).

    Under 60 minutes in whole minutes (``<1 min`` for a non-zero wait under
    half a minute), under 48 hours in hours, else in days, with one decimal
    and thousands separators.

    Examples
    --------
    >>> format_minutes(0), format_minutes(0.4), format_minutes(90), format_minutes(60 * 24 * 12)
    ('0 min', '<1 min', '1.5 h', '12.0 days')
    >>> format_minutes(1440 * 1234.5), format_minutes(float("nan"))
    ('1,234.5 days', 'n/a')
    """
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return "n/a"
    m = float(minutes)
    if m == 0:
        return "0 min"
    if abs(m) < 0.5:
        return "<1 min"
    if abs(m) < 59.5:
        return f"{m:.0f} min"
    if abs(m) < 48 * 60:
        return f"{m / 60:.1f} h"
    return f"{m / 1440:,.1f} days"


def find(
    *,
    activities: pd.DataFrame | None = None,
    handoffs: pd.DataFrame | None = None,
    pingpongs: pd.DataFrame | None = None,
    rework: pd.DataFrame | None = None,
    case_kpis: pd.DataFrame | None = None,
    waiting: pd.Series | None = None,
    conformance: Any = None,
    groups: pd.DataFrame | None = None,
    sla_minutes: float = 15,
    has_start: bool = True,
) -> list[Finding]:
    """Apply the rules of the module docstring to the mining tables.

    Parameters
    ----------
    activities, handoffs, pingpongs, rework : pandas.DataFrame, optional
        Tables of :mod:`analysis.bottlenecks`, :mod:`analysis.handoffs` and
        :mod:`analysis.variants` (agency level, without ``by``).
    case_kpis : pandas.DataFrame, optional
        One row per case with ``lead_minutes`` (:func:`analysis.kpis.case_kpis`).
    waiting : pandas.Series, optional
        The citizens' desk queues in minutes, for the queue-standard rule:
        :func:`analysis.queues.queue_waits` (NaN entries, the waits that are
        not queues, are ignored).
    conformance : Conformance, optional
        The result of :func:`analysis.conformance.conformance`.
    groups : pandas.DataFrame, optional
        A league table with ``cases`` and ``lead_median`` indexed by group.
    sla_minutes : float
        The queue standard.
    has_start : bool
        Whether the log had start timestamps (else waiting is the time
        between completions, the texts say so, and the queue-standard rule
        is silent: a wait that includes the work is no queue).

    Returns
    -------
    list of Finding
        Ranked by impact, largest first.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"source": ["Tax"], "target": ["Commerce"], "count": [430],
    ...     "cases": [412], "case_share": [0.4], "delay_median": [3.1 * 1440],
    ...     "delay_total": [2.0e6], "lead_share": [0.38], "pingpongs": [0], "carrier": [""]})
    >>> f = find(handoffs=h)[0]
    >>> f.text
    'Handoff Tax -> Commerce: 412 cases, median 3.1 days, 38% of lead time.'
    >>> f.impact
    2000000.0
    """
    out: list[Finding] = []
    hand: list[Finding] = _handoff_findings(handoffs) if handoffs is not None else []
    if pingpongs is not None:
        out += _pingpong_findings(pingpongs)
    if activities is not None:
        hand, waits = _fold_waiting_into_handoffs(hand, _waiting_findings(activities, has_start))
        out += waits
    out += hand
    if rework is not None:
        out += _rework_findings(rework, activities)
    if waiting is not None and has_start:
        out += _sla_findings(waiting, sla_minutes)
    if conformance is not None:
        out += _conformance_findings(conformance, case_kpis)
    if case_kpis is not None:
        out += _tail_findings(case_kpis)
    if groups is not None:
        out += _group_findings(groups)
    return sorted(out, key=lambda f: -f.impact)


# ----- the rules ----------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _n(x: Any, noun: str = "") -> str:
    """A count with thousands separators and its noun: ``1,416 events``, ``1 case``."""
    n = int(x)
    if not noun:
        return f"{n:,}"
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _named_mask(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Rows whose two agencies are recorded (neither is the placeholder of a missing one)."""
    return (a.astype(str) != UNKNOWN_AGENCY).to_numpy() & (
        b.astype(str) != UNKNOWN_AGENCY
    ).to_numpy()


def _handoff_findings(h: pd.DataFrame) -> list[Finding]:
    hit = h[(h["lead_share"] >= HANDOFF_MIN_LEAD_SHARE) & (h["case_share"] >= MIN_CASE_SHARE)]
    hit = hit[_named_mask(hit["source"], hit["target"])]
    hit = hit.sort_values("delay_total", ascending=False).head(MAX_PER_RULE)
    out = []
    for r in hit.itertuples(index=False):
        carrier = str(getattr(r, "carrier", "") or "")
        by = f" (carried by: {carrier})" if carrier else ""
        p90 = getattr(r, "delay_p90", math.nan)
        p90 = f" (p90 {format_minutes(p90)})" if not math.isnan(p90) else ""
        out.append(
            Finding(
                title=f"Handoff {r.source} -> {r.target}",
                text=(
                    f"Handoff {r.source} -> {r.target}: {_n(r.cases, 'case')}, median "
                    f"{format_minutes(r.delay_median)}{p90}, {_pct(r.lead_share)} of lead "
                    f"time{by}."
                ),
                evidence={
                    "source": r.source,
                    "target": r.target,
                    "cases": r.cases,
                    "handoffs": r.count,
                    "case_share": r.case_share,
                    "delay_median_minutes": r.delay_median,
                    "delay_p90_minutes": getattr(r, "delay_p90", math.nan),
                    "delay_total_minutes": r.delay_total,
                    "lead_share": r.lead_share,
                    "carrier": carrier,
                },
                impact=float(r.delay_total),
                recommendation=_CARRIER_ADVICE.get(carrier, _CARRIER_ADVICE[""]),
                kind="handoff",
            )
        )
    return out


def _pingpong_findings(p: pd.DataFrame) -> list[Finding]:
    hit = p[p["case_share"] >= PINGPONG_MIN_CASE_SHARE]
    hit = hit[_named_mask(hit["a"], hit["b"])].head(MAX_PER_RULE)
    return [
        Finding(
            title=f"Ping-pong between {r.a} and {r.b}",
            text=(
                f"Ping-pong between {r.a} and {r.b} in {_pct(r.case_share)} of cases "
                f"({_n(r.cases, 'case')}, {_n(r.returns, 'return')}, "
                f"{format_minutes(r.delay_total)} "
                "in total)."
            ),
            evidence={
                "a": r.a,
                "b": r.b,
                "cases": r.cases,
                "case_share": r.case_share,
                "returns": r.returns,
                "delay_total_minutes": r.delay_total,
            },
            impact=float(r.delay_total),
            recommendation=(
                "Files bounce between these agencies: check dossiers for completeness once, "
                "at intake, and give each case one owner who gathers the agencies' inputs."
            ),
            kind="pingpong",
        )
        for r in hit.itertuples(index=False)
    ]


def _waiting_findings(a: pd.DataFrame, has_start: bool) -> list[Finding]:
    hit = a[a["waiting_share"] >= WAITING_MIN_SHARE]
    hit = hit.sort_values("waiting_total", ascending=False).head(MAX_PER_RULE)
    what = "waiting" if has_start else "waiting (time since the previous step)"
    return [
        Finding(
            title=f"Waiting before {r.activity}",
            text=(
                f"Activity {r.activity}: p90 {what} {format_minutes(r.waiting_p90)}, "
                f"{_pct(r.waiting_share)} of all waiting ({_n(r.events, 'event')}, median "
                f"{format_minutes(r.waiting_median)})."
            ),
            evidence={
                "activity": r.activity,
                "events": r.events,
                "waiting_median_minutes": r.waiting_median,
                "waiting_p90_minutes": r.waiting_p90,
                "waiting_total_minutes": r.waiting_total,
                "waiting_share": r.waiting_share,
            },
            impact=float(r.waiting_total),
            recommendation=(
                "A bottleneck step: add desk capacity at peak hours, triage simple files to a "
                "fast lane, or remove the step's dependency on other offices."
            ),
            kind="waiting",
        )
        for r in hit.itertuples(index=False)
    ]


def _rework_findings(rw: pd.DataFrame, activities: pd.DataFrame | None) -> list[Finding]:
    hit = rw[rw["rework_share"] >= REWORK_MIN_CASE_SHARE].head(MAX_PER_RULE)
    unit = pd.Series(dtype=float)
    if activities is not None and not activities.empty:
        a = activities.set_index("activity")
        unit = a["waiting_median"].fillna(0) + a["processing_median"].fillna(0)
    out = []
    for r in hit.itertuples(index=False):
        each = float(unit.get(r.activity, 0.0)) if len(unit) else 0.0
        out.append(
            Finding(
                title=f"Rework: {r.activity}",
                text=(
                    f"Rework: {r.activity} repeated in {_pct(r.rework_share)} of cases "
                    f"({_n(r.rework_cases, 'case')}, "
                    f"{_n(r.extra_executions, 'extra execution')})."
                ),
                evidence={
                    "activity": r.activity,
                    "rework_cases": r.rework_cases,
                    "rework_share": r.rework_share,
                    "extra_executions": r.extra_executions,
                    "minutes_per_execution": each,
                },
                impact=float(r.extra_executions) * each,
                recommendation=(
                    "Work done twice: publish a checklist of documents, check the dossier "
                    "completely the first time, and run cheap knock-out checks first."
                ),
                kind="rework",
            )
        )
    return out


def _sla_findings(waiting: pd.Series, sla: float) -> list[Finding]:
    w = waiting.dropna().to_numpy(dtype=float)
    if len(w) == 0:
        return []
    within = float(np.mean(w <= sla))
    if within >= SERVICE_LEVEL:
        return []
    # The gap to the standard: the queues that would have to move within it, times the
    # median excess of the queues that breach it (not every minute of every wait, which
    # would count the other findings again).
    breaches = int(np.sum(w > sla))
    excess = (SERVICE_LEVEL - within) * len(w) * float(np.median(w[w > sla] - sla))
    return [
        Finding(
            title="Desk queues longer than the standard",
            text=(
                f"Only {_pct(within)} of the citizens' queues at a desk end within {sla:g} "
                f"minutes (standard: {_pct(SERVICE_LEVEL)} within {sla:g} minutes); "
                f"{_n(breaches)} of {_n(len(w), 'queue')} were longer. A queue here is the wait "
                "for a desk in the office the citizen is already in, on the same day, or from "
                "arrival to the first desk; travel and days between visits are not counted."
            ),
            evidence={
                "within_share": within,
                "sla_minutes": sla,
                "breaches": breaches,
                "queues": len(w),
                "gap_minutes": excess,
            },
            impact=excess,
            recommendation=(
                "Publish a service charter with time standards, use queue tickets or "
                "appointments, and staff desks to the hour-by-weekday arrival profile."
            ),
            kind="sla",
        )
    ]


def _fold_waiting_into_handoffs(
    hand: list[Finding], waits: list[Finding]
) -> tuple[list[Finding], list[Finding]]:
    """Drop a waiting finding that is one handoff finding seen from the receiving step.

    The handoff finding then says so; the numbers stay those of the handoff.
    """
    from dataclasses import replace

    kept: list[Finding] = []
    hand = list(hand)
    for w in waits:
        same = None
        for i, h in enumerate(hand):
            equal_count = h.evidence.get("handoffs") == w.evidence.get("events")
            close = abs(h.impact - w.impact) <= 0.005 * max(abs(h.impact), abs(w.impact), 1.0)
            if equal_count and close:
                same = i
                break
        if same is None:
            kept.append(w)
            continue
        h = hand[same]
        hand[same] = replace(
            h,
            text=f"{h.text} It is all the waiting before {w.evidence['activity']} "
            f"({_pct(w.evidence.get('waiting_share') or 0.0)} of all waiting).",
            evidence={**h.evidence, "receiving_step": w.evidence["activity"]},
        )
    return hand, kept


def _conformance_findings(c: Any, kpis: pd.DataFrame | None) -> list[Finding]:
    if not c.cases or c.share >= CONFORMANCE_MIN_SHARE:
        return []
    impact = 0.0
    if kpis is not None and "lead_minutes" in kpis.columns:
        flags = c.per_case["conforms"].reindex(kpis.index)
        good = kpis.loc[flags.fillna(False).astype(bool), "lead_minutes"]
        bad = kpis.loc[~flags.fillna(False).astype(bool), "lead_minutes"]
        if len(good) and len(bad):
            impact = max(float(bad.median() - good.median()), 0.0) * len(bad)
    top = ""
    evidence: dict[str, Any] = {"cases": c.cases, "conforming": c.conforming, "share": c.share}
    if len(c.deviations):
        d = c.deviations.iloc[0]
        pair = f"{d['source']} -> {d['target']}" if d["target"] else f"{d['source']}"
        extra = f" ({d['detail']})" if d["detail"] else ""
        top = f" Most frequent deviation: {d['kind']} {pair}{extra}, in {_pct(d['case_share'])} of cases."
        evidence.update(top_deviation=d["kind"], top_deviation_case_share=d["case_share"])
    return [
        Finding(
            title="Cases do not follow the journey",
            text=(
                f"Only {_pct(c.share)} of cases ({_n(c.conforming)} of {_n(c.cases)}) follow the journey "
                f"{c.journey}.{top}"
            ),
            evidence=evidence,
            impact=impact,
            recommendation=(
                "Either the journey on paper is not the one lived, or offices improvise: "
                "update the journey map with the real path, then standardise it."
            ),
            kind="conformance",
        )
    ]


def _tail_findings(kpis: pd.DataFrame) -> list[Finding]:
    lead = kpis["lead_minutes"].dropna().to_numpy(dtype=float)
    if len(lead) < 10:
        return []
    med, p90 = float(np.median(lead)), float(np.quantile(lead, 0.9))
    if p90 < TAIL_RATIO * max(med, 1.0):
        return []
    slow = lead[lead > p90]
    return [
        Finding(
            title="A long tail of slow cases",
            text=(
                f"Half the cases finish within {format_minutes(med)}; a tenth take more than "
                f"{format_minutes(p90)} ({p90 / max(med, 1.0):.0f} times the median)."
            ),
            evidence={
                "cases": len(lead),
                "lead_median_minutes": med,
                "lead_p90_minutes": p90,
                "slow_cases": len(slow),
            },
            impact=float(np.sum(slow - p90)),
            recommendation=(
                "Study the slowest tenth (their variants and handoffs): what they share is "
                "usually a missing document or a waiting external party; triage them early."
            ),
            kind="tail",
        )
    ]


def _group_findings(groups: pd.DataFrame) -> list[Finding]:
    g = groups[groups["cases"] >= MIN_CASE_SHARE * groups["cases"].sum()]
    g = g[g["lead_median"].notna()]
    if len(g) < 2:
        return []
    best_name = g["lead_median"].idxmin()
    best = float(g.loc[best_name, "lead_median"])
    slow = g[g["lead_median"] >= GROUP_GAP_RATIO * max(best, 1.0)]
    slow = slow.sort_values("lead_median", ascending=False).head(MAX_PER_RULE)
    out = []
    for name, r in slow.iterrows():
        gap = float(r["lead_median"]) - best
        out.append(
            Finding(
                title=f"{name} is slower than {best_name}",
                text=(
                    f"{name}: median lead time {format_minutes(r['lead_median'])} over "
                    f"{_n(r['cases'], 'case')}, against {format_minutes(best)} for {best_name}."
                ),
                evidence={
                    "group": str(name),
                    "best_group": str(best_name),
                    "cases": int(r["cases"]),
                    "lead_median_minutes": float(r["lead_median"]),
                    "best_lead_median_minutes": best,
                },
                impact=gap * float(r["cases"]),
                recommendation=(
                    f"Peer learning: compare how {best_name} handles these files "
                    "(steps, handoffs, staffing) and transfer what works."
                ),
                kind="group",
            )
        )
    return out


def _plain(v: Any) -> Any:
    """numpy and pandas scalars as plain Python values; NaN as None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v

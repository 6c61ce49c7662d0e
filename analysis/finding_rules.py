"""The rules that make findings, with their thresholds.

One private function per rule of :mod:`analysis.findings` (whose docstring
says what each rule checks and how it measures impact); each takes one
mining table and returns its findings, unranked. The thresholds are public
constants here and re-exported by :mod:`analysis.findings`.

Examples
--------
>>> HANDOFF_MIN_LEAD_SHARE, MIN_CASE_SHARE, MAX_PER_RULE
(0.05, 0.02, 3)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis.finding import Finding, _n, _pct, format_minutes
from analysis.schema import UNKNOWN_AGENCY

__all__ = [
    "CAUSE_ADVICE",
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


#: What to do about a wait, by its cause (:mod:`analysis.causes`).
CAUSE_ADVICE = {
    "timer": (
        "The wait looks set by a rule, not by a desk: a legal deadline, a notification or "
        "appeal period, or a timer. More staff or longer hours will not shorten it; review "
        "the deadline and notification rules with the agency (can the period be shorter, "
        "can the step start as soon as its condition is met, can notices go out digitally?)."
    ),
    "handoff": (
        "Most of this waiting follows a handoff from another agency: move the file by "
        "digital data exchange instead of paper, and agree a service standard for the "
        "receiving desk."
    ),
    "backlog": (
        "A bottleneck step: add desk capacity at peak hours, triage simple files to a "
        "fast lane, or remove the step's dependency on other offices."
    ),
}

_CAUSE_TEXT = {
    "timer": " The waits look set by a rule, not by a desk ({reason}).",
    "handoff": " {share} of it follows a handoff from another agency.",
    "backlog": "",
}


def _adds(
    per_case: float, cases: int, total: float, *, how: str = "a median", spread: str = ""
) -> str:
    """The impact sentence: per affected case first, the total second.

    >>> _adds(5676.96, 240, 1362471.0, how="on average")
    'It adds on average 3.9 days to each of the 240 cases it touches (946.2 days of case time in total).'
    """
    each = "the 1 case" if int(cases) == 1 else f"each of the {_n(cases)} cases"
    return (
        f"It adds {how} {format_minutes(per_case)}{spread} to {each} it touches "
        f"({format_minutes(total)} of case time in total)."
    )


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
        cause = str(getattr(r, "cause", "") or "handoff")
        reason = str(getattr(r, "cause_reason", "") or "")
        by = f" (carried by {carrier})" if carrier else ""
        timer = _CAUSE_TEXT["timer"].format(reason=reason) if cause == "timer" else ""
        p90 = getattr(r, "delay_p90", math.nan)
        p90 = f", p90 {format_minutes(p90)}" if not math.isnan(p90) else ""
        mean = float(r.delay_total) / max(int(r.cases), 1)
        out.append(
            Finding(
                title=f"Handoff {r.source} -> {r.target}",
                text=(
                    f"{_pct(r.case_share)} of cases pass from {r.source} to {r.target}{by}; "
                    f"the wait holds {_pct(r.lead_share)} of all lead time.{timer} "
                    + _adds(mean, r.cases, r.delay_total, how="on average",
                            spread=f" (median {format_minutes(r.delay_median)}{p90})")
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
                    "cause": cause,
                    "cause_reason": reason,
                },
                impact=float(r.delay_total),
                cases=int(r.cases),
                per_case=mean,
                recommendation=CAUSE_ADVICE["timer"]
                if cause == "timer"
                else _CARRIER_ADVICE.get(carrier, _CARRIER_ADVICE[""]),
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
                f"Files go from one to the other and straight back in {_pct(r.case_share)} of "
                f"cases ({_n(r.returns, 'return')}). "
                + _adds(r.delay_total / max(int(r.cases), 1), r.cases, r.delay_total,
                        how="on average")
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
            cases=int(r.cases),
            per_case=float(r.delay_total) / max(int(r.cases), 1),
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
    out = []
    for r in hit.itertuples(index=False):
        cause = getattr(r, "cause", None)
        cause = cause if isinstance(cause, str) and cause else None
        reason = str(getattr(r, "cause_reason", "") or "")
        share = float(getattr(r, "handoff_share", 0.0) or 0.0)
        said = _CAUSE_TEXT.get(cause or "", "").format(reason=reason, share=_pct(share))
        out.append(
            Finding(
                title=f"Waiting before {r.activity}",
                text=(
                    f"Each time it runs ({_n(r.events, 'time')}) the {what} is a median "
                    f"{format_minutes(r.waiting_median)} (p90 {format_minutes(r.waiting_p90)}): "
                    f"{_pct(r.waiting_share)} of all waiting, "
                    f"{format_minutes(r.waiting_total)} in total.{said}"
                ),
                evidence={
                    "activity": r.activity,
                    "events": r.events,
                    "waiting_median_minutes": r.waiting_median,
                    "waiting_p90_minutes": r.waiting_p90,
                    "waiting_total_minutes": r.waiting_total,
                    "waiting_share": r.waiting_share,
                    "cause": cause,
                    "cause_reason": reason,
                },
                impact=float(r.waiting_total),
                cases=int(getattr(r, "cases", r.events)),
                per_case=float(r.waiting_total) / max(int(getattr(r, "cases", r.events)), 1),
                recommendation=CAUSE_ADVICE[cause or "backlog"],
                kind="waiting",
            )
        )
    return out


def _rework_findings(rw: pd.DataFrame, activities: pd.DataFrame | None) -> list[Finding]:
    """One finding per rework loop.

    The steps of one loop repeat together: activities with the same number of
    rework cases and of extra executions are taken to be one loop (the table
    has no case lists to tell two loops of equal size apart, which the shared
    counts make unlikely on real logs), reported once with the cost of a whole
    extra round (the sum of its steps' median wait and work).
    """
    hit = rw[rw["rework_share"] >= REWORK_MIN_CASE_SHARE]
    unit = pd.Series(dtype=float)
    if activities is not None and not activities.empty:
        a = activities.set_index("activity")
        unit = a["waiting_median"].fillna(0) + a["processing_median"].fillna(0)
    loops: dict[tuple[int, int], list[Any]] = {}
    for r in hit.itertuples(index=False):
        loops.setdefault((int(r.rework_cases), int(r.extra_executions)), []).append(r)
    out = []
    for (cases, extra), members in list(loops.items())[:MAX_PER_RULE]:
        names = [str(r.activity) for r in members]
        each = math.fsum(float(unit.get(n, 0.0)) if len(unit) else 0.0 for n in names)
        impact = extra * each
        share = float(members[0].rework_share)
        steps = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        rounds = extra / max(cases, 1)
        out.append(
            Finding(
                title=f"Rework: {steps}",
                text=(
                    f"Repeated in {_pct(share)} of cases ({_n(extra, 'extra round')} in "
                    f"{_n(cases, 'case')}); a round costs a median {format_minutes(each)} of "
                    "waiting and work. "
                    + _adds(impact / max(cases, 1), cases, impact, how="on average")
                    + (f" That is {rounds:.1f} extra rounds per reworked case." if rounds >= 1.05 else "")
                ),
                evidence={
                    "activity": steps,
                    "rework_cases": cases,
                    "rework_share": share,
                    "extra_executions": extra,
                    "minutes_per_execution": each,
                },
                impact=impact,
                cases=cases,
                per_case=impact / max(cases, 1),
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


def _conformance_findings(c: Any, kpis: pd.DataFrame | None) -> list[Finding]:
    if not c.cases or c.share >= CONFORMANCE_MIN_SHARE:
        return []
    impact = 0.0
    longer = None
    if kpis is not None and "lead_minutes" in kpis.columns:
        flags = c.per_case["conforms"].reindex(kpis.index)
        good = kpis.loc[flags.fillna(False).astype(bool), "lead_minutes"]
        bad = kpis.loc[~flags.fillna(False).astype(bool), "lead_minutes"]
        if len(good) and len(bad):
            impact = max(float(bad.median() - good.median()), 0.0) * len(bad)
            longer = impact / len(bad)
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
                + (
                    f" The other cases take a median {format_minutes(longer)} longer each."
                    if longer
                    else ""
                )
            ),
            evidence=evidence,
            impact=impact,
            cases=int(c.cases - c.conforming),
            per_case=longer,
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
                f"{format_minutes(p90)} ({p90 / max(med, 1.0):.0f} times the median). "
                + _adds(float(np.mean(slow - p90)) if len(slow) else 0.0, len(slow),
                        float(np.sum(slow - p90)), how="on average")
                .replace("It adds", "Beyond the 90th percentile, the slowest cases add")
                .replace(" it touches", "")
            ),
            evidence={
                "cases": len(lead),
                "lead_median_minutes": med,
                "lead_p90_minutes": p90,
                "slow_cases": len(slow),
            },
            impact=float(np.sum(slow - p90)),
            cases=len(slow),
            per_case=float(np.mean(slow - p90)) if len(slow) else None,
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
                    f"Its median lead time is {format_minutes(r['lead_median'])} over "
                    f"{_n(r['cases'], 'case')}, against {format_minutes(best)} for {best_name}: "
                    f"{format_minutes(gap)} more for each application "
                    f"({format_minutes(gap * float(r['cases']))} of case time in total)."
                ),
                evidence={
                    "group": str(name),
                    "best_group": str(best_name),
                    "cases": int(r["cases"]),
                    "lead_median_minutes": float(r["lead_median"]),
                    "best_lead_median_minutes": best,
                },
                impact=gap * float(r["cases"]),
                cases=int(r["cases"]),
                per_case=gap,
                recommendation=(
                    f"Peer learning: compare how {best_name} handles these files "
                    "(steps, handoffs, staffing) and transfer what works."
                ),
                kind="group",
            )
        )
    return out

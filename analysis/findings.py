"""Plain-language findings, each with the numbers behind it, ranked by impact.

Findings come from fixed rules over the mining tables; a rule that does not
fire says nothing, and no finding is ever made without its evidence. The
*impact* of a finding is the case time it accounts for, in minutes summed
over cases, so findings of different kinds rank on one scale. Each finding also
says what it adds to each case it affects (``per_case``, over ``cases``): its
text gives that first and the total second, and does not repeat its title.

The rules and their thresholds (module constants, so a reader can check them;
the rules themselves are in :mod:`analysis.finding_rules`):

1. **Handoff** (``kind="handoff"``): an agency-to-agency handoff whose delays
   add up to at least :data:`HANDOFF_MIN_LEAD_SHARE` (5%) of all lead time and
   that touches at least :data:`MIN_CASE_SHARE` (2%) of cases. Impact: its
   total delay. The recommendation depends on the journey's carrier, unless
   the pair's delays look set by a rule (a legal deadline or timer,
   :func:`analysis.causes.timer_reason`, table column ``cause``): then it is
   to review that rule, since data exchange would not shorten it.
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
   The text and the recommendation follow the likely cause of the wait
   (:func:`analysis.causes.wait_causes`, table column ``cause``): a timer or
   legal deadline (review the rule), a handoff (data exchange, a service
   standard) or the desk's backlog (desks, hours, triage).
   When that waiting is exactly one reported handoff seen from the receiving
   side (as many events as the handoff has handoffs, and the same total
   delay within 0.5%), it is not reported twice: the handoff finding says
   that it is all the waiting before the activity.
4. **Rework** (``kind="rework"``): an activity repeated within a case in at
   least :data:`REWORK_MIN_CASE_SHARE` (5%) of cases. The steps of one loop
   repeat together, so activities with the same rework cases and extra
   executions make one finding (one cause, one finding). Impact: the extra
   rounds times the summed median waiting plus processing of the loop's steps.
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
   when no desk queue can be measured (no start times; nothing says which
   steps had the citizen in front: no presence column and no journey; no
   step follows another in the same office on the same day and no arrival
   times), and the mining summary says why (``queue_unchecked``).
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

from typing import Any

import pandas as pd

from analysis.finding import Finding, _pct, format_minutes
from analysis.finding_rules import (
    CONFORMANCE_MIN_SHARE,
    GROUP_GAP_RATIO,
    HANDOFF_MIN_LEAD_SHARE,
    MAX_PER_RULE,
    MIN_CASE_SHARE,
    PINGPONG_MIN_CASE_SHARE,
    REWORK_MIN_CASE_SHARE,
    SERVICE_LEVEL,
    TAIL_RATIO,
    WAITING_MIN_SHARE,
    _conformance_findings,
    _group_findings,
    _handoff_findings,
    _pingpong_findings,
    _rework_findings,
    _sla_findings,
    _tail_findings,
    _waiting_findings,
)

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
    >>> print(f.text)
    40% of cases pass from Tax to Commerce; the wait holds 38% of all lead time. It adds on average 3.4 days (median 3.1 days) to each of the 412 cases it touches (1,388.9 days of case time in total).
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

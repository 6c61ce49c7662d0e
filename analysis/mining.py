"""Mine an event log in one call: every table and finding of the bottleneck report.

:func:`mine` computes the per-event times once and derives from them the
per-case KPIs (:mod:`analysis.kpis`), the bottleneck tables
(:mod:`analysis.bottlenecks`), the silo handoffs (:mod:`analysis.handoffs`),
variants and rework (:mod:`analysis.variants`), conformance to a journey
(:mod:`analysis.conformance`), a league table of groups (``by=``) and the
findings (:mod:`analysis.findings`). It returns a frozen
:class:`MiningResult`, which the report renders and
:meth:`MiningResult.to_dict` turns into plain JSON-ready values. Times are in
minutes.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["c1", "c1", "c2", "c2", "c2"],
...     "concept:name": ["apply", "approve", "apply", "check", "approve"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 10:00",
...         "2024-01-01 09:00", "2024-01-02 09:00", "2024-01-02 10:00"], utc=True),
...     "org:group": ["front", "tax", "front", "police", "tax"],
... })
>>> result = mine(log)
>>> result.handoffs[["source", "target", "count"]].values.tolist()
[['front', 'police', 1], ['front', 'tax', 1], ['police', 'tax', 1]]
>>> int(result.summary["cases"]), result.variants["variant"].tolist()
(2, ['apply -> approve', 'apply -> check -> approve'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.bottlenecks import (
    _case_codes,
    _first_last_mask,
    _flow_order,
    _require,
    activity_stats,
    directly_follows,
    prepare,
    profiles,
    transition_stats,
    wip,
)
from analysis.causes import with_causes
from analysis.conformance import Conformance, conformance
from analysis.findings import Finding, find
from analysis.handoffs import (
    handoff_events,
    handoff_matrix,
    handoffs,
    pingpongs,
    resource_workload,
)
from analysis.queues import NO_PRESENCE
from analysis.schema import ACTIVITY, AGENCY, CASE, RESOURCE, START, TIMESTAMP, UNKNOWN_AGENCY
from analysis.variants import rework, variants

if TYPE_CHECKING:  # pragma: no cover
    from analysis.waiting_causes import WaitingCauses
    from journeys.model import Journey

__all__ = ["MiningResult", "league_table", "mine"]


@dataclass(frozen=True, eq=False)
class MiningResult:
    """Everything the bottleneck report shows, computed once (times in minutes).

    Attributes
    ----------
    summary : pandas.Series
        Headline figures: :func:`analysis.kpis.summarize` plus the counts of
        cases, events, activities, agencies (``agencies_named``: those other
        than ``unknown``), resources, variants, handoffs (NaN, with their
        per-case and lead-time figures, when the log names no agency),
        and the queue standard on desk queues (:func:`analysis.queues.queue_waits`):
        ``queue_waits`` (how many were measured; NaN when the log does not say
        which steps had the citizen), ``queue_within_sla`` (the share of them
        at most ``sla_minutes``; NaN when none) and ``queue_unchecked`` (why
        the standard is not checked, :func:`analysis.queues.queue_check`;
        ``None`` when it is).
    case_kpis : pandas.DataFrame
        One row per case (:func:`analysis.kpis.case_kpis`).
    activities, transitions, profiles, wip, resources : pandas.DataFrame
        The tables of :mod:`analysis.bottlenecks`.
    handoffs, handoff_matrix, resource_handoffs, pingpongs : pandas.DataFrame
        Agency handoffs (long form and a count matrix), resource handoffs,
        ping-pong pairs (:mod:`analysis.handoffs`).
    variants, rework : pandas.DataFrame
        :mod:`analysis.variants`.
    conformance : Conformance or None
        When a journey was given.
    findings : tuple of Finding
        Ranked by impact.
    groups : pandas.DataFrame or None
        The league table, when ``by`` was given.
    grouped : dict of str to pandas.DataFrame
        The tables again with a leading ``by`` column (``activities``,
        ``transitions``, ``handoffs``, ``pingpongs``, ``variants``, ``rework``,
        ``profiles``, ``wip``), when ``by`` was given.
    notes : tuple of str
        What the reader must know to read the figures (e.g. no start times).
    by : str or None
    sla_minutes : float
    journey : str or None
        The journey id.
    waiting_causes : WaitingCauses or None
        Every wait split into its causes (:mod:`analysis.waiting_causes`),
        or the note saying why the log's waits cannot be split.
    """

    summary: pd.Series
    case_kpis: pd.DataFrame
    activities: pd.DataFrame
    transitions: pd.DataFrame
    profiles: pd.DataFrame
    wip: pd.DataFrame
    resources: pd.DataFrame
    handoffs: pd.DataFrame
    handoff_matrix: pd.DataFrame
    resource_handoffs: pd.DataFrame
    pingpongs: pd.DataFrame
    variants: pd.DataFrame
    rework: pd.DataFrame
    conformance: Conformance | None = None
    findings: tuple[Finding, ...] = ()
    groups: pd.DataFrame | None = None
    grouped: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    by: str | None = None
    sla_minutes: float = 15
    journey: str | None = None
    waiting_causes: WaitingCauses | None = None

    def to_dict(self, *, include_cases: bool = False) -> dict[str, Any]:
        """Plain Python values (lists, dicts, str, int, float, None) for JSON.

        Tables become lists of row dicts, the handoff matrix a dict of dicts,
        timestamps ISO 8601 strings, NaN ``None``. The per-case KPIs (case ids
        are personal data) are left out unless ``include_cases``.

        Examples
        --------
        >>> import json
        >>> import pandas as pd
        >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "b"],
        ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"],
        ...                                      utc=True), "org:group": ["x", "y"]})
        >>> d = mine(log).to_dict()
        >>> d["handoffs"][0]["source"], d["handoff_matrix"]["x"]["y"]
        ('x', 1)
        >>> len(json.dumps(d)) > 0
        True
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "case_kpis" and not include_cases:
                continue
            if f.name == "handoff_matrix":
                out[f.name] = {
                    str(k): {str(c): _plain(v) for c, v in row.items()}
                    for k, row in value.to_dict(orient="index").items()
                }
            elif f.name in ("conformance", "waiting_causes"):
                out[f.name] = value.to_dict() if value is not None else None
            elif f.name == "findings":
                out[f.name] = [x.to_dict() for x in value]
            elif f.name == "grouped":
                out[f.name] = {k: _records(v) for k, v in value.items()}
            elif f.name == "summary":
                out[f.name] = {str(k): _plain(v) for k, v in value.items()}
            elif f.name == "notes":
                out[f.name] = list(value)
            elif isinstance(value, pd.DataFrame):
                keep_index = f.name in ("case_kpis", "groups")
                out[f.name] = _records(value.reset_index() if keep_index else value)
            else:
                out[f.name] = _plain(value)
        return out


def mine(
    log: pd.DataFrame,
    *,
    journey: Journey | None = None,
    by: str | None = None,
    sla_minutes: float = 15,
    top_variants: int = 10,
    max_deviations: int = 20,
    tz: str | None = None,
    causes: bool = True,
) -> MiningResult:
    """Compute every table and finding of the bottleneck report.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log (:func:`analysis.logs.read_log`).
    journey : Journey, optional
        The journey the service should follow: adds conformance, handoff
        carriers and citizen cost.
    by : str, optional
        A column to compare groups by (a centre, ``case:channel``): adds the
        league table and the grouped tables.
    sla_minutes : float
        The queue standard (15 minutes in one-stop-shop charters).
    top_variants : int
        How many variants to keep.
    max_deviations : int
        How many conformance deviations to keep.
    tz : str, optional
        The local time zone for the hour-by-weekday profile and the days of
        the work-in-progress table (UTC when omitted).

    causes : bool
        Split every wait into its causes (:mod:`analysis.waiting_causes`);
        with ``False`` the result's ``waiting_causes`` is None (the mining
        benchmark times that, like for like with pm4py).

    Returns
    -------
    MiningResult

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
    ...     "concept:name": ["a", "b", "a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...         "2024-01-01 08:00", "2024-01-01 12:00"], utc=True),
    ...     "org:group": ["x", "y", "x", "y"], "case:channel": ["desk", "desk", "web", "web"]})
    >>> r = mine(log, by="case:channel")
    >>> r.groups[["cases", "lead_median"]]
                  cases  lead_median
    case:channel
    desk              1         60.0
    web               1        240.0
    """
    from analysis.kpis import case_kpis, has_start_times, summarize
    from analysis.queues import queue_check, queue_waits
    from analysis.timezones import log_zone
    from analysis.waiting_causes import waiting_causes

    if by is not None:
        _require(log, [by])
    zone = log_zone(log, tz)
    ev = prepare(log)
    kpis = case_kpis(ev, journey=journey, tz=tz)
    has_start = has_start_times(ev)
    # The queue standard is checked on desk queues only (see analysis.queues.queue_waits).
    queues = queue_waits(ev, journey=journey, tz=tz)
    unchecked = queue_check(ev, queues, journey=journey)
    ev = ev.assign(queue_wait=queues.to_numpy())
    ev = _compact(ev, by)
    has_resource = RESOURCE in ev.columns and bool(ev[RESOURCE].notna().any())

    # The directly-follows pairs and the handoffs are computed once and shared by the
    # tables (with the group column along when there is one).
    pairs = directly_follows(ev, by=by)
    moves = handoff_events(ev, journey=journey, by=by, pairs=pairs)
    acts = activity_stats(ev)
    split = waiting_causes(ev, pairs=pairs, zone=zone) if causes else None
    trans = transition_stats(ev, pairs=pairs.drop(columns="by", errors="ignore"))
    hand = handoffs(ev, journey=journey, events=moves.drop(columns="by", errors="ignore"))
    acts, hand = with_causes(ev, moves, acts, hand)
    pings = pingpongs(ev, events=moves.drop(columns="by", errors="ignore"))
    res_hand = _empty_handoffs()
    if has_resource:
        res_moves = handoff_events(ev, level="resource", journey=journey, pairs=pairs)
        res_hand = handoffs(
            ev, level="resource", events=res_moves.drop(columns="by", errors="ignore")
        )
    var = variants(ev, top=top_variants)
    rw = rework(ev)
    conf = conformance(ev, journey, top=max_deviations) if journey is not None else None
    league = league_table(ev, kpis, by=by, sla_minutes=sla_minutes) if by else None
    grouped: dict[str, pd.DataFrame] = {}
    if by:
        grouped = {
            "activities": activity_stats(ev, by=by),
            "transitions": transition_stats(ev, by=by, pairs=pairs),
            "handoffs": handoffs(ev, journey=journey, by=by, events=moves),
            "pingpongs": pingpongs(ev, by=by, events=moves),
            "variants": variants(ev, top=top_variants, by=by),
            "rework": rework(ev, by=by),
            "profiles": profiles(ev, by=by, tz=tz),
            "wip": wip(ev, by=by, tz=tz),
        }

    headline = summarize(kpis, sla_minutes=sla_minutes, events=ev)
    summary = pd.concat(
        [
            headline.astype(object),
            _counts(ev, kpis, hand, pings, var, conf, has_start, has_resource, sla_minutes),
        ]
    )
    summary = summary[~summary.index.duplicated(keep="first")]
    if unchecked is not None:
        # unknown is not zero: no count and no share of queues, and the reason
        summary["queue_waits"] = math.nan if unchecked == NO_PRESENCE else 0
    summary["queue_unchecked"] = unchecked
    notes = list(headline.attrs.get("notes", []))
    notes += _notes(ev, has_resource, conf, tz)
    found = find(
        activities=acts,
        handoffs=hand,
        pingpongs=pings,
        rework=rw,
        case_kpis=kpis,
        waiting=ev["queue_wait"],
        conformance=conf,
        groups=league,
        sla_minutes=sla_minutes,
        has_start=has_start,
    )
    return MiningResult(
        summary=summary,
        case_kpis=kpis,
        activities=acts,
        transitions=trans,
        profiles=profiles(ev, tz=tz),
        wip=wip(ev, tz=tz),
        resources=resource_workload(ev, tz=tz),
        handoffs=hand,
        handoff_matrix=handoff_matrix(hand) if len(hand) else pd.DataFrame(),
        resource_handoffs=res_hand,
        pingpongs=pings,
        variants=var,
        rework=rw,
        conformance=conf,
        findings=tuple(found),
        groups=league,
        grouped=grouped,
        notes=tuple(notes),
        by=by,
        sla_minutes=sla_minutes,
        journey=journey.id if journey is not None else None,
        waiting_causes=split,
    )


def league_table(
    log: pd.DataFrame,
    kpis: pd.DataFrame | None = None,
    *,
    by: str,
    sla_minutes: float = 15,
) -> pd.DataFrame:
    """Compare groups (centres, channels) side by side, best first.

    A case belongs to the group of its first event.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    kpis : pandas.DataFrame, optional
        :func:`analysis.kpis.case_kpis` of the log (computed when omitted).
    by : str
        The grouping column.
    sla_minutes : float
        The queue standard for ``sla_share``.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``rank`` (1 = shortest median lead time),
        ``cases``, ``lead_median``, ``lead_p90``, ``waiting_median`` (of the
        cases' total waiting), ``handoffs_per_case``, ``pingpong_rate``
        (share of cases with at least one ping-pong) and ``sla_share``
        (share of desk queues, :func:`analysis.queues.queue_waits`, of at most
        ``sla_minutes``; NaN for a group where no queue is measured).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2", "c2"],
    ...     "concept:name": ["a", "b", "a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:10",
    ...         "2024-01-01 08:00", "2024-01-01 09:00", "2024-01-01 10:00"], utc=True),
    ...     "org:group": ["x", "y", "x", "y", "x"], "centre": ["A", "A", "B", "B", "B"]})
    >>> log["start_timestamp"] = log["time:timestamp"]  # start times and presence:
    >>> log["odsc:citizen_present"] = True               # queues can be measured
    >>> league_table(log, by="centre")[["rank", "cases", "lead_median", "pingpong_rate",
    ...                                 "sla_share"]]
            rank  cases  lead_median  pingpong_rate  sla_share
    centre
    A          1      1         10.0            0.0        1.0
    B          2      1        120.0            1.0        0.0
    """
    ev = prepare(log)
    _require(ev, [by])
    if kpis is None:
        from analysis.kpis import case_kpis

        kpis = case_kpis(ev)
    codes = _case_codes(ev)
    first, _ = _first_last_mask(codes)
    group_of_case = pd.Series(ev[by].to_numpy()[first], index=ev[CASE].to_numpy()[first])
    k = kpis.copy()
    k["_group"] = group_of_case.reindex(k.index).to_numpy()
    g = k.groupby("_group", dropna=False)
    out = pd.DataFrame(
        {
            "cases": g.size(),
            "lead_median": g["lead_minutes"].median(),
            "lead_p90": g["lead_minutes"].quantile(0.9),
            "waiting_median": g["waiting_minutes"].median(),
            "handoffs_per_case": g["handoffs"].mean(),
            "pingpong_rate": (k["pingpongs"] > 0).groupby(k["_group"], dropna=False).mean(),
        }
    )
    if "queue_wait" in ev.columns:
        queue = ev["queue_wait"].to_numpy(dtype=float)
    else:
        from analysis.queues import queue_waits

        queue = queue_waits(ev).to_numpy(dtype=float)
    w = pd.DataFrame({"g": ev[by].to_numpy(), "w": queue})
    w = w[w["w"].notna()]
    out["sla_share"] = (w["w"] <= sla_minutes).groupby(w["g"], dropna=False).mean()
    out = out.sort_values(["lead_median", "cases"], ascending=[True, False], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.index.name = by
    return out


# ----- helpers ------------------------------------------------------------------------


def _counts(
    ev: pd.DataFrame,
    kpis: pd.DataFrame,
    hand: pd.DataFrame,
    pings: pd.DataFrame,
    var: pd.DataFrame,
    conf: Conformance | None,
    has_start: bool,
    has_resource: bool,
    sla_minutes: float = 15,
) -> pd.Series:
    ncases = int(ev[CASE].nunique())
    lead_total = float(kpis["lead_minutes"].sum()) if "lead_minutes" in kpis else math.nan
    out: dict[str, Any] = {
        "cases": ncases,
        "events": len(ev),
        "activities": int(ev[ACTIVITY].nunique()),
        "agencies": int(ev[AGENCY].nunique()) if AGENCY in ev.columns else 0,
        "resources": int(ev[RESOURCE].nunique()) if has_resource else 0,
        "variants": int(var.attrs.get("distinct", len(var))),
        "top_variants_coverage": float(var["share"].sum()) if len(var) else 0.0,
        "handoffs": int(hand["count"].sum()) if len(hand) else 0,
        "handoffs_per_case": float(hand["count"].sum()) / ncases if ncases and len(hand) else 0.0,
        "handoff_delay_share": (
            float(hand["delay_total"].sum()) / lead_total if len(hand) and lead_total else 0.0
        ),
        "pingpong_returns": int(pings["returns"].sum()) if len(pings) else 0,
    }
    named = 0
    if AGENCY in ev.columns:
        named = int(pd.Series(ev[AGENCY].astype(str).unique()).ne(UNKNOWN_AGENCY).sum())
    out["agencies_named"] = named
    if not named:  # the log names no agency: handoffs are unknown, not zero
        out.update(handoffs=math.nan, handoffs_per_case=math.nan, handoff_delay_share=math.nan)
    queue = ev["queue_wait"].to_numpy(dtype=float) if "queue_wait" in ev.columns else np.empty(0)
    queue = queue[~np.isnan(queue)]
    out["queue_waits"] = len(queue)
    out["queue_within_sla"] = float(np.mean(queue <= sla_minutes)) if len(queue) else math.nan
    if conf is not None:
        out["conformance_share"] = conf.share
    return pd.Series(out, dtype=object)


def _notes(
    ev: pd.DataFrame, has_resource: bool, conf: Conformance | None, tz: str | None
) -> list[str]:
    """Notes beyond those of :func:`analysis.kpis.summarize` (which covers start times)."""
    notes = []
    if AGENCY in ev.columns:
        unknown = float((ev[AGENCY] == UNKNOWN_AGENCY).mean())
        if unknown > 0:
            notes.append(
                f"{100 * unknown:.0f}% of events have no agency (shown as '{UNKNOWN_AGENCY}'); "
                "handoffs to and from them are counted in the tables but make no finding."
            )
    if not has_resource:
        notes.append("No resource column: workload and resource handoffs are not available.")
    if conf is not None and conf.matched_share < 1:
        notes.append(
            f"{100 * (1 - conf.matched_share):.0f}% of events match no step of the journey "
            f"{conf.journey}."
        )
    notes.append(f"Hours of the day and calendar days are in {tz or 'UTC'}.")
    return notes


def _compact(ev: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The columns the tables read, in path order, with labels as categoricals.

    Every table below groups or factorises these columns again; doing the
    string work once here is what keeps a million-event log to seconds.
    """
    keep = [CASE, ACTIVITY, TIMESTAMP, START, AGENCY, RESOURCE, by, "waiting", "processing"]
    keep.append("queue_wait")
    keep = [c for c in dict.fromkeys(keep) if c and c in ev.columns]
    labels = {c: "category" for c in (CASE, ACTIVITY, AGENCY, RESOURCE, by) if c in keep}
    slim = ev[keep].astype(labels)
    order = _flow_order(slim)
    if not np.array_equal(order, np.arange(len(slim))):
        slim = slim.iloc[order]
    return slim


def _empty_handoffs() -> pd.DataFrame:
    columns = ["source", "target", "count", "cases", "case_share", "delay_median"]
    columns += ["delay_mean", "delay_p90", "delay_total", "lead_share", "pingpongs", "carrier"]
    return pd.DataFrame(columns=columns)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _plain(v: Any) -> Any:
    """A JSON-ready Python value."""
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
    elif isinstance(v, np.timedelta64):
        v = pd.Timedelta(v)
    elif isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.isoformat()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, (pd.Timedelta,)):
        return v.total_seconds() / 60.0
    return v

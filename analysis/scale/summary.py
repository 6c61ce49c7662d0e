"""The headline figures and the league table of groups, on the scale engine.

:func:`summary_finish` gives the ``summary`` Series of
:func:`analysis.mining.mine` (the TCV figures of :func:`analysis.kpis.summarize`,
the counts of the log and the queue standard) and :func:`summary_notes` its
notes; :func:`league_finish` gives :func:`analysis.mining.league_table`. The
partials are small: per-label counts of activities, agencies and resources
(the distinct labels of the whole log are the keys of the merged table), the
number of measured waits and of those within the standard, and the desk
queues of :mod:`analysis.scale.cases`. Medians and quantiles over cases are
read from the per-case table (one row per case) with pandas, which computes
them as :func:`analysis.kpis.summarize` does.

The figures that come from the flow tables (``variants``,
``top_variants_coverage``, ``handoffs``, ``handoffs_per_case``,
``handoff_delay_share``, ``pingpong_returns``) are filled when those tables
are given (``handoffs=``, ``pingpongs=``, ``variants=``) and are not
recorded (NaN) otherwise: a handoff of the handoff table is a pair of
consecutive steps in path order, which the per-case counts (completion order)
do not equal.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale import build_events, open_log
>>> from analysis.scale.cases import case_kpi_finish, case_kpi_partials, ev_columns
>>> from analysis.scale.partials import combine, run_partials
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
...     "concept:name": ["a", "b", "a", "b"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:10",
...         "2024-01-01 08:00", "2024-01-01 09:00"], utc=True),
...     "org:group": ["x", "y", "x", "y"]}).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log, keep=ev_columns(log))
>>> partials = case_kpi_partials(log) + summary_partials(log)
>>> combine(con, [run_partials(con, partials)], partials)
>>> s = summary_finish(con, log, case_kpi_finish(con, log))
>>> s[["cases", "events", "lead_minutes_median", "events_within_sla"]].tolist()
[2.0, 4, 35.0, 0.5]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.queues import NO_PRESENCE
from analysis.scale.cases import case_groups, queue_check, queue_finish, queue_partials
from analysis.scale.partials import Partial
from analysis.scale.source import ScaleLog
from analysis.schema import UNKNOWN_AGENCY

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = [
    "FROM_FLOWS",
    "league_finish",
    "league_partials",
    "summary_finish",
    "summary_notes",
    "summary_partials",
]

#: Summary figures computed from the flow tables (handoffs, ping-pongs, variants).
FROM_FLOWS = (
    "variants",
    "top_variants_coverage",
    "handoffs",
    "handoffs_per_case",
    "handoff_delay_share",
    "pingpong_returns",
)


def summary_partials(
    log: ScaleLog, *, by: str | None = None, sla_minutes: float = 15, tz: str | None = None
) -> list[Partial]:
    """Partials of the summary: label counts, waits within the standard, desk queues.

    ``sla_waits`` compares each measured wait in float minutes with
    ``sla_minutes``, as :func:`analysis.kpis.summarize` does; the queues are
    per ``by`` group when ``by`` is given (the league table reads them too).
    """
    sla = float(sla_minutes)
    out = [
        Partial(
            "sla_waits",
            f"SELECT count(waiting) AS measured, "
            f"count(*) FILTER (WHERE waiting <= {sla!r}) AS within FROM ev",
            sums=("measured", "within"),
        ),
        Partial(
            "activity_labels",
            "SELECT act, count(*) AS n FROM ev GROUP BY act",
            keys=("act",),
            sums=("n",),
        ),
        Partial(
            "agency_labels",
            "SELECT agency, count(*) AS n FROM ev GROUP BY agency",
            keys=("agency",),
            sums=("n",),
        ),
    ]
    if log.has_resource:
        out.append(
            Partial(
                "resource_labels",
                "SELECT res, count(*) AS n FROM ev WHERE res IS NOT NULL GROUP BY res",
                keys=("res",),
                sums=("n",),
            )
        )
    return out + queue_partials(log, by=by, sla_minutes=sla_minutes, tz=tz)


def _labels(con: duckdb.DuckDBPyConnection, name: str, column: str) -> pd.DataFrame:
    return con.execute(
        f"SELECT {column} AS label, CAST(n AS BIGINT) AS n FROM c_{name} ORDER BY label"
    ).df()


def summary_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    kpis: pd.DataFrame,
    *,
    by: str | None = None,
    sla_minutes: float = 15,
    handoffs: pd.DataFrame | None = None,
    pingpongs: pd.DataFrame | None = None,
    variants: pd.DataFrame | None = None,
) -> pd.Series:
    """The ``summary`` of :func:`analysis.mining.mine` (no journey) from the combined tables.

    Parameters
    ----------
    con : duckdb connection
        Holding the ``c_`` tables of :func:`summary_partials`.
    log : ScaleLog
    kpis : pandas.DataFrame
        :func:`analysis.scale.cases.case_kpi_finish`.
    by : str, optional
        As given to :func:`summary_partials`.
    sla_minutes : float
        The queue standard.
    handoffs, pingpongs, variants : pandas.DataFrame, optional
        The agency handoff, ping-pong and variant tables (those of
        :mod:`analysis.handoffs` and :mod:`analysis.variants`, or of the scale
        engine's flow tables): the figures of :data:`FROM_FLOWS` come from
        them, and are NaN (not recorded) without them.

    Returns
    -------
    pandas.Series
        The same keys, order and values as :func:`analysis.mining.mine`'s
        summary; ``attrs["notes"]`` holds :func:`summary_notes`.
    """
    from analysis.kpis import summarize

    headline = summarize(kpis, sla_minutes=sla_minutes)
    measured, within = con.execute(
        "SELECT CAST(coalesce(sum(measured), 0) AS BIGINT), "
        "CAST(coalesce(sum(within), 0) AS BIGINT) FROM c_sla_waits"
    ).fetchone()
    headline["events_within_sla"] = within / measured if measured else math.nan
    queues = queue_finish(con, log, by=by)
    queued = int(queues["queued"].sum())
    queued_within = int(queues["within"].sum())
    acts = _labels(con, "activity_labels", "act")
    agencies = _labels(con, "agency_labels", "agency")
    ncases = len(kpis)
    counts: dict[str, Any] = {
        "cases": ncases,
        "events": int(acts["n"].sum()),
        "activities": len(acts),
        "agencies": len(agencies),
        "resources": len(_labels(con, "resource_labels", "res")) if log.has_resource else 0,
    }
    counts |= _flow_counts(kpis, ncases, handoffs, pingpongs, variants)
    named = int(pd.Series(agencies["label"].astype(str).unique()).ne(UNKNOWN_AGENCY).sum())
    counts["agencies_named"] = named
    if not named:  # the log names no agency: handoffs are unknown, not zero
        counts.update(handoffs=math.nan, handoffs_per_case=math.nan, handoff_delay_share=math.nan)
    counts["queue_waits"] = queued
    counts["queue_within_sla"] = queued_within / queued if queued else math.nan
    summary = pd.concat([headline.astype(object), pd.Series(counts, dtype=object)])
    summary = summary[~summary.index.duplicated(keep="first")]
    unchecked = queue_check(log, queued)
    if unchecked is not None:
        # unknown is not zero: no count and no share of queues, and the reason
        summary["queue_waits"] = math.nan if unchecked == NO_PRESENCE else 0
    summary["queue_unchecked"] = unchecked
    summary.attrs["notes"] = list(headline.attrs.get("notes", []))
    return summary


def _flow_counts(
    kpis: pd.DataFrame,
    ncases: int,
    hand: pd.DataFrame | None,
    pings: pd.DataFrame | None,
    var: pd.DataFrame | None,
) -> dict[str, Any]:
    """The summary figures of :data:`FROM_FLOWS`, as :func:`analysis.mining.mine` counts them."""
    out: dict[str, Any] = dict.fromkeys(FROM_FLOWS, math.nan)
    if var is not None:
        out["variants"] = int(var.attrs.get("distinct", len(var)))
        out["top_variants_coverage"] = float(var["share"].sum()) if len(var) else 0.0
    if hand is not None:
        lead_total = float(kpis["lead_minutes"].sum())
        total = hand["count"].sum() if len(hand) else 0
        out["handoffs"] = int(total)
        out["handoffs_per_case"] = float(total) / ncases if ncases and len(hand) else 0.0
        out["handoff_delay_share"] = (
            float(hand["delay_total"].sum()) / lead_total if len(hand) and lead_total else 0.0
        )
    if pings is not None:
        out["pingpong_returns"] = int(pings["returns"].sum()) if len(pings) else 0
    return out


def summary_notes(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    summary: pd.Series,
    *,
    tz: str | None = None,
    flows: bool = True,
) -> list[str]:
    """The notes of :func:`analysis.mining.mine` (no journey), in its order.

    Those of the summary (no start times, visits unknown), the share of
    events without an agency, a missing resource column and the clock; with
    ``flows=False`` a last note names the figures the scale engine did not
    compute.
    """
    notes = list(summary.attrs.get("notes", []))
    events, unknown = con.execute(
        "SELECT CAST(sum(n) AS BIGINT), "
        f"CAST(coalesce(sum(n) FILTER (WHERE agency = '{UNKNOWN_AGENCY}'), 0) AS BIGINT) "
        "FROM c_agency_labels"
    ).fetchone()
    share = unknown / events if events else 0.0
    if share > 0:
        notes.append(
            f"{100 * share:.0f}% of events have no agency (shown as '{UNKNOWN_AGENCY}'); "
            "handoffs to and from them are counted in the tables but make no finding."
        )
    if not log.has_resource:
        notes.append("No resource column: workload and resource handoffs are not available.")
    notes.append(f"Hours of the day and calendar days are in {tz or 'UTC'}.")
    if not flows:
        notes.append(
            "Not computed by the scale engine for this report: "
            + ", ".join(FROM_FLOWS)
            + " (the flow tables are not wired in)."
        )
    return notes


def league_partials(
    log: ScaleLog, *, by: str | None = None, sla_minutes: float = 15, tz: str | None = None
) -> list[Partial]:
    """The league table reads the per-case table and the per-group queues: no partial of its own.

    It needs :func:`analysis.scale.cases.case_kpi_partials` and
    :func:`summary_partials` run with the same ``by``; this returns none, so
    that every table of the engine has its pair of functions.
    """
    return []


def league_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    kpis: pd.DataFrame,
    *,
    by: str,
    sla_minutes: float = 15,
) -> pd.DataFrame:
    """:func:`analysis.mining.league_table` from the per-case table and the group queues.

    A case belongs to the group of its first event in path order; the share
    within the standard is over the desk queues of each group's events (NaN
    where a group has none), as in :mod:`analysis.mining`.
    """
    k = kpis[["lead_minutes", "waiting_minutes", "handoffs", "pingpongs"]].copy()
    k["_group"] = case_groups(con, by=by).reindex(k.index).to_numpy()
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
    queues = queue_finish(con, log, by=by)
    queues = queues[queues["queued"] > 0]
    share = queues["within"].to_numpy(dtype=float) / queues["queued"].to_numpy(dtype=float)
    out["sla_share"] = pd.Series(share, index=pd.Index(queues[by].to_numpy()))
    out = out.sort_values(["lead_median", "cases"], ascending=[True, False], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.index.name = by
    return out

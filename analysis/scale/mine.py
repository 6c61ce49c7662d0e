"""Mine a canonical Parquet log on the scale engine: :func:`mine_source`.

The counterpart of :func:`analysis.mining.mine` for logs larger than memory:
it opens the Parquet files (:func:`analysis.scale.source.open_log`), builds
the event table ``ev`` once, runs the partials of every table of the scale
engine, merges them (:func:`analysis.scale.partials.combine`) and finishes
each table into the small pandas tables of a :class:`analysis.mining.MiningResult`.
No copy of the log is made in pandas: only the per-case table (one row per
case) and the finished tables come out of DuckDB.

``parts`` splits the work by hash buckets of case ids, each bucket's ``ev``
built and its partials run on their own (one after the other here; a Dask
runner passes its own callable and runs them on workers). The merged tables,
hence every figure, do not depend on the split.

What the scale engine does not compute (stated in the result's notes): the
split of waits into the five causes of :mod:`analysis.waiting_causes`,
conformance to a journey and the citizen's cost (both need a journey), and the
finding on desk queues against the standard (it needs every queue's minutes;
the summary's ``queue_within_sla`` is computed). The other findings are
:func:`analysis.findings.find` on the finished tables, as in
:func:`analysis.mining.mine`.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
...     "concept:name": ["a", "b", "a", "b"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
...         "2024-01-01 08:00", "2024-01-01 12:00"], utc=True),
...     "org:group": ["x", "y", "x", "y"], "case:channel": ["desk", "desk", "web", "web"]}
...     ).to_parquet(folder / "log.parquet")
>>> r = mine_source(folder, by="case:channel", parts=2)
>>> r.groups[["cases", "lead_median"]]
              cases  lead_median
case:channel
desk              1         60.0
web               1        240.0
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from analysis.findings import find
from analysis.scale.bottlenecks import (
    activity_stats_finish,
    activity_stats_partials,
    transition_stats_finish,
    transition_stats_partials,
)
from analysis.scale.cases import case_kpi_finish, case_kpi_partials, check_zone, ev_columns
from analysis.scale.events import build_events
from analysis.scale.flow_tables import flow_partials, flow_tables
from analysis.scale.partials import Partial, combine, combine_stored, store_partials
from analysis.scale.source import ScaleLog, connect, open_log, quote
from analysis.scale.summary import (
    league_finish,
    summary_finish,
    summary_notes,
    summary_partials,
)
from analysis.scale.workload import (
    profiles_finish,
    profiles_partials,
    resource_workload_finish,
    resource_workload_partials,
    wip_finish,
    wip_partials,
)
from analysis.schema import CASE, LogError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import pyarrow as pa

    from analysis.mining import MiningResult

__all__ = [
    "EVENTS_PER_PART",
    "MEMORY_LIMIT",
    "NOT_AT_SCALE",
    "PartsRunner",
    "auto_parts",
    "bucket_where",
    "mine_source",
    "run_parts",
    "scale_partials",
]

#: What a partition runner does: run ``partials`` on each partition of ``source``
#: (``ev`` built with ``keep``) and return their results (:func:`run_partials`).
PartsRunner = Callable[[str, Sequence[Partial], tuple[str, ...]], Sequence[dict[str, "pa.Table"]]]

#: The note every result of the scale engine carries.
NOT_AT_SCALE = (
    "The scale engine does not compute the five causes of each wait, conformance to a "
    "journey, the citizen's cost (no journey) or the finding on desk queues against the "
    "standard (the share of queues within it is in the summary)."
)


def bucket_where(k: int, n: int) -> str:
    """The SQL condition keeping hash bucket ``k`` of ``n`` (by case id) of the log.

    For a runner that opens each bucket on its own
    (``open_log(source, where=bucket_where(k, n))``); :func:`mine_source` itself
    splits with ``build_events(..., bucket=(k, n))``.

    Examples
    --------
    >>> bucket_where(1, 3)
    'hash("case:concept:name") % 3 = 1'
    """
    return f"hash({quote(CASE)}) % {int(n)} = {int(k)}"


def scale_partials(
    log: ScaleLog,
    *,
    by: str | None = None,
    sla_minutes: float = 15,
    top_variants: int = 10,
    tz: str | None = None,
) -> list[Partial]:
    """Every partial :func:`mine_source` runs, for one list a Dask runner can ship.

    ``top_variants`` is for the variant table of the flow tables
    (:mod:`analysis.scale.flow_tables`).
    """
    out = case_kpi_partials(log, by=by, tz=tz)
    out += summary_partials(log, by=by, sla_minutes=sla_minutes, tz=tz)
    out += flow_partials(log, by=by)
    out += bottleneck_partials(log, by=by, tz=tz)
    # a partial shared by two tables runs once
    seen: dict[str, Partial] = {}
    for p in out:
        seen.setdefault(p.name, p)
    return list(seen.values())


def bottleneck_partials(
    log: ScaleLog, *, by: str | None = None, tz: str | None = None
) -> list[Partial]:
    """The partials of the bottleneck tables, overall and (with ``by``) per group."""
    out: list[Partial] = []
    for group in (None, by) if by else (None,):
        some = activity_stats_partials(log, by=group)
        some += transition_stats_partials(log, by=group)
        some += profiles_partials(log, by=group, tz=tz)
        some += wip_partials(log, by=group, tz=tz)
        if group is not None:
            # the grouped tables' partials share the overall ones' names: kept apart
            some = [replace(p, name=p.name + _BY) for p in some]
        out += some
    out += resource_workload_partials(log, tz=tz)
    return out


_BY = "__by"


@contextmanager
def _grouped(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Swap the merged grouped tables in under the names the finish functions read."""
    names = [
        r[0][len("c_") : -len(_BY)]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'c\\_%' ESCAPE '\\' "
            f"AND ends_with(table_name, '{_BY}')"
        ).fetchall()
    ]

    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    both = [n for n in names if f"c_{n}" in tables]

    def swap() -> None:
        for n in names:
            if n in both:
                con.execute(f"ALTER TABLE c_{n} RENAME TO c_{n}__all")
            con.execute(f"ALTER TABLE c_{n}{_BY} RENAME TO c_{n}")
            if n in both:
                con.execute(f"ALTER TABLE c_{n}__all RENAME TO c_{n}{_BY}")

    def back() -> None:
        for n in names:
            if n in both:
                con.execute(f"ALTER TABLE c_{n}{_BY} RENAME TO c_{n}__all")
            con.execute(f"ALTER TABLE c_{n} RENAME TO c_{n}{_BY}")
            if n in both:
                con.execute(f"ALTER TABLE c_{n}__all RENAME TO c_{n}")

    swap()
    try:
        yield
    finally:
        back()


#: DuckDB's memory limit by default. The merged aggregates of a bucket-by-bucket run
#: spill to disk beyond it, so that with one bucket of events (:data:`EVENTS_PER_PART`)
#: beside it the process stays under 3 GB (measured at 10M events in two buckets: a peak
#: of 2.1 GB).
MEMORY_LIMIT = "2GB"

#: Events per bucket when ``parts`` is left to :func:`mine_source` (see :func:`auto_parts`).
EVENTS_PER_PART = 5_000_000


def auto_parts(events: int) -> int:
    """How many buckets of cases :func:`mine_source` works through by default.

    One bucket per :data:`EVENTS_PER_PART` events (at least one): the event
    table of one bucket and DuckDB's work on it then stay near 2 GB,
    however large the log (measured on the benchmark's logs: 2.1 GB at 10M
    events in two buckets; a whole 10M-event log at once peaked at 2.9 GB).
    The figures do not depend on it.

    Examples
    --------
    >>> auto_parts(1_000_000), auto_parts(10_000_000), auto_parts(50_000_000)
    (1, 2, 10)
    """
    return max(1, -(-int(events) // EVENTS_PER_PART))


def _run_local(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    partials: Sequence[Partial],
    *,
    keep: tuple[str, ...],
    n: int,
) -> None:
    """Run the partials bucket after bucket on this connection and merge them.

    Each bucket's ``ev`` (:func:`build_events` with ``bucket=(k, n)``) replaces the
    previous one, so only one bucket of events is in memory at a time, and its
    partials are appended to DuckDB tables (:func:`store_partials`), which DuckDB
    spills to disk under its memory limit. One bucket goes straight to the merged
    tables.
    """
    for k in range(n):
        build_events(con, log, keep=keep, bucket=(k, n) if n > 1 else None)
        if n == 1:
            combine_stored(con, partials, parts=1, direct=True)
        else:
            store_partials(con, partials, part=k)
        con.unregister("ev")
        con.unregister("cs")
    if n > 1:
        combine_stored(con, partials, parts=n)


def run_parts(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    partials: Sequence[Partial],
    *,
    keep: tuple[str, ...],
    parts: int | PartsRunner | None = None,
) -> None:
    """Run ``partials`` on every partition and merge them into the ``c_`` tables of ``con``.

    ``parts`` as in :func:`mine_source`: ``None``, :func:`auto_parts` buckets;
    an int, that many hash buckets one after the other on ``con``; a runner,
    whatever it runs them on (:func:`analysis.scale.partials.combine` merges
    what it returns).
    """
    if callable(parts):
        combine(con, parts(log.name, partials, keep), partials)
        return
    n = auto_parts(log.events) if parts is None else int(parts)
    if n < 1:
        raise LogError(f"parts: must be at least 1, got {parts}")
    _run_local(con, log, partials, keep=keep, n=n)


def mine_source(
    source: str | os.PathLike[str],
    *,
    by: str | None = None,
    sla_minutes: float = 15,
    top_variants: int = 10,
    tz: str | None = None,
    memory_limit: str | None = None,
    parts: int | PartsRunner | None = None,
) -> MiningResult:
    """Mine a canonical Parquet log (a file, a folder, a glob) out of core.

    Parameters
    ----------
    source : str or path
        Canonical Parquet (as written by ``odsc convert``).
    by : str, optional
        A column to compare groups by: adds the league table.
    sla_minutes : float
        The queue standard (15 minutes in one-stop-shop charters).
    top_variants : int
        How many variants to keep (for the flow tables).
    tz : str, optional
        IANA zone whose calendar days delimit visits (UTC by default).
    memory_limit : str, optional
        DuckDB's memory limit, e.g. ``"4GB"`` (it spills to disk beyond);
        :data:`MEMORY_LIMIT` when omitted.
    parts : int or callable, optional
        How many hash buckets of cases to run one after the other (1: the
        whole log at once; ``None``: :func:`auto_parts` of the log's events),
        or a runner
        ``parts(source, partials, keep) -> [run_partials(...) per partition]``.

    Returns
    -------
    MiningResult
        ``summary``, ``case_kpis``, ``groups`` and ``notes`` equal those of
        :func:`analysis.mining.mine` (``causes=False``, no journey), waits in
        total minutes summed exactly; the tables of the modules not wired in
        are empty, their summary figures NaN, and the notes say so.

    Raises
    ------
    LogError
        An unreadable source, a ``by`` column the log does not have, an
        unknown ``tz`` (one line each).
    """
    from analysis.mining import MiningResult

    tz = check_zone(tz)
    name = os.fspath(source)
    con, log = open_log(name, con=connect(memory_limit=memory_limit or MEMORY_LIMIT))
    if by is not None and by not in log.columns:
        have = ", ".join(c for c in log.columns if c != "odsc_rid")
        raise LogError(f"{log.name}: column {by!r} is not in the log (columns: {have})")
    keep = ev_columns(log, by=by)
    partials = scale_partials(log, by=by, sla_minutes=sla_minutes, top_variants=top_variants, tz=tz)
    run_parts(con, log, partials, keep=keep, parts=parts)

    kpis = case_kpi_finish(con, log, by=by)
    # ---- PLUG-IN: the finished flow tables (analysis.scale.flows) replace these Nones;
    # the summary then fills variants, handoffs and ping-pong returns from them.
    acts = activity_stats_finish(con, log)
    tables = flow_tables(con, log, by=by, top_variants=top_variants, activities=acts)
    hand, pings, var = tables["handoffs"], tables["pingpongs"], tables["variants"]
    acts = tables["activities"]
    grouped = dict(tables["grouped"])
    if by:
        with _grouped(con):
            grouped |= {
                "activities": activity_stats_finish(con, log, by=by),
                "transitions": transition_stats_finish(con, log, by=by),
                "profiles": profiles_finish(con, log, by=by, tz=tz),
                "wip": wip_finish(con, log, by=by, tz=tz),
            }
        order = (
            "activities",
            "transitions",
            "handoffs",
            "pingpongs",
            "variants",
            "rework",
            "profiles",
            "wip",
        )
        grouped = {k: grouped[k] for k in order if k in grouped}
    summary = summary_finish(
        con,
        log,
        kpis,
        by=by,
        sla_minutes=sla_minutes,
        handoffs=hand,
        pingpongs=pings,
        variants=var,
    )
    notes = summary_notes(con, log, summary, tz=tz, flows=hand is not None)
    notes.append(NOT_AT_SCALE)
    groups = league_finish(con, log, kpis, by=by, sla_minutes=sla_minutes) if by else None
    trans = transition_stats_finish(con, log)
    profiles = profiles_finish(con, log, tz=tz)
    open_days = wip_finish(con, log, tz=tz)
    resources = resource_workload_finish(con, log, tz=tz)
    con.close()
    found = find(
        activities=acts,
        handoffs=hand,
        pingpongs=pings,
        rework=tables["rework"],
        case_kpis=kpis,
        waiting=None,
        conformance=None,
        groups=groups,
        sla_minutes=sla_minutes,
        has_start=log.has_start,
    )
    return MiningResult(
        summary=summary,
        case_kpis=kpis,
        activities=acts,
        transitions=trans,
        profiles=profiles,
        wip=open_days,
        resources=resources,
        handoffs=hand,
        handoff_matrix=tables["handoff_matrix"],
        resource_handoffs=tables["resource_handoffs"],
        pingpongs=pings,
        variants=var,
        rework=tables["rework"],
        grouped=grouped,
        findings=tuple(found),
        groups=groups,
        notes=tuple(notes),
        by=by,
        sla_minutes=sla_minutes,
    )

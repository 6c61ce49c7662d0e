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
split of waits into causes, conformance to a journey and the citizen's cost
(both need a journey), and the findings.

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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from analysis.scale.cases import case_kpi_finish, case_kpi_partials, check_zone, ev_columns
from analysis.scale.events import build_events
from analysis.scale.flow_tables import flow_partials, flow_tables
from analysis.scale.partials import Partial, combine, run_partials
from analysis.scale.source import ScaleLog, connect, open_log, quote
from analysis.scale.summary import (
    league_finish,
    summary_finish,
    summary_notes,
    summary_partials,
)
from analysis.schema import CASE, LogError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import pyarrow as pa

    from analysis.mining import MiningResult

__all__ = ["NOT_AT_SCALE", "PartsRunner", "bucket_where", "mine_source", "scale_partials"]

#: What a partition runner does: run ``partials`` on each partition of ``source``
#: (``ev`` built with ``keep``) and return their results (:func:`run_partials`).
PartsRunner = Callable[[str, Sequence[Partial], tuple[str, ...]], Sequence[dict[str, "pa.Table"]]]

#: The note every result of the scale engine carries.
NOT_AT_SCALE = (
    "The scale engine does not compute the causes of waits, conformance to a journey, "
    "the citizen's cost (no journey) or the findings."
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
    # ---- PLUG-IN: analysis.scale.bottlenecks (activity_, transition_, profile_, wip_,
    # resource_partials) and analysis.scale.flows (handoff_partials for level="agency"
    # and "resource", pingpong_, variant_ with top_variants, rework_partials) add their
    # partials here, with by= for the grouped tables.
    return out


def _local_parts(n: int, con: duckdb.DuckDBPyConnection, log: ScaleLog) -> PartsRunner:
    """Run the partials bucket after bucket on this machine, on the open connection.

    Each bucket's ``ev`` (:func:`build_events` with ``bucket=(k, n)``) replaces the
    previous one, so only one bucket of events is in memory at a time.
    """

    def run(
        source: str, partials: Sequence[Partial], keep: tuple[str, ...]
    ) -> list[dict[str, pa.Table]]:
        results = []
        for k in range(n):
            build_events(con, log, keep=keep, bucket=(k, n))
            results.append(run_partials(con, partials))
        return results

    return run


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
        DuckDB's memory limit, e.g. ``"2GB"`` (it spills to disk beyond).
    parts : int or callable, optional
        How many hash buckets of cases to run one after the other (``None``
        or 1: the whole log at once), or a runner
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
    con, log = open_log(name, con=connect(memory_limit=memory_limit))
    if by is not None and by not in log.columns:
        have = ", ".join(c for c in log.columns if c != "odsc_rid")
        raise LogError(f"{log.name}: column {by!r} is not in the log (columns: {have})")
    keep = ev_columns(log, by=by)
    partials = scale_partials(log, by=by, sla_minutes=sla_minutes, top_variants=top_variants, tz=tz)
    if parts is None or parts == 1:
        build_events(con, log, keep=keep)
        results: Sequence[dict[str, pa.Table]] = [run_partials(con, partials)]
    else:
        runner = _local_parts(int(parts), con, log) if isinstance(parts, int) else parts
        results = runner(name, partials, keep)
    combine(con, results, partials)

    kpis = case_kpi_finish(con, log, by=by)
    # ---- PLUG-IN: the finished flow tables (analysis.scale.flows) replace these Nones;
    # the summary then fills variants, handoffs and ping-pong returns from them.
    tables = flow_tables(con, log, by=by, top_variants=top_variants)
    hand, pings, var = tables["handoffs"], tables["pingpongs"], tables["variants"]
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
    con.close()
    empty = pd.DataFrame
    return MiningResult(
        summary=summary,
        case_kpis=kpis,
        # ---- PLUG-IN: analysis.scale.bottlenecks' finished tables
        activities=empty(),
        transitions=empty(),
        profiles=empty(),
        wip=empty(),
        resources=empty(),
        # ---- PLUG-IN: analysis.scale.flows' finished tables (and grouped= with by)
        handoffs=hand,
        handoff_matrix=tables["handoff_matrix"],
        resource_handoffs=tables["resource_handoffs"],
        pingpongs=pings,
        variants=var,
        rework=tables["rework"],
        grouped=tables["grouped"],
        groups=groups,
        notes=tuple(notes),
        by=by,
        sla_minutes=sla_minutes,
    )

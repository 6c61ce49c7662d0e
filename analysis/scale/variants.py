"""Variants and rework on the scale engine: the tables of :mod:`analysis.variants`.

As in :mod:`analysis.scale.flows`, each table is a list of mergeable
:class:`~analysis.scale.partials.Partial` queries over the event table ``ev``
of one partition and a ``*_finish`` function over the merged ``c_*`` tables,
returning what :func:`analysis.variants.variants` and
:func:`analysis.variants.rework` return for :func:`analysis.mining.mine`.

* A case's variant is the list of its activities in path order (``fpos``);
  partitions hold whole cases, so each partition counts the cases of each
  variant, their first case id (ties in frequency keep the order in which
  variants first occur, case by case, as today) and value counts of their
  lead times (exact medians). The group of a case is that of its first event.
* Rework counts, per activity (and group, event by event as today), the
  executions and the cases doing it once or more; ties keep the order in
  which the pairs first occur.

Only the shown variants (``top`` per group) are spelt out and get medians: a
national log may hold hundreds of thousands of distinct paths, which stay in
DuckDB.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale.source import open_log
>>> from analysis.scale.events import build_events
>>> from analysis.scale.partials import combine, run_partials
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2", "c3"],
...     "concept:name": ["a", "b", "a", "b", "a"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
...         "2024-01-01 08:00", "2024-01-01 10:00", "2024-01-01 08:00"], utc=True),
...     "org:group": ["x"] * 5}).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log)
>>> parts = variants_partials(log) + rework_partials(log)
>>> combine(con, [run_partials(con, parts)], parts)
>>> variants_finish(con, log)[["rank", "variant", "cases", "share", "lead_median"]]
   rank variant  cases     share  lead_median
0     1  a -> b      2  0.666667         90.0
1     2       a      1  0.333333          0.0
>>> rework_finish(con, log)[["activity", "events", "cases", "rework_cases"]]
  activity  events  cases  rework_cases
0        a       3      3             0
1        b       2      2             0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.bottlenecks import _rank
from analysis.scale.counts import GROUP, group_values
from analysis.scale.events import NS_PER_MINUTE
from analysis.scale.partials import Partial, quantiles
from analysis.scale.source import ScaleLog, quote
from analysis.scale.sql import label_hash
from analysis.schema import LogError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["rework_finish", "rework_partials", "variants_finish", "variants_partials"]

_GRP = GROUP
_MINUTE = float(NS_PER_MINUTE)
#: How activities are joined into a variant label (that of analysis.variants).
_SEPARATOR = " -> "


def variants_partials(log: ScaleLog, *, by: str | None = None) -> list[Partial]:
    """The mergeable parts of :func:`analysis.variants.variants` for one partition.

    Parameters
    ----------
    log : ScaleLog
        What the log holds (:func:`analysis.scale.source.open_log`).
    by : str, optional
        A log column carried into ``ev``; a case's group is that of its first event.

    Returns
    -------
    list of Partial
        Two partials: per (group, variant) its hash ``h``, cases, events per
        case, total lead time (ns) and the first case id (``kind = 'path'``);
        and ``<name>_leads``, value counts of the lead times by ``h``.
    """
    _check_by(log, by)
    grp = f", {quote(by)} AS {_GRP}" if by else ""
    # the paths are grouped per case beside ev (analysis.scale.events.case_frame)
    per_case = f"SELECT ckey, path, events, lead_ns{grp} FROM cs"
    cols = ", ".join(_keys(by, "path"))
    # a variant's lead times are keyed by a hash of its group and path: joining value
    # counts on lists of activities cost a second per ten million events
    h = label_hash(_GRP if by else None, "path")
    # One pass over the cases, two aggregates: the variants, then their lead times.
    sql = f"""
        SELECT 'path' AS kind, {cols}, {h} AS h, count(*) AS cases,
               min(events) AS events, sum(lead_ns) AS lead_ns, min(ckey) AS first
        FROM ({per_case}) GROUP BY {cols}
    """
    leads = f"SELECT {h} AS h, lead_ns AS value, count(*) AS n FROM ({per_case}) GROUP BY ALL"
    return [
        Partial(
            _name("vr", by),
            sql,
            keys=("kind", *_keys(by, "path"), "h"),
            sums=("cases", "lead_ns"),
            mins=("events", "first"),
        ),
        Partial(f"{_name('vr', by)}_leads", leads, keys=("h", "value"), sums=("n",), stack=True),
    ]


def variants_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    top: int | None = 10,
    by: str | None = None,
) -> pd.DataFrame:
    """The variants table (:func:`analysis.variants.variants`) from the merged partials.

    Parameters
    ----------
    con : duckdb connection
        Holding the ``c_*`` tables of :func:`variants_partials` (same ``by``).
    log : ScaleLog
    top : int or None
        Keep this many variants per group; all when ``None``.
    by : str, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], rank, variant, events, cases, share,
        cumulative_share, lead_median, lead_mean``, most frequent first;
        ``attrs["distinct"]``: the number of distinct variants in the log.
    """
    name = _name("vr", by)
    part = f"PARTITION BY {_GRP}" if by else ""
    order = f"{_GRP} ASC NULLS LAST, " if by else ""
    keep = f"WHERE rank <= {int(top)}" if top is not None else ""
    # Ranks, shares and running totals over every variant; only the kept ones leave DuckDB.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {name}_shown AS
        WITH r AS (
            SELECT *, row_number() OVER ({part} ORDER BY cases DESC, first) AS rank,
                   sum(cases) OVER ({part}) AS total,
                   sum(cases) OVER ({part} ORDER BY cases DESC, first
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto
            FROM c_{name} WHERE kind = 'path'
        )
        SELECT row_number() OVER (ORDER BY {order}cases DESC, first) AS vid, *
        FROM r {keep}
        """
    )
    main = con.execute(
        f"SELECT vid, {_grp_select(by)}rank, array_to_string(path, '{_SEPARATOR}') AS variant, "
        "events, cases, CAST(total AS DOUBLE) AS total, CAST(upto AS DOUBLE) AS upto, "
        f"CAST(lead_ns AS DOUBLE) AS lead_ns FROM {name}_shown ORDER BY vid"
    ).df()
    clash = con.execute(
        f"SELECT count(*) - count(DISTINCT h) FROM c_{name} WHERE kind = 'path'"
    ).fetchone()[0]
    if clash:  # pragma: no cover - a 64-bit hash collision
        raise RuntimeError(f"{name}: two variants share one hash; lead times not computed")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_shown_leads AS SELECT s.vid, l.value, l.n "
        f"FROM {name}_shown AS s JOIN c_{name}_leads AS l ON l.h = s.h"
    )
    q = quantiles(con, f"{name}_shown_leads", keys=("vid",), levels=(0.5,), scale=_MINUTE)
    main = main.merge(q[["vid", "q0.5"]], on="vid", how="left", sort=False)
    distinct = con.execute(
        f"SELECT count(DISTINCT path) FROM c_{name} WHERE kind = 'path'"
    ).fetchone()[0]
    con.execute(f"DROP TABLE {name}_shown; DROP TABLE {name}_shown_leads")
    out = pd.DataFrame(
        {
            "rank": main["rank"].astype(np.int64),
            "variant": main["variant"].astype("str"),
            "events": main["events"].astype(np.int64),
            "cases": main["cases"].astype(np.int64),
            "share": (main["cases"] / main["total"]).to_numpy(dtype=float),
            "cumulative_share": (main["upto"] / main["total"]).to_numpy(dtype=float),
            "lead_median": main["q0.5"].to_numpy(dtype=float),
            "lead_mean": (main["lead_ns"] / main["cases"] / _MINUTE).to_numpy(dtype=float),
        }
    )
    if by:
        out.insert(0, by, group_values(con, f"c_{name}", main[_GRP]))
    out.attrs["distinct"] = int(distinct)
    return out


def rework_partials(log: ScaleLog, *, by: str | None = None) -> list[Partial]:
    """The mergeable parts of :func:`analysis.variants.rework` for one partition.

    Returns
    -------
    list of Partial
        Per (group, activity): events, cases, rework cases, most executions in
        a case and the first case id; per activity its first occurrence; the
        distinct cases per group.
    """
    _check_by(log, by)
    grp = f"{quote(by)} AS {_GRP}, " if by else ""
    keys = _keys(by, "act")
    cols = ", ".join(keys)
    name = _name("rw", by)
    group = f" GROUP BY {_GRP}" if by else ""
    acts = (
        f"WITH per AS (SELECT {grp}ckey, act, count(*) AS n FROM ev GROUP BY ALL) "
        f"SELECT {cols}, sum(n) AS events, count(*) AS cases, "
        "count(*) FILTER (WHERE n > 1) AS rework_cases, max(n) AS max_repeats, "
        f"min(ckey) AS first FROM per GROUP BY {cols}"
    )
    cases = f"SELECT {grp}count(DISTINCT ckey) AS cases FROM ev{group}"
    if by is None:
        # Without groups the first-of-case flags count the cases in one pass; only the
        # repeated executions (few) are grouped per case.
        acts = (
            "WITH a AS (SELECT act, count(*) AS events, count_if(first_act) AS cases, "
            "min(ckey) AS first FROM ev GROUP BY act), "
            "per AS (SELECT act, ckey, count(*) AS r FROM ev WHERE NOT first_act GROUP BY ALL), "
            "p AS (SELECT act, count(*) AS rework_cases, max(r) + 1 AS max_repeats "
            "FROM per GROUP BY act) "
            "SELECT a.act, a.events, a.cases, CAST(coalesce(p.rework_cases, 0) AS BIGINT) "
            "AS rework_cases, CAST(coalesce(p.max_repeats, 1) AS BIGINT) AS max_repeats, "
            "a.first FROM a LEFT JOIN p ON p.act IS NOT DISTINCT FROM a.act"
        )
        cases = "SELECT count_if(first) AS cases FROM ev"
    return [
        Partial(
            f"{name}_acts",
            acts,
            keys=keys,
            sums=("events", "cases", "rework_cases"),
            mins=("first",),
            maxs=("max_repeats",),
        ),
        Partial(
            "rw_order",
            "SELECT act, min({'c': ckey, 'f': fpos}) AS first FROM ev GROUP BY act",
            keys=("act",),
            mins=("first",),
        ),
        Partial(
            f"{name}_cases",
            cases,
            keys=(_GRP,) if by else (),
            sums=("cases",),
        ),
    ]


def rework_finish(
    con: duckdb.DuckDBPyConnection, log: ScaleLog, *, by: str | None = None
) -> pd.DataFrame:
    """The rework table (:func:`analysis.variants.rework`) from the merged partials.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], activity, events, cases, rework_cases, rework_share,
        rework_share_of_activity, extra_executions, max_repeats``, sorted by
        rework cases, extra executions, then events, largest first.
    """
    name = _name("rw", by)
    on = f"t.{_GRP} IS NOT DISTINCT FROM a.{_GRP}" if by else "true"
    main = con.execute(
        f"SELECT {', '.join('a.' + k for k in _keys(by, 'act'))}, a.events, a.cases, "
        "a.rework_cases, a.max_repeats, CAST(t.cases AS DOUBLE) AS total "
        f"FROM c_{name}_acts AS a JOIN c_rw_order AS o ON o.act = a.act "
        f"JOIN c_{name}_cases AS t ON {on} ORDER BY a.first, o.first"
    ).df()
    events = main["events"].astype(np.int64)
    cases = main["cases"].astype(np.int64)
    rework = main["rework_cases"].astype(np.int64)
    out = pd.DataFrame(
        {
            "activity": main["act"].astype("str"),
            "events": events,
            "cases": cases,
            "rework_cases": rework,
            "rework_share": rework / main["total"],
            "rework_share_of_activity": rework / cases,
            "extra_executions": events - cases,
            "max_repeats": main["max_repeats"].astype(np.int64),
        }
    )
    if by:
        out.insert(0, by, group_values(con, f"c_{name}_acts", main[_GRP]))
    return _rank(out, by, ["rework_cases", "extra_executions", "events"])


def _check_by(log: ScaleLog, by: str | None) -> None:
    if by is not None and by not in log.columns:
        raise LogError(f"{log.name}: no column {by!r} to group by")


def _name(table: str, by: str | None) -> str:
    return table + ("_by" if by else "")


def _keys(by: str | None, *names: str) -> tuple[str, ...]:
    return ((_GRP,) if by else ()) + names


def _grp_select(by: str | None) -> str:
    return f"{_GRP}, " if by else ""

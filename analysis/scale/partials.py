"""Mergeable aggregates: what each partition computes, and how they combine exactly.

Every table of the scale engine is computed in two steps. A :class:`Partial`
is an SQL query over the event table ``ev`` (and the per-case table ``cs``)
of one partition (all of a log, or one hash bucket of its cases on a Dask
worker) whose rows merge by key: its columns are sums, minimums, maximums
or, for quantiles, **value counts** (how many times each exact integer value
occurred). :func:`combine` merges the partials of any number of partitions
in DuckDB, where integer sums are exact (128-bit), and :func:`quantiles`
reads exact quantiles from the merged value counts, which are stacked rather
than summed (a value may sit on one row per partition; the readers add them
up). Because the figures read from the combined tables do not depend on how
the cases were split, a Dask run gives the same figures, bit for bit, as a
run on one machine: that is the design, not a tolerance.

Quantiles are numpy's default ("linear") definition, the one pandas uses:
for ``n`` sorted values and a level ``q`` the value at ``h = (n - 1) q``,
interpolated between its neighbours. A value count is an exact, mergeable
sketch: it is as large as the number of distinct values, which for times
recorded to the second or millisecond is far fewer than the events.

Examples
--------
>>> import duckdb, pandas as pd
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE ev AS SELECT * FROM (VALUES ('a', 1), ('a', 3), "
...                 "('b', 5), ('a', 3)) AS t(act, v)")
>>> counts = Partial("counts", "SELECT act, v AS value, count(*) AS n FROM ev GROUP BY ALL",
...                  keys=("act", "value"), sums=("n",))
>>> parts = [run_partials(con, [counts])]
>>> combine(con, parts, [counts])
>>> quantiles(con, "c_counts", keys=("act",), levels=(0.5,)).values.tolist()
[['a', 3.0, 3], ['b', 5.0, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.scale.source import quote

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import pyarrow as pa

__all__ = [
    "Partial",
    "combine",
    "combine_stored",
    "lerp",
    "quantiles",
    "run_partials",
    "store_partials",
]


@dataclass(frozen=True)
class Partial:
    """One mergeable aggregate of a partition.

    Attributes
    ----------
    name : str
        The combined table is registered as ``c_<name>``.
    sql : str
        A SELECT over ``ev`` (and the partition's other temporary tables).
    keys : tuple of str
        The columns rows merge on.
    sums, mins, maxs : tuple of str
        Columns merged by sum (exact for integers), minimum, maximum.
    concat : bool
        Rows are unique across partitions (one per case): merged by stacking
        them, every column kept as it is.
    stack : bool
        Value counts (``keys`` end with ``value``, ``sums`` are the counts):
        merged by stacking too, so that one value may sit on several rows,
        one per partition. Every reader of value counts adds them up (the
        quantile readers run a cumulative count, :func:`quantiles` and
        :func:`analysis.scale.counts.hash_value_quantiles`), so the figures are
        those of summed rows; summing them here cost more than half of the
        merge of a ten-million-event log, for tables nearly one row per event.
        A stacked table may also hold one row per value and no counts (the
        values nearly all distinct: ``sums`` is then empty).
    """

    name: str
    sql: str
    keys: tuple[str, ...] = ()
    sums: tuple[str, ...] = ()
    mins: tuple[str, ...] = ()
    maxs: tuple[str, ...] = ()
    concat: bool = False
    stack: bool = False


def run_partials(
    con: duckdb.DuckDBPyConnection, partials: Sequence[Partial]
) -> dict[str, pa.Table]:
    """Run each partial's query on this partition; Arrow tables by name (picklable)."""
    return {p.name: con.sql(p.sql).to_arrow_table() for p in partials}


def combine(
    con: duckdb.DuckDBPyConnection,
    parts: Sequence[dict[str, pa.Table]],
    partials: Sequence[Partial],
) -> None:
    """Merge the partials of every partition into the tables ``c_<name>`` of ``con``.

    The result does not depend on the number or the order of ``parts``:
    keyed rows are summed (exactly), minimised or maximised; stacked rows
    (``concat``, ``stack``) are stacked, which for value counts is the same
    counts split over more rows. The rows of a ``c_`` table are in no particular order: whatever
    reads them sorts.
    """
    for p in partials:
        names = []
        for i, part in enumerate(parts):
            view = f"p_{p.name}_{i}"
            con.register(view, part[p.name])
            names.append(view)
        union = " UNION ALL BY NAME ".join(f"SELECT * FROM {v}" for v in names)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE c_{p.name} AS {_merged(con, p, union, len(names))}"
        )
        for v in names:
            con.unregister(v)


def store_partials(
    con: duckdb.DuckDBPyConnection, partials: Sequence[Partial], *, part: int
) -> None:
    """Append partition ``part``'s partials to the tables ``acc_<name>`` of ``con``.

    The counterpart of :func:`run_partials` for partitions worked through one
    after the other on one connection: the rows stay in DuckDB (which spills
    them to disk under its memory limit) instead of piling up as Arrow tables.
    :func:`combine_stored` then merges them.
    """
    for p in partials:
        if part == 0:
            con.execute(f"CREATE OR REPLACE TEMP TABLE acc_{p.name} AS {p.sql}")
        else:
            con.execute(f"INSERT INTO acc_{p.name} BY NAME {p.sql}")


def combine_stored(
    con: duckdb.DuckDBPyConnection,
    partials: Sequence[Partial],
    *,
    parts: int,
    direct: bool = False,
) -> None:
    """Merge the ``parts`` partitions stored by :func:`store_partials` into ``c_<name>``.

    ``direct``: nothing was stored, the one partition is the current ``ev``;
    its partials go straight into the merged tables.
    """
    for p in partials:
        if not direct and (p.concat or p.stack):
            # stacked rows are the stored rows: the table is renamed, not copied
            con.execute(f"DROP TABLE IF EXISTS c_{p.name}")
            con.execute(f"ALTER TABLE acc_{p.name} RENAME TO c_{p.name}")
            continue
        rows = p.sql if direct else f"SELECT * FROM acc_{p.name}"
        body = _merged(con, p, rows, 1 if direct else parts)
        con.execute(f"CREATE OR REPLACE TEMP TABLE c_{p.name} AS {body}")
        if not direct:
            con.execute(f"DROP TABLE acc_{p.name}")


def _merged(con: duckdb.DuckDBPyConnection, p: Partial, rows: str, parts: int) -> str:
    """The query merging ``rows`` (every partition's rows of ``p``) by ``p``'s keys."""
    if p.concat or p.stack:
        return f"SELECT * FROM ({rows})"
    aggs = [f"sum({quote(c)}) AS {quote(c)}" for c in p.sums]
    aggs += [f"min({quote(c)}) AS {quote(c)}" for c in p.mins]
    aggs += [f"max({quote(c)}) AS {quote(c)}" for c in p.maxs]
    select = ", ".join([quote(k) for k in p.keys] + aggs)
    group = f" GROUP BY {', '.join(quote(k) for k in p.keys)}" if p.keys else ""
    body = f"SELECT {select} FROM ({rows}){group}"
    if parts > 1 or not p.keys:
        return body
    # One partition's keys are unique already (they are the partial's GROUP BY), so
    # merging changes only the types (a sum of BIGINT is a HUGEINT): cast to the merge's
    # types, read off the query unrun. Regrouping ten million value counts cost seconds.
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {body}").fetchall()}
    cols = [*p.keys, *p.sums, *p.mins, *p.maxs]
    cast = ", ".join(f"CAST({quote(c)} AS {types[c]}) AS {quote(c)}" for c in cols)
    return f"SELECT {cast} FROM ({rows})"


def quantiles(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    keys: tuple[str, ...],
    levels: tuple[float, ...] = (0.5, 0.9),
    value: str = "value",
    count: str = "n",
    scale: float = 1.0,
) -> pd.DataFrame:
    """Exact quantiles per key from a table of value counts.

    Parameters
    ----------
    con : duckdb connection
    table : str
        Columns ``keys``, ``value`` (each distinct value once per key) and
        ``count`` (how often it occurred).
    keys : tuple of str
        Group columns (none: one row for the whole table).
    levels : tuple of float
        The quantile levels, e.g. ``(0.5, 0.9)``.
    value, count : str
        Column names.
    scale : float
        Values are divided by it before interpolation (nanoseconds to minutes:
        ``60e9``), as pandas would see them.

    Returns
    -------
    pandas.DataFrame
        The keys, then one float column per level named ``q<level>`` (e.g.
        ``q0.5``), sorted by the keys; NaN-free (keys without values do not
        appear). Also ``count``: how many values each key has.
    """
    part = f"PARTITION BY {', '.join(quote(k) for k in keys)}" if keys else ""
    v, n = quote(value), quote(count)
    picks = []
    for i, q in enumerate(levels):
        pos = f"floor((total - 1) * {q!r})"
        picks.append(f"min({v}) FILTER (WHERE upto > {pos}) AS a{i}")
        picks.append(f"min({v}) FILTER (WHERE upto > least({pos} + 1, total - 1)) AS b{i}")
    group = ", ".join(quote(k) for k in keys)
    sql = f"""
        WITH c AS (
            SELECT *, sum({n}) OVER ({part} ORDER BY {v}
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
                   sum({n}) OVER ({part}) AS total
            FROM {table}
        )
        SELECT {group + ", " if group else ""}any_value(total) AS total, {", ".join(picks)}
        FROM c {"GROUP BY " + group if group else ""} {"ORDER BY " + group if group else ""}
    """
    raw = con.execute(sql).df()
    out = raw[list(keys)].copy()
    total = raw["total"].to_numpy(dtype=np.int64)
    for i, q in enumerate(levels):
        a = raw[f"a{i}"].to_numpy(dtype=float) / scale
        b = raw[f"b{i}"].to_numpy(dtype=float) / scale
        h = (total - 1) * q
        out[f"q{q}"] = lerp(a, b, h - np.floor(h))
    out["count"] = total
    return out


def lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Interpolate from ``a`` to ``b`` at ``t`` exactly as numpy's quantiles do.

    numpy computes ``a + (b - a) t``, and ``b - (b - a)(1 - t)`` where
    ``t >= 0.5``, so that equal neighbours give their value exactly.

    Examples
    --------
    >>> lerp(np.array([1.0, 2.0]), np.array([3.0, 2.0]), np.array([0.25, 0.9])).tolist()
    [1.5, 2.0]
    >>> float(np.quantile([1.0, 3.0], 0.25))
    1.5
    """
    diff = b - a
    out = a + diff * t
    high = t >= 0.5
    out[high] = (b - diff * (1 - t))[high]
    return out

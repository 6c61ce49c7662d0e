"""Helpers of the finish functions: exact quantiles of value counts in numpy, group labels.

:func:`hash_value_quantiles` gives the figures of
:func:`analysis.scale.partials.quantiles`, bit for bit, for a list of keys
of value counts keyed by one integer; :func:`group_values` gives a finished
table's ``by`` column the dtype today's pandas tables have.

Examples
--------
>>> import duckdb, numpy as np
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE vc AS SELECT * FROM (VALUES (1, 60, 1), (1, 120, 1), "
...                 "(2, 60, 3)) AS t(h, value, n)")
>>> hash_value_quantiles(con, "vc", np.array([1, 2, 3]), levels=(0.5,),
...                      scale=60.0)["q0.5"].tolist()
[1.5, 1.0, nan]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.scale.partials import lerp

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["GROUP", "group_values", "hash_value_quantiles"]

#: The group column inside the engine's flow queries; renamed to the ``by`` column at the end.
GROUP = "odsc_by"


def hash_value_quantiles(
    con: duckdb.DuckDBPyConnection,
    table: str,
    hashes: np.ndarray,
    *,
    levels: tuple[float, ...],
    scale: float,
) -> pd.DataFrame:
    """Exact quantiles of value counts keyed by one integer ``h``, for each of ``hashes``.

    ``table`` has columns ``h``, ``value`` and ``n`` (a value may sit on
    several rows: they are added up). DuckDB sorts the rows by ``h`` and
    value (in parallel), and each key's values are then a slice found by
    binary search, so no join on labels is made: for the delays between
    clerks of a ten-million-event log, seven million value counts, the join
    on two text columns and numpy's two-key sort took three times as long.
    The figures of :func:`analysis.scale.partials.quantiles` (numpy's linear
    rule, its interpolation), bit for bit; columns ``q<level>`` and ``count``
    (the values of the hash) in the order of ``hashes``; NaN (and a count of
    0) for a hash without values.

    A table without the column ``n`` holds one row per value (a partial whose
    values are nearly all distinct, such as the delays between clerks, is
    stored so: counting them saves few rows and costs a grouping of every
    event). Its quantiles are DuckDB's ``quantile_cont`` per hash, the same
    linear rule found by selection rather than a sort (0.2 s where the sort
    took 1 to 2 s for seven million delays); DuckDB interpolates in the
    values' units and the result is then divided by ``scale``, so a figure may
    differ from numpy's in the last bit (one part in 1e16), never more.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE vc AS SELECT * FROM (VALUES (7, 60, 1), (7, 120, 1), "
    ...                 "(7, 60, 1), (9, 30, 2)) AS t(h, value, n)")
    >>> hash_value_quantiles(con, "vc", np.array([7, 8, 9]), levels=(0.5,),
    ...                      scale=60.0)["q0.5"].tolist()
    [1.0, nan, 0.5]
    """
    if "n" not in {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}:
        return _row_quantiles(con, table, hashes, levels=levels, scale=scale)
    got = con.execute(f"SELECT h, value, n FROM {table} ORDER BY h, value").fetchnumpy()
    h = np.asarray(got["h"], dtype=np.int64)
    value = np.asarray(got["value"], dtype=np.int64)
    upto = np.cumsum(np.asarray(got["n"], dtype=np.int64))
    want = np.asarray(hashes, dtype=np.int64)
    lo = np.searchsorted(h, want, side="left")
    hi = np.searchsorted(h, want, side="right")
    before = np.where(lo > 0, upto[np.maximum(lo - 1, 0)] if len(upto) else 0, 0)
    after = np.where(hi > 0, upto[np.maximum(hi - 1, 0)] if len(upto) else 0, 0)
    total = np.where(hi > lo, after - before, 0)
    out = pd.DataFrame(index=pd.RangeIndex(len(want)))
    has = total > 0
    last = max(len(value) - 1, 0)
    for q in levels:
        at = (total - 1) * q
        low = np.floor(at)
        high = np.minimum(low + 1, total - 1)
        a_at = np.searchsorted(upto, before + low.astype(np.int64), side="right")
        b_at = np.searchsorted(upto, before + high.astype(np.int64), side="right")
        a = value[np.minimum(a_at, last)] if len(value) else np.zeros(len(want), np.int64)
        b = value[np.minimum(b_at, last)] if len(value) else np.zeros(len(want), np.int64)
        res = lerp(a.astype(float) / scale, b.astype(float) / scale, at - low)
        out[f"q{q}"] = np.where(has, res, np.nan)
    out["count"] = total
    return out


def _row_quantiles(
    con: duckdb.DuckDBPyConnection,
    table: str,
    hashes: np.ndarray,
    *,
    levels: tuple[float, ...],
    scale: float,
) -> pd.DataFrame:
    """:func:`hash_value_quantiles` of a table of one row per value (columns ``h``, ``value``).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE r AS SELECT * FROM (VALUES (7, 60), (7, 120), (7, 60), "
    ...                 "(9, 30), (9, NULL)) AS t(h, value)")
    >>> hash_value_quantiles(con, "r", np.array([7, 8, 9]), levels=(0.5, 0.9), scale=60.0)
       q0.5  q0.9  count
    0   1.0   1.8      3
    1   NaN   NaN      0
    2   0.5   0.5      1
    """
    picks = ", ".join(repr(float(q)) for q in levels)
    got = con.execute(
        f"SELECT h, count(value) AS total, quantile_cont(value, [{picks}]) AS q "
        f"FROM {table} WHERE value IS NOT NULL GROUP BY h ORDER BY h"
    ).fetchall()
    want = np.asarray(hashes, dtype=np.int64)
    out = pd.DataFrame(index=pd.RangeIndex(len(want)))
    # the one row per hash that has values, looked up by binary search (a sentinel row of
    # NaN and 0 answers the hashes without values)
    h = np.array([r[0] for r in got], dtype=np.int64)
    at = np.searchsorted(h, want)
    found = at < len(h)
    found[found] = h[at[found]] == want[found]
    at = np.where(found, at, len(h))
    for i, q in enumerate(levels):
        values = np.array([r[2][i] for r in got] + [np.nan], dtype=float) / scale
        out[f"q{q}"] = values[at]
    out["count"] = np.array([r[1] for r in got] + [0], dtype=np.int64)[at]
    return out


def group_values(con: duckdb.DuckDBPyConnection, table: str, values: pd.Series) -> np.ndarray:
    """The ``by`` values of a finished table; text stays pandas text when no row is left."""
    kind = con.execute(
        "SELECT data_type FROM information_schema.columns "
        f"WHERE table_name = '{table}' AND column_name = '{GROUP}'"
    ).fetchone()
    if kind is not None and kind[0] == "VARCHAR" and values.dtype == object:
        values = values.astype("str")
    return values.array

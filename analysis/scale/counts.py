"""Helpers of the finish functions: exact quantiles of value counts in numpy, group labels.

:func:`value_quantiles` gives the figures of
:func:`analysis.scale.partials.quantiles`, bit for bit, for the rows of a
small key table; :func:`group_values` gives a finished table's ``by`` column
the dtype today's pandas tables have.

Examples
--------
>>> import duckdb, pandas as pd
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE vc AS SELECT * FROM (VALUES ('a', 60, 1), ('a', 120, 1), "
...                 "('b', 60, 3)) AS t(k, value, n)")
>>> value_quantiles(con, "vc", pd.DataFrame({"k": ["a", "b", "c"]}), levels=(0.5,),
...                 scale=60.0)["q0.5"].tolist()
[1.5, 1.0, nan]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.scale.partials import lerp

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["GROUP", "group_values", "value_quantiles"]

#: The group column inside the engine's flow queries; renamed to the ``by`` column at the end.
GROUP = "odsc_by"


def value_quantiles(
    con: duckdb.DuckDBPyConnection,
    table: str,
    keys: pd.DataFrame,
    *,
    levels: tuple[float, ...],
    scale: float,
) -> pd.DataFrame:
    """Exact quantiles of value counts for each row of ``keys``, in numpy.

    The same figures, bit for bit, as :func:`analysis.scale.partials.quantiles`
    (numpy's linear rule, its interpolation), which runs a window over every
    value count: a handoff table's delays are nearly as many value counts as
    there are handoffs, and one sort of three integer columns in numpy is
    several times faster. Columns ``q<level>``, in the rows' order; NaN for a
    key without values.
    """
    cols = list(keys.columns)
    ids = keys.assign(odsc_id=np.arange(len(keys), dtype=np.int64))
    con.register("odsc_keys", ids)
    on = " AND ".join(f"v.{c} IS NOT DISTINCT FROM k.{c}" for c in cols)
    got = con.execute(
        f"SELECT k.odsc_id AS id, v.value, v.n FROM {table} AS v JOIN odsc_keys AS k ON {on}"
    ).fetchnumpy()
    con.unregister("odsc_keys")
    key = np.asarray(got["id"], dtype=np.int64)
    value = np.asarray(got["value"], dtype=np.int64)
    count = np.asarray(got["n"], dtype=np.int64)
    order = np.lexsort((value, key))
    key, value, count = key[order], value[order], count[order]
    upto = np.cumsum(count)
    total = np.bincount(key, weights=count, minlength=len(keys)).astype(np.int64)
    before = np.cumsum(total) - total  # values of the keys sorted before each key
    out = pd.DataFrame(index=keys.index)
    has = total > 0
    for q in levels:
        h = (total - 1) * q
        low = np.floor(h)
        high = np.minimum(low + 1, total - 1)
        # the value at rank r of a key: the first row whose running count passes r
        a_at = np.searchsorted(upto, before + low.astype(np.int64), side="right")
        b_at = np.searchsorted(upto, before + high.astype(np.int64), side="right")
        a = np.where(has, value[np.minimum(a_at, len(value) - 1)] if len(value) else 0, 0)
        b = np.where(has, value[np.minimum(b_at, len(value) - 1)] if len(value) else 0, 0)
        res = lerp(a.astype(float) / scale, b.astype(float) / scale, h - low)
        out[f"q{q}"] = np.where(has, res, np.nan)
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

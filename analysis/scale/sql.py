"""SQL pieces the scale engine's tables share: groups, clocks, sums, quantiles, labels.

Small functions returning SQL fragments over ``ev`` (or its group rows) and
the pandas steps every finish function ends with, for
:mod:`analysis.scale.bottlenecks` and :mod:`analysis.scale.workload`.

Examples
--------
>>> floor_div("x", 1000)
'(CASE WHEN (x) >= 0 THEN (x) // 1000 ELSE -((-(x) - 1) // 1000) - 1 END)'
>>> label_hash("centre", "act")
'CAST(hash("centre", act) >> 1 AS BIGINT)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.scale.counts import hash_value_quantiles
from analysis.scale.events import NS_PER_MINUTE
from analysis.scale.source import ScaleLog, quote
from analysis.schema import LogError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = [
    "NS_PER_DAY",
    "check_by",
    "check_tz",
    "clock_ns",
    "day_of",
    "floor_div",
    "group_order",
    "label_hash",
    "labels",
    "lead",
    "minutes",
    "proc_ns",
    "seen",
    "with_quantiles",
]

#: Nanoseconds in a day.
NS_PER_DAY = 86_400_000_000_000


def group_order(by: str | None, alias: str = "") -> str:
    """SQL ORDER BY prefix: groups in ascending order, missing values last (as pandas)."""
    return f"{alias}{quote(by)} ASC NULLS LAST, " if by else ""


def check_by(log: ScaleLog, by: str | None) -> None:
    """Raise a one-line :class:`LogError` when ``by`` is not a column of the log."""
    if by and by not in log.columns:
        have = ", ".join(log.columns)
        raise LogError(f"{log.name}: by: column {by!r} is not in the log (columns: {have})")


def check_tz(tz: str | None) -> None:
    """Raise a one-line :class:`LogError` for a time zone that is not an IANA name."""
    if tz is None:
        return
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise LogError(
            f"tz: unknown time zone {tz!r} (an IANA name such as Asia/Vientiane)"
        ) from None


def lead(by: str | None) -> str:
    """``"<by>, "`` as a quoted SQL column list prefix, empty without ``by``."""
    return f"{quote(by)}, " if by else ""


def floor_div(expr: str, unit: int) -> str:
    """SQL for ``floor(expr / unit)`` on BIGINTs (DuckDB's ``//`` rounds toward zero)."""
    return f"(CASE WHEN ({expr}) >= 0 THEN ({expr}) // {unit} ELSE -((-({expr}) - 1) // {unit}) - 1 END)"


def clock_ns(expr: str, tz: str | None) -> str:
    """SQL for the wall-clock time of ``expr`` (ns since the epoch, UTC) in ``tz``.

    The result counts nanoseconds since 1970-01-01 00:00 *of that clock*, so
    that its day and hour follow by integer arithmetic. Without ``tz`` it is
    ``expr`` itself (UTC); with it, DuckDB's ICU time zones convert the
    microsecond (floored), which keeps every day and hour boundary.
    """
    if not tz:
        return expr
    zone = "'" + tz.replace("'", "''") + "'"
    micro = floor_div(expr, 1000)
    return f"epoch_ns(timezone({zone}, make_timestamptz({micro})))"


def day_of(expr: str) -> str:
    """SQL for the day number (days since 1970-01-01) of a clock time in ns."""
    return floor_div(expr, NS_PER_DAY)


def seen(place: str = "p") -> str:
    """SQL aggregate: where a group first occurs in the case-sorted log (a mergeable minimum).

    Over rows of one group and case with ``p``, the case's first place in it;
    or, with ``place="fpos"``, over the group's events themselves (the least
    case, then its least place, is the same minimum).
    """
    return f"min({{'c': ckey, 'p': {place}}}) AS seen"


def proc_ns() -> str:
    """SQL for an event's processing in integer ns (NULL without start).

    ``work_ns`` less the suspended time the float ``processing`` of ``ev``
    has taken off (zero unless the log records suspensions).
    """
    return (
        f"work_ns - CAST(round((work_ns / {float(NS_PER_MINUTE)!r} - processing) "
        f"* {float(NS_PER_MINUTE)!r}) AS BIGINT)"
    )


def minutes(expr: str) -> str:
    """SQL: an exact integer sum of ns (NULL stays NULL) as float minutes."""
    return f"CAST({expr} AS DOUBLE) / {float(NS_PER_MINUTE)!r}"


def label_hash(by: str | None, *columns: str) -> str:
    """SQL: a BIGINT standing for a group's labels (``by`` and ``columns``), the key of value counts.

    Value counts are as long as the distinct times they hold (near one row per
    event when times are recorded to the millisecond); keying them by one
    integer instead of the labels makes merging and sorting them several times
    faster. DuckDB's ``hash`` is the same in every partition (every partition
    must run the same DuckDB version); the main partial of the table carries
    the labels beside it, and the finish functions check that no two groups
    share one (:func:`with_quantiles`).
    """
    cols = ([quote(by)] if by else []) + list(columns)
    return f"CAST(hash({', '.join(cols)}) >> 1 AS BIGINT)"


def with_quantiles(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    table: str,
    names: tuple[str, str],
) -> pd.DataFrame:
    """``frame`` with the median and p90 of ``table`` (values by ``h``) as ``names``.

    ``table`` holds value counts or one row per value (:func:`analysis.scale.counts.hash_value_quantiles`).

    ``frame`` holds one row per group and its key ``h`` (:func:`label_hash`);
    groups without values get NaN.
    """
    if frame["h"].dropna().duplicated().any():  # pragma: no cover - 64-bit hash collision
        raise RuntimeError(f"{table}: two groups share one label hash; quantiles not computed")
    key = frame["h"].astype("Int64")
    known = key.notna().to_numpy()
    q = hash_value_quantiles(
        con,
        table,
        key[known].to_numpy(dtype=np.int64),
        levels=(0.5, 0.9),
        scale=float(NS_PER_MINUTE),
    )
    out = frame.copy()
    for level, n in zip(("q0.5", "q0.9"), names):
        column = np.full(len(frame), np.nan)
        column[known] = q[level].to_numpy(dtype=float)
        out[n] = column
    return out


def labels(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns in pandas' default string dtype, as read_log has them.

    DuckDB hands text back as objects where a column holds missing values
    (and a merge on such keys keeps them so); the pandas tables carry the
    log's own string dtype.
    """
    text = pd.Series(["x"]).dtype
    for col in frame.columns:
        values = frame[col]
        if (
            values.dtype == object
            and values.map(lambda v: isinstance(v, str) or v is None or v != v).all()
        ):
            frame[col] = values.astype(text)
    return frame

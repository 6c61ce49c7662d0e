"""The per-event times of a log, computed once in DuckDB: the table ``ev``.

:func:`build_events` turns the view ``log`` of :func:`analysis.scale.source.open_log`
into the temporary table ``ev``, one row per event, with the columns every
table of the scale engine reads. The definitions are those of
:mod:`analysis.kpis` and :mod:`analysis.bottlenecks`, here in SQL:

* ``pos``: the event's place in its case in completion order (then start,
  unknown starts first, then reading order), from 1; the order
  :func:`analysis.logs.read_log` sorts a log in;
* ``fpos``: its place in the case's path, read in the order events began
  (start, else completion; ties by completion, then ``pos``), the
  directly-follows order of pm4py and Disco;
* ``wait_ns``: nanoseconds from the latest completion before the event
  (the completion of the event before it in ``pos`` order) to its start,
  never below zero; complete-to-complete when its start is unknown; NULL
  for a case's first event unless the log records the citizen's arrival;
* ``work_ns``: completion minus start, NULL when the start is unknown
  (``odsc:suspended_minutes`` is subtracted where the log has it, in minutes,
  in the float column ``processing``);
* ``handoff``: the agency differs from that of the event before it;
  ``pingpong``: a handoff back to the agency that handed over to the
  current one (A -> B -> A, also A -> B -> B -> A).

Times stay integers (nanoseconds since the epoch, UTC) so that sums and
counts merge exactly across partitions; ``waiting`` and ``processing`` are the
same in float minutes, computed as :mod:`analysis.kpis` computes them.

The table is built with polars and registered in DuckDB, where every
aggregate of the engine is an SQL query over it. polars does the ordering:
a log written by ``odsc convert`` is already sorted by case and time, and a
folder of files each sorted so holds whole cases in order (this is checked,
not sorted again: the cases then keep the files' order). The "previous event
of the case" columns are shifts masked where the case changes, not window
partitions (DuckDB's windows sorted 10 million events in 30 s where polars
takes under 2 s). The table holds one bucket of cases at a time when :func:`analysis.scale.mine`
splits a log larger than memory into buckets.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale.source import open_log
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c1", "c2"],
...     "concept:name": ["a", "b", "a", "a"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
...         "2024-01-01 10:00", "2024-01-01 09:00"], utc=True),
...     "org:group": ["x", "y", "x", "x"]}).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log)
>>> con.execute("SELECT pos, waiting, handoff, pingpong FROM ev ORDER BY ckey, pos").fetchall()
[(1, None, False, False), (2, 30.0, True, False), (3, 90.0, True, True), (1, None, False, False)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.lifecycle import SUSPENDED
from analysis.scale.source import ScaleLog
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    ARRIVAL,
    CASE,
    DOOR,
    PRESENT,
    RESOURCE,
    START,
    TIMESTAMP,
    UNKNOWN_AGENCY,
)

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import numpy as np
    import polars as pl

__all__ = ["NS_PER_MINUTE", "build_events", "case_bucket", "case_frame", "event_frame"]

#: Nanoseconds in a minute (a DOUBLE in SQL, as numpy divides).
NS_PER_MINUTE = 60_000_000_000


def build_events(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    keep: tuple[str, ...] = (),
    bucket: tuple[int, int] | None = None,
) -> None:
    """Register the table ``ev`` in ``con`` from the log (see the module docstring).

    Parameters
    ----------
    con : duckdb connection
        Holding the view ``log`` (:func:`analysis.scale.source.open_log`).
    log : ScaleLog
        What the log holds. When it was opened with a ``where`` condition,
        the rows are that view's (one bucket of cases); otherwise polars reads
        the Parquet files itself.
    keep : tuple of str
        Further log columns to carry along under their own names (a ``by``
        column, a centre).
    bucket : (int, int), optional
        ``(k, n)``: keep only the cases whose id hashes to ``k`` modulo ``n``
        (:func:`case_bucket`), so that a log larger than memory is worked
        through ``n`` buckets, one at a time or on as many workers.

    Notes
    -----
    Columns of ``ev``: ``ckey`` (the case id as text: each case's rows
    together, in read_log's order; the cases in id order unless the files
    each hold whole sorted cases, :func:`_cases_whole`), ``act``, ``agency``, ``res`` (NULL without
    resources), ``door``, ``present`` (NULL when the log has none),
    ``start_ns``, ``done_ns``, ``begin_ns`` (start, else completion),
    ``arrival_ns``, ``rid``, ``pos``, ``crun`` (the case's run number in
    the table, from 1), ``fpos``, ``first``, ``last``,
    ``wait_ns``, ``work_ns``, ``waiting``, ``processing``, ``prev_agency``,
    ``handoff``, ``pingpong``, ``src_act``, ``src_agency``, ``src_res``,
    ``src_done_ns`` (the event before in the path, ``fpos - 1``; NULL on a
    path's first event), ``ping_agency`` and ``ping_resource`` (the pair of
    the event before and this one is a handoff at that level returning to the
    case's previous handoff's source), ``ffirst`` and ``flast`` (first and last
    of the case in path order), ``first_act``, ``first_agency``, ``first_res``,
    ``first_pair``, ``first_hop_agency`` and ``first_hop_resource`` (the
    case's first event with that value: :func:`event_frame`) and the ``keep``
    columns.

    Beside it, the table ``cs`` (:func:`case_frame`): one row per case with
    its path, for the tables that read whole paths.
    """
    frame = event_frame(con, log, keep=keep, bucket=bucket)
    con.register("ev", frame)
    con.register("cs", case_frame(frame, keep=keep))


def case_frame(ev: pl.DataFrame, *, keep: tuple[str, ...] = ()) -> pl.DataFrame:
    """One row per case of the event frame: its path and lead time (the table ``cs``).

    Columns ``ckey``, ``path`` (the activities in path order, ``fpos``),
    ``events``, ``lead_ns`` (last completion minus first begin) and each
    ``keep`` column's value on the case's first event in path order. The
    event frame holds each case's rows together, so polars groups it in one pass in that
    order (grouping lists of activities in DuckDB cost a third of a second
    per million events).

    Examples
    --------
    >>> import polars as pl
    >>> ev = pl.DataFrame({"ckey": ["c1", "c1", "c2"], "act": ["b", "a", "a"],
    ...     "fpos": [2, 1, 1], "begin_ns": [5, 0, 3], "done_ns": [9, 4, 7]})
    >>> case_frame(ev).rows()
    [('c1', ['a', 'b'], 2, 9), ('c2', ['a'], 1, 4)]
    """
    import polars as pl

    in_path = [pl.col(c).sort_by("fpos").first().alias(c) for c in keep]
    # grouped by the run number of the case (rising), which polars groups without hashing
    run = "crun" in ev.columns
    frame = ev.with_columns(pl.col("crun").set_sorted()) if run else ev
    key = "crun" if run else "ckey"
    out = frame.group_by(key, maintain_order=True).agg(
        *([pl.col("ckey").first()] if run else []),
        pl.col("act").sort_by("fpos").alias("path"),
        pl.len().cast(pl.Int64).alias("events"),
        (pl.col("done_ns").max() - pl.col("begin_ns").min()).alias("lead_ns"),
        *in_path,
    )
    return out.drop(key) if run else out


def case_bucket(case: pl.Expr, buckets: int) -> pl.Expr:
    """The bucket of each case id: a fixed-seed hash of its text modulo ``buckets``.

    The same in every process and on every run with one polars version, so
    that the workers of a cluster, which must run the same versions, agree.

    Examples
    --------
    >>> import polars as pl
    >>> ids = pl.DataFrame({"c": ["case-1", "case-2", "case-1"]})
    >>> b = ids.select(case_bucket(pl.col("c"), 4))["c"].to_list()
    >>> b[0] == b[2] and all(0 <= x < 4 for x in b)
    True
    """
    import polars as pl

    return case.cast(pl.String).hash(seed=20_261_202) % buckets


def event_frame(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    keep: tuple[str, ...] = (),
    bucket: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """The table ``ev`` as a polars DataFrame (what :func:`build_events` registers).

    ``ffirst`` and ``flast`` flag a case's first and last event in path order
    (``fpos``), where ``first`` and ``last`` flag them in ``pos`` order; the
    last six columns flag the first event of each case with a given value
    (:func:`_first_flags`).
    """
    import numpy as np
    import polars as pl

    cols = set(log.columns)
    text = pl.String

    def column(name: str, dtype: pl.DataType, alias: str) -> pl.Expr:
        if name in cols:
            return pl.col(name).cast(dtype).alias(alias)
        return pl.lit(None, dtype=dtype).alias(alias)

    def nanos(name: str, alias: str) -> pl.Expr:
        if name in cols:
            return pl.col(name).dt.epoch("ns").alias(alias)
        return pl.lit(None, dtype=pl.Int64).alias(alias)

    exprs = [
        pl.col(CASE).cast(text).alias("ckey"),
        pl.col(ACTIVITY).cast(text).cast(pl.Categorical).alias("act"),
        (
            pl.col(AGENCY).cast(text).fill_null(UNKNOWN_AGENCY)
            if AGENCY in cols
            else pl.lit(UNKNOWN_AGENCY)
        )
        .cast(pl.Categorical)
        .alias("agency"),
        column(RESOURCE, text, "res").cast(pl.Categorical),
        column(DOOR, text, "door"),
        column(PRESENT, pl.Boolean, "present"),
        nanos(START, "start_ns"),
        nanos(TIMESTAMP, "done_ns"),
        nanos(ARRIVAL, "arrival_ns"),
        column(SUSPENDED, pl.Float64, "paused"),
        *[pl.col(c) for c in keep],
    ]
    if log.where:
        if bucket is not None:
            raise ValueError("give either a where condition or a bucket, not both")
        # one bucket of cases, filtered by DuckDB, in reading order
        sql = "SELECT * FROM log ORDER BY odsc_rid"
        scan = pl.from_arrow(con.sql(sql).to_arrow_table()).lazy()
        scan = scan.rename({"odsc_rid": "rid"})
    else:
        scan = pl.scan_parquet(
            list(log.files), hive_partitioning=True, missing_columns="insert"
        ).with_row_index("rid")
    if bucket is not None:
        k, n_buckets = bucket
        scan = scan.filter(case_bucket(pl.col(CASE), n_buckets) == k)
    base = scan.select(*exprs, pl.col("rid").cast(pl.Int64))
    df = base.collect()
    if not _cases_whole(df):
        df = df.sort(["ckey", "done_ns", "start_ns", "rid"], nulls_last=False)

    n = df.height
    same = pl.col("ckey") == pl.col("ckey").shift(1)
    idx = pl.int_range(0, pl.len(), dtype=pl.Int64)
    per_minute = float(NS_PER_MINUTE)
    df = df.with_columns(
        first=~same.fill_null(False),
        last=~(pl.col("ckey") == pl.col("ckey").shift(-1)).fill_null(False),
        begin_ns=pl.coalesce("start_ns", "done_ns"),
    ).with_columns(
        pos=idx - pl.when(pl.col("first")).then(idx).forward_fill() + 1,
        crun=pl.col("first").cum_sum().cast(pl.Int64),
        prev_done=pl.when(~pl.col("first")).then(pl.col("done_ns").shift(1)),
        prev_agency=pl.when(~pl.col("first")).then(pl.col("agency").shift(1)),
    )
    df = df.with_columns(
        wait_ns=pl.when(pl.col("first") & pl.col("arrival_ns").is_not_null())
        .then(pl.max_horizontal(pl.col("begin_ns") - pl.col("arrival_ns"), pl.lit(0)))
        .when(pl.col("first"))
        .then(None)
        .when(pl.col("start_ns").is_not_null())
        .then(pl.max_horizontal(pl.col("start_ns") - pl.col("prev_done"), pl.lit(0)))
        .otherwise(pl.col("done_ns") - pl.col("prev_done")),
        work_ns=pl.col("done_ns") - pl.col("start_ns"),
        handoff=~pl.col("first") & (pl.col("agency") != pl.col("prev_agency")).fill_null(False),
    )
    # numpy divides exactly (IEEE), as analysis.kpis does; polars multiplies by
    # the reciprocal, which is one unit in the last place off now and then
    wait = df["wait_ns"].to_numpy().astype(float) / per_minute
    work = df["work_ns"].to_numpy().astype(float) / per_minute
    paused = df["paused"].fill_null(0.0).to_numpy()
    df = df.with_columns(
        pl.Series("waiting", wait, dtype=pl.Float64).fill_nan(None),
        pl.Series("processing", work - paused, dtype=pl.Float64).fill_nan(None),
    )
    # ping-pong: a handoff back to the agency that handed over at the case's previous
    # handoff, read in pos order (as analysis.kpis does); the path order's are below
    pingpong = _path_pings(df, None, "prev_agency", "agency", "pingpong")
    # the directly-follows place: by start, then completion, then pos (rarely moves)
    pos = df["pos"].to_numpy()
    begin = df["begin_ns"].to_numpy()
    moved = (~df["first"].to_numpy()[1:]) & (begin[1:] < begin[:-1]) if n > 1 else np.zeros(0, bool)
    if moved.any():
        order = (
            df.select(pl.arg_sort_by(["ckey", "begin_ns", "done_ns", "pos"])).to_series().to_numpy()
        )
        fpos = np.empty(n, dtype=np.int64)
        fpos[order] = pos
        flow = order
    else:
        fpos = pos
        flow = None
    df = df.drop("prev_done", "paused").with_columns(
        pingpong, pl.Series("fpos", fpos, dtype=pl.Int64)
    )
    df = df.with_columns(_flow_previous(df, flow))
    df = df.with_columns(
        _path_pings(df, flow, "src_agency", "agency", "ping_agency"),
        _path_pings(df, flow, "src_res", "res", "ping_resource"),
    )
    # first and last of the case in path order: the case runs are the same rows in both
    # orders, so the flags of place i in path order go to the row read there
    ffirst, flast = first, last = df["first"].to_numpy(), df["last"].to_numpy()
    if flow is not None:
        ffirst, flast = np.empty_like(first), np.empty_like(last)
        ffirst[flow], flast[flow] = first, last
    df = df.with_columns(pl.Series("ffirst", ffirst), pl.Series("flast", flast))
    return df.with_columns(_first_flags(df))


def _flow_previous(df: pl.DataFrame, flow: np.ndarray | None) -> list[pl.Series]:
    """The event before each one in its case's path (``fpos - 1``): ``src_*`` columns.

    Every directly-follows table reads pairs of consecutive events of a path;
    with the predecessor's activity, agency, clerk and completion on the later
    row, a pair is one row of ``ev`` (``fpos > 1``), not a self-join (on ten
    million events the join cost a few seconds per table). ``flow`` is the
    row order of the paths when it differs from the table's order.
    """
    import numpy as np
    import polars as pl

    cols = {"act": "src_act", "agency": "src_agency", "res": "src_res", "done_ns": "src_done_ns"}
    part = df.select("ckey", *cols)
    if flow is not None:
        part = part[flow]
    first = part["ckey"] != part["ckey"].shift(1)
    shifted = part.select(
        pl.when(~first.fill_null(True)).then(pl.col(c).shift(1)).alias(a) for c, a in cols.items()
    )
    if flow is not None:
        back = np.empty_like(flow)
        back[flow] = np.arange(len(flow))
        shifted = shifted[back]
    return shifted.get_columns()


def _path_pings(
    df: pl.DataFrame, flow: np.ndarray | None, source: str, target: str, alias: str
) -> pl.Series:
    """Flag the handoffs of a path that return to the agency (or clerk) that handed over last.

    ``flow`` is the path order of the rows (``None``: the rows' own order,
    with ``source`` the previous row's value). A handoff is a pair of
    consecutive events of a path whose
    ``source`` and ``target`` are both known and differ; it is a return
    (ping-pong) when its target is the source of the case's previous handoff
    in the path, as :func:`analysis.handoffs.handoff_events` defines it. The
    handoff rows are filtered once and compared with the row before, so no
    window over the cases is needed in SQL (on a million events the window
    cost a quarter of a second per level).
    """
    import numpy as np
    import polars as pl

    part = df.select("ckey", source, target)
    if flow is not None:
        part = part[flow]
    src, tgt = pl.col(source), pl.col(target)
    back = (
        part.with_row_index("i")
        .filter(src.is_not_null() & tgt.is_not_null() & (src != tgt))
        .filter(
            ((pl.col("ckey") == pl.col("ckey").shift(1)) & (tgt == src.shift(1))).fill_null(False)
        )
    )["i"].to_numpy()
    ping = np.zeros(df.height, dtype=bool)
    ping[flow[back] if flow is not None else back] = True
    return pl.Series(alias, ping)


#: Packed keys of :func:`_first_flags` stay below this (int64, with room to spare).
_PACK_LIMIT = 2**62


def _first_flags(df: pl.DataFrame) -> list[pl.Series]:
    """Flag each event that is the first of its case with that activity, agency, clerk or pair.

    ``first_act``, ``first_agency``, ``first_res``, ``first_pair`` (the
    pair of the path's event before and this one, ``src_act -> act``),
    ``first_hop_agency`` and ``first_hop_resource`` (``src_agency -> agency``,
    ``src_res -> res``) are true on the first event (in ``pos`` order) of
    each case and value, so that
    counting the cases of a value is ``count_if`` in one ``GROUP BY`` rather
    than a count of distinct case ids or a second grouping per case (which
    cost DuckDB over a second per million events across the tables). A
    missing value (no clerk) is a value of its own here; the queries that
    exclude it say so.

    The frame holds each case's rows together, so a case's number is the running count of
    its first events. The number and the category codes pack into one
    integer; a stable sort of it (numpy's timsort, fast on keys that already
    rise case by case) puts each case's events of one value together, the
    first of them first. Hashing the keys instead took four times as long.
    Codes too large to pack (a process holding millions of categories) fall
    back to hashing a struct of the same values.
    """
    import numpy as np
    import polars as pl

    sets = {
        "first_act": ("act",),
        "first_agency": ("agency",),
        "first_res": ("res",),
        "first_pair": ("src_act", "act"),
        "first_hop_agency": ("src_agency", "agency"),
        "first_hop_resource": ("src_res", "res"),
    }
    case = pl.col("crun")
    cases = int(df["first"].sum())
    top = max((df[c].to_physical().max() or 0) for c in ("act", "agency", "res"))
    width = int(top) + 2  # codes from 1, a missing value 0
    if df.height == 0 or (cases + 1) * width**2 >= _PACK_LIMIT:
        return df.select(
            pl.struct(case, *[pl.col(c).to_physical() for c in cols])
            .is_first_distinct()
            .alias(name)
            for name, cols in sets.items()
        ).get_columns()

    def packed(cols: tuple[str, ...]) -> pl.Expr:
        out = case
        for c in cols:
            out = out * width + (pl.col(c).to_physical().cast(pl.Int64) + 1).fill_null(0)
        return out

    keys = df.lazy().select(packed(c).alias(n) for n, c in sets.items()).collect()
    flags = []
    for name in sets:
        key = keys[name].to_numpy()
        order = np.argsort(key, kind="stable")
        ranked = key[order]
        head = np.empty(len(key), dtype=bool)
        head[0] = True
        head[1:] = ranked[1:] != ranked[:-1]
        flag = np.empty(len(key), dtype=bool)
        flag[order] = head
        flags.append(pl.Series(name, flag))
    return flags


def _cases_whole(df: pl.DataFrame) -> bool:
    """Whether each case's rows are together and in read_log's order, whatever the cases' order.

    A folder of Parquet files each sorted by case (one per centre or month,
    every case in one file) reads as runs of whole cases, sorted within each
    file, the files one after the other. Every column of ``ev`` is computed
    case by case (shifts masked where the case changes), and every table
    reads ``ev`` by value, never by row order, so such rows need no sort:
    sorting ten million of them on four keys, or moving the cases into id
    order, cost a second per five million events.
    """
    import polars as pl

    case, prev_case = pl.col("ckey"), pl.col("ckey").shift(1)
    done, prev_done = pl.col("done_ns"), pl.col("done_ns").shift(1)
    start, prev_start = pl.col("start_ns"), pl.col("start_ns").shift(1)
    start_ok = prev_start.is_null() | (start.is_not_null() & (start >= prev_start))
    within = (done > prev_done) | ((done == prev_done) & start_ok)
    if df.height < 2:
        return True
    new = (case != prev_case).fill_null(True)
    if not df.select((new | within).all()).item():
        return False
    # whole cases: no case id heads two runs (the heads sorted, no two equal)
    heads = df.lazy().filter(new).select(case.sort()).collect()["ckey"]
    return not bool((heads.slice(1) == heads.slice(0, len(heads) - 1)).any())

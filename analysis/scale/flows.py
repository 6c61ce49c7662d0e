"""Silo handoffs and ping-pong on the scale engine: the tables of :mod:`analysis.handoffs`.

Each table is a list of :class:`~analysis.scale.partials.Partial` queries over
the event table ``ev`` of one partition (:func:`analysis.scale.events.build_events`)
and a ``*_finish`` function that reads the merged ``c_*`` tables
(:func:`analysis.scale.partials.combine`) and returns the same pandas table as
:mod:`analysis.handoffs` does for :func:`analysis.mining.mine`:

* :func:`handoffs_partials` / :func:`handoffs_finish`: ``handoffs(ev,
  events=handoff_events(ev, pairs=directly_follows(ev)))`` at the agency or the
  resource level, with ``by=`` and a journey's carriers;
* :func:`pingpongs_partials` / :func:`pingpongs_finish`: ``pingpongs``;
* :func:`handoff_matrix_finish`: ``handoff_matrix`` of the handoff table.

Definitions are those of :mod:`analysis.handoffs`: the events of a case are
read in the directly-follows order (``fpos``); a handoff is a pair of
consecutive events at two different agencies (resources: both known and
different); its delay is the waiting time of the receiving event, its
transition time where that is unknown; a ping-pong is a handoff whose target
is the source of the case's previous handoff. Partitions hold whole cases, so
distinct cases add up across them. Delays are summed as integer nanoseconds
(exact in any split) and turned into minutes at the end; medians and p90s come
from every delay (DuckDB's ``quantile_cont``, numpy's linear rule). The order of
the rows is today's: by total delay (then count), ties in the order the pairs first occur in the
log (case order, then path order), which every partial carries as the
smallest ``(case, position)`` of its rows.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale.source import open_log
>>> from analysis.scale.events import build_events
>>> from analysis.scale.partials import combine, run_partials
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1"] * 4,
...     "concept:name": ["apply", "check", "fix", "approve"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 10:00",
...         "2024-01-02 08:00", "2024-01-02 09:00"], utc=True),
...     "org:group": ["front", "tax", "front", "tax"]}).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log)
>>> parts = handoffs_partials(log)
>>> combine(con, [run_partials(con, parts)], parts)
>>> handoffs_finish(con, log)[["source", "target", "count", "delay_total", "pingpongs"]]
  source target  count  delay_total  pingpongs
0    tax  front      1       1320.0          1
1  front    tax      2        180.0          1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from analysis.bottlenecks import _rank
from analysis.scale.counts import GROUP, group_values, hash_value_quantiles
from analysis.scale.events import NS_PER_MINUTE
from analysis.scale.partials import Partial
from analysis.scale.source import ScaleLog, quote
from analysis.schema import UNKNOWN_AGENCY, LogError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

    from journeys.model import Journey

__all__ = [
    "handoff_matrix_finish",
    "handoffs_finish",
    "handoffs_partials",
    "pingpongs_finish",
    "pingpongs_partials",
]

_LEVELS = ("agency", "resource")
# The group column inside the engine's queries; renamed to the ``by`` column at the end.
_GRP = GROUP
_MINUTE = float(NS_PER_MINUTE)


def handoffs_partials(
    log: ScaleLog,
    *,
    level: Literal["agency", "resource"] = "agency",
    by: str | None = None,
    journey: Journey | None = None,
) -> list[Partial]:
    """The mergeable parts of :func:`analysis.handoffs.handoffs` for one partition.

    Parameters
    ----------
    log : ScaleLog
        What the log holds (:func:`analysis.scale.source.open_log`).
    level : {"agency", "resource"}
        Handoffs between agencies (``org:group``) or resources (``org:resource``).
    by : str, optional
        A log column carried into ``ev`` (``build_events(..., keep=(by,))``):
        one block of rows per value, that of the receiving event.
    journey : Journey, optional
        Gives each handoff the carrier of the journey transition between its
        two steps (as :func:`analysis.handoffs.handoff_events`).

    Returns
    -------
    list of Partial
        Per pair: count, distinct cases, total delay (ns) and first
        occurrence; the delays, one row per handoff; the returns each pair
        received; the carriers' counts (with a journey); cases and total lead
        time per group.
    """
    parts = [*_level_partials(log, level=level, by=by), _cases_partial(by)]
    if journey is not None:
        keys = _keys(by, "src", "tgt")
        cols = ", ".join(keys)
        events = _handoff_events_sql(log, level=level, by=by, journey=journey)
        parts.append(
            Partial(
                f"{_name(level, by)}_carriers",
                f"WITH h AS ({events}) SELECT {cols}, carrier, count(*) AS n FROM h "
                f"WHERE carrier <> '' GROUP BY {cols}, carrier",
                keys=(*keys, "carrier"),
                sums=("n",),
            )
        )
    return parts


def handoffs_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    level: Literal["agency", "resource"] = "agency",
    by: str | None = None,
    journey: Journey | None = None,
) -> pd.DataFrame:
    """The handoff table (:func:`analysis.handoffs.handoffs`) from the merged partials.

    Parameters are those of :func:`handoffs_partials`, whose ``c_*`` tables
    ``con`` must hold.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], source, target, count, cases, case_share,
        delay_median, delay_mean, delay_p90, delay_total, lead_share,
        pingpongs, carrier``, sorted by total delay (then count), largest
        first, within each group.
    """
    name = _name(level, by)
    keys = _keys(by, "s", "t")
    main = con.execute(
        f"SELECT {', '.join('h.' + k for k in keys)}, h.n, h.cases, "
        f"CAST(h.delay_ns AS DOUBLE) AS delay_ns, coalesce(b.n, 0) AS back, "
        f"{_pair_hash(by, 'h.s', 'h.t').replace(_GRP, 'h.' + _GRP)} AS odsc_h "
        f"FROM c_{name} AS h LEFT JOIN c_{name} AS b ON b.kind = 'back' "
        f"AND {_on('h', 'b', keys)} WHERE h.kind = 'pair' ORDER BY h.first"
    ).df()
    if main["odsc_h"].duplicated().any():  # pragma: no cover - a 64-bit hash collision
        raise RuntimeError(f"{name}: two pairs share one hash; delays not computed")
    hashes = main.pop("odsc_h").to_numpy(dtype=np.int64)
    q = hash_value_quantiles(con, f"c_{name}_delays", hashes, levels=(0.5, 0.9), scale=_MINUTE)
    main = pd.concat([main, q.set_axis(main.index)], axis=1)
    cases, lead = _case_denominators(con, main, by)
    total = main["delay_ns"] / _MINUTE
    out = pd.DataFrame(
        {
            "source": _text(main["s"]),
            "target": _text(main["t"]),
            "count": main["n"].astype(np.int64),
            "cases": main["cases"].astype(np.int64),
        }
    )
    out["case_share"] = out["cases"] / cases
    out["delay_median"] = main["q0.5"].to_numpy(dtype=float)
    out["delay_mean"] = (main["delay_ns"] / main["n"] / _MINUTE).to_numpy()
    out["delay_p90"] = main["q0.9"].to_numpy(dtype=float)
    out["delay_total"] = total.to_numpy()
    out["lead_share"] = out["delay_total"] / lead
    out["pingpongs"] = main["back"].astype(np.int64)
    out["carrier"] = _carrier_modes(con, name, main, by) if journey is not None else ""
    out["carrier"] = out["carrier"].astype("str")
    if by:
        out.insert(0, by, group_values(con, f"c_{name}", main[_GRP]))
    return _rank(out, by, ["delay_total", "count"])


def handoff_matrix_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    value: str = "count",
    journey: Journey | None = None,
) -> pd.DataFrame:
    """The square agency matrix (:func:`analysis.handoffs.handoff_matrix`) of the handoffs.

    Uses the partials of ``handoffs_partials(log, journey=journey)``; an empty
    frame when the log has no handoff, as :func:`analysis.mining.mine` gives.
    """
    from analysis.handoffs import handoff_matrix

    table = handoffs_finish(con, log, journey=journey)
    return handoff_matrix(table, value=value) if len(table) else pd.DataFrame()


def pingpongs_partials(
    log: ScaleLog,
    *,
    level: Literal["agency", "resource"] = "agency",
    by: str | None = None,
) -> list[Partial]:
    """The mergeable parts of :func:`analysis.handoffs.pingpongs` for one partition.

    Per unordered pair ``a < b`` (by label) and group: the returns, the
    distinct cases with one, their total delay (ns) and first occurrence;
    and the cases per group.
    """
    return [_level_partials(log, level=level, by=by)[0], _cases_partial(by)]


def pingpongs_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    level: Literal["agency", "resource"] = "agency",
    by: str | None = None,
) -> pd.DataFrame:
    """The ping-pong table (:func:`analysis.handoffs.pingpongs`) from the merged partials.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], a, b, returns, cases, case_share, delay_total``,
        sorted by cases, then returns, largest first.
    """
    name = _name(level, by)
    keys = _keys(by, "s", "t")
    main = con.execute(
        f"SELECT {', '.join(keys)}, n, cases, CAST(delay_ns AS DOUBLE) AS delay_ns "
        f"FROM c_{name} WHERE kind = 'ping' ORDER BY first"
    ).df()
    cases, _ = _case_denominators(con, main, by)
    out = pd.DataFrame(
        {
            "a": _text(main["s"]),
            "b": _text(main["t"]),
            "returns": main["n"].astype(np.int64),
            "cases": main["cases"].astype(np.int64),
        }
    )
    out["case_share"] = out["cases"] / cases
    out["delay_total"] = (main["delay_ns"] / _MINUTE).to_numpy()
    if by:
        out.insert(0, by, group_values(con, f"c_{name}", main[_GRP]))
    return _rank(out, by, ["cases", "returns"])


# ----- the SQL every table shares ------------------------------------------------------

#: The first occurrence of a row group: the smallest (case, path position).
_FIRST = "{'c': ckey, 'f': fpos}"


def _pairs_sql(by: str | None) -> str:
    """The directly-follows pairs of ``ev``: one row per event after the first of its path.

    Columns ``ckey, fpos`` (of the later event), ``source, target``
    (activities), ``source_agency, target_agency, source_resource,
    target_resource``, ``transition_ns`` (begin of the later minus completion
    of the earlier), ``wait_ns`` (of the later), ``ping_agency`` and
    ``ping_resource`` (the pair is a return at that level: :func:`build_events`),
    ``first_hop_agency`` and ``first_hop_resource`` (the case's first such pair
    at that level) and the group of the later event, as :func:`analysis.bottlenecks.directly_follows`.
    """
    grp = f", {quote(by)} AS {_GRP}" if by else ""
    # the earlier event's columns are on the later row (build_events): no self-join
    return (
        "SELECT ckey, fpos, src_act AS source, act AS target, "
        "src_agency AS source_agency, agency AS target_agency, "
        "src_res AS source_resource, res AS target_resource, "
        "begin_ns - src_done_ns AS transition_ns, wait_ns, ping_agency, ping_resource, "
        f"first_hop_agency, first_hop_resource{grp} "
        "FROM ev WHERE fpos > 1"
    )


def _handoff_events_sql(
    log: ScaleLog, *, level: str, by: str | None, journey: Journey | None
) -> str:
    """One row per handoff (:func:`analysis.handoffs.handoff_events`) of the partition.

    Columns ``ckey, fpos, src, tgt, sact, tact, delay_ns, ping, hfirst``
    (the case's first handoff from ``src`` to ``tgt``), ``carrier`` and the
    group.
    """
    if level not in _LEVELS:
        raise LogError(f"level: must be one of {', '.join(_LEVELS)}, got {level!r}")
    if by is not None and by not in log.columns:
        raise LogError(f"{log.name}: no column {by!r} to group by")
    s, t = f"source_{level}", f"target_{level}"
    grp = f", {_GRP}" if by else ""
    carrier, join = "''", ""
    rows = _carrier_rows(journey)
    if rows:
        values = ", ".join(f"({_lit(a)}, {_lit(b)}, {_lit(c)})" for a, b, c in rows)
        join = (
            f" LEFT JOIN (VALUES {values}) AS car(sa, ta, carrier) "
            "ON car.sa = h.sact AND car.ta = h.tact"
        )
        carrier = "coalesce(car.carrier, '')"
    return (
        f"WITH p AS ({_pairs_sql(by)}), h AS ("
        f"SELECT ckey, fpos, {s} AS src, {t} AS tgt, source AS sact, target AS tact, "
        "coalesce(wait_ns, transition_ns) AS delay_ns, "
        f"ping_{level} AS ping, first_hop_{level} AS hfirst{grp} FROM p "
        f"WHERE {s} IS NOT NULL AND {t} IS NOT NULL AND {s} <> {t}) "
        f"SELECT h.*, {carrier} AS carrier FROM h{join}"
    )


def _level_partials(log: ScaleLog, *, level: str, by: str | None) -> list[Partial]:
    """Everything the handoff and ping-pong tables of one level read.

    The handoff events are computed once and aggregated
    three ways, told apart by ``kind``: ``pair`` (count, distinct cases, total
    delay in ns, first occurrence per source -> target), ``back`` (the returns each pair received: each
    counts for the pair it answers, source -> target sent back) and ``ping``
    (returns per unordered pair ``s < t`` by label, with their cases, delay
    and first occurrence); at the agency level also ``handed`` (per
    receiving activity ``s``, the delays of handoffs between two named
    agencies, for :mod:`analysis.scale.causes`). The delays, one row per
    handoff, are the second partial, ``<name>_delays``, keyed by the
    pair's hash ``h`` (:func:`_pair_hash`).
    """
    events = _handoff_events_sql(log, level=level, by=by, journey=None)
    g = _grp_select(by)
    group = ", ".join(_keys(by, "s", "t"))
    sums = "count(*) AS n, count(DISTINCT ckey) AS cases, sum(delay_ns) AS delay_ns"
    # without groups each case's first handoff of a pair counts the case (no DISTINCT)
    pair = sums if by else sums.replace("count(DISTINCT ckey)", "count_if(hfirst)")
    sql = f"""
        WITH h AS MATERIALIZED ({events})
        SELECT 'pair' AS kind, {g}src AS s, tgt AS t, CAST(NULL AS BIGINT) AS value,
               {pair}, min({_FIRST}) AS first
        FROM h GROUP BY {group}
        UNION ALL BY NAME
        SELECT 'back' AS kind, {g}tgt AS s, src AS t, count(*) AS n
        FROM h WHERE ping GROUP BY {group}
        UNION ALL BY NAME
        SELECT 'ping' AS kind, {g}least(src, tgt) AS s, greatest(src, tgt) AS t,
               {sums}, min({_FIRST}) AS first
        FROM h WHERE ping GROUP BY {group}
    """
    if level == "agency":
        # The waiting before each activity that follows a named agency (analysis.causes).
        named = f"src <> '{UNKNOWN_AGENCY}' AND tgt <> '{UNKNOWN_AGENCY}'"
        sql += f"""
        UNION ALL BY NAME
        SELECT 'handed' AS kind, {g}tact AS s, count(*) AS n, sum(delay_ns) AS delay_ns
        FROM h WHERE {named} GROUP BY {", ".join(_keys(by, "tact"))}
        """
    # the delays, nearly all distinct, are a stacked table of their own, one row per
    # handoff (analysis.scale.partials.Partial.stack): counting them saved few rows
    delays = (
        f"WITH h AS ({events}) SELECT {_pair_hash(by, 'src', 'tgt')} AS h, delay_ns AS value FROM h"
    )
    return [
        Partial(
            _name(level, by),
            sql,
            keys=("kind", *_keys(by, "s", "t"), "value"),
            sums=("n", "cases", "delay_ns"),
            mins=("first",),
        ),
        Partial(f"{_name(level, by)}_delays", delays, keys=("h", "value"), stack=True),
    ]


def _cases_partial(by: str | None) -> Partial:
    """Cases and total lead time (ns) per group: the group of a case's first event."""
    grp = f", {quote(by)} AS {_GRP}" if by else ""
    keys = (_GRP,) if by else ()
    group = f" GROUP BY {_GRP}" if by else ""
    # one row per case beside ev, its group that of its first event in path order
    return Partial(
        "fl_cases" + ("_by" if by else ""),
        f"WITH c AS (SELECT ckey, lead_ns{grp} "
        f"FROM cs) SELECT {_grp_select(by)}count(*) AS cases, "
        f"sum(lead_ns) AS lead_ns FROM c{group}",
        keys=keys,
        sums=("cases", "lead_ns"),
    )


def _case_denominators(
    con: duckdb.DuckDBPyConnection, main: pd.DataFrame, by: str | None
) -> tuple[pd.Series | float, pd.Series | float]:
    """The cases and total lead minutes of each row's group (of the log without ``by``)."""
    table = "c_fl_cases" + ("_by" if by else "")
    totals = con.execute(
        f"SELECT {_grp_select(by)}cases, CAST(lead_ns AS DOUBLE) AS lead_ns FROM {table}"
    ).df()
    if not by:
        if not len(totals) or pd.isna(totals["cases"].iloc[0]):
            return np.nan, np.nan
        return float(totals["cases"].iloc[0]), float(totals["lead_ns"].iloc[0]) / _MINUTE
    # A left merge keeps the rows' order and matches missing groups to each other.
    joined = main[[_GRP]].merge(totals, on=_GRP, how="left", sort=False)
    cases = pd.Series(joined["cases"].to_numpy(dtype=float))
    lead = pd.Series(joined["lead_ns"].to_numpy(dtype=float) / _MINUTE)
    return cases, lead


def _carrier_modes(
    con: duckdb.DuckDBPyConnection, name: str, main: pd.DataFrame, by: str | None
) -> np.ndarray:
    """The most frequent carrier of each pair ('' when none; ties: the first by label)."""
    cols = ", ".join(_keys(by, "src", "tgt"))
    modes = con.execute(
        f"SELECT {cols}, first(carrier ORDER BY n DESC, carrier) AS mode "
        f"FROM c_{name}_carriers GROUP BY {cols}"
    ).df()
    modes = modes.rename(columns={"src": "s", "tgt": "t"})
    keys = list(_keys(by, "s", "t"))
    joined = main[keys].merge(modes, on=keys, how="left", sort=False)
    return joined["mode"].fillna("").to_numpy(dtype=object)


def _carrier_rows(journey: Journey | None) -> list[tuple[str, str, str]]:
    """(source activity, target activity, carrier) for every label pair a journey names.

    Labels are step ids and step names (:func:`analysis.handoffs.step_of`); a
    later transition between the same two steps wins, as in
    :func:`analysis.handoffs.handoff_events`.
    """
    if journey is None:
        return []
    from analysis.handoffs import step_of

    to_step = step_of(journey)
    labels: dict[str, list[str]] = {}
    for label, step in to_step.items():
        labels.setdefault(step, []).append(label)
    carriers = {(t.source, t.target): t.carrier or "" for t in journey.transitions}
    return [
        (a, b, carrier)
        for (src, tgt), carrier in carriers.items()
        for a in labels.get(src, [])
        for b in labels.get(tgt, [])
        if carrier
    ]


def _pair_hash(by: str | None, source: str, target: str) -> str:
    """SQL: the BIGINT key of a (group,) source -> target pair in the table of delays.

    The same text gives the same hash in every partition and in the merged
    table, where the pair rows carry ``s`` and ``t``; the readers check that
    no two pairs share one. It is :func:`analysis.scale.sql.label_hash` but
    for columns given as SQL (``h.s``, a table's alias before them).
    """
    cols = ", ".join(((_GRP,) if by else ()) + (source, target))
    return f"CAST(hash({cols}) >> 1 AS BIGINT)"


def _name(level: str, by: str | None) -> str:
    return f"fl_{level}" + ("_by" if by else "")


def _keys(by: str | None, *names: str) -> tuple[str, ...]:
    return ((_GRP,) if by else ()) + names


def _grp_select(by: str | None) -> str:
    return f"{_GRP}, " if by else ""


def _on(left: str, right: str, keys: tuple[str, ...]) -> str:
    """A join condition on keys that matches missing values to each other."""
    return " AND ".join(f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" for k in keys)


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _text(values: pd.Series) -> pd.Series:
    """Labels as pandas strings, as today's tables hold them."""
    return values.astype("str").reset_index(drop=True)

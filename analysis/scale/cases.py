"""Per-case TCV figures and the desk queues of a log, on the scale engine.

The tables of :mod:`analysis.kpis` (:func:`~analysis.kpis.case_kpis`) and
:mod:`analysis.queues` (:func:`~analysis.queues.queue_waits`) computed from
the event table ``ev`` of :func:`analysis.scale.events.build_events`, with
the same definitions (the module docstring of :mod:`analysis.kpis`):

* :func:`case_kpi_partials` gives one row per case (a stacked partial: a
  case lies wholly in one partition). Times stay integer nanoseconds in the
  partials; :func:`case_kpi_finish` divides them into minutes, so a total
  waiting is the exact sum of the case's waits read once as minutes
  (pandas adds the minutes up in floats: the two agree to about 1e-15).
* :func:`queue_partials` counts the desk queues (the waits of a
  citizen-present step that continues a visit, and of a first step from a
  recorded arrival) and those within the standard, per ``by`` group;
  :func:`queue_finish` gives the counts and :func:`queue_check` why the
  standard cannot be checked, with the reasons of :mod:`analysis.queues`.

Visits are runs of citizen-present events of a case at one door on one
calendar day: a UTC day, or the day of the IANA zone ``tz`` (DuckDB's ICU
time-zone rules). Presence and doors come only from the log's
``odsc:citizen_present`` and ``odsc:door`` columns: the scale engine takes no
journey, so without a presence column visits, doors and queues are not
recorded (NaN), and ``citizen_cost`` (which needs a journey's fees and
travel costs) is always NaN.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale import build_events, open_log
>>> from analysis.scale.partials import combine, run_partials
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> t = lambda *v: pd.to_datetime(list(v), utc=True)
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c1"],
...     "concept:name": ["apply", "apply", "collect"],
...     "time:timestamp": t("2024-03-04 08:10", "2024-03-05 08:30", "2024-03-05 09:00"),
...     "org:group": ["front", "front", "front"], "odsc:door": ["odsc"] * 3,
...     "odsc:citizen_present": [True, True, True]}).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log, keep=ev_columns(log))
>>> partials = case_kpi_partials(log)
>>> combine(con, [run_partials(con, partials)], partials)
>>> case_kpi_finish(con, log)[["lead_minutes", "events", "activities", "visits"]]
                   lead_minutes  events  activities  visits
case:concept:name
c1                       1490.0       3           2     2.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.lifecycle import SUSPENDED
from analysis.queues import NO_PRESENCE, NO_QUEUE, NO_START
from analysis.scale.events import NS_PER_MINUTE
from analysis.scale.partials import Partial
from analysis.scale.source import ScaleLog, arrays, quote
from analysis.schema import CASE, LogError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = [
    "case_groups",
    "case_kpi_finish",
    "case_kpi_partials",
    "check_zone",
    "ev_columns",
    "queue_check",
    "queue_finish",
    "queue_partials",
]

#: Integer columns of the per-case table, in the order of analysis.kpis.KPI_COLUMNS.
_COUNTS = ("events", "activities", "agencies", "handoffs", "pingpongs")


def ev_columns(log: ScaleLog, *, by: str | None = None) -> tuple[str, ...]:
    """The log columns ``build_events(..., keep=)`` must carry for these tables.

    ``by`` (when given) and ``odsc:suspended_minutes`` (when the log has it:
    processing discounts suspensions).

    Examples
    --------
    >>> from analysis.scale.source import ScaleLog
    >>> log = ScaleLog((), "x", ("case:concept:name", "centre"), 0, False, False, False,
    ...                False, False)
    >>> ev_columns(log, by="centre")
    ('centre',)
    """
    keep = [by] if by else []
    if SUSPENDED in log.columns:
        keep.append(SUSPENDED)
    return tuple(dict.fromkeys(keep))


def check_zone(tz: str | None) -> str | None:
    """``tz`` itself when it names an IANA time zone (None stays None).

    Raises
    ------
    LogError
        One line naming the option when the zone is unknown.

    Examples
    --------
    >>> check_zone("Asia/Vientiane")
    'Asia/Vientiane'
    >>> check_zone("Mars/Olympus")
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: tz 'Mars/Olympus': not a known IANA time zone (e.g. Asia/Vientiane)
    """
    if tz is None:
        return None
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise LogError(f"tz {tz!r}: not a known IANA time zone (e.g. Asia/Vientiane)") from None
    return str(tz)


def _visit_ctes(tz: str | None, carry: str = "") -> str:
    """CTEs ``visit_flag(ckey, pos, new_visit, <carry>)``: the citizen-present events of ``ev``.

    An event opens a new visit unless the case's citizen-present event before
    it (in completion order) was at the same door (a missing door equals a
    missing door) on the same calendar day of its start, else completion.
    ``carry`` lists further columns of ``ev`` to keep (SQL, each with a
    leading comma).
    """
    # floor division to microseconds (midnight is a whole microsecond in every zone)
    micros = "(begin_ns - ((begin_ns % 1000) + 1000) % 1000) // 1000"
    moment = f"make_timestamp({micros})"
    if tz:
        zone = check_zone(tz).replace("'", "''")
        moment = f"timezone('{zone}', timezone('UTC', {moment}))"
    return f"""
        visit AS (
            SELECT ckey, pos, door, CAST({moment} AS DATE) AS vday{carry} FROM ev WHERE present
        ), visit_flag AS (
            SELECT * EXCLUDE (vday),
                   lag(pos) OVER w IS NULL OR door IS DISTINCT FROM lag(door) OVER w
                       OR vday <> lag(vday) OVER w AS new_visit
            FROM visit
            WINDOW w AS (PARTITION BY ckey ORDER BY pos)
        )"""


def case_kpi_partials(
    log: ScaleLog, *, by: str | None = None, tz: str | None = None
) -> list[Partial]:
    """The stacked partial ``case_kpis``: one row per case of the partition.

    Parameters
    ----------
    log : ScaleLog
        The log (its columns say what can be measured).
    by : str, optional
        A column carried in ``ev``: the group of each case is its value on
        the case's first event in path order (``fpos = 1``), as in
        :func:`analysis.mining.league_table`; column ``grp``.
    tz : str, optional
        IANA zone whose calendar days delimit visits (UTC days by default).

    Returns
    -------
    list of Partial
        Columns ``ckey``, ``first_ns``, ``last_ns``, ``wait_ns``,
        ``work_ns`` and ``work_known`` (integer sums and counts), ``paused``
        (suspended minutes of timed events), the counts of
        :data:`analysis.kpis.KPI_COLUMNS`, ``visits`` and ``doors`` (NULL
        without a presence column) and ``grp`` when ``by`` is given.
    """
    paused = (
        f"fsum({quote(SUSPENDED)}) FILTER (WHERE work_ns IS NOT NULL)"
        if SUSPENDED in log.columns
        else "CAST(NULL AS DOUBLE)"
    )
    grp = f", min({quote(by)}) FILTER (WHERE fpos = 1) AS grp" if by else ""
    if log.has_present:
        # visits and doors from the citizen-present events alone; without a door column
        # every event of a case is at one (unnamed) door
        door = "door" if log.has_door else "''"
        ctes = _visit_ctes(tz) + ", "
        visits = "CAST(coalesce(v.visits, 0) AS BIGINT)"
        doors = "CAST(coalesce(v.doors, 0) AS BIGINT)"
        per_visit = (
            "per_visit AS (SELECT ckey, count(*) FILTER (WHERE new_visit) AS visits, "
            f"count(DISTINCT {door}) AS doors FROM visit_flag GROUP BY ckey), "
        )
        join = "LEFT JOIN per_visit AS v USING (ckey)"
    else:
        ctes = per_visit = join = ""
        doors = visits = "CAST(NULL AS BIGINT)"
    # grouped by the case's run number in ev (an integer, one per case) rather than its id:
    # hashing the integer is cheaper than hashing the text
    sql = f"""
        WITH {ctes}{per_visit} per_case AS (
            SELECT any_value(ckey) AS ckey,
                   min(CASE WHEN first AND arrival_ns IS NOT NULL
                            THEN least(begin_ns, arrival_ns) ELSE begin_ns END) AS first_ns,
                   max(done_ns) AS last_ns,
                   CAST(coalesce(sum(wait_ns), 0) AS BIGINT) AS wait_ns,
                   CAST(sum(work_ns) AS BIGINT) AS work_ns,
                   count(work_ns) AS work_known,
                   {paused} AS paused,
                   count(*) AS events,
                   count(*) FILTER (WHERE first_act AND act IS NOT NULL) AS activities,
                   count(*) FILTER (WHERE first_agency AND agency IS NOT NULL) AS agencies,
                   count(*) FILTER (WHERE handoff) AS handoffs,
                   count(*) FILTER (WHERE pingpong) AS pingpongs{grp}
            FROM ev GROUP BY crun
        )
        SELECT per_case.*, {visits} AS visits, {doors} AS doors FROM per_case {join}
    """
    return [Partial("case_kpis", sql, keys=("ckey",), concat=True)]


def case_kpi_finish(
    con: duckdb.DuckDBPyConnection, log: ScaleLog, *, by: str | None = None
) -> pd.DataFrame:
    """The table of :func:`analysis.kpis.case_kpis` (no journey) from ``c_case_kpis``.

    ``by`` does not change this table (as in :func:`analysis.mining.mine`,
    the per-case table has no group column); :func:`case_groups` reads each
    case's group.

    Returns
    -------
    pandas.DataFrame
        Index: the case id (``case:concept:name``), in case-id order.
        Columns :data:`analysis.kpis.KPI_COLUMNS`; ``citizen_cost`` is NaN
        (it needs a journey, which the scale engine does not take), and
        ``visits`` and ``doors`` are NaN when the log has no presence column.
    """
    raw = arrays(
        con,
        "SELECT ckey, first_ns, last_ns, wait_ns, work_ns, work_known, paused, "
        f"{', '.join(_COUNTS)}, visits, doors FROM c_case_kpis ORDER BY ckey",
    )
    ids = pd.Index(raw["ckey"], name=CASE)
    first = raw["first_ns"].astype(np.int64)
    last = raw["last_ns"].astype(np.int64)
    minute = float(NS_PER_MINUTE)
    work = raw["work_ns"].astype(float) / minute
    work = work - np.nan_to_num(raw["paused"].astype(float))
    known = raw["work_known"].astype(np.int64) > 0
    cols = {
        "lead_minutes": (last - first) / minute,
        "waiting_minutes": raw["wait_ns"].astype(float) / minute,
        "processing_minutes": np.where(known, work, np.nan),
        **{col: raw[col].astype(np.int64) for col in _COUNTS},
        "visits": raw["visits"].astype(float),
        "doors": raw["doors"].astype(float),
        "citizen_cost": np.full(len(ids), np.nan),
        # a view of the nanoseconds as datetime64: pd.to_datetime parses each integer
        # (0.2 s a million cases), the view is the same values without a pass
        "first": pd.DatetimeIndex(first.view("M8[ns]"), tz="UTC"),
        "last": pd.DatetimeIndex(last.view("M8[ns]"), tz="UTC"),
    }
    # one frame from all the columns: assigning them one by one to a frame of a million
    # rows cost 60 ms a column
    return pd.DataFrame(cols, index=ids)


def case_groups(con: duckdb.DuckDBPyConnection, *, by: str) -> pd.Series:
    """The ``by`` group of each case (of its first event in path order), in case-id order."""
    raw = con.execute("SELECT ckey, grp FROM c_case_kpis ORDER BY ckey").df()
    return pd.Series(
        raw["grp"].to_numpy(),
        index=pd.Index(raw["ckey"].to_numpy(dtype=object), name=CASE),
        name=by,
    )


def queue_partials(
    log: ScaleLog,
    *,
    by: str | None = None,
    sla_minutes: float = 15,
    tz: str | None = None,
    per_case: bool = False,
) -> list[Partial]:
    """The partial ``queues``: desk queues measured and within ``sla_minutes`` (per ``by``).

    A desk queue (:func:`analysis.queues.queue_waits`) is the wait of a step
    with a start time that is either citizen-present and continues a visit,
    or the first of its case with a recorded arrival. Without a presence
    column no wait is known to be a queue: no partial. ``per_case`` counts
    them per case instead (key ``ckey``, the partial ``case_queues``; only
    cases with a queue have a row).

    The comparison is made on the wait in float minutes, as pandas makes it.
    """
    if not log.has_present:
        return []
    if per_case:
        by = None
    key = "ckey, " if per_case else f"{quote(by)}, " if by else ""
    group = f" GROUP BY {key[:-2]}" if key else ""
    carry = f", waiting, start_ns{', ' + quote(by) if by else ''}"
    # a citizen-present step that continues a visit (never a case's first: that one opens
    # its visit), and every first step from a recorded arrival: disjoint sets, no join
    sql = f"""
        WITH {_visit_ctes(tz, carry)}, queue AS (
            SELECT {key}waiting FROM visit_flag WHERE NOT new_visit AND start_ns IS NOT NULL
            UNION ALL
            SELECT {key}waiting FROM ev
            WHERE first AND arrival_ns IS NOT NULL AND start_ns IS NOT NULL
        )
        SELECT {key}count(waiting) AS queued,
               count(*) FILTER (WHERE waiting <= {float(sla_minutes)!r}) AS within
        FROM queue{group}
    """
    keys = ("ckey",) if per_case else (by,) if by else ()
    name = "case_queues" if per_case else "queues"
    return [Partial(name, sql, keys=keys, sums=("queued", "within"))]


def queue_finish(
    con: duckdb.DuckDBPyConnection, log: ScaleLog, *, by: str | None = None
) -> pd.DataFrame:
    """Desk queues measured (``queued``) and within the standard (``within``).

    One row (no ``by``) or one row per group that has events in a queue
    (``by`` first); no row at all when the log has no presence column.
    """
    cols = ["queued", "within"]
    if not log.has_present:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in ([by] if by else []) + cols})
    key = f"{quote(by)}, " if by else ""
    order = f" ORDER BY {quote(by)}" if by else ""
    raw = con.execute(
        f"SELECT {key}CAST(coalesce(queued, 0) AS BIGINT) AS queued, "
        f"CAST(coalesce(within, 0) AS BIGINT) AS within FROM c_queues{order}"
    ).df()
    return raw


def queue_check(log: ScaleLog, queued: int) -> str | None:
    """Why the queue standard is not checked (:func:`analysis.queues.queue_check`).

    Examples
    --------
    >>> from analysis.scale.source import ScaleLog
    >>> log = ScaleLog((), "x", (), 2, True, False, False, False, False)
    >>> queue_check(log, 0) == NO_PRESENCE, queue_check(log, 3)
    (True, None)
    """
    if queued:
        return None
    if not log.has_start:
        return NO_START
    if not log.has_present:
        return NO_PRESENCE
    return NO_QUEUE

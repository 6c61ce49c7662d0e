"""Indicators per centre and period: is each centre getting faster or slower?

A programme that runs many district centres follows each one month by month
against the others. :func:`monitor` measures an event log with the project's
one ruler (:func:`analysis.kpis.case_kpis`, :func:`analysis.queues.queue_waits`,
:func:`analysis.charter.charter_cases`) and returns

* a tidy table, one row per centre and period and, when ``by`` is given, one
  per period for all centres together (``level == "all"``, the national
  reference):
  cases, median and p90 lead time, visits and handoffs per case, the queue
  standard (share of desk queues within ``sla_minutes``) and the shares within
  the charter's time and fee;
* the centres that moved most: the change of the median lead time from the
  first to the last period with at least ``min_cases`` cases, with a seeded
  bootstrap confidence interval over cases.

Rules (decided here; DESIGN.md is silent on them):

* a case belongs to the centre of its first event (as in the league table of
  :func:`analysis.mining.league_table`; ``by`` may be a case or an event
  attribute) and to the period of its first start (or completion), in the
  calendar of ``tz`` (UTC when no zone is given);
* a period with fewer than ``min_cases`` cases (10 by default) is kept in the
  table with ``few_cases`` set, left out of the plots' lines and of the
  movers: a median of three cases is noise;
* a period that began less than the log's p90 lead time before the log's
  last event is marked ``incomplete``: its slow cases may not have finished
  when the log was exported (right-censoring), so it looks faster than it is;
  the movers leave it out and the plots draw it hollow;
* a value the log does not hold is NaN, never 0, and ``Monitor.notes`` says why
  (no start times or presence for the queue standard, no presence for visits,
  no charter for the charter shares).

Examples
--------
>>> import pandas as pd
>>> t = lambda *v: pd.to_datetime(list(v), utc=True)
>>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b", "b", "c", "c"],
...     "concept:name": ["apply", "issue"] * 3,
...     "time:timestamp": t("2024-01-02 08:00", "2024-01-02 10:00", "2024-01-03 08:00",
...                         "2024-01-03 12:00", "2024-02-05 08:00", "2024-02-05 09:00"),
...     "centre": ["X", "X", "X", "X", "X", "X"]})
>>> m = monitor(log, by="centre", min_cases=1)
>>> m.table[m.table.level == "centre"][["period", "cases", "lead_median_minutes"]]
    period  cases  lead_median_minutes
0  2024-01      2                180.0
1  2024-02      1                 60.0
"""

from __future__ import annotations

import difflib
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.schema import AGENCY, CASE, UNKNOWN_AGENCY, LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = [
    "ALL_CENTRES",
    "MONITOR_COLUMNS",
    "PERIODS",
    "Monitor",
    "NO_AGENCY",
    "NO_CHARTER",
    "NO_VISITS",
    "bootstrap_median_change",
    "case_notes",
    "case_table",
    "monitor",
    "monitor_cases",
    "monitor_from_cases",
    "movers",
    "nearest_column",
]

#: Period names of ``every`` and their pandas frequency.
PERIODS: dict[str, str] = {"week": "W-SUN", "month": "M", "quarter": "Q"}

#: The label of the all-centres rows (the national reference).
ALL_CENTRES = "All centres"

#: Label of cases whose centre the log leaves empty.
NO_CENTRE = "(centre not recorded)"

#: The notes on values a log does not hold (:attr:`Monitor.notes`).
NO_AGENCY = "the log names no agency (org:group, or --agency): handoffs are not recorded"
NO_VISITS = (
    "the log does not say which steps needed the citizen in person "
    "(no odsc:citizen_present column and no journey): visits are not recorded"
)
NO_CHARTER = "no charter: give a journey with a 'charter:' section (--journey)"

#: Columns of :attr:`Monitor.table`, in order.
MONITOR_COLUMNS: tuple[str, ...] = (
    "level",
    "centre",
    "period",
    "period_start",
    "cases",
    "few_cases",
    "incomplete",
    "lead_median_minutes",
    "lead_p90_minutes",
    "visits_mean",
    "handoffs_mean",
    "queue_waits",
    "queue_within_sla",
    "charter_cases",
    "within_charter_time",
    "within_charter_fee",
)


@dataclass(frozen=True)
class Monitor:
    """What :func:`monitor` found.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy table, :data:`MONITOR_COLUMNS`.
    movers : pandas.DataFrame
        :func:`movers` of the cases.
    cases : pandas.DataFrame
        One row per case: ``centre``, ``period`` and the measures behind the table.
    notes : dict
        Column -> why its values are not recorded (absent when they are).
    by, every, min_cases, sla_minutes, tz, calendar : settings and the charter's calendar.
    """

    table: pd.DataFrame
    movers: pd.DataFrame
    cases: pd.DataFrame
    notes: dict[str, str] = field(default_factory=dict)
    by: str | None = None
    every: str = "month"
    min_cases: int = 10
    sla_minutes: float = 15.0
    tz: str | None = None
    calendar: str | None = None


def nearest_column(name: str, log: pd.DataFrame, *, option: str = "--by") -> str:
    """The one-line message for a column the log does not have, naming the nearest.

    The nearest name (by its part after the last ``:``, as in ``case:channel``)
    when one is close; else the text columns that could name a centre (2 to
    1,000 distinct values), with their number of values.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "b"], "centre": ["X", "Y"]})
    >>> nearest_column("centr", log)
    "--by: the log has no column 'centr'; did you mean 'centre'?"
    >>> nearest_column("district", log)
    "--by: the log has no column 'district'; columns that could name a centre: centre (2 values)"
    """
    cols = [str(c) for c in log.columns]
    tails = {c.lower().rsplit(":", 1)[-1]: c for c in cols}
    hit = difflib.get_close_matches(name.lower().rsplit(":", 1)[-1], list(tails), n=1, cutoff=0.7)
    if hit:
        return f"{option}: the log has no column {name!r}; did you mean {tails[hit[0]]!r}?"
    core = {CASE, "concept:name", "time:timestamp", "start_timestamp", "org:resource",
            "concept:instance", "lifecycle:transition"}  # fmt: skip
    fits = []
    for c in cols:
        if c in core or pd.api.types.is_datetime64_any_dtype(log[c].dtype):
            continue
        if pd.api.types.is_numeric_dtype(log[c].dtype) or pd.api.types.is_bool_dtype(log[c]):
            continue
        n = int(log[c].nunique())
        sample = log[c].dropna().astype(str).head(50)
        dates = pd.to_datetime(sample, errors="coerce", format="mixed", utc=True)
        numbers = pd.to_numeric(sample, errors="coerce")
        looks_like = len(sample) and (dates.notna().all() or numbers.notna().all())
        if 2 <= n <= 1000 and not looks_like:  # dates and amounts are no centre
            fits.append(f"{c} ({n} values)")
    hint = ("columns that could name a centre: " + ", ".join(fits[:10])) if fits else (
        "no column of the log looks like a centre (text with 2 to 1,000 values)")  # fmt: skip
    return f"{option}: the log has no column {name!r}; {hint}"


def monitor_cases(
    log: pd.DataFrame,
    *,
    by: str | None = None,
    every: str = "month",
    journey: Journey | None = None,
    sla_minutes: float = 15.0,
    tz: str | None = None,
) -> tuple[pd.DataFrame, dict[str, str], str | None]:
    """One row per case with its centre, period and measures; the notes; the calendar.

    Columns: ``centre``, ``period`` (pandas Period), ``lead_minutes``,
    ``visits``, ``handoffs``, ``queue_waits`` and ``queue_ok`` (desk queues
    measured and within the standard), ``within_time``, ``within_fee``,
    ``working_days``, ``days_over`` (NaN without a charter).
    """
    from analysis.kpis import case_kpis, event_times
    from analysis.queues import queue_check, queue_waits

    if every not in PERIODS:
        raise LogError(f"--every: unknown period {every!r}; one of: {', '.join(PERIODS)}")
    if by is not None and by not in log.columns:
        raise LogError(nearest_column(by, log))
    ev = event_times(log)
    kpis = case_kpis(ev, journey=journey, tz=tz)
    firsts = None if by is None else ev.drop_duplicates(CASE, keep="first").set_index(CASE)[by]
    out = case_table(kpis, firsts, every=every, tz=tz)
    agencies = ev[AGENCY] if AGENCY in ev.columns else pd.Series([], dtype=object)
    named = bool((agencies.notna() & (agencies != UNKNOWN_AGENCY)).any())
    if not named:
        out["handoffs"] = np.nan
    q = queue_waits(ev, journey=journey, tz=tz)
    notes = case_notes(
        agencies_named=named,
        visits_recorded=not kpis["visits"].isna().all(),
        queue_why=queue_check(ev, q, journey=journey),
    )
    cases_of = ev.loc[q.index, CASE].to_numpy()
    measured = pd.Series(q.notna().to_numpy(), index=cases_of).groupby(level=0).sum()
    ok = pd.Series((q <= sla_minutes).to_numpy(), index=cases_of).groupby(level=0).sum()
    out["queue_waits"] = measured.reindex(out.index).fillna(0).to_numpy()
    out["queue_ok"] = ok.reindex(out.index).fillna(0).to_numpy()
    calendar = None
    if journey is not None and journey.charter is not None:
        from analysis.charter import charter_cases

        ch = charter_cases(ev, journey, tz=tz).reindex(out.index)
        calendar = ch.attrs.get("calendar")
        for col in ("within_time", "within_fee", "working_days", "days_over"):
            out[col] = ch[col].to_numpy()
        if journey.charter.fee is None:
            notes["within_charter_fee"] = "the charter publishes no fee"
    else:
        for col in ("within_time", "within_fee", "working_days", "days_over"):
            out[col] = np.nan
        reason = (
            NO_CHARTER if journey is None else f"journey {journey.id!r} has no 'charter:' section"
        )
        notes["within_charter_time"] = notes["within_charter_fee"] = reason
    return out, notes, calendar


def case_table(
    kpis: pd.DataFrame, firsts: pd.Series | None, *, every: str, tz: str | None
) -> pd.DataFrame:
    """The first columns of :func:`monitor_cases`: ``centre``, ``period``, lead, visits, handoffs.

    ``kpis`` is :func:`analysis.kpis.case_kpis`'s table (or the scale engine's),
    ``firsts`` the centre column's value on each case's first event (by case
    id; None: one centre, :data:`ALL_CENTRES`).
    """
    out = pd.DataFrame(index=kpis.index)
    if firsts is None:
        out["centre"] = ALL_CENTRES
    else:
        names = firsts.reindex(kpis.index).astype(object)
        out["centre"] = names.where(names.notna(), NO_CENTRE).map(str).to_numpy()
    first = pd.DatetimeIndex(kpis["first"])
    local = (first.tz_convert(tz) if tz else first).tz_localize(None)
    out["period"] = local.to_period(PERIODS[every])
    last = pd.DatetimeIndex(kpis["last"])
    out["_last"] = (last.tz_convert(tz) if tz else last).tz_localize(None)
    for col in ("lead_minutes", "visits", "handoffs"):
        out[col] = kpis[col].astype(float).to_numpy()
    return out


def case_notes(
    *, agencies_named: bool, visits_recorded: bool, queue_why: str | None
) -> dict[str, str]:
    """The notes on handoffs, visits and the queue standard (``queue_why``: queue_check's)."""
    notes: dict[str, str] = {}
    if not agencies_named:
        notes["handoffs_mean"] = NO_AGENCY
    if not visits_recorded:
        notes["visits_mean"] = NO_VISITS
    if queue_why is not None:
        notes["queue_within_sla"] = "queue standard not checked: " + queue_why
    return notes


def _summary(g: pd.DataFrame) -> dict[str, float]:
    lead = g["lead_minutes"]
    measured = float(g["queue_waits"].sum())
    known_t = g["within_time"].notna()
    known_f = g["within_fee"].notna()
    return {
        "cases": len(g),
        "lead_median_minutes": float(lead.median()),
        "lead_p90_minutes": float(lead.quantile(0.9)),
        "visits_mean": float(g["visits"].mean()) if g["visits"].notna().any() else np.nan,
        "handoffs_mean": float(g["handoffs"].mean()) if g["handoffs"].notna().any() else np.nan,
        "queue_waits": measured,
        "queue_within_sla": float(g["queue_ok"].sum()) / measured if measured else np.nan,
        "charter_cases": float(known_t.sum()),
        "within_charter_time": float(g.loc[known_t, "within_time"].mean())
        if known_t.any()
        else np.nan,
        "within_charter_fee": float(g.loc[known_f, "within_fee"].mean())
        if known_f.any()
        else np.nan,
    }


def _open_after(cases: pd.DataFrame) -> pd.Timestamp | None:
    """The start after which a period's cases may not have finished when the log ends.

    A case that began less than the log's p90 lead time before the log's last
    event may still be open and missing from the log's end: such periods hold
    only their fast cases, and look faster than they are (right-censoring).
    """
    if not len(cases) or "_last" not in cases:
        return None
    return cases["_last"].max() - pd.Timedelta(minutes=float(cases["lead_minutes"].quantile(0.9)))


def _incomplete(periods: pd.Series, after: pd.Timestamp | None) -> np.ndarray:
    if after is None:
        return np.zeros(len(periods), dtype=bool)
    return np.array([p.end_time > after for p in periods], dtype=bool)


def _table(cases: pd.DataFrame, *, min_cases: int, by: str | None) -> pd.DataFrame:
    rows = []
    for (centre, period), g in cases.groupby(["centre", "period"], sort=True):
        rows.append({"level": "centre", "centre": centre, "period": period, **_summary(g)})
    for period, g in cases.groupby("period", sort=True) if by else ():
        rows.append({"level": "all", "centre": ALL_CENTRES, "period": period, **_summary(g)})
    t = pd.DataFrame(rows)
    if t.empty:
        return pd.DataFrame(columns=list(MONITOR_COLUMNS))
    t["period_start"] = [p.start_time.strftime("%Y-%m-%d") for p in t["period"]]
    t["incomplete"] = _incomplete(t["period"], _open_after(cases))
    t["period"] = [_label(p) for p in t["period"]]
    t["few_cases"] = t["cases"] < min_cases
    t["cases"] = t["cases"].astype(int)
    t["queue_waits"] = t["queue_waits"].astype(int)
    t["charter_cases"] = t["charter_cases"].astype(int)
    return t[list(MONITOR_COLUMNS)].reset_index(drop=True)


def _label(p: pd.Period) -> str:
    if p.freqstr.startswith("W"):
        return "week of " + p.start_time.strftime("%Y-%m-%d")
    return str(p)


def bootstrap_median_change(
    before: np.ndarray, after: np.ndarray, *, seed: int = 0, n_boot: int = 2000, level: float = 0.95
) -> tuple[float, float, float]:
    """Change of the median from ``before`` to ``after`` and its bootstrap interval.

    Cases are resampled with replacement within each period (percentile
    interval); the draws come from ``numpy.random.default_rng(seed)``.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.arange(100.0), np.arange(100.0) + 50
    >>> change, lo, hi = bootstrap_median_change(a, b, seed=1)
    >>> change, bool(lo < 50 < hi), bool(lo > 0)
    (50.0, True, True)
    """
    rng = np.random.default_rng(seed)
    a, b = np.asarray(before, float), np.asarray(after, float)
    change = float(np.median(b) - np.median(a))
    draws = np.empty(n_boot)
    block = max(1, 2_000_000 // max(len(a), len(b), 1))  # keep each draw block small
    for s in range(0, n_boot, block):
        k = min(block, n_boot - s)
        ma = np.median(a[rng.integers(0, len(a), size=(k, len(a)))], axis=1)
        mb = np.median(b[rng.integers(0, len(b), size=(k, len(b)))], axis=1)
        draws[s : s + k] = mb - ma
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail])
    return change, float(lo), float(hi)


def movers(
    cases: pd.DataFrame, *, min_cases: int = 10, seed: int = 0, n_boot: int = 2000
) -> pd.DataFrame:
    """Change of each centre's median lead time, first to last period with enough cases.

    Periods that may have lost their slow cases to the end of the log (they
    began less than the p90 lead time before the log's last event; the
    table's ``incomplete``) are left out: they would look faster than they are.

    Returns
    -------
    pandas.DataFrame
        One row per centre with two such periods, largest absolute change
        first: ``centre``, ``from_period``, ``to_period``, ``from_cases``,
        ``to_cases``, ``from_median_minutes``, ``to_median_minutes``,
        ``change_minutes``, ``change_share`` (relative to the first),
        ``ci_low_minutes``, ``ci_high_minutes`` (95% bootstrap over cases,
        seeded per centre from ``seed`` and the centre's name) and
        ``direction``: ``faster``/``slower`` when the interval excludes 0,
        ``no clear change`` otherwise.
    """
    rows = []
    cols = [
        "centre", "from_period", "to_period", "from_cases", "to_cases", "from_median_minutes",
        "to_median_minutes", "change_minutes", "change_share", "ci_low_minutes",
        "ci_high_minutes", "direction",
    ]  # fmt: skip
    after = _open_after(cases)
    for centre, g in cases.groupby("centre", sort=True):
        sizes = g.groupby("period").size()
        ok = sizes[sizes >= min_cases].index.sort_values()
        ok = ok[~_incomplete(pd.Series(ok), after)]
        if len(ok) < 2:
            continue
        a = g.loc[g["period"] == ok[0], "lead_minutes"].to_numpy(float)
        b = g.loc[g["period"] == ok[-1], "lead_minutes"].to_numpy(float)
        own = int(
            np.random.SeedSequence([seed, zlib.crc32(str(centre).encode())]).generate_state(1)[0]
        )
        change, lo, hi = bootstrap_median_change(a, b, seed=own, n_boot=n_boot)
        base = float(np.median(a))
        direction = "faster" if hi < 0 else "slower" if lo > 0 else "no clear change"
        rows.append([centre, _label(ok[0]), _label(ok[-1]), len(a), len(b), base,
                     float(np.median(b)), change, change / base if base else np.nan, lo, hi,
                     direction])  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    order = out["change_minutes"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def monitor(
    log: pd.DataFrame,
    *,
    by: str | None = None,
    every: str = "month",
    journey: Journey | None = None,
    sla_minutes: float = 15.0,
    min_cases: int = 10,
    tz: str | None = None,
    seed: int = 0,
    n_boot: int = 2000,
) -> Monitor:
    """Indicators per centre and period of a canonical event log.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log (:func:`analysis.logs.read_log`).
    by : str, optional
        The column naming the centre (a case or event attribute); without
        it the whole log is one centre, :data:`ALL_CENTRES`.
    every : {"week", "month", "quarter"}
        The period.
    journey : Journey, optional
        Presence, doors and fees the log lacks, and the charter.
    sla_minutes : float
        The queue standard.
    min_cases : int
        Periods with fewer cases are marked ``few_cases``.
    tz : str, optional
        Zone whose calendar delimits periods, visits and working days.
    seed, n_boot : int
        The bootstrap of :func:`movers`.

    Raises
    ------
    analysis.schema.LogError
        An unknown ``by`` column (naming the nearest) or period.
    """
    if min_cases < 1:
        raise LogError(f"--min-cases must be >= 1, got {min_cases}")
    cases, notes, calendar = monitor_cases(
        log, by=by, every=every, journey=journey, sla_minutes=sla_minutes, tz=tz
    )
    return monitor_from_cases(cases, notes, by=by, every=every, min_cases=min_cases,
                              sla_minutes=sla_minutes, tz=tz, seed=seed, n_boot=n_boot,
                              calendar=calendar)  # fmt: skip


def monitor_from_cases(
    cases: pd.DataFrame,
    notes: dict[str, str],
    *,
    by: str | None = None,
    every: str = "month",
    min_cases: int = 10,
    sla_minutes: float = 15.0,
    tz: str | None = None,
    seed: int = 0,
    n_boot: int = 2000,
    calendar: str | None = None,
) -> Monitor:
    """The :class:`Monitor` of a per-case table (:func:`monitor_cases`'s, or the scale engine's).

    The table and the movers are computed from ``cases`` alone, so any
    engine that gives the same per-case table gives the same monitor.
    """
    return Monitor(
        table=_table(cases, min_cases=min_cases, by=by),
        movers=movers(cases, min_cases=min_cases, seed=seed, n_boot=n_boot),
        cases=cases,
        notes=notes,
        by=by,
        every=every,
        min_cases=min_cases,
        sla_minutes=float(sla_minutes),
        tz=tz,
        calendar=calendar,
    )

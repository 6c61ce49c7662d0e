"""Cases against the service charter of their journey: time in working days, fees.

A charter (:mod:`journeys.charter`) promises a service within so many working
days for a published fee. :func:`charter_cases` measures every case of a log
against it; the monitoring and mining reports show the share within it and
the cases breaching it most (by pseudonym).

Definitions (decided here; DESIGN.md is silent on them):

* **working days** of a case: the working days after the day of its first
  event up to and including the day of its last event (``numpy.busday_count``
  over the charter's calendar: its weekdays and holidays; Monday to Friday
  without one). A case served the day it was opened took 0 working days; one
  opened on Friday and served on Monday took 1. Days are the calendar days of
  ``tz`` (UTC when no zone is given, and the result says so).
* a case is **finished** when its last activity matches an end step of the
  journey (by step id or name). A finished case is within the time standard
  when its working days are at most ``charter.days``. An unfinished case is a
  breach once it is already past the standard, and otherwise not known yet
  (NaN, "still open"): it may still make it.
* **fees** of a case: the fees of the journey steps its events match, paid
  again on rework, as in :func:`analysis.kpis.case_kpis`. A case none of whose
  events matches a journey step has unknown fees (NaN). Within the fee
  standard: fees at most ``charter.fee``; NaN when the charter publishes no fee.

Examples
--------
>>> import pandas as pd
>>> from journeys.charter import Charter
>>> from journeys.model import Distribution, Journey, Step, Transition
>>> j = Journey("s", "S", "apply", (Step("apply", "a", Distribution.fixed(5), fee=10),
...     Step("issue", "a", Distribution.fixed(5))), (Transition("apply", "issue"),),
...     charter=Charter(days=2, fee=10))
>>> t = lambda *v: pd.to_datetime(list(v), utc=True)
>>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2", "c2"],
...     "concept:name": ["apply", "issue", "apply", "apply", "issue"],
...     "time:timestamp": t("2024-03-01 09:00", "2024-03-04 10:00",   # Fri -> Mon
...                         "2024-03-04 09:00", "2024-03-05 09:00", "2024-03-08 10:00")})
>>> charter_cases(log, j)[["working_days", "within_time", "fees", "within_fee"]]
                   working_days  within_time  fees  within_fee
case:concept:name
c1                          1.0          1.0  10.0         1.0
c2                          4.0          0.0  20.0         0.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.kpi_arrays import _case_runs, _match_steps, _ordered
from analysis.schema import CASE, START, TIMESTAMP, LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = ["CHARTER_COLUMNS", "charter_cases", "worst_breaches", "working_days"]

#: Columns of :func:`charter_cases`.
CHARTER_COLUMNS: tuple[str, ...] = (
    "working_days",
    "finished",
    "within_time",
    "days_over",
    "fees",
    "within_fee",
)


def working_days(
    first: pd.Series | pd.DatetimeIndex,
    last: pd.Series | pd.DatetimeIndex,
    *,
    weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri"),
    holidays: tuple[str, ...] = (),
    tz: str | None = None,
) -> np.ndarray:
    """Working days after the day of ``first`` up to and including the day of ``last``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.to_datetime(["2024-03-01 09:00", "2024-03-04 09:00"], utc=True)
    >>> b = pd.to_datetime(["2024-03-04 17:00", "2024-03-04 11:00"], utc=True)
    >>> working_days(a, b).tolist()   # Friday -> Monday; the same day
    [1.0, 0.0]
    >>> working_days(a, b, holidays=("2024-03-04",)).tolist()
    [0.0, 0.0]
    """
    week = "".join("1" if d in weekdays else "0" for d in ("mon", "tue", "wed", "thu", "fri",
                                                           "sat", "sun"))  # fmt: skip

    def days(values: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        idx = pd.DatetimeIndex(values)
        if tz is not None:
            idx = idx.tz_convert(tz)
        return idx.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")

    a, b = days(first), days(last)
    out = np.full(len(a), np.nan)
    ok = ~(np.isnat(a) | np.isnat(b))
    if week == "0000000":
        return out
    hol = np.array(holidays, dtype="datetime64[D]")
    # busday_count counts [begin, end); shifting both by a day counts (first day, last day]
    out[ok] = np.busday_count(a[ok] + 1, b[ok] + 1, weekmask=week, holidays=hol)
    return out


def charter_cases(
    log: pd.DataFrame,
    journey: Journey,
    *,
    case: str = CASE,
    activity: str = "concept:name",
    timestamp: str = TIMESTAMP,
    start: str = START,
    tz: str | None = None,
) -> pd.DataFrame:
    """Each case of ``log`` against the charter of ``journey``.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log.
    journey : Journey
        Must carry a charter (:attr:`journeys.model.Journey.charter`).
    case, activity, timestamp, start : str
        Column names.
    tz : str, optional
        Zone whose calendar days count; UTC days by default.

    Returns
    -------
    pandas.DataFrame
        Indexed by case: :data:`CHARTER_COLUMNS`: ``working_days``,
        ``finished`` (bool), ``within_time`` (1.0, 0.0 or NaN while open and
        not yet late), ``days_over`` (working days beyond the standard, <= 0
        when within), ``fees`` (NaN when no event matches a step),
        ``within_fee`` (NaN when the charter has no fee). ``attrs["calendar"]``
        says whose working days were counted.

    Raises
    ------
    analysis.schema.LogError
        When the journey has no charter.
    """
    from journeys.charter import charter_calendar

    c = journey.charter
    if c is None:
        raise LogError(f"journey {journey.id!r} has no charter: add a 'charter:' section")
    ev = _ordered(log, case=case, timestamp=timestamp, start=start)
    codes, first = _case_runs(ev[case])
    n = int(codes[-1]) + 1 if len(codes) else 0
    ids = ev[case].to_numpy()[first]
    done = pd.DatetimeIndex(ev[timestamp])
    began = pd.DatetimeIndex(ev[start]) if start in ev.columns else done
    began = began.where(~began.isna(), done)
    starts_at = np.flatnonzero(first)
    t_first = (
        pd.Series(began.as_unit("ns").asi8).groupby(codes).min().to_numpy() if n else np.zeros(0)
    )
    t_last = (
        pd.Series(done.as_unit("ns").asi8).groupby(codes).max().to_numpy() if n else np.zeros(0)
    )
    cal, where = charter_calendar(journey)
    wd = working_days(
        pd.to_datetime(t_first, utc=True),
        pd.to_datetime(t_last, utc=True),
        weekdays=cal.days if cal else ("mon", "tue", "wed", "thu", "fri"),
        holidays=cal.holidays if cal else (),
        tz=tz,
    )
    steps = _match_steps(ev[activity], journey).reset_index(drop=True)
    last_idx = np.r_[starts_at[1:], len(ev)] - 1 if n else np.zeros(0, dtype=int)
    ends = set(journey.ends)
    finished = steps.iloc[last_idx].isin(ends).to_numpy() if n else np.zeros(0, dtype=bool)
    within = np.where(wd <= c.days, 1.0, 0.0)
    within = np.where(~finished & (wd <= c.days), np.nan, within)
    within = np.where(np.isnan(wd), np.nan, within)
    fee_of = {s.id: float(s.fee) for s in journey.steps}
    fee_ev = steps.map(fee_of).to_numpy(dtype=float)
    matched = np.bincount(codes, weights=~np.isnan(fee_ev), minlength=n)
    fees = np.bincount(codes, weights=np.nan_to_num(fee_ev), minlength=n)
    fees = np.where(matched > 0, fees, np.nan)
    if c.fee is None:
        within_fee = np.full(n, np.nan)
    else:
        within_fee = np.where(np.isnan(fees), np.nan, (fees <= c.fee + 1e-9).astype(float))
    out = pd.DataFrame(
        {
            "working_days": wd,
            "finished": finished,
            "within_time": within,
            "days_over": wd - c.days,
            "fees": fees,
            "within_fee": within_fee,
        },
        index=pd.Index(ids, name=case),
    )
    out.attrs["calendar"] = where + ("" if tz else "; days are UTC calendar days (no --tz)")
    return out


def worst_breaches(cases: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """The cases furthest beyond the time standard, worst first (breaches only).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"working_days": [3.0, 9.0, 20.0], "days_over": [-2.0, 4.0, 15.0],
    ...     "within_time": [1.0, 0.0, 0.0]}, index=["a", "b", "c"])
    >>> worst_breaches(c).index.tolist()
    ['c', 'b']
    """
    late = cases[cases["within_time"] == 0.0]
    return late.sort_values("days_over", ascending=False, kind="stable").head(top)

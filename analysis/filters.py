"""Filters on an event log: a time window, attribute values, top variants, case size.

Every filter keeps or drops **whole cases**, so the figures of a filtered log
are those of complete journeys, never of journeys cut in half. Each one
returns the filtered log and a :class:`FilterStep` saying how many cases and
events it kept of how many; :func:`apply_filters` chains them in a fixed
order and refuses (a :class:`~analysis.schema.LogError`, one line) a filter
that keeps no case.

Rules decided here:

* **Time window** (:func:`filter_window`). A case *starts* at its first start
  (its first completion where starts are unknown, its recorded arrival when
  the log has one) and *ends* at its last completion: the same instants as
  its lead time (:func:`analysis.kpis.case_kpis`). ``window="started"`` keeps
  cases starting in the window, ``"ended"`` cases ending in it,
  ``"contained"`` cases both starting and ending in it.
  Bounds are read in the log's own clock (``tz`` when given, else
  ``log.attrs["odsc:zone"]``, :mod:`analysis.timezones`), unless they carry a
  UTC offset of their own. A date as the lower bound means its midnight; a
  date as the upper bound means the whole of that day (``--to 2012-01-31``
  keeps the 31st); a datetime upper bound is included.
* **Attribute values** (:func:`filter_where`): ``COL=VALUE`` keeps the cases
  having **at least one event** whose column ``COL`` holds ``VALUE`` (compared
  as text, and also as a number in a numeric column, ``35`` matching ``35.0``,
  and as true/false in a true/false column); for a case attribute (the same on every event of a case, such as
  ``case:channel``) that is the cases with that value. Conditions on
  different columns must all hold; several values of one column are
  alternatives (``org:group=A`` and ``org:group=B`` keep cases that reached
  A or B).
* **Top variants** (:func:`filter_top_variants`): the cases of the ``n``
  variants followed by most cases (variants as in :mod:`analysis.variants`).
  Variants tied with the ``n``-th at the cut are all kept and the step says
  so, rather than breaking the tie by an arbitrary order.
* **Case size** (:func:`filter_min_events`): cases with at least ``n`` events.
* **Order** of :func:`apply_filters`: window, attribute values, case size,
  top variants; so ``top:5`` are the five commonest paths of the cases kept
  by the other filters.

The window rule ``contained`` is pm4py's ``filter_time_range(...,
mode="traces_contained")``, the attribute rule pm4py's
``filter_event_attribute_values(..., level="case")``, the case size pm4py's
``filter_case_size`` and the top variants (without a tie at the cut) pm4py's
``filter_variants_top_k``; the tests check all four against pm4py on a real
log. They are computed here rather than by calling pm4py because each differs
where it matters to the user: a case's start is its first *start* time when
the log has one, while pm4py reads completion times only and has no "started
in" or "ended in" mode; ``--where`` combines conditions (and across columns, or
within one) and matches numbers and true/false values; pm4py breaks a tie at
the variants' cut by the activity names' order; and every filter must report
what it kept in the same words. ``bench/bench_filters.py`` times both sides.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b", "c"],
...     "concept:name": ["apply", "issue", "apply", "issue", "apply"],
...     "time:timestamp": pd.to_datetime(["2024-01-30 09:00", "2024-02-02 10:00",
...         "2024-02-05 09:00", "2024-02-06 09:00", "2024-03-01 09:00"], utc=True),
...     "case:channel": ["desk", "desk", "web", "web", "desk"]})
>>> kept, steps = apply_filters(log, LogFilters(start="2024-02-01", end="2024-02-29"))
>>> sorted(kept["case:concept:name"].unique()), steps[0].text()
(['b'], '--from 2024-02-01 --to 2024-02-29 (cases started in it): kept 1 of 3 cases (2 of 5 events)')
>>> kept, steps = apply_filters(log, LogFilters(start="2024-02-01", window="ended"))
>>> sorted(kept["case:concept:name"].unique())
['a', 'b', 'c']
>>> kept, _ = apply_filters(log, LogFilters(where=(("case:channel", "desk"),), min_case_events=2))
>>> sorted(kept["case:concept:name"].unique())
['a']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.filter_values import parse_instant, parse_variants, parse_where
from analysis.schema import ACTIVITY, ARRIVAL, CASE, START, TIMESTAMP, LogError
from analysis.timezones import log_zone

__all__ = [
    "WINDOWS",
    "FilterStep",
    "LogFilters",
    "apply_filters",
    "case_bounds",
    "filter_min_events",
    "filter_top_variants",
    "filter_where",
    "filter_window",
    "parse_instant",
    "parse_variants",
    "parse_where",
]

#: Values of ``window``: which cases a time window keeps.
WINDOWS: tuple[str, ...] = ("started", "ended", "contained")

_SHOW = 8  # how many values a message lists


@dataclass(frozen=True)
class FilterStep:
    """What one filter kept: cases and events, before and after.

    Attributes
    ----------
    option : str
        The filter as the user wrote it, e.g. ``--variants top:5``.
    cases_in, cases_kept, events_in, events_kept : int
        Counts before and after the filter.
    detail : str
        A remark on the rule applied (e.g. ties kept), or ``""``.
    where : tuple of (column, value) pairs
        The conditions of a ``--where`` step (empty for the others).
    """

    option: str
    cases_in: int
    cases_kept: int
    events_in: int
    events_kept: int
    detail: str = ""
    where: tuple[tuple[str, str], ...] = ()

    def private(self, columns: Sequence[str]) -> FilterStep:
        """The step with the values of ``columns`` (case ids, staff names) hidden.

        A report that pseudonymises case ids and staff names must not print
        them in the line saying what ``--where org:resource=...`` kept.

        Examples
        --------
        >>> step = FilterStep("--where org:resource=Noy", 4, 1, 8, 2,
        ...                   where=(("org:resource", "Noy"),))
        >>> step.private(["org:resource"]).text()
        '--where org:resource=(a name, not shown): kept 1 of 4 cases (2 of 8 events)'
        """
        if not any(c in columns for c, _ in self.where):
            return self
        hidden = tuple((c, "(a name, not shown)" if c in columns else v) for c, v in self.where)
        return replace(self, option=_where_option(hidden), where=hidden, detail="")

    def text(self) -> str:
        """The one line a command prints for this filter."""
        extra = f"; {self.detail}" if self.detail else ""
        return (
            f"{self.option}: kept {self.cases_kept:,} of {self.cases_in:,} cases "
            f"({self.events_kept:,} of {self.events_in:,} events){extra}"
        )

    def to_dict(self) -> dict[str, object]:
        """The step as plain values (for JSON)."""
        return {
            "filter": self.option,
            "cases_in": self.cases_in,
            "cases_kept": self.cases_kept,
            "events_in": self.events_in,
            "events_kept": self.events_kept,
            "detail": self.detail or None,
        }


@dataclass(frozen=True)
class LogFilters:
    """The filters to apply to a log; every field ``None`` (or empty) means no filter.

    Attributes
    ----------
    start, end : str, datetime.date or pandas.Timestamp, optional
        The time window's bounds (see the module docstring for dates).
    window : {"started", "ended", "contained"}
        Which cases the window keeps.
    where : tuple of (column, value) pairs
        Attribute conditions.
    top_variants : int, optional
        Keep the cases of the ``top_variants`` commonest variants.
    min_case_events : int, optional
        Keep the cases with at least this many events.
    """

    start: object = None
    end: object = None
    window: str = "started"
    where: tuple[tuple[str, str], ...] = ()
    top_variants: int | None = None
    min_case_events: int | None = None

    def __bool__(self) -> bool:
        return bool(
            self.start is not None
            or self.end is not None
            or self.where
            or self.top_variants is not None
            or self.min_case_events is not None
        )


def apply_filters(
    log: pd.DataFrame, filters: LogFilters | None, *, tz: str | None = None, name: str = "log"
) -> tuple[pd.DataFrame, tuple[FilterStep, ...]]:
    """Apply ``filters`` in the order of the module docstring; refuse an empty result.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log (:func:`analysis.logs.read_log`); not modified.
    filters : LogFilters, optional
        ``None`` or an empty :class:`LogFilters` returns the log as it is.
    tz : str, optional
        The clock of the window's bounds (the log's own clock when omitted).
    name : str
        The log's name in messages.

    Returns
    -------
    (pandas.DataFrame, tuple of FilterStep)
        The kept rows (index labels and ``attrs`` kept) and one step per filter.

    Raises
    ------
    analysis.schema.LogError
        A bad option value, an unknown column, or a filter that keeps no case.
    """
    steps: list[FilterStep] = []
    if not filters:
        return log, ()
    if filters.start is not None or filters.end is not None:
        log, step = filter_window(
            log, start=filters.start, end=filters.end, window=filters.window, tz=tz
        )
        steps.append(_checked(step, name))
    if filters.where:
        log, step = filter_where(log, filters.where, name=name)
        steps.append(_checked(step, name))
    if filters.min_case_events is not None:
        log, step = filter_min_events(log, filters.min_case_events)
        steps.append(_checked(step, name))
    if filters.top_variants is not None:
        log, step = filter_top_variants(log, filters.top_variants)
        steps.append(_checked(step, name))
    return log, tuple(steps)


def _checked(step: FilterStep, name: str) -> FilterStep:
    if step.cases_kept == 0:
        why = f"; {step.detail}" if step.detail else ""
        raise LogError(
            f"{name}: {step.option} keeps no case of {step.cases_in:,}{why}: "
            "nothing to analyse (widen the filter)"
        )
    return step


# ----- time window -----------------------------------------------------------------------


def case_bounds(
    log: pd.DataFrame,
    *,
    case: str = CASE,
    timestamp: str = TIMESTAMP,
    start: str = START,
    arrival: str = ARRIVAL,
) -> pd.DataFrame:
    """Each case's start and end, the instants of its lead time (module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a"],
    ...     "start_timestamp": pd.to_datetime(["2024-01-01 08:00", None], utc=True),
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-02 10:00"], utc=True)})
    >>> case_bounds(log).loc["a"].astype(str).tolist()
    ['2024-01-01 08:00:00+00:00', '2024-01-02 10:00:00+00:00']
    """
    done = log[timestamp]
    began = done
    if start in log.columns:
        began = log[start].where(log[start].notna(), done)
    if arrival in log.columns:
        came = log[arrival]
        began = began.where(came.isna() | (came >= began), came)
    frame = pd.DataFrame({case: log[case].to_numpy(), "first": began, "last": done})
    return frame.groupby(case, sort=False).agg(first=("first", "min"), last=("last", "max"))


def filter_window(
    log: pd.DataFrame,
    *,
    start: object = None,
    end: object = None,
    window: str = "started",
    tz: str | None = None,
) -> tuple[pd.DataFrame, FilterStep]:
    """Keep the cases started, ended or contained in ``[start, end]`` (module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...     "concept:name": ["x", "y", "x"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-31 23:00", "2024-02-01 01:00",
    ...                                       "2024-02-01 12:00"], utc=True)})
    >>> kept, step = filter_window(log, start="2024-02-01", window="contained")
    >>> kept["case:concept:name"].tolist(), step.option
    (['b'], '--from 2024-02-01 (cases contained in it)')
    """
    if window not in WINDOWS:
        raise LogError(f"--window: unknown value {window!r}; choose one of {', '.join(WINDOWS)}")
    if start is None and end is None:
        raise LogError("--from/--to: give at least one bound of the window")
    zone = log_zone(log, tz)
    lo = parse_instant(start, option="--from", zone=zone) if start is not None else None
    hi = parse_instant(end, option="--to", zone=zone, upper=True) if end is not None else None
    if lo is not None and hi is not None and lo >= hi:
        raise LogError(f"--from {start} is after --to {end}: the window is empty")
    bounds = case_bounds(log)
    keep = np.ones(len(bounds), dtype=bool)
    for col, on in (("first", window in ("started", "contained")),
                    ("last", window in ("ended", "contained"))):  # fmt: skip
        if not on:
            continue
        if lo is not None:
            keep &= (bounds[col] >= lo).to_numpy()
        if hi is not None:
            keep &= (bounds[col] < hi).to_numpy()
    words = " ".join(
        p
        for p in (
            f"--from {start}" if start is not None else "",
            f"--to {end}" if end is not None else "",
        )
        if p  # fmt: skip
    )
    kept_cases = bounds.index[keep]
    out = log[log[CASE].isin(kept_cases)]
    detail = ""
    if not keep.any() and len(bounds):
        first, last = bounds["first"].min(), bounds["last"].max()
        detail = f"the log runs from {_day(first, zone)} to {_day(last, zone)}"
    step = _step(f"{words} (cases {window} in it)", log, out, detail)
    return out, step


def _day(t: pd.Timestamp, zone: str | None) -> str:
    return str(t.tz_convert(zone).date()) if zone else str(t.date())


# ----- attribute values ------------------------------------------------------------------


def filter_where(
    log: pd.DataFrame, conditions: Sequence[tuple[str, str]], *, name: str = "log"
) -> tuple[pd.DataFrame, FilterStep]:
    """Keep the cases with an event holding each condition's value (module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...     "concept:name": ["x", "y", "x"], "org:group": ["tax", "police", "tax"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01"] * 3, utc=True)})
    >>> kept, step = filter_where(log, [("org:group", "police")])
    >>> kept["case:concept:name"].tolist(), step.text()
    (['a', 'a'], '--where org:group=police: kept 1 of 2 cases (2 of 3 events)')
    """
    by_column: dict[str, list[str]] = {}
    for col, value in conditions:
        if col not in log.columns:
            raise LogError(
                f"{name}: --where {col}={value}: no column {col!r}; columns: "
                + ", ".join(str(c) for c in log.columns if not str(c).startswith("__"))
            )
        by_column.setdefault(col, []).append(value)
    keep = pd.Series(True, index=pd.Index(log[CASE].unique()))
    empty: list[str] = []
    for col, values in by_column.items():
        text = log[col].astype("string")
        hit = _matches(log[col], text, values)
        cases = pd.Index(log[CASE].to_numpy()[hit]).unique()
        if not len(cases):
            seen = text.dropna().value_counts().index[:_SHOW].tolist()
            more = ", ..." if text.nunique() > _SHOW else ""
            empty.append(f"no event has {col} = {' or '.join(map(repr, values))} "
                         f"(its commonest values: {', '.join(map(str, seen))}{more})")  # fmt: skip
        keep &= keep.index.isin(cases)
    out = log[log[CASE].isin(keep.index[keep.to_numpy()])]
    step = _step(_where_option(conditions), log, out, "; ".join(empty))
    return out, replace(step, where=tuple((c, v) for c, v in conditions))


def _matches(column: pd.Series, text: pd.Series, values: list[str]) -> np.ndarray:
    """Rows whose value is one of ``values``: as text, as a number, or as true/false."""
    hit = text.isin(values).fillna(False).to_numpy(dtype=bool, copy=True)
    if pd.api.types.is_bool_dtype(column):
        flags = {v.strip().lower() in ("true", "1", "yes") for v in values
                 if v.strip().lower() in ("true", "false", "1", "0", "yes", "no")}  # fmt: skip
        hit |= column.isin(list(flags)).to_numpy(dtype=bool)
    elif pd.api.types.is_numeric_dtype(column):
        numbers = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
        hit |= column.isin(numbers.tolist()).to_numpy(dtype=bool)  # 35 matches 35.0
    return hit


def _where_option(conditions: Sequence[tuple[str, str]]) -> str:
    return " ".join(f"--where {c}={v}" for c, v in conditions)


# ----- case size and variants ------------------------------------------------------------


def filter_min_events(log: pd.DataFrame, n: int) -> tuple[pd.DataFrame, FilterStep]:
    """Keep the cases with at least ``n`` events.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"], "concept:name": ["x"] * 3,
    ...     "time:timestamp": pd.to_datetime(["2024-01-01"] * 3, utc=True)})
    >>> filter_min_events(log, 2)[1].text()
    '--min-case-events 2: kept 1 of 2 cases (2 of 3 events)'
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise LogError(f"--min-case-events: must be a whole number >= 1, got {n!r}")
    sizes = log.groupby(CASE, sort=False)[CASE].transform("size")
    out = log[sizes.to_numpy() >= n]
    detail = ""
    if out.empty and len(log):
        detail = f"the longest case has {int(sizes.max()):,} events"
    return out, _step(f"--min-case-events {n}", log, out, detail)


def filter_top_variants(
    log: pd.DataFrame, n: int, *, activity: str = ACTIVITY
) -> tuple[pd.DataFrame, FilterStep]:
    """Keep the cases of the ``n`` commonest variants; ties at the cut are all kept.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b", "b", "c"],
    ...     "concept:name": ["x", "y", "x", "y", "x"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"] * 2
    ...                                      + ["2024-01-01 08:00"], utc=True)})
    >>> kept, step = filter_top_variants(log, 1)
    >>> sorted(kept["case:concept:name"].unique()), step.text()
    (['a', 'b'], '--variants top:1: kept 2 of 3 cases (4 of 5 events); 1 of 2 variants')
    """
    from analysis.variants import case_variants

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise LogError(f"--variants: top:N needs a whole number N >= 1, got {n!r}")
    per_case = case_variants(log, activity=activity)
    counts = per_case.value_counts()
    cut = int(counts.iloc[min(n, len(counts)) - 1]) if len(counts) else 0
    chosen = counts[counts >= cut]
    detail = f"{len(chosen):,} of {len(counts):,} variants"
    if len(chosen) > n:
        detail += f" (all variants tied at {cut:,} cases kept)"
    cases = per_case.index[per_case.isin(chosen.index).to_numpy()]
    out = log[log[CASE].isin(cases)]
    return out, _step(f"--variants top:{n}", log, out, detail)


def _step(option: str, before: pd.DataFrame, after: pd.DataFrame, detail: str) -> FilterStep:
    return FilterStep(
        option=option,
        cases_in=int(before[CASE].nunique()),
        cases_kept=int(after[CASE].nunique()),
        events_in=len(before),
        events_kept=len(after),
        detail=detail,
    )

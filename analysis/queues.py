"""The citizens' queues at a desk: what a one-stop-shop queue standard is about.

Charters of one-stop shops promise a queue of at most 15 minutes, or "85% of
citizens served within 15 minutes". In an event log the time before a step is
mostly *not* such a queue: on a journey through several offices it holds the
citizen's travel, a courier's batch and the days between visits.
:func:`queue_waits` keeps the waits that are queues (the definition is in its
docstring and in :mod:`analysis.kpis`); the mining report checks the standard
on them alone (:mod:`analysis.findings`, rule 5).

Examples
--------
>>> import pandas as pd
>>> t = lambda *v: pd.to_datetime(list(v), utc=True)
>>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["submit", "pay"],
...     "start_timestamp": t("2024-03-04 08:00", "2024-03-05 08:40"),
...     "time:timestamp": t("2024-03-04 08:30", "2024-03-05 08:50")})
>>> queue_waits(log).isna().tolist()  # the next morning is another visit, not a queue
[True, True]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.kpi_arrays import (
    _NAT,
    _case_runs,
    _match_steps,
    _new_visits,
    _ns,
    _ordered,
    _presence,
    _queue_events,
)
from analysis.kpis import event_times, has_start_times
from analysis.schema import ARRIVAL, CASE, DOOR, PRESENT, START, TIMESTAMP

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = ["NO_PRESENCE", "NO_QUEUE", "NO_START", "queue_check", "queue_waits"]

#: Why the queue standard is not checked, by cause (the report's words).
NO_START = "without start times no wait can be told apart from the work."
NO_PRESENCE = (
    "the log does not say which steps needed the citizen in person (no "
    "odsc:citizen_present column, and no journey naming the citizen-facing steps), so no "
    "wait is known to be a citizen's queue at a desk; back-office work is not a queue."
)
NO_QUEUE = (
    "no desk queue is in the log (no step follows the citizen's previous one in the same "
    "office on the same day, and no arrival times are recorded). The time between steps "
    "holds travel and days between visits, which no queue standard covers."
)


def queue_waits(
    log: pd.DataFrame,
    *,
    journey: Journey | None = None,
    case: str = CASE,
    activity: str = "concept:name",
    timestamp: str = TIMESTAMP,
    start: str = START,
    door: str = DOOR,
    present: str = PRESENT,
    arrival: str = ARRIVAL,
    tz: str | None = None,
) -> pd.Series:
    """The waits that are a citizen's queue at a desk (minutes); NaN for every other event.

    A queue standard ("85% of citizens served within 15 minutes") is about
    the time a citizen stands in an office waiting for a desk. In a log, that
    is the waiting (start minus the completion before it) of

    * a citizen-present step that continues a visit: the citizen's step
      before it in the case was at the same door on the same day (steps
      without the citizen in between do not break the visit, as for visits);
    * the first step of a case when the log records the citizen's arrival
      (``odsc:arrival``): the queue at the first desk, however long.

    Every other wait is not a queue: a step that opens a new visit waits for
    the citizen's travel, a courier or a later day, which no queue standard
    covers (handoff and waiting tables measure those). Only steps with a
    start time count: without one the time before a step includes the work
    itself. Citizen presence and doors come from the log or, where it has
    none, from ``journey``, as in :func:`analysis.kpis.case_kpis`. A log
    that records no presence, mined without a journey, has no queue at all
    (every entry NaN): back-office work is no citizen's queue, and nothing
    says which steps had the citizen in front (:func:`queue_check`). A log
    without doors puts a case's steps at one door.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log, or the output of :func:`event_times`.
    journey : Journey, optional
        Supplies presence and doors the log does not record.
    case, activity, timestamp, start, door, present, arrival : str
        Column names.
    tz : str, optional
        IANA zone whose calendar days delimit visits; UTC days by default.

    Returns
    -------
    pandas.Series
        Float minutes in the row order of :func:`analysis.kpis.event_times` (its index
        labels), NaN where the wait is not a queue or is unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> t = lambda *v: pd.to_datetime(list(v), utc=True)
    >>> log = pd.DataFrame({"case:concept:name": ["c1"] * 4,
    ...     "concept:name": ["submit", "pay", "review", "collect"],
    ...     "start_timestamp": t("2024-03-04 08:20", "2024-03-04 08:50",
    ...                          "2024-03-05 09:00", "2024-03-07 10:00"),
    ...     "time:timestamp": t("2024-03-04 08:30", "2024-03-04 09:00",
    ...                         "2024-03-05 10:00", "2024-03-07 10:10"),
    ...     "odsc:citizen_present": [True, True, False, True],
    ...     "odsc:arrival": t(*["2024-03-04 08:00"] * 4)})
    >>> queue_waits(log).tolist()  # 20 min at the first desk, 20 min at the cashier
    [20.0, 20.0, nan, nan]
    """
    ev = log if {"waiting", "processing", "handoff", "pingpong"} <= set(log.columns) else None
    if ev is None:
        ev = event_times(log, case=case, timestamp=timestamp, start=start, arrival=arrival)
    else:
        ev = _ordered(ev, case=case, timestamp=timestamp, start=start)
    out = np.full(len(ev), np.nan)
    if not has_start_times(ev, start=start) or len(ev) == 0:
        return pd.Series(out, index=ev.index, name="queue_wait")
    codes, first = _case_runs(ev[case])
    done = _ns(ev[timestamp], timestamp)
    began = _ns(ev[start], start)
    known = began != _NAT
    anchor = np.where(known, began, done)
    steps = _match_steps(ev[activity], journey) if journey is not None else None
    here, doors = _presence(ev, steps, journey, door=door, present=present)
    if here is None:  # presence not recorded: no step is known to be a citizen's queue
        return pd.Series(out, index=ev.index, name="queue_wait")
    new_visit = _new_visits(codes, first, here, doors, anchor, tz)
    waiting = ev["waiting"].to_numpy(dtype=float)
    came = _ns(ev[arrival], arrival) if arrival in ev.columns else np.full(len(ev), _NAT)
    # a first step's wait is a queue only when the arrival is recorded
    queue = _queue_events(here, new_visit, first) & known & (~first | (came != _NAT))
    out[queue] = waiting[queue]
    return pd.Series(out, index=ev.index, name="queue_wait")


def queue_check(
    log: pd.DataFrame,
    queues: pd.Series,
    *,
    journey: Journey | None = None,
    start: str = START,
    present: str = PRESENT,
) -> str | None:
    """Why the queue standard cannot be checked on ``log``, or ``None`` when it can.

    Parameters
    ----------
    log : pandas.DataFrame
        The log ``queues`` was measured on.
    queues : pandas.Series
        :func:`queue_waits` of the log.
    journey : Journey, optional
        The journey given to :func:`queue_waits`.
    start, present : str
        Column names.

    Returns
    -------
    str or None
        :data:`NO_START`, :data:`NO_PRESENCE` or :data:`NO_QUEUE` (in that
        order of precedence), or ``None`` when some queue was measured.

    Examples
    --------
    >>> import pandas as pd
    >>> t = lambda *v: pd.to_datetime(list(v), utc=True)
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "b"],
    ...     "start_timestamp": t("2024-03-04 08:00", "2024-03-04 08:40"),
    ...     "time:timestamp": t("2024-03-04 08:30", "2024-03-04 08:50")})
    >>> queue_check(log, queue_waits(log)) == NO_PRESENCE
    True
    >>> log["odsc:citizen_present"] = True
    >>> queue_waits(log).tolist(), queue_check(log, queue_waits(log))
    ([nan, 10.0], None)
    """
    if queues.notna().any():
        return None
    if not has_start_times(log, start=start):
        return NO_START
    if present not in log.columns and journey is None:
        return NO_PRESENCE
    return NO_QUEUE

"""Size limits of the ``odsc`` commands, each with its reason, and the checks that keep them.

A command given more than it can handle in reasonable time says so in one line
and exits with status 2, instead of running for hours. Every limit is generous
for real use: a centre's log holds tens to a few hundred distinct activities,
a service journey tens of steps, a run a few months of working days.

=========================  ==========  ================================================
limit                      value       reason
=========================  ==========  ================================================
:data:`MAX_ACTIVITIES`     1,000       distinct activities of a log (``mine``,
                                       ``calibrate``, ``validate``). Real services have
                                       tens of steps; thousands of names almost always
                                       mean that ``--activity`` names an id or free-text
                                       column. Calibration grows faster than linearly
                                       (10,000 activities take half a minute, 100,000
                                       do not finish).
:data:`MAX_NAME_CHARS`     1,000       characters of one case id, activity, agency,
                                       clerk or office name. Longer values are not
                                       names; Graphviz gives up on labels of about
                                       1 MB, and no report can show them.
:data:`MAX_DAYS`           2,500       working days of a run (``--days``,
                                       ``--warmup-days``, ``--tail-days``, ``--max-days``):
                                       :data:`journeys.limits.MAX_HORIZON_DAYS`, the
                                       same number, with its reason there.
:data:`MAX_CITIZENS`       500,000     citizens one simulated run may bring (days times
                                       arrivals a day, or the cases of a replayed log
                                       times the replications): a few minutes of
                                       simulation on one core.
:data:`MAX_REPLICATIONS`   1,000       replications of ``compare`` and ``validate``;
                                       the confidence intervals stop narrowing usefully
                                       long before.
:data:`MAX_DPI`            1,200       resolution of a PNG blueprint: print quality;
                                       more makes images of gigabytes.
:data:`MAX_JOBS`           256         worker processes (``--jobs``,
                                       ``--dask-local``): more than any one machine
                                       has cores; each process costs memory.
=========================  ==========  ================================================

What a journey may declare (steps, transitions, desks, arrivals a day, the
horizon) is limited in :mod:`journeys.limits` and refused by journey
validation, before any command runs; those limits are stated once, there, and
imported here where an option needs one (``--days``, ``--arrivals-per-day``).
The ones here are those of a command's workload.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({"case:concept:name": ["a", "a"], "concept:name": ["x" * 2000, "y"]})
>>> check_log_size(log, "log.csv")
Traceback (most recent call last):
...
journeys.errors.InputError: log.csv: concept:name value of 2,000 characters in case 'a' (limit 1,000 characters)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.limits import MAX_ARRIVALS_PER_DAY, MAX_HORIZON_DAYS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MAX_ACTIVITIES",
    "MAX_ARRIVALS_PER_DAY",
    "MAX_CITIZENS",
    "MAX_DAYS",
    "MAX_DPI",
    "MAX_JOBS",
    "MAX_NAME_CHARS",
    "MAX_REPLICATIONS",
    "NAME_COLUMNS",
    "check_citizens",
    "check_log_size",
]

#: Distinct activities of a log read by ``mine``, ``calibrate`` or ``validate``.
MAX_ACTIVITIES = 1_000
#: Characters of one case id, activity, agency, clerk or office name in a log.
MAX_NAME_CHARS = 1_000
#: Working days of a simulated run (each of ``--days``, ``--warmup-days``, ``--tail-days``).
MAX_DAYS = MAX_HORIZON_DAYS
#: Citizens one simulated run may bring.
MAX_CITIZENS = 500_000
#: Replications of ``compare`` and ``validate``.
MAX_REPLICATIONS = 1_000
#: Resolution of a PNG blueprint, dots per inch.
MAX_DPI = 1_200
#: Worker processes of one command.
MAX_JOBS = 256

#: The log columns that hold names, checked for length (here and by the scale engine's report).
NAME_COLUMNS = ("case:concept:name", "concept:name", "org:group", "org:resource", "odsc:door")


def check_log_size(
    log: pd.DataFrame, name: str, *, activity: str | None = None, by: str | None = None
) -> None:
    """Refuse a log (in the canonical schema) with too many activities or too long names.

    Parameters
    ----------
    log : pandas.DataFrame
        A log returned by :func:`analysis.logs.read_log`.
    name : str
        The file name shown in messages.
    activity : str, optional
        The input column the activities came from (named in the hint).
    by : str, optional
        A grouping column whose values are checked for length too.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a"] * 1001,
    ...                     "concept:name": [f"s{i}" for i in range(1001)]})
    >>> check_log_size(log, "log.csv", activity="note")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: log.csv: 1,001 distinct activities in column 'note' (limit 1,000): does --activity name the step column?
    """
    from journeys.errors import InputError

    columns = [c for c in (*NAME_COLUMNS, by) if c and c in log.columns]
    for col in columns:
        text = log[col].dropna()
        if text.empty or not (text.dtype == object or str(text.dtype).startswith("str")):
            continue
        lengths = text.astype(str).str.len()
        if int(lengths.max()) > MAX_NAME_CHARS:
            at = lengths.idxmax()
            case = str(log.at[at, "case:concept:name"])
            where = f" in case {case[:40]!r}" if col != "case:concept:name" else ""
            raise InputError(
                f"{name}: {col} value of {int(lengths.max()):,} characters{where} "
                f"(limit {MAX_NAME_CHARS:,} characters)"
            )
    count = int(log["concept:name"].nunique())
    if count > MAX_ACTIVITIES:
        column = activity or "concept:name"
        raise InputError(
            f"{name}: {count:,} distinct activities in column {column!r} (limit "
            f"{MAX_ACTIVITIES:,}): does --activity name the step column?"
        )


def check_citizens(citizens: float, what: str) -> None:
    """Refuse a simulated run that would bring more than :data:`MAX_CITIZENS` citizens.

    Examples
    --------
    >>> check_citizens(60 * 10, "--days 60 at 10 a day")
    >>> check_citizens(1e9, "--days 60 at 1e+07 a day")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --days 60 at 1e+07 a day: about 1,000,000,000 citizens in one run (limit 500,000)
    """
    from journeys.errors import InputError

    if citizens > MAX_CITIZENS:
        raise InputError(
            f"{what}: about {citizens:,.0f} citizens in one run (limit {MAX_CITIZENS:,})"
        )

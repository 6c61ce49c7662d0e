"""The canonical event-log schema: column names, and the error a bad log raises.

Every log in the project, read from a file or written by the simulator, is a
pandas DataFrame with these pm4py/XES column names, so pm4py functions work on
it as it is.

Examples
--------
>>> CASE, ACTIVITY, TIMESTAMP
('case:concept:name', 'concept:name', 'time:timestamp')
>>> str(LogError("receipt.csv: no column 'org:grop'"))
"receipt.csv: no column 'org:grop'"
>>> issubclass(LogError, InputError)
True
"""

from __future__ import annotations

from journeys.errors import InputError

__all__ = [
    "ACTIVITY",
    "AGENCY",
    "ARRIVAL",
    "CASE",
    "CORE_COLUMNS",
    "DOOR",
    "LIFECYCLE",
    "PRESENT",
    "RESOURCE",
    "START",
    "TIMESTAMP",
    "UNKNOWN_AGENCY",
    "InputError",
    "LogError",
]

#: One citizen's application (a case), as str.
CASE = "case:concept:name"
#: The step (activity), as str.
ACTIVITY = "concept:name"
#: When the step completed, datetime64 in UTC.
TIMESTAMP = "time:timestamp"
#: When work on the step started (pm4py's name), datetime64 in UTC; optional.
START = "start_timestamp"
#: The clerk or desk, as str; optional.
RESOURCE = "org:resource"
#: The agency (the silo), as str; always present, :data:`UNKNOWN_AGENCY` where missing.
AGENCY = "org:group"
#: The physical office of a citizen-facing step, as str; optional.
DOOR = "odsc:door"
#: Whether the citizen had to be there, as bool; optional.
PRESENT = "odsc:citizen_present"
#: When the citizen arrived for the case (e.g. joined the first queue), datetime64
#: in UTC; optional, written by the simulator, rare in real logs.
ARRIVAL = "odsc:arrival"
#: The agency recorded where a log has none.
UNKNOWN_AGENCY = "unknown"
#: The XES lifecycle column of logs with separate start and complete rows.
LIFECYCLE = "lifecycle:transition"

#: The columns every canonical log has, in their canonical order.
CORE_COLUMNS: tuple[str, ...] = (CASE, ACTIVITY, TIMESTAMP, AGENCY)


class LogError(InputError):
    """An event log that cannot be read or used.

    ``str(error)`` is one line naming the file and the row or column at fault,
    e.g. ``receipt.csv: no column 'org:grop' (did you mean 'org:group'? ...)``.
    """

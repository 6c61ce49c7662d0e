"""Journey files: YAML in, YAML out, with every problem named by its field.

The file format mirrors :class:`journeys.model.Journey`; entities are mappings
keyed by id so that every field has a findable path::

    id: business-licence
    name: Enterprise licence registration (as-is)
    currency: LAK
    start: submit
    agencies:
      commerce: {name: District Office of Industry and Commerce}
    doors:
      doic: {name: DOIC front office, agency: commerce, travel_minutes: 30, travel_cost: 20000}
    calendars:
      office: {hours: ["08:00-12:00", "13:00-16:00"], days: [mon, tue, wed, thu, fri]}
    pools:
      doic_desk: {capacity: 2, calendar: office, cost_per_hour: 30000}
    arrivals: {per_day: 20, hourly: {8: 3, 9: 4}, weekday: {mon: 1.2}}
    steps:
      submit:
        name: Submit application
        agency: commerce
        door: doic
        pool: doic_desk
        duration: {dist: lognormal, mean: 20, sd: 8}
        fee: 50000
        citizen_present: true
    transitions:
      - {from: submit, to: tax_check, carrier: citizen, delay: {dist: fixed, value: 45}}

Decisions:

* Files are read with a *safe* loader (no Python object tags). It also reads
  ``13:00``, ``2026-12-02`` and ``yes`` as text, not as the base-60 integer, the
  date and the boolean YAML 1.1 would make of them, and refuses duplicate keys
  (a duplicate id), naming each one's path.
* Loading reports *all* problems at once as a :class:`JourneyError`: first the
  shape of the file (types, missing fields, distribution names and
  parameters), then the rules of :func:`journeys.validate.validate` (when the
  shape is not sound, only the rules a misread field cannot mislead).
* ``save`` writes the canonical form; ``load(save(j)) == j`` for every journey.

The work is done in three layers, each in its own module; this one joins them
to text and files (and every name below stays importable from here):

* :mod:`journeys.safe_yaml`: YAML text to plain data and back (the safe
  loader, duplicate keys, quoting);
* :mod:`journeys.parsing`: plain data to a journey (:func:`parse`), every
  problem named by its field;
* :mod:`journeys.canonical`: a journey to plain data (:func:`journey_to_dict`).

Examples
--------
>>> from journeys.model import Journey
>>> j = Journey.from_catalog("business-licence")
>>> loads(dumps(j)) == j
True
>>> loads("id: x\\nname: y\\nstart: a\\nsteps: {}\\ntransitions: []\\nfoo: 1")
Traceback (most recent call last):
...
journeys.errors.JourneyError: foo: unknown field (expected one of: agencies, arrivals, ...
"""

from __future__ import annotations

import os
from pathlib import Path

from journeys.canonical import journey_to_dict
from journeys.errors import JourneyError, Problem
from journeys.model import Journey

# private helpers that lived here before the split stay importable from here
from journeys.parsing import _Collector, _parse_distribution, parse  # noqa: F401
from journeys.safe_yaml import _Dumper, _SafeLoader, dump_yaml, read_yaml  # noqa: F401

__all__ = ["dumps", "journey_to_dict", "load", "loads", "parse", "save"]


def loads(text: str, *, source: str | None = None) -> Journey:
    """Parse and validate journey YAML text.

    Raises
    ------
    JourneyError
        For YAML syntax errors, unsafe tags, duplicate keys and every
        problem :func:`parse` finds.
    """
    return parse(read_yaml(text, source=source), source=source)


def load(path: str | os.PathLike[str]) -> Journey:
    """Load and validate a journey file.

    Raises
    ------
    JourneyError
        When the file is missing, unreadable, not UTF-8, or holds problems;
        the message names the file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JourneyError([Problem("", "no such file")], str(path)) from None
    except IsADirectoryError:
        raise JourneyError([Problem("", "is a directory, not a journey file")], str(path)) from None
    except UnicodeDecodeError as e:
        raise JourneyError(
            [Problem("", f"not valid UTF-8 text (byte {e.start})")], str(path)
        ) from None
    except OSError as e:
        raise JourneyError([Problem("", f"cannot be read: {e.strerror}")], str(path)) from None
    return loads(text, source=str(path))


def dumps(journey: Journey) -> str:
    """The journey as canonical YAML text."""
    return dump_yaml(journey_to_dict(journey))


def save(journey: Journey, path: str | os.PathLike[str] | None = None) -> str:
    """Write the journey as YAML to ``path`` (when given) and return the text."""
    text = dumps(journey)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text

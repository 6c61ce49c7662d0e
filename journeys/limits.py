"""The largest journey the project runs, as named constants with their reasons.

A journey beyond one of these limits is refused by
:func:`journeys.validate.validate` with a message that names the field and the
limit, before any command spends minutes or gigabytes on it. The command line
imports the same constants for its options (``--days``, ``--arrivals-per-day``),
so a limit is stated once, here.

Each limit is far above any real service of a one-door-service centre, and low
enough that every command finishes in seconds on one machine:

:data:`MAX_STEPS` = 200 steps
    The exact metrics (:mod:`journeys.metrics`) solve a dense linear system over
    the steps once for the passes and once per door, agency and distinct
    document for the reach probabilities, so their cost grows with the cube of
    the number of steps; the service blueprint places one column and its
    labels per step. Measured on a journey of rework loops with one document
    per step: 100 steps take 0.04 s of metrics and 4 s of plot, 200 steps 2 s
    and 11 s, 500 steps 33 s and 36 s (and 10,000 steps over a minute of
    metrics and a plot that never ends). Past a hundred columns nobody can read
    a blueprint anyway. The longest reference journey has 12 steps; a statutory
    procedure of 200 distinct steps would be simplified before it is modelled.
:data:`MAX_TRANSITIONS` = 1,000 transitions
    Five per step on average. Routing, walks and the blueprint look transitions
    up step by step, so their cost grows with steps times transitions.
:data:`MAX_SECTION` = 200 agencies, doors, pools or calendars (each)
    A journey uses at most one of each per step; more only slows every look-up
    and every report table.
:data:`MAX_DOCUMENTS` = 200 distinct document names
    The metrics compute the probability of being asked for each distinct
    document, one linear solve per name.
:data:`MAX_CAPACITY` = 10,000 desks in one pool
    The simulator keeps one record per desk and the reports name every desk
    (``pool#17``) in their utilisation tables; a pool of 1e12 desks would need
    terabytes. The largest one-stop centres have a few hundred counters.
:data:`MAX_ARRIVALS_PER_DAY` = 100,000 citizens a day
    The simulator runs one process per case and keeps every event in memory:
    a day at this rate is already about a million events. A busy ward centre
    receives about 400 dossiers a day, a national call centre tens of
    thousands.
:data:`MAX_HORIZON_DAYS` = 2,500 days
    Days on which citizens arrive in one simulated run (the ``days`` of
    :func:`simulations.engine.simulate`, the ``--days`` option): about ten
    years of working days. The opening hours are laid out day by day over the
    horizon; a longer run says nothing a planner can use, since staff, rules
    and demand change within a decade. Journeys carry no horizon of their own.

Examples
--------
>>> MAX_STEPS, MAX_CAPACITY, MAX_ARRIVALS_PER_DAY
(200, 10000, 100000)
>>> sorted(LIMITS) == sorted(n for n in __all__ if n.startswith("MAX_"))
True
"""

from __future__ import annotations

__all__ = [
    "LIMITS",
    "MAX_ARRIVALS_PER_DAY",
    "MAX_CAPACITY",
    "MAX_DOCUMENTS",
    "MAX_HORIZON_DAYS",
    "MAX_SECTION",
    "MAX_STEPS",
    "MAX_TRANSITIONS",
]

#: Steps of one journey.
MAX_STEPS: int = 200
#: Transitions of one journey.
MAX_TRANSITIONS: int = 1_000
#: Entries of each of the agencies, doors, pools and calendars sections.
MAX_SECTION: int = 200
#: Distinct document names over all the steps of one journey.
MAX_DOCUMENTS: int = 200
#: Desks of one resource pool.
MAX_CAPACITY: int = 10_000
#: Mean new cases per working day (``arrivals.per_day``, ``--arrivals-per-day``).
MAX_ARRIVALS_PER_DAY: int = 100_000
#: Days on which citizens arrive in one run (``--days``); journeys carry no horizon.
MAX_HORIZON_DAYS: int = 2_500

#: Every limit by name, for messages and documentation.
LIMITS: dict[str, int] = {
    "MAX_STEPS": MAX_STEPS,
    "MAX_TRANSITIONS": MAX_TRANSITIONS,
    "MAX_SECTION": MAX_SECTION,
    "MAX_DOCUMENTS": MAX_DOCUMENTS,
    "MAX_CAPACITY": MAX_CAPACITY,
    "MAX_ARRIVALS_PER_DAY": MAX_ARRIVALS_PER_DAY,
    "MAX_HORIZON_DAYS": MAX_HORIZON_DAYS,
}

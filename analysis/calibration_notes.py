"""What a calibrated journey says about itself: its notes and its synthetic steps.

:func:`analysis.calibrate.calibrate` writes the approximations that applied
to a log into the journey's ``description`` (:func:`calibration_notes` reads
them back) and marks its synthetic ``Case start`` / ``Case end`` steps with
:data:`BOUNDARY_STAGE` (:func:`boundary_steps` names them).
"""

from __future__ import annotations

from journeys.model import Journey

__all__ = ["BOUNDARY_STAGE", "boundary_steps", "calibration_notes"]

#: Stage label of the synthetic ``Case start`` and ``Case end`` steps.
BOUNDARY_STAGE: str = "case boundary"

_NOTES_HEADER = "Calibration notes:"


def boundary_steps(journey: Journey) -> tuple[str, ...]:
    """Names of the synthetic ``Case start`` / ``Case end`` steps of a calibrated journey.

    These are the activities to leave out of a simulated log before comparing
    it with the real one (see :func:`analysis.fidelity.fidelity`).

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.calibrate import calibrate as _calibrate
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-03-04 09:00", "2024-03-04 09:30",
    ...                                       "2024-03-04 10:00"], utc=True)})
    >>> boundary_steps(_calibrate(log))
    ('Case end',)
    """
    return tuple(s.label for s in journey.steps if s.stage == BOUNDARY_STAGE)


def calibration_notes(journey: Journey) -> list[str]:
    """The approximations :func:`calibrate` wrote into the journey's description.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.calibrate import calibrate as _calibrate
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-03-04 09:00", "2024-03-04 09:30"], utc=True),
    ...     "org:group": ["desk", "desk"]})
    >>> print(calibration_notes(_calibrate(log))[0])
    The log has no start times: processing is unknown, ...
    """
    text = journey.description
    if _NOTES_HEADER not in text:
        return []
    body = text.split(_NOTES_HEADER, 1)[1]
    return [line[2:].strip() for line in body.splitlines() if line.startswith("- ")]

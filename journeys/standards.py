"""A service standard: an agency commits to answer a handoff within a set time.

``service_standard`` is the redesign for a backlog, the part of a handoff
delay that data exchange does not remove (see
:class:`journeys.model.Transition`, ``backlog``). "Tax answers within 2
working days" caps the backlog of every handoff into the agency's steps at
that time. It is an assumption the agency must commit to and staff for, not a
measurement: the change list says so.

Rules decided here:

* Only transitions that carry a ``backlog`` (calibrated from a log) are
  capped; an agency with none is refused with the reason.
* The capped backlog is the original one with every value above the cap set
  to the cap: an empirical distribution of 100 quantiles (at probabilities
  0.005, 0.015, ..., 0.995) of the original, each at most the cap.
* ``working days`` are converted to elapsed minutes with the agency's week:
  ``days x 1440 x 7 / open days a week`` of the calendar of the receiving
  step's pool (of the journey's first calendar when it has no pool; five
  open days when there is none), since a backlog runs through nights and
  weekends.

Examples
--------
>>> from journeys.model import Distribution, Journey, Step, Transition, Agency
>>> j = Journey("s", "Service", "a",
...     (Step("a", "dola", Distribution.fixed(5)), Step("b", "tax", Distribution.fixed(5))),
...     (Transition("a", "b", backlog=Distribution("uniform", {"low": 0, "high": 8000})),),
...     agencies=(Agency("dola", "DOLA"), Agency("tax", "Tax")))
>>> r = service_standard(j, "Tax", days=2)
>>> r.journey.transitions[0].backlog.quantile([0.1, 0.99]).tolist()
[840.0, 4032.0]
>>> print(r.changes[0])
Service standard (an assumption Tax must commit to): handoffs into Tax are taken up within 2 working days (4,032 min); backlog of DOLA -> Tax: mean 4,000 -> 3,016 min (cap reached by 50% of dossiers).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from journeys.model import Distribution, Journey
from journeys.redesign import Redesign, RedesignError, _agency_ids, _finish

__all__ = ["service_standard"]

_U = (np.arange(100) + 0.5) / 100


def service_standard(
    journey: Journey,
    agency: str,
    *,
    days: float | None = None,
    minutes: float | None = None,
) -> Redesign:
    """Cap the backlog of handoffs into ``agency`` at ``days`` working days or ``minutes``.

    Parameters
    ----------
    journey : Journey
    agency : str
        Agency id or name (any case).
    days, minutes : float
        The standard: working days (see the module docs) or elapsed minutes; one of them.
    """
    op = "service_standard"
    j = journey
    if (days is None) == (minutes is None):
        raise RedesignError(j.id, op, "give the standard in working days or in minutes")
    value = float(days if days is not None else minutes)  # type: ignore[arg-type]
    if not np.isfinite(value) or value <= 0:
        raise RedesignError(j.id, op, f"the standard must be a time above 0, got {value:g}")
    (aid,) = _agency_ids(j, [agency], op)
    name = next((a.name or a.id for a in j.agencies if a.id == aid), aid)
    steps = {s.id: s for s in j.steps}
    into = [
        t
        for t in j.transitions
        if steps[t.target].agency == aid and steps[t.source].agency != aid
    ]
    if not any(t.backlog is not None for t in into):
        raise RedesignError(
            j.id,
            op,
            f"no handoff into {name} has a measured backlog to cap (a backlog comes from a "
            "calibrated model: odsc calibrate)",
        )
    cap, text = _cap_minutes(j, into[0].target, days, minutes)
    changes = []
    transitions = []
    for t in j.transitions:
        if t in into and t.backlog is not None:
            values = np.minimum(t.backlog.quantile(_U), cap)
            new = Distribution("empirical", {"samples": tuple(float(round(v, 3)) for v in values)})
            reached = float(np.mean(t.backlog.quantile(_U) >= cap))
            src = next(
                (a.name or a.id for a in j.agencies if a.id == steps[t.source].agency),
                steps[t.source].agency,
            )
            changes.append(
                f"backlog of {src} -> {name}: mean {t.backlog.mean:,.0f} -> {new.mean:,.0f} min"
                f" (cap reached by {reached:.0%} of dossiers)"
            )
            t = replace(t, backlog=new)
        transitions.append(t)
    head = (
        f"Service standard (an assumption {name} must commit to): handoffs into {name} are "
        f"taken up within {text}; "
    )
    lines = [head + changes[0] + "."] + [c[0].upper() + c[1:] + "." for c in changes[1:]]
    return _finish(j, replace(j, transitions=tuple(transitions)), op, lines)


def _cap_minutes(
    j: Journey, step_id: str, days: float | None, minutes: float | None
) -> tuple[float, str]:
    if minutes is not None:
        return float(minutes), f"{minutes:,.0f} min"
    pool = j.step(step_id).pool
    cal_id = j.pool(pool).calendar if pool else (j.calendars[0].id if j.calendars else None)
    open_days = len(j.calendar(cal_id).days) if cal_id else 5
    cap = float(days) * 1440.0 * 7.0 / max(open_days, 1)  # type: ignore[arg-type]
    return cap, f"{days:g} working day{'s' * (days != 1)} ({cap:,.0f} min)"

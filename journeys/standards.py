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
  to the cap: an empirical backlog keeps its samples, each at most the cap;
  another is first turned into its 1,000 quantiles (at probabilities 0.0005,
  0.0015, ..., 0.9995).
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
[804.0, 4032.0]
>>> print(r.changes[0])
Service standard (an assumption Tax must commit to): handoffs into Tax are taken up within 2 working days (4,032 min); backlog of 'a' -> 'b': mean 4,000 -> 3,016 min (the cap is reached by 50% of dossiers).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from journeys.model import Distribution, Journey
from journeys.redesign import Redesign, RedesignError, _agency_ids, _finish, _label

__all__ = ["service_standard"]

_U = (np.arange(1000) + 0.5) / 1000


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
    untouched = 0
    for t in j.transitions:
        if t in into and t.backlog is not None:
            new = _capped(t.backlog, cap)
            reached = _share_above(t.backlog, cap)
            if reached == 0:
                untouched += 1
            else:
                changes.append(
                    f"backlog of {_label(j, t.source)} -> {_label(j, t.target)}: mean"
                    f" {t.backlog.mean:,.0f} -> {new.mean:,.0f} min (the cap is reached by"
                    f" {reached:.0%} of dossiers)"
                )
                t = replace(t, backlog=new)
        transitions.append(t)
    if not changes:
        changes.append(f"no measured backlog into {name} exceeds it: nothing changes")
    elif untouched:
        changes.append(f"{untouched} other handoff(s) into {name} already meet it")
    head = (
        f"Service standard (an assumption {name} must commit to): handoffs into {name} are "
        f"taken up within {text}; "
    )
    lines = [head + changes[0] + "."] + [c[0].upper() + c[1:] + "." for c in changes[1:]]
    return _finish(j, replace(j, transitions=tuple(transitions)), op, lines)


def _capped(d: Distribution, cap: float) -> Distribution:
    """``d`` with every value above ``cap`` set to ``cap`` (empirical: exact)."""
    if d.dist == "empirical":
        values = np.minimum(np.asarray(d.params["samples"], dtype=float), cap)
    else:
        values = np.minimum(d.quantile(_U), cap)
    return Distribution("empirical", {"samples": tuple(float(round(v, 3)) for v in values)})


def _share_above(d: Distribution, cap: float) -> float:
    if d.dist == "empirical":
        return float(np.mean(np.asarray(d.params["samples"], dtype=float) > cap))
    return float(np.mean(d.quantile(_U) > cap))


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

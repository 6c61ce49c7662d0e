"""A run long enough for the service: how many days of arrivals, and of tail.

A comparison measures the cases that arrive after the warm-up and finish
before the run ends. Fixed defaults (60 working days of arrivals, 40 of tail)
suit a counter service of hours or days; a service of legal deadlines that
takes months would measure a handful of cases, most of them still open. Rules
decided here (:func:`fit_horizon`):

* **Tail.** The journey's lead time without queues is sampled
  (:func:`lead_time_quantile`: ``samples`` citizens walk the routing,
  summing work times, delays and backlogs; a parallel split counts its
  branches one after another, which errs long), and its ``quantile`` (99%)
  in calendar days, converted to working days (x 5/7) and doubled for
  queues and closed hours, is the tail, at least ``min_tail_days``.
* **Arrivals.** Enough working days of arrivals for ``min_cases`` measured
  cases per replication at the journey's arrival rate, after the warm-up, at
  least ``min_days``.
* **Cap.** Each is capped at ``max_days`` working days (about six years by
  default); the caller may raise it. A horizon at the cap is reported, with the
  share of cases that then stay open.

Examples
--------
>>> from journeys import load_catalog
>>> h = fit_horizon([load_catalog("business-licence")])
>>> h.days, h.tail_days, h.capped
(60, 53, False)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from journeys.model import Journey

__all__ = ["MAX_DAYS", "Horizon", "fit_horizon", "lead_time_quantile"]

#: Default cap of arrival days and of tail days (working days, about six years).
MAX_DAYS = 1500
#: Fewest finished cases per replication behind a KPI that is not marked.
MIN_CASES = 30


@dataclass(frozen=True)
class Horizon:
    """Working days of arrivals and of tail, and why.

    Attributes
    ----------
    days, tail_days : int
    lead_quantile_days : float
        The sampled lead-time quantile behind the tail (calendar days).
    capped : bool
        Whether a figure was held at the cap.
    """

    days: int
    tail_days: int
    lead_quantile_days: float
    capped: bool


def lead_time_quantile(
    journey: Journey, *, quantile: float = 0.99, samples: int = 2000, seed: int = 0
) -> float:
    """The ``quantile`` of the journey's lead time without queues, in minutes (sampled).

    Examples
    --------
    >>> from journeys.model import Distribution, Journey, Step, Transition
    >>> j = Journey("t", "T", "a", (Step("a", "x", Distribution.fixed(10)),
    ...     Step("b", "x", Distribution.fixed(20))),
    ...     (Transition("a", "b", delay=Distribution.fixed(30)),))
    >>> lead_time_quantile(j)
    60.0
    """
    rng = np.random.default_rng(seed)
    steps = {s.id: s for s in journey.steps}
    out = {s.id: journey.successors(s.id) for s in journey.steps}
    total = np.zeros(samples)
    where = np.array([journey.start] * samples, dtype=object)
    alive = np.ones(samples, dtype=bool)
    for _ in range(10 * len(steps) + 50):  # loops are left with probability > 0
        if not alive.any():
            break
        for sid in sorted(set(where[alive])):
            idx = np.flatnonzero(alive & (where == sid))
            s = steps[sid]
            total[idx] += np.asarray(s.duration.sample(rng, len(idx)), dtype=float)
            moves = out[sid]
            if not moves:
                alive[idx] = False
                continue
            if s.split == "and":  # the branches one after another: errs long
                for t in moves[1:]:
                    total[idx] += _delay(t, rng, len(idx)) + _branch_work(journey, t.target)
                chosen = np.zeros(len(idx), dtype=int)
            else:
                p = np.array([t.probability for t in moves], dtype=float)
                chosen = rng.choice(len(moves), size=len(idx), p=p / p.sum())
            for k, t in enumerate(moves):
                rows = idx[chosen == k]
                if len(rows):
                    total[rows] += _delay(t, rng, len(rows))
                    where[rows] = t.target
    return float(np.quantile(total, quantile))


def _delay(t: object, rng: np.random.Generator, n: int) -> np.ndarray:
    x = np.zeros(n)
    for d in (getattr(t, "delay", None), getattr(t, "backlog", None)):
        if d is not None:
            x += np.asarray(d.sample(rng, n), dtype=float)
    if getattr(t, "carrier", None) == "courier":
        x += 1440.0  # at most a day's wait for the next batch
    return x


def _branch_work(journey: Journey, step_id: str) -> float:
    return float(journey.step(step_id).duration.mean)


def fit_horizon(
    journeys: Sequence[Journey],
    *,
    warmup_days: int = 5,
    min_days: int = 60,
    min_tail_days: int = 40,
    min_cases: int = MIN_CASES,
    quantile: float = 0.99,
    max_days: int = MAX_DAYS,
    arrivals_per_day: float | None = None,
) -> Horizon:
    """Days of arrivals and of tail that fit the slowest of ``journeys`` (rules: module docs).

    Examples
    --------
    A service of five months' legal deadlines, with two cases a week:

    >>> from journeys.model import Arrivals, Distribution, Journey, Step, Transition
    >>> slow = Journey("fines", "Fines", "a", (Step("a", "police", Distribution.fixed(0)),
    ...     Step("b", "police", Distribution.fixed(0))),
    ...     (Transition("a", "b", delay=Distribution.fixed(150 * 1440)),),
    ...     arrivals=Arrivals(per_day=0.4))
    >>> h = fit_horizon([slow])
    >>> h.days, h.tail_days, round(h.lead_quantile_days)
    (80, 215, 150)
    """
    lead = max(lead_time_quantile(j, quantile=quantile) for j in journeys) / 1440.0
    tail = max(min_tail_days, math.ceil(2 * lead * 5 / 7))
    rate = min(arrivals_per_day or j.arrivals.per_day for j in journeys)
    need = warmup_days + (math.ceil(min_cases / rate) if rate > 0 else max_days)
    days = max(min_days, need)
    capped = tail > max_days or days > max_days
    return Horizon(min(days, max_days), min(tail, max_days), lead, capped)

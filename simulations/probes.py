"""Service standards, and what one staffing candidate achieves against them.

A *service standard* is a share and a time: "85% within 15 min" (the queue
standard of one-stop-shop regulations) or, for the lead time, "90% within 20
days". :func:`parse_standard` reads the text a planner writes; :func:`probe`
simulates one replication of a journey and measures it against a queue
standard and an optional lead-time target; :func:`probe_all` runs the
replications of several journeys on the executors of
:mod:`simulations.executors` and summarises each with means and 95% CIs.

What is measured (per replication, on the measured cases: those arriving
after the warm-up and before the end of ``days``)

* ``within:<pool>``: share of the citizen-present services at the pool's desks
  that started within the standard's time of the citizen joining the line of
  the open desks (:attr:`simulations.results.SimulationResult.desk_waits`: no
  travel, courier or backlog time in it; a citizen sent home at closing has
  not been served within the standard). Citizens who reached the door while
  it was closed (before opening, at lunch, at night: journeys whose return
  delays are drawn round the clock send many) are left out of the share: a
  standard is kept from the moment a citizen can take a ticket, and the
  morning crowd at the door is a matter of opening hours or appointments; it
  is counted in ``closed_door``, their share of the citizens at desks, and
  those who arrive while it is served do count. Not recorded (NaN) for a pool
  no citizen queues at: back offices have no queue standard.
* ``worst``: the lowest of those shares; a candidate meets the standard when
  the mean over replications of every pool's share is at least the standard's.
* ``lead_within``: share of measured cases finished within the lead-time
  target (a case still open at the end has not); NaN without a target.
* ``lead_p90``: 90th percentile lead time of the finished measured cases, days.
* ``util:<pool>``: busy share of the pool's open desk time.

Examples
--------
>>> s = parse_standard("85% within 15 min")
>>> s.share, s.minutes, s.text
(0.85, 15.0, '85% within 15 min')
>>> parse_standard("90 % within 20 days").minutes
28800.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from journeys.errors import InputError
from journeys.model import Journey

__all__ = ["Standard", "Summary", "facing_pools", "parse_standard", "probe", "probe_all"]

_UNITS = {
    "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0, "m": 1.0,
    "h": 60.0, "hour": 60.0, "hours": 60.0,
    "d": 1440.0, "day": 1440.0, "days": 1440.0,
}  # fmt: skip
_PATTERN = re.compile(
    r"^\s*(?P<share>\d+(?:\.\d+)?)\s*%\s*(?:served\s+)?within\s+"
    r"(?P<time>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Standard:
    """A share of citizens (or cases) within a time: ``share`` in (0, 1], ``minutes`` > 0."""

    share: float
    minutes: float
    text: str


def parse_standard(text: str, *, option: str = "--standard") -> Standard:
    """Read ``"85% within 15 min"`` (units min, h or days; ``served`` may be written).

    Raises
    ------
    journeys.errors.InputError
        Naming ``option`` and what is wrong.

    Examples
    --------
    >>> parse_standard("80% served within 2 h").minutes
    120.0
    >>> parse_standard("85 within 15 min")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --standard: '85 within 15 min' is not a standard; write it like "85% within 15 min" (units min, h or days)
    >>> parse_standard("120% within 15 min")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --standard: '120% within 15 min': the share must be above 0% and at most 100%
    """
    m = _PATTERN.match(str(text))
    if m is None or m["unit"].lower() not in _UNITS:
        raise InputError(
            f"{option}: {text!r} is not a standard; write it like \"85% within 15 min\""
            " (units min, h or days)"
        )
    share = float(m["share"]) / 100.0
    minutes = float(m["time"]) * _UNITS[m["unit"].lower()]
    if not 0 < share <= 1:
        raise InputError(f"{option}: {text!r}: the share must be above 0% and at most 100%")
    if not minutes > 0:
        raise InputError(f"{option}: {text!r}: the time must be above 0")
    unit = m["unit"].lower()
    word = "min" if _UNITS[unit] == 1 else ("h" if _UNITS[unit] == 60 else "days")
    return Standard(share, minutes, f"{share * 100:g}% within {float(m['time']):g} {word}")


@dataclass(frozen=True)
class _Task:
    key: int
    journey: Journey
    replication: int
    days: int
    warmup_days: int
    tail_days: int
    seed: int
    minutes: float
    lead_minutes: float | None
    arrivals_per_day: float | None


def facing_pools(journey: Journey) -> tuple[str, ...]:
    """Pools that serve citizens in person (a citizen-present step uses them)."""
    used = {s.pool for s in journey.steps if s.citizen_present and s.pool is not None}
    return tuple(p.id for p in journey.pools if p.id in used)


def probe(task: _Task) -> dict[str, float]:
    """One replication of one journey, measured against the standards (module docstring)."""
    from simulations.engine import simulate
    from simulations.measures import arrival_cutoff

    j = task.journey
    res = simulate(
        j,
        days=task.days + task.tail_days,
        seed=task.seed,
        warmup_days=task.warmup_days,
        replication=task.replication,
        arrivals_per_day=task.arrivals_per_day,
    )
    cases = res.cases
    measured = cases[cases["arrival"] < arrival_cutoff(j, task.days)]
    ids = set(measured["case:concept:name"])
    w = res.desk_waits
    w = w[w["case:concept:name"].isin(ids) & w["odsc:citizen_present"]]
    row: dict[str, float] = {"key": task.key, "replication": task.replication}
    closed = w["door_closed"].to_numpy(dtype=bool)
    row["closed_door"] = float(closed.mean()) if len(w) else math.nan
    w = w[~closed]
    shares = []
    for pool in facing_pools(j):
        x = w.loc[w["pool"] == pool, "wait_minutes"].to_numpy(dtype=float)
        row[f"within:{pool}"] = float((x <= task.minutes).mean()) if len(x) else math.nan
        shares.append(row[f"within:{pool}"])
    ok = [s for s in shares if not math.isnan(s)]
    row["worst"] = min(ok) if ok else math.nan
    x = w["wait_minutes"].to_numpy(dtype=float)
    row["within"] = float((x <= task.minutes).mean()) if len(x) else math.nan
    lead = (measured["end"] - measured["arrival"]).dt.total_seconds().to_numpy() / 60.0
    done = lead[~np.isnan(lead)]
    row["lead_p90"] = float(np.quantile(done, 0.9)) / 1440.0 if len(done) else math.nan
    row["lead_median"] = float(np.median(done)) / 1440.0 if len(done) else math.nan
    if task.lead_minutes is None or not len(lead):
        row["lead_within"] = math.nan
    else:
        row["lead_within"] = float(np.mean(np.nan_to_num(lead, nan=math.inf) <= task.lead_minutes))
    row["finished"] = float(len(done) / len(lead)) if len(lead) else math.nan
    row["cases"] = float(len(lead))
    for pool, u in res.utilisation.items():
        row[f"util:{pool}"] = float(u)
    return row


@dataclass(frozen=True)
class Summary:
    """Means and 95% CIs over replications of one journey's probe figures.

    ``figures`` maps a figure name (see the module docstring) to ``(mean, low,
    high)``; NaN where not recorded.
    """

    figures: dict[str, tuple[float, float, float]]

    def mean(self, name: str) -> float:
        """The mean of one figure (NaN when not recorded)."""
        return self.figures.get(name, (math.nan,) * 3)[0]


def probe_all(
    journeys: Sequence[Journey],
    *,
    standard: Standard,
    lead_target: Standard | None,
    replications: int,
    days: int,
    warmup_days: int,
    tail_days: int,
    seed: int,
    arrivals_per_day: Sequence[float | None] | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> list[Summary]:
    """Replications of each journey with common random numbers; one :class:`Summary` each.

    Replication ``r`` of every journey uses the streams of ``(seed, r)``, so the
    same citizens arrive and make the same choices (:mod:`simulations.rng`).
    """
    from simulations.executors import map_tasks
    from simulations.experiments import mean_ci

    rates = list(arrivals_per_day) if arrivals_per_day is not None else [None] * len(journeys)
    lead = lead_target.minutes if lead_target is not None else None
    tasks = [
        _Task(k, j, r, days, warmup_days, tail_days, seed, standard.minutes, lead, rates[k])
        for k, j in enumerate(journeys)
        for r in range(replications)
    ]
    rows = map_tasks(probe, tasks, jobs=jobs, scheduler=scheduler, dask_local=dask_local)
    out = []
    for k in range(len(journeys)):
        mine = [r for r in rows if r["key"] == k]
        names = [n for n in mine[0] if n not in ("key", "replication")]
        out.append(
            Summary({n: mean_ci([r.get(n, math.nan) for r in mine]) for n in names})
        )
    return out

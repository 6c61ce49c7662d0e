"""From findings to a redesign: the one-door changes a log's findings call for.

:func:`recommend` turns the findings of :func:`analysis.mining.mine` on a
centre's log, and the as-is journey (written by hand or calibrated from that
log with :func:`analysis.calibrate.calibrate`), into a chain of redesign
operators (:mod:`journeys.redesign`). Each operator it applies comes with the
reason, quoting the finding or the figure that called for it, so a planner can
review the proposal line by line before simulating it.

The rules, applied in this order:

1. **One door.** When the citizen deals with more than one office (the
   journey's expected distinct doors exceed 1), bring every citizen-facing step
   to one front desk, ``door_name``, and route the dossier between the back
   offices by ``carrier`` (:func:`journeys.redesign.one_door`).
2. **Once-only data exchange.** The agency pairs of the handoff and ping-pong
   findings, at most ``max_handoffs`` of them in the findings' order (largest
   impact first), exchange data instead of moving papers
   (:func:`journeys.redesign.digitize_handoffs`). A pair whose agencies are not
   both in the journey is skipped and said so, and so is a pair whose delay
   looks set by a rule (a finding with ``cause="timer"``,
   :mod:`analysis.causes`): data exchange does not shorten a legal deadline,
   and the finding's own recommendation says what would.
3. **Desks for the load.** Every pool whose offered load (:func:`desk_load`)
   exceeds ``max_load`` after the changes above gets the fewest extra desks
   that bring it to ``max_load`` or below (:func:`journeys.redesign.add_staff`).
   Capacity is checked last because the one-door rule merges desks.

Rules that find nothing to change add nothing. The findings are the only
evidence used besides the journey itself: no rule looks at the log again.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> from analysis.findings import Finding
>>> f = Finding("Handoff commerce -> tax", "...", {"source": "commerce", "target": "tax"},
...             5000.0, "", "handoff")
>>> rec = recommend(load_catalog("business-licence"), [f])
>>> rec.journey.metrics().visits
2.0
>>> [r.split(":")[0] for r in rec.reasons]
['One door', 'Data exchange']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.findings import Finding
from journeys.model import Journey
from journeys.redesign import Redesign, RedesignError, add_staff, digitize_handoffs, one_door

__all__ = ["Recommendation", "desk_load", "recommend"]


@dataclass(frozen=True)
class Recommendation:
    """A proposed redesign: the operators' result and why each was applied.

    Attributes
    ----------
    redesign : journeys.redesign.Redesign
        The to-be journey and every change, in a planner's words.
    reasons : tuple of str
        One line per rule that fired (``"One door: ..."``), with its evidence.
    skipped : tuple of str
        What a rule could not apply, and why.
    """

    redesign: Redesign
    reasons: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def journey(self) -> Journey:
        """The to-be journey."""
        return self.redesign.journey

    @property
    def changes(self) -> tuple[str, ...]:
        """Every change the operators made."""
        return self.redesign.changes


def desk_load(journey: Journey) -> dict[str, float]:
    """Offered load of each pool: busy share of its open desk time if nothing queued.

    ``arrivals.per_day`` cases a working day, times the expected passes through
    each of the pool's steps, times their mean durations, over the pool's
    desks times its minutes open a day. Above 1 the queue grows without bound;
    above about 0.85 waits grow steeply (Erlang C). It assumes the pool works
    on the days citizens arrive; steps without a pool are not counted.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> load = desk_load(load_catalog("business-licence"))
    >>> 0 < load["tax_desk"] < 1
    True
    """
    from journeys.metrics import static_metrics

    passes = static_metrics(journey).expected_passes
    busy: dict[str, float] = {p.id: 0.0 for p in journey.pools}
    for s in journey.steps:
        if s.pool is not None:
            busy[s.pool] += passes.get(s.id, 0.0) * s.duration.mean
    out = {}
    for p in journey.pools:
        open_minutes = journey.calendar(p.calendar).minutes_open_per_day * p.capacity
        offered = journey.arrivals.per_day * busy[p.id]
        out[p.id] = offered / open_minutes if open_minutes > 0 else math.inf
    return out


def _pairs(findings: Sequence[Finding], limit: int) -> list[tuple[str, str, Finding]]:
    """Distinct agency pairs of the handoff and ping-pong findings, in their order."""
    seen: set[frozenset[str]] = set()
    out = []
    for f in findings:
        ev = f.evidence
        if f.kind == "handoff":
            a, b = str(ev.get("source", "")), str(ev.get("target", ""))
        elif f.kind == "pingpong":
            a, b = str(ev.get("a", "")), str(ev.get("b", ""))
        else:
            continue
        key = frozenset((a.lower(), b.lower()))
        if a and b and a.lower() != b.lower() and key not in seen:
            seen.add(key)
            out.append((a, b, f))
    return out[:limit]


def _agency_known(journey: Journey, name: str) -> bool:
    n = name.strip().lower()
    return any(n in (a.id.lower(), (a.name or "").lower()) for a in journey.agencies)


def recommend(
    journey: Journey,
    findings: Sequence[Finding],
    *,
    door_name: str = "ODSC front desk",
    door_id: str = "odsc",
    carrier: str = "courier",
    max_handoffs: int = 3,
    max_load: float = 0.85,
) -> Recommendation:
    """Propose a one-door redesign of ``journey`` from a log's findings (rules: module doc).

    Parameters
    ----------
    journey : Journey
        The as-is journey; not changed.
    findings : sequence of Finding
        Findings of the centre's log, largest impact first
        (``analysis.mining.mine(log).findings``).
    door_name, door_id : str
        The front desk of the one-door rule.
    carrier : {"courier", "digital"}
        How the dossier moves between the front desk and the back offices.
    max_handoffs : int
        At most this many agency pairs move to data exchange.
    max_load : float
        Highest offered load a pool may keep (between 0 and 1).

    Returns
    -------
    Recommendation

    Raises
    ------
    journeys.redesign.RedesignError
        When an option is out of range or an operator cannot apply.
    """
    if not 0 < max_load < 1:
        raise RedesignError(journey.id, "recommend", f"max_load must be in (0, 1), got {max_load}")
    if max_handoffs < 0:
        raise RedesignError(
            journey.id, "recommend", f"max_handoffs must be >= 0, got {max_handoffs}"
        )
    red = Redesign(journey, ())
    reasons: list[str] = []
    skipped: list[str] = []

    before = journey.metrics()
    if before.doors > 1 + 1e-9:
        red = red.then(one_door, door_name=door_name, door_id=door_id, carrier=carrier)
        desk = f"{door_id}_desk"
        staffed = ""
        if desk in {p.id for p in red.journey.pools}:
            n, load = red.journey.pool(desk).capacity, desk_load(red.journey)[desk]
            staffed = (
                f" Its {n} desks are the clerks who served citizens before; they would be "
                f"busy {load:.0%} of the open time there, so some could move to the back office."
                if load < max_load / 2
                else f" Its {n} desks are the clerks who served citizens before."
            )
        reasons.append(
            f"One door: the citizen goes to {before.doors:.1f} offices in {before.visits:.1f} "
            f"visits on average; every citizen-facing step moves to '{door_name}', and the "
            f"dossier travels between the back offices by {carrier}.{staffed}"
        )

    for a, b, f in _pairs(findings, max_handoffs):
        if f.evidence.get("cause") == "timer":
            skipped.append(
                f"Data exchange {a} <-> {b}: the delay looks set by a rule, not by moving "
                f"papers ({f.evidence.get('cause_reason') or 'a timer'}); review the deadline "
                "instead."
            )
            continue
        if not (_agency_known(red.journey, a) and _agency_known(red.journey, b)):
            skipped.append(f"Data exchange {a} <-> {b}: not both agencies are in the journey.")
            continue
        nxt = red.then(digitize_handoffs, pairs=[(a, b)])
        if len(nxt.changes) == len(red.changes):
            skipped.append(f"Data exchange {a} <-> {b}: no paper handoff left between them.")
            continue
        red = nxt
        reasons.append(f"Data exchange: {a} <-> {b}, because: {f.text}")

    for pool_id, load in desk_load(red.journey).items():
        if load <= max_load:
            continue
        desks = red.journey.pool(pool_id).capacity
        needed = math.ceil(desks * load / max_load - 1e-9)
        red = red.then(add_staff, pool_id, needed - desks)
        reasons.append(
            f"Desks: pool {pool_id} would be busy {load:.0%} of its open time with "
            f"{desks} desk{'s' if desks != 1 else ''}; {needed} desks bring it to {load * desks / needed:.0%}."
        )
    return Recommendation(red, tuple(reasons), tuple(skipped))

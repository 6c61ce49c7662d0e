"""The one-page TCV table of a redesign: each step's time, fee and visits, before and after.

Service Process Simplification teams (Bangladesh's a2i) put an existing and a
simplified process side by side, step by step, with the Time, Cost and Visits
(TCV) of each. :func:`tcv_table` builds that table for an as-is and a to-be
:class:`~journeys.model.Journey` from the model alone, with the same absorbing
Markov chain as :func:`journeys.metrics.static_metrics` (so the columns add up
to its totals), and says what became of every step and every document.

Matching the steps
    A to-be step is the same step as an as-is one when it has the same id, else
    the same name (case and spaces ignored). An as-is step whose name is one of
    the ``" + "``-joined parts of a to-be step's name (how
    :func:`journeys.restructure.merge` names a merged step) is *merged into* it.
    Any other as-is step is *removed*, any other to-be step is *new*. Steps that
    share neither id nor name cannot be recognised as one: rename them in the
    files to pair them.
What became of a step (``change``)
    ``removed``, ``merged``, ``new``; for a matched pair: ``back office`` (the
    citizen had to be there before and no longer does), ``front desk`` (the
    citizen now goes there in person), ``moved`` (the citizen goes to another
    office for it), ``changed`` (its duration, fee, documents, agency or desks
    changed) or ``unchanged``.
Per step, per case (expectations over all paths, rework loops included)
    ``minutes``: the work (passes x mean duration) plus the mean delays of the
    handoffs into the step (carrier delays and backlogs); queues at the desks
    and the nights between visits are not in the model (the simulation measures
    them). ``fee``: passes x fee. ``travel_cost``: the visits that begin at the
    step x its office's travel cost. ``visits``: the visits that begin at the
    step (the static visit rule of :mod:`journeys.metrics`).
Unknown is not zero
    A journey that names no fee on any step is taken not to record fees: its
    fees are ``None`` ("not recorded"), not 0. The same for travel costs (no
    office with a travel cost). A journey that does record fees shows a step
    without one as free (0).

Examples
--------
>>> from journeys.catalog import load_catalog
>>> t = tcv_table(load_catalog("business-licence"), load_catalog("business-licence-one-door"))
>>> [(r.before, r.change) for r in t.rows][:3]
[('Get residence certificate', 'removed'), ('Submit application', 'moved'), ('Review dossier', 'unchanged')]
>>> t.visits_before, t.visits_after
(5.25, 2.0)
>>> [d.name for d in t.documents if d.after is None][:2]
['residence certificate', 'police form']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from journeys.model import Journey, Step

__all__ = ["StepFigures", "TcvDocument", "TcvRow", "TcvTable", "step_figures", "tcv_table"]


@dataclass(frozen=True)
class StepFigures:
    """Expected figures of one step per case (see the module notes).

    ``fee`` and ``travel_cost`` are ``None`` when the journey does not record them.
    """

    step: str
    passes: float
    work_minutes: float
    delay_minutes: float
    fee: float | None
    travel_cost: float | None
    visits: float

    @property
    def minutes(self) -> float:
        """Work plus the delays of the handoffs into the step."""
        return self.work_minutes + self.delay_minutes


@dataclass(frozen=True)
class TcvRow:
    """One line of the table: a step before and after (``None`` where it does not exist)."""

    before: str | None
    after: str | None
    agency_before: str | None
    agency_after: str | None
    office_before: str | None
    office_after: str | None
    change: str
    note: str
    figures_before: StepFigures | None
    figures_after: StepFigures | None


@dataclass(frozen=True)
class TcvDocument:
    """A document asked of the citizen: the steps asking for it before and after."""

    name: str
    before: tuple[str, ...] | None
    after: tuple[str, ...] | None

    @property
    def change(self) -> str:
        """``no longer asked``, ``newly asked`` or ``still asked``."""
        if self.after is None:
            return "no longer asked"
        if self.before is None:
            return "newly asked"
        return "still asked"


@dataclass(frozen=True)
class TcvTable:
    """The TCV table of an as-is and a to-be journey, with its totals per case."""

    before: str
    after: str
    currency: str
    rows: tuple[TcvRow, ...]
    documents: tuple[TcvDocument, ...]
    minutes_before: float
    minutes_after: float
    fees_before: float | None
    fees_after: float | None
    travel_cost_before: float | None
    travel_cost_after: float | None
    visits_before: float
    visits_after: float
    offices_before: float
    offices_after: float

    def count(self, change: str) -> int:
        """How many rows had this change.

        >>> from journeys.catalog import load_catalog
        >>> t = tcv_table(load_catalog("family-book"), load_catalog("family-book-one-door"))
        >>> t.count("back office"), t.count("removed"), t.count("new")
        (1, 3, 3)
        """
        return sum(r.change == change for r in self.rows)


def _sum(values: list[float | None]) -> float | None:
    if any(v is None for v in values):
        return None
    return _total([v for v in values if v is not None])


def _total(values: list[float]) -> float:
    from journeys.metrics import _clean

    return _clean(math.fsum(values))


def step_figures(journey: Journey) -> dict[str, StepFigures]:
    """Expected time, fee, travel cost and visits of every step, per case.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> f = step_figures(load_catalog("business-licence"))["submit"]
    >>> f.passes, f.fee, f.visits   # sent back with p = 0.2: 1.25 passes
    (1.25, 62500.0, 1.25)
    """
    # The chain of journeys.metrics, reused so that these columns add up to its totals.
    from journeys.metrics import _check, _clean, _new_visits, _passes

    _check(journey)
    j = journey
    step = {s.id: s for s in j.steps}
    x = {sid: float(p) for sid, p in zip(j.step_ids, _passes(j))}

    def flow(t: Any) -> float:
        return x[t.source] * (1.0 if step[t.source].split == "and" else float(t.probability))

    flows = [(t, flow(t)) for t in j.transitions]
    new_visits = _new_visits(j, x, flows)
    delay = dict.fromkeys(step, 0.0)
    for t, f in flows:
        for d in (t.delay, t.backlog):
            if d is not None:
                delay[t.target] += f * d.mean
    has_fees = any(s.fee for s in j.steps)
    doors = {d.id: d for d in j.doors}
    has_travel = any(d.travel_cost for d in j.doors)
    out = {}
    for s in j.steps:
        v = new_visits.get(s.id, 0.0)
        travel = doors[s.door].travel_cost * v if s.door in doors else 0.0
        out[s.id] = StepFigures(
            step=s.id,
            passes=_clean(x[s.id]),
            work_minutes=_clean(x[s.id] * s.duration.mean),
            delay_minutes=_clean(delay[s.id]),
            fee=_clean(x[s.id] * s.fee) if has_fees else None,
            travel_cost=_clean(travel) if has_travel else None,
            visits=_clean(v),
        )
    return out


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _office(j: Journey, s: Step) -> str | None:
    if not s.citizen_present:
        return None
    if s.door is None:
        return "an office"
    d = j.door(s.door)
    return d.name or d.id


def _agency(j: Journey, s: Step) -> str:
    try:
        a = j.agency(s.agency)
    except KeyError:
        return s.agency
    return a.name or a.id


def _change(j0: Journey, a: Step, j1: Journey, b: Step) -> tuple[str, str]:
    if a.citizen_present and not b.citizen_present:
        return "back office", ""
    if b.citizen_present and not a.citizen_present:
        return "front desk", f"at {_office(j1, b)}"
    if a.citizen_present and _office(j0, a) != _office(j1, b):
        return "moved", f"to {_office(j1, b)}"
    what = [
        name
        for name, x, y in (
            ("duration", a.duration, b.duration),
            ("fee", a.fee, b.fee),
            ("documents", set(a.documents), set(b.documents)),
            ("agency", _agency(j0, a), _agency(j1, b)),
            ("desks", a.pool, b.pool),
        )
        if x != y
    ]
    return ("changed", ", ".join(what)) if what else ("unchanged", "")


def _pairs(before: Journey, after: Journey) -> tuple[dict[str, str], dict[str, str]]:
    """as-is step id -> to-be step id, for the same steps and for merged ones."""
    by_id = {s.id for s in after.steps}
    by_name = {_key(s.label): s.id for s in after.steps}
    same: dict[str, str] = {}
    taken: set[str] = set()
    for s in before.steps:
        if s.id in by_id:
            same[s.id] = s.id
            taken.add(s.id)
    for s in before.steps:
        t = by_name.get(_key(s.label))
        if s.id not in same and t is not None and t not in taken:
            same[s.id] = t
            taken.add(t)
    parts = {
        s.id: {_key(p) for p in s.label.split(" + ")} for s in after.steps if " + " in s.label
    }
    merged: dict[str, str] = {}
    for s in before.steps:
        if s.id in same:
            continue
        for t, names in parts.items():
            if _key(s.label) in names:
                merged[s.id] = t
                break
    return same, merged


def _documents(before: Journey, after: Journey) -> tuple[TcvDocument, ...]:
    def asked(j: Journey) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for s in j.steps:
            if s.citizen_present:
                for d in s.documents:
                    out.setdefault(_key(d), []).append(s.label)
        return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}

    names = {}
    for j in (before, after):
        for s in j.steps:
            if s.citizen_present:
                for d in s.documents:
                    names.setdefault(_key(d), d)
    b, a = asked(before), asked(after)
    return tuple(TcvDocument(names[k], b.get(k), a.get(k)) for k in names)


def tcv_table(before: Journey, after: Journey) -> TcvTable:
    """The step-by-step TCV table of an as-is and a to-be journey.

    Parameters
    ----------
    before, after : Journey
        Valid journeys of the same service: today's and the redesign. Money is
        in ``before.currency``; a to-be journey in another currency is refused.

    Returns
    -------
    TcvTable
        Rows in the order of the as-is file, each new to-be step after the row
        of the to-be step before it; documents asked of the citizen (at steps
        that need the citizen there); totals per case.

    Raises
    ------
    journeys.errors.JourneyError
        When either journey is invalid.
    journeys.errors.InputError
        When the two journeys count money in different currencies.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> t = tcv_table(load_catalog("land-title"), load_catalog("land-title-one-door"))
    >>> round(t.fees_before), t.fees_after, t.offices_before, t.offices_after
    (2408824, 2400000.0, 4.0, 1.0)
    >>> next(r for r in t.rows if r.before == "Assess the transfer tax").change
    'back office'
    """
    from journeys.errors import InputError

    if before.currency != after.currency:
        raise InputError(
            f"{after.id}: counts money in {after.currency}, {before.id} in {before.currency};"
            " the table needs one currency"
        )
    fb, fa = step_figures(before), step_figures(after)
    same, merged = _pairs(before, after)
    step_b = {s.id: s for s in before.steps}
    step_a = {s.id: s for s in after.steps}
    rows: list[TcvRow] = []
    row_of_after: dict[str, int] = {}
    for s in before.steps:
        t = same.get(s.id)
        others = [step_b[k].label for k, v in merged.items() if v == t and k != s.id]
        if t is not None and others:
            change, note = "merged", f"with {', '.join(others)}"
        elif t is not None:
            change, note = _change(before, s, after, step_a[t])
        elif s.id in merged:
            t, change, note = None, "merged", f"into {step_a[merged[s.id]].label}"
        else:
            change, note = "removed", ""
        b = step_a[t] if t is not None else None
        rows.append(
            TcvRow(
                before=s.label,
                after=b.label if b is not None else None,
                agency_before=_agency(before, s),
                agency_after=_agency(after, b) if b is not None else None,
                office_before=_office(before, s),
                office_after=_office(after, b) if b is not None else None,
                change=change,
                note=note,
                figures_before=fb[s.id],
                figures_after=fa[t] if t is not None else None,
            )
        )
        if t is not None:
            row_of_after[t] = len(rows) - 1
    merged_into = set(merged.values())
    previous = -1
    for s in after.steps:
        if s.id in row_of_after:
            previous = row_of_after[s.id]
            continue
        parts = [step_b[k].label for k, v in merged.items() if v == s.id]
        row = TcvRow(
            before=None,
            after=s.label,
            agency_before=None,
            agency_after=_agency(after, s),
            office_before=None,
            office_after=_office(after, s),
            change="merged" if s.id in merged_into else "new",
            note=f"merges {', '.join(parts)}" if parts else "",
            figures_before=None,
            figures_after=fa[s.id],
        )
        rows.insert(previous + 1, row)
        row_of_after = {k: (i + 1 if i > previous else i) for k, i in row_of_after.items()}
        previous += 1
        row_of_after[s.id] = previous
    return TcvTable(
        before=before.name or before.id,
        after=after.name or after.id,
        currency=before.currency,
        rows=tuple(rows),
        documents=_documents(before, after),
        minutes_before=_total([f.minutes for f in fb.values()]),
        minutes_after=_total([f.minutes for f in fa.values()]),
        fees_before=_sum([f.fee for f in fb.values()]),
        fees_after=_sum([f.fee for f in fa.values()]),
        travel_cost_before=_sum([f.travel_cost for f in fb.values()]),
        travel_cost_after=_sum([f.travel_cost for f in fa.values()]),
        visits_before=_total([f.visits for f in fb.values()]),
        visits_after=_total([f.visits for f in fa.values()]),
        offices_before=float(len({s.door for s in before.steps if s.citizen_present})),
        offices_after=float(len({s.door for s in after.steps if s.citizen_present})),
    )

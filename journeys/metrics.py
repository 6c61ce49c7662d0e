"""Exact static TCV figures of a journey: time, cost and visits, from the model alone.

The figures are expectations over all the paths a case can take, under the
branch probabilities and rework loops of the journey, computed exactly with an
absorbing Markov chain over the steps (no simulation, no queues):

* **Passes.** ``Q[i, j]`` is the probability that step ``i`` hands the case to
  step ``j`` (ends are absorbing). The expected number of passes through each
  step is the row of the start step in the fundamental matrix
  ``N = (I - Q)^-1``, found with :func:`numpy.linalg.solve`. A rework loop taken
  with probability ``p`` gives ``1 / (1 - p)`` passes.
* **Parallel branches.** An ``and``-split sends one unit of flow along every
  outgoing transition (each branch runs once). Its matching ``and``-join (the
  step where its branches first meet) is entered once per pass of the split,
  not once per branch: in ``Q`` the branches end when they reach the join, and
  the split hands one unit straight to the join. Handoffs into the join are
  still counted once per branch, since each branch does hand its papers over.
* **Handoffs.** A transition is traversed ``passes(source) x probability``
  times on average (``passes(source)`` for an and-split). Citizen, courier and
  digital handoffs count the transitions with that carrier; agency handoffs
  count transitions between steps of different agencies.
* **Visits** (the static rule). A citizen-present step begins a new visit to an
  office unless it directly follows a citizen-present step at the same door
  through a transition without a carrier (the citizen stays in the office and
  moves to the next desk). An and-join that needs the citizen continues a visit
  only if every branch arrives that way. Returns on another day because a
  queue was not served before closing time are not counted here: that is a
  matter of queues, for the simulation.
* **Doors, agencies, distinct documents** are expected numbers *touched*: the
  sum, over doors (agencies, document names), of the probability that the case
  ever reaches a citizen-present step at that door (any step of that agency, a
  step asking for that document). These hitting probabilities come from the
  same chain with the target steps made absorbing; the branches of an and-split
  are independent, so the split reaches a target unless every branch and the
  rest of the journey after the join all miss it.
* **Citizen cost** = fees + travel cost + time cost, where each visit costs the
  door's ``travel_cost`` (both ways) and ``2 x travel_minutes`` of travel, and
  the time cost is ``time_value_per_hour`` times the hours of citizen-present
  touch time plus travel time. Waiting in queues and the days between offices
  are left out (the simulation measures them).
* **Delay** is the expected sum of mean transition delays; parallel branches
  each add their own, so it is a total of handoff delays, not an elapsed time.

The journey must be valid (:func:`journeys.validate.validate`); otherwise a
:class:`~journeys.errors.JourneyError` lists the problems.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> m = static_metrics(load_catalog("business-licence"))
>>> round(m.expected_passes["submit"], 4)  # dossier sent back with p = 0.2
1.25
>>> round(m.visits, 2)
5.25
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from journeys.errors import JourneyError, Problem
from journeys.model import Journey

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["StaticMetrics", "metrics_table", "static_metrics"]

_SINK = ("", "end")  # virtual node every end leads to; step ids are text, so no clash


@dataclass(frozen=True)
class StaticMetrics:
    """Exact expected TCV figures of one journey (see the module notes for the rules).

    All counts are expectations per case; minutes are minutes; money is in
    ``currency``.

    Attributes
    ----------
    journey, currency : str
        The journey's id and currency.
    expected_steps : float
        Step executions (passes through all steps).
    expected_passes : dict of str to float
        Passes through each step, in file order.
    visits : float
        Visits by the citizen to offices.
    doors, agencies : float
        Distinct offices the citizen goes to, distinct agencies that work on the case.
    door_reach, agency_reach : dict of str to float
        Probability that the case reaches each door (agency); they sum to the above.
    citizen_handoffs, courier_handoffs, digital_handoffs : float
        Transitions carried by the citizen, by a courier, by data exchange.
    agency_handoffs : float
        Transitions between steps of different agencies (silo crossings).
    fees : float
        Official fees paid.
    documents, distinct_documents : float
        Documents presented (counting repeats), and distinct documents asked for.
    touch_minutes : float
        Sum of the mean durations of the steps executed.
    citizen_touch_minutes : float
        The part of ``touch_minutes`` spent at citizen-present steps.
    delay_minutes : float
        Sum of the mean delays (and backlogs) of the transitions traversed.
    travel_minutes, travel_cost : float
        The citizen's travel (both ways, every visit) and its cost.
    time_cost : float
        Value of the citizen's time at offices and travelling.
    citizen_cost : float
        ``fees + travel_cost + time_cost``.
    """

    journey: str
    currency: str
    expected_steps: float
    expected_passes: dict[str, float]
    visits: float
    doors: float
    agencies: float
    door_reach: dict[str, float]
    agency_reach: dict[str, float]
    citizen_handoffs: float
    courier_handoffs: float
    digital_handoffs: float
    agency_handoffs: float
    fees: float
    documents: float
    distinct_documents: float
    touch_minutes: float
    citizen_touch_minutes: float
    delay_minutes: float
    travel_minutes: float
    travel_cost: float
    time_cost: float
    citizen_cost: float

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping of every field, ready for :func:`json.dumps`.

        Examples
        --------
        >>> from journeys.catalog import load_catalog
        >>> d = static_metrics(load_catalog("business-licence")).to_dict()
        >>> d["journey"], round(d["expected_passes"]["doic_review"], 2)
        ('business-licence', 1.25)
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = dict(v) if isinstance(v, dict) else v
        return out


def static_metrics(journey: Journey) -> StaticMetrics:
    """Exact expected time, cost and visits of a journey (absorbing Markov chain).

    Parameters
    ----------
    journey : Journey
        A valid journey; it is not changed.

    Returns
    -------
    StaticMetrics

    Raises
    ------
    JourneyError
        When the journey breaks a rule of :func:`journeys.validate.validate`.

    Examples
    --------
    A dossier checked at a back-office desk and sent back with probability 0.2
    passes ``1 / (1 - 0.2) = 1.25`` times through the submission and the check:

    >>> from journeys.model import Agency, Distribution, Door, Step, Transition
    >>> j = Journey(
    ...     "loop", "Loop", start="submit",
    ...     agencies=(Agency("a"),), doors=(Door("desk", travel_cost=1000),),
    ...     steps=(
    ...         Step("submit", "a", Distribution.fixed(10), door="desk",
    ...              citizen_present=True, fee=500),
    ...         Step("check", "a", Distribution.fixed(20)),
    ...         Step("issue", "a", Distribution.fixed(5)),
    ...     ),
    ...     transitions=(
    ...         Transition("submit", "check"),
    ...         Transition("check", "submit", probability=0.2, carrier="citizen"),
    ...         Transition("check", "issue", probability=0.8),
    ...     ),
    ... )
    >>> m = static_metrics(j)
    >>> m.expected_passes
    {'submit': 1.25, 'check': 1.25, 'issue': 1.0}
    >>> m.visits, m.fees, m.touch_minutes, m.citizen_handoffs, m.travel_cost
    (1.25, 625.0, 42.5, 0.25, 1250.0)
    """
    _check(journey)
    j = journey
    ids = list(j.step_ids)
    idx = {s: i for i, s in enumerate(ids)}
    step = {s.id: s for s in j.steps}
    passes = _passes(j)
    x = {s: float(passes[idx[s]]) for s in ids}

    def flow(t: Any) -> float:
        weight = 1.0 if step[t.source].split == "and" else float(t.probability)
        return x[t.source] * weight

    flows = [(t, flow(t)) for t in j.transitions]
    by_carrier = {c: 0.0 for c in ("citizen", "courier", "digital")}
    for t, f in flows:
        if t.carrier in by_carrier:
            by_carrier[t.carrier] += f
    agency_handoffs = math.fsum(
        f for t, f in flows if step[t.source].agency != step[t.target].agency
    )
    delay = math.fsum(f * t.delay.mean for t, f in flows if t.delay is not None)
    delay += math.fsum(f * t.backlog.mean for t, f in flows if t.backlog is not None)

    new_visits = _new_visits(j, x, flows)
    doors = {d.id: d for d in j.doors}
    visits = math.fsum(new_visits.values())
    travel_minutes = math.fsum(
        2.0 * doors[step[s].door].travel_minutes * v for s, v in new_visits.items()
    )
    travel_cost = math.fsum(doors[step[s].door].travel_cost * v for s, v in new_visits.items())
    citizen_touch = math.fsum(x[s.id] * s.duration.mean for s in j.steps if s.citizen_present)
    time_cost = j.time_value_per_hour / 60.0 * (citizen_touch + travel_minutes)
    fees = math.fsum(x[s.id] * s.fee for s in j.steps)

    reach = _Reach(j)
    door_reach = {
        d.id: reach.probability({s.id for s in j.steps if s.citizen_present and s.door == d.id})
        for d in j.doors
    }
    door_reach = {k: v for k, v in door_reach.items() if v > 0.0}
    agency_reach = {
        a: reach.probability({s.id for s in j.steps if s.agency == a})
        for a in dict.fromkeys(s.agency for s in j.steps)
    }
    names = dict.fromkeys(d for s in j.steps for d in s.documents)
    distinct_docs = math.fsum(
        reach.probability({s.id for s in j.steps if name in s.documents}) for name in names
    )
    return StaticMetrics(
        journey=j.id,
        currency=j.currency,
        expected_steps=_clean(math.fsum(x.values())),
        expected_passes={s: _clean(v) for s, v in x.items()},
        visits=_clean(visits),
        doors=_clean(math.fsum(door_reach.values())),
        agencies=_clean(math.fsum(agency_reach.values())),
        door_reach={k: _clean(v) for k, v in door_reach.items()},
        agency_reach={k: _clean(v) for k, v in agency_reach.items()},
        citizen_handoffs=_clean(by_carrier["citizen"]),
        courier_handoffs=_clean(by_carrier["courier"]),
        digital_handoffs=_clean(by_carrier["digital"]),
        agency_handoffs=_clean(agency_handoffs),
        fees=_clean(fees),
        documents=_clean(math.fsum(x[s.id] * len(s.documents) for s in j.steps)),
        distinct_documents=_clean(distinct_docs),
        touch_minutes=_clean(math.fsum(x[s.id] * s.duration.mean for s in j.steps)),
        citizen_touch_minutes=_clean(citizen_touch),
        delay_minutes=_clean(delay),
        travel_minutes=_clean(travel_minutes),
        travel_cost=_clean(travel_cost),
        time_cost=_clean(time_cost),
        citizen_cost=_clean(fees + travel_cost + time_cost),
    )


# Rows of metrics_table: (label with unit, attribute, scale). Money rows get the currency.
_ROWS: tuple[tuple[str, str, float], ...] = (
    ("Visits to offices", "visits", 1.0),
    ("Offices visited", "doors", 1.0),
    ("Agencies involved", "agencies", 1.0),
    ("Papers carried by the citizen (handoffs)", "citizen_handoffs", 1.0),
    ("Courier handoffs", "courier_handoffs", 1.0),
    ("Data exchanges", "digital_handoffs", 1.0),
    ("Handoffs between agencies", "agency_handoffs", 1.0),
    ("Steps executed", "expected_steps", 1.0),
    ("Documents presented", "documents", 1.0),
    ("Distinct documents asked for", "distinct_documents", 1.0),
    ("Touch time, all steps (hours)", "touch_minutes", 1 / 60),
    ("Citizen time at offices (hours)", "citizen_touch_minutes", 1 / 60),
    ("Travel time (hours)", "travel_minutes", 1 / 60),
    ("Handoff delays, summed (days)", "delay_minutes", 1 / 1440),
    ("Fees ({})", "fees", 1.0),
    ("Travel cost ({})", "travel_cost", 1.0),
    ("Time cost ({})", "time_cost", 1.0),
    ("Citizen cost: fees + travel + time ({})", "citizen_cost", 1.0),
)


def metrics_table(*journeys: Journey) -> pd.DataFrame:
    """The exact TCV figures of several journeys side by side.

    Parameters
    ----------
    *journeys : Journey
        One or more valid journeys, e.g. an as-is journey and its one-door redesign.

    Returns
    -------
    pandas.DataFrame
        One row per metric (index ``metric``: a readable label with its unit;
        money in the first journey's currency) and one column per journey id.
        Values are rounded to 2 decimals.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> t = metrics_table(load_catalog("business-licence"), load_catalog("business-licence-one-door"))
    >>> list(t.columns)
    ['business-licence', 'business-licence-one-door']
    >>> t.loc["Visits to offices"].tolist()
    [5.25, 2.0]
    """
    import pandas as pd

    from journeys.errors import InputError

    if not journeys:
        raise InputError("metrics_table: give at least one journey")
    currencies = list(dict.fromkeys(j.currency for j in journeys))
    cur = currencies[0] if len(currencies) == 1 else "/".join(currencies)
    columns: dict[str, list[float]] = {}
    for j in journeys:
        m = static_metrics(j)
        name, k = j.id, 2
        while name in columns:  # the same id twice: keep both columns
            name, k = f"{j.id} ({k})", k + 1
        columns[name] = [round(getattr(m, attr) * scale, 2) for _, attr, scale in _ROWS]
    index = pd.Index([label.format(cur) for label, _, _ in _ROWS], name="metric")
    return pd.DataFrame(columns, index=index)


# ----- the chain ------------------------------------------------------------------------------


def _check(j: Journey) -> None:
    from journeys.validate import validate

    problems = validate(j)
    if problems:
        raise JourneyError(problems, source=j.id)


def _clean(v: float) -> float:
    """Round away solver noise (1.2500000000000002 -> 1.25); 12 significant digits stay."""
    return float(f"{v:.12g}") + 0.0


def _matching_joins(j: Journey, *, outermost: bool = False) -> dict[str, str]:
    """The and-join where the branches of each and-split first meet (split id -> join id).

    The meeting step is the split's immediate post-dominator, as in
    :mod:`journeys.validate`. With ``outermost``, when splits nested inside one
    another share a join, only the outermost one (the one that dominates the
    others) is kept: the join is entered once per pass of it.
    """
    import networkx as nx

    splits = [s.id for s in j.steps if s.split == "and"]
    if not splits:
        return {}
    g = j.graph()
    r = g.reverse(copy=True)
    r.add_edges_from((_SINK, e) for e in j.ends)
    ipdom = nx.immediate_dominators(r, _SINK)
    out = {}
    for s in splits:
        meet = ipdom.get(s)
        if meet is not None and meet != _SINK and j.step(meet).join == "and":
            out[s] = meet
    if not outermost:
        return out
    dom = nx.immediate_dominators(g, j.start)

    def dominates(a: str, b: str) -> bool:
        while b != a and dom.get(b, b) != b:
            b = dom[b]
        return a == b

    by_join: dict[str, list[str]] = {}
    for split, join in out.items():
        by_join.setdefault(join, []).append(split)
    return {
        next((a for a in cands if all(dominates(a, b) for b in cands)), cands[0]): join
        for join, cands in by_join.items()
    }


def _passes(j: Journey) -> np.ndarray:
    """Expected passes through each step (file order): the start's row of (I - Q)^-1."""
    import numpy as np

    ids = list(j.step_ids)
    idx = {s: i for i, s in enumerate(ids)}
    step = {s.id: s for s in j.steps}
    split_join = _matching_joins(j, outermost=True)
    joined = {join: split for split, join in split_join.items()}
    q = np.zeros((len(ids), len(ids)))
    for t in j.transitions:
        if step[t.target].join == "and" and t.target in joined:
            continue  # a branch ends at its join; the split sends the join its one unit
        weight = 1.0 if step[t.source].split == "and" else float(t.probability)
        q[idx[t.source], idx[t.target]] += weight
    for split, join in split_join.items():
        q[idx[split], idx[join]] += 1.0
    e = np.zeros(len(ids))
    e[idx[j.start]] = 1.0
    # x^T = e^T (I - Q)^-1, i.e. (I - Q)^T x = e
    x = np.linalg.solve(np.eye(len(ids)) - q.T, e)
    if not np.all(np.isfinite(x)) or np.any(x < -1e-9):
        raise JourneyError(
            [
                Problem(
                    "transitions", "expected passes diverge: a loop runs through a parallel split"
                )
            ],
            source=j.id,
        )
    return x


def _new_visits(
    j: Journey, x: dict[str, float], flows: list[tuple[Any, float]]
) -> dict[str, float]:
    """Expected number of visits that begin at each citizen-present step."""
    step = {s.id: s for s in j.steps}

    def stays(t: Any) -> bool:
        a, b = step[t.source], step[t.target]
        return t.carrier is None and a.citizen_present and a.door is not None and a.door == b.door

    out: dict[str, float] = {}
    for s in j.steps:
        if not s.citizen_present:
            continue
        into = [(t, f) for t, f in flows if t.target == s.id]
        if s.join == "and":
            out[s.id] = 0.0 if into and all(stays(t) for t, _ in into) else x[s.id]
        else:
            out[s.id] = max(0.0, x[s.id] - math.fsum(f for t, f in into if stays(t)))
    return out


class _Reach:
    """Probabilities of ever reaching a set of steps from the start.

    ``h(i) = P(reach a target from i)`` solves ``h = 1`` on targets and
    ``h(i) = sum_j P(i, j) h(j)`` elsewhere (ends give 0). An and-split ``s``
    with join ``J`` misses the targets only if each branch misses them before
    ``J`` (independently) and the journey misses them from ``J`` on:
    ``h(s) = 1 - c (1 - h(J))`` with ``c`` the product over branches of the miss
    probabilities, each found by the same method with ``J`` as a stop. Written
    by hand because it is a short linear solve per target set, and no library
    offers hitting probabilities with parallel branches.
    """

    def __init__(self, j: Journey) -> None:
        self.j = j
        self.ids = list(j.step_ids)
        self.idx = {s: i for i, s in enumerate(self.ids)}
        self.step = {s.id: s for s in j.steps}
        self.joins = _matching_joins(j)
        self.out: dict[str, list[Any]] = {s: [] for s in self.ids}
        for t in j.transitions:
            self.out[t.source].append(t)

    def probability(self, targets: set[str]) -> float:
        if not targets:
            return 0.0
        return self._solve(frozenset(targets), self.j.start, None, frozenset())

    def _solve(
        self, targets: frozenset[str], start: str, stop: str | None, active: frozenset[str]
    ) -> float:
        import numpy as np

        n = len(self.ids)
        a = np.eye(n)
        b = np.zeros(n)
        for s in self.ids:
            i = self.idx[s]
            if s in targets:
                b[i] = 1.0
            elif s == stop:
                continue
            elif s in self.joins:
                join = self.joins[s]
                miss = 1.0
                if s not in active:  # a branch looping back past its own split is not followed
                    for t in self.out[s]:
                        miss *= 1.0 - self._solve(targets, t.target, join, active | {s})
                a[i, self.idx[join]] -= miss
                b[i] = 1.0 - miss
            else:
                for t in self.out[s]:
                    a[i, self.idx[t.target]] -= float(t.probability)
        h = np.linalg.solve(a, b)
        return float(min(1.0, max(0.0, h[self.idx[start]])))

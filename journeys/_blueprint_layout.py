"""Where the parts of a service blueprint go: the path, its columns, lanes and visits.

Pure functions of a :class:`~journeys.model.Journey`; :mod:`journeys.blueprint`
draws what :func:`layout` decides. Steps are referred to by their index in the
drawn path (a step may be drawn twice when a given path repeats it); an *edge* is
``(source index, target index, transition)``.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> lay = layout(load_catalog("business-licence"))
>>> lay.order[:3], lay.visit[:3]
(('village_cert', 'submit', 'doic_review'), (1, 2, None))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from journeys.errors import JourneyError, Problem
from journeys.model import Journey, Transition

__all__ = ["Layout", "layout"]

Edge = tuple[int, int, Transition]


@dataclass(frozen=True)
class Layout:
    """The drawn steps and where they go.

    Attributes
    ----------
    order : step ids in path order.
    edges : the transitions the path follows, sorted by target then source.
    extra : other transitions between drawn steps (rework loops and skips).
    lanes : (kind, title, name) per lane, top to bottom; kinds are ``citizen``,
        ``front``, ``back`` and ``support``.
    lane, col : lane and column of each drawn step.
    visit : visit number of each citizen-present step (``None`` for the others).
    new_visit : whether a visit starts at the step.
    ports : (exit dy, entry dy, turn dx) of an edge that forks or joins, by edge index.
    likely : whether this is the most likely path (rather than a given one).
    """

    order: tuple[str, ...]
    edges: tuple[Edge, ...]
    extra: tuple[Edge, ...]
    lanes: tuple[tuple[str, str, str], ...]
    lane: tuple[int, ...]
    col: tuple[int, ...]
    visit: tuple[Any, ...]
    new_visit: tuple[bool, ...]
    ports: dict[int, tuple[float, float, float]]
    likely: bool


def layout(
    journey: Journey, path: Sequence[str] | None = None, *, one_front: bool = False
) -> Layout:
    """Decide the columns, lanes and visits of a journey's blueprint.

    See :func:`journeys.blueprint.blueprint` for the rules. ``one_front`` puts
    every front-stage step in one lane (a slide: the office is named in the
    visit's note) instead of one lane per door.
    """
    order, edges = _likely_path(journey) if path is None else _given_path(journey, path)
    edges = sorted(edges, key=lambda e: (e[1], e[0]))
    lanes, lane = _lanes(journey, order, one_front)
    col = _columns(journey, order, edges, lane)
    visit, new = _visits(journey, order, edges)
    return Layout(
        tuple(order), tuple(edges), tuple(_extra(journey, order, edges)), tuple(lanes),
        tuple(lane), tuple(col), tuple(visit), tuple(new), _ports(edges, col, lane),
        path is None,
    )  # fmt: skip


def _likely_path(j: Journey) -> tuple[list[str], list[Edge]]:
    """The most likely path without repeated steps, and the transitions it follows."""
    order: list[str] = []
    edges: list[Edge] = []
    index: dict[str, int] = {}

    def follow(sid: str, came: list[tuple[int, Transition]], branch: bool) -> Any:
        # Walks until an end, an already shown step or, inside a parallel branch,
        # the synchronising join (returned with the edges that reach it).
        resume = False
        while sid not in index:
            step = j.step(sid)
            if branch and step.join == "and" and not resume:
                return sid, came
            resume = False
            k = index[sid] = len(order)
            order.append(sid)
            edges.extend((src, k, t) for src, t in came)
            outs = j.successors(sid)
            if step.split == "and" and len(outs) > 1:
                ends = [e for e in (follow(t.target, [(k, t)], True) for t in outs) if e]
                if not ends:
                    return None
                sid, resume = ends[0][0], True
                came = [c for e in ends if e[0] == sid for c in e[1]]
                continue
            best = sorted(outs, key=lambda t: -t.probability)  # stable: file order on ties
            nxt = next((t for t in best if t.target not in index), None)
            if nxt is None:
                return None
            sid, came = nxt.target, [(k, nxt)]
        return None

    follow(j.start, [], False)
    return order, edges


def _given_path(j: Journey, path: Sequence[str]) -> tuple[list[str], list[Edge]]:
    """Check a caller's path and find the transitions into each of its steps."""
    order = [str(s) for s in path]
    known = set(j.step_ids)
    bad = [Problem(f"path[{k}]", f"no step {s!r} in this journey") for k, s in enumerate(order)]
    bad = [p for p, s in zip(bad, order) if s not in known]
    if not order:
        bad.append(Problem("path", "is empty"))
    edges: list[Edge] = []
    for k in range(1, len(order) if not bad else 0):
        found = []
        for t in j.predecessors(order[k]):
            src = max((i for i in range(k) if order[i] == t.source), default=None)
            if src is not None:
                found.append((src, k, t))
        if j.step(order[k]).join != "and":  # the latest way in; a join takes all of them
            found = sorted(found, key=lambda e: -e[0])[:1]
        if not found:
            bad.append(Problem(f"path[{k}]", f"no earlier step of the path leads to {order[k]!r}"))
        edges.extend(found)
    if bad:
        raise JourneyError(bad, source=j.id)
    return order, edges


def _extra(j: Journey, order: list[str], edges: list[Edge]) -> list[Edge]:
    """Transitions between drawn steps that the path does not follow."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for k, s in enumerate(order):
        first.setdefault(s, k)
        last[s] = k
    used = {id(t) for _, _, t in edges}
    return [
        (last[t.source], first[t.target], t)
        for t in j.transitions
        if id(t) not in used and t.source in last and t.target in first
    ]


def _lanes(
    j: Journey, order: list[str], one_front: bool = False
) -> tuple[list[tuple[str, str, str]], list[int]]:
    """Lanes as (kind, title, name), and the lane of each drawn step.

    One front-stage lane per door the citizen is served at, one back-stage lane
    per agency working without the citizen, each in order of first use.
    """
    names = {a.id: a.name or a.id for a in j.agencies} | {d.id: d.name or d.id for d in j.doors}
    keys = []
    for sid in order:
        s = j.step(sid)
        front = ("front", "") if one_front else ("front", s.door or s.agency)
        keys.append(front if s.citizen_present else ("back", s.agency))
    used = [k for kind in ("front", "back") for k in dict.fromkeys(keys) if k[0] == kind]
    names[""] = "at the office of each visit"
    lanes = [("citizen", "Citizen actions", "what the citizen brings and pays")]
    for kind, key in used:
        lanes.append(
            (kind, "Front stage" if kind == "front" else "Back stage", names.get(key, key))
        )
    lanes.append(("support", "Support", "couriers, data exchange"))
    return lanes, [1 + used.index(k) for k in keys]


def _columns(j: Journey, order: list[str], edges: list[Edge], lane: list[int]) -> list[int]:
    """A column per step: one after its latest predecessor, so that parallel branches
    stand side by side; moved right while its lane (or, for a visit, the citizen lane)
    is taken in that column."""
    into: dict[int, list[int]] = defaultdict(list)
    for s, d, _ in edges:
        into[d].append(s)
    cols: list[int] = []
    taken: set[tuple[int, int]] = set()
    for k, sid in enumerate(order):
        c = max((cols[s] + 1 for s in into[k]), default=cols[-1] + 1 if cols else 0)
        need = {lane[k], 0} if j.step(sid).citizen_present else {lane[k]}
        while any((c, x) in taken for x in need):
            c += 1
        taken |= {(c, x) for x in need}
        cols.append(c)
    return cols


def _ports(edges: list[Edge], col: list[int], lane: list[int]) -> dict[int, tuple]:
    """Where handoffs that fork from one step, or join into one, leave, turn and arrive.

    Returns (exit dy, entry dy, turn dx) by edge index, in lanes and columns. The
    handoffs of a fork leave their step one above the other (the one going highest on
    top) and the farthest turns first, so their lines neither cross nor overlap; a
    join is the mirror image.
    """
    fork, join = defaultdict(list), defaultdict(list)
    for i, (s, d, _) in enumerate(edges):
        if col[d] == col[s] + 1:
            fork[s].append(i)
            join[d].append(i)
    out: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for groups, end in ((fork, 0), (join, 1)):
        for group in (g for g in groups.values() if len(g) > 1):
            m = len(group)

            def delta(i: int, end: int = end) -> int:  # lanes down from the shared step
                s, d, _ = edges[i]
                return lane[d] - lane[s] if end == 0 else lane[s] - lane[d]

            for r, i in enumerate(sorted(group, key=delta)):
                out[i][end] = 0.12 - 0.24 * r / (m - 1)
            if end == 0 or not any(out[i][2] for i in group):
                for r, i in enumerate(sorted(group, key=lambda i: -abs(delta(i)))):
                    out[i][2] = (-0.05 + 0.1 * r / (m - 1)) * (1 if end == 0 else -1)
    return {i: (v[0], v[1], v[2]) for i, v in out.items()}


def _visits(j: Journey, order: list[str], edges: list[Edge]) -> tuple[list[Any], list[bool]]:
    """Visit number of each citizen-present step, and whether a visit starts there.

    A visit starts at a citizen-present step unless the previous citizen-present
    step was at the same door and the case moved between them with no carrier.
    """
    into: dict[int, list[Transition]] = defaultdict(list)
    for _, k, t in edges:
        into[k].append(t)
    number: list[Any] = [None] * len(order)
    new = [False] * len(order)
    visit, prev, carried = 0, None, []
    for k, sid in enumerate(order):
        carried += [t.carrier for t in into[k]]
        step = j.step(sid)
        if step.citizen_present:
            same_door = prev is not None and step.door is not None and prev.door == step.door
            if not (same_door and all(c is None for c in carried)):
                visit += 1
                new[k] = True
            number[k], prev, carried = visit, step, []
    return number, new

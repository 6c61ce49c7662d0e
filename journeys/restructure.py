"""Redesign operators that change the flow: eliminate, parallelize and merge steps.

They follow the rules of :mod:`journeys.redesign`: pure functions of a valid
journey returning a :class:`~journeys.redesign.Redesign` (the new journey and
what changed), raising :class:`~journeys.redesign.RedesignError` when they
cannot apply. They express three classic redesign heuristics: task
elimination, parallelism and integration (one clerk does what two did).

Examples
--------
>>> from journeys.catalog import load_catalog
>>> j = load_catalog("business-licence")
>>> r = parallelize(j, ["police_clearance", "site_inspection", "tax_registration"])
>>> r.journey.metrics().touch_minutes == j.metrics().touch_minutes + 1.0  # the routing step
True
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import replace

from journeys.model import Distribution, Journey, Step, Transition
from journeys.redesign import (
    Redesign,
    RedesignError,
    _finish,
    _label,
    _names,
    _step_of,
)

__all__ = ["eliminate", "merge", "parallelize"]

_GATEWAY = Distribution.fixed(1.0)  # a step must take time; routing takes a minute


def _chain(j: Journey, step_ids: Iterable[str], op: str) -> list[str]:
    """The steps in flow order, if each one hands the case to the next and only to it."""
    ids = list(dict.fromkeys(step_ids))
    for s in ids:
        _step_of(j, s, op)
    if len(ids) < 2:
        raise RedesignError(j.id, op, "name two or more steps")
    inside = set(ids)
    # a link: a step inside hands the case to another inside, and only to it
    linked = {
        t.target for t in j.transitions if t.source in inside and len(j.successors(t.source)) == 1
    }
    heads = [s for s in ids if s not in linked]
    order = heads[:1]
    while order and len(order) < len(ids):
        out = j.successors(order[-1])
        nxt = out[0].target if len(out) == 1 else None
        if nxt not in inside or nxt in order or len(j.predecessors(nxt)) != 1:
            break
        order.append(nxt)
    if len(order) != len(ids):
        raise RedesignError(
            j.id,
            op,
            f"steps {', '.join(ids)} are not consecutive: each must hand the case to the next"
            " and only to it, and receive it only from the one before",
        )
    return order


_RANK = {None: 0, "digital": 1, "courier": 2, "citizen": 3}


def eliminate(journey: Journey, step_id: str) -> Redesign:
    """Remove a step (task elimination, e.g. a redundant certificate check).

    Every transition into the step is reconnected to every transition out of
    it, with probability ``p_in x p_out``; a reconnection that already exists
    gets the probabilities summed. A reconnected handoff keeps the heavier of
    its two carriers (citizen, then courier, then digital, then none), with
    that transition's delay: removing a step does not make the route lighter
    than its heaviest leg. Eliminating the start makes its successor the
    start. Refused: an end, an and-split or and-join, and a start with more
    than one successor.

    Examples
    --------
    >>> from journeys.model import Agency, Journey, Step, Transition
    >>> d = Distribution.fixed(5)
    >>> j = Journey("t", "T", start="a",
    ...     steps=tuple(Step(s, "x", d) for s in "abcd"), agencies=(Agency("x"),),
    ...     transitions=(Transition("a", "b", 0.3), Transition("b", "d"),
    ...                  Transition("a", "c", 0.7), Transition("c", "d")))
    >>> r = eliminate(j, "b")
    >>> [(t.source, t.target, t.probability) for t in r.journey.transitions]
    [('a', 'd', 0.3), ('a', 'c', 0.7), ('c', 'd', 1.0)]
    >>> print(r.changes[0])
    Step 'b' is eliminated; cases go on from 'a' to 'd' (p = 0.3).
    """
    op = "eliminate"
    j = journey
    s = _step_of(j, step_id, op)
    outs = [t for t in j.successors(step_id) if t.target != step_id]
    loop = sum(t.probability for t in j.successors(step_id) if t.target == step_id)
    if s.split == "and" or s.join == "and":
        raise RedesignError(j.id, op, f"step {step_id!r} splits or joins parallel branches")
    if not outs:
        raise RedesignError(j.id, op, f"step {step_id!r} is an end of the journey")
    if step_id == j.start and len(outs) > 1:
        raise RedesignError(
            j.id, op, f"step {step_id!r} is the start and has {len(outs)} successors"
        )
    # a step repeating itself with probability `loop` still leaves once: scale its exits
    p_out = {t.target: t.probability / (1.0 - loop) for t in outs}
    new_start = outs[0].target if step_id == j.start else j.start
    order: list[tuple[str, str]] = []
    by_pair: dict[tuple[str, str], Transition] = {}
    reconnected: list[str] = []

    def add(t: Transition) -> None:
        key = (t.source, t.target)
        if key in by_pair:
            old = by_pair[key]
            p = 1.0 if j.step(t.source).split == "and" else old.probability + t.probability
            by_pair[key] = replace(old, probability=p)
        else:
            order.append(key)
            by_pair[key] = t

    for t in j.transitions:
        if t.source == step_id:
            continue
        if t.target != step_id:
            add(t)
            continue
        for out in outs:
            heavy = max((t, out), key=lambda x: _RANK[x.carrier])
            p = t.probability * p_out[out.target]
            add(replace(heavy, source=t.source, target=out.target, probability=p))
            reconnected.append(
                f"from {_label(j, t.source)} to {_label(j, out.target)} (p = {p:.4g})"
            )
    steps = tuple(x for x in j.steps if x.id != step_id)
    out_j = replace(j, start=new_start, steps=steps, transitions=tuple(by_pair[k] for k in order))
    extra = ""
    if s.fee or s.documents:
        asked = f"fee {s.fee:,.0f} {j.currency}" if s.fee else ""
        docs = f"documents: {', '.join(s.documents)}" if s.documents else ""
        extra = f" No longer asked: {'; '.join(x for x in (asked, docs) if x)}."
    where = "; cases go on " + _names(reconnected) if reconnected else ""
    changes = [f"Step {_label(j, step_id)} is eliminated{where}.{extra}"]
    if new_start != j.start:
        changes.append(f"The journey now starts at {_label(j, new_start)}.")
    return _finish(j, out_j, op, changes)


def _unique_id(j: Journey, wanted: str) -> str:
    taken, k, out = set(j.step_ids), 2, wanted
    while out in taken:
        out, k = f"{wanted}_{k}", k + 1
    return out


def parallelize(journey: Journey, step_ids: Iterable[str]) -> Redesign:
    """Consecutive steps run in parallel instead of one after the other.

    The steps must form a chain (each hands the case to the next and only to
    it). The step before them becomes an and-split when it hands the case to
    the first of them only; otherwise a one-minute routing step is inserted to
    send the dossier to all of them at once. Likewise the step after them
    becomes the and-join when only the last of them leads to it, or a
    one-minute step is inserted that waits for all of them. Each branch keeps
    the carrier of the handoff that led into its step, and every branch leaves
    as the last step did. The start and the ends cannot be parallelized.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> j = load_catalog("business-licence")
    >>> r = parallelize(j, ["police_clearance", "site_inspection", "tax_registration"])
    >>> r.journey.step("police_clearance_split").split, r.journey.step("doic_approval").join
    ('and', 'and')
    >>> sorted(t.target for t in r.journey.successors("police_clearance_split"))
    ['police_clearance', 'site_inspection', 'tax_registration']
    """
    op = "parallelize"
    j = journey
    order = _chain(j, step_ids, op)
    first, last = order[0], order[-1]
    if first == j.start:
        raise RedesignError(j.id, op, f"step {first!r} is the start; the case begins there alone")
    if not j.successors(last):
        raise RedesignError(j.id, op, f"step {last!r} is an end; branches must meet before it")
    if any(j.step(s).split == "and" or j.step(s).join == "and" for s in order):
        raise RedesignError(j.id, op, "a step named already splits or joins parallel branches")
    ins, outs = j.predecessors(first), j.successors(last)
    if any(t.source in order for t in ins) or any(t.target in order for t in outs):
        raise RedesignError(j.id, op, "a loop runs from the last step named back to the first")
    inside = {i: j.predecessors(s)[0] for i, s in enumerate(order) if i > 0}
    names = _names([_label(j, s) for s in order])
    steps = list(j.steps)
    pos = {s: i for i, s in enumerate(j.step_ids)}
    before = ins[0].source
    if len(ins) == 1 and len(j.successors(before)) == 1 and j.step(before).split == "xor":
        split = before
        steps[pos[split]] = replace(j.step(split), split="and")
        lead = [replace(ins[0], target=first)]  # keeps the handoff into the first step
        redirected = []
    else:
        split = _unique_id(j, f"{first}_split")
        gate = Step(
            split,
            j.step(before).agency,
            _GATEWAY,
            name=f"Dispatch the dossier ({len(order)} parallel steps)",
            split="and",
            stage=j.step(first).stage,
        )
        steps.insert(pos[first], gate)
        lead = [Transition(split, first)]
        redirected = [replace(t, target=split) for t in ins]
    lead += [replace(inside[i], source=split, probability=1.0) for i in range(1, len(order))]
    after = outs[0].target
    if len(outs) == 1 and len(j.predecessors(after)) == 1 and j.step(after).join == "xor":
        join = after
        steps[steps.index(j.step(join))] = replace(j.step(join), join="and")
        leave = [replace(outs[0], source=s, probability=1.0) for s in order]
        onward = []
    else:
        join = _unique_id(j, f"{last}_join")
        gate = Step(
            join,
            j.step(after).agency,
            _GATEWAY,
            name=f"Wait for the {len(order)} parallel steps",
            join="and",
            stage=j.step(last).stage,
        )
        steps.insert(steps.index(j.step(last)) + 1, gate)
        leave = [Transition(s, join) for s in order]
        onward = [replace(t, source=join) for t in outs]
    transitions: list[Transition] = []
    for t in j.transitions:
        if t in ins:
            transitions += redirected[ins.index(t) : ins.index(t) + 1] if redirected else []
            if t is ins[-1]:
                transitions += lead
        elif t in outs:
            transitions += leave if t is outs[0] else []
            transitions += onward[outs.index(t) : outs.index(t) + 1]
        elif t not in inside.values():
            transitions.append(t)
    out = replace(j, steps=tuple(steps), transitions=tuple(transitions))
    changes = [
        f"{names} now run in parallel: {_label(out, split)} sends the case to all of them at once,"
        f" and {_label(out, join)} waits until all are done."
    ]
    for gate_id in (split, join):
        if gate_id not in j.step_ids:
            changes.append(f"New routing step {_label(out, gate_id)} (1 minute).")
    return _finish(j, out, op, changes)


def _sd(d: Distribution) -> float:
    """Standard deviation of a duration distribution (minutes)."""
    p = d.params
    if d.dist == "fixed":
        return 0.0
    if d.dist == "exponential":
        return float(p["mean"])
    if d.dist in ("lognormal", "gamma"):
        return float(p["sd"])
    if d.dist == "triangular":
        a, c, b = float(p["low"]), float(p["mode"]), float(p["high"])
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0)
    if d.dist == "uniform":
        return (float(p["high"]) - float(p["low"])) / math.sqrt(12.0)
    return statistics.pstdev(float(x) for x in p["samples"])  # empirical


def merge(
    journey: Journey, step_ids: Iterable[str], *, new_id: str | None = None, name: str | None = None
) -> Redesign:
    """Merge consecutive steps of one agency into one step (integration).

    The steps may not happen at two different doors. The merged step takes the
    id of the first step (or ``new_id``), the pool of the first step that has
    one, the door of the one that has one (the citizen is present when at any
    part), the summed fee and the union of the documents.
    Its duration has the summed mean and the standard deviation
    ``sqrt(sum sd^2)`` (independent parts): a lognormal, or a fixed duration
    when every part is fixed.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> j = load_catalog("business-licence")
    >>> r = merge(j, ["submit", "doic_review"], name="Submit and review")
    >>> s = r.journey.step("submit")
    >>> s.duration.dist, s.duration.mean, round(s.duration.params["sd"] ** 2, 6)
    ('lognormal', 65.0, 464.0)
    >>> [t.source for t in r.journey.predecessors("submit")]
    ['village_cert', 'submit']
    """
    op = "merge"
    j = journey
    order = _chain(j, step_ids, op)
    parts = [j.step(s) for s in order]
    for key, what in (("agency", "agencies"), ("door", "offices")):
        values = [v for v in dict.fromkeys(getattr(s, key) for s in parts) if v is not None]
        if len(values) > 1:
            raise RedesignError(
                j.id, op, f"the steps belong to different {what} ({', '.join(values)})"
            )
    new_id = new_id or order[0]
    if new_id in j.step_ids and new_id not in order:
        raise RedesignError(j.id, op, f"step id {new_id!r} is already used")
    mean = math.fsum(s.duration.mean for s in parts)
    sd = math.sqrt(math.fsum(_sd(s.duration) ** 2 for s in parts))
    duration = (
        Distribution("lognormal", {"mean": mean, "sd": sd}) if sd else Distribution.fixed(mean)
    )
    merged = replace(
        parts[0],
        id=new_id,
        name=name or " + ".join(s.label for s in parts),
        pool=next((s.pool for s in parts if s.pool), None),
        duration=duration,
        fee=math.fsum(s.fee for s in parts),
        documents=tuple(dict.fromkeys(d for s in parts for d in s.documents)),
        door=next((s.door for s in parts if s.door), None),
        citizen_present=any(s.citizen_present for s in parts),
        split=parts[-1].split,
    )
    members = set(order)
    links = set(zip(order, order[1:]))
    steps = tuple(
        merged if s.id == order[0] else s for s in j.steps if s.id not in members - {order[0]}
    )
    transitions = []
    for t in j.transitions:
        if (t.source, t.target) in links:
            continue  # inside the merged step; a loop back to its start stays, on itself
        src = new_id if t.source in members else t.source
        transitions.append(
            replace(t, source=src, target=new_id if t.target in members else t.target)
        )
    out = replace(
        j,
        start=new_id if j.start in members else j.start,
        steps=steps,
        transitions=tuple(transitions),
    )
    was = " + ".join(f"{s.duration.mean:g}" for s in parts)
    changes = [
        f"Steps {_names([_label(j, s) for s in order])} are merged into one step"
        f" {_label(out, new_id)}: {mean:g} minutes on average (was {was})."
    ]
    return _finish(j, out, op, changes)

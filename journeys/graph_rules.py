"""The rules of :func:`journeys.validate.validate` on the graph of steps and transitions.

A journey must be able to *run*: every case that starts must be able to finish.
The rules, each reported at the field to change:

* every step is reachable from ``start`` and there is an end (a step without
  outgoing transitions);
* **every loop can be left**: from every step an end can be reached through
  transitions of positive probability. A rework loop sent back with
  probability 1 (its way out has probability 0) never ends; one sent back with
  probability 0.999 is accepted (a case passes it 1,000 times on average);
* the branch probabilities out of an ``xor`` step sum to 1;
* an ``and``-split has 2 or more branches, no probabilities other than 1, and
  its branches first meet (their nearest common post-dominator) at a
  ``join: and`` step, which has 2 or more incoming transitions;
* a **parallel block** (the steps between an and-split and its join) is entered
  only through its split and left only through its join: no transition leads
  into a branch from outside, back to the split from a branch, or into a
  branch or the join from the join onwards. Otherwise the join would wait for a
  branch that never comes, or count one that its split did not start. An
  exclusive choice inside a branch may reach the join by several transitions:
  the branch still arrives once (:func:`join_arrivals`).

A rework loop around a whole parallel block (from the join or after it, back
to the split or before it) is allowed.

Examples
--------
>>> from journeys.model import Agency, Distribution, Journey, Step, Transition
>>> step = lambda i: Step(i, "a", Distribution.fixed(5))
>>> j = Journey("j", "J", "x", (step("x"), step("y"), step("z")),
...             (Transition("x", "y"), Transition("y", "x", 1.0), Transition("y", "z", 0.0)),
...             agencies=(Agency("a"),))
>>> for p in graph_problems(j):
...     print(p)
steps.x: no end can be reached from this step with positive probability; its paths only loop among: x, y (the ways out have probability 0: transitions[2] to z)
steps.y: no end can be reached from this step with positive probability; its paths only loop among: x, y (the ways out have probability 0: transitions[2] to z)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from journeys.errors import Problem
from journeys.model import Journey

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from journeys.model import Step, Transition

__all__ = ["graph_problems", "join_arrivals"]

_TOLERANCE = 1e-6
_SINK = ("", "end")  # virtual end node; step ids are text, so it cannot clash

_NEVER_ENDS = "the journey never ends: every step has an outgoing transition (an end has none)"
_UNREACHABLE = "unreachable from the start step {!r} (no transition leads here from it)"
_STUCK = "no end can be reached from this step; its paths only loop among: {}"
_STUCK_ZERO = (
    "no end can be reached from this step with positive probability; its paths only loop"
    " among: {} (the ways out have probability 0: {})"
)
_SUM = "branch probabilities sum to {}, not 1 ({})"
_FEW_BRANCHES = "an and-split needs 2 or more outgoing transitions; this step has {}"
_SPLIT_PROB = "and-split {} takes every branch: leave the probability out or set it to 1, got {}"
_NEVER_MEET = "this and-split's branches never meet again; add a `join: and` step they all reach"
_MEET_XOR = "this and-split's branches first meet at {!r}, not an and-join; set `join: and` on it"
_FEW_JOINED = "an and-join needs 2 or more incoming transitions; this step has {}"
_NO_SPLIT = (
    "no and-split's branches meet here, so `join: and` would wait for a branch that never comes;"
    " use `join: xor` for a simple merge"
)
_INTO_BLOCK = (
    "leads from outside into a branch of the parallel block {!r} -> {!r}; the join would wait"
    " for branches its split did not start (lead to the split instead)"
)
_BACK_TO_SPLIT = (
    "leads from a branch of the parallel block {!r} -> {!r} back to its split, which would start"
    " the branches again while the others go on; loop back from the join or after it instead"
)
_REENTER = (
    "leads from the join of the parallel block {!r} -> {!r} or after it back into one branch;"
    " the join would wait for the other branches, which do not run again (loop back to the"
    " split instead)"
)
_INTO_JOIN = (
    "leads from outside the parallel block {!r} -> {!r} into its join, which would count it as"
    " a branch; lead to the split instead"
)
_REJOIN = (
    "leads back into the join of the parallel block {!r} -> {!r} from after it; the join would"
    " wait for branches that do not run again (loop back to the split instead)"
)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def graph_problems(j: Journey) -> Iterator[Problem]:
    """The problems of the journey's graph (see the module notes for the rules).

    Transitions to or from unknown steps are left out (they are reported by the
    rules on fields).
    """
    import networkx as nx

    ids = list(dict.fromkeys(j.step_ids))  # unique, in file order
    if not ids:
        yield Problem("steps", "a journey needs at least one step")
        return
    known = set(ids)
    edges = [(i, t) for i, t in enumerate(j.transitions) if {t.source, t.target} <= known]
    step = {s.id: s for s in reversed(j.steps)}  # the first step of a repeated id
    g = nx.DiGraph()
    g.add_nodes_from(ids)
    g.add_edges_from((t.source, t.target) for _, t in edges)
    outgoing: dict[str, list[tuple[int, Transition]]] = {s: [] for s in ids}
    for i, t in edges:
        outgoing[t.source].append((i, t))

    if j.start not in known:
        from journeys.validate import _ref

        yield from _ref("start", j.start, "step", "steps", known)
    else:
        reached = nx.descendants(g, j.start) | {j.start}
        for s in ids:
            if s not in reached:
                yield Problem(f"steps.{s}", _UNREACHABLE.format(j.start))

    ends = [s for s in ids if g.out_degree(s) == 0]
    if not ends:
        yield Problem("transitions", _NEVER_ENDS)
    sums = []
    for s in ids:
        if step[s].split != "xor" or not outgoing[s]:
            continue
        probs = [t.probability for _, t in outgoing[s]]
        total = math.fsum(p for p in probs if isinstance(p, (int, float)))
        if abs(total - 1.0) > _TOLERANCE:
            parts = ", ".join(
                f"transitions[{i}] to {t.target}: {t.probability}" for i, t in outgoing[s]
            )
            sums.append(Problem(f"steps.{s}", _SUM.format(_fmt(total), parts)))
    # with probabilities out of 0..1 or not summing to 1, "no positive way out" means nothing
    odds = not sums and all(_number(t.probability) and 0 <= t.probability <= 1 for _, t in edges)
    yield from _stuck(g, ids, ends, step, edges, positive=odds)
    yield from sums

    yield from _parallel(g, ids, ends, step, outgoing)


def _stuck(
    g: nx.DiGraph,
    ids: list[str],
    ends: list[str],
    step: dict[str, Step],
    edges: list[tuple[int, Transition]],
    *,
    positive: bool,
) -> Iterator[Problem]:
    """Steps from which no end is reached, at all or (``positive``) with positive probability."""
    import networkx as nx

    if not ends:
        return
    # an and-split takes every branch (its probabilities are checked elsewhere)
    live = nx.DiGraph()
    live.add_nodes_from(ids)
    live.add_edges_from(
        (t.source, t.target)
        for _, t in edges
        if step[t.source].split == "and" or (_number(t.probability) and t.probability > 0)
    )
    finishing = _reaching(g, ends)
    leaving = _reaching(live, ends) if positive else finishing
    stuck = [s for s in ids if s not in leaving]
    if not stuck:
        return
    blocked = [s for s in stuck if s not in finishing]
    looping = [s for s in stuck if s in finishing]
    for s in stuck:
        if s in finishing:
            exits = [
                f"transitions[{i}] to {t.target}"
                for i, t in edges
                if t.source in looping and t.target in leaving
            ]
            exits = exits or [
                f"transitions[{i}] to {t.target}"
                for i, t in edges
                if t.source in looping and t.target not in looping
            ]
            yield Problem(f"steps.{s}", _STUCK_ZERO.format(", ".join(looping), ", ".join(exits)))
        else:
            yield Problem(f"steps.{s}", _STUCK.format(", ".join(blocked)))


def _reaching(g: nx.DiGraph, targets: list[str]) -> set[str]:
    """The targets and every node with a path to one of them."""
    import networkx as nx

    r = g.reverse(copy=True)
    r.add_edges_from((_SINK, t) for t in targets)
    return nx.descendants(r, _SINK)


def _parallel(
    g: nx.DiGraph,
    ids: list[str],
    ends: list[str],
    step: dict[str, Step],
    outgoing: dict[str, list[tuple[int, Transition]]],
) -> Iterator[Problem]:
    """And-splits must meet again at an and-join: their nearest common post-dominator."""
    import networkx as nx

    splits = [s for s in ids if step[s].split == "and"]
    joins = [s for s in ids if step[s].join == "and"]
    if not splits and not joins:
        return
    # post-dominators are the dominators of the reversed graph, seen from a
    # virtual node that every end leads to
    r = g.reverse(copy=True)
    r.add_edges_from((_SINK, e) for e in ends)
    ipdom = nx.immediate_dominators(r, _SINK) if ends else {}
    met: dict[str, list[str]] = {}
    for s in splits:
        branches = outgoing[s]
        if len(branches) < 2:
            yield Problem(f"steps.{s}.split", _FEW_BRANCHES.format(len(branches)))
        for i, t in branches:
            if t.probability != 1:
                yield Problem(f"transitions[{i}].probability", _SPLIT_PROB.format(s, t.probability))
        if len(branches) < 2 or s not in ipdom:
            continue  # no branches to join, or stuck (reported above)
        meet = ipdom[s]
        if meet == _SINK:
            yield Problem(f"steps.{s}.split", _NEVER_MEET)
        elif step[meet].join != "and":
            yield Problem(f"steps.{s}.split", _MEET_XOR.format(meet))
        else:
            met.setdefault(meet, []).append(s)
    for s in joins:
        n = g.in_degree(s)
        if n < 2:
            yield Problem(f"steps.{s}.join", _FEW_JOINED.format(n))
        elif s not in met:
            yield Problem(f"steps.{s}.join", _NO_SPLIT)
    for join, opened in met.items():
        yield from _block(g, join, opened, outgoing)


def _block(
    g: nx.DiGraph,
    join: str,
    splits: list[str],
    outgoing: dict[str, list[tuple[int, Transition]]],
) -> Iterator[Problem]:
    """A parallel block is entered by its split only and left by its join only."""
    import networkx as nx

    after = nx.descendants(g.subgraph(n for n in g if n not in splits), join) | {join}
    block: set[str] = set(splits)
    for s in splits:
        inner = g.subgraph(n for n in g if n not in (s, join))
        inside: set[str] = set()
        for t in g.successors(s):
            if t != join:
                inside |= nx.descendants(inner, t) | {t}
        block |= inside
        for n in g:
            for i, t in outgoing[n]:
                if n in inside and t.target == s:
                    yield Problem(f"transitions[{i}]", _BACK_TO_SPLIT.format(s, join))
                elif n not in inside and n != s and t.target in inside:
                    rule = _REENTER if n in after else _INTO_BLOCK
                    yield Problem(f"transitions[{i}]", rule.format(s, join))
    for n in g.predecessors(join):
        if n not in block:
            rule = _REJOIN if n in after else _INTO_JOIN
            i = next(i for i, t in outgoing[n] if t.target == join)
            yield Problem(f"transitions[{i}]", rule.format(splits[0], join))


def join_arrivals(j: Journey) -> dict[str, int]:
    """How many branches arrive at each and-join of a valid journey, per pass of its split.

    One per branch of the and-split(s) whose branches first meet there; an
    exclusive choice inside a branch may reach the join by several transitions,
    and the branch still arrives once. The simulator waits for this many.

    Examples
    --------
    >>> from journeys.model import Agency, Distribution, Journey, Step, Transition
    >>> st = lambda i, **kw: Step(i, "a", Distribution.fixed(5), **kw)
    >>> j = Journey("j", "J", "s",
    ...     (st("s", split="and"), st("p"), st("q"), st("r"), st("w", join="and")),
    ...     (Transition("s", "p"), Transition("s", "q"), Transition("p", "r", 0.5),
    ...      Transition("p", "w", 0.5), Transition("r", "w"), Transition("q", "w")),
    ...     agencies=(Agency("a"),))
    >>> join_arrivals(j)  # three transitions into w, two branches
    {'w': 2}
    """
    import networkx as nx

    g = j.graph()
    r = g.reverse(copy=True)
    r.add_edges_from((_SINK, e) for e in j.ends)
    ipdom = nx.immediate_dominators(r, _SINK)
    out = {s.id: 0 for s in j.steps if s.join == "and"}
    for s in j.steps:
        meet = ipdom.get(s.id)
        if s.split == "and" and meet in out:
            out[meet] += g.out_degree(s.id) - 1
    return {k: n + 1 if n else g.in_degree(k) for k, n in out.items()}

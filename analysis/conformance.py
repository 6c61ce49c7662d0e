"""Does the log follow the journey? Share of conforming cases and the main deviations.

Activities are matched to the journey's steps by step id, else by step name
(exact text). A case *conforms* when

1. every activity matches a step (unless ``ignore_unknown=True``, which drops
   unmatched events first),
2. its first step is the journey's start step,
3. its last step is an end of the journey (a step without outgoing
   transitions), and
4. every pair of consecutive steps is allowed: a journey transition, or two
   steps that run in parallel (reached from different branches of an
   ``and`` split and not ordered by the journey).

This is a directly-follows check, not a full replay: for journeys with
parallel branches it accepts any interleaving of the branches and does not
notice a branch that never ran. Deviations are reported by kind:

* ``unknown activity``: an activity that matches no step;
* ``missing start``: the case starts somewhere else than the start step;
* ``not finished``: the last step is not an end of the journey;
* ``skipped steps``: ``a -> b`` where the journey goes from ``a`` to ``b``
  only through other steps (listed in ``detail``, along a shortest path);
* ``unexpected order``: ``a -> b`` where the journey never leads from ``a``
  to ``b`` (going back without a rework loop, for instance);
* ``repeated step``: ``a -> a`` where the journey has no such loop.

Examples
--------
>>> import pandas as pd
>>> from journeys.model import Distribution, Journey, Step, Transition
>>> d = Distribution.fixed(5)
>>> j = Journey("j", "J", "a", (Step("a", "x", d), Step("b", "x", d), Step("c", "y", d)),
...             (Transition("a", "b"), Transition("b", "c")))
>>> log = pd.DataFrame({"case:concept:name": ["1", "1", "1", "2", "2"],
...     "concept:name": ["a", "b", "c", "a", "c"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
...         "2024-01-01 10:00", "2024-01-01 08:00", "2024-01-01 09:00"], utc=True),
...     "org:group": ["x", "x", "y", "x", "y"]})
>>> result = conformance(log, j)
>>> result.share
0.5
>>> result.deviations[["kind", "source", "target", "detail", "cases"]]
            kind source target detail  cases
0  skipped steps      a      c      b      1
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.bottlenecks import _case_codes, _first_last_mask, _flow_order, _require, prepare
from analysis.handoffs import step_of
from analysis.schema import ACTIVITY, CASE

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = ["DEVIATION_KINDS", "Conformance", "allowed_pairs", "conformance"]

#: The kinds of deviation, in the order they are checked.
DEVIATION_KINDS: tuple[str, ...] = (
    "unknown activity",
    "missing start",
    "not finished",
    "skipped steps",
    "unexpected order",
    "repeated step",
)


@dataclass(frozen=True, eq=False)
class Conformance:
    """How well a log follows a journey.

    Attributes
    ----------
    journey : str
        The journey id.
    cases, conforming : int
        Cases in the log, and those that follow the journey.
    share : float
        ``conforming / cases``.
    matched_share : float
        Share of events whose activity matches a journey step.
    per_case : pandas.DataFrame
        Indexed by case id: ``events``, ``unknown`` (unmatched events),
        ``starts_ok``, ``ends_ok``, ``bad_pairs``, ``conforms``.
    deviations : pandas.DataFrame
        ``kind, source, target, detail, cases, occurrences, case_share``,
        most widespread first.
    """

    journey: str
    cases: int
    conforming: int
    share: float
    matched_share: float
    per_case: pd.DataFrame
    deviations: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (the per-case table is left out)."""
        rows = self.deviations.astype(object).where(self.deviations.notna(), None)
        return {
            "journey": self.journey,
            "cases": int(self.cases),
            "conforming": int(self.conforming),
            "share": None if math.isnan(self.share) else float(self.share),
            "matched_share": None if math.isnan(self.matched_share) else float(self.matched_share),
            "deviations": rows.to_dict(orient="records"),
        }


def allowed_pairs(journey: Journey) -> set[tuple[str, str]]:
    """Pairs of step ids that may follow each other directly in a conforming case.

    The journey's transitions, plus pairs of steps that run in parallel:
    reached from two different branches of an ``and`` split, neither
    reachable from the other.

    Examples
    --------
    >>> from journeys.model import Distribution, Journey, Step, Transition
    >>> d = Distribution.fixed(1)
    >>> steps = (Step("s", "x", d, split="and"), Step("p", "x", d), Step("q", "y", d),
    ...          Step("e", "x", d, join="and"))
    >>> tr = (Transition("s", "p"), Transition("s", "q"), Transition("p", "e"),
    ...       Transition("q", "e"))
    >>> sorted(allowed_pairs(Journey("j", "J", "s", steps, tr)))
    [('p', 'e'), ('p', 'q'), ('q', 'e'), ('q', 'p'), ('s', 'p'), ('s', 'q')]
    """
    import networkx as nx

    g = journey.graph()
    pairs = {(t.source, t.target) for t in journey.transitions}
    reach = {n: nx.descendants(g, n) for n in g.nodes}
    for step in journey.steps:
        if step.split != "and":
            continue
        branches = [{t.target} | reach[t.target] for t in journey.successors(step.id)]
        for i, left in enumerate(branches):
            for j, right in enumerate(branches):
                if i == j:
                    continue
                for x in left - right:
                    for y in right - left:
                        if y not in reach[x] and x not in reach[y]:
                            pairs.add((x, y))
    return pairs


def conformance(
    log: pd.DataFrame,
    journey: Journey,
    *,
    activity: str = ACTIVITY,
    ignore_unknown: bool = False,
    top: int | None = 20,
) -> Conformance:
    """Check every case of ``log`` against ``journey`` (see the module docstring).

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output), sorted by case then time.
    journey : Journey
        The journey the cases should follow.
    activity : str
        The column matched to step ids or names.
    ignore_unknown : bool
        Drop events whose activity matches no step before checking (for logs
        with bookkeeping events the journey does not model).
    top : int or None
        Keep this many deviations (all when ``None``).

    Returns
    -------
    Conformance

    Examples
    --------
    >>> import pandas as pd
    >>> from journeys.model import Journey
    >>> j = Journey.from_catalog("business-licence")
    >>> path = ["village_cert", "submit", "doic_review", "police_clearance",
    ...         "site_inspection", "tax_registration", "doic_approval", "collect_licence"]
    >>> log = pd.DataFrame({"case:concept:name": ["c1"] * 8,
    ...     "concept:name": path,
    ...     "time:timestamp": pd.date_range("2024-01-01", periods=8, freq="D", tz="UTC"),
    ...     "org:group": ["x"] * 8})
    >>> conformance(log, j).share
    1.0
    """
    ev = prepare(log)
    _require(ev, [activity])
    steps = list(journey.step_ids)
    index = {s: i for i, s in enumerate(steps)}
    labels = np.array([journey.step(s).label for s in steps], dtype=object)
    mapping = {a: index[s] for a, s in step_of(journey).items()}
    order = _flow_order(ev)
    acts = ev[activity].iloc[order]
    step = acts.map(mapping).fillna(-1).to_numpy(dtype=np.int64)
    codes = _case_codes(ev)[order]
    ncases = int(codes.max()) + 1 if len(codes) else 0
    case_ids = pd.unique(ev[CASE])
    events = np.bincount(codes, minlength=ncases)
    unknown_mask = step < 0
    unknown = np.bincount(codes[unknown_mask], minlength=ncases)
    rows: list[pd.DataFrame] = []
    if unknown_mask.any():
        u = pd.DataFrame({"source": acts.to_numpy()[unknown_mask], "case": codes[unknown_mask]})
        rows.append(_count(u, "unknown activity", ["source"]))

    keep = ~unknown_mask if ignore_unknown else np.ones(len(step), dtype=bool)
    kcodes, kstep = codes[keep], step[keep]
    first, last = _first_last_mask(kcodes)
    n = len(steps)
    start_ok = np.zeros(ncases, dtype=bool)
    start_ok[kcodes[first]] = kstep[first] == index[journey.start]
    end_ids = np.array([index[e] for e in journey.ends], dtype=np.int64)
    end_ok = np.zeros(ncases, dtype=bool)
    end_ok[kcodes[last]] = np.isin(kstep[last], end_ids)
    bad_first = first & (kstep != index[journey.start])
    if bad_first.any():
        f = pd.DataFrame(
            {
                "source": _label(kstep[bad_first], labels, acts, keep, bad_first),
                "case": kcodes[bad_first],
            }
        )
        f["target"] = journey.step(journey.start).label
        rows.append(_count(f, "missing start", ["source", "target"]))
    bad_last = last & ~np.isin(kstep, end_ids)
    if bad_last.any():
        f = pd.DataFrame(
            {
                "source": _label(kstep[bad_last], labels, acts, keep, bad_last),
                "case": kcodes[bad_last],
            }
        )
        rows.append(_count(f, "not finished", ["source"]))

    allowed = np.zeros((n + 1, n + 1), dtype=bool)  # the last row/column: unknown step
    for a, b in allowed_pairs(journey):
        allowed[index[a], index[b]] = True
    tgt = np.flatnonzero(kcodes[1:] == kcodes[:-1]) + 1
    src = tgt - 1
    s, t = kstep[src], kstep[tgt]
    both = (s >= 0) & (t >= 0)
    bad = both & ~allowed[s, t]
    bad_pairs = np.bincount(kcodes[tgt][bad], minlength=ncases)
    if bad.any():
        rows.extend(_pair_deviations(journey, steps, labels, s[bad], t[bad], kcodes[tgt][bad]))

    conforms = start_ok & end_ok & (bad_pairs == 0)
    if not ignore_unknown:
        conforms &= unknown == 0
    per_case = pd.DataFrame(
        {
            "events": events,
            "unknown": unknown,
            "starts_ok": start_ok,
            "ends_ok": end_ok,
            "bad_pairs": bad_pairs,
            "conforms": conforms,
        },
        index=pd.Index(case_ids, name=CASE),
    )
    columns = ["kind", "source", "target", "detail", "cases", "occurrences", "case_share"]
    if rows:
        dev = pd.concat(rows, ignore_index=True)
        dev["case_share"] = dev["cases"] / max(ncases, 1)
        order = {k: i for i, k in enumerate(DEVIATION_KINDS)}
        dev["_k"] = dev["kind"].map(order)
        dev = dev.sort_values(
            ["cases", "occurrences", "_k"], ascending=[False, False, True], kind="stable"
        )
        dev = dev[columns].reset_index(drop=True)
        if top is not None:
            dev = dev.head(top)
    else:
        dev = pd.DataFrame(columns=columns)
    total = int(conforms.sum())
    return Conformance(
        journey=journey.id,
        cases=ncases,
        conforming=total,
        share=total / ncases if ncases else math.nan,
        matched_share=float((~unknown_mask).mean()) if len(step) else math.nan,
        per_case=per_case,
        deviations=dev,
    )


def _label(
    kstep: np.ndarray, labels: np.ndarray, acts: pd.Series, keep: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """Step labels, or the raw activity where the step is unknown."""
    raw = acts.to_numpy()[keep][mask]
    return np.where(kstep >= 0, labels[np.maximum(kstep, 0)], raw)


def _count(frame: pd.DataFrame, kind: str, keys: list[str]) -> pd.DataFrame:
    g = frame.groupby(keys, sort=False, dropna=False)["case"]
    out = pd.DataFrame({"cases": g.nunique(), "occurrences": g.size()}).reset_index()
    out.insert(0, "kind", kind)
    for col in ("source", "target", "detail"):
        if col not in out.columns:
            out[col] = ""
    return out


def _pair_deviations(
    journey: Journey,
    steps: list[str],
    labels: np.ndarray,
    s: np.ndarray,
    t: np.ndarray,
    cases: np.ndarray,
) -> list[pd.DataFrame]:
    """Classify disallowed pairs as skipped steps or unexpected order."""
    import networkx as nx

    g = journey.graph()
    frame = pd.DataFrame({"s": s, "t": t, "case": cases})
    grouped = frame.groupby(["s", "t"], sort=False)["case"]
    counts = pd.DataFrame({"cases": grouped.nunique(), "occurrences": grouped.size()})
    counts = counts.reset_index()
    kinds, details = [], []
    # One shortest-path look-up per distinct pair of steps (a journey has a few dozen).
    for a, b in zip(counts["s"], counts["t"]):
        if a == b:
            kinds.append("repeated step")
            details.append("")
            continue
        try:
            path = nx.shortest_path(g, steps[a], steps[b])
        except nx.NetworkXNoPath:
            kinds.append("unexpected order")
            details.append("")
            continue
        kinds.append("skipped steps")
        details.append(", ".join(journey.step(p).label for p in path[1:-1]))
    counts["kind"] = kinds
    counts["detail"] = details
    counts["source"] = labels[counts["s"].to_numpy()]
    counts["target"] = labels[counts["t"].to_numpy()]
    return [counts[["kind", "source", "target", "detail", "cases", "occurrences"]]]

"""Walking the journey: the citizen's path step by step, as a table.

:func:`walk` lists the steps of one path through a journey with, for each, the
office and agency, what the citizen does or waits for, how the papers move to
the next step, the expected time and fee, and the number of the visit to an
office it belongs to. Three kinds of path:

* ``how="likely"`` (the default): the most likely path. At each exclusive
  branch the most probable transition to a step not walked yet is taken, so a
  rework loop is walked at most once and left by its most likely exit;
* ``how="sample"``: a path drawn at random with ``seed``, loops included;
* ``path=[...]``: a path given by its step ids, checked link by link.

The branches of a parallel (``and``) split are listed one after another, each
up to the join, and the join once after them. Visits are numbered with the rule
of :mod:`journeys.metrics`: a citizen-present step begins a new visit unless it
directly follows a citizen-present step at the same office with no carrier.

:func:`format_walk` prints the table for a terminal; :func:`walk_summary` sums it up.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> df = walk(load_catalog("business-licence"))
>>> df["step"].tolist()[:4]
['village_cert', 'submit', 'doic_review', 'police_clearance']
>>> df["visit"].tolist()[:4]
[1, 2, <NA>, 3]
>>> print(df.loc[1, "citizen"])
At DOIC front office: Submit application (brings: application form, residence certificate, ID card, lease contract); pays 50,000 LAK
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from journeys.display import _carrier_text, _citizen_text, _duration, _plural
from journeys.errors import InputError, JourneyError, Problem
from journeys.model import Journey, Transition

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["COLUMNS", "format_walk", "walk", "walk_summary"]

#: Columns of the table made by :func:`walk`, in order.
COLUMNS: tuple[str, ...] = (
    "visit",
    "step",
    "name",
    "door",
    "agency",
    "citizen",
    "carrier",
    "minutes",
    "fee",
    "documents",
    "handoff",
    "delay_minutes",
)

_HOW = ("likely", "sample")
_CITIZEN_HEAD = "What the citizen does or waits for"


class _Row(NamedTuple):
    step: str
    into: tuple[Transition, ...]  # transitions the case arrived by
    out: tuple[Transition, ...]  # transitions it leaves by (several after an and-split)


def walk(
    journey: Journey,
    *,
    path: Sequence[str] | None = None,
    how: str = "likely",
    seed: int | None = None,
    max_steps: int = 50,
) -> pd.DataFrame:
    """The citizen's path through a journey, one row per step.

    Parameters
    ----------
    journey : Journey
        A valid journey; it is not changed.
    path : sequence of str, optional
        Step ids to walk, in order. Each step must be linked to the one before
        it, or be the next branch of a parallel split walked earlier in the path.
    how : {"likely", "sample"}
        Without ``path``: the most likely path, or a path sampled with ``seed``.
    seed : int, optional
        Seed of the random path (``how="sample"``).
    max_steps : int
        The walk stops after this many rows (a sampled path can loop for long);
        ``df.attrs["truncated"]`` then says so.

    Returns
    -------
    Walk
        A :class:`pandas.DataFrame` (a :class:`~journeys.walk_table.Walk`, shown
        in a notebook as the readable walk of :func:`journeys.display.walk_html`;
        ``.frame`` gives the plain DataFrame). Columns :data:`COLUMNS`: ``visit`` (visit number; ``<NA>`` for a
        back-office step), ``step`` (id), ``name``, ``door`` and ``agency``
        (names), ``citizen`` (what the citizen does or waits for, in words),
        ``carrier`` (how the papers move to the next step, in words),
        ``minutes`` (expected duration), ``fee``, ``documents`` (comma
        separated), ``handoff`` (the carrier: ``citizen``, ``courier``,
        ``digital``, or empty for the next desk; comma separated after a
        parallel split) and ``delay_minutes`` (expected delay to the next step).
        ``df.attrs`` holds ``journey``, ``journey_name``, ``currency``, ``how``
        (``likely``, ``sample`` or ``path``), ``seed`` and ``truncated``.

    Raises
    ------
    InputError
        For an unknown ``how``, an unknown step in ``path`` or two consecutive
        steps of ``path`` that are not linked (the message names the pair).

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> j = load_catalog("business-licence")
    >>> df = walk(j, path=["village_cert", "submit", "doic_review", "submit"])
    >>> df["visit"].tolist(), df["fee"].tolist()
    ([1, 2, <NA>, 3], [20000.0, 50000.0, 0.0, 50000.0])
    >>> walk(j, path=["submit", "collect_licence"])
    Traceback (most recent call last):
    ...
    journeys.errors.JourneyError: business-licence: path: no transition from 'submit' (step 1) to 'collect_licence' (step 2)
    >>> walk(j, how="sample", seed=3).equals(walk(j, how="sample", seed=3))
    True
    """
    import numpy as np

    from journeys.metrics import _check

    if how not in _HOW:
        raise InputError(f"how: must be 'likely' or 'sample', got {how!r}")
    if max_steps < 1:
        raise InputError(f"max_steps: must be >= 1, got {max_steps}")
    _check(journey)
    if path is not None:
        rows, kind = _given(journey, [str(s) for s in path]), "path"
    elif how == "likely":
        rows, kind = _Walker(journey, max_steps).likely(), "likely"
    else:
        rows, kind = _Walker(journey, max_steps).sample(np.random.default_rng(seed)), "sample"
    truncated = len(rows) > max_steps or (kind != "path" and _unfinished(journey, rows))
    rows = rows[:max_steps]
    from journeys.walk_table import Walk

    df = Walk(_table(journey, rows))
    df.attrs.update(
        journey=journey.id,
        journey_name=journey.name,
        currency=journey.currency,
        how=kind,
        seed=seed if kind == "sample" else None,
        truncated=bool(truncated),
    )
    return df


def walk_summary(df: pd.DataFrame) -> dict[str, Any]:
    """Totals of a walk: steps, visits, offices, agencies, citizen handoffs, fees, touch time.

    Parameters
    ----------
    df : pandas.DataFrame
        A table made by :func:`walk`.

    Returns
    -------
    dict
        ``steps``, ``visits`` (the highest visit number), ``doors`` (distinct
        offices visited), ``agencies``, ``citizen_handoffs`` (papers carried by
        the citizen), ``fees``, ``touch_minutes`` (sum of expected durations)
        and ``citizen_minutes`` (the part spent with the citizen present).

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> s = walk_summary(walk(load_catalog("business-licence")))
    >>> s["visits"], s["doors"], s["fees"], s["touch_minutes"]
    (5, 4, 400000.0, 305.0)
    """
    present = df["visit"].notna()
    visits = df.loc[present, "visit"]
    handoffs = [h for cell in df["handoff"] for h in str(cell).split(",")]
    return {
        "steps": len(df),
        "visits": int(visits.max()) if len(visits) else 0,
        "doors": int(df.loc[present, "door"].nunique()),
        "agencies": int(df["agency"].nunique()),
        "citizen_handoffs": handoffs.count("citizen"),
        "fees": float(df["fee"].sum()),
        "touch_minutes": float(df["minutes"].sum()),
        "citizen_minutes": float(df.loc[present, "minutes"].sum()),
    }


def format_walk(df: pd.DataFrame, *, journey: Journey | None = None, width: int = 100) -> str:
    """The walk as a plain-text table for a terminal, with totals at the bottom.

    Parameters
    ----------
    df : pandas.DataFrame
        A table made by :func:`walk`.
    journey : Journey, optional
        The journey walked: its name heads the table, and the exact expected
        figures over all paths (:func:`journeys.metrics.static_metrics`) are
        added under the totals of the path.
    width : int
        Line width; text columns are wrapped to fit (at least 80).

    Returns
    -------
    str
        Lines of at most ``width`` characters, without a final newline.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> j = load_catalog("business-licence")
    >>> text = format_walk(walk(j), journey=j)
    >>> print(text.splitlines()[0])
    Enterprise licence registration (as-is, four offices, five agencies)
    >>> max(len(line) for line in text.splitlines()) <= 100
    True
    >>> for line in text.splitlines()[-8:-2]:
    ...     print(line)
    Totals on this path:
      Visits:         5 visits to 4 offices
      Agencies:       5
      Fees:           400,000 LAK
      Touch time:     5 h 5 min of work, 1 h 40 min of it with the citizen
      Papers carried: by the citizen 5 times
    """
    import pandas as pd

    width = max(80, int(width))
    name = journey.name if journey is not None else str(df.attrs.get("journey_name", ""))
    currency = journey.currency if journey is not None else str(df.attrs.get("currency", ""))
    intro = {
        "likely": "The citizen's most likely path (a rework loop is shown at most once).",
        "sample": f"A path drawn at random (seed {df.attrs.get('seed')}), rework loops included.",
        "path": "The path asked for.",
    }.get(str(df.attrs.get("how", "")), "")
    lines = [line for line in (name, intro) if line]
    lines += textwrap.wrap(
        "Visit: number of the citizen's trip to an office (blank: back-office work without the"
        f" citizen). Min: expected minutes of work at the step. Fee in {currency or 'the currency'}.",
        width,
    )
    lines.append("")

    # fixed columns; the three text columns share what is left of the width
    w_visit, w_min, w_fee = 5, 4, 9
    free = width - w_visit - w_min - w_fee - 2 * 5
    w_agency = max(14, free * 21 // 100)
    w_then = max(16, free * 30 // 100)
    w_citizen = free - w_agency - w_then

    def line(*cells: str) -> str:
        visit, agency, citizen, then, minutes, fee = cells
        return (
            f"{visit:>{w_visit}}  {agency:<{w_agency}}  {citizen:<{w_citizen}}  "
            f"{then:<{w_then}}  {minutes:>{w_min}}  {fee:>{w_fee}}"
        ).rstrip()

    heads = [
        textwrap.wrap(h, w)
        for h, w in (("Agency", w_agency), (_CITIZEN_HEAD, w_citizen), ("Then", w_then))
    ]
    for i in range(max(len(h) for h in heads)):
        texts = [h[i] if i < len(h) else "" for h in heads]
        lines.append(
            line("Visit" if i == 0 else "", *texts, *(("Min", "Fee") if i == 0 else ("", "")))
        )
    rule = "-" * width
    lines.append(rule)
    for k, r in enumerate(df.itertuples(index=False)):
        agency = str(r.agency)
        citizen = str(r.citizen)
        if pd.isna(r.visit) and citizen.endswith(f" by {agency}"):
            citizen = citizen[: -len(f" by {agency}")]  # the agency column says it already
        columns = [
            textwrap.wrap(agency, w_agency),
            textwrap.wrap(citizen, w_citizen),
            textwrap.wrap(str(r.carrier) or ("journey ends" if k == len(df) - 1 else ""), w_then),
        ]
        first = (
            "" if pd.isna(r.visit) else str(int(r.visit)),
            f"{r.minutes:.0f}",
            f"{r.fee:,.0f}" if r.fee else "",
        )
        if k:
            lines.append("")
        for i in range(max(1, *(len(c) for c in columns))):
            texts = [c[i] if i < len(c) else "" for c in columns]
            if i == 0:
                lines.append(line(first[0], *texts, first[1], first[2]))
            else:
                lines.append(line("", *texts, "", ""))
    lines.append(rule)
    if df.attrs.get("truncated"):
        lines.append(f"(the walk stops here, after {len(df)} steps)")

    s = walk_summary(df)
    carried = s["citizen_handoffs"]
    totals = [
        ("Visits", f"{_plural(s['visits'], 'visit')} to {_plural(s['doors'], 'office')}"),
        ("Agencies", str(s["agencies"])),
        ("Fees", f"{s['fees']:,.0f} {currency}".strip()),
        (
            "Touch time",
            f"{_duration(s['touch_minutes'])} of work, {_duration(s['citizen_minutes'])}"
            " of it with the citizen",
        ),
        ("Papers carried", f"by the citizen {_plural(carried, 'time')}" if carried else "none"),
    ]
    lines.append("Totals on this path:")
    for label, value in totals:
        lines += textwrap.wrap(
            f"{label + ':':<16}{value}", width, initial_indent="  ", subsequent_indent=" " * 18
        )
    if journey is not None:
        from journeys.metrics import static_metrics

        m = static_metrics(journey)
        expected = (
            f"Expected over all cases, rework included: {m.visits:.2f} visits, "
            f"fees {m.fees:,.0f} {journey.currency}, citizen cost {m.citizen_cost:,.0f} "
            f"{journey.currency} (fees, travel and time off work)."
        )
        lines += textwrap.wrap(expected, width)
    return "\n".join(lines)


# ----- which steps ----------------------------------------------------------------------------


class _Walker:
    """Builds the rows of a likely or sampled walk (parallel branches one after another)."""

    def __init__(self, j: Journey, max_steps: int) -> None:
        from journeys.metrics import _matching_joins

        self.j = j
        self.limit = max_steps + 1  # one row past the limit marks the walk as truncated
        self.joins = _matching_joins(j)
        self.rows: list[_Row] = []
        self.seen: set[str] = set()
        self._dist: dict[str | None, dict[str, int]] = {}

    def likely(self) -> list[_Row]:
        self._run(self.j.start, (), None, self._most_likely)
        return self.rows

    def sample(self, rng: np.random.Generator) -> list[_Row]:
        def draw(outs: list[Transition], stop: str | None) -> Transition:
            u = rng.random()
            acc = 0.0
            for t in outs:
                acc += t.probability
                if u < acc:
                    return t
            return outs[-1]  # rounding: probabilities summing to 0.9999999

        self._run(self.j.start, (), None, draw)
        return self.rows

    def _run(self, sid: str, came: tuple[Transition, ...], stop: str | None, choose: Any) -> Any:
        """Walk from ``sid`` to an end or to ``stop``; the transitions that reached ``stop``."""
        while len(self.rows) < self.limit:
            if sid == stop:
                return came
            outs = self.j.successors(sid)
            self.seen.add(sid)
            if not outs:
                self.rows.append(_Row(sid, came, ()))
                return ()
            if self.j.step(sid).split == "and" and sid in self.joins:
                join = self.joins[sid]
                self.rows.append(_Row(sid, came, tuple(outs)))
                arrived: tuple[Transition, ...] = ()
                for t in outs:
                    arrived += self._run(t.target, (t,), join, choose)
                sid, came = join, arrived
                continue
            t = choose(outs, stop)
            self.rows.append(_Row(sid, came, (t,)))
            sid, came = t.target, (t,)
        return ()

    def _most_likely(self, outs: list[Transition], stop: str | None) -> Transition:
        ranked = sorted(outs, key=lambda t: -t.probability)  # stable: file order on ties
        fresh = [t for t in ranked if t.target not in self.seen or t.target == stop]
        if fresh:
            return fresh[0]
        # Every way out was walked already (a loop): head for the nearest exit.
        dist = self._distances(stop)
        return min(ranked, key=lambda t: dist.get(t.target, math.inf))

    def _distances(self, stop: str | None) -> dict[str, int]:
        """Steps from each step to ``stop`` (or to the nearest end)."""
        if stop not in self._dist:
            import networkx as nx

            r = self.j.graph().reverse(copy=False)
            sources = [stop] if stop is not None else list(self.j.ends)
            self._dist[stop] = dict(nx.multi_source_dijkstra_path_length(r, sources))
        return self._dist[stop]


def _given(j: Journey, path: list[str]) -> list[_Row]:
    """Rows of a path given by step ids, checked link by link."""
    if not path:
        raise JourneyError([Problem("path", "is empty: give at least one step")], source=j.id)
    known = set(j.step_ids)
    for k, sid in enumerate(path):
        if sid not in known:
            raise JourneyError(
                [Problem(f"path[{k}]", f"no step {sid!r} in this journey")], source=j.id
            )
    link = {(t.source, t.target): t for t in j.transitions}
    rows: list[_Row] = []
    for k, sid in enumerate(path):
        into: tuple[Transition, ...] = ()
        if k and (path[k - 1], sid) in link:
            into = (link[path[k - 1], sid],)
            if j.step(sid).join == "and":  # every branch walked so far arrives here
                into = tuple(t for t in j.predecessors(sid) if t.source in path[:k])
        elif k:
            # the next branch of a parallel split walked earlier in the path
            split = next(
                (s for s in reversed(path[:k]) if j.step(s).split == "and" and (s, sid) in link),
                None,
            )
            if split is None:
                bad = f"no transition from {path[k - 1]!r} (step {k}) to {sid!r} (step {k + 1})"
                raise JourneyError([Problem("path", bad)], source=j.id)
            into = (link[split, sid],)
        rows.append(_Row(sid, into, ()))
    # the transitions each step leaves by, towards later steps of the path
    out_rows = []
    for k, row in enumerate(rows):
        later = path[k + 1 :]
        if j.step(row.step).split == "and":
            out = tuple(t for t in j.successors(row.step) if t.target in later)
        elif later and (row.step, later[0]) in link:
            out = (link[row.step, later[0]],)
        else:  # the end of a parallel branch hands over to the join further down
            out = tuple(
                link[row.step, s]
                for s in later
                if (row.step, s) in link and j.step(s).join == "and"
            )[:1]
        out_rows.append(row._replace(out=out))
    return out_rows


def _unfinished(j: Journey, rows: list[_Row]) -> bool:
    """True when a generated walk stopped before reaching an end."""
    return not rows or rows[-1].step not in j.ends


# ----- the table ------------------------------------------------------------------------------


def _table(j: Journey, rows: list[_Row]) -> pd.DataFrame:
    import pandas as pd

    agencies = {a.id: a.name or a.id for a in j.agencies}
    doors = {d.id: d.name or d.id for d in j.doors}
    records = []
    visit = 0
    for k, row in enumerate(rows):
        s = j.step(row.step)
        number: int | None = None
        if s.citizen_present:
            stays = bool(row.into) and all(_stays(j, t) for t in row.into)
            if not stays:
                visit += 1
            number = visit
        nxt = rows[k + 1].step if k + 1 < len(rows) else None
        records.append(
            {
                "visit": number,
                "step": s.id,
                "name": s.label,
                "door": doors.get(s.door, s.door) if s.door else "",
                "agency": agencies.get(s.agency, s.agency),
                "citizen": _citizen_text(j, s, doors, agencies),
                "carrier": _carrier_text(j, row.out, nxt, doors, agencies),
                "minutes": float(s.duration.mean),
                "fee": float(s.fee),
                "documents": ", ".join(s.documents),
                "handoff": ",".join(t.carrier or "" for t in row.out),
                "delay_minutes": (
                    float(max(t.delay.mean for t in row.out if t.delay is not None))
                    if any(t.delay is not None for t in row.out)
                    else 0.0
                ),
            }
        )
    data: dict[str, Any] = {c: [r[c] for r in records] for c in COLUMNS}
    data["visit"] = pd.array(data["visit"], dtype="Int64")
    return pd.DataFrame(data, columns=list(COLUMNS))


def _stays(j: Journey, t: Transition) -> bool:
    """The citizen stays in the office: same door, no carrier, both citizen-present."""
    a, b = j.step(t.source), j.step(t.target)
    return t.carrier is None and a.citizen_present and a.door is not None and a.door == b.door

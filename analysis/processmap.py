"""The process map: a performance directly-follows graph drawn the way Disco draws it.

Boxes are activities (with their number of events, darker when busier);
arrows are directly-follows transitions labelled with their count and median
transition time, thicker when more frequent and redder when slower. A
transition whose next step started before the previous one ended is
*overlap* (:func:`analysis.bottlenecks.transition_stats`): counted on the
label ("3 overlap", or "overlap" alone when all of them did), never shown as
negative minutes. A start
and an end node show where cases begin and finish. The map is pruned to the
``max_arcs`` most frequent arcs so a ministry reader can follow it.

:func:`process_map` builds a :class:`graphviz.Digraph` from the
:func:`analysis.bottlenecks.activity_stats` and
:func:`analysis.bottlenecks.transition_stats` tables; the Graphviz ``dot``
program is needed only to render it, and :func:`process_map_svg` returns
``None`` when ``dot`` is not installed instead of failing.

Log text (activity names) is escaped for Graphviz, and Graphviz escapes it
again for SVG, so a name like ``<script>`` is drawn as text.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
...     "concept:name": ["submit", "approve", "submit", "approve"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
...                                       "2024-01-01 08:30", "2024-01-01 08:40"], utc=True),
...     "org:group": ["front", "back", "front", "back"]})
>>> g = process_map(log)
>>> "submit" in g.source and "35 min" in g.source
True
"""

from __future__ import annotations

import math
import re
import shutil
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.findings import format_minutes
from analysis.schema import ACTIVITY
from journeys.fonts import GRAPHVIZ_FONTS

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["process_map", "process_map_svg"]

# Blue (fast) to red (slow) for arcs, by the median time's place among the arcs shown;
# a diverging palette readable in print and by most colour-blind readers.
_ARC_COLOURS = ("#4575b4", "#74add1", "#fdae61", "#f46d43", "#d73027")
# Light to dark blue for activity boxes, by number of events.
_NODE_FILLS = ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd")
_NODE_FONT = ("#1a1a1a", "#1a1a1a", "#1a1a1a", "#1a1a1a", "#ffffff")
_FONT = GRAPHVIZ_FONTS  # Helvetica, then DejaVu Sans and Lao fonts (per glyph)


def process_map(
    source: Any,
    *,
    max_arcs: int = 40,
    activity: str = ACTIVITY,
    title: str | None = None,
    min_share: float = 0.0,
) -> graphviz.Digraph:
    """Draw the performance DFG as a Graphviz digraph.

    Parameters
    ----------
    source : pandas.DataFrame or MiningResult
        An event log (the tables are computed from it), or any object with
        ``activities`` and ``transitions`` tables such as the result of
        :func:`analysis.mining.mine`.
    max_arcs : int
        Keep the most frequent arcs between activities (start and end arcs of
        the activities shown are always kept).
    activity : str
        The activity column (when ``source`` is a log).
    title : str, optional
        A caption under the map.
    min_share : float
        Leave out the start and end arcs that carry fewer than this share of
        the cases (the caption says how many); 0 draws them all.

    Returns
    -------
    graphviz.Digraph
        Render it with ``.pipe(format="svg")`` (needs Graphviz's ``dot``) or
        use :func:`process_map_svg`.

    Examples
    --------
    >>> import pandas as pd
    >>> acts = pd.DataFrame({"activity": ["a", "b"], "events": [10, 8], "starts": [10, 0],
    ...                      "ends": [2, 8]})
    >>> arcs = pd.DataFrame({"source": ["a"], "target": ["b"], "count": [8],
    ...                      "median": [90.0]})
    >>> class Tables:
    ...     activities, transitions = acts, arcs
    >>> print(process_map(Tables()).source.count("->"))
    4
    """
    import graphviz

    activities, transitions = _tables(source, activity)
    arcs = transitions.sort_values(["count", "median"], ascending=[False, True], kind="stable")
    shown_total = len(arcs)
    arcs = _connected(arcs.head(max_arcs), arcs, activities)
    names = set(arcs["source"]).union(arcs["target"])
    if not names and len(activities):
        names = set(activities.sort_values("events", ascending=False)["activity"].head(1))
    acts = activities[activities["activity"].isin(names)]
    ids = {name: f"a{i}" for i, name in enumerate(acts["activity"])}

    g = graphviz.Digraph("process_map", format="svg")
    g.attr(rankdir="TB", fontname=_FONT, fontsize="11", nodesep="0.35", ranksep="0.45")
    g.attr("node", fontname=_FONT, fontsize="11")
    g.attr("edge", fontname=_FONT, fontsize="9", arrowsize="0.7")
    g.node(
        "start",
        label="start",
        shape="circle",
        style="filled",
        fillcolor="#2ca25f",
        fontcolor="white",
        width="0.55",
        fixedsize="true",
    )
    g.node(
        "end",
        label="end",
        shape="doublecircle",
        style="filled",
        fillcolor="#525252",
        fontcolor="white",
        width="0.5",
        fixedsize="true",
    )

    levels = _levels(acts["events"].to_numpy(dtype=float), len(_NODE_FILLS))
    for (name, events), lv in zip(acts[["activity", "events"]].itertuples(index=False), levels):
        g.node(
            ids[name],
            label=_text(name) + f"\\n{int(events):,} events",
            shape="box",
            style="rounded,filled",
            fillcolor=_NODE_FILLS[lv],
            fontcolor=_NODE_FONT[lv],
            color="#08519c",
            margin="0.15,0.06",
        )

    top = max([1.0, *arcs["count"].tolist(), *acts["starts"].tolist(), *acts["ends"].tolist()])
    speed = _levels(
        np.log1p(np.clip(arcs["median"].to_numpy(dtype=float), 0, None)), len(_ARC_COLOURS)
    )
    overlaps = arcs["overlaps"] if "overlaps" in arcs.columns else pd.Series(0, index=arcs.index)
    for (a, b, count, median, overlap), lv in zip(
        arcs[["source", "target", "count", "median"]].assign(o=overlaps).itertuples(index=False),
        speed,
    ):
        g.edge(
            ids[a],
            ids[b],
            label=f" {int(count):,}\\n {_arc_time(median, overlap)}",
            penwidth=f"{_width(count, top):.2f}",
            color=_ARC_COLOURS[lv],
            fontcolor="#333333",
        )
    cases = max(float(acts["starts"].sum()), 1.0)
    hidden = 0
    for name, starts, ends in acts[["activity", "starts", "ends"]].itertuples(index=False):
        rare = [n for n in (starts, ends) if 0 < n < min_share * cases]
        hidden += len(rare)
        starts, ends = (0 if n in rare else n for n in (starts, ends))
        if starts > 0:
            g.edge(
                "start",
                ids[name],
                label=f" {int(starts):,}",
                style="dashed",
                color="#2ca25f",
                penwidth=f"{_width(starts, top):.2f}",
                fontcolor="#2ca25f",
            )
        if ends > 0:
            g.edge(
                ids[name],
                "end",
                label=f" {int(ends):,}",
                style="dashed",
                color="#737373",
                penwidth=f"{_width(ends, top):.2f}",
                fontcolor="#525252",
            )

    caption = (
        f"Arcs: number of transitions and median time between the steps; thicker = more "
        f"frequent, red = slower. Showing {len(arcs)} of {shown_total} arcs.\\l"
    )
    if hidden:
        caption += (
            f"{hidden} start and end arcs of under {min_share:.0%} of the cases are not "
            "drawn.\\l"
        )
    if int(overlaps.sum()):
        caption += (
            "'overlap': the next step started before this one ended (work at the same time); "
            "such transitions are counted, not timed.\\l"
        )
    if title:
        caption = _text(title) + "\\l" + caption
    g.attr(label=caption, labelloc="b", labeljust="l", fontsize="10", fontcolor="#525252")
    return g


def process_map_svg(
    source: Any, *, max_width: float | None = None, **options: Any
) -> str | None:
    """The process map as SVG text, or ``None`` when Graphviz's ``dot`` is missing.

    Parameters
    ----------
    source : pandas.DataFrame or MiningResult
        As for :func:`process_map`.
    max_width : float, optional
        The widest drawing wanted, in points. A wider map is drawn again with
        the start and end arcs of under 1% of the cases left out, then with
        fewer arcs (down to 6), until it fits: a map scaled down to a page
        would have unreadable text. The narrowest try is returned when none fits.
    **options
        Passed to :func:`process_map` (``max_arcs``, ``activity``, ``title``,
        ``min_share``).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"],
    ...                                      utc=True), "org:group": ["x", "y"]})
    >>> svg = process_map_svg(log)
    >>> svg is None or svg.lstrip().startswith(("<?xml", "<svg"))
    True
    """
    if shutil.which("dot") is None:
        return None
    import subprocess

    import graphviz

    arcs = int(options.pop("max_arcs", 40))
    tries = [(arcs, float(options.pop("min_share", 0.0)))]
    if max_width is not None:
        tries += [(n, 0.01) for n in (arcs, 30, 24, 18, 12, 6) if n <= arcs]
    svg = None
    for max_arcs, share in tries:
        g = process_map(source, max_arcs=max_arcs, min_share=share, **options)
        try:
            svg = g.pipe(format="svg", encoding="utf-8")
        except (
            graphviz.ExecutableNotFound,
            graphviz.CalledProcessError,
            subprocess.SubprocessError,
        ):
            return None
        if max_width is None or _width_pt(svg) <= max_width:
            break
    return svg


def _width_pt(svg: str) -> float:
    """The width Graphviz gives its drawing (``<svg width="612pt"``), in points."""
    found = re.search(r'<svg[^>]*\swidth="([0-9.]+)pt"', svg)
    return float(found.group(1)) if found else 0.0


def _tables(source: Any, activity: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(source, pd.DataFrame):
        from analysis.bottlenecks import activity_stats, prepare, transition_stats

        ev = prepare(source)
        return activity_stats(ev, activity=activity), transition_stats(ev, activity=activity)
    return source.activities, source.transitions


def _connected(kept: pd.DataFrame, arcs: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """Add back the busiest arc into (out of) an activity left without one by the pruning.

    An activity that does not start (end) cases but shows no incoming (outgoing)
    arc would float on the map as if cases appeared from nowhere.
    """
    starts = set(activities.loc[activities["starts"] > 0, "activity"])
    ends = set(activities.loc[activities["ends"] > 0, "activity"])
    names = set(kept["source"]).union(kept["target"])
    extra = []
    for side, free in (("target", starts), ("source", ends)):
        lacking = names - set(kept[side]) - free
        best = arcs[arcs[side].isin(lacking)].drop_duplicates(side)  # arcs are busiest first
        extra.append(best)
    out = pd.concat([kept, *extra]).drop_duplicates(["source", "target"])
    return out


def _levels(values: np.ndarray, n: int) -> list[int]:
    """Bin values into ``n`` levels by their place between the smallest and largest."""
    if len(values) == 0:
        return []
    v = np.nan_to_num(
        values.astype(float), nan=float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    )
    lo, hi = float(v.min()), float(v.max())
    if math.isclose(lo, hi):
        return [n // 2] * len(v)
    return [min(int((x - lo) / (hi - lo) * n), n - 1) for x in v]


def _arc_time(median: float, overlaps: float) -> str:
    """The arc's time label: its median, and how many of its transitions overlapped.

    >>> _arc_time(35.0, 0), _arc_time(35.0, 3), _arc_time(float("nan"), 4)
    ('35 min', '35 min, 3 overlap', 'overlap')
    """
    if isinstance(median, float) and math.isnan(median):
        return "overlap" if overlaps else format_minutes(median)
    return format_minutes(median) + (f", {int(overlaps):,} overlap" if overlaps else "")


def _width(count: float, top: float) -> float:
    """Arc thickness from 1 to 7 points, by the square root of its share of the top count."""
    return 1.0 + 6.0 * math.sqrt(max(float(count), 0.0) / top)


def _text(name: Any) -> str:
    """Log text made safe for a Graphviz label (no escapes, never an HTML-like label)."""
    s = str(name).replace("\\", "\\\\").replace('"', '\\"')
    return s.replace("\n", " ").replace("\r", " ")

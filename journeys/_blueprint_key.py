"""The key under a blueprint: what each line and mark means, and each agency's colour.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from journeys.catalog import load_catalog
>>> from journeys.blueprint import blueprint
>>> ax = blueprint(load_catalog("family-book"))
>>> "data exchange" in [t.get_text() for t in ax.get_legend().get_texts()]
False
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from journeys._blueprint_draw import (
    _BADGE,
    _CARRIER,
    _DASHDOT,
    _DASHED,
    _LOOP,
    _SKIP,
    _WAIT,
    Drawing,
    wrap,
)  # fmt: skip

__all__ = ["legend_items"]


def legend_items(drawings: Sequence[Drawing], scale: float, colors: dict[str, str],
                 names: dict[str, str], lines: bool = False) -> list[tuple[Any, str]]:  # fmt: skip
    """Legend handles for what the drawings used, then the agencies' colours; ``lines``:
    the blueprint's three lines too (a slide does not label them where they are drawn)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    used = set().union(*(d.used for d in drawings))

    def line(color: str, **kw: Any) -> Line2D:
        return Line2D([], [], color=color, lw=1.5 * scale, **kw)

    pain = (line(_CARRIER["citizen"], ls=_DASHED),
            line(_CARRIER["citizen"], marker="^", ms=11 * scale, ls=""))  # fmt: skip
    items = [
        ("same", line(_CARRIER["same"]), "next desk, same office"),
        ("citizen", pain, "citizen carries the papers (pain point)"),
        ("courier", line(_CARRIER["courier"], ls=_DASHDOT), "courier inside government"),
        ("digital", line(_CARRIER["digital"]), "data exchange"),
        ("loop", line(_LOOP), "rework loop (share of cases)"),
        ("skip", line(_SKIP, ls=":"), "skip ahead (share of cases)"),
        ("wait", line(_WAIT, marker="o", ms=11 * scale, mfc=_WAIT, mec="white", ls=""),
         "W: counter queue, expected wait (M/M/c)"),
    ]
    handles = [(h, label) for key, h, label in items if key in used]
    if lines:
        handles += [
            (line(_CARRIER["same"], ls="-"), "line of interaction: citizen above"),
            (line("#222222", ls=(0, (5, 3))), "line of visibility: back stage below"),
            (line("#555555", ls=":"), "line of internal interaction"),
        ]
    badge = line(_BADGE, marker="o", ms=12 * scale, mfc=_BADGE, mec="white", ls="")
    handles.append((badge, "first step of a visit to an office"))
    agencies = sorted(set().union(*(d.agencies for d in drawings)), key=lambda a: names.get(a, a))
    for a in agencies:
        handles.append((Patch(fc=colors.get(a, "#DADADA"), ec="#4D4D4D", lw=0.8),
                        wrap(names.get(a, a), 42)))  # fmt: skip
    return handles

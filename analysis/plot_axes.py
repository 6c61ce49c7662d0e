"""Axes shared by the plots: new figures, logarithmic time ticks, units, short names.

The helpers here are private to :mod:`analysis.plots` and
:mod:`analysis.time_plots`; :data:`TIME_TICKS` and :func:`time_ticks` are
public and re-exported by :mod:`analysis.plots`.

Examples
--------
>>> TIME_TICKS[0], TIME_TICKS[-1]
((1, '1 min'), (525600, '1 year'))
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["TIME_TICKS", "time_ticks"]

#: Tick positions (minutes) and labels of the logarithmic time axes.
TIME_TICKS: tuple[tuple[float, str], ...] = (
    (1, "1 min"),
    (5, "5 min"),
    (15, "15 min"),
    (60, "1 h"),
    (4 * 60, "4 h"),
    (1440, "1 day"),
    (3 * 1440, "3 days"),
    (7 * 1440, "1 week"),
    (10 * 1440, "10 days"),
    (14 * 1440, "2 weeks"),
    (30 * 1440, "30 days"),
    (90 * 1440, "90 days"),
    (365 * 1440, "1 year"),
)

#: The order in which time ticks are kept when they do not all fit: round units first.
_TICK_PRIORITY: tuple[str, ...] = (
    "1 day",
    "1 h",
    "1 min",
    "1 week",
    "30 days",
    "1 year",
    "15 min",
    "4 h",
    "3 days",
    "90 days",
    "5 min",
    "2 weeks",
    "10 days",
)

#: Fewest decades between two labelled ticks, per decade of the axis: on a wide axis
#: the labels ("1 week", "2 weeks", "30 days") would otherwise run into each other.
_TICK_SPACING = 0.09


def _axes(ax: Axes | None, *, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def time_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """The labelled ticks of a logarithmic time axis from ``lo`` to ``hi`` minutes.

    Ticks come from :data:`TIME_TICKS`, round units first, and two kept ticks
    are at least a fixed share of the axis apart, so that labels never
    overlap however wide the range.

    Examples
    --------
    >>> [s for _, s in time_ticks(1, 275 * 1440)]
    ['1 min', '15 min', '1 h', '4 h', '1 day', '1 week', '30 days']
    >>> [s for _, s in time_ticks(10, 2880)]
    ['15 min', '1 h', '4 h', '1 day']
    """
    lo, hi = max(lo, 1e-9), max(hi, lo)
    ticks = [(t, s) for t, s in TIME_TICKS if lo * 0.8 <= t <= hi * 1.25]  # on the axis
    if len(ticks) < 2:
        ticks = [(t, s) for t, s in TIME_TICKS if lo / 10 <= t <= hi * 10]
    decades = math.log10(hi * 1.25) - math.log10(lo * 0.8)
    gap = _TICK_SPACING * max(decades, 1.0)
    kept: list[tuple[float, str]] = []
    for label in _TICK_PRIORITY:
        for t, s in ticks:
            if s == label and all(abs(math.log10(t / k)) >= gap for k, _ in kept):
                kept.append((t, s))
    return sorted(kept)


def _time_axis(ax: Axes, lo: float, hi: float) -> None:
    ticks = time_ticks(lo, hi)
    ax.set_xticks([t for t, _ in ticks], [s for _, s in ticks])
    ax.minorticks_off()
    ax.set_xlim(lo * 0.8, hi * 1.25)


def _integer_ticks(bar: Any) -> None:
    """Whole numbers only on the colour bar of counts (no 2.5 handoffs)."""
    from matplotlib.ticker import MaxNLocator

    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()


def _unit(minutes: float) -> tuple[str, float]:
    if minutes >= 2 * 1440:
        return "days", 1440.0
    if minutes >= 120:
        return "hours", 60.0
    return "minutes", 1.0


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def _natural(name: Any) -> tuple:
    """Sort key putting 'Group 2' before 'Group 12'."""
    import re

    return tuple(
        (0, int(p)) if p.isdigit() else (1, p.lower()) for p in re.split(r"(\d+)", str(name)) if p
    )


def _short(name: Any, width: int = 22) -> str:
    text = str(name)
    return text if len(text) <= width else text[: width - 1] + "\u2026"

"""Plots of the bottleneck report: handoff heatmap, weekly profile, lead-time ECDF, WIP.

Each function takes a table made by :mod:`analysis` (a :func:`mine` result
holds them all), draws on ``ax`` (a new figure when omitted) and returns the
Axes; none calls ``plt.show()``. Times in the tables are minutes; axes show
them in human units (minutes, hours, days). The heatmaps are drawn here; the
plots of time (ECDF, waiting bars, WIP) are in :mod:`analysis.time_plots` and
re-exported here.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> t = pd.DataFrame({"source": ["Tax", "Commerce"], "target": ["Commerce", "Tax"],
...                   "count": [412, 37]})
>>> ax = handoff_heatmap(t)
>>> ax.get_title(), ax.get_xlabel()
('Handoffs between agencies', 'to agency')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.finding import format_minutes
from analysis.plot_axes import (
    TIME_TICKS,
    _axes,
    _integer_ticks,
    _natural,
    _short,
    _unit,
    time_ticks,
)
from analysis.time_plots import lead_time_ecdf, waiting_bars, wip_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "TIME_TICKS",
    "handoff_heatmap",
    "lead_time_ecdf",
    "profile_heatmap",
    "time_ticks",
    "waiting_bars",
    "wip_plot",
]

_LABELS = {
    "count": "handoffs",
    "cases": "cases with this handoff",
    "delay_median": "median delay",
    "delay_mean": "mean delay",
    "delay_p90": "90th percentile delay",
    "delay_total": "total delay",
    "pingpongs": "sent straight back",
    "arrivals": "cases arriving",
    "events": "steps completed",
    "waiting_median": "median waiting",
    "waiting_total": "total waiting",
}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def handoff_heatmap(
    table: pd.DataFrame,
    *,
    value: str = "count",
    max_agencies: int = 15,
    ax: Axes | None = None,
    title: str | None = "Handoffs between agencies",
) -> Axes:
    """Agency x agency heatmap of handoffs: rows send the file, columns receive it.

    Parameters
    ----------
    table : pandas.DataFrame
        A handoff table in long form (columns ``source``, ``target`` and
        ``value``, as made by :func:`analysis.handoffs.handoffs`) or a square
        matrix (as made by :func:`analysis.handoffs.handoff_matrix`).
    value : str
        The column to show (long form only): ``count``, ``cases``,
        ``delay_median``, ``delay_total``...; delays are labelled in human units.
    max_agencies : int
        Keep the agencies taking part in most handoffs, so the cells stay
        readable.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> t = pd.DataFrame({"source": ["A", "B"], "target": ["B", "A"],
    ...                   "delay_median": [90.0, 3000.0]})
    >>> ax = handoff_heatmap(t, value="delay_median")
    >>> sorted(x.get_text() for x in ax.texts)
    ['1.5 h', '2.1 days']
    """
    if {"source", "target"} <= set(table.columns):
        names = sorted(set(table["source"]).union(table["target"]), key=_natural)
        m = table.pivot_table(index="source", columns="target", values=value, aggfunc="first")
        m = m.reindex(index=names, columns=names)
    else:
        m = table.copy()
        names = sorted(set(m.index).union(m.columns), key=_natural)
        m = m.reindex(index=names, columns=names)
    values = m.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(values, np.nan)  # same agency: not a handoff
    m = pd.DataFrame(values, index=m.index, columns=m.columns)
    if len(names) > max_agencies:
        volume = m.fillna(0).sum(axis=0) + m.fillna(0).sum(axis=1)
        keep = sorted(volume.nlargest(max_agencies).index, key=_natural)
        m = m.loc[keep, keep]
    is_time = value.startswith("delay") or value.startswith("waiting")
    ax = _axes(ax, figsize=(1.2 + 0.75 * len(m), 0.9 + 0.6 * len(m)))
    shown = m.to_numpy()
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("YlOrRd").with_extremes(bad="#eeeeee")
    finite = shown[np.isfinite(shown)]
    top = float(finite.max()) if finite.size else 1.0
    unit, scale = _unit(top) if is_time else ("", 1.0)
    image = ax.imshow(
        np.ma.masked_invalid(shown / scale),
        cmap=cmap,
        vmin=0,
        vmax=(top or 1.0) / scale,
        aspect="auto",
    )
    ax.set_xticks(range(len(m.columns)), [_short(c) for c in m.columns], rotation=40, ha="right")
    ax.set_yticks(range(len(m.index)), [_short(c) for c in m.index])
    ax.set_xlabel("to agency")
    ax.set_ylabel("from agency")
    for i in range(shown.shape[0]):
        for j in range(shown.shape[1]):
            v = shown[i, j]
            if not np.isfinite(v) or (v == 0 and not is_time):
                continue
            text = format_minutes(v) if is_time else f"{v:,.0f}"
            dark = top and v / top > 0.6
            ax.text(
                j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black"
            )
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label(_LABELS.get(value, value) + (f" ({unit})" if is_time else ""))
    if not is_time:
        _integer_ticks(bar)
    if title:
        ax.set_title(title)
    return ax


def profile_heatmap(
    profiles: pd.DataFrame,
    *,
    value: str = "arrivals",
    ax: Axes | None = None,
    title: str | None = None,
    tz: str | None = None,
) -> Axes:
    """Weekday x hour-of-day heatmap of a :func:`analysis.bottlenecks.profiles` table.

    Hours outside the span where anything happened are left out.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Columns ``weekday`` (0 = Monday), ``hour`` and ``value`` (one grid,
        without a ``by`` column).
    value : str
        ``arrivals``, ``events``, ``waiting_median`` or ``waiting_total``.
    ax : matplotlib Axes, optional
    title : str, optional
        Defaults to a title naming the value.
    tz : str, optional
        The time zone the hours are read in, for the axis label.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> p = pd.DataFrame({"weekday": [0, 0, 2], "hour": [8, 9, 15], "arrivals": [3, 1, 2]})
    >>> ax = profile_heatmap(p)
    >>> ax.get_xticklabels()[0].get_text(), ax.get_xticklabels()[-1].get_text()
    ('08', '15')
    >>> ax.get_title()
    'When cases arrive (cases arriving by weekday and hour)'
    """
    grid = (
        profiles.pivot_table(index="weekday", columns="hour", values=value, aggfunc="sum")
        .reindex(index=range(7), columns=range(24))
        .astype(float)
    )
    busy = grid.fillna(0).abs().sum(axis=0) > 0
    hours = np.flatnonzero(busy.to_numpy())
    lo, hi = (int(hours.min()), int(hours.max())) if hours.size else (0, 23)
    grid = grid.loc[:, lo:hi]
    is_time = value.startswith("waiting")
    shown = grid.to_numpy() / (60.0 if is_time else 1.0)
    ax = _axes(ax, figsize=(max(5.0, 0.42 * grid.shape[1] + 2.0), 3.4))
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("Blues").with_extremes(bad="#f4f4f4")
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, aspect="auto", vmin=0)
    ax.set_xticks(range(grid.shape[1]), [f"{h:02d}" for h in grid.columns])
    ax.set_yticks(range(7), list(_DAYS))
    ax.set_xlabel(f"hour of day ({tz or 'UTC'})")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    if not is_time:
        _integer_ticks(bar)
    label = _LABELS.get(value, value)
    bar.set_label(label + (" (hours)" if is_time else ""))
    if title is None:
        what = "When cases arrive" if value == "arrivals" else "Weekly profile"
        title = f"{what} ({label} by weekday and hour)"
    if title:
        ax.set_title(title)
    return ax

"""Plots of the bottleneck report: handoff heatmap, weekly profile, lead-time ECDF, WIP.

Each function takes a table made by :mod:`analysis` (a :func:`mine` result
holds them all), draws on ``ax`` (a new figure when omitted) and returns the
Axes; none calls ``plt.show()``. Times in the tables are minutes; axes show
them in human units (minutes, hours, days).

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

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.findings import format_minutes

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


def lead_time_ecdf(
    case_kpis: pd.DataFrame,
    *,
    columns: Sequence[str] = ("lead_minutes", "waiting_minutes"),
    sla_minutes: float | None = None,
    ax: Axes | None = None,
    title: str | None = "How long citizens wait for the service",
) -> Axes:
    """Empirical distribution (ECDF) of per-case durations on a logarithmic time axis.

    Read a point ``(t, y)`` as "a share ``y`` of the cases took at most ``t``".
    Durations below one minute are drawn at one minute.

    Parameters
    ----------
    case_kpis : pandas.DataFrame
        One row per case (:func:`analysis.kpis.case_kpis`), times in minutes.
    columns : sequence of str
        The duration columns to draw (missing or all-NaN columns are skipped).
    sla_minutes : float, optional
        Draw the service standard as a vertical line.
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
    >>> k = pd.DataFrame({"lead_minutes": [30.0, 90.0, 2880.0, 10.0]})
    >>> ax = lead_time_ecdf(k)
    >>> line = ax.get_lines()[0]
    >>> line.get_ydata().tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['15 min', '1 h', '4 h', '1 day']
    """
    ax = _axes(ax, figsize=(7.5, 3.6))
    labels = {
        "lead_minutes": "lead time (first to last step)",
        "waiting_minutes": "total waiting",
        "processing_minutes": "total processing",
    }
    lo, hi = math.inf, 0.0
    for column in columns:
        if column not in case_kpis.columns:
            continue
        v = case_kpis[column].to_numpy(dtype=float)
        v = np.sort(v[np.isfinite(v)])
        if v.size == 0:
            continue
        v = np.maximum(v, 1.0)
        y = np.arange(v.size + 1) / v.size
        x = np.concatenate([[v[0]], v])
        ax.step(x, y, where="post", label=labels.get(column, column), linewidth=1.8)
        lo, hi = min(lo, float(v[0])), max(hi, float(v[-1]))
    if not math.isfinite(lo):
        lo, hi = 1.0, 60.0
    ax.set_xscale("log")
    _time_axis(ax, lo, hi)
    if sla_minutes:
        ax.axvline(sla_minutes, color="#555555", linestyle="--", linewidth=1)
        ax.annotate(
            f"standard: {format_minutes(sla_minutes)}",
            (sla_minutes, 0.03),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=8,
            color="#555555",
        )
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(_percent())
    ax.set_ylabel("share of cases done within")
    ax.set_xlabel("duration per case (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", frameon=False)
    if title:
        ax.set_title(title)
    return ax


def waiting_bars(
    activities: pd.DataFrame,
    *,
    top: int = 10,
    ax: Axes | None = None,
    title: str | None = "Where cases wait: total waiting before each step",
) -> Axes:
    """Horizontal bars of the total waiting before each activity, largest on top.

    Parameters
    ----------
    activities : pandas.DataFrame
        :func:`analysis.bottlenecks.activity_stats` (columns ``activity``,
        ``waiting_total`` in minutes, optionally ``waiting_share``).
    top : int
        How many activities to show.
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
    >>> a = pd.DataFrame({"activity": ["check", "pay", "sign"],
    ...                   "waiting_total": [3000.0, 0.0, 12000.0]})
    >>> ax = waiting_bars(a)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['pay', 'check', 'sign']
    >>> ax.get_xlabel()
    'total waiting (days)'
    """
    t = activities.sort_values("waiting_total", ascending=False, kind="stable").head(top)
    t = t.iloc[::-1]
    total = t["waiting_total"].to_numpy(dtype=float)
    unit, scale = _unit(float(np.nanmax(total)) if total.size else 0.0)
    ax = _axes(ax, figsize=(7.5, 0.9 + 0.36 * max(len(t), 1)))
    ax.barh(range(len(t)), total / scale, color="#c0504d")
    ax.set_yticks(range(len(t)), [_short(a, 40) for a in t["activity"]])
    ax.set_xlabel(f"total waiting ({unit})")
    if "waiting_share" in t.columns:
        for i, (v, s) in enumerate(zip(total / scale, t["waiting_share"].to_numpy(dtype=float))):
            if np.isfinite(s) and s > 0:
                ax.annotate(
                    f"{100 * s:.0f}%",
                    (v, i),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
    ax.margins(x=0.12)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def wip_plot(
    wip: pd.DataFrame,
    *,
    by: str | None = None,
    ax: Axes | None = None,
    title: str | None = "Work in progress: cases open each day",
) -> Axes:
    """Cases open per day (a :func:`analysis.bottlenecks.wip` table), one line per group.

    Parameters
    ----------
    wip : pandas.DataFrame
        Columns ``date`` and ``open`` (and ``by`` when given).
    by : str, optional
        The group column: one line per group.
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
    >>> w = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3), "open": [1, 4, 2]})
    >>> ax = wip_plot(w)
    >>> ax.get_lines()[0].get_ydata().tolist(), ax.get_ylabel()
    ([1, 4, 2], 'open cases')
    """
    ax = _axes(ax, figsize=(7.5, 3.2))
    groups = [(None, wip)] if not by else list(wip.groupby(by, sort=True))
    for name, part in groups:
        dates = pd.to_datetime(part["date"])
        line = ax.plot(
            dates,
            part["open"].to_numpy(),
            linewidth=0.8,
            alpha=0.45 if len(part) > 60 else 1.0,
            label=("each day" if len(part) > 60 else None) if name is None else str(name),
        )[0]
        if len(part) > 60:  # long logs: a 7-day mean shows the trend through the daily noise
            trend = part["open"].rolling(7, center=True, min_periods=1).mean().to_numpy()
            ax.plot(
                dates,
                trend,
                linewidth=2,
                color=line.get_color(),
                label="7-day mean" if name is None else None,
            )
    ax.set_ylabel("open cases")
    ax.set_xlabel("date")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    import matplotlib.dates as mdates

    days = pd.to_datetime(wip["date"]).nunique() if len(wip) else 0
    # A few days only: one tick per day (the automatic locator has no interval that short).
    locator = mdates.DayLocator() if days <= 7 else mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if by:
        ax.legend(title=by, frameon=False, fontsize=8)
    elif len(wip) > 60:
        ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


# ----- helpers ------------------------------------------------------------------------


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

"""Plots of time in the bottleneck report: lead-time ECDF, waiting bars, WIP.

Like the heatmaps of :mod:`analysis.plots` (which re-exports these
functions), each draws on ``ax`` (a new figure when omitted), returns the
Axes and never calls ``plt.show()``; times in the tables are minutes.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> ax = lead_time_ecdf(pd.DataFrame({"lead_minutes": [30.0, 90.0, 2880.0]}))
>>> ax.get_ylabel()
'share of cases done within'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.finding import format_minutes
from analysis.plot_axes import _axes, _percent, _short, _time_axis, _unit

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["lead_time_ecdf", "waiting_bars", "wip_plot"]


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
            marker="o" if len(part) == 1 else None,  # one day: a line of one point is not seen
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
    if days == 1:
        # one day: matplotlib would widen the axis to years (a thousand daily ticks)
        day = pd.to_datetime(wip["date"]).iloc[0]
        ax.set_xlim(day - pd.Timedelta(days=1), day + pd.Timedelta(days=1))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if by:
        ax.legend(title=by, frameon=False, fontsize=8)
    elif len(wip) > 60:
        ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return ax

"""Plots of experiments: distributions, utilisation and queues, before against after.

Every function takes ``ax=None`` (a new figure when omitted), draws, and
returns the Axes; none calls ``plt.show()``. Scenarios keep their colours from
one plot to the next: the baseline is vermilion, the first alternative blue.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from journeys import load_catalog
>>> from simulations.experiments import run
>>> ex = run([load_catalog("family-book-one-door")], replications=1, days=5,
...          warmup_days=0, tail_days=5, seed=1, jobs=1)
>>> plot_ecdf(ex, "lead_days").get_ylabel()
'share of cases'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from simulations.experiments import Experiment

__all__ = ["PALETTE", "plot_ecdf", "plot_queue_by_hour", "plot_utilisation", "plot_visits"]

#: Colour-blind-safe colours (Okabe-Ito), baseline first.
PALETTE: tuple[str, ...] = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")

#: Most points drawn per ECDF line (quantiles beyond that): keeps SVGs small.
_ECDF_POINTS = 800


def _axes(ax: Axes | None, size: tuple[float, float] = (6.0, 3.6)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _percent(v: float, _pos: int | None = None) -> str:
    """A share on an axis as a percentage: 0.8 -> ``80%``."""
    return f"{100 * v:.0f}%"


def _empty(ax: Axes, text: str) -> Axes:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    return ax


def plot_ecdf(
    experiment: Experiment,
    column: str = "lead_days",
    *,
    xlabel: str | None = None,
    target: float | None = None,
    target_label: str | None = None,
    xmax: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Empirical CDF of a per-case figure, one line per scenario (replications pooled).

    Parameters
    ----------
    experiment : Experiment
    column : {"lead_days", "waiting_days", "visits", "first_queue_minutes", "desk_queue_minutes"}
        A column of ``experiment.cases``.
    xlabel : str, optional
        The x axis label; the column name by default.
    target : float, optional
        Draws a vertical reference line (a service standard) at this value.
    target_label : str, optional
        Legend text of the reference line.
    xmax : float, optional
        Cut the x axis there (a long tail hides the body of the curve).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    drawn = False
    for i, sc in enumerate(experiment.scenarios):
        cases = experiment.cases
        x = cases.loc[cases["scenario"] == sc, column].to_numpy(dtype=float)
        x = np.sort(x[~np.isnan(x)])
        if len(x) == 0:
            continue
        y = np.arange(1, len(x) + 1) / len(x)
        if len(x) > _ECDF_POINTS:
            # the ECDF at evenly spaced shares: the same curve with fewer points
            keep = np.unique(np.linspace(0, len(x) - 1, _ECDF_POINTS).round().astype(int))
            x, y = x[keep], y[keep]
        ax.step(np.r_[x[0], x], np.r_[0.0, y], where="post", color=_colour(i), lw=2, label=sc)
        drawn = True
    if not drawn:
        return _empty(ax, "no finished cases")
    if target is not None:
        ax.axvline(target, color="0.35", ls=":", lw=1.2, label=target_label)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, xmax)
    ax.yaxis.set_major_formatter(_percent)
    ax.set_ylabel("share of cases")
    ax.set_xlabel(xlabel or column.replace("_", " "))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right", fontsize="small")
    return ax


def plot_visits(experiment: Experiment, *, ax: Axes | None = None) -> Axes:
    """Share of cases by number of office visits, bars side by side per scenario.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    cases = experiment.cases.dropna(subset=["visits"])
    if cases.empty:
        return _empty(ax, "visits unknown")
    levels = np.arange(int(cases["visits"].min()), int(cases["visits"].max()) + 1)
    n = len(experiment.scenarios)
    width = 0.8 / n
    for i, sc in enumerate(experiment.scenarios):
        v = cases.loc[cases["scenario"] == sc, "visits"].astype(int)
        share = v.value_counts(normalize=True).reindex(levels, fill_value=0.0)
        ax.bar(
            levels + (i - (n - 1) / 2) * width,
            share.to_numpy(),
            width=width,
            color=_colour(i),
            label=sc,
        )
    ax.set_xticks(levels)
    ax.set_xlabel("visits to offices per case")
    ax.set_ylabel("share of cases")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(_percent)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_utilisation(
    experiment: Experiment, *, names: dict[str, str] | None = None, ax: Axes | None = None
) -> Axes:
    """Mean utilisation of each desk pool with its 95% CI, one bar per scenario.

    A pool that a scenario does not have gets no bar. The dotted line marks
    85%, above which queues grow fast. Utilisation can pass 100%: a service
    started before closing runs to its end (overtime). ``names`` maps pool
    ids to the names the axis shows (ids where a pool has none).

    Returns
    -------
    matplotlib.axes.Axes
    """
    summary = experiment.summary()
    util = summary[summary["kpi"].str.startswith("util:")]
    pools = list(dict.fromkeys(k.split(":", 1)[1] for k in util["kpi"]))
    n = len(experiment.scenarios)
    ax = _axes(ax, (6.0, max(2.4, 0.32 * len(pools) * n + 1.2)))
    if not pools:
        return _empty(ax, "no desk pools")
    height = 0.8 / n
    y = np.arange(len(pools))
    for i, sc in enumerate(experiment.scenarios):
        part = util[util["scenario"] == sc].set_index("kpi")
        m = part["mean"].reindex([f"util:{p}" for p in pools]).to_numpy(dtype=float)
        lo = part["ci_low"].reindex([f"util:{p}" for p in pools]).to_numpy(dtype=float)
        hi = part["ci_high"].reindex([f"util:{p}" for p in pools]).to_numpy(dtype=float)
        has = ~np.isnan(m)
        err = np.vstack([np.nan_to_num(m - lo)[has], np.nan_to_num(hi - m)[has]])
        ax.barh(
            (y + (i - (n - 1) / 2) * height)[has],
            m[has],
            height=height,
            xerr=err,
            color=_colour(i),
            label=sc,
            error_kw={"lw": 1, "capsize": 2},
        )
    ax.set_yticks(y, [(names or {}).get(p, p) for p in pools])
    ax.invert_yaxis()
    # busy time can pass open time: a service started before closing runs to its end
    top = float(np.nanmax(util["ci_high"].fillna(util["mean"]).to_numpy(dtype=float)))
    ax.set_xlim(0, max(1.0, top + 0.05) if np.isfinite(top) else 1.0)
    ax.xaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.axvline(0.85, color="0.35", ls=":", lw=1.2)
    ax.set_xlabel("busy share of open desk time (dotted: 85%)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(frameon=False, loc="lower right", fontsize="small")
    return ax


def plot_queue_by_hour(
    experiment: Experiment, *, citizen_only: bool = True, ax: Axes | None = None
) -> Axes:
    """Mean number waiting by hour of day, summed over desk pools, one line per scenario.

    Parameters
    ----------
    experiment : Experiment
    citizen_only : bool
        Count only the pools that serve citizens in person (people in a queue);
        otherwise back-office piles of dossiers too.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    q = experiment.queues
    if citizen_only and not q.empty:
        q = q[q["citizen"].astype(bool)]
    if q.empty:
        return _empty(ax, "no queues recorded")
    per_rep = q.groupby(["scenario", "replication", "hour"])["queue"].sum().reset_index()
    mean = per_rep.groupby(["scenario", "hour"])["queue"].mean()
    # The hours that matter: a citizen held over a night in one replication of ten must not
    # stretch the axis to 24 hours of near-zero points.
    peak = float(mean.max()) if len(mean) else 0.0
    busy = mean[mean > max(0.005, 0.01 * peak)].index.get_level_values("hour")
    if len(busy) == 0:
        return _empty(ax, "nobody queued")
    hours = np.arange(int(busy.min()), int(busy.max()) + 1)
    for i, sc in enumerate(experiment.scenarios):
        if sc not in mean.index.get_level_values(0):
            continue
        s: pd.Series = mean.loc[sc].reindex(hours, fill_value=0.0)
        ax.plot(hours + 0.5, s.to_numpy(), marker="o", color=_colour(i), lw=2, label=sc)
    edges = np.append(hours, hours[-1] + 1)
    step = 1 if len(edges) <= 13 else 2 if len(edges) <= 25 else 3
    shown = edges[::step]
    ax.set_xticks(shown, [f"{h:02d}:00" for h in shown], fontsize="small")
    ax.set_xlim(hours[0], hours[-1] + 1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("hour of day (points at mid-hour)")
    ax.set_ylabel("citizens queuing" if citizen_only else "cases waiting")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize="small")
    return ax

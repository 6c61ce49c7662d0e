"""Plots of experiments: distributions, utilisation and queues, before against after.

Every function takes ``ax=None`` (a new figure when omitted), draws, and
returns the Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from simulations.experiments import Experiment

__all__ = ["plot_ecdf", "plot_queue_by_hour", "plot_utilisation", "plot_visits", "PALETTE"]

#: Colour-blind-safe colours (Okabe-Ito), baseline first.
PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _axes(ax: Axes | None, size: tuple[float, float] = (6.0, 3.6)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def plot_ecdf(
    experiment: Experiment,
    column: str = "lead_days",
    *,
    xlabel: str | None = None,
    target: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Empirical CDF of a per-case figure, one line per scenario (all replications pooled).

    Parameters
    ----------
    experiment : Experiment
    column : {"lead_days", "waiting_hours", "visits"}
    xlabel : str, optional
    target : float, optional
        Draws a vertical reference line (a service standard).
    ax : matplotlib Axes, optional
    """
    ax = _axes(ax)
    for i, sc in enumerate(experiment.scenarios):
        x = experiment.cases.loc[experiment.cases["scenario"] == sc, column].to_numpy(dtype=float)
        x = np.sort(x[~np.isnan(x)])
        if len(x) == 0:
            continue
        y = np.arange(1, len(x) + 1) / len(x)
        ax.step(x, y, where="post", color=PALETTE[i % len(PALETTE)], lw=2, label=sc)
    if target is not None:
        ax.axvline(target, color="0.4", ls=":", lw=1)
    ax.set_ylim(0, 1.01)
    ax.set_ylabel("share of cases")
    ax.set_xlabel(xlabel or column.replace("_", " "))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    return ax


def plot_visits(experiment: Experiment, *, ax: Axes | None = None) -> Axes:
    """Share of cases by number of office visits, bars side by side per scenario."""
    ax = _axes(ax)
    cases = experiment.cases.dropna(subset=["visits"])
    if cases.empty:
        ax.text(0.5, 0.5, "visits unknown", ha="center", va="center", transform=ax.transAxes)
        return ax
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
            color=PALETTE[i % len(PALETTE)],
            label=sc,
        )
    ax.set_xticks(levels)
    ax.set_xlabel("visits to offices per case")
    ax.set_ylabel("share of cases")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(frameon=False)
    return ax


def plot_utilisation(experiment: Experiment, *, ax: Axes | None = None) -> Axes:
    """Mean utilisation of each pool with its 95% CI, one bar per scenario."""
    summary = experiment.summary()
    util = summary[summary["kpi"].str.startswith("util:")].copy()
    pools = sorted({k.split(":", 1)[1] for k in util["kpi"]})
    ax = _axes(ax, (6.0, max(2.4, 0.45 * len(pools) * len(experiment.scenarios) + 1.0)))
    n = len(experiment.scenarios)
    height = 0.8 / max(n, 1)
    y = np.arange(len(pools))
    for i, sc in enumerate(experiment.scenarios):
        part = util[util["scenario"] == sc].set_index("kpi")
        m = np.array([part["mean"].get(f"util:{p}", np.nan) for p in pools], dtype=float)
        lo = np.array([part["ci_low"].get(f"util:{p}", np.nan) for p in pools], dtype=float)
        hi = np.array([part["ci_high"].get(f"util:{p}", np.nan) for p in pools], dtype=float)
        err = np.vstack([np.nan_to_num(m - lo), np.nan_to_num(hi - m)])
        ax.barh(
            y + (i - (n - 1) / 2) * height,
            np.nan_to_num(m),
            height=height,
            xerr=err,
            color=PALETTE[i % len(PALETTE)],
            label=sc,
            error_kw={"lw": 1, "capsize": 2},
        )
    ax.set_yticks(y, pools)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.axvline(0.85, color="0.4", ls=":", lw=1)
    ax.set_xlabel("utilisation of open desk time (dotted: 85%)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    return ax


def plot_queue_by_hour(experiment: Experiment, *, ax: Axes | None = None) -> Axes:
    """Mean number of people queuing by hour of day, summed over pools, per scenario."""
    ax = _axes(ax)
    q = experiment.queues
    if q.empty:
        ax.text(0.5, 0.5, "no queues recorded", ha="center", va="center", transform=ax.transAxes)
        return ax
    per_rep = q.groupby(["scenario", "replication", "hour"])["queue"].sum().reset_index()
    mean = per_rep.groupby(["scenario", "hour"])["queue"].mean()
    for i, sc in enumerate(experiment.scenarios):
        if sc not in mean.index.get_level_values(0):
            continue
        s: pd.Series = mean.loc[sc]
        ax.plot(s.index, s.to_numpy(), marker="o", color=PALETTE[i % len(PALETTE)], label=sc)
    ax.set_xlabel("hour of day")
    ax.set_ylabel("people queuing (all desks)")
    ax.set_xticks(range(int(q["hour"].min()), int(q["hour"].max()) + 1))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return ax

"""Plots of the monitoring report: trends per centre, ratings against visits, emotions.

Every function takes ``ax=`` (or ``fig=`` for the small multiples) and returns
what it drew on; none calls ``plt.show()``.

* :func:`trend` draws one centre's indicator period by period against the
  all-centres value (dashed, the national reference). Periods with too few
  cases are not points: they are shaded and labelled ``n<10``.
* :func:`trend_grid` draws one such panel per centre, on a shared scale.
* :func:`rating_plot` draws the mean rating by number of visits with the
  fitted slope of :func:`analysis.feedback.rating_effects`.
* :func:`emotion_plot` draws the emotion curve over the citizen's steps;
  :func:`emotion_overlay` draws it over a service blueprint, step by step.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> t = pd.DataFrame({"level": ["centre", "centre", "all", "all"], "centre": ["X", "X",
...     "All centres", "All centres"], "period": ["2024-01", "2024-02"] * 2,
...     "cases": [12, 3, 20, 9], "few_cases": [False, True, False, True],
...     "lead_median_minutes": [1440.0, 2880.0, 2000.0, 2500.0]})
>>> ax = trend(t, "X")
>>> [line.get_label() for line in ax.get_lines()]
['X', 'All centres']
>>> ax.get_lines()[0].get_ydata().tolist()  # the period with 3 cases is no point
[1.0, nan]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.plot_axes import _axes, _percent, _short

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from journeys.model import Journey

__all__ = ["MEASURES", "emotion_overlay", "emotion_plot", "rating_plot", "trend", "trend_grid"]

#: Measures of the monitoring table that can be plotted: label, scale, is a share.
MEASURES: dict[str, tuple[str, float, bool]] = {
    "lead_median_minutes": ("median lead time (days)", 1 / 1440, False),
    "lead_p90_minutes": ("p90 lead time (days)", 1 / 1440, False),
    "visits_mean": ("visits per case", 1.0, False),
    "handoffs_mean": ("handoffs per case", 1.0, False),
    "queue_within_sla": ("queues within standard", 1.0, True),
    "within_charter_time": ("within charter time", 1.0, True),
    "within_charter_fee": ("within charter fee", 1.0, True),
}


def _series(table: pd.DataFrame, centre: str, measure: str, level: str) -> pd.DataFrame:
    rows = table[(table["level"] == level) & (table["centre"] == centre)]
    return rows.set_index("period")


def trend(
    table: pd.DataFrame,
    centre: str,
    *,
    measure: str = "lead_median_minutes",
    periods: list[str] | None = None,
    min_cases_label: str = "n<10",
    ax: Axes | None = None,
) -> Axes:
    """One centre's ``measure`` per period, with the all-centres value as reference.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`analysis.monitor.Monitor.table`.
    centre : str
        The centre to draw.
    measure : str
        A key of :data:`MEASURES`.
    periods : list of str, optional
        The x axis (all periods of the table by default), so panels line up.
    min_cases_label : str
        Label of a period with too few cases.
    ax : matplotlib Axes, optional
    """
    label, scale, share = MEASURES[measure]
    ax = _axes(ax, figsize=(4.0, 2.6))
    periods = periods or sorted(table["period"].unique())
    x = np.arange(len(periods))
    own = _series(table, centre, measure, "centre").reindex(periods)
    ref = _series(table, "All centres", measure, "all").reindex(periods)
    few = own["few_cases"].fillna(False).astype(bool).to_numpy()
    y = own[measure].astype(float).to_numpy() * scale
    y_ref = ref[measure].astype(float).to_numpy() * scale
    ref_few = ref["few_cases"].fillna(False).astype(bool).to_numpy()
    late = (own["incomplete"].fillna(False).astype(bool).to_numpy() if "incomplete" in own
            else np.zeros(len(x), dtype=bool))  # fmt: skip
    y_full = np.where(few | late, np.nan, y)
    ax.plot(x, y_full, marker="o", color="#1f5f8b", label=_short(centre))
    if late.any():  # may still be losing its slow cases to the end of the log: hollow
        y_late = np.where(late & ~few, y, np.nan)
        ax.plot(x, y_late, marker="o", ls=":", color="#1f5f8b", mfc="white",
                label="incomplete (cases may still be open)")  # fmt: skip
    ax.plot(x, np.where(ref_few, np.nan, y_ref), ls="--", color="#888888", lw=1.2,
            label="All centres")  # fmt: skip
    for i in np.flatnonzero(few & own["cases"].notna().to_numpy()):
        ax.axvspan(i - 0.4, i + 0.4, color="#e6e6e6", zorder=0)
        if len(periods) <= 12:  # beyond, the labels would overlap: the band says it
            ax.text(i, 0.04, min_cases_label, transform=ax.get_xaxis_transform(),
                    ha="center", fontsize=7, color="#777777")  # fmt: skip
    step = int(np.ceil(len(periods) / 8)) or 1  # at most about 8 tick labels
    ax.set_xticks(x[::step], [str(p) for p in periods][::step],
                  rotation=45 if len(periods) > 4 else 0, fontsize=8)  # fmt: skip
    ax.set_title(_short(centre, 30), fontsize=10)
    ax.set_ylabel(label, fontsize=8)
    if share:
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(_percent())
    else:
        ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    return ax


def trend_grid(
    table: pd.DataFrame,
    *,
    measure: str = "lead_median_minutes",
    centres: list[str] | None = None,
    ncols: int = 3,
    min_cases_label: str = "n<10",
    fig: Figure | None = None,
) -> np.ndarray:
    """Small multiples: one :func:`trend` panel per centre, same axes; the Axes array.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> t = pd.DataFrame({"level": ["centre"] * 2 + ["all"], "centre": ["X", "Y",
    ...     "All centres"], "period": ["2024-01"] * 3, "cases": [12, 15, 27],
    ...     "few_cases": [False] * 3, "visits_mean": [2.0, 3.0, 2.5]})
    >>> trend_grid(t, measure="visits_mean").shape
    (1, 2)
    """
    import matplotlib.pyplot as plt

    centres = centres or sorted(table.loc[table["level"] == "centre", "centre"].unique())
    n = max(len(centres), 1)
    cols = min(ncols, n)
    rows = int(np.ceil(n / cols))
    if fig is None:
        fig = plt.figure(figsize=(3.9 * cols, 2.7 * rows + 0.3), layout="constrained")
    axes = np.atleast_2d(fig.subplots(rows, cols, sharey=True, squeeze=False))
    periods = sorted(table["period"].unique())
    for ax, centre in zip(axes.flat, centres, strict=False):
        trend(table, centre, measure=measure, periods=periods, ax=ax,
              min_cases_label=min_cases_label)  # fmt: skip
    for ax in list(axes.flat)[len(centres) :]:
        ax.set_visible(False)
    _label, scale, share = MEASURES[measure]
    if not share:  # one scale for all panels, from every centre's points and the reference
        drawn = [np.nanmax(np.r_[line.get_ydata().astype(float), 0.0])
                 for ax in axes.flat for line in ax.get_lines()]  # fmt: skip
        top = max([v for v in drawn if np.isfinite(v)] or [1.0])
        axes.flat[0].set_ylim(0, top * 1.12 or 1.0)
    seen: dict[str, object] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab in ("All centres", "incomplete (cases may still be open)"):
                seen.setdefault(lab, h)
    fig.legend(list(seen.values()), list(seen), loc="outside upper right", fontsize=8,
               frameon=False)  # fmt: skip
    return axes


def rating_plot(joined: pd.DataFrame, effects: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean overall rating by visits (dot size: answers) and the fitted visit slope."""
    ax = _axes(ax, figsize=(4.6, 3.0))
    d = joined[joined["case"].notna() & joined["step"].isna() & joined["rating"].notna()]
    d = d.dropna(subset=["visits"])
    g = d.groupby("visits")["rating"].agg(["mean", "count"])
    sizes = 30 + 270 * g["count"] / max(float(g["count"].max()), 1.0) if len(g) else []
    ax.scatter(g.index, g["mean"], s=sizes, color="#1f5f8b", alpha=0.8,
               label="mean rating (size: answers)")  # fmt: skip
    if "per extra visit" in effects.index and len(g):
        b = float(effects.loc["per extra visit", "slope"])
        xs = np.array([g.index.min(), g.index.max()], dtype=float)
        mid_x, mid_y = float(d["visits"].mean()), float(d["rating"].mean())
        ax.plot(xs, mid_y + b * (xs - mid_x), color="#c0392b",
                label=f"{b:+.2f} per extra visit (at mean lead time)")  # fmt: skip
    ax.set_xlabel("visits to offices")
    ax.set_ylabel("overall rating (1-5)")
    ax.set_ylim(1, 5.2)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, frameon=False, loc="lower left", markerscale=0.4)
    ax.grid(alpha=0.3)
    return ax


def emotion_plot(curve: pd.DataFrame, *, ax: Axes | None = None, **style: Any) -> Axes:
    """The emotion curve (-2..+2) over the steps, in the order of ``curve``.

    ``curve`` is :func:`analysis.feedback.emotion_curve`; steps in the
    journey's order give the journey map's curve.
    """
    ax = _axes(ax, figsize=(max(4.0, 1.2 * len(curve)), 2.8))
    x = np.arange(len(curve))
    ax.axhspan(-2.2, 0, color="#fbeaea", zorder=0)
    ax.axhline(0, color="#999999", lw=0.8)
    ax.plot(x, curve["emotion_mean"], marker="o", color=style.get("color", "#1f5f8b"))
    for i, (v, n) in enumerate(zip(curve["emotion_mean"], curve["answers"], strict=True)):
        ax.annotate(f"{v:+.1f} (n={n})", (i, v), textcoords="offset points", xytext=(0, 7),
                    ha="center", fontsize=7)  # fmt: skip
    ax.set_xticks(x, [_short(s, 18) for s in curve.index], fontsize=8, rotation=20, ha="right")
    ax.set_ylim(-2.2, 2.2)
    ax.set_ylabel("emotion (-2..+2)")
    ax.grid(axis="y", alpha=0.3)
    return ax


def emotion_overlay(
    journey: Journey,
    curve: pd.DataFrame,
    *,
    ax: Axes,
    path: list[str] | None = None,
    color: str = "#c0392b",
) -> Axes:
    """Draw the emotion curve over a service blueprint drawn on ``ax``; the new Axes.

    ``ax`` holds :func:`journeys.blueprint.blueprint` of ``journey`` (with the
    same ``path``); ``curve`` is :func:`analysis.feedback.emotion_curve`, its
    steps matched to the journey's by step id or name. Each matched step gets
    its mean emotion at its blueprint column, on a -2..+2 scale at the right
    (a twin of ``ax``, in the top third, over the citizen's rows); steps the survey does not name are left out, not
    drawn as 0.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from journeys import Journey, blueprint
    >>> j = Journey.from_catalog("business-licence")
    >>> curve = pd.DataFrame({"answers": [4, 3], "emotion_mean": [1.0, -1.5]},
    ...                      index=pd.Index(["Submit application", "tax_registration"], name="step"))
    >>> twin = emotion_overlay(j, curve, ax=blueprint(j))
    >>> twin.get_lines()[0].get_ydata().tolist()
    [1.0, -1.5]
    """
    from journeys._blueprint_layout import layout  # the blueprint's own columns

    lay = layout(journey, path)
    of_name = {s.name: s.id for s in journey.steps if s.name} | {s.id: s.id for s in journey.steps}
    where: dict[str, int] = {}
    for k, sid in enumerate(lay.order):
        where.setdefault(sid, lay.col[k])  # the first time the citizen meets the step
    xs, ys, ns = [], [], []
    for step, row in curve.iterrows():
        sid = of_name.get(str(step))
        if sid in where:
            xs.append(where[sid])
            ys.append(float(row["emotion_mean"]))
            ns.append(int(row["answers"]))
    order = np.argsort(xs, kind="stable")
    xs, ys, ns = (np.asarray(v)[order] for v in (xs, ys, ns))
    twin = ax.twinx()
    twin.plot(xs, ys, marker="o", color=color, lw=2, zorder=5, label="citizen emotion")
    for x, y, n in zip(xs, ys, ns, strict=True):
        twin.annotate(f"{y:+.1f} (n={n})", (x, y), textcoords="offset points", xytext=(0, 8),
                      ha="center", fontsize=7, color=color)  # fmt: skip
    twin.axhline(0, color=color, lw=0.6, ls=":", xmin=0.08)
    # -2..+2 in the top third of the blueprint (the citizen's rows), out of the boxes' way
    twin.set_ylim(-10.1, 2.4)
    twin.set_yticks([-2, -1, 0, 1, 2])
    twin.set_ylabel("citizen emotion (-2..+2)", color=color)
    twin.tick_params(axis="y", colors=color)
    return twin

"""The stacked bar of why cases wait (:mod:`analysis.waiting_causes`).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> t = pd.DataFrame({"activity": ["check", "sign"], "waits": [10, 4],
...     "waiting": [600.0, 3000.0], "batching": [0.0, 0.0], "contention": [300.0, 0.0],
...     "prioritisation": [0.0, 0.0], "unavailability": [100.0, 1000.0],
...     "extraneous": [200.0, 2000.0]})
>>> ax = cause_bars(t)
>>> [x.get_text() for x in ax.get_yticklabels()], ax.get_xlabel()
(['check', 'sign'], 'share of the waiting')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.finding import format_minutes
from analysis.plot_axes import _axes, _short
from analysis.waiting_causes import CAUSES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["CAUSE_COLOURS", "CAUSE_LABELS", "cause_bars"]

#: Colour of each cause: the desk's own causes warm, the rest cool and grey.
CAUSE_COLOURS: dict[str, str] = {
    "batching": "#8064a2",
    "contention": "#c0504d",
    "prioritisation": "#f79646",
    "unavailability": "#4f81bd",
    "extraneous": "#bfbfbf",
}
#: How the report names each cause.
CAUSE_LABELS: dict[str, str] = {
    "batching": "batching",
    "contention": "desk busy (contention)",
    "prioritisation": "later case served first",
    "unavailability": "desk off duty",
    "extraneous": "outside the desk (extraneous)",
}


def cause_bars(
    table: pd.DataFrame,
    *,
    label: str = "activity",
    top: int = 10,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """One bar per row, split by cause in shares of its waiting, largest total on top.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`analysis.waiting_causes.WaitingCauses.table` (``waiting`` and
        one column per cause, minutes).
    label : str
        The column that names each bar (``activity``, ``agency``, or
        ``handoff`` for ``source -> target``).
    top : int
        How many rows (by total waiting).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    t = table.sort_values("waiting", ascending=False, kind="stable").head(top).iloc[::-1]
    if label == "handoff":
        names = [f"{a} \u2192 {b}" for a, b in zip(t["source"], t["target"])]
    else:
        names = [str(x) for x in t[label]]
    total = t["waiting"].to_numpy(dtype=float)
    ax = _axes(ax, figsize=(8.5, 1.4 + 0.4 * max(len(t), 1)))
    left = np.zeros(len(t))
    y = np.arange(len(t))
    for cause in CAUSES:
        share = np.divide(
            t[cause].to_numpy(dtype=float), total, out=np.zeros(len(t)), where=total > 0
        )
        ax.barh(
            y, share, left=left, color=CAUSE_COLOURS[cause], label=CAUSE_LABELS[cause], height=0.7
        )
        for i, (x0, w) in enumerate(zip(left, share)):
            if w >= 0.08:
                ax.text(
                    x0 + w / 2,
                    i,
                    f"{100 * w:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if cause != "extraneous" else "#1d2733",
                )
        left += share
    for i, m in enumerate(total):
        ax.annotate(
            f"{format_minutes(m)} in all",
            (1.0, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, [_short(n, 40) for n in names])
    ax.set_xlim(0, 1.0)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("share of the waiting")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=8)
    if title:
        ax.set_title(title, pad=34)
    return ax

"""The figures of the mining report: the plots, each as inline SVG, and the process map.

Split from :mod:`odsc.report_mine`, which renders them into the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from odsc.figures import figure_svg
from odsc.mine_context import ReportMeta, has_start_times

if TYPE_CHECKING:  # pragma: no cover
    from analysis.mining import MiningResult

__all__: list[str] = []  # used by odsc.report_mine only


def _has_start(result: MiningResult) -> bool:
    return has_start_times(result.summary)


def _plots(result: MiningResult, meta: ReportMeta) -> dict[str, Any]:
    from markupsafe import Markup

    from analysis import plots

    out: dict[str, Any] = {}
    h = result.handoffs

    def draw(name: str, size: tuple[float, float], fn: Callable[[Any], Any]) -> None:
        out[name] = Markup(_svg(size, fn))

    if len(result.activities):
        n = min(10, len(result.activities))
        draw(
            "waiting",
            (8.5, 1.2 + 0.36 * n),
            lambda ax: plots.waiting_bars(
                result.activities,
                ax=ax,
                title="Where cases wait: total waiting before each step"
                if _has_start(result)
                else "Where cases wait: total time before each step",
            ),
        )
    if len(h):
        n = min(len(set(h["source"]).union(h["target"])), 15)
        size = (min(10.5, 2.4 + 0.85 * n), 1.4 + 0.5 * n)
        draw(
            "handoff_count",
            size,
            lambda ax: plots.handoff_heatmap(
                h, value="count", ax=ax, title="Number of handoffs between agencies"
            ),
        )
        draw(
            "handoff_delay",
            size,
            lambda ax: plots.handoff_heatmap(
                h, value="delay_median", ax=ax, title="Median delay of each handoff"
            ),
        )
    else:
        out["handoff_count"] = out["handoff_delay"] = ""
    out.setdefault("waiting", "")
    with_start = _has_start(result)
    draw(
        "ecdf",
        (8.5, 3.8),
        lambda ax: plots.lead_time_ecdf(
            result.case_kpis,
            ax=ax,
            columns=("lead_minutes", "waiting_minutes") if with_start else ("lead_minutes",),
            title="Lead time and total waiting per case" if with_start else "Lead time per case",
        ),
    )
    p = result.profiles
    draw(
        "arrivals",
        (6.0, 3.2),
        lambda ax: plots.profile_heatmap(
            p, value="arrivals", ax=ax, tz=meta.tz, title="When cases arrive (new cases)"
        ),
    )
    draw(
        "workload",
        (6.0, 3.2),
        lambda ax: plots.profile_heatmap(
            p, value="events", ax=ax, tz=meta.tz, title="When steps are completed (workload)"
        ),
    )
    if len(result.wip):
        draw("wip", (9.0, 3.2), lambda ax: plots.wip_plot(result.wip, ax=ax))
    else:
        out["wip"] = ""
    out["process_map"] = Markup(_process_map(result))
    return out


def _svg(size: tuple[float, float], fn: Callable[[Any], Any]) -> str:
    import matplotlib
    from matplotlib.figure import Figure

    from journeys.fonts import plot_rc

    # A bare Figure (no pyplot): nothing global changes and no window can open.
    style = {
        "svg.fonttype": "none",
        "font.size": 9.5,
        "svg.hashsalt": "odsc",
        "font.family": "sans-serif",
        **plot_rc(),  # DejaVu Sans, then a Lao font when installed
    }
    with matplotlib.rc_context(style):
        fig = Figure(figsize=size, layout="constrained")
        fn(fig.add_subplot())
        return figure_svg(fig, salt="odsc", tight=False)


def _process_map(result: MiningResult) -> str:
    try:
        from analysis.processmap import process_map_svg

        # 1,000 pt at the page width (1,040 px) keeps 9-pt arc labels above 9 px
        svg = process_map_svg(result, max_arcs=30, max_width=1000)
    except ImportError:  # the graphviz package is optional for the report
        return ""
    if not svg:
        return ""
    return svg[svg.index("<svg") :]


# ----- small helpers --------------------------------------------------------------------

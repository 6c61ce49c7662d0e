"""The demo's report: one self-contained HTML page from log to before/after.

Sections, in the order a ministry reads them: the headline before/after
figures; what the centre's log shows (its findings, with their numbers); how
well the calibrated as-is model reproduces the log; the redesign and why;
the two service blueprints side by side; the before/after table with
confidence intervals; and the distributions of lead time and visits.

Plots are inline SVG (no network needed to open the file) and all text is
autoescaped by Jinja2. Case ids and clerk names never appear: the report
shows only aggregate figures.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from odsc.figures import figure_svg

if TYPE_CHECKING:  # pragma: no cover
    from odsc.demo import DemoResult

__all__ = ["render_demo"]

_COSTS = frozenset({"citizen_cost", "staff_cost"})
_AS_IS = re.compile(r"\s*\(as[- ]is\b[^)]*\)\s*$", re.IGNORECASE)  # "(as-is, four offices)"


def _svg(fig: Any) -> str:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: a smaller page
        return figure_svg(fig, salt="odsc-demo")


def _fidelity_rows(r: DemoResult) -> list[dict[str, str]]:
    from analysis.findings import format_minutes

    f = r.fidelity
    rows = []
    for what, real, sim, err in (
        ("Median case duration", f.lead_median_real, f.lead_median_simulated, f.lead_median_error),
        ("90th percentile case duration", f.lead_p90_real, f.lead_p90_simulated, f.lead_p90_error),
    ):
        rows.append(
            {
                "what": what,
                "real": format_minutes(real),
                "sim": format_minutes(sim),
                "gap": f"{100 * err:+.0f}%",
                "target": "within 25%",
                "met": "yes" if abs(err) <= 0.25 else "no",
            }
        )
    rows.append(
        {
            "what": "Visits per case",
            "real": f"{f.visits_real:.2f}",
            "sim": f"{f.visits_simulated:.2f}",
            "gap": f"{100 * f.visits_error:+.0f}%",
            "target": "",
            "met": "",
        }
    )
    rows.append(
        {
            "what": "Step sequences (2-gram distance, 0 = same)",
            "real": "",
            "sim": "",
            "gap": f"{f.ngram_2:.3f}",
            "target": "below 0.2",
            "met": "yes" if f.ngram_2 < 0.2 else "no",
        }
    )
    return rows


def _plots(r: DemoResult) -> list[tuple[str, str]]:
    import matplotlib.pyplot as plt

    from simulations.plots import plot_ecdf, plot_visits

    ex = r.comparison.experiment
    out = []
    fig, ax = plt.subplots(figsize=(6.2, 3.6), layout="constrained")
    plot_ecdf(ex, "lead_days", xlabel="lead time (calendar days)", ax=ax)
    ax.set_title("Lead time per case", loc="left", fontsize=12, fontweight="bold")
    out.append(("Share of cases done within a given number of days.", _svg(fig)))
    fig, ax = plt.subplots(figsize=(6.2, 3.6), layout="constrained")
    plot_visits(ex, ax=ax)
    ax.set_title("Visits to offices", loc="left", fontsize=12, fontweight="bold")
    out.append(("Share of cases by number of visits (a visit: one office, one day).", _svg(fig)))
    return out


def render_demo(r: DemoResult) -> str:
    """The demo's report as HTML text.

    Examples
    --------
    >>> from odsc.demo import demo_pipeline
    >>> html = render_demo(demo_pipeline(seed=3, days=10, replications=2, sim_days=8, jobs=1))
    >>> import re
    >>> html.startswith("<!DOCTYPE html>"), bool(re.search(r"(src|href)=.https?:", html))
    (True, False)
    """
    import matplotlib

    matplotlib.use("Agg")
    from jinja2 import Environment, PackageLoader, select_autoescape

    from analysis.calibrate import calibration_notes
    from analysis.findings import format_minutes
    from journeys.blueprint import blueprint_pair
    from journeys.tcv import tcv_table
    from odsc.conclusions import change_conclusions
    from odsc.report_compare import _headline, _named, comparison_rows
    from odsc.tcv_format import _NOTE, tcv_context

    c = r.comparison
    ex = c.experiment
    alt = ex.scenarios[1]
    rows = [
        row
        for row in _named(comparison_rows(c), (r.as_is, r.to_be))
        if row["scenario"] == alt
        # the log holds no fees, travel costs or salaries: cost rows would read 0 -> 0
        and not (row["kpi"] in _COSTS and row["baseline"] == 0 and row["value"] == 0)
    ]
    s = r.mining.summary
    log_facts = {
        "cases": f"{int(s['cases']):,}",
        "events": f"{int(s['events']):,}",
        "agencies": int(s["agencies"]),
        "start": r.log["time:timestamp"].min().strftime("%d %b %Y"),
        "end": r.log["time:timestamp"].max().strftime("%d %b %Y"),
        "lead": format_minutes(s["lead_minutes_median"]),
        "lead_p90": format_minutes(s["lead_minutes_p90"]),
        "visits": f"{s['visits_mean']:.1f}",
        "handoff_share": f"{100 * s['handoff_delay_share']:.0f}%",
    }
    # 16:9 slides at one scale, one colour per agency: readable at the page's width
    pair = blueprint_pair(r.as_is, r.to_be, size="slide")
    maps = [(title, j.name or j.id, _svg(ax.figure)) for title, j, ax in
            zip(("Before: as-is", "After: one door"), (r.as_is, r.to_be), pair)]  # fmt: skip
    env = Environment(
        loader=PackageLoader("odsc", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("demo.html.j2").render(
        r=r,
        service=_AS_IS.sub("", r.reference.name),
        log=log_facts,
        findings=r.mining.findings[:6],
        notes=calibration_notes(r.as_is),
        fidelity=_fidelity_rows(r),
        fidelity_ok=r.fidelity.passed(),
        cards=_headline(rows, alt, r.as_is.currency),
        verdicts=change_conclusions(rows, alt),
        tcv=tcv_context(tcv_table(r.as_is, r.to_be)),
        tcv_note=_NOTE,
        rows=rows,
        groups=[g for g in dict.fromkeys(row["group"] for row in rows)],
        plots=_plots(r),
        maps=maps,
        setup=(
            f"{ex.replications} replications of {ex.days} working days of arrivals (the first "
            f"{ex.warmup_days} warm up the desks), {ex.tail_days} more days to let cases finish; "
            f"seed {ex.seed}; 95% confidence intervals of paired differences (common random "
            "numbers)."
        ),
    )

"""The sweep report: one plot per KPI, the table of points, where each design stops.

:func:`sweep_text` is what ``odsc sweep`` prints; :func:`kpi_plot` draws one
KPI against the swept variable, a line per design with its 95% CI band and
the standard or target as a dashed line (``ax=``); :func:`render_sweep`
writes the self-contained HTML (inline SVG, no scripts, escaped text) or
JSON (``null`` where a figure is not recorded).
"""

from __future__ import annotations

import json
import math
from typing import Any

from simulations.sweep import Sweep

__all__ = ["KPIS", "kpi_plot", "render_sweep", "sweep_text"]

#: The KPIs of a sweep, in report order: (figure, label, is a share).
KPIS: tuple[tuple[str, str, bool], ...] = (
    ("worst", "Served within the standard at the worst desk", True),
    ("within", "Served within the standard, all citizen-facing desks", True),
    ("lead_median", "Lead time, median (days)", False),
    ("lead_p90", "Lead time, p90 (days)", False),
    ("lead_within", "Cases within the lead-time target", True),
)
_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _fmt(ci: tuple[float, float, float], share: bool) -> str:
    m, lo, hi = ci
    if math.isnan(m):
        return "not recorded"
    if share:
        return f"{m:.0%}" if math.isnan(lo) else f"{m:.0%} ({max(lo, 0):.0%}-{min(hi, 1):.0%})"
    return f"{m:.1f}" if math.isnan(lo) else f"{m:.1f} ({lo:.1f}-{hi:.1f})"


def _axis(sw: Sweep) -> str:
    if sw.variable == "arrivals":
        return "Demand (multiple of today's arrivals)"
    if sw.variable == "desks":
        return f"Desks at {sw.pool}"
    return "Courier runs a working day"


def _kpis(sw: Sweep) -> list[tuple[str, str, bool]]:
    out = []
    for key, label, share in KPIS:
        if key == "lead_within" and sw.lead_target is None:
            continue
        if key == "lead_within":
            label = f"Cases within {sw.lead_target.text.split(' within ')[1]}"
        if key in ("worst", "within"):
            label = label.replace("the standard", f"{sw.standard.text.split(' within ')[1]}")
        out.append((key, label, share))
    return out


def sweep_text(sw: Sweep) -> str:
    """The table and sentences ``odsc sweep`` prints."""
    from tabulate import tabulate

    kp = _kpis(sw)
    head = ["design", _axis(sw)] + [label for _, label, _ in kp] + ["meets"]
    rows = []
    for p in sw.points:
        rows.append([p.design, f"{p.value:g}"]
                    + [_fmt(p.summary.figures.get(k, (math.nan,) * 3), s) for k, _, s in kp]
                    + ["yes" if p.meets else "no: " + ", ".join(p.misses)])  # fmt: skip
    lines = [
        f"Queue standard {sw.standard.text} at every citizen-facing desk; lead-time target: "
        + (sw.lead_target.text if sw.lead_target else "none")
        + f". {sw.replications} replications a point ({sw.days} + {sw.tail_days} working days),"
        " common random numbers.",
        "",
        tabulate(rows, head, tablefmt="simple", disable_numparse=True),
        "",
    ]
    lines += [sw.sentence(d) for d in sw.designs]
    return "\n".join(lines) + "\n"


def kpi_plot(sw: Sweep, key: str, *, ax: Any = None) -> Any:
    """One KPI against the swept variable: a line and 95% band per design."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.2, 3.8))
    share = dict((k, s) for k, _, s in KPIS)[key]
    label = dict((k, lab) for k, lab, _ in _kpis(sw))[key]
    scale = 100.0 if share else 1.0
    for i, d in enumerate(sw.designs):
        pts = [p for p in sw.points if p.design == d]
        x = [p.value for p in pts]
        f = [p.summary.figures.get(key, (math.nan,) * 3) for p in pts]
        c = _COLOURS[i % len(_COLOURS)]
        ax.plot(x, [m * scale for m, _, _ in f], "o-", color=c, label=d, lw=2, ms=4)
        ax.fill_between(x, [lo * scale for _, lo, _ in f], [hi * scale for _, _, hi in f],
                        color=c, alpha=0.18, lw=0)  # fmt: skip
        v = sw.holds.get(d)
        if v is not None and d not in sw.beyond:
            ax.axvline(v, color=c, ls=":", lw=1.2)
    target = sw.standard.share if key in ("worst", "within") else (
        sw.lead_target.share if key == "lead_within" and sw.lead_target else None)  # fmt: skip
    if target is not None:
        ax.axhline(target * 100, color="#555555", ls="--", lw=1)
        ax.annotate(f"target {target:.0%}", (0, target * 100), xycoords=("axes fraction", "data"),
                    xytext=(4, 3), textcoords="offset points", fontsize=8, color="#333333")
    if sw.variable != "arrivals":
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_axis(sw))
    ax.set_ylabel("%" if share else "days")
    ax.set_title(label, fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return ax


def _nan(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def render_sweep(sw: Sweep, *, fmt: str = "html") -> str:
    """The report as HTML or JSON text."""
    if fmt == "json":
        return json.dumps({
            "variable": sw.variable, "pool": sw.pool, "values": list(sw.values),
            "standard": sw.standard.text,
            "lead_target": sw.lead_target.text if sw.lead_target else None,
            "replications": sw.replications,
            "holds_up_to": dict(sw.holds), "meets_over_the_whole_range": list(sw.beyond),
            "sentences": [sw.sentence(d) for d in sw.designs],
            "points": [{"design": p.design, "value": p.value, "meets": p.meets,
                        "misses": list(p.misses),
                        "figures": {k: [_nan(v) for v in ci] for k, ci in p.summary.figures.items()}}
                       for p in sw.points],
        }, indent=2, ensure_ascii=False) + "\n"  # fmt: skip
    from jinja2 import Environment, PackageLoader, select_autoescape

    from odsc.figures import figure_svg

    plots = []
    for key, label, _ in _kpis(sw):
        ax = kpi_plot(sw, key)
        plots.append({"label": label, "svg": figure_svg(ax.figure, salt=f"sweep-{key}")})
    kp = _kpis(sw)
    rows = [{"design": p.design, "value": f"{p.value:g}", "meets": p.meets,
             "misses": ", ".join(p.misses),
             "figs": [_fmt(p.summary.figures.get(k, (math.nan,) * 3), s) for k, _, s in kp]}
            for p in sw.points]  # fmt: skip
    env = Environment(
        loader=PackageLoader("odsc", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("sweep.html.j2").render(
        sw=sw, plots=plots, rows=rows, heads=[lab for _, lab, _ in kp], axis=_axis(sw),
        sentences=[sw.sentence(d) for d in sw.designs],
    )

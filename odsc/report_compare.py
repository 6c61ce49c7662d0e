"""The before/after report of ``odsc compare``: terminal table, HTML, Markdown, JSON.

The HTML is one self-contained file: CSS inline, plots as inline SVG, no
script and nothing fetched from the network. Every text that comes from a
journey file is escaped (Jinja2 autoescape).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey
    from simulations.experiments import Comparison

__all__ = ["comparison_rows", "comparison_table_text", "render_comparison"]


def _fmt(kpi: str, v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if kpi == "within_sla" or kpi.startswith("util:"):
        return f"{100 * v:.0f}%"
    if kpi in ("citizen_cost", "staff_cost"):
        return f"{v:,.0f}"
    if kpi in ("finished", "unfinished"):
        return f"{v:,.0f}"
    return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}"


def _fmt_diff(kpi: str, v: float) -> str:
    if v is None or math.isnan(v):
        return "n/a"
    if kpi == "within_sla" or kpi.startswith("util:"):
        return f"{100 * v:+.0f} pts"
    s = _fmt(kpi, abs(v))
    return ("+" if v >= 0 else "-") + s


def comparison_rows(result: Comparison) -> list[dict[str, Any]]:
    """Rows of the before/after table as display strings (and the raw numbers).

    Examples
    --------
    >>> _fmt("within_sla", 0.856), _fmt_diff("lead_median", -12.25)
    ('86%', '-12.2')
    """
    rows = []
    for r in result.table.to_dict("records"):
        k = r["kpi"]
        ci = (
            f"[{_fmt_diff(k, r['diff_low'])}, {_fmt_diff(k, r['diff_high'])}]"
            if not math.isnan(r["diff_low"])
            else ""
        )
        change = r["change"]
        rows.append(
            {
                **r,
                "baseline_text": _fmt(k, r["baseline"]),
                "value_text": _fmt(k, r["value"]),
                "diff_text": _fmt_diff(k, r["diff"]),
                "ci_text": ci,
                "change_text": "" if math.isnan(change) else f"{100 * change:+.0f}%",
                "significant": bool(
                    not math.isnan(r["diff_low"]) and (r["diff_low"] > 0 or r["diff_high"] < 0)
                ),
            }
        )
    return rows


def comparison_table_text(result: Comparison) -> str:
    """The before/after table for a terminal, one block per alternative."""
    ex = result.experiment
    out = [
        f"{ex.replications} replications x {ex.days} working days "
        f"({ex.warmup_days} warm-up), seed {ex.seed}; 95% confidence intervals of the paired "
        "difference (common random numbers)."
    ]
    rows = comparison_rows(result)
    for alt in ex.scenarios[1:]:
        part = [r for r in rows if r["scenario"] == alt]
        head = ("KPI", result.baseline, alt, "change", "95% CI of change", "")
        body = [
            (
                r["label"],
                r["baseline_text"],
                r["value_text"],
                r["diff_text"],
                r["ci_text"],
                r["change_text"],
            )
            for r in part
        ]
        widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
        line = "  ".join("{:<%d}" % w if i == 0 else "{:>%d}" % w for i, w in enumerate(widths))
        out.append("")
        out.append(line.format(*head))
        out.append("  ".join("-" * w for w in widths))
        out.extend(line.format(*b) for b in body)
    return "\n".join(out)


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _headline(rows: list[dict[str, Any]], alt: str) -> list[str]:
    by = {r["kpi"]: r for r in rows if r["scenario"] == alt}
    lines = []
    for kpi, what, unit in (
        ("lead_median", "Median lead time", "days"),
        ("waiting_median", "Median waiting per case", "hours"),
        ("visits", "Visits to offices per case", ""),
        ("citizen_cost", "Citizen cost per case", ""),
    ):
        r = by.get(kpi)
        if r is None or math.isnan(r["baseline"]) or math.isnan(r["value"]):
            continue
        sig = "" if r["significant"] else " (not significant at 95%)"
        lines.append(
            f"{what}: {r['baseline_text']} -> {r['value_text']} {unit}"
            f" ({r['change_text'] or r['diff_text']}){sig}".replace("  ", " ")
        )
    return lines


def render_comparison(
    result: Comparison, journeys: Sequence[Journey] = (), *, fmt: str = "html"
) -> str:
    """The report as text: ``fmt`` is ``html``, ``md`` or ``json``."""
    rows = comparison_rows(result)
    ex = result.experiment
    if fmt == "json":
        return json.dumps(
            {
                "baseline": result.baseline,
                "scenarios": list(ex.scenarios),
                "replications": ex.replications,
                "days": ex.days,
                "warmup_days": ex.warmup_days,
                "seed": ex.seed,
                "comparison": _plain(result.table.to_dict("records")),
                "summary": _plain(ex.summary().to_dict("records")),
            },
            indent=2,
        )
    if fmt == "md":
        out = [f"# Before/after: {' vs '.join(ex.scenarios)}", ""]
        out.append(
            f"{ex.replications} replications x {ex.days} working days ({ex.warmup_days} warm-up),"
            f" seed {ex.seed}."
        )
        for alt in ex.scenarios[1:]:
            out += ["", f"## {result.baseline} -> {alt}", ""]
            out += [f"- {h}" for h in _headline(rows, alt)]
            out += ["", f"| KPI | {result.baseline} | {alt} | change | 95% CI | % |"]
            out.append("|---|---:|---:|---:|---:|---:|")
            for r in rows:
                if r["scenario"] == alt:
                    out.append(
                        f"| {r['label']} | {r['baseline_text']} | {r['value_text']} | "
                        f"{r['diff_text']} | {r['ci_text']} | {r['change_text']} |"
                    )
        return "\n".join(out) + "\n"
    if fmt != "html":
        raise ValueError(f"unknown format {fmt!r}")
    return _html(result, rows, journeys)


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if hasattr(obj, "item"):
        return _plain(obj.item())
    return obj


def _html(result: Comparison, rows: list[dict[str, Any]], journeys: Sequence[Journey]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from jinja2 import Environment, PackageLoader, select_autoescape

    from journeys.blueprint import blueprint
    from simulations.plots import plot_ecdf, plot_queue_by_hour, plot_utilisation, plot_visits

    ex = result.experiment
    plots = []
    for title, draw in (
        ("Lead time per case", lambda ax: plot_ecdf(ex, "lead_days", xlabel="lead time (days)", ax=ax)),
        (
            "Waiting per case",
            lambda ax: plot_ecdf(ex, "waiting_hours", xlabel="total waiting (hours)", ax=ax),
        ),
        ("Visits to offices", lambda ax: plot_visits(ex, ax=ax)),
        ("Queue length by hour of day", lambda ax: plot_queue_by_hour(ex, ax=ax)),
    ):
        fig, ax = plt.subplots(figsize=(6.2, 3.6), layout="constrained")
        draw(ax)
        ax.set_title(title, loc="left", fontsize=11)
        plots.append((title, _svg(fig)))
    ax = plot_utilisation(ex)
    ax.set_title("Staff utilisation per desk pool", loc="left", fontsize=11)
    plots.append(("Staff utilisation per desk pool", _svg(ax.figure)))
    maps = []
    for j in journeys:
        ax = blueprint(j)
        maps.append((j.name, _svg(ax.figure)))
    env = Environment(
        loader=PackageLoader("odsc", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    template = env.get_template("compare.html.j2")
    return template.render(
        ex=ex,
        baseline=result.baseline,
        alternatives=ex.scenarios[1:],
        rows=rows,
        headlines={alt: _headline(rows, alt) for alt in ex.scenarios[1:]},
        plots=plots,
        maps=maps,
        names={j.id: j.name for j in journeys},
    )

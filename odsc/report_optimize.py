"""The staffing report: the chosen desks, the trade-off curve, every candidate simulated.

:func:`staffing_rows` and :func:`staffing_text` give the table ``odsc optimize``
prints; :func:`tradeoff_plot` draws cost against the share served within the
standard at the worst citizen-facing desk, one point per candidate (``ax=``);
:func:`render_staffing` writes the self-contained HTML (inline SVG, no
scripts, every journey text escaped by Jinja2 autoescape) or JSON. Figures a
run does not hold (no citizen-facing desk, money not recorded) are shown as
"not recorded" with the reason, and are ``null`` in JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from simulations.optimize import Candidate, StaffingPlan

__all__ = ["render_staffing", "staffing_rows", "staffing_text", "tradeoff_plot"]

NOT_RECORDED = "not recorded"


def _pct(ci: tuple[float, float, float]) -> str:
    m, lo, hi = ci
    if math.isnan(m):
        return NOT_RECORDED
    if 0 < m < 0.005:
        return "<1%"
    if math.isnan(lo):
        return f"{m:.0%}"
    return f"{m:.0%} ({max(lo, 0):.0%}-{min(hi, 1):.0%})"


def _num(ci: tuple[float, float, float], digits: int = 1) -> str:
    m, lo, hi = ci
    if math.isnan(m):
        return NOT_RECORDED
    if math.isnan(lo):
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"


def _cost(plan: StaffingPlan, c: Candidate) -> str:
    return f"{c.cost:,.0f}" if plan.money else f"{c.desk_hours:,.0f} desk-hours"


def _nan(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def staffing_rows(plan: StaffingPlan) -> list[dict[str, Any]]:
    """One row per pool: desks today and chosen, Erlang C bounds, share within, utilisation."""
    chosen = plan.chosen
    rows = []
    today = dict(plan.today.desks)
    for pool, _ in plan.today.desks:
        s = (chosen or plan.today).summary
        within = s.figures.get(f"within:{pool}", (math.nan,) * 3)
        serves = "citizens" if f"within:{pool}" in s.figures else "back office"
        rows.append(
            {
                "pool": pool,
                "serves": serves,
                "today": today[pool],
                "chosen": dict(chosen.desks)[pool] if chosen else None,
                "bounds": plan.bounds.get(pool),
                "within_today": plan.today.summary.figures.get(f"within:{pool}", (math.nan,) * 3),
                "within": within,
                "util": s.figures.get(f"util:{pool}", (math.nan,) * 3),
            }
        )
    return rows


def staffing_text(plan: StaffingPlan) -> str:
    """The plain-text summary ``odsc optimize`` prints."""
    from tabulate import tabulate

    std = plan.standard
    lines = [
        f"Queue standard: {std.text} at every citizen-facing desk; lead-time target: "
        + (plan.lead_target.text if plan.lead_target else "none"),
        f"Cost: {plan.cost_basis}.",
        f"{len(plan.candidates)} staffings simulated ({plan.simulations} runs: "
        f"{plan.replications} replications of {plan.days} + {plan.tail_days} working days each,"
        " common random numbers).",
        "",
    ]
    head = ["pool", "serves", "today", "chosen", "Erlang C bounds", f"within {std.text.split(' within ')[1]} today",
            "with the chosen desks", "utilisation"]  # fmt: skip
    body = []
    for r in staffing_rows(plan):
        lo_hi = r["bounds"]
        body.append(
            [
                r["pool"],
                r["serves"],
                r["today"],
                "-" if r["chosen"] is None else r["chosen"],
                f"{lo_hi[0]}-{lo_hi[1]}" if lo_hi else "",
                _pct(r["within_today"]) if r["serves"] == "citizens" else "no queue standard",
                _pct(r["within"]) if r["serves"] == "citizens" else "",
                _pct(r["util"]),
            ]
        )
    lines.append(tabulate(body, head, tablefmt="simple", disable_numparse=True))
    lines.append("")
    c = plan.chosen
    cols = [plan.today] + ([c] if c else [])
    t2 = [
        ["staff cost a week" if plan.money else "open desk-hours a week"]
        + [_cost(plan, x) for x in cols],
        ["desks"] + [str(x.total_desks) for x in cols],
        [f"worst desk: served within {std.text.split(' within ')[1]}"]
        + [_worst(x) for x in cols],
        ["lead time, median (days)"] + [_num(x.summary.figures["lead_median"]) for x in cols],
        ["lead time, p90 (days)"] + [_num(x.summary.figures["lead_p90"]) for x in cols],
    ]
    if plan.lead_target is not None:
        t2.append([f"lead time: {plan.lead_target.text}"]
                  + [_pct(x.summary.figures["lead_within"]) for x in cols])  # fmt: skip
    t2.append(["meets every target"] + ["yes" if x.meets else "no: " + ", ".join(x.misses)
                                         for x in cols])  # fmt: skip
    lines.append(tabulate(t2, ["", "today", "chosen"][: 1 + len(cols)], tablefmt="simple",
                          disable_numparse=True))  # fmt: skip
    if c is None:
        lines.append("")
        lines.append("No staffing met every target: " + "; ".join(plan.notes))
    return "\n".join(lines) + "\n"


def _worst(c: Candidate) -> str:
    ci = c.summary.figures.get("worst", (math.nan,) * 3)
    return _pct(ci) if not math.isnan(ci[0]) else f"{NOT_RECORDED} (no citizen queues at a desk)"


def _label(plan: StaffingPlan, c: Candidate) -> str:
    today = dict(plan.today.desks)
    diff = [f"{p} {today[p]} \u2192 {n}" for p, n in c.desks if n != today[p]]
    return ", ".join(diff) if diff else "today's desks"


def tradeoff_plot(plan: StaffingPlan, *, ax: Any = None) -> Any:
    """Cost (x) against the share served within the standard at the worst desk (y).

    One point per candidate with its 95% CI, labelled by its total desks; the
    standard is the dashed line; today and the chosen staffing are marked.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.2))
    std = plan.standard
    key = "worst"
    if all(math.isnan(c.summary.mean("worst")) for c in plan.candidates) and plan.lead_target:
        key, std = "lead_within", plan.lead_target  # no citizen-facing desk: the lead time
    xs = [c.cost if plan.money else c.desk_hours for c in plan.candidates]
    scale = 1e6 if plan.money and max(xs) >= 1e6 else (1e3 if plan.money and max(xs) >= 1e4 else 1)
    unit = {1e6: " (millions)", 1e3: " (thousands)", 1: ""}[scale]
    placed: list[tuple[float, float]] = []
    for c, x in zip(plan.candidates, xs):
        m, lo, hi = c.summary.figures.get(key, (math.nan,) * 3)
        if math.isnan(m):
            continue
        colour = "#009E73" if c.meets else "#D55E00"
        err = None if math.isnan(lo) else [[m - lo], [hi - m]]
        ax.errorbar([x / scale], [m * 100], yerr=None if err is None else [[e[0] * 100] for e in err],
                    fmt="o", color=colour, ms=7, capsize=3, zorder=3)  # fmt: skip
        crowded = any(abs(px - x / scale) < 0.02 * (max(xs) - min(xs) + 1e-9) / scale
                      and abs(py - m * 100) < 1.5 for px, py in placed)  # fmt: skip
        if c is not plan.today and c is not plan.chosen and not crowded:
            ax.annotate(f"{c.total_desks} desks", (x / scale, m * 100), textcoords="offset points",
                        xytext=(6, -12), fontsize=8, color="#34495e")  # fmt: skip
            placed.append((x / scale, m * 100))
    ax.axhline(std.share * 100, color="#555555", ls="--", lw=1)
    ax.text(ax.get_xlim()[0], std.share * 100, f" standard: {std.text}", va="bottom",
            fontsize=9, color="#333333")  # fmt: skip
    for c, marker, name in ((plan.today, "s", "today"), (plan.chosen, "*", "chosen")):
        if c is None:
            continue
        x = (c.cost if plan.money else c.desk_hours) / scale
        y = c.summary.mean(key) * 100
        ax.scatter([x], [y], s=260 if marker == "*" else 130, marker=marker,
                   facecolors="none" if marker == "s" else "#0072B2",
                   edgecolors="#0072B2", linewidths=2, zorder=4)  # fmt: skip
        right = x >= (min(xs) + 0.75 * (max(xs) - min(xs))) / scale
        ax.annotate(f"{name}: {c.total_desks} desks", (x, y), textcoords="offset points",
                    xytext=(-8 if right else 8, 8), ha="right" if right else "left",
                    fontsize=10, fontweight="bold", color="#0072B2")  # fmt: skip
    ax.set_xlabel(("Staff cost a week, " + plan.journey.currency + unit) if plan.money
                  else "Open desk-hours a week (money not recorded)")  # fmt: skip
    where = "at the worst desk" if key == "worst" else "(cases, lead time)"
    ax.set_ylabel(f"Within {std.text.split(' within ')[1]} {where} (%)")
    ax.set_title("Each staffing simulated: green meets the standard, orange does not",
                 fontsize=11, loc="left")  # fmt: skip
    ax.grid(alpha=0.3)
    return ax


def _context(plan: StaffingPlan, journey_name: str) -> dict[str, Any]:
    from odsc.figures import figure_svg

    ax = tradeoff_plot(plan)
    svg = figure_svg(ax.figure, salt="optimize")
    cands = sorted(plan.candidates, key=lambda c: (c.cost if plan.money else c.desk_hours))
    return {
        "plan": plan,
        "name": journey_name,
        "text": staffing_text(plan),
        "rows": staffing_rows(plan),
        "svg": svg,
        "candidates": [
            {
                "label": _label(plan, c),
                "desks": c.total_desks,
                "cost": _cost(plan, c),
                "worst": _worst(c),
                "lead_p90": _num(c.summary.figures["lead_p90"]),
                "meets": c.meets,
                "misses": ", ".join(c.misses),
                "hours": c.hours,
                "chosen": c is plan.chosen,
            }
            for c in cands
        ],
        "pct": _pct,
        "num": _num,
        "cost": lambda c: _cost(plan, c),
    }


def render_staffing(plan: StaffingPlan, *, journey_name: str, fmt: str = "html") -> str:
    """The report as HTML or JSON text (``fmt``)."""
    if fmt == "json":
        def cand(c: Candidate | None) -> Any:
            if c is None:
                return None
            return {
                "desks": dict(c.desks),
                "hours": c.hours,
                "cost_per_week": _nan(c.cost) if plan.money else None,
                "desk_hours_per_week": c.desk_hours,
                "meets": c.meets,
                "misses": list(c.misses),
                "figures": {k: [_nan(v) for v in ci] for k, ci in c.summary.figures.items()},
            }

        return json.dumps(
            {
                "journey": plan.journey.id,
                "standard": plan.standard.text,
                "lead_target": plan.lead_target.text if plan.lead_target else None,
                "cost_basis": plan.cost_basis,
                "cost_not_recorded": None if plan.money else plan.cost_basis,
                "bounds": {k: list(v) for k, v in plan.bounds.items()},
                "simulations": plan.simulations,
                "replications": plan.replications,
                "today": cand(plan.today),
                "chosen": cand(plan.chosen),
                "candidates": [cand(c) for c in plan.candidates],
                "notes": list(plan.notes),
            },
            indent=2,
            ensure_ascii=False,
        ) + "\n"
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("odsc", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("optimize.html.j2").render(**_context(plan, journey_name))

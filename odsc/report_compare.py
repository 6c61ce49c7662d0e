"""The before/after report of ``odsc compare``: terminal table, HTML, Markdown, JSON.

The HTML is one self-contained file: CSS inline, plots as inline SVG, no
script and nothing fetched from the network. Every text that comes from a
journey file is escaped (Jinja2 autoescape). The report shows no case ids nor
clerks: only figures over replications.

Examples
--------
>>> _fmt("within_sla", 0.856), _fmt_diff("lead_median", -12.25), _fmt("citizen_cost", 1234567.8)
('86%', '-12.2', '1,234,568')
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from odsc.conclusions import change_conclusions
from odsc.figures import figure_svg

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey
    from simulations.experiments import Comparison

__all__ = ["FORMATS", "comparison_rows", "comparison_table_text", "render_comparison"]

#: Report formats :func:`render_comparison` writes.
FORMATS: tuple[str, ...] = ("html", "md", "json")

#: Table sections: title and the KPIs they hold (utilisations go last).
_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Time",
        ("lead_median", "lead_mean", "lead_p90", "waiting_median", "waiting_mean", "waiting_p90"),
    ),
    ("Visits and handoffs", ("visits", "doors", "handoffs")),
    ("Cost", ("citizen_cost", "staff_cost")),
    ("Queue standard", ("desk_within_sla", "desk_queue", "within_sla")),
    ("Cases", ("cases", "unfinished")),
)

#: KPIs where a rise is good news; for the others (but utilisation and counts) a fall is.
_HIGHER_IS_BETTER = frozenset({"within_sla", "desk_within_sla"})
_NEUTRAL = frozenset({"cases", "unfinished"})
#: KPIs that are shares: shown in %, changes in points.
_SHARES = frozenset({"within_sla", "desk_within_sla"})

#: No SVG metadata: no date (same run, same page) and no RDF block with outside links.

#: Headline figures: KPI, what, unit.
#: The three TCV tiles (Time, Cost, Visits) are always shown, "not recorded" when the
#: journeys do not hold the figure; the queue standard follows.
_HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("lead_median", "Time: lead time (median)", "days"),
    ("citizen_cost", "Cost to the citizen", "per case"),
    ("visits", "Visits to offices", "per case"),
    ("desk_within_sla", "Desk services within the standard (every desk and visit)", ""),
)

_NOT_RECORDED = {
    "citizen_cost": "the journeys hold no fees, travel costs or value of time",
    "within_sla": "no desk queue of a citizen was measured",
    "desk_within_sla": "no desk queue of a citizen was measured",
    "desk_queue": "no desk queue of a citizen was measured",
    "lead_median": "no measured case finished",
    "visits": "no measured case finished, or no step needs the citizen in person",
}


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _fmt(kpi: str, v: float) -> str:
    if _nan(v):
        known = ("citizen_cost", "staff_cost", "visits", "doors", "within_sla", "desk_within_sla",
                 "desk_queue")  # fmt: skip
        return "not recorded" if kpi in known else "–"
    if kpi in _SHARES or kpi.startswith("util:"):
        return f"{100 * v:.0f}%"
    if kpi == "desk_queue":
        from analysis.findings import format_minutes

        return format_minutes(v)  # minutes, hours or days, as the value needs
    if kpi in ("citizen_cost", "staff_cost", "cases", "unfinished"):
        return f"{v:,.0f}" if abs(v) >= 10 or kpi != "unfinished" else f"{v:.2g}"
    if kpi in ("visits", "doors", "handoffs") and float(v).is_integer():
        return f"{v:,.0f}"  # a whole count: no decimals
    return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}"


def _fmt_diff(kpi: str, v: float) -> str:
    if _nan(v):
        return "–"
    if kpi in _SHARES or kpi.startswith("util:"):
        return f"{100 * v:+.0f} pts"
    s = _fmt(kpi, abs(v))
    return ("+" if v >= 0 else "-") + s


def _verdict(kpi: str, row: dict[str, Any], significant: bool) -> str:
    """``better``, ``worse`` or ``""`` (not significant, or neither good nor bad)."""
    if not significant or kpi in _NEUTRAL or kpi.startswith("util:"):
        return ""
    up = row["diff"] > 0
    return "better" if up == (kpi in _HIGHER_IS_BETTER) else "worse"


def comparison_rows(result: Comparison) -> list[dict[str, Any]]:
    """Rows of the before/after table as display strings, with the raw numbers.

    Each row of ``result.table`` gains ``baseline_text``, ``value_text``,
    ``diff_text``, ``ci_text``, ``change_text``, ``significant`` (the CI of
    the paired difference excludes 0), ``verdict`` (``better``/``worse``/``""``)
    and ``group`` (the table section).
    """
    group_of = {k: g for g, ks in _GROUPS for k in ks}
    rows = []
    for r in result.table.to_dict("records"):
        k = r["kpi"]
        lo, hi = r["diff_low"], r["diff_high"]
        ci = "" if _nan(lo) else f"{_fmt_diff(k, lo)} to {_fmt_diff(k, hi)}"
        significant = bool(not _nan(lo) and (lo > 0 or hi < 0))
        change = r["change"]
        rows.append(
            {
                **r,
                "baseline_text": _fmt(k, r["baseline"]),
                "value_text": _fmt(k, r["value"]),
                "diff_text": _fmt_diff(k, r["diff"]),
                "ci_text": ci,
                "change_text": "" if _nan(change) else f"{100 * change:+.0f}%",
                "significant": significant,
                "verdict": _verdict(k, r, significant),
                "group": group_of.get(k, "Staff utilisation"),
            }
        )
    return rows


def _named(rows: list[dict[str, Any]], journeys: Sequence[Journey]) -> list[dict[str, Any]]:
    """Rows with the currency on money and desk-pool names instead of ids."""
    currency = journeys[0].currency if journeys else ""
    pools = _pool_names(journeys)
    for r in rows:
        if r["kpi"] in ("citizen_cost", "staff_cost") and currency:
            r["label"] = f"{r['label']} ({currency})"
        if r["kpi"].startswith("util:"):
            pool = r["kpi"].split(":", 1)[1]
            r["label"] = f"Utilisation of {pools.get(pool, pool)}"
    return rows


def _pool_names(journeys: Sequence[Journey]) -> dict[str, str]:
    """Pool id -> display name over all the journeys; a pool whose role differs between
    them (front desk before, back office after) is named by its agency alone."""
    seen: dict[str, set[str]] = {}
    plain: dict[str, str] = {}
    for j in journeys:
        for p in j.pools:
            seen.setdefault(p.id, set()).add(_pool_name(j, p))
            plain.setdefault(p.id, _pool_name(j, p, role=False))
    return {k: next(iter(v)) if len(v) == 1 else plain[k] for k, v in seen.items()}


def _pool_name(j: Journey, p: Any, *, role: bool = True) -> str:
    """A desk pool as people call it: its name, else its agency's desks, else its id."""
    if p.name:
        return str(p.name)
    agency = next((a for a in j.agencies if a.id == p.agency), None)
    if agency is not None:
        facing = any(s.pool == p.id and s.citizen_present for s in j.steps)
        where = (", front desk" if facing else ", back office") if role else ""
        desks = "1 desk" if p.capacity == 1 else f"{p.capacity} desks"
        return f"{agency.name or agency.id}{where} ({desks})"
    return str(p.id)


def _setup_line(result: Comparison) -> str:
    ex = result.experiment
    pct = f"{100 * result.level:g}%"
    return (
        f"{ex.replications} replications; citizens arrive on {ex.days} working days "
        f"(the first {ex.warmup_days} warm up the desks and are not measured), then "
        f"{ex.tail_days} more days let measured cases finish; seed {ex.seed}. "
        f"Intervals: {pct} confidence, paired differences (common random numbers)."
    )


def comparison_table_text(result: Comparison, journeys: Sequence[Journey] = ()) -> str:
    """The before/after table for a terminal, one block per alternative.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> from simulations.experiments import compare
    >>> c = compare(load_catalog("family-book"), load_catalog("family-book-one-door"),
    ...             replications=2, days=4, warmup_days=1, tail_days=45, seed=1, jobs=1)
    >>> print(comparison_table_text(c))  # doctest: +ELLIPSIS
    2 replications; ...
    KPI ...family-book  family-book-one-door  change  95% CI of change      %
    ...
    Visits to offices per case ...
    """
    ex = result.experiment
    out = [_setup_line(result)]
    rows = _named(comparison_rows(result), journeys)
    pct = f"{100 * result.level:g}%"
    for alt in ex.scenarios[1:]:
        part = [r for r in rows if r["scenario"] == alt]
        head = ("KPI", result.baseline, alt, "change", f"{pct} CI of change", "%")
        body = [
            (r["label"], r["baseline_text"], r["value_text"], r["diff_text"], r["ci_text"])
            + (r["change_text"],)
            for r in part
        ]
        widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
        out.append("")
        for cells in [head, tuple("-" * w for w in widths), *body]:
            out.append(
                "  ".join(
                    str(c).ljust(w) if i == 0 else str(c).rjust(w)
                    for i, (c, w) in enumerate(zip(cells, widths))
                ).rstrip()
            )
    unfinished = ex.runs["unfinished"].sum() if "unfinished" in ex.runs else 0
    if unfinished:
        out += ["", _unfinished_note(result)]
    costs = [
        KPI_COST_NAMES[k]
        for k in ("citizen_cost", "staff_cost")
        if k in ex.runs and ex.runs[k].isna().all()
    ]
    if costs:
        out += [
            "",
            f"Note: {' and '.join(costs)} not recorded: the journeys hold no fees, travel costs,"
            " value of time or desk costs to price them with (not 0).",
        ]
    if "visits" in ex.runs and ex.runs["visits"].isna().all():
        out += [
            "",
            "Note: visits, offices and the first-desk queue not recorded: no step of the"
            " journeys needs the citizen in person (not 0).",
        ]
    few = _few_cases_note(result)
    if few:
        out += ["", few]
    return "\n".join(out)


KPI_COST_NAMES = {"citizen_cost": "citizen cost", "staff_cost": "staff cost"}


def _few_cases_note(result: Comparison, minimum: int = 30) -> str:
    """A warning when a scenario finished fewer than ``minimum`` cases per replication."""
    ex = result.experiment
    if "cases" not in ex.runs:
        return ""
    per = ex.runs.groupby("scenario", sort=False)["cases"].mean()
    low = {sc: n for sc, n in per.items() if n < minimum}
    if not low:
        return ""
    parts = ", ".join(f"{sc}: {n:.1f}" for sc, n in low.items())
    return (
        f"Warning: fewer than {minimum} finished cases per replication ({parts}): the lead-time"
        " and waiting KPIs rest on too few cases to be relied on; give more --days of arrivals."
    )


def _unfinished_note(result: Comparison) -> str:
    ex = result.experiment
    per = ex.runs.groupby("scenario", sort=False)["unfinished"].sum()
    parts = ", ".join(f"{sc}: {int(n)}" for sc, n in per.items() if n)
    return (
        f"Note: some measured cases were still open at the end ({parts}, over all replications);"
        " their lead times are missing. A longer tail (--tail-days) lets them finish."
    )


def _compact(v: float, *, sign: bool = False) -> str:
    """A large amount in a few characters: ``6.2M``, ``982k``.

    >>> _compact(6195168.3), _compact(981577.9), _compact(-37780.0, sign=True)
    ('6.2M', '982k', '-37.8k')
    """
    if _nan(v):
        return "–"
    a = abs(v)
    text = f"{a / 1e6:.1f}M" if a >= 1e6 else f"{a / 1e3:.3g}k" if a >= 1e3 else f"{a:.0f}"
    return ("+" if v >= 0 else "-") + text if sign else ("-" if v < 0 else "") + text


def _headline(rows: list[dict[str, Any]], alt: str, currency: str = "") -> list[dict[str, str]]:
    """The headline figures of one alternative: before -> after and the change with its CI."""
    by = {r["kpi"]: r for r in rows if r["scenario"] == alt}
    cards = []
    for kpi, what, unit in _HEADLINE:
        r = by.get(kpi)
        if r is None or _nan(r["baseline"]) or _nan(r["value"]):
            cards.append(
                {
                    "what": what,
                    "unit": "",
                    "before": "not recorded",
                    "after": "not recorded",
                    "change": "",
                    "ci": _NOT_RECORDED.get(kpi, "the run does not hold it"),
                    "verdict": "",
                    "significant": "no",
                    "unknown": "yes",
                }
            )
            continue
        if kpi in _SHARES:
            what = r["label"]
        ci = f"{r['ci_text']}" if r["ci_text"] else "no interval (one replication)"
        before, after = r["baseline_text"], r["value_text"]
        if kpi == "citizen_cost":
            before, after = _compact(r["baseline"]), _compact(r["value"])
            ci = f"{_compact(r['diff_low'], sign=True)} to {_compact(r['diff_high'], sign=True)}"
        if kpi == "citizen_cost" and currency:
            unit = f"{currency} {unit}"
        cards.append(
            {
                "what": what,
                "unit": unit,
                "before": before,
                "after": after,
                # a share changes in points, as the table says it
                "change": r["diff_text"] if kpi in _SHARES else r["change_text"] or r["diff_text"],
                "ci": ci,
                "verdict": r["verdict"],
                "significant": "yes" if r["significant"] else "no",
                "unknown": "",
            }
        )
    return cards


def _headline_lines(
    rows: list[dict[str, Any]], alt: str, level: float, currency: str = ""
) -> list[str]:
    out = []
    for c in _headline(rows, alt, currency):
        if c["unknown"]:
            out.append(f"{c['what']}: not recorded ({c['ci']})")
            continue
        sig = "" if c["significant"] == "yes" else "; not significant"
        out.append(
            f"{c['what']}: {c['before']} -> {c['after']} {c['unit']} ({c['change']}; "
            f"{100 * level:g}% CI of the change {c['ci']}{sig})"
        )
    return out


def render_comparison(
    result: Comparison, journeys: Sequence[Journey] = (), *, fmt: str = "html"
) -> str:
    """The report as text.

    Parameters
    ----------
    result : Comparison
    journeys : sequence of Journey
        The journeys compared, for their names, currency and blueprints (HTML).
    fmt : {"html", "md", "json"}

    Examples
    --------
    >>> from journeys import load_catalog
    >>> from simulations.experiments import compare
    >>> c = compare(load_catalog("land-title"), load_catalog("land-title-one-door"),
    ...             replications=2, days=4, warmup_days=1, tail_days=40, seed=1, jobs=1)
    >>> import json
    >>> json.loads(render_comparison(c, fmt="json"))["baseline"]
    'land-title'
    >>> render_comparison(c, fmt="md").splitlines()[0]
    '# Before and after: land-title vs land-title-one-door'
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    rows = _named(comparison_rows(result), journeys)
    currency = journeys[0].currency if journeys else ""
    ex = result.experiment
    if fmt == "json":
        return json.dumps(
            {
                "baseline": result.baseline,
                "scenarios": list(ex.scenarios),
                "replications": ex.replications,
                "days": ex.days,
                "warmup_days": ex.warmup_days,
                "tail_days": ex.tail_days,
                "seed": ex.seed,
                "sla_minutes": ex.sla_minutes,
                "level": result.level,
                "currency": currency,
                "comparison": _plain(result.table.to_dict("records")),
                "summary": _plain(ex.summary(level=result.level).to_dict("records")),
            },
            indent=2,
        )
    if fmt == "md":
        return _markdown(result, rows, currency) + _tcv_markdown(journeys, ex.scenarios)
    return _html(result, rows, journeys, currency)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell, readable in a terminal.

    >>> print(_md("Lead time: 26.7 -> 4.91 days | <b>x</b>"))
    Lead time: 26.7 -> 4.91 days \\| &lt;b>x&lt;/b>
    """
    from odsc.mine_format import md_text

    return md_text(text)


def _markdown(result: Comparison, rows: list[dict[str, Any]], currency: str) -> str:
    ex = result.experiment
    pct = f"{100 * result.level:g}%"
    out = [f"# Before and after: {' vs '.join(_md(s) for s in ex.scenarios)}", ""]
    out.append(_setup_line(result))
    for alt in ex.scenarios[1:]:
        out += ["", f"## {_md(result.baseline)} -> {_md(alt)}", ""]
        out += [f"- {_md(h)}" for h in _headline_lines(rows, alt, result.level, currency)]
        verdicts = change_conclusions(rows, alt)
        for what, key in (("Improved", "better"), ("Got worse", "worse")):
            out.append(f"- {what}: {_md('; '.join(verdicts[key]) or 'nothing significant')}")
        out += ["", f"| KPI | {_md(result.baseline)} | {_md(alt)} | change | {pct} CI | % |"]
        out.append("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            if r["scenario"] == alt:
                cells = [r["label"], r["baseline_text"], r["value_text"], r["diff_text"]]
                cells += [r["ci_text"], r["change_text"]]
                out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if ex.runs["unfinished"].sum():
        out += ["", _md(_unfinished_note(result))]
    out += ["", "## Conclusions and recommendations", ""]
    for alt in ex.scenarios[1:]:
        v = change_conclusions(rows, alt)
        out.append(f"- {_md(alt)}: " + _md(_conclusion_sentence(v)))
        out += [f"  - {_md(x)}" for x in v["remedies"]]
    return "\n".join(out) + "\n"


def _conclusion_sentence(v: dict[str, list[str]]) -> str:
    """One paragraph: what improved, what got worse, what to do.

    >>> _conclusion_sentence({"better": ["a: 1 -> 0"], "worse": [], "remedies": [], "unchanged": []})
    'Improved: a: 1 -> 0. Nothing got significantly worse.'
    """
    parts = [f"Improved: {'; '.join(v['better'])}." if v["better"] else "Nothing improved significantly."]
    if v["worse"]:
        parts.append(f"Got worse: {'; '.join(v['worse'])}. Test a remedy before going live.")
    else:
        parts.append("Nothing got significantly worse.")
    return " ".join(parts)


def _plain(obj: Any) -> Any:
    """JSON-ready values: NaN as null, numpy scalars as Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def _svg(fig: Any) -> str:
    return figure_svg(fig, salt="odsc-compare")


def _plots(result: Comparison, journeys: Sequence[Journey] = ()) -> list[tuple[str, str, str]]:
    """(title, caption, svg) of every plot of the report."""
    import matplotlib.pyplot as plt

    from simulations.plots import plot_ecdf, plot_queue_by_hour, plot_utilisation, plot_visits

    ex = result.experiment
    sla = ex.sla_minutes
    specs = (
        (
            "Lead time per case",
            "Share of cases done within a given number of days (from arrival to the last step).",
            lambda ax: plot_ecdf(ex, "lead_days", xlabel="lead time (calendar days)", ax=ax),
        ),
        (
            "Waiting per case",
            "Total time between steps: queues, travel, couriers and days between visits.",
            lambda ax: plot_ecdf(ex, "waiting_days", xlabel="waiting (calendar days)", ax=ax),
        ),
        (
            "Time in desk lines per citizen",
            "Minutes each citizen stood in desk lines, summed over every desk and visit (the"
            " queue tile counts the same services one by one against the standard); dotted:"
            f" the {sla:g}-minute standard.",
            lambda ax: plot_ecdf(
                ex,
                "desk_queue_minutes",
                xlabel="minutes in desk lines per citizen (axis cut at 2 hours)",
                target=sla,
                target_label=f"{sla:g} min",
                xmax=max(120.0, 4 * sla),
                ax=ax,
            ),
        ),
        (
            "Visits to offices",
            "Share of cases by number of visits (a visit: one door, one day).",
            lambda ax: plot_visits(ex, ax=ax),
        ),
        (
            "Citizens queuing by hour of day",
            "Mean number waiting, all day long, at every desk pool that serves citizens in"
            " person (a pool's back-office files included): not the first-desk queue of the"
            " tile and the table.",
            lambda ax: plot_queue_by_hour(ex, ax=ax),
        ),
    )
    out = []
    for title, caption, draw in specs:
        fig, ax = plt.subplots(figsize=(6.2, 3.7), layout="constrained")
        draw(ax)
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
        out.append((title, caption, _svg(fig)))
    import textwrap

    names = {k: "\n".join(textwrap.wrap(v, 34)) for k, v in _pool_names(journeys).items()}
    ax = plot_utilisation(ex, names=names)
    ax.set_title("Staff utilisation per desk pool", loc="left", fontsize=12, fontweight="bold")
    caption = "Busy share of open desk time, mean and 95% interval over replications."
    out.append(("Staff utilisation per desk pool", caption, _svg(ax.figure)))
    return out


def _html(
    result: Comparison, rows: list[dict[str, Any]], journeys: Sequence[Journey], currency: str
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from jinja2 import Environment, PackageLoader, select_autoescape

    from journeys.blueprint import blueprint
    from journeys.blueprint_colors import agency_colors

    ex = result.experiment
    # 16:9 slides (text >= 10 pt at the page's width), one colour per agency on every map
    colors = agency_colors(*journeys)
    maps = [(j.name or j.id, _svg(blueprint(j, size="slide", colors=colors).figure)) for j in journeys]
    groups = [g for g, _ in _GROUPS] + ["Staff utilisation"]
    env = Environment(
        loader=PackageLoader("odsc", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    template = env.get_template("compare.html.j2")
    names = {j.id: j.name for j in journeys}
    return template.render(
        ex=ex,
        level=f"{100 * result.level:g}%",
        setup=_setup_line(result),
        baseline=result.baseline,
        alternatives=ex.scenarios[1:],
        rows=rows,
        groups=groups,
        headlines={alt: _headline(rows, alt, currency) for alt in ex.scenarios[1:]},
        verdicts={alt: change_conclusions(rows, alt) for alt in ex.scenarios[1:]},
        tcv=_tcv_blocks(journeys, ex.scenarios),
        tcv_note=_tcv_note(),
        plots=_plots(result, journeys),
        maps=maps,
        names=names,
        unfinished=_unfinished_note(result) if ex.runs["unfinished"].sum() else "",
    )


def _tcv_blocks(journeys: Sequence[Journey], scenarios: Sequence[str]) -> dict[str, Any]:
    """The one-page TCV table of the baseline against each alternative (HTML context)."""
    from journeys.tcv import tcv_table
    from odsc.tcv_format import tcv_context

    if len(journeys) != len(scenarios) or len(journeys) < 2:
        return {}
    out = {}
    for alt, j in zip(scenarios[1:], journeys[1:]):
        if j.currency == journeys[0].currency:
            out[alt] = tcv_context(tcv_table(journeys[0], j))
    return out


def _tcv_note() -> str:
    from odsc.tcv_format import _NOTE

    return _NOTE


def _tcv_markdown(journeys: Sequence[Journey], scenarios: Sequence[str]) -> str:
    """The step-by-step TCV tables of the Markdown report, one per alternative."""
    from journeys.tcv import tcv_table
    from odsc.tcv_format import render_tcv

    if len(journeys) != len(scenarios) or len(journeys) < 2:
        return ""
    out = []
    for j in journeys[1:]:
        if j.currency == journeys[0].currency:
            body = render_tcv(tcv_table(journeys[0], j), fmt="md")
            out.append("\n#" + body)  # one level down: a section of this report
    return "".join(out)

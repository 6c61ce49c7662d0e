"""The programme report: every centre ranked by the change, and the national figures.

:func:`programme_text` is what ``odsc programme`` prints; :func:`change_plot`
draws each centre's change with its 95% interval, ranked (``ax=``);
:func:`render_programme` writes the self-contained HTML (inline SVG, no
scripts, every text escaped), the tidy CSV (one row per centre, scenario and
replication; empty where not recorded) or JSON (``null`` where not recorded).

The report holds figures per centre only: no case id and no clerk's name is
in it, so there is nothing to pseudonymise.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from simulations.programme_run import ProgrammeResult

__all__ = ["RANK_KPIS", "change_plot", "open_cases", "programme_text", "render_programme",
           "watch"]

#: KPIs a programme can be ranked by: label, unit, kind (days, share, count, money).
RANK_KPIS: dict[str, tuple[str, str, str]] = {
    "lead_median": ("Lead time, median", "days", "days"),
    "lead_mean": ("Lead time, mean", "days", "days"),
    "lead_p90": ("Lead time, p90", "days", "days"),
    "waiting_median": ("Waiting per case, median", "days", "days"),
    "waiting_mean": ("Waiting per case, mean", "days", "days"),
    "visits": ("Visits to offices per case", "", "count"),
    "doors": ("Offices per case", "", "count"),
    "desk_within_sla": ("Desk services within the standard", "", "share"),
    "within_sla": ("Served at the first desk within the standard", "", "share"),
    "desk_queue": ("Time in desk lines per case", "min", "minutes"),
    "citizen_cost": ("Citizen cost per case", "", "money"),
    "util_max": ("Busiest pool's utilisation", "", "share"),
}
_NR = "not recorded"


def _v(x: float, kind: str, signed: bool = False) -> str:
    if x is None or math.isnan(x):
        return _NR
    if signed and x == 0:
        return "same"
    sign = "+" if signed else ""
    if kind == "share":
        return f"{x * 100:{sign}.0f} pts" if signed else f"{x:.0%}"
    if kind == "count":
        return f"{x:{sign}.2f}"
    if kind == "money":
        return f"{x:{sign},.0f}"
    if kind == "minutes":
        return f"{x:{sign},.0f}"
    return f"{x:{sign}.1f}"


def _ci(lo: float, hi: float, kind: str, signed: bool = False) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return ""
    return f"{_v(lo, kind, signed)} to {_v(hi, kind, signed)}"


def _label(kpi: str, sla: float) -> str:
    return RANK_KPIS[kpi][0].replace("the standard", f"{sla:g} min")


def _national_kind(fig: str) -> str:
    return {"visits": "count", "desk_within_sla": "share", "citizen_cost": "money",
            "citizens": "money", "visits_total": "money", "lead_days_total": "money"}.get(
        fig, "days")  # fmt: skip


def _tally(rank: pd.DataFrame) -> str:
    counts = rank["verdict"].value_counts()
    parts = [f"{counts.get(v, 0)} {w}" for v, w in (("better", "improve clearly"),
             ("no clear change", "show no clear change"), ("worse", "get worse"))]  # fmt: skip
    if counts.get(_NR, 0):
        parts.append(f"{counts[_NR]} do not record it")
    return ", ".join(parts)


def watch(result: ProgrammeResult, scenario: str, rank_by: str, *, most: int = 5) -> list[str]:
    """Sentences on the other headline KPIs that get clearly worse at some centres.

    Ranking by one KPI can hide another: a one-door centre that shortens the lead
    time may queue its citizens longer at a front desk with too few desks.
    """
    from simulations.programme_summary import ranking

    out = []
    for kpi in ("lead_median", "visits", "desk_within_sla", "desk_queue"):
        if kpi == rank_by:
            continue
        r = ranking(result, scenario, kpi)
        worse = r[r["verdict"] == "worse"]
        if worse.empty:
            continue
        up = kpi in ("desk_within_sla",)
        worse = worse.sort_values("diff", ascending=up, kind="mergesort")
        kind = RANK_KPIS[kpi][2]
        names = ", ".join(f"{n} ({_v(b, kind)} → {_v(a, kind)})" for n, b, a in
                          worse[["name", "baseline", "value"]].head(most).itertuples(index=False))
        more = f" and {len(worse) - most} more" if len(worse) > most else ""
        out.append(f"{_label(kpi, result.sla_minutes)} gets clearly worse at {len(worse)} of"
                   f" {len(r)} centres: {names}{more}.")  # fmt: skip
    return out


def programme_text(result: ProgrammeResult, *, rank_by: str = "lead_median",
                   top: int | None = None) -> str:  # fmt: skip
    """National figures and the ranked centres, as plain text tables."""
    from tabulate import tabulate

    from simulations.programme_summary import national, ranking

    n = national(result)
    kind = RANK_KPIS[rank_by][2]
    lines = [_setup(result), ""]
    for alt in result.scenarios[1:]:
        rows = []
        for _, r in n[n["scenario"] == alt].iterrows():
            b = n[(n["scenario"] == result.scenarios[0]) & (n["figure"] == r["figure"])].iloc[0]
            k = _national_kind(r["figure"])
            rows.append([r["label"].replace("the standard", f"{result.sla_minutes:g} min"),
                         _v(b["mean"], k), _v(r["mean"], k),
                         _v(r["diff"], k, True), _ci(r["diff_low"], r["diff_high"], k, True),
                         f"{r['centres']} of {r['of']}"])  # fmt: skip
        what = (result.described or {}).get(alt, "")
        lines += [f"National, {result.scenarios[0]} -> {alt}" + (f" ({what}):" if what else ":"),
                  tabulate(rows, ["", "before", "after", "change", "95% CI", "centres"],
                           tablefmt="simple", disable_numparse=True), ""]  # fmt: skip
        rank = ranking(result, alt, rank_by)
        shown = rank if top is None else rank.head(top)
        rows = [[r["rank"], r["centre"], r["name"], _v(r["baseline"], kind), _v(r["value"], kind),
                 _v(r["diff"], kind, True), _ci(r["diff_low"], r["diff_high"], kind, True),
                 r["verdict"]] for _, r in shown.iterrows()]  # fmt: skip
        more = "" if top is None or len(rank) <= top else f" (first {top} of {len(rank)})"
        lines += [f"Centres ranked by the change of {_label(rank_by, result.sla_minutes).lower()}"
                  f" under {alt}{more}: {_tally(rank)}.",
                  tabulate(rows, ["#", "centre", "name", "before", "after", "change", "95% CI",
                                  ""], tablefmt="simple", disable_numparse=True), ""]  # fmt: skip
        lines += [f"Watch: {w}" for w in watch(result, alt, rank_by)]
        lines += [""] if lines[-1] else []
    note = open_cases(result)
    return "\n".join(lines + ([f"note: {note}", ""] if note else []))


def open_cases(result: ProgrammeResult) -> str:
    """A sentence on measured cases still open at the end of the runs ('' when none)."""
    g = result.runs.groupby(["centre", "scenario"], sort=False)[["unfinished", "cases"]].sum()
    share = (g["unfinished"] / g["cases"].where(g["cases"] > 0)).dropna()
    share = share[share > 0]
    if share.empty:
        return ""
    (cid, sc), worst = share.idxmax(), share.max()
    name = result.centres.set_index("centre").loc[cid, "name"]
    return (f"at {share.index.get_level_values(0).nunique()} of {len(result.centres)} centres"
            f" some measured cases were still open when the run ended (most: {worst:.0%} at"
            f" {name} under {sc}); their lead times are missing, so lead times there err"
            " short. A longer --tail-days lets them finish.")


def _setup(result: ProgrammeResult) -> str:
    c = result.centres

    def span(col: str) -> str:
        lo, hi = int(c[col].min()), int(c[col].max())
        return f"{lo}" if lo == hi else f"{lo} to {hi}"

    fitted = c["days"].nunique() > 1 or c["tail_days"].nunique() > 1
    d = (f"{span('days')} working days of arrivals and {span('tail_days')} of tail"
         + (" (fitted per centre)" if fitted else ""))  # fmt: skip
    return (f"{len(c)} centres, {len(result.scenarios)} scenarios, {result.replications}"
            f" replications each ({len(result.runs):,} runs), {d}, warm-up {result.warmup_days}"
            f" days, seed {result.seed}; the same citizens in every scenario of a centre.")


def change_plot(result: ProgrammeResult, scenario: str, kpi: str, *, ax: Any = None) -> Any:
    """Each centre's change of ``kpi`` under ``scenario``, with its 95% interval, ranked."""
    import matplotlib.pyplot as plt

    from simulations.programme_summary import ranking

    rank = ranking(result, scenario, kpi)
    rank = rank[rank["verdict"] != _NR]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.6, 1.3 + 0.19 * max(len(rank), 3)))
    kind = RANK_KPIS[kpi][2]
    k = 100.0 if kind == "share" else 1.0
    colours = {"better": "#009E73", "worse": "#D55E00", "no clear change": "#7f8c99"}
    y = list(range(len(rank)))[::-1]
    for yi, (_, r) in zip(y, rank.iterrows()):
        c = colours[r["verdict"]]
        ax.plot([r["diff_low"] * k, r["diff_high"] * k], [yi, yi], color=c, lw=1.6)
        ax.plot([r["diff"] * k], [yi], "o", color=c, ms=3.5)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r['name']}" for _, r in rank.iterrows()], fontsize=8)
    ax.set_ylim(-0.7, len(rank) - 0.3)
    unit = "percentage points" if kind == "share" else RANK_KPIS[kpi][1]
    ax.set_xlabel(f"Change under {scenario}" + (f" ({unit})" if unit else "")
                  + "; bars: 95% CI")  # fmt: skip
    ax.set_title(f"{_label(kpi, result.sla_minutes)}: change per centre", fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)
    ax.margins(y=0.01)
    return ax


def _pair(table: pd.DataFrame, centre: str, kpi: str, kind: str) -> str:
    x = table.loc[(centre, kpi)]
    if math.isnan(x["baseline"]) and math.isnan(x["value"]):
        return _NR
    return f"{_v(x['baseline'], kind)} → {_v(x['value'], kind)}"


def _nan(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    return x.item() if hasattr(x, "item") else x


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _nan(v) for k, v in r.items()} for r in df.to_dict("records")]


def render_programme(result: ProgrammeResult, *, fmt: str = "html",
                     rank_by: str = "lead_median") -> str:  # fmt: skip
    """The report as HTML, CSV (the tidy table) or JSON text."""
    from simulations.programme_summary import national, ranking

    if fmt == "csv":
        return result.runs.to_csv(index=False, lineterminator="\n")
    nat = national(result)
    if fmt == "json":
        return json.dumps({
            "programme": result.programme.title, "manifest": result.programme.source,
            "scenarios": list(result.scenarios), "replications": result.replications,
            "seed": result.seed, "warmup_days": result.warmup_days,
            "sla_minutes": result.sla_minutes, "rank_by": rank_by,
            "centres": _records(result.centres), "national": _records(nat),
            "ranking": {alt: _records(ranking(result, alt, rank_by))
                        for alt in result.scenarios[1:]},
            "runs": _records(result.runs),
        }, indent=1, ensure_ascii=False, allow_nan=False) + "\n"  # fmt: skip
    from jinja2 import Environment, PackageLoader, select_autoescape

    from odsc.figures import figure_svg

    kind = RANK_KPIS[rank_by][2]
    base = result.scenarios[0]
    sections = []
    comp = result.comparison()
    for i, alt in enumerate(result.scenarios[1:]):
        tiles = []
        for fig in ("lead_mean", "visits", "desk_within_sla", "visits_total"):
            r = nat[(nat["scenario"] == alt) & (nat["figure"] == fig)].iloc[0]
            b = nat[(nat["scenario"] == base) & (nat["figure"] == fig)].iloc[0]
            k = _national_kind(fig)
            up = fig == "desk_within_sla"
            lo, hi = r["diff_low"], r["diff_high"]
            verdict = ("" if math.isnan(lo) or lo <= 0 <= hi else
                       ("better" if (lo > 0) == up else "worse"))  # fmt: skip
            label = r["label"].replace("the standard", f"{result.sla_minutes:g} min")
            tiles.append({"what": label, "before": _v(b["mean"], k), "after": _v(r["mean"], k),
                          "change": _v(r["diff"], k, True), "ci": _ci(lo, hi, k, True),
                          "verdict": verdict, "unknown": math.isnan(r["mean"]),
                          "centres": f"{r['centres']} of {r['of']} centres"})  # fmt: skip
        rank = ranking(result, alt, rank_by)
        other = comp[comp["scenario"] == alt].set_index(["centre", "kpi"])
        rows = []
        for _, r in rank.iterrows():
            rows.append({"rank": r["rank"], "name": r["name"], "centre": r["centre"],
                         "journey": r["journey"], "demand": f"{r['arrivals_per_day']:.1f}",
                         "before": _v(r["baseline"], kind), "after": _v(r["value"], kind),
                         "change": _v(r["diff"], kind, True),
                         "ci": _ci(r["diff_low"], r["diff_high"], kind, True),
                         "verdict": r["verdict"],
                         "visits": _pair(other, r["centre"], "visits", "count"),
                         "sla": _pair(other, r["centre"], "desk_within_sla", "share")})  # fmt: skip
        ax = change_plot(result, alt, rank_by)
        sections.append({"alt": alt, "what": (result.described or {}).get(alt, ""),
                         "watch": watch(result, alt, rank_by), "tiles": tiles, "rows": rows, "tally": _tally(rank),
                         "svg": figure_svg(ax.figure, salt=f"programme-{i}")})  # fmt: skip
    env = Environment(
        loader=PackageLoader("odsc", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("programme.html.j2").render(
        title=result.programme.title or result.programme.source, result=result,
        setup=_setup(result), sections=sections, base=base,
        rank_label=_label(rank_by, result.sla_minutes), unit=RANK_KPIS[rank_by][1],
        rank_by=rank_by,
        open_note=open_cases(result),
        citizens=nat[(nat["scenario"] == base) & (nat["figure"] == "citizens")]["mean"].iloc[0],
    )

"""The one-page TCV table as people read it: HTML (one printed A4 page), Markdown, CSV.

:func:`tcv_rows` turns a :class:`journeys.tcv.TcvTable` into display strings
(one rule for every output): durations in minutes, hours or days chosen per
value, money with its currency (``412,500 LAK``), visits as counts (decimals
only where rework makes an expectation fractional), and "not recorded" where
a journey does not hold the figure (never 0). A step that does not exist on
one side shows a dash. :func:`render_tcv` writes the whole table; the compare
and demo reports include the same HTML part (``_tcv.html.j2``).

Examples
--------
>>> _money(412500.0, "LAK"), _money(None, "LAK"), _count(2.0), _count(1.25)
('412,500 LAK', 'not recorded', '2', '1.25')
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from journeys.tcv import StepFigures, TcvTable

__all__ = ["CHANGE_TEXT", "FORMATS", "NOT_RECORDED", "render_tcv", "tcv_context", "tcv_rows"]

#: Output formats :func:`render_tcv` writes, by extension.
FORMATS: dict[str, str] = {".html": "html", ".htm": "html", ".md": "md", ".csv": "csv"}

NOT_RECORDED = "not recorded"

#: What became of a step, as the table says it.
CHANGE_TEXT: dict[str, str] = {
    "removed": "removed",
    "merged": "merged",
    "new": "new step",
    "back office": "moved to the back office",
    "front desk": "now needs the citizen",
    "moved": "moved",
    "changed": "changed",
    "unchanged": "unchanged",
}

_DASH = "–"


def _minutes(m: float | None) -> str:
    from analysis.finding import format_minutes

    return _DASH if m is None else format_minutes(m)


def _money(v: float | None, currency: str) -> str:
    return NOT_RECORDED if v is None else f"{v:,.0f} {currency}".strip()


def _count(v: float | None) -> str:
    """A count: whole numbers without decimals, an expectation with at most two."""
    if v is None:
        return _DASH
    r = round(v, 2)
    return f"{r:,.0f}" if r == int(r) else f"{r:,.2f}".rstrip("0")


def _cells(f: StepFigures | None, currency: str) -> dict[str, str]:
    if f is None:
        return {"time": _DASH, "fee": _DASH, "visits": _DASH}
    return {"time": _minutes(f.minutes), "fee": _money(f.fee, currency), "visits": _count(f.visits)}


def tcv_rows(table: TcvTable) -> list[dict[str, str]]:
    """One dict of display strings per step row.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> from journeys.tcv import tcv_table
    >>> t = tcv_table(load_catalog("business-licence"), load_catalog("business-licence-one-door"))
    >>> r = tcv_rows(t)[-1]
    >>> r["fee_before"], r["fee_after"], r["visits_before"], r["change"]
    ('300,000 LAK', '300,000 LAK', '1', 'moved')
    """
    out = []
    above = None
    for r in table.rows:
        # the agency under a step name only where it differs from the row above (a printed
        # page has no room to repeat a long agency name on every line)
        agency = r.agency_before or r.agency_after
        shown = agency != above
        above = agency
        b, a = _cells(r.figures_before, table.currency), _cells(r.figures_after, table.currency)
        out.append(
            {
                "before": r.before or _DASH,
                "after": r.after or _DASH,
                "agency_before": (r.agency_before or "") if shown else "",
                "agency_after": (r.agency_after or "")
                if r.agency_after != r.agency_before and (shown or r.agency_before)
                else "",
                "office_before": r.office_before or "back office",
                "office_after": r.office_after or "back office",
                "kind": r.change,
                "change": CHANGE_TEXT.get(r.change, r.change),
                "note": r.note,
                **{f"{k}_before": v for k, v in b.items()},
                **{f"{k}_after": v for k, v in a.items()},
            }
        )
    return out


def tcv_context(table: TcvTable) -> dict[str, Any]:
    """Everything the HTML part shows: rows, totals, documents and the summary line."""
    cur = table.currency
    fees = (table.fees_before, table.fees_after)
    travel = (table.travel_cost_before, table.travel_cost_after)
    totals = {
        "time": (_minutes(table.minutes_before), _minutes(table.minutes_after)),
        "fee": tuple(_money(v, cur) for v in fees),
        "travel": tuple(_money(v, cur) for v in travel),
        "visits": (_count(table.visits_before), _count(table.visits_after)),
        "offices": (_count(table.offices_before), _count(table.offices_after)),
    }
    docs = {
        k: [d.name for d in table.documents if d.change == k]
        for k in ("no longer asked", "still asked", "newly asked")
    }
    n_before = sum(r.before is not None for r in table.rows)
    n_after = sum(r.after is not None for r in table.rows)
    parts = [
        f"{table.count(k)} {'new' if k == 'new' else CHANGE_TEXT[k]}"
        for k in ("removed", "merged", "back office", "moved", "new")
        if table.count(k)
    ]
    summary = f"Steps {n_before} -> {n_after}" + (f": {', '.join(parts)}." if parts else ".")
    return {
        "table": table,
        "rows": tcv_rows(table),
        "totals": totals,
        "documents": docs,
        "documents_before": sum(d.before is not None for d in table.documents),
        "documents_after": sum(d.after is not None for d in table.documents),
        "summary": summary,
    }


def _csv(table: TcvTable) -> str:
    cur = table.currency
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["section", "step before", "step after", "agency after", "what changed", "note"]
    head += ["time before", "time after", f"fee before ({cur})", f"fee after ({cur})"]
    head += ["visits before", "visits after"]
    w.writerow(head)

    def num(v: float | None) -> str:
        return NOT_RECORDED if v is None else f"{v:.2f}".rstrip("0").rstrip(".")

    for r, s in zip(table.rows, tcv_rows(table)):
        fb, fa = r.figures_before, r.figures_after
        w.writerow(
            [
                "step",
                r.before or "",
                r.after or "",
                r.agency_after or "",
                s["change"],
                r.note,
                s["time_before"] if fb else "",
                s["time_after"] if fa else "",
                num(fb.fee) if fb else "",
                num(fa.fee) if fa else "",
                num(fb.visits) if fb else "",
                num(fa.visits) if fa else "",
            ]
        )
    w.writerow(
        ["total per case", "", "", "", "", "work and handoff delays; queues not in the model"]
        + [_minutes(table.minutes_before), _minutes(table.minutes_after)]
        + [num(table.fees_before), num(table.fees_after)]
        + [num(table.visits_before), num(table.visits_after)]
    )
    for d in table.documents:
        w.writerow(
            ["document", "; ".join(d.before or ()), "; ".join(d.after or ()), "", d.change, d.name]
            + [""] * 6
        )
    return buf.getvalue()


def _markdown(table: TcvTable) -> str:
    from odsc.mine_format import md_text

    c = tcv_context(table)
    out = [f"# TCV table: {md_text(table.before)} -> {md_text(table.after)}", "", c["summary"], ""]
    out.append("| Step before | Step after | What changed | Time | Fee | Visits |")
    out.append("|---|---|---|---:|---:|---:|")
    for r in c["rows"]:
        cells = [r["before"], r["after"], r["change"]]
        cells += [f"{r[k + '_before']} -> {r[k + '_after']}" for k in ("time", "fee", "visits")]
        out.append("| " + " | ".join(md_text(x) for x in cells) + " |")
    t = c["totals"]
    out.append(
        "| **Total per case** | | | "
        + " | ".join(f"{t[k][0]} -> {t[k][1]}" for k in ("time", "fee", "visits"))
        + " |"
    )
    out += ["", f"Offices visited: {t['offices'][0]} -> {t['offices'][1]}."]
    out.append(f"Travel cost per case: {t['travel'][0]} -> {t['travel'][1]}.")
    for k, names in c["documents"].items():
        if names:
            out.append(f"Documents {k}: {md_text(', '.join(names))}.")
    if not table.documents:
        out.append("Documents asked of the citizen: not recorded (neither journey names them).")
    out += ["", md_text(_NOTE)]
    return "\n".join(out) + "\n"


_NOTE = (
    "Per case, expected over all paths (rework loops included), from the journey files alone. "
    "Time: the step's work plus the delays of the handoffs into it; desk queues and the days "
    "between visits are not in the model (the simulation measures them). Visits: the visits "
    "to an office that begin at the step. 'not recorded': the journey names no such cost."
)


def render_tcv(table: TcvTable, *, fmt: str = "html") -> str:
    """The TCV table as text: ``html`` (one printed A4 page), ``md`` or ``csv``.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> from journeys.tcv import tcv_table
    >>> t = tcv_table(load_catalog("family-book"), load_catalog("family-book-one-door"))
    >>> render_tcv(t, fmt="csv").splitlines()[0].split(",")[:3]
    ['section', 'step before', 'step after']
    >>> "<script" in render_tcv(t)
    False
    """
    if fmt == "csv":
        return _csv(table)
    if fmt == "md":
        return _markdown(table)
    if fmt != "html":
        raise ValueError(f"unknown format {fmt!r}")
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("odsc", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("tcv.html.j2").render(tcv=tcv_context(table), note=_NOTE)

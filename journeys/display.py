"""HTML views of a journey and of a walk, for notebooks and reports.

:func:`journey_html` is what a notebook shows for a :class:`~journeys.model.Journey`
(its ``_repr_html_``): the name and description, the key exact TCV figures,
the steps, and the agencies, offices and desk pools. :func:`walk_html` shows
a table made by :func:`journeys.walk.walk`. Every piece of text taken from the
journey or the table is escaped with :func:`html.escape`, so a name such as
``<script>`` is shown, never run. A journey holds no personal data (no case
ids, no clerks' names), so nothing here needs pseudonymising. The wording
helpers at the end (what the citizen does, how papers move, delays in days
or hours) are shared with the terminal table of :func:`journeys.walk.format_walk`.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> j = load_catalog("business-licence")
>>> page = journey_html(j)
>>> page.startswith('<div class="odsc-journey">') and "Village office" in page
True
>>> "<td>Submit application</td>" in walk_html(j.walk())
True
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from journeys.errors import InputError
from journeys.fonts import CSS_FONTS
from journeys.model import Distribution, Journey, Transition

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["journey_html", "walk_html"]

# Scoped to the two wrappers so that a notebook's other outputs keep their look. The
# selectors outrank JupyterLab's rendered-output rules, which would otherwise
# right-align every cell (`:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`,
# specificity 0-2-1), fix the table layout, centre tables and stripe their rows
# (`.jp-RenderedHTMLCommon tbody tr:nth-child(odd)`, 0-2-2): each rule below names
# the wrapper's class and the table's own class `odsc-t` (0-2-2 for a cell, 0-2-3
# for a row), and sets every property those rules touch.
_STYLE = """<style>
div.odsc-journey, div.odsc-walk {font-family: system-ui, FONTS; font-size: 13px;
  color: #1a1a1a; line-height: 1.4; text-align: left;}
div.odsc-journey h3, div.odsc-walk h3 {margin: 0.2em 0 0.3em 0; font-size: 1.3em;
  font-weight: 700; text-align: left;}
div.odsc-journey h4 {margin: 1em 0 0.3em 0; font-size: 1.05em; font-weight: 700;}
div.odsc-journey p, div.odsc-walk p {margin: 0.3em 0; max-width: 60em; text-align: left;}
.odsc-journey table.odsc-t, .odsc-walk table.odsc-t {border-collapse: collapse;
  border-spacing: 0; border: none; margin: 0.3em auto 0.3em 0; table-layout: auto;
  width: auto; font-size: 13px; color: #1a1a1a;}
.odsc-journey table.odsc-t thead, .odsc-walk table.odsc-t thead {border-bottom: none;
  vertical-align: bottom;}
.odsc-journey table.odsc-t tbody tr, .odsc-walk table.odsc-t tbody tr,
.odsc-journey table.odsc-t tbody tr:hover, .odsc-walk table.odsc-t tbody tr:hover {
  background: transparent;}
.odsc-journey table.odsc-t th, .odsc-journey table.odsc-t td,
.odsc-walk table.odsc-t th, .odsc-walk table.odsc-t td {
  border: none; border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left;
  vertical-align: top; line-height: 1.35; white-space: normal; max-width: none;}
.odsc-journey table.odsc-t th, .odsc-walk table.odsc-t th {background: #f0f0f0;
  font-weight: 700;}
.odsc-journey table.odsc-t td.num, .odsc-walk table.odsc-t td.num,
.odsc-journey table.odsc-t th.num, .odsc-walk table.odsc-t th.num {
  text-align: right; white-space: nowrap;}
.odsc-journey table.odsc-t.kpi td {border: none; padding: 2px 14px 2px 0;}
.odsc-journey table.odsc-t.kpi td.v {font-size: 1.35em; font-weight: 600; white-space: nowrap;}
.odsc-journey table.odsc-t.kpi td.l {color: #555; font-size: 0.9em;}
div.odsc-journey .note, div.odsc-walk .note {color: #555; font-size: 0.9em;}
.odsc-walk table.odsc-t tbody tr.back td {background: #f6f6f6; color: #444;}
.odsc-walk table.odsc-t td.visit {font-weight: 700; text-align: center;}
div.odsc-walk .pain {color: #b03a00; font-weight: 600;}
</style>""".replace("FONTS", CSS_FONTS)


def journey_html(journey: Journey) -> str:
    """A readable HTML summary of a journey: figures, steps, agencies, offices, desks.

    Parameters
    ----------
    journey : Journey
        The journey to show; it is not changed. An invalid journey is shown
        without its key figures (the reason is printed instead).

    Returns
    -------
    str
        One ``<div class="odsc-journey">`` with its own scoped style.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> page = journey_html(load_catalog("business-licence"))
    >>> "<h3>Enterprise licence registration (as-is, four offices, five agencies)</h3>" in page
    True
    >>> '<td class="v">5.25</td>' in page  # expected visits to offices
    True
    """
    j = journey
    agencies = {a.id: a.name or a.id for a in j.agencies}
    doors = {d.id: d.name or d.id for d in j.doors}
    pools = {p.id: p for p in j.pools}
    cur = j.currency
    parts = ['<div class="odsc-journey">', _STYLE, f"<h3>{escape(j.name or j.id)}</h3>"]
    if j.description:
        parts.append(f"<p>{escape(j.description)}</p>")
    facts = (
        f"Journey <code>{escape(j.id)}</code>: {_plural(len(j.steps), 'step')}, "
        f"{_plural(len(j.agencies), 'agency', 'agencies')}, {_plural(len(j.doors), 'office')}; "
        f"starts at <code>{escape(j.start)}</code>; "
        f"about {j.arrivals.per_day:g} new applications a working day."
    )
    parts.append(f'<p class="note">{facts}</p>')
    parts.append(_key_figures(j))

    parts.append("<h4>Steps</h4>")
    rows = []
    for k, s in enumerate(j.steps, 1):
        where = doors.get(s.door, s.door) if s.citizen_present and s.door else "back office"
        desk = ""
        if s.pool:
            p = pools.get(s.pool)
            desk = f"{p.name or p.id} ({p.capacity})" if p else s.pool
        name = s.label + (f" [{s.id}]" if s.name and s.name != s.id else "")
        if s.join == "and":
            name += " (waits for all branches)"
        outs = sorted(j.successors(s.id), key=lambda t: -t.probability)  # likeliest first
        nxt = "; ".join(_next(j, t) for t in outs) or "end of the journey"
        if s.split == "and":
            nxt = "in parallel: " + nxt
        rows.append(
            [
                (str(k), "num"),
                name,
                agencies.get(s.agency, s.agency),
                where,
                desk,
                (_duration(s.duration.mean), "num"),
                (f"{s.fee:,.0f}" if s.fee else "", "num"),
                ", ".join(s.documents),
                nxt,
            ]
        )
    parts.append(
        _table(
            [
                ("#", "num"),
                "Step",
                "Agency",
                "Where",
                "Desks (number)",
                ("Mean time", "num"),
                (f"Fee ({cur})", "num"),
                "Documents brought",
                "Next",
            ],
            rows,
        )
    )

    parts.append("<details><summary>Agencies, offices and desk pools</summary>")
    parts.append(_table(["Agency", "Id"], [[a.name or a.id, a.id] for a in j.agencies]))
    parts.append(
        _table(
            [
                "Office",
                "Agency",
                ("Travel, one way", "num"),
                (f"Travel cost, return ({cur})", "num"),
            ],
            [
                [
                    d.name or d.id,
                    agencies.get(d.agency, d.agency or ""),
                    (_duration(d.travel_minutes), "num"),
                    (f"{d.travel_cost:,.0f}", "num"),
                ]
                for d in j.doors
            ],
        )
    )
    parts.append(
        _table(
            [
                "Desk pool",
                "Agency",
                ("Desks", "num"),
                "Calendar",
                (f"Cost per hour ({cur})", "num"),
            ],
            [
                [
                    p.name or p.id,
                    agencies.get(p.agency, p.agency or ""),
                    (str(p.capacity), "num"),
                    _calendar_text(j, p.calendar),
                    (f"{p.cost_per_hour:,.0f}", "num"),
                ]
                for p in j.pools
            ],
        )
    )
    parts.append("</details></div>")
    return "\n".join(parts)


def walk_html(df: pd.DataFrame) -> str:
    """A walk (a table made by :func:`journeys.walk.walk`) as a plain HTML table.

    Back-office rows are shaded; handoffs the citizen carries are marked as pain
    points. All text is escaped.

    Parameters
    ----------
    df : pandas.DataFrame
        A table made by :func:`journeys.walk.walk` (its ``attrs`` give the title).

    Returns
    -------
    str
        One ``<div class="odsc-walk">`` with its own scoped style.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> page = walk_html(load_catalog("business-licence").walk())
    >>> page.count('<tr class="back">')  # three back-office steps on the likely path
    3
    >>> "5 visits to 4 offices" in page
    True
    """
    import pandas as pd

    cur = str(df.attrs.get("currency", ""))
    parts = ['<div class="odsc-walk">', _STYLE]
    if df.attrs.get("journey_name"):
        parts.append(f"<h3>{escape(str(df.attrs['journey_name']))}</h3>")
    how = {
        "likely": "The citizen's most likely path (a rework loop is shown at most once).",
        "sample": f"A path drawn at random (seed {df.attrs.get('seed')}), rework loops included.",
        "path": "The path asked for.",
    }.get(str(df.attrs.get("how", "")), "")
    if how:
        parts.append(f'<p class="note">{escape(how)}</p>')
    head = [
        "Visit",
        "Step",
        "Office",
        "Agency",
        "What the citizen does or waits for",
        "Then",
        ("Min", "num"),
        (f"Fee ({cur})" if cur else "Fee", "num"),
    ]
    rows, classes = [], []
    handoffs = df["handoff"] if "handoff" in df else [""] * len(df)
    for r, handoff in zip(df.itertuples(index=False), handoffs):
        back = pd.isna(r.visit)
        then = escape(str(r.carrier)).replace(" -&gt; ", " \u2192 ")
        citizen = str(r.citizen)
        # the office and agency have their own columns: do not repeat them
        if not back and citizen.startswith(f"At {r.door}: "):
            citizen = citizen[len(f"At {r.door}: ") :]
        elif back and citizen.endswith(f" by {r.agency}"):
            citizen = citizen[: -len(f" by {r.agency}")]
        if "citizen" in str(handoff).split(","):
            then = f'<span class="pain">{then}</span>'
        rows.append(
            [
                ("" if back else str(int(r.visit)), "visit"),
                str(r.name),
                str(r.door) if not back else "",
                str(r.agency),
                citizen,
                _Raw(then),
                (f"{r.minutes:.0f}", "num"),
                (f"{r.fee:,.0f}" if r.fee else "", "num"),
            ]
        )
        classes.append("back" if back else "")
    parts.append(_table(head, rows, classes))
    if len(df):
        total = _summary_text(df, cur)
        parts.append(f'<p class="note">{escape(total)}</p>')
    if df.attrs.get("truncated"):
        parts.append(f'<p class="note">The walk stops here, after {len(df)} steps.</p>')
    parts.append("</div>")
    return "\n".join(parts)


# ----- pieces ---------------------------------------------------------------------------------


class _Raw(str):
    """Markup built here from escaped text: put in a cell as is."""


def _cell(value: Any, tag: str) -> str:
    cls = ""
    if isinstance(value, tuple):
        value, klass = value
        cls = f' class="{klass}"'
    text = value if isinstance(value, _Raw) else escape(str(value))
    return f"<{tag}{cls}>{text}</{tag}>"


def _table(head: list[Any], rows: list[list[Any]], classes: list[str] | None = None) -> str:
    if not rows:
        return ""
    out = ['<table class="odsc-t">', "<thead><tr>" + "".join(_cell(h, "th") for h in head) + "</tr></thead>"]
    out.append("<tbody>")
    for k, row in enumerate(rows):
        cls = classes[k] if classes and classes[k] else ""
        attr = f' class="{cls}"' if cls else ""
        out.append(f"<tr{attr}>" + "".join(_cell(v, "td") for v in row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _key_figures(j: Journey) -> str:
    from journeys.metrics import static_metrics

    try:
        m = static_metrics(j)
    except InputError as e:
        first = str(e).splitlines()[0] if str(e) else "invalid journey"
        return f'<p class="note">Key figures unavailable: {escape(first)}</p>'
    cur = j.currency
    figures = [
        (f"{m.visits:.2f}", "visits to offices"),
        (f"{m.doors:.0f}" if m.doors == round(m.doors) else f"{m.doors:.2f}", "offices"),
        (
            f"{m.agencies:.0f}" if m.agencies == round(m.agencies) else f"{m.agencies:.2f}",
            "agencies",
        ),
        (f"{m.citizen_handoffs:.2f}", "papers carried by the citizen"),
        (f"{m.fees:,.0f} {cur}", "fees"),
        (f"{m.citizen_cost:,.0f} {cur}", "citizen cost (fees, travel, time)"),
        (_duration(m.touch_minutes), "work time, all steps"),
        (f"{m.delay_minutes / 1440:.1f} days", "handoff delays, summed"),
    ]
    values = "".join(f'<td class="v">{escape(v)}</td>' for v, _ in figures)
    labels = "".join(f'<td class="l">{escape(label)}</td>' for _, label in figures)
    return (
        '<table class="odsc-t kpi">'
        f"<tr>{values}</tr><tr>{labels}</tr></table>"
        '<p class="note">Exact expectations per application under the branch and rework'
        " probabilities (no queues).</p>"
    )


def _next(j: Journey, t: Transition) -> str:
    target = j.step(t.target)
    how = {"citizen": "citizen carries", "courier": "courier", "digital": "data exchange"}.get(
        t.carrier or "", "next desk"
    )
    if t.delay is not None and t.delay.mean > 0:
        how += f", {_span(t.delay)}"
    share = (
        f"{t.probability * 100:.0f}% "
        if j.step(t.source).split == "xor" and t.probability < 1
        else ""
    )
    return f"{share}{target.label} ({how})"


def _calendar_text(j: Journey, cal_id: str) -> str:
    try:
        c = j.calendar(cal_id)
    except KeyError:
        return cal_id
    hours = ", ".join(f"{a}-{b}" for a, b in c.hours)
    names = [d.capitalize() for d in c.days]
    days = f"{names[0]}-{names[-1]}" if len(names) > 1 else "".join(names)
    return f"{hours} {days}".strip()


# ----- words and numbers ----------------------------------------------------------------------


def _citizen_text(j: Journey, s: Any, doors: dict[str, str], agencies: dict[str, str]) -> str:
    """What the citizen does (at an office) or waits for (back office), in plain words."""
    if not s.citizen_present:
        return f"Waits: {s.label} by {agencies.get(s.agency, s.agency)}"
    text = f"At {doors.get(s.door, s.door)}: {s.label}"
    if s.documents:
        text += f" (brings: {', '.join(s.documents)})"
    if s.fee:
        text += f"; pays {s.fee:,.0f} {j.currency}"
    return text


def _carrier_text(
    j: Journey,
    out: tuple[Transition, ...],
    nxt: str | None,
    doors: dict[str, str],
    agencies: dict[str, str],
) -> str:
    """How the papers move on, in plain words; names the target when it is not the next row."""
    parts = []
    for t in out:
        target = j.step(t.target)
        if t.carrier == "citizen":
            where = doors.get(target.door, target.door) if target.door else None
            where = where or agencies.get(target.agency, target.agency)
            text = f"carries papers to {where}"
        elif t.carrier == "courier":
            text = "courier"
            if t.batch_times:
                text += f", next batch {', '.join(t.batch_times)}"
        elif t.carrier == "digital":
            text = "data exchange"
        elif target.citizen_present and target.door == j.step(t.source).door:
            text = "next desk, same office"
        elif target.agency == j.step(t.source).agency:
            text = "passed on within the agency"
        else:
            text = f"passed on to {agencies.get(target.agency, target.agency)}"
        if t.delay is not None and t.delay.mean > 0:
            text += f" ({_span(t.delay)})"
        if len(out) > 1 or t.target != nxt:
            text += f" -> {target.label}"
        parts.append(text)
    if len(out) > 1:
        return "in parallel: " + "; ".join(parts)
    return parts[0] if parts else ""


def _span(d: Distribution) -> str:
    """A delay in words: '~1-3 days', '~10-20 h', '~5 min'.

    >>> _span(Distribution("uniform", {"low": 1440, "high": 4320}))
    '~1-3 days'
    >>> _span(Distribution("uniform", {"low": 600, "high": 1200}))
    '~10-20 h'
    >>> _span(Distribution.fixed(30))
    '~30 min'
    """
    p = d.params
    if d.dist in ("uniform", "triangular") and float(p["high"]) > float(p["low"]):
        lo, hi = float(p["low"]), float(p["high"])
        div, unit = (1440, "days") if lo >= 1440 else (60, "h") if lo >= 60 else (1, "min")
        return f"~{_num(lo / div)}-{_num(hi / div)} {unit}"
    m = d.mean
    if m >= 1440:
        days = _num(m / 1440)
        return f"~{days} day{'' if days == '1' else 's'}"
    if m >= 60:
        return f"~{_num(m / 60)} h"
    return f"~{_num(m)} min"


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _duration(minutes: float) -> str:
    """'4 h 55 min', '45 min'.

    >>> _duration(295), _duration(45), _duration(120)
    ('4 h 55 min', '45 min', '2 h')
    """
    total = int(round(minutes))
    h, m = divmod(total, 60)
    if not h:
        return f"{m} min"
    return f"{h} h {m} min" if m else f"{h} h"


def _summary_text(df: pd.DataFrame, currency: str) -> str:
    """One sentence of totals of a walk (made by :func:`journeys.walk.walk`)."""
    from journeys.walk import walk_summary

    s = walk_summary(df)
    carried = s["citizen_handoffs"]
    return (
        f"This path: {_plural(s['visits'], 'visit')} to {_plural(s['doors'], 'office')}, "
        f"{_plural(s['agencies'], 'agency', 'agencies')}; fees {s['fees']:,.0f} {currency}; "
        f"work time {_duration(s['touch_minutes'])}, of which "
        f"{_duration(s['citizen_minutes'])} with the citizen; "
        + (
            f"the citizen carries papers between offices {_plural(carried, 'time')}."
            if carried
            else "the citizen never carries papers between offices."
        )
    )


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"

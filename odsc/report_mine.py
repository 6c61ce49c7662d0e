"""The bottleneck and silo-handoff report of ``odsc mine``: HTML, Markdown, JSON.

:func:`mine_report` reads an event log, pseudonymises case ids and staff
names (keyed HMAC-SHA256, :mod:`analysis.privacy`) unless asked not to, mines
it (:func:`analysis.mining.mine`) and renders the report. The HTML is one
self-contained file: CSS inline, plots as inline SVG, no script, nothing
fetched from the network. All text that comes from the log is escaped (Jinja2
autoescape in HTML; in Markdown, :func:`odsc.mine_format.md_text` escapes
pipes, brackets and any ``<`` that could open a tag), so a log cannot inject
markup into the report, while ``<1 min`` or ``A -> B`` still read as they are.

Times in the analysis are minutes; the report shows them in human units
(minutes, hours, days with one decimal) and counts with thousands separators
(:mod:`odsc.mine_context`).

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({"case:concept:name": ["A-1", "A-1"],
...     "concept:name": ["<script>alert(1)</script>", "pay"],
...     "time:timestamp": ["2024-01-02 08:00:00+07:00", "2024-01-02 09:30:00+07:00"],
...     "org:group": ["Commerce", "Tax"]})
>>> page = mine_report(log, key="k")
>>> "<script>" in page, "&lt;script&gt;alert(1)&lt;/script&gt;" in page, "A-1" in page
(False, True, False)
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from odsc.cli_common import check_report_options, stage_bar
from odsc.mine_causes import causes_context, causes_markdown
from odsc.mine_context import ReportMeta, duration, percent, report_context
from odsc.mine_format import set_aside_note
from odsc.mine_plots import _plots, _svg
from odsc.report_before_after import json_part, markdown_lines, section_view

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.before_after import BeforeAfter
    from analysis.filters import FilterStep, LogFilters
    from analysis.mining import MiningResult
    from journeys.model import Journey

__all__ = [
    "FORMATS",
    "duration",
    "mine_report",
    "percent",
    "render_html",
    "render_json",
    "render_markdown",
]

#: Output formats of :func:`mine_report`.
FORMATS: tuple[str, ...] = ("html", "md", "json")


def mine_report(
    source: str | Path | pd.DataFrame,
    *,
    fmt: str = "html",
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    start: str | None = None,
    resource: str | None = None,
    agency: str | None = None,
    door: str | None = None,
    tz: str | None = None,
    missing: Sequence[str] = ("EMPTY",),
    strict: bool = False,
    journey: Journey | None = None,
    by: str | None = None,
    sla_minutes: float = 15,
    show_ids: bool = False,
    key: str | None = None,
    progress: bool = False,
    feedback: str | Path | None = None,
    filters: LogFilters | None = None,
    before_after: str | None = None,
    object_type: str | None = None,
    seed: int = 0,
    echo: Callable[[str], None] | None = None,
) -> str:
    """Read, pseudonymise, mine and render an event log; the report as text.

    Parameters
    ----------
    source : str, path or pandas.DataFrame
        The log (CSV, XES, Parquet or a DataFrame), see :func:`analysis.logs.read_log`.
    fmt : {"html", "md", "json"}
        The output format.
    case, activity, timestamp, start, resource, agency, door : str, optional
        Input column names (the canonical schema's names when omitted).
    tz : str, optional
        Time zone of naive timestamps; also the clock of the weekly profile.
    missing : sequence of str
        Placeholders meaning "missing" in text columns.
    strict : bool
        Refuse a log with rows to set aside (see :func:`analysis.logs.read_log`).
    journey : Journey, optional
        The journey the service should follow (conformance, carriers, cost).
    by : str, optional
        Column to compare groups by (a league table of centres or channels).
    sla_minutes : float
        The queue standard.
    show_ids : bool
        Show case ids and staff names as they are in the log.
    key : str, optional
        Pseudonymisation key; a random key for this run when omitted (tokens
        then differ from run to run).
    progress : bool
        Show a progress bar on standard error.
    feedback : str or path, optional
        A citizen survey (:mod:`analysis.feedback`); with it, and with a journey
        that has a charter, the report adds the sections of
        :func:`odsc.report_monitor.mine_extras` (HTML and JSON).
    filters : analysis.filters.LogFilters, optional
        Analyse only the cases these filters keep (:mod:`analysis.filters`).
    before_after : str, optional
        A reform date: adds the KPIs of the cases started before it and on or
        after it, with bootstrap intervals (:mod:`analysis.before_after`).
    object_type : str, optional
        For an OCEL 2.0 file: the object type whose objects are the cases
        (:mod:`analysis.ocel`).
    seed : int
        Seed of the before/after bootstrap.
    echo : callable, optional
        Called with each line for the user: what each filter kept, and the
        before/after table.

    Returns
    -------
    str
        The report.

    Raises
    ------
    analysis.schema.LogError
        For a log that cannot be read, a bad column or option; nothing is written.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["A-1", "A-1"], "concept:name": ["apply", "pay"],
    ...     "time:timestamp": ["2024-01-02 08:00:00+07:00", "2024-01-02 09:30:00+07:00"],
    ...     "org:group": ["Commerce", "Tax"]})
    >>> text = mine_report(log, fmt="md", key="k")
    >>> "A-1" in text, "| Commerce | Tax |" in text
    (False, True)
    """
    from analysis.filters import apply_filters
    from analysis.logs import read_log
    from analysis.mining import mine
    from analysis.privacy import pseudonymise, random_key
    from analysis.schema import CASE, RESOURCE, LogError
    from odsc.limits import check_log_size

    check_report_options(fmt, key, FORMATS)
    if tz is not None:
        _check_tz(tz)
    stages = ["read the log", "protect ids", "mine", "render"]
    bar = stage_bar(stages, progress=progress)
    try:
        bar.set_description(stages[0])
        columns = {"case": case, "activity": activity, "timestamp": timestamp}
        log = read_log(
            _flattened(source, object_type, echo),
            **{k: v for k, v in columns.items() if v is not None},
            start=start,
            resource=resource,
            agency=agency,
            door=door,
            tz=tz,
            missing=tuple(missing),
            strict=strict,
        )
        check_log_size(log, _name(source), activity=activity, by=by)
        aside = dict(log.attrs.get("odsc:set_aside", {}))
        if by is not None and by not in log.columns:
            raise LogError(
                f"{_name(source)}: --by: no column {by!r}; columns: "
                + ", ".join(map(str, log.columns))
            )
        log, kept = apply_filters(log, filters, tz=tz, name=_name(source))
        for step in kept:
            (echo or _silent)(step.text())
        from odsc.report_monitor import mine_extras

        extras = mine_extras(log, journey=journey, feedback=feedback, by=by, tz=tz,
                             show_ids=show_ids, key=key)  # fmt: skip
        bar.update()
        bar.set_description(stages[1])
        if not show_ids:
            log = pseudonymise(log, key=key or random_key())
            kept = tuple(step.private([CASE, RESOURCE]) for step in kept)
        bar.update()
        bar.set_description(stages[2])
        result = mine(log, journey=journey, by=by, sla_minutes=sla_minutes, tz=tz)
        if aside:
            result = replace(result, notes=(*result.notes, set_aside_note(aside)))
        if kept:
            result = replace(result, notes=(*result.notes, *(f"Filter {s.text()}." for s in kept)))
        split = None
        if before_after is not None:
            from analysis.before_after import before_after as compare_at
            from odsc.report_before_after import cli_table

            split = compare_at(
                log, before_after, journey=journey, sla_minutes=sla_minutes, tz=tz, seed=seed
            )
            (echo or _silent)(cli_table(split, currency=getattr(journey, "currency", None)))
        bar.update()
        bar.set_description(stages[3])
        meta = ReportMeta(
            source=_name(source),
            pseudonymised=not show_ids,
            keyed=key is not None,
            tz=tz,
            currency=getattr(journey, "currency", None) if journey is not None else None,
        )
        renderers: dict[str, Callable[..., str]] = {
            "html": render_html,
            "md": render_markdown,
            "json": render_json,
        }
        extra = {"monitor": extras} if extras and fmt != "md" else {}
        text = renderers[fmt](result, meta=meta, split=split, kept=kept, **extra)
        bar.update()
    finally:
        bar.close()
    return text


def render_html(
    result: MiningResult,
    *,
    meta: ReportMeta | None = None,
    split: BeforeAfter | None = None,
    kept: Sequence[FilterStep] = (),
    monitor: dict | None = None,
) -> str:
    """The self-contained HTML report of a :class:`analysis.mining.MiningResult`.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.mining import mine
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"],
    ...     "concept:name": ["<b>apply</b>", "pay"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"],
    ...                                      utc=True), "org:group": ["x", "y"]})
    >>> page = render_html(mine(log))
    >>> "<b>apply</b>" in page, "&lt;b&gt;apply&lt;/b&gt;" in page
    (False, True)
    """
    import jinja2

    meta = meta or ReportMeta()
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("odsc", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    context = report_context(result, meta)
    context["plots"] = _plots(result, meta)
    context["causes"] = _causes(result, meta, svg=_svg)
    context["monitor"] = monitor  # charter and feedback sections (odsc.report_monitor)
    context["split"] = section_view(split, kept, currency=meta.currency)
    return env.get_template("mine.html.j2").render(**context)


def render_markdown(
    result: MiningResult,
    *,
    meta: ReportMeta | None = None,
    split: BeforeAfter | None = None,
    kept: Sequence[FilterStep] = (),
) -> str:
    """The report as GitHub-flavoured Markdown (tables, no plots).

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.mining import mine
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a|b", "c"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"],
    ...                                      utc=True), "org:group": ["x", "y"]})
    >>> md = render_markdown(mine(log))
    >>> md.splitlines()[0]
    '# Bottleneck and silo-handoff report'
    >>> "a\\\\|b" in md
    True
    """
    meta = meta or ReportMeta()
    c = report_context(result, meta)
    out = [f"# {c['title']}", "", c["subtitle"], ""]
    out += [f"Source: {_md(c['source'])} · Period: {c['period']} · Report made {c['generated']}"]
    out += ["", "## Executive summary", ""]
    out += _md_table(
        {
            "columns": [
                {"label": "measure", "num": False},
                {"label": "value", "num": True},
                {"label": "", "num": False},
            ],
            "rows": [[t["label"], t["value"], t["note"]] for t in c["tiles"]],
            "more": "",
            "empty": "",
        }
    )
    for n in c["key_notes"]:
        out += ["", f"> {_md(n)}"]
    out += [""] + markdown_lines(section_view(split, kept, currency=meta.currency))
    out += ["## Findings, ranked by impact", ""]
    if not c["findings"]:
        out.append("No findings.")
    for i, f in enumerate(c["findings"], 1):
        out += [f"### {i}. {_md(f['title'])}", "", _md(f["text"]), ""]
        out.append("Evidence: " + "; ".join(f"{_md(k)}: **{_md(v)}**" for k, v in f["evidence"]))
        if f["recommendation"]:
            out += ["", f"*Recommendation:* {_md(f['recommendation'])}"]
        out.append("")
    sections = [
        ("Where cases wait", c["activities"]),
        ("Slowest transitions between steps", c["transitions"]),
        ("Rework", c["rework"]),
        ("Silo handoffs between agencies", c["handoffs"]),
        ("Ping-pong: files sent straight back", c["pingpongs"]),
        ("Handoffs between staff", c["resource_handoffs"]),
        ("Variants", c["variants"]),
        (c["time_title"], c["lead_table"]),
    ]
    if c["resources"]:
        sections.append(("Staff workload", c["resources"]))
    if c["conformance"]:
        sections.append(
            (f"Conformance to {c['conformance']['journey']}", c["conformance"]["deviations"])
        )
    if c["league"]:
        sections.append((f"League table by {c['league']['by']}", c["league"]["table"]))
    for title, table in sections:
        out += [f"## {_md(title)}", ""]
        out += _md_table(table)
        if table is c["transitions"] and c["transitions_overlap"]:
            out += ["", _md(c["transitions_overlap"])]
        out.append("")
    out += causes_markdown(_causes(result, meta), _md, _md_table)
    out += ["## Conclusions and recommendations", ""]
    for i, item in enumerate(c["conclusions"], 1):
        because = "; ".join(item["because"])
        out.append(
            f"{i}. **{_md(item['action'])}** Because of: {_md(because)}."
            f" Largest effect: {_md(item['effect'])}."
        )
    if not c["conclusions"]:
        out.append("No rule found a problem large enough to act on.")
    out += ["", "## Method and notes", ""]
    out += [f"- {_md(n)}" for n in c["notes"]]
    out += ["", c["footer"], ""]
    return "\n".join(out)


def render_json(
    result: MiningResult,
    *,
    meta: ReportMeta | None = None,
    split: BeforeAfter | None = None,
    kept: Sequence[FilterStep] = (),
    monitor: dict | None = None,
) -> str:
    """The mining result as JSON (:meth:`MiningResult.to_dict` plus a ``report`` header).

    Examples
    --------
    >>> import json
    >>> import pandas as pd
    >>> from analysis.mining import mine
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"],
    ...                                      utc=True), "org:group": ["x", "y"]})
    >>> d = json.loads(render_json(mine(log)))
    >>> d["report"]["pseudonymised"], d["handoffs"][0]["count"]
    (True, 1)
    """
    meta = meta or ReportMeta()
    body = result.to_dict()
    head = {
        "report": {
            "title": "Bottleneck and silo-handoff report",
            "source": meta.source,
            "pseudonymised": meta.pseudonymised,
            "generated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "time_unit": "minutes",
        }
    }
    body |= monitor or {}  # charter and feedback (odsc.report_monitor.mine_extras)
    head |= json_part(split, kept)
    return json.dumps(head | body, indent=2, ensure_ascii=False, default=_json_default) + "\n"


# ----- plots -----------------------------------------------------------------------------


def _check_tz(tz: str) -> None:
    import zoneinfo

    from analysis.schema import LogError

    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise LogError(
            f"--tz: unknown time zone {tz!r} (use an IANA name such as Asia/Vientiane)"
        ) from None


def _causes(result: MiningResult, meta: ReportMeta, **options: Any) -> dict[str, Any]:
    """The "Why cases wait" context; the meta's note in its place when it has one."""
    context = causes_context(result, **options)
    return context | {"note": meta.causes_note} if meta.causes_note else context


def _silent(line: str) -> None:
    """Lines for the user go nowhere when no ``echo`` is given."""


def _flattened(source: Any, object_type: str | None, echo: Callable[[str], None] | None) -> Any:
    """An OCEL 2.0 file flattened on ``object_type`` (:mod:`analysis.ocel`); else ``source``."""
    from analysis.ocel import case_log_source

    source, line = case_log_source(source, object_type)
    if line:
        (echo or _silent)(line)
    return source


def _name(source: Any) -> str:
    return Path(source).name if isinstance(source, (str, Path)) else "DataFrame"


def _md(text: Any) -> str:
    """Markdown-safe text (:func:`odsc.mine_format.md_text`)."""
    from odsc.mine_format import md_text

    return md_text(text)


def _md_table(t: dict[str, Any]) -> list[str]:
    if not t["rows"]:
        return [_md(t["empty"])]
    head = "| " + " | ".join(_md(c["label"]) or " " for c in t["columns"]) + " |"
    rule = "|" + "|".join("---:" if c["num"] else "---" for c in t["columns"]) + "|"
    body = ["| " + " | ".join(_md(v) for v in row) + " |" for row in t["rows"]]
    out = [head, rule, *body]
    if t["more"]:
        out += ["", f"*{_md(t['more'])}*"]
    return out


def _json_default(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return str(v)

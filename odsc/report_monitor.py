"""The monitoring report of ``odsc monitor``: centres over time, charters, feedback.

:func:`monitor_report` reads an event log (and optionally a survey), measures
it with :func:`analysis.monitor.monitor` and renders one of

* ``html``: one self-contained page (inline CSS and SVG, no script, nothing
  fetched) for a planner: which centres got faster or slower period by period,
  which meet their charter, and how ratings follow visits and waits;
* ``csv``: the tidy table (one row per centre and period, plus the
  all-centres rows), empty cells where a value is not recorded;
* ``json``: the table, the movers, the charter and the feedback, ``null`` where
  a value is not recorded and ``notes`` saying why.

Case ids appear only as keyed pseudonyms (:mod:`analysis.privacy`) unless
``show_ids``; comments are never shown with any case id. All text from the log
or the survey is escaped (Jinja2 autoescape).

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({"case:concept:name": ["A-1", "A-1"],
...     "concept:name": ["<b>apply</b>", "issue"], "centre": ["X", "X"],
...     "time:timestamp": ["2024-01-02 08:00:00+07:00", "2024-01-03 09:30:00+07:00"]})
>>> page = monitor_report(log, by="centre", key="k")
>>> "<b>apply" in page, "<script" in page, "A-1" in page
(False, False, False)
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from odsc.cli_common import check_report_options

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.monitor import Monitor
    from journeys.model import Journey

__all__ = ["FORMATS", "NOT_RECORDED", "monitor_report", "monitor_source_report"]

#: Output formats of :func:`monitor_report`.
FORMATS: tuple[str, ...] = ("html", "csv", "json")

#: Periods shown as columns of the HTML tables (the latest ones).
_MAX_COLUMNS = 12

#: How a value the log does not hold reads in the report.
NOT_RECORDED = "not recorded"


def monitor_report(
    source: str | Path | pd.DataFrame,
    *,
    fmt: str = "html",
    by: str | None = None,
    every: str = "month",
    journey: Journey | None = None,
    feedback: str | Path | None = None,
    min_cases: int = 10,
    sla_minutes: float = 15.0,
    tz: str | None = None,
    seed: int = 0,
    show_ids: bool = False,
    key: str | None = None,
    read_options: dict[str, Any] | None = None,
) -> str:
    """Read, measure and render; the report as text (see the module docstring)."""
    from analysis.logs import read_log
    from analysis.monitor import monitor
    from analysis.schema import LogError

    check_report_options(fmt, key, FORMATS)
    opts = {k: v for k, v in (read_options or {}).items() if v is not None}
    log = read_log(source, tz=tz, **opts)
    name = Path(source).name if isinstance(source, (str, Path)) else "log"
    if by is not None and by not in log.columns:
        from analysis.monitor import nearest_column

        raise LogError(f"{name}: " + nearest_column(by, log))
    if len(log) == 0:
        raise LogError(f"{name}: the log has no events")
    m = monitor(log, by=by, every=every, journey=journey, sla_minutes=sla_minutes,
                min_cases=min_cases, tz=tz, seed=seed)  # fmt: skip
    fb = None
    if feedback is not None:
        from analysis.feedback import join_feedback, read_feedback

        answers = read_feedback(feedback, log=log, by=by, journey=journey, tz=tz)
        fb = join_feedback(answers, m.cases, every=every)
    return _render(m, fb, fmt=fmt, log=log, name=name, journey=journey, show_ids=show_ids,
                   key=key, seed=seed)  # fmt: skip


def monitor_source_report(
    source: str | Path,
    *,
    fmt: str = "html",
    by: str | None = None,
    every: str = "month",
    min_cases: int = 10,
    sla_minutes: float = 15.0,
    tz: str | None = None,
    seed: int = 0,
    show_ids: bool = False,
    key: str | None = None,
    parts: Any = None,
) -> str:
    """The report of :func:`monitor_report` from canonical Parquet on the scale engine.

    :func:`analysis.scale.monitor.monitor_source` measures the log (no
    journey, no survey: the CLI refuses them); the rendering is the same, so
    the CSV and JSON equal those of the pandas engine on the same log.
    ``parts`` is its hash buckets or Dask runner.
    """
    from analysis.scale.monitor import monitor_source

    check_report_options(fmt, key, FORMATS)
    m = monitor_source(source, by=by, every=every, sla_minutes=sla_minutes, min_cases=min_cases,
                       tz=tz, seed=seed, parts=parts)  # fmt: skip
    return _render(m, None, fmt=fmt, log=None, name=Path(source).name, journey=None,
                   show_ids=show_ids, key=key, seed=seed)  # fmt: skip


def _render(
    m: Monitor,
    fb: pd.DataFrame | None,
    *,
    fmt: str,
    log: pd.DataFrame | None,
    name: str,
    journey: Journey | None,
    show_ids: bool,
    key: str | None,
    seed: int,
) -> str:
    ctx = _context(m, fb, log=log, name=name, journey=journey, show_ids=show_ids, key=key,
                   seed=seed)  # fmt: skip
    if fmt == "csv":
        return m.table.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return json.dumps(_plain(ctx["data"]), indent=2, ensure_ascii=False) + "\n"
    return _html(ctx, m, fb)


# ----- formatting ----------------------------------------------------------------
def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _days(minutes: Any) -> str:
    v = _num(minutes)
    return NOT_RECORDED if math.isnan(v) else f"{v / 1440:.1f}"


def _pct(share: Any) -> str:
    v = _num(share)
    return NOT_RECORDED if math.isnan(v) else f"{100 * v:.0f}%"


def _dec(x: Any, digits: int = 1) -> str:
    v = _num(x)
    return NOT_RECORDED if math.isnan(v) else f"{v:.{digits}f}"


def _plain(x: Any) -> Any:
    """JSON-ready: NaN -> None, numpy scalars -> Python."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [_plain(r) for r in df.to_dict(orient="records")]


# ----- context --------------------------------------------------------------------
def _context(
    m: Monitor,
    fb: pd.DataFrame | None,
    *,
    log: pd.DataFrame | None,
    name: str,
    journey: Journey | None,
    show_ids: bool,
    key: str | None,
    seed: int,
) -> dict[str, Any]:
    from analysis.privacy import pseudonym, random_key

    t = m.table
    centres = t[t["level"] == "centre"]
    periods = sorted(t["period"].unique())
    secret = key or random_key()

    def hide(cid: Any) -> str:
        return str(cid) if show_ids else pseudonym(cid, key=secret)

    data: dict[str, Any] = {
        "source": name,
        "settings": {
            "by": m.by,
            "every": m.every,
            "min_cases": m.min_cases,
            "sla_minutes": m.sla_minutes,
            "tz": m.tz or "UTC",
            "seed": seed,
            "show_ids": show_ids,
        },  # fmt: skip
        "cases": len(m.cases),
        "centres": int(centres["centre"].nunique()),
        "periods": periods,
        "table": _records(t),
        "movers": _records(m.movers),
        "notes": dict(m.notes),
        "charter": None,
        "feedback": None,
    }
    charter = journey.charter if journey is not None else None
    if charter is not None and "within_time" in m.cases:
        from analysis.charter import worst_breaches

        worst = worst_breaches(m.cases.dropna(subset=["within_time"]), top=10)
        per_centre = m.cases.groupby("centre")[["within_time", "within_fee"]].mean().reset_index()
        from journeys.charter import extra_documents

        data["charter"] = {
            "days": charter.days,
            "fee": charter.fee,
            "documents": list(charter.documents),
            "documents_asked_beyond_charter": list(extra_documents(journey)),
            "source": charter.source,
            "calendar": m.calendar,
            "within_time": _plain(float(m.cases["within_time"].mean())),
            "within_fee": _plain(float(m.cases["within_fee"].mean())),
            "still_open_not_late": int(m.cases["within_time"].isna().sum()),
            "by_centre": _records(per_centre),
            "worst": [
                {
                    "case": hide(cid),
                    "centre": r.centre,
                    "working_days": r.working_days,
                    "days_over": r.days_over,
                }  # fmt: skip
                for cid, r in worst.iterrows()
            ],
        }
    if fb is not None and log is not None:
        data["feedback"] = _feedback(fb, log=log, journey=journey, seed=seed)
    return {"data": data, "periods": periods}


def _feedback(
    fb: pd.DataFrame, *, log: pd.DataFrame, journey: Journey | None, seed: int
) -> dict[str, Any]:
    from analysis.feedback import comments_by_step, emotion_curve, rating_effects, satisfaction_by

    steps = list(dict.fromkeys(log["concept:name"].dropna().astype(str)))
    if journey is not None:
        steps += [s.name for s in journey.steps if s.name] + [s.id for s in journey.steps]
    effects = rating_effects(fb, seed=seed)
    order = _step_order(log)
    return {
        "answers": len(fb),
        "linked_to_cases": int(fb["case"].notna().sum()),
        "by_centre": _records(satisfaction_by(fb, "centre").reset_index()),
        "by_step": _records(satisfaction_by(fb, "step").reset_index()),
        "effects": _records(effects.reset_index()),
        "effects_reason": effects.attrs.get("reason"),
        "emotion_curve": _records(emotion_curve(fb, order=order).reset_index()),
        "comments": _records(comments_by_step(fb, steps=steps).reset_index()),
    }


def _step_order(log: pd.DataFrame) -> list[str]:
    """Steps by their median position in the cases: the order a citizen meets them."""
    pos = log.sort_values("time:timestamp", kind="stable").groupby("case:concept:name").cumcount()
    med = pos.groupby(log["concept:name"]).median().sort_values(kind="stable")
    return [str(s) for s in med.index]


# ----- HTML -----------------------------------------------------------------------
def _svg_of(draw: Any, size: tuple[float, float] | None = None) -> str:
    import matplotlib
    from markupsafe import Markup
    from matplotlib.figure import Figure

    from journeys.fonts import plot_rc
    from odsc.figures import figure_svg

    style = {"svg.fonttype": "none", "font.size": 9.5, "svg.hashsalt": "odsc",
             "font.family": "sans-serif", **plot_rc()}  # fmt: skip
    with matplotlib.rc_context(style):
        fig = Figure(figsize=size or (6, 3), layout="constrained")
        draw(fig)
        return Markup(figure_svg(fig, salt="odsc-monitor", tight=False))


def _matrix(t: pd.DataFrame, periods: list[str], measure: str, fmt: Any) -> list[list[Any]]:
    rows = []
    for centre, g in t.groupby(["level", "centre"], sort=False):
        g = g.set_index("period")
        cells = []
        for p in periods:
            if p not in g.index:
                cells.append({"text": "", "few": False, "late": False})
                continue
            r = g.loc[p]
            cells.append({"text": fmt(r[measure]), "few": bool(r["few_cases"]),
                          "n": int(r["cases"]), "late": bool(r["incomplete"])})  # fmt: skip
        rows.append([centre[1], centre[0] == "all", cells])
    rows.sort(key=lambda r: (r[1], str(r[0])))
    return rows


def _html(ctx: dict[str, Any], m: Monitor, fb: pd.DataFrame | None) -> str:
    import jinja2

    from analysis import monitor_plots as mp

    data, periods = ctx["data"], ctx["periods"]
    t = m.table
    n_centres = max(1, data["centres"])
    cols = min(3, n_centres)
    rows = math.ceil(n_centres / cols)
    size = (3.9 * cols, 2.7 * rows + 0.3)
    label = f"n<{m.min_cases}"
    plots = {}
    for measure in ("lead_median_minutes", "visits_mean", "queue_within_sla",
                    "within_charter_time"):  # fmt: skip
        if t[measure].notna().any():
            plots[measure] = _svg_of(
                lambda fig, ms=measure: mp.trend_grid(t, measure=ms, fig=fig,
                                                      min_cases_label=label), size)  # fmt: skip
    fbd = data["feedback"]
    if fb is not None and fbd and fbd["effects"]:
        import pandas as pd

        eff = pd.DataFrame(fbd["effects"]).set_index("term")
        plots["rating"] = _svg_of(lambda fig: mp.rating_plot(fb, eff, ax=fig.add_subplot()),
                                  (5.2, 3.2))  # fmt: skip
    if fbd and fbd["emotion_curve"]:
        import pandas as pd

        curve = pd.DataFrame(fbd["emotion_curve"]).set_index("step")
        plots["emotion"] = _svg_of(lambda fig: mp.emotion_plot(curve, ax=fig.add_subplot()),
                                   (max(5.0, 1.5 * len(curve)), 3.0))  # fmt: skip
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("odsc", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    shown = periods[-_MAX_COLUMNS:]  # a wider table does not fit a page: the CSV has all
    first = str(m.cases["period"].min()) if len(m.cases) else ""
    last = str(m.cases["period"].max()) if len(m.cases) else ""
    return env.get_template("monitor.html.j2").render(
        d=data,
        plots=plots,
        periods=shown,
        cut=len(periods) - len(shown),
        span=f"{first} to {last}" if first != last else first,
        lead=_matrix(t, shown, "lead_median_minutes", _days),
        charter_matrix=_matrix(t, shown, "within_charter_time", _pct)
        if t["within_charter_time"].notna().any()
        else None,
        days=_days,
        pct=_pct,
        dec=_dec,
        num=_num,
        isnan=lambda x: math.isnan(_num(x)),
        by_label=m.by or "the whole log (no --by column)",
        not_recorded=NOT_RECORDED,
    )


def mine_extras(
    log: pd.DataFrame,
    *,
    journey: Journey | None,
    feedback: str | Path | None,
    by: str | None = None,
    tz: str | None = None,
    show_ids: bool = False,
    key: str | None = None,
    seed: int = 0,
) -> dict[str, Any] | None:
    """The charter and feedback sections of the mining report (``odsc mine``), or None.

    ``log`` is the log as read, before pseudonymisation (the survey names real
    case ids); the sections show case ids only as pseudonyms of ``key`` unless
    ``show_ids``. The keys are ``charter`` and ``feedback`` as in the JSON of
    :func:`monitor_report`; the mining report's JSON carries them as they are,
    its HTML through the partial ``mine_monitor.html.j2``.
    """
    from analysis.monitor import monitor

    has_charter = journey is not None and journey.charter is not None
    if not has_charter and feedback is None:
        return None
    m = monitor(log, by=by, journey=journey, tz=tz, seed=seed, n_boot=200)
    fb = None
    if feedback is not None:
        from analysis.feedback import join_feedback, read_feedback

        answers = read_feedback(feedback, log=log, by=by, journey=journey, tz=tz)
        fb = join_feedback(answers, m.cases)
    data = _context(m, fb, log=log, name="", journey=journey, show_ids=show_ids, key=key,
                    seed=seed)["data"]  # fmt: skip
    return _plain({"charter": data["charter"], "feedback": data["feedback"]})

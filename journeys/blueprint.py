"""Service blueprints: a journey drawn in swimlanes, as the citizen lives it.

Rows, top to bottom, follow the service-blueprint convention:

* **Stage** names (when the steps have them) and the **elapsed-time ruler**:
  the median days elapsed at the start of each column, and at the end (work,
  counter queues and handoffs along the path; closed hours are not added, so
  it is a lower bound on calendar days; see :mod:`journeys._blueprint_time`);
* **Citizen actions**: what the citizen brings and pays at each visit; the first
  step of every visit to an office carries a numbered badge;
* **Front stage**: one lane per door (office) where the citizen is served, below
  the line of interaction; a counter step served by a desk pool is a *wait
  point* (a ``W`` badge) with its expected queue in minutes (M/M/c from the
  model's arrivals and desks, or the minutes given in ``queues``);
* the dashed **line of visibility**;
* **Back stage**: one lane per agency, for work done without the citizen;
* **Support**: couriers and data exchange between agencies, each chip numbered
  like the handoff line it describes.

Time runs left to right: the steps of the citizen's most likely path (or of a
given path) in order, the branches of a parallel split side by side. Handoffs
the citizen carries are red dashed arrows with a warning marker (pain points);
courier and digital handoffs drop into the support lane; rework loops are
curved arrows labelled with their probability. Every agency has one fill
colour on every map of a service (:mod:`journeys.blueprint_colors`), and the
key at the bottom names them. Names are wrapped, never cut.

``size="slide"`` draws a 16:9 slide (13.33 x 7.5 in, PowerPoint's widescreen)
with every text at 10 pt or more: a journey too wide for one row is split
over rows, and a handoff to the next row ends in a lettered connector that
starts the next row. :func:`blueprint_pair` draws a before and an after map at
the same scale with the same colours.

Artists carry ``gid`` values (``step-<index>-<id>``, ``visit-badge-<n>``,
``pain-point-<row>-<n>``, ``wait-point-<step>``, ``support-tag-<n>``,
``row-tag-<letter>``) so that they can be found in the Axes and in an SVG file.
"""

from __future__ import annotations

import math
import string
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from journeys import _blueprint_draw as _d
from journeys._blueprint_key import legend_items
from journeys._blueprint_layout import Layout, layout
from journeys._blueprint_rows import Row, split_rows
from journeys._blueprint_time import Queue, counter_queues, elapsed
from journeys.blueprint_colors import agency_colors
from journeys.errors import InputError
from journeys.model import Journey

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["COL_IN", "LANE_IN", "SLIDE_IN", "SLIDE_MIN_PT", "blueprint", "blueprint_pair"]

#: Inches per column and per lane of a figure made by :func:`blueprint`.
COL_IN, LANE_IN = _d.COL_IN, _d.LANE_IN
#: The size of a ``size="slide"`` figure, inches (16:9), and its smallest text, points.
SLIDE_IN, SLIDE_MIN_PT = (40 / 3, 7.5), 10.0
_MARGINS = (0.95, 0.2)  # inches above (title) and on each side
_SLIDE_TOP, _SLIDE_GAP = 0.78, 0.12  # inches: title band, gap between rows
# what a slide's lane and column need to hold 10-pt text (a name on two lines, minutes)
_SLIDE_COL, _SLIDE_LANE = 1.9, 0.62
_SLIDE_BANDS = (0.42, 0.38)  # ruler and stage bands of a slide, in lanes
_SLIDE_KEY_IN = 3.15  # inches per column of a slide's key


def blueprint(
    journey: Journey,
    *,
    path: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    size: Literal["auto", "slide"] = "auto",
    colors: Mapping[str, str] | None = None,
    queues: Mapping[str, float | None] | None = None,
) -> Axes:
    """Draw a journey as a service blueprint.

    Parameters
    ----------
    journey : Journey
        The journey to draw; it is not changed.
    path : sequence of str, optional
        Step ids to draw, in the order the citizen meets them (a step may come
        back, e.g. after rework). By default the most likely path: from the
        start, at each step the most probable transition to a step not shown
        yet; every branch of a parallel split, side by side when their lanes
        allow it.
    ax : matplotlib.axes.Axes, optional
        Where to draw (``size="auto"`` only). By default a new figure sized to
        the journey: :data:`COL_IN` inches per column and :data:`LANE_IN` per
        lane. Fonts shrink with a smaller Axes.
    title : str, optional
        The title; the journey's name by default, ``""`` for none.
    size : {"auto", "slide"}
        ``"slide"``: a 16:9 figure of :data:`SLIDE_IN` inches, all text at
        :data:`SLIDE_MIN_PT` points or more, wide journeys split over rows
        (one Axes per row, top first; the first is returned).
    colors : mapping of str to str, optional
        Fill colour per agency id; by default :func:`~journeys.blueprint_colors.agency_colors`
        of this journey (the same colour for an agency on every map).
    queues : mapping of str to float or None, optional
        Queue minutes per counter step (measured or simulated), instead of the
        M/M/c estimate; ``None`` for a queue that is not recorded (no wait
        point is drawn for it).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    JourneyError
        When ``path`` is empty, names an unknown step, or a step that no
        earlier step of the path leads to.
    InputError
        For an unknown ``size``, or ``ax`` with ``size="slide"``.

    Notes
    -----
    A visit starts at a citizen-present step unless the previous one was at
    the same door and the case moved on with no carrier (the next desk).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from journeys.catalog import load_catalog
    >>> ax = blueprint(load_catalog("business-licence"))
    >>> [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("visit-badge")]
    ['1', '2', '3', '4', '5']
    >>> slide = blueprint(load_catalog("land-title"), size="slide")
    >>> len(slide.figure.axes), [round(float(v), 3) for v in slide.figure.get_size_inches()]
    (2, [13.333, 7.5])
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    if size not in ("auto", "slide"):
        raise InputError(f"size: must be 'auto' or 'slide', got {size!r}")
    if size == "slide" and ax is not None:
        raise InputError("ax: a slide makes its own figure; leave ax out with size='slide'")
    lay = layout(journey, path)
    colors = dict(colors) if colors is not None else agency_colors(journey)
    qs = _queues(journey, queues)
    if size == "slide":
        lay = layout(journey, path, one_front=True)
        return _fit_slide(journey, lay, colors, qs, title)[0][0]
    return _auto(journey, lay, ax, colors, qs, title)


def blueprint_pair(
    before: Journey,
    after: Journey,
    *,
    size: Literal["auto", "slide"] = "auto",
    colors: Mapping[str, str] | None = None,
) -> tuple[Axes, Axes]:
    """Draw a before and an after map at the same scale, with one colour per agency.

    Both figures have the same inches per column and per lane (so the same
    fonts, box sizes and ruler spacing) and colour the union of their
    agencies together; side by side, equal distances mean equal steps.

    Parameters
    ----------
    before, after : Journey
        The as-is and the to-be journey of a service.
    size : {"auto", "slide"}
        As in :func:`blueprint`; two slides have the scale the fuller one needs.
    colors : mapping of str to str, optional
        Fill colour per agency id; by default ``agency_colors(before, after)``.

    Returns
    -------
    (Axes, Axes)
        The first Axes of each figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from journeys.catalog import load_catalog
    >>> a, b = blueprint_pair(load_catalog("family-book"), load_catalog("family-book-one-door"))
    >>> a.figure is not b.figure
    True
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    if size not in ("auto", "slide"):
        raise InputError(f"size: must be 'auto' or 'slide', got {size!r}")
    colors = dict(colors) if colors is not None else agency_colors(before, after)
    lays = [layout(before, one_front=size == "slide"), layout(after, one_front=size == "slide")]
    qs = [_queues(before, None), _queues(after, None)]
    if size == "auto":
        axes = [_auto(j, lay, None, colors, q, None) for j, lay, q in zip((before, after), lays, qs)]
        return axes[0], axes[1]
    import matplotlib.pyplot as plt

    pair = list(zip((before, after), lays, qs))
    keys = []
    for j, lay, q in pair:  # each slide's key, measured on a trial slide
        axes, key = _fit_slide(j, lay, colors, q, None)
        plt.close(axes[0].figure)
        keys.append(key)
    plans = [_slide_plan(j, lay, key) for (j, lay, _), key in zip(pair, keys)]
    col_in = min(p[1] for p in plans)
    lane_in = min(p[2] for p in plans)
    out = [
        _slide(j, lay, (p[0], col_in, lane_in), colors, q, None)[0][0]
        for (j, lay, q), p in zip(pair, plans)
    ]
    return out[0], out[1]


# ----- figures -------------------------------------------------------------------------------


def _queues(j: Journey, given: Mapping[str, float | None] | None) -> dict[str, Queue]:
    if given is None:
        return counter_queues(j)
    return {str(k): Queue(None if v is None else float(v), "given") for k, v in given.items()
            if v is not None}  # fmt: skip


def _names(j: Journey) -> dict[str, str]:
    return {a.id: a.name or a.id for a in j.agencies} | {
        s.agency: s.agency for s in j.steps if s.agency not in {a.id for a in j.agencies}
    }


def _bands(j: Journey, lay: Layout, slide: bool = False) -> float:
    stages = any(j.step(s).stage for s in lay.order)
    ruler, stage = _SLIDE_BANDS if slide else (_d.RULER_H, _d.STAGE_H)
    return ruler + (stage if stages else 0.0)


def _legend_rows(n_items: int, width_in: float, per_item_in: float) -> int:
    return math.ceil(n_items / max(1, int(width_in / per_item_in)))


def _auto(j: Journey, lay: Layout, ax: Any, colors: dict, qs: dict, title: str | None) -> Any:
    import matplotlib

    from journeys.fonts import plot_rc

    stages = any(j.step(s).stage for s in lay.order)
    top, side = _MARGINS
    own = ax is None
    height = (len(lay.lanes) + _bands(j, lay)) * LANE_IN
    fw = (max(lay.col) + 1 + _d.HEADER) * COL_IN + 2 * side
    if own:
        # The Axes is placed in inches, so that the lanes do not depend on a layout engine;
        # the space under it is set to the key's height once the key is drawn.
        import matplotlib.pyplot as plt

        fh = height + top + 1.0
        fig = plt.figure(figsize=(fw, fh))
        ax = fig.add_axes((side / fw, 1.0 / fh, 1 - 2 * side / fw, height / fh))
    # names in any script: the texts take their glyphs from DejaVu Sans or a Lao font
    with matplotlib.rc_context(plot_rc()):
        d = _d.Drawing(ax, j, lay, stages, colors=colors, queues=qs, start=elapsed(j, lay, qs))
        _draw(d)
        width_in = ax.get_position().width * ax.figure.get_figwidth()
        handles = legend_items([d], d.scale, colors, _names(j))
        ncol = max(1, min(len(handles), int(width_in / (3.3 * d.scale))))
        key = ax.legend(*zip(*handles), loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=ncol,
                        frameon=False, fontsize=d.fs(9), handlelength=3.2, columnspacing=2.0,
                        borderaxespad=0.3)  # fmt: skip
        if own:  # room for the key: the Axes keeps its size in inches, so nothing moves
            bottom = key.get_window_extent(d.renderer).height / ax.figure.dpi + 0.25
            fh = height + top + bottom
            ax.figure.set_size_inches(fw, fh)
            ax.set_position((side / fw, bottom / fh, 1 - 2 * side / fw, height / fh))
        if title != "":
            _title(ax, d.fs, title or j.name, _summary(j, lay), width_in)
    return ax


def _draw(d: _d.Drawing, row: Row | None = None, tags: dict | None = None) -> None:
    lay = d.lay
    d.lanes()
    for k in range(len(lay.order)):
        d.step(k)
        d.citizen(k)
    d.waits()
    for k, (s, t, tr) in enumerate(lay.edges):
        d.handoff(s, t, tr, k, lay.ports.get(k, (0.0, 0.0, 0.0)))
    for s, t, tr in lay.extra:
        d.loop(s, t, tr)
    if row is not None and tags is not None:
        for c in row.leaving + row.arriving:
            key = (c.source_row, c.target_row, id(c.transition))
            d.crossing(c, tags.setdefault(key, string.ascii_uppercase[len(tags) % 26]))


def _fit_slide(j: Journey, lay: Layout, colors: dict, qs: dict, title: str | None
               ) -> tuple[list[Any], float]:  # fmt: skip
    """A slide whose rows leave room for its key: drawn with an estimate of the key's
    height, and again with the key's measured height when the estimate was short."""
    import matplotlib.pyplot as plt

    key = _slide_legend_in(j)
    for _ in range(3):
        axes, drawn = _slide(j, lay, _slide_plan(j, lay, key), colors, qs, title)
        if drawn <= key + 0.01:
            return axes, drawn
        plt.close(axes[0].figure)
        key = drawn
    return axes, drawn


def _slide_plan(j: Journey, lay: Layout, legend: float | None = None
                ) -> tuple[list[Row], float, float]:  # fmt: skip
    """Rows, inches per column and per lane of the slide that fits the journey best."""
    w, h = SLIDE_IN
    side = _MARGINS[1]
    ncols = max(lay.col) + 1
    names = {s.id: s.label for s in j.steps}
    legend = _slide_legend_in(j) if legend is None else legend
    best: tuple[float, list[Row], float, float] | None = None
    for nrows in range(1, min(ncols, 6) + 1):
        rows = split_rows(lay, math.ceil(ncols / nrows), names, support=False)
        widest = max(max(r.layout.col) + 1 for r in rows)
        units = sum(len(r.layout.lanes) + _bands(j, r.layout, True) for r in rows)
        col_in = min((w - 2 * side) / (widest + _d.SLIDE_HEADER + _d.SLIDE_RIGHT), COL_IN * 1.2)
        lane_in = min((h - _SLIDE_TOP - legend - _SLIDE_GAP * (len(rows) - 1)) / units, LANE_IN)
        fit = min(col_in / _SLIDE_COL, lane_in / _SLIDE_LANE)
        if best is None or fit > best[0] + 1e-9:
            best = (fit, rows, col_in, lane_in)
    assert best is not None
    return best[1], best[2], best[3]


def _slide_legend_in(j: Journey) -> float:
    # the key: what is drawn (up to 9 kinds), the agencies, the support notes (one per
    # courier or data-exchange handoff)
    support = len({(t.carrier, t.batch_times, t.delay and t.delay.mean) for t in j.transitions
                   if t.carrier in ("courier", "digital")})  # fmt: skip
    items = 12 + len({s.agency for s in j.steps}) + support
    return 0.15 + 0.2 * _legend_rows(items, SLIDE_IN[0] - 2 * _MARGINS[1], _SLIDE_KEY_IN)


def _slide(j: Journey, lay: Layout, plan: tuple, colors: dict, qs: dict,
           title: str | None) -> tuple[list[Any], float]:  # fmt: skip
    """The slide's figure: its row Axes, and the height its key took (inches)."""
    import matplotlib
    import matplotlib.pyplot as plt

    from journeys.fonts import plot_rc

    rows, col_in, lane_in = plan
    w, h = SLIDE_IN
    side = _MARGINS[1]
    fig = plt.figure(figsize=(w, h))
    start = elapsed(j, lay, qs)
    scale = min(col_in / COL_IN, lane_in / LANE_IN, 1.0)
    axes, drawings, tags = [], [], {}
    y = h - _SLIDE_TOP
    with matplotlib.rc_context(plot_rc()):
        for r, row in enumerate(rows):
            sub = row.layout
            cols = max(sub.col) + 1
            stages = any(j.step(s).stage for s in sub.order)
            height = (len(sub.lanes) + _bands(j, sub, True)) * lane_in
            width = (cols + _d.SLIDE_HEADER + _d.SLIDE_RIGHT) * col_in
            y -= height
            ax = fig.add_axes((side / w, y / h, width / w, height / h))
            y -= _SLIDE_GAP
            ends = [start[k] for k in row.index]
            last = row.index[-1]
            nxt = rows[r + 1].index[0] if r + 1 < len(rows) else None
            ends.append(start[nxt] if nxt is not None else start[-1])
            del last
            d = _d.Drawing(ax, j, sub, stages, colors=colors, queues=qs, start=ends,
                           min_pt=SLIDE_MIN_PT, slide=True, row=r, scale=scale,
                           bands=_SLIDE_BANDS)  # fmt: skip
            _draw(d, row, tags)
            axes.append(ax)
            drawings.append(d)
        handles = legend_items(drawings, 1.0, colors, _names(j), lines=True)
        ncol = max(1, int((w - 2 * side) / _SLIDE_KEY_IN))
        # the numbered notes, one entry per distinct note ("1, 2, 2.2: courier 15:00 ...")
        notes: dict[tuple[str, str], list[str]] = {}
        for d in drawings:
            for n, what, color in d.notes:
                notes.setdefault((what, color), []).append(n)
        if notes:
            from matplotlib.patches import Patch

            for (what, color), ns in notes.items():
                label = _d.wrap(f"{', '.join(ns)}: {what}", 42)
                handles.append((Patch(fc=color, ec="none"), label))
        key = fig.legend(*zip(*handles), loc="upper left", bbox_to_anchor=(side / w, y / h),
                         ncol=ncol, frameon=False, fontsize=SLIDE_MIN_PT, handlelength=2.6,
                         columnspacing=1.2, borderaxespad=0.0)  # fmt: skip
        key_in = key.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi + 0.1
        if title != "":
            fig.text(side / w, 1 - 0.12 / h, title or j.name, ha="left", va="top",
                     fontsize=16, weight="bold", parse_math=False)  # fmt: skip
            lines = textwrap.wrap(_summary(j, lay), int((w - 2 * side) * 72 / (10 * 0.55)))[:2]
            fig.text(side / w, 1 - 0.45 / h, "\n".join(lines), ha="left", va="top",
                     fontsize=SLIDE_MIN_PT, color="#444444", parse_math=False)  # fmt: skip
    return axes, key_in


def _title(ax: Any, fs: Any, title: str, summary: str, width_in: float) -> None:
    lines = textwrap.wrap(summary, max(40, int(width_in * 72 / (fs(9.5) * 0.56))))[:3]
    ax.annotate("\n".join(lines), (0, 1), xycoords="axes fraction", ha="left",
                xytext=(0, 6), textcoords="offset points", va="bottom",
                fontsize=fs(9.5), color="#444444", parse_math=False)  # fmt: skip
    pad = 12 + fs(9.5) * 1.25 * len(lines)
    ax.set_title(title, loc="left", fontsize=fs(14), weight="bold", pad=pad, parse_math=False)


# ----- words ---------------------------------------------------------------------------------


def _summary(j: Journey, lay: Layout) -> str:
    steps = [j.step(s) for s in lay.order]
    doors = {s.door for s in steps if s.citizen_present and s.door}
    carried = sum(t.carrier == "citizen" for _, _, t in lay.edges)
    times = {1: "once", 2: "twice"}.get(carried, f"{carried} times")
    off = len(set(j.step_ids) - set(lay.order))
    parts = [
        ("Most likely path" if lay.likely else "Path shown") + f": {_n(len(steps), 'step')}",
        f"{_n(max([v for v in lay.visit if v] or [0]), 'visit')} to {_n(len(doors), 'office')}",
        _n(len({s.agency for s in steps}), "agency", "agencies"),
        f"papers carried by the citizen {times}" if carried else "no papers carried by the citizen",
        f"fees {sum(s.fee for s in steps):,.0f} {j.currency}",
    ]
    if off:
        parts.append(f"{_n(off, 'step')} off this path not shown")
    parts.append("ruler: median days of work, queues and handoffs (closed hours not added)")
    return "  ·  ".join(parts)


def _n(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"

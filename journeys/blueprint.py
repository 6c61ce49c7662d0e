"""Service blueprints: a journey drawn in swimlanes, as the citizen lives it.

Rows, top to bottom, follow the service-blueprint convention:

* **Citizen actions**: what the citizen brings and pays at each visit; the first
  step of every visit to an office carries a numbered badge;
* **Front stage**: one lane per door (office) where the citizen is served, below
  the line of interaction;
* the dashed **line of visibility**;
* **Back stage**: one lane per agency, for work done without the citizen;
* **Support**: couriers and data exchange between agencies.

Time runs left to right: the steps of the citizen's most likely path (or of a
given path) in order, the branches of a parallel split side by side. Handoffs
the citizen carries are red dashed arrows with a warning marker (pain points);
courier and digital handoffs drop into the support lane; rework loops are
curved arrows labelled with their probability.

Artists carry ``gid`` values (``step-<index>-<id>``, ``visit-badge-<n>``,
``pain-point-<n>``) so that they can be found in the Axes and in an SVG file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from journeys._blueprint_layout import Layout, layout
from journeys.model import Journey, Transition

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["COL_IN", "LANE_IN", "blueprint"]

#: Inches per column and per lane of a figure made by :func:`blueprint`.
COL_IN, LANE_IN = 2.2, 1.1
_HEADER = 0.8  # width of the lane-title column, in columns
_BOX_W, _BOX_H = 0.76, 0.76  # step boxes, in columns and lanes
_STAGE_H = 0.3  # the band of stage names above the lanes, in lanes
_MARGINS = (0.95, 0.75, 0.2)  # inches above (title), below (legend) and on each side

# Colour-blind-safe colours: Okabe-Ito for the carriers, Paul Tol's "light" scheme
# (lightened) for the agencies' boxes.
_CARRIER = {"same": "#222222", "citizen": "#D55E00", "courier": "#737373", "digital": "#0072B2"}
_LOOP, _SKIP, _BADGE, _INK, _GREY = "#AA3377", "#777777", "#332288", "#1A1A1A", "#333333"
_AGENCY_FILLS = "#BBD4EE #F6C3B2 #F2EAC3 #FFD4DD #CCEEFF #A1DDCC #DDE699 #D5D580".split()
_LANE_FILL = {"citizen": "#FBF3E8", "front": "#FFFFFF", "back": "#F2F2F2", "support": "#EAF0F6"}
_HEAD_FILL = {"citizen": "#F3E3CE", "front": "#ECECEC", "back": "#E0E0E0", "support": "#D9E4EF"}
_DASHED, _DASHDOT = (0, (4, 2.5)), (0, (7, 2, 1.5, 2))
_STYLE = {"same": "-", "citizen": _DASHED, "courier": _DASHDOT, "digital": "-"}
_HEAD = "-|>,head_length=0.5,head_width=0.3"


def blueprint(
    journey: Journey,
    *,
    path: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
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
        Where to draw. By default a new figure sized to the journey:
        :data:`COL_IN` inches per column and :data:`LANE_IN` per lane. Fonts
        shrink with a smaller Axes.
    title : str, optional
        The title; the journey's name by default, ``""`` for none.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    JourneyError
        When ``path`` is empty, names an unknown step, or a step that no
        earlier step of the path leads to.

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
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    lay = layout(journey, path)
    stages = any(journey.step(s).stage for s in lay.order)
    if ax is None:
        # The Axes is placed in inches, so that the lanes do not depend on a layout engine.
        import matplotlib.pyplot as plt

        top, bottom, side = _MARGINS
        height = (len(lay.lanes) + (_STAGE_H if stages else 0.0)) * LANE_IN
        fw, fh = (max(lay.col) + 1 + _HEADER) * COL_IN + 2 * side, height + top + bottom
        fig = plt.figure(figsize=(fw, fh))
        ax = fig.add_axes((side / fw, bottom / fh, 1 - 2 * side / fw, height / fh))
    import matplotlib

    from journeys.fonts import plot_rc

    # names in any script: the texts take their glyphs from DejaVu Sans or a Lao font
    with matplotlib.rc_context(plot_rc()):
        d = _Drawing(ax, journey, lay, stages)
        d.lanes()
        for k in range(len(lay.order)):
            d.step(k)
            d.citizen(k)
        d.waits()
        for k, (s, t, tr) in enumerate(lay.edges):
            d.handoff(s, t, tr, k, lay.ports.get(k, (0.0, 0.0, 0.0)))
        for s, t, tr in lay.extra:
            d.loop(s, t, tr)
        d.legend()
        if title != "":
            d.title(title or journey.name, _summary(journey, lay))
    return ax


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
    return "  ·  ".join(parts)


def _n(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def _wrap(text: str, width: int, lines: int = 2) -> str:
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder="…")) or " "


def _minutes(m: float) -> str:
    """A delay in words: '~45 min', '~3 h', '~2 days'."""
    if m < 90:
        return f"~{m:.0f} min"
    if m < 1440:
        return f"~{m / 60:.1f}".rstrip("0").rstrip(".") + " h"
    days = f"{m / 1440:.1f}".rstrip("0").rstrip(".")
    return f"~{days} day{'' if days == '1' else 's'}"


def _pct(p: float) -> str:
    return f"{p * 100:.0f}%" if p * 100 >= 1 else f"{p * 100:.1f}%"


# ----- drawing -------------------------------------------------------------------------------


class _Drawing:
    """The artists of one blueprint, and the space they already take (display boxes).

    Labels whose best place may be taken (handoff labels, support chips, loop
    labels) try a few candidate places and take the first that overlaps nothing
    drawn so far: matplotlib has no label placer, hence this small one.
    """

    def __init__(self, ax: Axes, j: Journey, lay: Layout, stages: bool) -> None:
        from matplotlib.backends.backend_agg import RendererAgg

        self.ax, self.j, self.lay, self.stages = ax, j, lay, stages
        n, rows = max(lay.col) + 1, len(lay.lanes) + (_STAGE_H if stages else 0.0)
        self.x0, self.right = -0.5 - _HEADER, n - 0.5
        ax.set_xlim(self.x0, self.right)
        ax.set_ylim(-len(lay.lanes) + 0.5, 0.5 + (_STAGE_H if stages else 0.0))
        ax.set_axis_off()
        fig, pos = ax.figure, ax.get_position()
        col_in = pos.width * fig.get_figwidth() / (n + _HEADER)
        lane_in = pos.height * fig.get_figheight() / rows
        self.scale = max(0.2, min(1.5, col_in / COL_IN, lane_in / LANE_IN))
        self.aspect = col_in / lane_in  # rounds box corners evenly in both directions
        get = getattr(fig.canvas, "get_renderer", None)
        self.renderer = get() if get else RendererAgg(*fig.bbox.size.astype(int), fig.dpi)
        self.taken: list[Any] = []
        self.boxes: dict[int, Any] = {}
        self.used: set[str] = set()
        self.pains = 0

    # ----- text and space
    def fs(self, size: float) -> float:
        return size * self.scale

    def text(self, x: float, y: float, s: str, *, size: float = 8.0, place: bool = True, **kw):
        kw = {"ha": "center", "va": "center", "color": _INK, "zorder": 6, **kw}
        t = self.ax.text(x, y, s, fontsize=self.fs(size), parse_math=False, **kw)
        if place:
            self.taken.append(self.extent(t))
        return t

    def extent(self, artist: Any, pad: float = 2.0) -> Any:
        bb = artist.get_window_extent(self.renderer)
        if getattr(artist, "get_bbox_patch", lambda: None)() is not None:
            pad += artist.get_bbox_patch().get_boxstyle().pad * artist.get_fontsize()
        return bb.padded(pad * self.scale * artist.figure.dpi / 72.0)

    def free(self, artist: Any) -> bool:
        bb, area = self.extent(artist), self.ax.get_window_extent(self.renderer).padded(2)
        inside = area.containsx(bb.x0) and area.containsx(bb.x1)
        return inside and not any(bb.overlaps(o) for o in self.taken)

    def place(self, artist: Any, candidates: Sequence[tuple[float, float, str]]) -> int:
        """Move a text to the first free candidate (x, y, ha), else the first; its index."""
        found = 0
        for i, (x, y, ha) in enumerate(candidates):
            artist.set_position((x, y))
            artist.set_ha(ha)
            if self.free(artist):
                found = i
                break
        else:
            artist.set_position(candidates[0][:2])
            artist.set_ha(candidates[0][2])
        self.taken.append(self.extent(artist))
        return found

    def stack(self, x: float, y: float, pieces: list[tuple], ha: str = "center", fit=0.0):
        """Lines of different fonts, stacked and centred on (x, y).

        Each piece is (text, size, style, characters per line, lines); texts are
        wrapped narrower until they are at most ``fit`` columns wide.
        """
        limit = fit * (self.ax.transData.transform((1, 0)) - self.ax.transData.transform((0, 0)))[0]
        texts, heights = [], []
        for raw, size, kw, chars, lines in pieces:
            kw = {"color": _INK, "fontsize": self.fs(size), "zorder": 4, **kw}
            t = self.ax.annotate(_wrap(raw, chars, lines), (x, y), textcoords="offset points",
                                 xytext=(0, 0), ha=ha, va="top", parse_math=False, **kw)  # fmt: skip
            while limit and chars > 8 and t.get_window_extent(self.renderer).width > limit:
                chars -= 2
                t.set_text(_wrap(raw, chars, lines))
            texts.append(t)
            heights.append(t.get_text().count("\n") * size * 1.2 + size * 1.15)
        off = (sum(heights) + 2.5 * (len(pieces) - 1)) / 2 * self.scale
        for t, h in zip(texts, heights):
            t.xyann = (0, off)
            self.taken.append(self.extent(t, pad=0.5))
            off -= (h + 2.5) * self.scale

    # ----- lanes, steps, citizen notes
    def lanes(self) -> None:
        ax, x0, lanes = self.ax, self.x0, self.lay.lanes
        width = self.right - x0
        for i, (kind, name, sub) in enumerate(lanes):
            ax.axhspan(-i - 0.5, -i + 0.5, fc=_LANE_FILL[kind], lw=0, zorder=0)
            ax.fill_between([x0, x0 + _HEADER - 0.04], -i - 0.5, -i + 0.5, fc=_HEAD_FILL[kind],
                            lw=0, zorder=0.5)  # fmt: skip
            ax.axhline(-i - 0.5, color="#C8C8C8", lw=0.6, zorder=1)
            self.stack(x0 + 0.06, -i, [(name, 9.5, {"weight": "bold"}, 30, 1),
                                       (sub, 8, {"color": _GREY}, 24, 3)], "left", _HEADER - 0.1)  # fmt: skip
        back = [i for i, (kind, _, _) in enumerate(lanes) if kind == "back"]
        lines = [(1, "line of interaction", "-", _CARRIER["same"]),
                 (back[0] if back else len(lanes) - 1, "line of visibility", (0, (5, 3)), "#222")]  # fmt: skip
        if back:
            lines.append((back[-1] + 1, "line of internal interaction", ":", "#555555"))
        for i, label, style, color in lines:
            ax.plot([x0, x0 + width], [0.5 - i] * 2, ls=style, color=color, lw=1.3, zorder=1.5)
            self.text(x0 + _HEADER / 2, 0.5 - i, label, size=7, style="italic", color=_GREY,
                      bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color, "lw": 0.6})  # fmt: skip
        if self.stages:
            self._stages()

    def _stages(self) -> None:
        first: dict[int, str] = {}
        for k, sid in enumerate(self.lay.order):
            first.setdefault(self.lay.col[k], self.j.step(sid).stage)
        runs: list[list[Any]] = []
        for c, stage in sorted(first.items()):
            if runs and runs[-1][0] == stage:
                runs[-1][2] = c
            else:
                runs.append([stage, c, c])
        y, style = 0.5 + _STAGE_H / 2, {"size": 8.5, "weight": "bold", "color": "#555555"}
        self.text(self.x0 + 0.06, y, "Stage", ha="left", **style)
        for stage, a, b in (r for r in runs if r[0]):
            self.ax.plot([a - 0.45, b + 0.45], [0.52] * 2, color="#888888", lw=2.5,
                         solid_capstyle="butt")  # fmt: skip
            self.text((a + b) / 2, y, _wrap(stage, 28 * (b - a + 1), 1), **style)

    def _box(self, x: float, lane: int, face: str, edge: str, gid: str, lw: float = 1.2) -> Any:
        from matplotlib.patches import FancyBboxPatch

        box = FancyBboxPatch((x - _BOX_W / 2, -lane - _BOX_H / 2), _BOX_W, _BOX_H,
                             boxstyle="round,pad=0,rounding_size=0.05", mutation_aspect=self.aspect,
                             fc=face, ec=edge, lw=lw * self.scale, zorder=3, gid=gid)  # fmt: skip
        self.ax.add_patch(box)
        self.taken.append(self.extent(box, pad=1))
        return box

    def step(self, k: int) -> None:
        s, x, lane = self.j.step(self.lay.order[k]), self.lay.col[k], self.lay.lane[k]
        ids = [a.id for a in self.j.agencies] or sorted({t.agency for t in self.j.steps})
        fill = _AGENCY_FILLS[(ids.index(s.agency) if s.agency in ids else 0) % len(_AGENCY_FILLS)]
        agency = next((a.name or a.id for a in self.j.agencies if a.id == s.agency), s.agency)
        self.boxes[k] = self._box(x, lane, fill, "#4D4D4D", f"step-{k}-{s.id}")
        long = len(textwrap.wrap(s.label, 20)) > 2  # a third line for the name, one for the agency
        self.stack(x, -lane, [(s.label, 9, {"weight": "bold"}, 22, 3),
                              (agency, 7.5, {"style": "italic", "color": _GREY}, 30, 2 - long),
                              (f"{s.duration.mean:,.0f} min of work", 7.5, {"color": _GREY}, 30, 1)],
                   fit=_BOX_W - 0.05)  # fmt: skip

    def citizen(self, k: int) -> None:
        s, x, visit = self.j.step(self.lay.order[k]), self.lay.col[k], self.lay.visit[k]
        if visit is None:
            return
        self._box(x, 0, "#FFFFFF", "#B7A58F", f"citizen-{k}", lw=1.0)
        n = len(s.documents)
        what = [f"brings {_n(n, 'document')}"] if n else []
        what += [f"pays {s.fee:,.0f} {self.j.currency}"] if s.fee else []
        head = f"Visit {visit}" + ("" if self.lay.new_visit[k] else ", continued")
        body = [(w, 8, {}, 28, 2) for w in what] or [("is served in person", 8, {}, 28, 1)]
        self.stack(x, 0.0, [(head, 9, {"weight": "bold"}, 30, 1), *body], fit=_BOX_W - 0.05)
        if self.lay.new_visit[k]:
            self.text(x - _BOX_W / 2 + 0.02, _BOX_H / 2 - 0.04, str(visit), size=9, weight="bold",
                      color="white", zorder=7, gid=f"visit-badge-{visit}",
                      bbox={"boxstyle": "circle,pad=0.3", "fc": _BADGE, "ec": "white", "lw": 1.2})  # fmt: skip

    def waits(self) -> None:
        """'waits' in the citizen lane over the columns without a visit."""
        busy = {c for c, v in zip(self.lay.col, self.lay.visit) if v}
        for c in sorted(set(self.lay.col) - busy):
            self.text(c, 0, "waits", size=8, style="italic", color="#8A8A8A")

    # ----- handoffs and loops
    def handoff(self, s: int, d: int, tr: Transition, k: int, port: tuple) -> None:
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path

        a, b = self.lay.lane[s], self.lay.lane[d]
        ya, yb = -a + port[0], -b + port[1]
        carrier = tr.carrier or "same"
        self.used.add(carrier)
        cs, cd = self.lay.col[s], self.lay.col[d]
        gx, xa, xb = cs + 0.5 + port[2], cs + _BOX_W / 2, cd - _BOX_W / 2
        if cd == cs + 1:  # through the gap between the two columns
            verts = [(xa, ya), (xb, yb)] if ya == yb else [(xa, ya), (gx, ya), (gx, yb), (xb, yb)]
            low = min(ya, yb)
        else:  # along the top of the target's lane, clear of its boxes and of the gap's line
            yc, gx2 = yb + 0.44, cd - 0.54
            verts = [(xa, ya), (gx, ya), (gx, yc), (gx2, yc), (gx2, yb + 0.1), (xb, yb + 0.1)]
            low = min(ya, yc)
        citizen = carrier == "citizen"
        self.ax.add_patch(FancyArrowPatch(
            path=Path(verts), arrowstyle=_HEAD, mutation_scale=self.fs(14), zorder=2,
            color=_CARRIER[carrier], lw=self.fs(1.8 if citizen else 1.4),
            ls=_STYLE[carrier], joinstyle="miter", gid=f"handoff-{k}"))  # fmt: skip
        if citizen:
            self._pain(a, b, gx, ya, yb, tr)
        elif carrier != "same":
            self._support(cs + 0.5, gx, low, tr)

    def _pain(self, a: int, b: int, gx: float, ya: float, yb: float, tr: Transition) -> None:
        delay = f", {_minutes(tr.delay.mean)}" if tr.delay is not None else ""
        label = self.text(gx, ya, f"citizen carries\npapers{delay}", size=8, weight="bold",
                          color=_CARRIER["citizen"], place=False)  # fmt: skip
        if a != b:  # beside the marker, on the vertical part of the arrow
            step = 1 if b > a else -1
            ys = [ya] + [-lane for lane in range(a + step, b, step)] + [yb]
            cands = [(gx + 0.09, y, "left") for y in ys] + [(gx - 0.09, y, "right") for y in ys]
        else:  # the next door in the same lane: above or below, with a leader line
            others = [x for x in (a + 1, a - 1, a + 2, a - 2) if 1 <= x < len(self.lay.lanes)]
            cands = [(gx, -x, "center") for x in others]
        _, y, _ = cands[self.place(label, cands)]
        my = y if a != b else ya
        if a == b:
            self.ax.plot([gx, gx], [my, y], color=_CARRIER["citizen"], lw=0.8, ls=":", zorder=2)
        self.pains += 1
        mark = self.ax.plot([gx], [my], marker="^", ms=self.fs(15), mfc=_CARRIER["citizen"],
                            mec="white", mew=1.0, ls="", zorder=6.5,
                            gid=f"pain-point-{self.pains}")[0]  # fmt: skip
        self.ax.annotate("!", (gx, my), xytext=(0, -1.2 * self.scale), textcoords="offset points",
                         ha="center", va="center", fontsize=self.fs(8), weight="bold",
                         color="white", zorder=6.6)  # fmt: skip
        self.taken.append(self.extent(mark, pad=0))

    def _support(self, cx: float, gx: float, low: float, tr: Transition) -> None:
        color = _CARRIER[tr.carrier or "same"]
        what = "data exchange" if tr.carrier == "digital" else "courier"
        what += " " + ", ".join(tr.batch_times) if tr.batch_times else ""
        if tr.delay is not None and tr.delay.mean > 0:
            what += " · " + _minutes(tr.delay.mean)
        ys = -(len(self.lay.lanes) - 1) + 0.12
        chip = self.text(cx, ys, what, size=7.5, color="white", weight="bold", place=False,
                         bbox={"boxstyle": "round,pad=0.3", "fc": color, "ec": "none"})  # fmt: skip
        # stacked down the support lane under the gap, then beside it
        cands = [(cx + dx, ys - dy, "center") for dx in (0, 0.5, -0.5) for dy in (0, 0.25, 0.5)]
        x, y, _ = cands[self.place(chip, cands)]
        self.ax.plot([gx, gx if x == cx else x], [low, y], color=color, lw=self.fs(1.1),
                     ls=(0, (1, 2)), zorder=1.8)  # fmt: skip

    def loop(self, s: int, d: int, tr: Transition) -> None:
        """A transition the path does not follow: a rework loop back, or a skip ahead."""
        import numpy as np
        from matplotlib.patches import FancyArrowPatch

        back = d <= s
        self.used.add("loop" if back else "skip")
        color = _LOOP if back else _SKIP
        text = f"{_pct(tr.probability)} skip ahead"
        if back:
            text = f"{_pct(tr.probability)} " + (
                "incomplete" if self.j.step(self.lay.order[d]).citizen_present else "redo"
            )
            how = {"citizen": "citizen comes back", "courier": "returned by courier",
                   "digital": "returned digitally"}.get(tr.carrier or "", "")  # fmt: skip
            if how and tr.delay is not None:
                how += f", {_minutes(tr.delay.mean)}"
            text += f"\n{how}" if how else ""
        (cs, cd), ya, yb = (self.lay.col[s], self.lay.col[d]), -self.lay.lane[s], -self.lay.lane[d]
        if s == d:  # a step that leads to itself: a small arc over or under its box
            top, bottom, h = ya + _BOX_H / 2, ya - _BOX_H / 2, 0.18
            cands = [((cs + h, top), (cs - h, top), 1.0), ((cs - h, bottom), (cs + h, bottom), 1.0)]
        else:
            rads = (0.35, -0.35, 0.55, -0.55, 0.8, -0.8, 1.1, -1.1, 0.2, -0.2)
            cands = [((float(cs), ya), (float(cd), yb), rad) for rad in rads]
        label = self.text(0, 0, text, size=8, color=color, weight="bold", place=False,
                          bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": color, "lw": 0.8})  # fmt: skip
        # Score each arc by what it runs through (sampled points inside drawn things,
        # outside its own two boxes) and whether its label, at the arc's middle, is free.
        ends = [self.extent(self.boxes[k], pad=0) for k in (s, d)]
        to_px, best = self.ax.transData, None
        for i, (pa, pb, rad) in enumerate(cands):
            p0, p2 = to_px.transform(pa), to_px.transform(pb)
            (dx, dy), mid = p2 - p0, (p0 + p2) / 2
            c = mid + rad * np.array([dy, -dx])  # arc3's control point
            t = np.linspace(0.05, 0.95, 31)[:, None]
            pts = (1 - t) ** 2 * p0 + 2 * t * (1 - t) * c + t**2 * p2
            pts = pts[~np.any([_inside(e, pts) for e in ends], axis=0)]
            label.set_position(to_px.inverted().transform((p0 + 2 * c + p2) / 4))
            score = sum(o.count_contains(pts) for o in self.taken) + 100 * (not self.free(label))
            if best is None or score < best[0]:
                best = (score, i, label.get_position())
            if score == 0:
                break
        _, i, xy = best
        label.set_position(xy)
        self.taken.append(self.extent(label))
        pa, pb, rad = cands[i]
        self.ax.add_patch(FancyArrowPatch(
            pa, pb, connectionstyle=f"arc3,rad={rad}", arrowstyle=_HEAD, zorder=2.5,
            mutation_scale=self.fs(14), color=color, lw=self.fs(1.5), ls="-" if back else ":",
            patchA=None if s == d else self.boxes[s], patchB=None if s == d else self.boxes[d]))  # fmt: skip

    # ----- legend and title
    def legend(self) -> None:
        from matplotlib.lines import Line2D

        def line(color: str, **kw: Any) -> Line2D:
            return Line2D([], [], color=color, lw=self.fs(1.5), **kw)

        pain = (line(_CARRIER["citizen"], ls=_DASHED),
                line(_CARRIER["citizen"], marker="^", ms=self.fs(11), ls=""))  # fmt: skip
        items = [
            ("same", line(_CARRIER["same"]), "next desk, same office"),
            ("citizen", pain, "citizen carries the papers (pain point)"),
            ("courier", line(_CARRIER["courier"], ls=_DASHDOT), "courier inside government"),
            ("digital", line(_CARRIER["digital"]), "data exchange"),
            ("loop", line(_LOOP), "rework loop (share of cases)"),
            ("skip", line(_SKIP, ls=":"), "skip ahead (share of cases)"),
        ]
        handles = [(h, label) for key, h, label in items if key in self.used]
        badge = line(_BADGE, marker="o", ms=self.fs(12), mfc=_BADGE, mec="white", ls="")
        handles.append((badge, "first step of a visit to an office"))
        width_in = self.ax.get_position().width * self.ax.figure.get_figwidth()
        ncol = max(1, min(len(handles), int(width_in / (3.3 * self.scale))))
        self.ax.legend(*zip(*handles), loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=ncol,
                       frameon=False, fontsize=self.fs(9), handlelength=3.2, columnspacing=2.0,
                       borderaxespad=0.3)  # fmt: skip

    def title(self, title: str, summary: str) -> None:
        width_pt = self.ax.get_position().width * self.ax.figure.get_figwidth() * 72
        lines = textwrap.wrap(summary, max(40, int(width_pt / (self.fs(9.5) * 0.56))))[:3]
        self.ax.annotate("\n".join(lines), (0, 1), xycoords="axes fraction", ha="left",
                         xytext=(0, 6 * self.scale), textcoords="offset points", va="bottom",
                         fontsize=self.fs(9.5), color="#444444", parse_math=False)  # fmt: skip
        pad = (12 + 9.5 * 1.25 * len(lines)) * self.scale
        self.ax.set_title(title, loc="left", fontsize=self.fs(14), weight="bold", pad=pad,
                          parse_math=False)  # fmt: skip


def _inside(bbox: Any, pts: Any) -> Any:
    """Which display points (an n x 2 array) lie inside a Bbox."""
    x, y = pts[:, 0], pts[:, 1]
    return (x >= bbox.x0) & (x <= bbox.x1) & (y >= bbox.y0) & (y <= bbox.y1)

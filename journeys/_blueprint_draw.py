"""The artists of one blueprint (one row of a slide): lanes, steps, handoffs, labels.

:mod:`journeys.blueprint` decides the figure and calls :class:`Drawing` once
per row; :mod:`journeys._blueprint_layout` and :mod:`journeys._blueprint_rows`
decide where things go. Texts are wrapped, never cut: a step box grows to
hold its text when its lane is too low for it.

Labels whose best place may be taken (handoff labels, support chips, loop
labels) try a few candidate places and take the first that overlaps nothing
drawn so far: matplotlib has no label placer, hence this small one. Support
chips carry the number of the handoff they describe, and the handoff carries
the same number on its line, so that a chip placed aside is still matched to
its line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from journeys._blueprint_layout import Layout
from journeys._blueprint_rows import Crossing
from journeys._blueprint_time import Queue
from journeys.model import Journey, Transition

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["COL_IN", "LANE_IN", "RULER_H", "STAGE_H", "Drawing", "minutes_text", "wrap"]

#: Inches per column and per lane of a figure at scale 1.
COL_IN, LANE_IN = 2.2, 1.1
HEADER = 0.8  # width of the lane-title column, in columns
SLIDE_HEADER = 1.1  # on a slide, where lane titles are 10 pt
SLIDE_RIGHT = 0.14  # a slide's margin right of the last column, for row connectors
BOX_W, BOX_H = 0.76, 0.76  # step boxes, in columns and lanes
STAGE_H = 0.3  # the band of stage names above the lanes, in lanes
RULER_H = 0.3  # the elapsed-time ruler under the stage names, in lanes

# Colour-blind-safe colours: Okabe-Ito for the carriers.
_CARRIER = {"same": "#222222", "citizen": "#D55E00", "courier": "#737373", "digital": "#0072B2"}
_LOOP, _SKIP, _BADGE, _INK, _GREY = "#AA3377", "#777777", "#332288", "#1A1A1A", "#333333"
_WAIT = "#9A4D00"
_LANE_FILL = {"citizen": "#FBF3E8", "front": "#FFFFFF", "back": "#F2F2F2", "support": "#EAF0F6"}
_HEAD_FILL = {"citizen": "#F3E3CE", "front": "#ECECEC", "back": "#E0E0E0", "support": "#D9E4EF"}
_DASHED, _DASHDOT = (0, (4, 2.5)), (0, (7, 2, 1.5, 2))
_STYLE = {"same": "-", "citizen": _DASHED, "courier": _DASHDOT, "digital": "-"}
_HEAD = "-|>,head_length=0.5,head_width=0.3"


def wrap(text: str, width: int) -> str:
    """Wrapped on words at ``width`` characters, every word kept (never cut)."""
    return "\n".join(textwrap.wrap(text, max(4, width), break_on_hyphens=False)) or " "


def minutes_text(m: float) -> str:
    """A delay in words: '~45 min', '~3 h', '~2 days', '<1 min'."""
    if m < 0.5:
        return "<1 min"
    if m < 90:
        return f"~{m:.0f} min"
    if m < 1440:
        return f"~{m / 60:.1f}".rstrip("0").rstrip(".") + " h"
    days = f"{m / 1440:.1f}".rstrip("0").rstrip(".")
    return f"~{days} day{'' if days == '1' else 's'}"


def _days(m: float) -> str:
    """'day 0', 'day 2.5', 'day 14': elapsed minutes in days, on the ruler."""
    d = m / 1440
    return f"day {d:.0f}" if d >= 10 or d < 0.05 else f"day {d:.1f}"


def pct(p: float) -> str:
    return f"{p * 100:.0f}%" if p * 100 >= 1 else f"{p * 100:.1f}%"


class Drawing:
    """The artists of one blueprint (or of one row), and the space they take.

    ``start`` is the median elapsed minutes at the start of each drawn step and,
    last, at the end of the row; ``min_pt`` the smallest font size drawn;
    ``slide`` a compact box (name and minutes; the agency is told by colour).
    """

    def __init__(
        self, ax: Axes, j: Journey, lay: Layout, stages: bool, *, colors: dict[str, str],
        queues: dict[str, Queue], start: Sequence[float], min_pt: float = 0.0,
        slide: bool = False, row: int = 0, scale: float | None = None,
        bands: tuple[float, float] = (RULER_H, STAGE_H),
    ) -> None:  # fmt: skip
        from matplotlib.backends.backend_agg import RendererAgg

        self.ax, self.j, self.lay, self.stages = ax, j, lay, stages
        self.colors, self.queues, self.start = colors, queues, list(start)
        self.min_pt, self.slide, self.row = min_pt, slide, row
        self.ruler_h, self.stage_h = bands
        self.header = SLIDE_HEADER if slide else HEADER
        self.bw, self.bh = (0.86, 0.88) if slide else (BOX_W, BOX_H)
        n = max(lay.col) + 1
        self.top = 0.5 + self.ruler_h + (self.stage_h if stages else 0.0)
        rows = len(lay.lanes) + self.top - 0.5
        # a slide keeps a margin on the right for the connectors to the next row
        self.x0, self.right = -0.5 - self.header, n - 0.5 + (SLIDE_RIGHT if slide else 0.0)
        ax.set_xlim(self.x0, self.right)
        ax.set_ylim(-len(lay.lanes) + 0.5, self.top)
        ax.set_axis_off()
        fig, pos = ax.figure, ax.get_position()
        self.col_in = pos.width * fig.get_figwidth() / (self.right - self.x0)
        self.lane_in = pos.height * fig.get_figheight() / rows
        auto = max(0.2, min(1.5, self.col_in / COL_IN, self.lane_in / LANE_IN))
        self.scale = auto if scale is None else scale
        self.aspect = self.col_in / self.lane_in  # rounds box corners evenly
        get = getattr(fig.canvas, "get_renderer", None)
        self.renderer = get() if get else RendererAgg(*fig.bbox.size.astype(int), fig.dpi)
        self.taken: list[Any] = []
        self.boxes: dict[int, Any] = {}
        self.used: set[str] = set()
        self.agencies: set[str] = set()
        self.pains = 0
        self.tags = 0
        self.notes: list[tuple[str, str, str]] = []  # slide: (number, text, colour) of support

    # ----- text and space
    def fs(self, size: float) -> float:
        return max(round(size * self.scale, 3), self.min_pt)

    def _n(self, n: int) -> str:
        """A number of this row: '3' on the first, '2.3' on the second."""
        return f"{self.row + 1}.{n}" if self.row else str(n)

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
        inside = inside and area.containsy(bb.y0) and area.containsy(bb.y1)
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

    def stack(self, x: float, y: float, pieces: list[tuple], ha: str = "center", fit=0.0,
              gid: str | None = None) -> float:  # fmt: skip
        """Lines of different fonts, stacked and centred on (x, y); their height in lanes.

        Each piece is (text, size, style, characters per line); texts are
        wrapped narrower until they are at most ``fit`` columns wide, and
        never cut.
        """
        limit = fit * (self.ax.transData.transform((1, 0)) - self.ax.transData.transform((0, 0)))[0]
        texts, heights = [], []
        for i, (raw, size, kw, chars) in enumerate(pieces):
            kw = {"color": _INK, "fontsize": self.fs(size), "zorder": 4, **kw}
            t = self.ax.annotate(wrap(raw, chars), (x, y), textcoords="offset points",
                                 xytext=(0, 0), ha=ha, va="top", parse_math=False,
                                 gid=f"{gid}-{i}" if gid else None, **kw)  # fmt: skip
            while limit and chars > 6 and t.get_window_extent(self.renderer).width > limit:
                chars -= 2
                t.set_text(wrap(raw, chars))
            texts.append(t)
            heights.append(t.get_text().count("\n") * t.get_fontsize() * 1.2
                           + t.get_fontsize() * 1.15)  # fmt: skip
        gap = 2.5 * self.scale
        total = sum(heights) + gap * (len(pieces) - 1)
        off = total / 2
        for t, h in zip(texts, heights):
            t.xyann = (0, off)
            self.taken.append(self.extent(t, pad=0.5))
            off -= h + gap
        return total / 72.0 / self.lane_in

    # ----- lanes, ruler, steps, citizen notes
    def lanes(self) -> None:
        ax, x0, lanes = self.ax, self.x0, self.lay.lanes
        width = self.right - x0
        for i, (kind, name, sub) in enumerate(lanes):
            if self.slide:  # 10-pt titles: a back lane is its agency (the key names the lines)
                name, sub = (sub, "") if kind == "back" else (name, "")
            ax.axhspan(-i - 0.5, -i + 0.5, fc=_LANE_FILL[kind], lw=0, zorder=0)
            ax.fill_between([x0, x0 + self.header - 0.04], -i - 0.5, -i + 0.5, fc=_HEAD_FILL[kind],
                            lw=0, zorder=0.5)  # fmt: skip
            ax.axhline(-i - 0.5, color="#C8C8C8", lw=0.6, zorder=1)
            self.stack(x0 + 0.06, -i, [(name, 9.5, {"weight": "bold"}, 30),
                                       (sub, 8, {"color": _GREY}, 24)], "left", self.header - 0.1)  # fmt: skip
        back = [i for i, (kind, _, _) in enumerate(lanes) if kind == "back"]
        lines = [(1, "line of interaction", "-", _CARRIER["same"]),
                 (back[0] if back else len(lanes) - 1, "line of visibility", (0, (5, 3)), "#222")]  # fmt: skip
        if back:
            lines.append((back[-1] + 1, "line of internal interaction", ":", "#555555"))
        for i, label, style, color in lines:
            ax.plot([x0, x0 + width], [0.5 - i] * 2, ls=style, color=color, lw=1.3, zorder=1.5)
            if self.slide:  # the key names the lines: labels at 10 pt would cover the boxes
                continue
            t = self.text(x0 + 0.03, 0.5 - i, label, size=7, style="italic", color=_GREY,
                          ha="left", place=False,
                          bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color, "lw": 0.6})  # fmt: skip
            self.taken.append(self.extent(t))
        self.ruler()
        if self.stages:
            self._stages()

    def ruler(self) -> None:
        """Median elapsed days at the start of each column, and at the end."""
        lay = self.lay
        y0, rh = 0.5, self.ruler_h
        y = y0 + rh * 0.25
        first: dict[int, float] = {}
        for k, c in enumerate(lay.col):
            first[c] = min(first.get(c, float("inf")), self.start[k])
        left, last = min(first), max(first)
        self.ax.plot([left - 0.5, last + 0.5], [y, y], color="#666666", lw=1.0, zorder=1.6)
        self.text(self.x0 + 0.06, y0 + rh / 2, "Elapsed (median)", ha="left", size=8,
                  weight="bold", color="#555555")  # fmt: skip
        ticks = [(c - 0.5, first[c]) for c in sorted(first)] + [(last + 0.5, self.start[-1])]
        shown: set[str] = set()
        for i, (x, m) in enumerate(ticks):
            self.ax.plot([x, x], [y - 0.05, y + 0.05], color="#666666", lw=1.0, zorder=1.6)
            label = _days(m)
            if label in shown:
                continue  # the same day again: one label is enough
            shown.add(label)
            ha = "right" if i == len(ticks) - 1 else "left"
            self.text(x + (0.03 if ha == "left" else -0.03), y + rh * 0.4, label,
                      size=8, ha=ha, color="#444444")  # fmt: skip

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
        base = 0.5 + self.ruler_h
        y, style = base + self.stage_h / 2, {"size": 8.5, "weight": "bold", "color": "#555555"}
        self.text(self.x0 + 0.06, y, "Stage", ha="left", **style)
        for stage, a, b in (r for r in runs if r[0]):
            self.ax.plot([a - 0.45, b + 0.45], [base + 0.02] * 2, color="#888888", lw=2.5,
                         solid_capstyle="butt")  # fmt: skip
            chars = int(self.col_in * 72 * (b - a + 0.9) / (self.fs(8.5) * 0.62))
            self.text((a + b) / 2, y, wrap(stage, chars).split("\n")[0] if chars > len(stage)
                      else stage, **style)  # fmt: skip

    def _box(self, x: float, lane: int, face: str, edge: str, gid: str, lw: float = 1.2,
             h: float | None = None) -> Any:  # fmt: skip
        from matplotlib.patches import FancyBboxPatch

        h = self.bh if h is None else h
        box = FancyBboxPatch((x - self.bw / 2, -lane - h / 2), self.bw, h,
                             boxstyle="round,pad=0,rounding_size=0.05", mutation_aspect=self.aspect,
                             fc=face, ec=edge, lw=lw * self.scale, zorder=3, gid=gid)  # fmt: skip
        self.ax.add_patch(box)
        self.taken.append(self.extent(box, pad=1))
        return box

    def _agency_name(self, agency: str) -> str:
        return next((a.name or a.id for a in self.j.agencies if a.id == agency), agency)

    def step(self, k: int) -> None:
        s, x, lane = self.j.step(self.lay.order[k]), self.lay.col[k], self.lay.lane[k]
        kind, _, lane_name = self.lay.lanes[lane]
        agency = self._agency_name(s.agency)
        self.agencies.add(s.agency)
        fill = self.colors.get(s.agency, "#DADADA")
        q = self.queues.get(s.id) if s.citizen_present else None
        work = f"{s.duration.mean:,.0f} min" + ("" if self.slide else " of work")
        pieces: list[tuple] = [(s.label, 9, {"weight": "bold"}, 22)]
        # the agency is said by the lane (back stage) or by the colour key; a front lane
        # is an office, whose agency is named when it is not in the office's name
        if not self.slide and kind == "front" and agency not in lane_name:
            pieces.append((agency, 7.5, {"style": "italic", "color": _GREY}, 30))
        pieces.append((work, 7.5, {"color": _GREY}, 30))
        if q is not None and not self.slide:
            wait = f"queue {minutes_text(q.minutes)}" if q.minutes is not None else "queue grows"
            pieces.append((wait, 7.5, {"color": _WAIT, "weight": "bold"}, 30))
        h = self.stack(x, -lane, pieces, fit=self.bw - 0.05, gid=f"step-text-{k}")
        box_h = max(self.bh, h + 0.1)
        self.boxes[k] = self._box(x, lane, fill, "#4D4D4D", f"step-{k}-{s.id}", h=box_h)
        if q is None:
            return
        self.used.add("wait")
        badge, style = "W", "circle,pad=0.25"
        if self.slide:  # the wait point carries its minutes
            badge += f" {minutes_text(q.minutes).lstrip('~')}" if q.minutes is not None else " grows"
            style = "round,pad=0.2"
        # a slide's box is full, and the visit's note stands on it: the badge sits on the
        # box's lower edge, at its right end, under the (centred, short) minutes line
        y = -lane - box_h / 2 + 0.02 if self.slide else -lane + box_h / 2 - 0.02
        self.text(x + self.bw / 2 - 0.02, y, badge, size=8, weight="bold",
                  color="white", zorder=7, gid=f"wait-point-{s.id}",
                  ha="right" if self.slide else "center",
                  bbox={"boxstyle": style, "fc": _WAIT, "ec": "white", "lw": 1})  # fmt: skip

    def citizen(self, k: int) -> None:
        s, x, visit = self.j.step(self.lay.order[k]), self.lay.col[k], self.lay.visit[k]
        if visit is None:
            return
        n = len(s.documents)
        what = [f"brings {n} document{'' if n == 1 else 's'}"] if n else []
        what += [f"pays {s.fee:,.0f} {self.j.currency}"] if s.fee else []
        head = f"Visit {visit}" + ("" if self.lay.new_visit[k] else ", continued")
        if self.slide:  # one front lane: the note names the office
            door = next((d.name or d.id for d in self.j.doors if d.id == s.door), s.door or "")
            docs = [f"{n} doc{'' if n == 1 else 's'}"] if n else []
            docs += [f"{s.fee:,.0f} {self.j.currency}"] if s.fee else []
            what = ([door] if door else []) + ([", ".join(docs)] if docs else [])
        body = [(w, 8, {}, 28) for w in what] or [("is served in person", 8, {}, 28)]
        h = self.stack(x, 0.0, [(head, 9, {"weight": "bold"}, 30), *body], fit=self.bw - 0.05)
        box_h = max(self.bh, h + 0.1)
        self._box(x, 0, "#FFFFFF", "#B7A58F", f"citizen-{k}", lw=1.0, h=box_h)
        if self.lay.new_visit[k]:
            self.text(x - self.bw / 2 + 0.02, box_h / 2 - 0.04, str(visit), size=9, weight="bold",
                      color="white", zorder=7, gid=f"visit-badge-{visit}",
                      bbox={"boxstyle": "circle,pad=0.3", "fc": _BADGE, "ec": "white", "lw": 1.2})  # fmt: skip

    def waits(self) -> None:
        """'waits' in the citizen lane over the columns without a visit."""
        busy = {c for c, v in zip(self.lay.col, self.lay.visit) if v}
        for c in sorted(set(self.lay.col) - busy):
            self.text(c, 0, "waits", size=8, style="italic", color="#8A8A8A")

    # ----- handoffs, crossings and loops
    def handoff(self, s: int, d: int, tr: Transition, k: int, port: tuple) -> None:
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path

        a, b = self.lay.lane[s], self.lay.lane[d]
        ya, yb = -a + port[0], -b + port[1]
        carrier = tr.carrier or "same"
        self.used.add(carrier)
        cs, cd = self.lay.col[s], self.lay.col[d]
        gx, xa, xb = cs + 0.5 + port[2], cs + self.bw / 2, cd - self.bw / 2
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
            color=_CARRIER[carrier], lw=(1.8 if citizen else 1.4) * self.scale,
            ls=_STYLE[carrier], joinstyle="miter", gid=f"handoff-{self._n(k)}"))  # fmt: skip
        if citizen:
            self._pain(a, b, gx, ya, yb, tr)
        elif carrier != "same":
            self._support(gx, low, tr)

    def crossing(self, c: Crossing, tag: str) -> None:
        """A handoff or loop to (or from) another row: a stub to the row's edge with a
        lettered connector, the same letter at both ends."""
        from matplotlib.patches import FancyArrowPatch

        tr = c.transition
        carrier = "loop" if c.loop else tr.carrier or "same"
        color = _LOOP if c.loop else _CARRIER[tr.carrier or "same"]
        style = "-" if c.loop else _STYLE[tr.carrier or "same"]
        self.used.add(carrier)
        k = c.source if c.source is not None else c.target
        lane, col = self.lay.lane[k], self.lay.col[k]
        y = -lane - 0.2 if c.loop else -lane
        if c.source is not None:  # leaving this row
            xa, xb, tx = col + self.bw / 2, self.right - 0.1, self.right - 0.07
        else:
            xa, xb, tx = -0.5 - 0.02, col - self.bw / 2, -0.5 - 0.03
        self.ax.add_patch(FancyArrowPatch(
            (xa, y), (xb, y), arrowstyle=_HEAD, mutation_scale=self.fs(14), zorder=2,
            color=color, lw=1.6 * self.scale, ls=style, gid=f"crossing-{tag}"))  # fmt: skip
        self.text(tx, y, tag, size=8.5, weight="bold", color="white", zorder=7,
                  gid=f"row-tag-{tag}",
                  bbox={"boxstyle": "circle,pad=0.25", "fc": color, "ec": "white", "lw": 1})  # fmt: skip
        if c.source is None:
            return
        if c.loop:  # the arc cannot be drawn across rows: its words go to the key
            what = f"{pct(tr.probability)} back to {c.name} (row {c.target_row + 1})"
            self.notes.append((tag, what, color))
        gx = (xa + xb) / 2
        if tr.carrier == "citizen" and not c.loop:
            self._pain(lane, lane, gx, y, y, tr)
        elif tr.carrier in ("courier", "digital") and not c.loop:
            self._support(gx, y, tr)

    def _pain(self, a: int, b: int, gx: float, ya: float, yb: float, tr: Transition) -> None:
        delay = f", {minutes_text(tr.delay.mean)}" if tr.delay is not None else ""
        label = self.text(gx, ya, f"citizen carries\npapers{delay}", size=8, weight="bold",
                          color=_CARRIER["citizen"], place=False)  # fmt: skip
        if a != b:  # beside the marker, on the vertical part of the arrow
            step = 1 if b > a else -1
            ys = [ya] + [-lane for lane in range(a + step, b, step)] + [yb]
            cands = [(gx + 0.09, y, "left") for y in ys] + [(gx - 0.09, y, "right") for y in ys]
        else:  # the next door in the same lane: above or below, with a leader line
            others = [x for x in (a + 1, a - 1, a + 2, a - 2) if 1 <= x < len(self.lay.lanes)]
            cands = [(gx, -x, "center") for x in others]
            cands += [(gx + 0.09, ya + 0.25, "left"), (gx + 0.09, ya - 0.25, "left")]
        _, y, _ = cands[self.place(label, cands)]
        my = y if a != b else ya
        if a == b:
            self.ax.plot([gx, gx], [my, y], color=_CARRIER["citizen"], lw=0.8, ls=":", zorder=2)
        self.pains += 1
        mark = self.ax.plot([gx], [my], marker="^", ms=self.fs(15), mfc=_CARRIER["citizen"],
                            mec="white", mew=1.0, ls="", zorder=6.5,
                            gid=f"pain-point-{self._n(self.pains)}")[0]  # fmt: skip
        self.ax.annotate("!", (gx, my), xytext=(0, -1.2 * self.scale), textcoords="offset points",
                         ha="center", va="center", fontsize=self.fs(8), weight="bold",
                         color="white", zorder=6.6)  # fmt: skip
        self.taken.append(self.extent(mark, pad=0))

    def _support(self, gx: float, low: float, tr: Transition) -> None:
        """A numbered chip in the support lane; the same number on the handoff's line."""
        color = _CARRIER[tr.carrier or "same"]
        what = "data exchange" if tr.carrier == "digital" else "courier"
        what += " " + ", ".join(tr.batch_times) if tr.batch_times else ""
        if tr.delay is not None and tr.delay.mean > 0:
            what += " · " + minutes_text(tr.delay.mean)
        self.tags += 1
        n = self._n(self.tags)
        tag = self.text(gx, low, n, size=7.5, color=color, weight="bold", place=False,
                        zorder=6.8, gid=f"support-tag-{n}",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color, "lw": 1})  # fmt: skip
        spots = [(gx, low - dy, "center") for dy in (0.0, 0.22, -0.22, 0.35)]
        _, ty, _ = spots[self.place(tag, spots)]
        if self.lay.lanes[-1][0] != "support":  # a slide: the chip is a numbered note below
            self.notes.append((n, what, color))
            return
        ys = -(len(self.lay.lanes) - 1) + 0.12
        chip = self.text(gx, ys, f"{n}  {what}", size=7.5, color="white", weight="bold",
                         place=False, gid=f"support-chip-{n}",
                         bbox={"boxstyle": "round,pad=0.3", "fc": color, "ec": "none"})  # fmt: skip
        # under the line, stacked down the support lane, then beside it
        cands = [(gx + dx, ys - dy, "center") for dx in (0, 0.5, -0.5, 1.0, -1.0)
                 for dy in (0, 0.25, 0.5)]  # fmt: skip
        x, y, _ = cands[self.place(chip, cands)]
        xs, ys2 = ([gx, gx, x], [ty, y + 0.1, y + 0.1]) if x != gx else ([gx, gx], [ty, y])
        self.ax.plot(xs, ys2,
                     color=color, lw=self.fs(1.1) if not self.min_pt else 1.1,
                     ls=(0, (1, 2)), zorder=1.8)  # fmt: skip

    def loop(self, s: int, d: int, tr: Transition) -> None:
        """A transition the path does not follow: a rework loop back, or a skip ahead."""
        import numpy as np
        from matplotlib.patches import FancyArrowPatch

        back = d <= s
        self.used.add("loop" if back else "skip")
        color = _LOOP if back else _SKIP
        text = f"{pct(tr.probability)} skip ahead"
        if back:
            text = f"{pct(tr.probability)} " + (
                "incomplete" if self.j.step(self.lay.order[d]).citizen_present else "redo"
            )
            how = {"citizen": "citizen comes back", "courier": "returned by courier",
                   "digital": "returned digitally"}.get(tr.carrier or "", "")  # fmt: skip
            if how and tr.delay is not None:
                how += f", {minutes_text(tr.delay.mean)}"
            text += f"\n{how}" if how else ""
        (cs, cd), ya, yb = (self.lay.col[s], self.lay.col[d]), -self.lay.lane[s], -self.lay.lane[d]
        if s == d:  # a step that leads to itself: a small arc over or under its box
            top, bottom, h = ya + self.bh / 2, ya - self.bh / 2, 0.18
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
            mutation_scale=self.fs(14), color=color, lw=1.5 * self.scale, ls="-" if back else ":",
            patchA=None if s == d else self.boxes[s], patchB=None if s == d else self.boxes[d]))  # fmt: skip


def _inside(bbox: Any, pts: Any) -> Any:
    """Which display points (an n x 2 array) lie inside a Bbox."""
    x, y = pts[:, 0], pts[:, 1]
    return (x >= bbox.x0) & (x <= bbox.x1) & (y >= bbox.y0) & (y <= bbox.y1)

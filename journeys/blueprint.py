"""Service blueprints: a journey drawn in swimlanes, as the citizen lives it.

Rows, top to bottom, follow the service-blueprint convention:

* **Citizen actions**: what the citizen brings and pays at each visit; the
  first step of every visit to an office carries a numbered badge;
* **Front stage**: one lane per door (office) where the citizen is served,
  below the line of interaction;
* the dashed **line of visibility**;
* **Back stage**: one lane per agency, for work done without the citizen;
* **Support**: couriers and data exchange between agencies.

Time runs left to right, one column per step of the citizen's most likely path
(at each exclusive branch the most probable step not shown yet; parallel
branches one after the other), or of a path given by the caller. Handoffs the
citizen carries are red dashed arrows with a warning marker (pain points);
courier and digital handoffs drop into the support lane; rework loops are
curved arrows labelled with their probability.

Artists carry ``gid`` values (``step-<column>-<id>``, ``visit-badge-<n>``,
``pain-point-<n>``) so that they can be found in the Axes and in an SVG file.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from journeys.errors import JourneyError, Problem
from journeys.model import Journey, Transition

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["blueprint"]

#: Inches per column (step) and per lane of a figure made by :func:`blueprint`.
COL_IN, LANE_IN = 2.2, 1.1
_HEADER = 0.8  # width of the lane-title column, in columns
_BOX_W, _BOX_H = 0.76, 0.76  # step boxes, in columns and lanes
_STAGE_H = 0.3  # height of the band of stage names above the lanes, in lanes

# Colour-blind-safe colours: Okabe-Ito for the handoff carriers, Paul Tol's
# "light" scheme for the agencies' boxes.
_CITIZEN, _COURIER, _DIGITAL = "#D55E00", "#6B6B6B", "#0072B2"
_SAME, _LOOP, _BADGE, _INK = "#3A3A3A", "#AA3377", "#332288", "#1A1A1A"
_AGENCY_FILLS = (
    "#BBD4EE", "#F6C3B2", "#F2EAC3", "#FFD4DD", "#CCEEFF", "#A1DDCC", "#DDE699", "#D5D580",
)
_LANE_FILL = {"citizen": "#FBF3E8", "front": "#FFFFFF", "back": "#F2F2F2", "support": "#EAF0F6"}
_HEAD_FILL = {"citizen": "#F3E3CE", "front": "#ECECEC", "back": "#E0E0E0", "support": "#D9E4EF"}

_Edge = tuple[int, int, Transition]  # (column of the source, column of the target, transition)


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
        start, the most probable exclusive branch whose step is not shown yet;
        both sides of a parallel split, one after the other.
    ax : matplotlib.axes.Axes, optional
        Where to draw. By default a new figure sized to the journey, about
        2.2 inches per step and 1.1 inches per lane; fonts shrink with a
        smaller Axes.
    title : str, optional
        The title; the journey's name by default, ``""`` for no title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    JourneyError
        When ``path`` names an unknown step, or a step that no earlier step of
        the path leads to.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from journeys.catalog import load_catalog
    >>> ax = blueprint(load_catalog("business-licence"))
    >>> sorted(t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("visit-badge"))
    ['1', '2', '3', '4', '5']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt

    order, edges = _likely_path(journey) if path is None else _given_path(journey, path)
    lanes, lane_of = _lanes(journey, order)
    visit_no, new_visit = _visits(journey, order, edges)
    stages = any(journey.step(s).stage for s in order)
    n, nl = len(order), len(lanes)
    if ax is None:
        # The Axes is placed in inches so that the layout of the lanes does not
        # depend on a layout engine: margins for the title above, the legend below.
        top, bottom, side = 0.95, 0.75, 0.2
        height = (nl + (_STAGE_H if stages else 0.0)) * LANE_IN
        fw, fh = (n + _HEADER) * COL_IN + 2 * side, height + top + bottom
        fig = plt.figure(figsize=(fw, fh))
        ax = fig.add_axes((side / fw, bottom / fh, 1 - 2 * side / fw, height / fh))
    d = _Drawing(ax, journey, order, lanes, lane_of, stages)
    d.draw_lanes()
    for k in range(n):
        d.step(k)
        d.citizen(k, visit_no[k], new_visit[k])
    for k, (s, t, tr) in enumerate(sorted(edges, key=lambda e: (e[1], e[0]))):
        d.handoff(s, t, tr, k)
    for s, t, tr in _extra(journey, order, edges):
        d.loop(s, t, tr)
    d.legend()
    if title != "":
        d.title(title or journey.name, _summary(journey, order, edges, visit_no, path is None))
    return ax


# ----- which steps, in which order ----------------------------------------------------------


def _likely_path(j: Journey) -> tuple[list[str], list[_Edge]]:
    """The most likely path without repeated steps, and the transitions it follows."""
    order: list[str] = []
    edges: list[_Edge] = []
    col: dict[str, int] = {}

    def follow(sid: str, came: list[tuple[int, Transition]], branch: bool) -> Any:
        # Walks until an end, an already shown step or, inside a parallel
        # branch, the synchronising join (returned with the edges that reach it).
        resume = False
        while sid not in col:
            step = j.step(sid)
            if branch and step.join == "and" and not resume:
                return sid, came
            resume = False
            k = col[sid] = len(order)
            order.append(sid)
            edges.extend((src, k, t) for src, t in came)
            outs = j.successors(sid)
            if step.split == "and" and len(outs) > 1:
                ends = [follow(t.target, [(k, t)], True) for t in outs]
                ends = [e for e in ends if e is not None]
                if not ends:
                    return None
                sid, resume = ends[0][0], True
                came = [c for e in ends if e[0] == sid for c in e[1]]
                continue
            best = sorted(outs, key=lambda t: -t.probability)  # stable: file order on ties
            nxt = next((t for t in best if t.target not in col), None)
            if nxt is None:
                return None
            sid, came = nxt.target, [(k, nxt)]
        return None

    follow(j.start, [], False)
    return order, edges


def _given_path(j: Journey, path: Sequence[str]) -> tuple[list[str], list[_Edge]]:
    """Check a caller's path and find the transition into each of its steps."""
    order = [str(s) for s in path]
    known = set(j.step_ids)
    bad = [Problem(f"path[{k}]", f"no step {s!r} in this journey") for k, s in enumerate(order)]
    bad = [p for p, s in zip(bad, order) if s not in known]
    if not order:
        bad.append(Problem("path", "is empty"))
    edges: list[_Edge] = []
    for k in range(1, len(order) if not bad else 0):
        found = []
        for t in j.predecessors(order[k]):
            src = max((i for i in range(k) if order[i] == t.source), default=None)
            if src is not None:
                found.append((src, k, t))
        if j.step(order[k]).join != "and":
            found = sorted(found, key=lambda e: -e[0])[:1]
        if not found:
            bad.append(Problem(f"path[{k}]", f"no earlier step of the path leads to {order[k]!r}"))
        edges.extend(found)
    if bad:
        raise JourneyError(bad, source=j.id)
    return order, edges


def _extra(j: Journey, order: list[str], edges: list[_Edge]) -> list[_Edge]:
    """Transitions between drawn steps that the path does not follow (loops and skips)."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for k, s in enumerate(order):
        first.setdefault(s, k)
        last[s] = k
    used = {id(t) for _, _, t in edges}
    out = []
    for t in j.transitions:
        if id(t) not in used and t.source in last and t.target in first:
            out.append((last[t.source], first[t.target], t))
    return out


def _visits(j: Journey, order: list[str], edges: list[_Edge]) -> tuple[list[Any], list[bool]]:
    """Visit number of each citizen-present column, and whether a visit starts there.

    A visit starts at a citizen-present step unless the previous citizen-present
    step was at the same door and the case moved between them with no carrier.
    """
    into: dict[int, list[Transition]] = defaultdict(list)
    for _, k, t in edges:
        into[k].append(t)
    number: list[Any] = [None] * len(order)
    new = [False] * len(order)
    visit, prev, carried = 0, None, []
    for k, sid in enumerate(order):
        carried += [t.carrier for t in into[k]]
        step = j.step(sid)
        if step.citizen_present:
            same = (
                prev is not None
                and step.door is not None
                and prev.door == step.door
                and all(c is None for c in carried)
            )
            if not same:
                visit += 1
                new[k] = True
            number[k], prev, carried = visit, step, []
    return number, new


def _lanes(j: Journey, order: list[str]) -> tuple[list[tuple[str, str, str]], list[int]]:
    """Lanes as (kind, title, subtitle), and the lane of each column's step."""
    doors = {d.id: d.name or d.id for d in j.doors}
    agencies = {a.id: a.name or a.id for a in j.agencies}
    keys: list[tuple[str, str]] = []
    col_keys = []
    for sid in order:
        s = j.step(sid)
        key = ("front", s.door or s.agency) if s.citizen_present else ("back", s.agency)
        col_keys.append(key)
    for kind in ("front", "back"):
        keys += [k for k in dict.fromkeys(col_keys) if k[0] == kind]
    lanes = [("citizen", "Citizen actions", "what the citizen brings and pays")]
    for kind, key in keys:
        name = doors.get(key, agencies.get(key, key))
        lanes.append((kind, "Front stage" if kind == "front" else "Back stage", name))
    lanes.append(("support", "Support", "couriers, data exchange"))
    return lanes, [1 + keys.index(k) for k in col_keys]


def _summary(j: Journey, order, edges, visit_no, likely: bool) -> str:
    steps = [j.step(s) for s in order]
    doors = {s.door for s in steps if s.citizen_present and s.door}
    carried = sum(t.carrier == "citizen" for _, _, t in edges)
    fees = sum(s.fee for s in steps)
    off = len(set(j.step_ids) - set(order))
    parts = [
        ("Most likely path" if likely else "Path shown") + f": {len(order)} steps",
        f"{max([v for v in visit_no if v] or [0])} visits to {len(doors)} offices",
        f"{len({s.agency for s in steps})} agencies",
        f"papers carried by the citizen {carried} times",
        f"fees {fees:,.0f} {j.currency}",
    ]
    if off:
        parts.append(f"{off} step{'s' if off > 1 else ''} off this path not shown")
    return "  ·  ".join(parts)


# ----- text helpers --------------------------------------------------------------------------


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
    """The artists of one blueprint, and the space they already take.

    Labels whose best place may be taken (handoff labels, support chips, loop
    labels) try a few candidate places and take the first that overlaps
    nothing drawn so far; matplotlib has no label placer, hence this one.
    """

    def __init__(self, ax: Axes, j: Journey, order, lanes, lane_of, stages: bool) -> None:
        from matplotlib.backends.backend_agg import RendererAgg

        self.ax, self.j, self.order, self.lanes, self.lane_of = ax, j, order, lanes, lane_of
        n, nl = len(order), len(lanes)
        self.x0 = -0.5 - _HEADER
        ax.set_xlim(self.x0, n - 0.5)
        ax.set_ylim(-nl + 0.5, 0.5 + (_STAGE_H if stages else 0.0))
        ax.set_axis_off()
        fig = ax.figure
        pos = ax.get_position()
        col_in = pos.width * fig.get_figwidth() / (n + _HEADER)
        lane_in = pos.height * fig.get_figheight() / (nl + (_STAGE_H if stages else 0.0))
        self.scale = max(0.4, min(1.5, col_in / COL_IN, lane_in / LANE_IN))
        self.aspect = col_in / lane_in  # rounds box corners evenly in both directions
        get = getattr(fig.canvas, "get_renderer", None)
        self.renderer = get() if get else RendererAgg(*fig.bbox.size.astype(int), fig.dpi)
        self.taken: list[Any] = []
        self.boxes: dict[int, Any] = {}
        self.stages = stages
        self.used = {"same": False, "citizen": False, "courier": False, "digital": False}
        self.loops = False

    # geometry helpers
    def fs(self, size: float) -> float:
        return size * self.scale

    def y(self, lane: int) -> float:
        return -float(lane)

    def text(self, x, y, s, *, size=8.0, place=True, **kw) -> Any:
        kw = {"ha": "center", "va": "center", "color": _INK, "zorder": 6, **kw}
        t = self.ax.text(x, y, s, fontsize=self.fs(size), parse_math=False, **kw)
        if place:
            self.taken.append(self.extent(t))
        return t

    def extent(self, artist: Any, pad: float = 2.0) -> Any:
        bb = artist.get_window_extent(self.renderer)
        if hasattr(artist, "get_bbox_patch") and artist.get_bbox_patch() is not None:
            pad += artist.get_bbox_patch().get_boxstyle().pad * artist.get_fontsize()
        return bb.padded(pad * self.scale * artist.figure.dpi / 72.0)

    def free(self, artist: Any) -> bool:
        bb = self.extent(artist)
        inside = self.ax.get_window_extent(self.renderer).padded(2)
        return inside.containsx(bb.x0) and inside.containsx(bb.x1) and not any(
            bb.overlaps(o) for o in self.taken
        )

    def place(self, artist: Any, candidates: Sequence[tuple[float, float, str]]) -> int:
        """Move a text to the first free candidate (x, y, ha); returns its index."""
        for i, (x, y, ha) in enumerate(candidates):
            artist.set_position((x, y))
            artist.set_ha(ha)
            if self.free(artist):
                break
        else:
            i = 0
            artist.set_position(candidates[0][:2])
            artist.set_ha(candidates[0][2])
        self.taken.append(self.extent(artist))
        return i

    # lanes, boxes, notes
    def draw_lanes(self) -> None:
        from matplotlib.patches import Rectangle

        ax, x0, n = self.ax, self.x0, len(self.order)
        for i, (kind, name, sub) in enumerate(self.lanes):
            y = self.y(i)
            ax.add_patch(Rectangle((x0, y - 0.5), n + _HEADER, 1, fc=_LANE_FILL[kind], lw=0))
            ax.add_patch(Rectangle((x0, y - 0.5), _HEADER - 0.04, 1, fc=_HEAD_FILL[kind], lw=0))
            ax.axhline(y - 0.5, color="#C8C8C8", lw=0.6, zorder=1)
            self._stack(x0 + 0.06, y, [(name, 9.5, {"weight": "bold"}),
                                       (_wrap(sub, 24, 3), 8, {"color": "#333333"})], ha="left")  # fmt: skip
        # the blueprint's three lines between lane groups
        kinds = [k for k, _, _ in self.lanes]
        back = [i for i, k in enumerate(kinds) if k == "back"]
        lines = [
            (1, "line of interaction", "-", _SAME),
            ((back[0] if back else len(kinds) - 1), "line of visibility", (0, (5, 3)), "#222222"),
        ]
        if back:
            lines.append((back[-1] + 1, "line of internal interaction", ":", "#555555"))
        for i, label, style, color in lines:
            yb = self.y(i) + 0.5
            ax.plot([x0, n - 0.5], [yb, yb], ls=style, color=color, lw=1.3, zorder=1.5)
            self.text(x0 + _HEADER / 2, yb, label, size=7, style="italic", color="#333333",
                      bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color, "lw": 0.6})  # fmt: skip
        if self.stages:
            self._stages()

    def _stages(self) -> None:
        ax, runs = self.ax, []
        for k, sid in enumerate(self.order):
            stage = self.j.step(sid).stage
            if runs and runs[-1][0] == stage:
                runs[-1][2] = k
            else:
                runs.append([stage, k, k])
        y = 0.5 + _STAGE_H / 2
        self.text(self.x0 + 0.06, y, "Stage", size=8.5, ha="left", weight="bold", color="#555555")
        for stage, a, b in runs:
            if stage:
                ax.plot([a - 0.45, b + 0.45], [0.52, 0.52], color="#888888", lw=2.5,
                        solid_capstyle="butt")  # fmt: skip
                self.text((a + b) / 2, y, _wrap(stage, 28 * (b - a + 1), 1), size=8.5,
                          weight="bold", color="#555555")  # fmt: skip

    def _agency_fill(self, agency: str) -> str:
        ids = [a.id for a in self.j.agencies] or sorted({s.agency for s in self.j.steps})
        k = ids.index(agency) if agency in ids else len(ids)
        return _AGENCY_FILLS[k % len(_AGENCY_FILLS)]

    def _stack(self, x: float, y: float, pieces: list[tuple[str, float, dict]], ha="center") -> None:
        # Lines of different fonts stacked and centred on (x, y), in points.
        heights = [t.count("\n") * size * 1.2 + size * 1.15 for t, size, _ in pieces]
        off = (sum(heights) + 2.5 * (len(pieces) - 1)) / 2 * self.scale
        for (s, size, kw), h in zip(pieces, heights):
            t = self.ax.annotate(s, (x, y), xytext=(0, off), textcoords="offset points",
                                 ha=ha, va="top", fontsize=self.fs(size),
                                 zorder=4, parse_math=False, **{"color": _INK, **kw})  # fmt: skip
            self.taken.append(self.extent(t, pad=0.5))
            off -= (h + 2.5) * self.scale

    def _box(self, k: int, lane: int, face: str, edge: str, gid: str, lw: float = 1.2) -> Any:
        from matplotlib.patches import FancyBboxPatch

        y = self.y(lane)
        box = FancyBboxPatch((k - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H,
                             boxstyle="round,pad=0,rounding_size=0.05", mutation_aspect=self.aspect,
                             fc=face, ec=edge, lw=lw * self.scale, zorder=3, gid=gid)  # fmt: skip
        self.ax.add_patch(box)
        self.taken.append(self.extent(box, pad=1))
        return box

    def step(self, k: int) -> None:
        s = self.j.step(self.order[k])
        agency = next((a.name or a.id for a in self.j.agencies if a.id == s.agency), s.agency)
        self.boxes[k] = self._box(k, self.lane_of[k], self._agency_fill(s.agency), "#4D4D4D",
                                  f"step-{k}-{s.id}")  # fmt: skip
        pieces = [
            (_wrap(s.label, 22), 9, {"weight": "bold"}),
            (_wrap(agency, 30), 7.5, {"style": "italic", "color": "#333333"}),
            (f"{s.duration.mean:,.0f} min of work", 7.5, {"color": "#333333"}),
        ]
        self._stack(k, self.y(self.lane_of[k]), pieces)

    def citizen(self, k: int, visit: Any, new: bool) -> None:
        s = self.j.step(self.order[k])
        if visit is None:
            self.text(k, 0, "waits", size=8, style="italic", color="#8A8A8A")
            return
        self._box(k, 0, "#FFFFFF", "#B7A58F", f"citizen-{k}", lw=1.0)
        what = []
        if s.documents:
            what.append(f"brings {len(s.documents)} document{'s' if len(s.documents) > 1 else ''}")
        if s.fee:
            what.append(f"pays {s.fee:,.0f} {self.j.currency}")
        head = f"Visit {visit}" if new else f"Visit {visit}, continued"
        what = [_wrap(w, 28) for w in what] or ["is served in person"]
        self._stack(k, 0.0, [(head, 9, {"weight": "bold"}), ("\n".join(what), 8, {})])
        if new:
            badge = self.text(k - _BOX_W / 2 + 0.02, _BOX_H / 2 - 0.04, str(visit), size=9,
                              weight="bold", color="white", zorder=7, gid=f"visit-badge-{visit}",
                              bbox={"boxstyle": "circle,pad=0.3", "fc": _BADGE, "ec": "white",
                                    "lw": 1.2})  # fmt: skip
            self.taken.append(self.extent(badge))

    # handoffs and loops
    def handoff(self, s: int, d: int, tr: Transition, k: int) -> None:
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path

        a, b = self.lane_of[s], self.lane_of[d]
        ya, yb = self.y(a), self.y(b)
        carrier = tr.carrier or "same"
        self.used[carrier] = True
        color = {"same": _SAME, "citizen": _CITIZEN, "courier": _COURIER, "digital": _DIGITAL}
        gx, xa, xb = s + 0.5, s + _BOX_W / 2, d - _BOX_W / 2
        if d == s + 1:
            verts = [(xa, ya), (xb, yb)] if a == b else [(xa, ya), (gx, ya), (gx, yb), (xb, yb)]
            low = min(ya, yb)
        else:  # skips columns: run along the top of the target's lane, above its boxes
            yc, gx2 = yb + 0.44, d - 0.5
            verts = [(xa, ya), (gx, ya), (gx, yc), (gx2, yc), (gx2, yb), (xb, yb)]
            low = min(ya, yc)
        arrow = FancyArrowPatch(path=Path(verts), arrowstyle="-|>,head_length=0.5,head_width=0.3",
                                mutation_scale=self.fs(14), color=color[carrier],
                                lw=self.fs(1.8 if carrier == "citizen" else 1.4),
                                ls=(0, (4, 2.5)) if carrier == "citizen" else "-", zorder=2,
                                joinstyle="miter", gid=f"handoff-{k}")  # fmt: skip
        self.ax.add_patch(arrow)
        if carrier == "citizen":
            self._pain(s, d, a, b, gx, tr)
        elif carrier in ("courier", "digital"):
            self._support(gx, low, tr, color[carrier])

    def _pain(self, s: int, d: int, a: int, b: int, gx: float, tr: Transition) -> None:
        delay = f", {_minutes(tr.delay.mean)}" if tr.delay is not None else ""
        label = self.text(gx, self.y(a), f"citizen carries\npapers{delay}", size=8,
                          color=_CITIZEN, weight="bold", place=False)  # fmt: skip
        if a != b:
            step = 1 if b > a else -1
            lanes = list(range(a, b + step, step))
            cands = [(gx + 0.06, self.y(L), "left") for L in lanes]
            cands += [(gx - 0.06, self.y(L), "right") for L in lanes]
        else:  # next door in the same lane: put the label above or below, with a leader
            others = [L for L in (a + 1, a - 1, a + 2, a - 2) if 1 <= L < len(self.lanes)]
            cands = [(gx, self.y(L), "center") for L in others]
        i = self.place(label, cands)
        x, y, ha = cands[i]
        my = y if a != b else self.y(a)
        if a == b:
            self.ax.plot([gx, gx], [my, y], color=_CITIZEN, lw=0.8, ls=":", zorder=2)
        self.pains = getattr(self, "pains", 0) + 1
        self.ax.plot([gx], [my], marker="^", ms=self.fs(15), mfc=_CITIZEN, mec="white",
                     mew=1.0, ls="", zorder=6.5, gid=f"pain-point-{self.pains}")  # fmt: skip
        self.ax.annotate("!", (gx, my), xytext=(0, -1.2 * self.scale), textcoords="offset points",
                         ha="center", va="center", fontsize=self.fs(8), weight="bold",
                         color="white", zorder=6.6)  # fmt: skip
        if a != b:  # the label sits beside the marker, clear of the triangle
            label.set_position((x + (0.05 if ha == "left" else -0.05), y))
            self.taken[-1] = self.extent(label)

    def _support(self, gx: float, low: float, tr: Transition, color: str) -> None:
        if tr.carrier == "courier":
            what = "courier" + (" " + ", ".join(tr.batch_times) if tr.batch_times else "")
        else:
            what = "data exchange"
        if tr.delay is not None and tr.delay.mean > 0:
            what += "\n" + _minutes(tr.delay.mean)
        ys = self.y(len(self.lanes) - 1)
        chip = self.text(gx, ys, what, size=8, color="white", weight="bold", place=False,
                         zorder=6, bbox={"boxstyle": "round,pad=0.35", "fc": color, "ec": "none"})  # fmt: skip
        cands = [(gx, ys, "center"), (gx, ys + 0.2, "center"), (gx, ys - 0.2, "center")]
        cands += [(gx + dx, ys, "center") for dx in (0.3, -0.3, 0.55, -0.55)]
        i = self.place(chip, cands)
        self.ax.plot([gx, cands[i][0]], [low, cands[i][1]], color=color, lw=self.fs(1.1),
                     ls=(0, (1, 2)), zorder=1.8)  # fmt: skip

    def loop(self, s: int, d: int, tr: Transition) -> None:
        """A transition the path does not follow: a rework loop back, or a skip ahead."""
        import numpy as np
        from matplotlib.patches import FancyArrowPatch

        back = d <= s
        self.loops |= back
        target = self.j.step(self.order[d])
        if back:
            text = f"{_pct(tr.probability)} " + ("incomplete" if target.citizen_present else "redo")
            more = {"citizen": "citizen comes back", "courier": "returned by courier",
                    "digital": "returned digitally"}.get(tr.carrier or "", "")  # fmt: skip
            if more and tr.delay is not None:
                more += f", {_minutes(tr.delay.mean)}"
            text += f"\n{more}" if more else ""
        else:
            text = f"{_pct(tr.probability)} skip ahead"
        color = _LOOP if back else "#777777"
        ya, yb = self.y(self.lane_of[s]), self.y(self.lane_of[d])
        if s == d:  # a step repeated: a small arc over its box
            pa, pb = (s + 0.18, ya + _BOX_H / 2), (s - 0.18, ya + _BOX_H / 2)
        else:
            pa, pb = (float(s), ya), (float(d), yb)
        to_px = self.ax.transData
        p0, p2 = to_px.transform(pa), to_px.transform(pb)
        label = self.text(0, 0, text, size=8, color=color, weight="bold", place=False, zorder=6,
                          bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": color,
                                "lw": 0.8})  # fmt: skip
        others = [self.extent(b, pad=0) for k, b in self.boxes.items() if k not in (s, d)]
        best = None
        for rad in ((1.0, -1.0) if s == d else (0.35, -0.35, 0.55, -0.55, 0.8, -0.8, 0.2, -0.2)):
            # arc3: the control point lies rad x the chord length off the chord's middle
            (dx, dy), mid = p2 - p0, (p0 + p2) / 2
            c = mid + rad * np.array([dy, -dx])
            ts = np.linspace(0.2, 0.8, 13)[:, None]
            pts = (1 - ts) ** 2 * p0 + 2 * ts * (1 - ts) * c + ts**2 * p2
            label.set_position(to_px.inverted().transform((p0 + 2 * c + p2) / 4))
            crossing = sum(o.count_contains(pts) for o in others)
            score = crossing + (0 if self.free(label) else 100)
            if best is None or score < best[0]:
                best = (score, rad, label.get_position())
            if score == 0:
                break
        _, rad, xy = best
        label.set_position(xy)
        self.taken.append(self.extent(label))
        arrow = FancyArrowPatch(pa, pb, connectionstyle=f"arc3,rad={rad}",
                                arrowstyle="-|>,head_length=0.5,head_width=0.3",
                                mutation_scale=self.fs(14), color=color, lw=self.fs(1.5),
                                ls="-" if back else ":", zorder=2.5,
                                patchA=None if s == d else self.boxes[s],
                                patchB=None if s == d else self.boxes[d])  # fmt: skip
        self.ax.add_patch(arrow)

    # legend and title
    def legend(self) -> None:
        from matplotlib.lines import Line2D

        fs = self.fs
        items = [
            ("same", Line2D([], [], color=_SAME, lw=fs(1.4)), "next desk, same office"),
            ("citizen", (Line2D([], [], color=_CITIZEN, lw=fs(1.8), ls=(0, (4, 2.5))),
                         Line2D([], [], color=_CITIZEN, marker="^", ms=fs(11), ls="")),
             "citizen carries the papers (pain point)"),
            ("courier", Line2D([], [], color=_COURIER, lw=fs(1.4)), "courier inside government"),
            ("digital", Line2D([], [], color=_DIGITAL, lw=fs(1.4)), "data exchange"),
        ]  # fmt: skip
        handles = [(h, lab) for key, h, lab in items if self.used[key]]
        if self.loops:
            handles.append((Line2D([], [], color=_LOOP, lw=fs(1.5)), "rework loop (share of cases)"))
        handles.append((Line2D([], [], marker="o", ms=fs(12), mfc=_BADGE, mec="white", ls=""),
                        "first step of a visit to an office"))  # fmt: skip
        fig = self.ax.figure
        width_in = self.ax.get_position().width * fig.get_figwidth()
        ncol = max(1, min(len(handles), int(width_in / (3.3 * self.scale))))
        self.ax.legend(*zip(*handles), loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=ncol,
                       frameon=False, fontsize=fs(9), handlelength=3.2, columnspacing=2.0,
                       borderaxespad=0.3)  # fmt: skip

    def title(self, title: str, summary: str) -> None:
        fig = self.ax.figure
        width_pt = self.ax.get_position().width * fig.get_figwidth() * 72
        lines = textwrap.wrap(summary, max(40, int(width_pt / (self.fs(9.5) * 0.56))))
        sub = self.ax.annotate("\n".join(lines[:3]), (0, 1), xycoords="axes fraction",
                               xytext=(0, 6 * self.scale), textcoords="offset points",
                               va="bottom", ha="left", fontsize=self.fs(9.5), color="#444444",
                               parse_math=False)  # fmt: skip
        pad = 6 + 9.5 * 1.25 * len(lines[:3]) + 6
        self.ax.set_title(title, loc="left", fontsize=self.fs(14), weight="bold",
                          pad=pad * self.scale, parse_math=False)  # fmt: skip
        del sub

"""BPMNDI layout of an exported journey, and a drawing of any BPMN diagram.

The layout (:func:`layout`) follows how people draw service processes:

* one horizontal **lane per agency**, stacked top to bottom in the order the
  agencies first appear among the steps, inside one pool (the service);
* columns by **topological rank**: the longest path from the start event,
  once the rework loops (the back edges of a depth-first search from the
  start) are set aside, so that the process reads left to right;
* nodes of one lane in one column are stacked in sub-rows of that lane;
* forward edges leave a node on its right and enter the next on its left,
  with one vertical segment in the gap after the source column; rework edges
  leave a node at the bottom, run below both lanes' rows and come back up
  into the target, so they never hide the forward flow.

networkx has no layered (Sugiyama) layout and Graphviz's ``dot`` would add a
system dependency to model export; the rules above are the few lines such a
layering needs here.

:func:`draw_bpmn` draws the diagram part of any BPMN file (shapes and edges
from their DI coordinates, as a modeller would show them) on a matplotlib
Axes: a way to look at what bpmn.io will show without a browser.

Examples
--------
>>> from journeys.model import Journey
>>> from journeys.bpmn_export import process_graph
>>> lay = layout(process_graph(Journey.from_catalog("business-licence")))
>>> lay.shapes["StartEvent_1"][0] < lay.shapes["Task_submit"][0]
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeys.bpmn_export import ProcessGraph

__all__ = ["Layout", "draw_bpmn", "layout"]

_SIZE = {
    "task": (120, 80),
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "intermediateCatchEvent": (36, 36),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
}
_COL = 170  # column width
_ROW = 120  # sub-row height inside a lane
_LABEL = 30  # the lane's name band on the left
_PAD = 60


@dataclass(frozen=True)
class Layout:
    """Diagram coordinates: shape bounds, edge waypoints and lane bands.

    ``shapes`` maps a node id to ``(x, y, width, height)``; ``edges`` a flow
    id to its waypoints; ``lanes`` a lane (agency) to ``(y, height)``;
    ``width`` is the width of the pool.
    """

    shapes: dict[str, tuple[float, float, float, float]]
    edges: dict[str, tuple[tuple[float, float], ...]]
    lanes: dict[str, tuple[float, float]]
    width: float
    labels: frozenset[str] = frozenset()

    def write_di(self, root: Any, *, plane: str, participant: str,
                 lane_ids: dict[str, str]) -> None:
        """Append the ``BPMNDiagram`` of this layout to a ``definitions`` element."""
        from lxml import etree

        from journeys.bpmn_export import BPMNDI_NS, DC_NS, DI_NS

        D, C, W = f"{{{BPMNDI_NS}}}", f"{{{DC_NS}}}", f"{{{DI_NS}}}"
        diagram = etree.SubElement(root, f"{D}BPMNDiagram", id="Diagram_1")
        pl = etree.SubElement(diagram, f"{D}BPMNPlane", id="Plane_1", bpmnElement=plane)

        def shape(element: str, x: float, y: float, w: float, h: float, **extra: str) -> None:
            sh = etree.SubElement(pl, f"{D}BPMNShape", id=f"{element}_di", bpmnElement=element,
                                  **extra)
            etree.SubElement(sh, f"{C}Bounds", x=_n(x), y=_n(y), width=_n(w), height=_n(h))

        top = min(y for y, _ in self.lanes.values())
        bottom = max(y + h for y, h in self.lanes.values())
        shape(participant, 0, top, self.width, bottom - top, isHorizontal="true")
        for lane, (y, h) in self.lanes.items():
            shape(lane_ids[lane], _LABEL, y, self.width - _LABEL, h, isHorizontal="true")
        for node, (x, y, w, h) in self.shapes.items():
            extra = {"isMarkerVisible": "true"} if node.startswith(("Split_", "Join_")) else {}
            shape(node, x, y, w, h, **extra)
        for flow, points in self.edges.items():
            e = etree.SubElement(pl, f"{D}BPMNEdge", id=f"{flow}_di", bpmnElement=flow)
            for x, y in points:
                etree.SubElement(e, f"{W}waypoint", x=_n(x), y=_n(y))
            if flow in self.labels:
                lx, ly = flow_label_point(points)
                lab = etree.SubElement(e, f"{D}BPMNLabel")
                etree.SubElement(lab, f"{C}Bounds", x=_n(lx), y=_n(ly - 14), width="40",
                                 height="14")


def flow_label_point(points: Any) -> tuple[float, float]:
    """Where a sequence flow's name goes: just before the flow turns towards its target.

    >>> flow_label_point([(0, 0), (50, 0), (50, 100), (90, 100)])
    (54, 96)
    >>> flow_label_point([(0, 0), (100, 0)])
    (54, -4)
    """
    if len(points) == 2:
        (x0, y0), (x1, y1) = points
        return (int((x0 + x1) / 2 + 4), int((y0 + y1) / 2 - 4))
    x, y = points[-2]
    return (int(x + 4), int(y - 4))


def _n(v: float) -> str:
    return str(int(round(v)))


def _back_edges(nodes: list[str], edges: list[tuple[str, str]], start: str) -> set[tuple[str, str]]:
    """Edges that close a cycle in a depth-first search from ``start`` (the rework loops).

    >>> sorted(_back_edges(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")], "a"))
    [('c', 'a')]
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    on_stack: set[str] = set()
    back: set[tuple[str, str]] = set()
    roots = [start] + [n for n in nodes if n != start]
    seen: set[str] = set()
    for r in roots:
        if r in seen:
            continue
        for u, v, kind in nx.dfs_labeled_edges(g, r):
            if kind == "forward":
                on_stack.add(v)
                seen.add(v)
            elif kind == "reverse":
                on_stack.discard(v)
            elif kind == "nontree" and v in on_stack:
                back.add((u, v))
    return back


def layout(g: ProcessGraph) -> Layout:
    """Lay out a :class:`~journeys.bpmn_export.ProcessGraph` (see the module notes).

    Examples
    --------
    >>> from journeys.model import Journey
    >>> from journeys.bpmn_export import process_graph
    >>> lay = layout(process_graph(Journey.from_catalog("family-book-one-door")))
    >>> len(lay.lanes)
    5
    >>> all(len(p) >= 2 for p in lay.edges.values())
    True
    """
    import networkx as nx

    ids = [n.id for n in g.nodes]
    pairs = [(f.source, f.target) for f in g.flows]
    back = _back_edges(ids, pairs, "StartEvent_1")
    dag = nx.DiGraph()
    dag.add_nodes_from(ids)
    dag.add_edges_from(p for p in pairs if p not in back)
    rank: dict[str, int] = {}
    for v in nx.topological_sort(dag):
        rank[v] = max((rank[u] + 1 for u in dag.predecessors(v)), default=0)
    lane_of = {n.id: n.lane for n in g.nodes}
    kind_of = {n.id: n.kind for n in g.nodes}
    cells: dict[tuple[str, int], list[str]] = {}
    for v in ids:
        cells.setdefault((lane_of[v], rank[v]), []).append(v)
    rows = {lane: max((len(c) for (ln, _), c in cells.items() if ln == lane), default=1)
            for lane in g.lanes}
    lanes: dict[str, tuple[float, float]] = {}
    y = 0.0
    for lane in g.lanes:
        h = rows[lane] * _ROW + 20
        lanes[lane] = (y, h)
        y += h
    shapes: dict[str, tuple[float, float, float, float]] = {}
    for (lane, r), members in cells.items():
        ly, lh = lanes[lane]
        block = len(members) * _ROW
        y0 = ly + (lh - block) / 2
        for i, v in enumerate(members):
            w, h = _SIZE[kind_of[v]]
            cx = _LABEL + _PAD + r * _COL + _SIZE["task"][0] / 2
            cy = y0 + i * _ROW + _ROW / 2
            shapes[v] = (cx - w / 2, cy - h / 2, w, h)
    width = _LABEL + 2 * _PAD + max(rank.values(), default=0) * _COL + _SIZE["task"][0]
    edges: dict[str, tuple[tuple[float, float], ...]] = {}
    n_back = 0
    for f in g.flows:
        sx, sy, sw, sh = shapes[f.source]
        tx, ty, tw, th = shapes[f.target]
        if (f.source, f.target) in back:
            n_back += 1
            # under the labels of events (drawn below them), inside the lane's padding
            below = max(sy + sh, ty + th) + 40 + 4 * (n_back % 3)
            pts = ((sx + sw / 2, sy + sh), (sx + sw / 2, below), (tx + tw / 2, below),
                   (tx + tw / 2, ty + th))
        else:
            a, b = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
            if abs(a[1] - b[1]) < 1:
                pts = (a, b)
            else:
                mid = sx + sw / 2 + _COL / 2 + (10 if kind_of[f.source] == "task" else 0)
                mid = min(mid, tx - 10)
                pts = (a, (mid, a[1]), (mid, b[1]), b)
        edges[f.id] = pts
    return Layout(shapes, edges, lanes, width, frozenset(f.id for f in g.flows if f.name))


def draw_bpmn(xml: bytes, *, ax: Axes | None = None) -> Axes:
    """Draw the BPMNDI diagram of a BPMN document on a matplotlib Axes.

    Tasks are rounded boxes with their names, gateways diamonds (``X``
    exclusive, ``+`` parallel), events circles (thick for an end, double for
    an intermediate event), lanes bands named on their left, and sequence
    flows the polylines of their waypoints with an arrow head and their name.
    Elements without DI are not drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from journeys.model import Journey
    >>> from journeys.bpmn_export import to_bpmn
    >>> ax = draw_bpmn(to_bpmn(Journey.from_catalog("land-title-one-door")))
    >>> bool(ax.get_ylim()[0] > ax.get_ylim()[1])   # y grows downwards, as in BPMNDI
    True
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    import textwrap

    import matplotlib.pyplot as plt
    from lxml import etree
    from matplotlib.patches import Circle, FancyBboxPatch, Polygon, Rectangle

    from journeys.bpmn_export import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS
    from journeys.bpmn_import import parse_xml
    from journeys.fonts import plot_families

    root = parse_xml(xml, source="diagram")
    kinds = {el.get("id"): (etree.QName(el).localname, el.get("name") or "")
             for el in root.iter() if isinstance(el.tag, str) and el.get("id")
             and etree.QName(el).namespace == BPMN_NS}
    shapes = root.findall(f".//{{{BPMNDI_NS}}}BPMNShape")
    edges = root.findall(f".//{{{BPMNDI_NS}}}BPMNEdge")
    xs: list[float] = []
    ys: list[float] = []
    boxes = []
    for sh in shapes:
        b = sh.find(f"{{{DC_NS}}}Bounds")
        if b is None:
            continue
        x, y, w, h = (float(b.get(k, 0)) for k in ("x", "y", "width", "height"))
        boxes.append((sh.get("bpmnElement"), x, y, w, h))
        xs += [x, x + w]
        ys += [y, y + h]
    if ax is None:
        width = (max(xs) - min(xs)) if xs else 100
        height = (max(ys) - min(ys)) if ys else 100
        # 60 diagram units an inch: a 120-unit task box holds three lines of 7-point text
        _, ax = plt.subplots(figsize=(max(width / 60, 4), max((height + 40) / 60, 2)))
    family = plot_families()
    text_kw = {"fontfamily": family, "fontsize": 7, "ha": "center", "va": "center"}
    order = {"participant": 0, "lane": 1}
    for ref, x, y, w, h in sorted(boxes, key=lambda b: order.get(kinds.get(b[0], ("", ""))[0], 2)):
        kind, name = kinds.get(ref, ("", ""))
        if kind in ("participant", "lane"):
            ax.add_patch(Rectangle((x, y), w, h, fill=kind == "lane", fc="#f7f9fc",
                                   ec="#555555", lw=0.8))
            per_line = max(8, int(h / 60 * 72 / 4.5))  # characters of 7-point text
            ax.text(x + 15, y + h / 2, textwrap.fill(name, per_line), rotation=90,
                    **{**text_kw, "fontsize": 7 if kind == "lane" else 8})
        elif kind.endswith("Gateway"):
            cx, cy = x + w / 2, y + h / 2
            ax.add_patch(Polygon([(cx, y), (x + w, cy), (cx, y + h), (x, cy)], closed=True,
                                 fc="#fffbe6", ec="#333333", lw=1))
            mark = "+" if kind == "parallelGateway" else ("X" if kind == "exclusiveGateway" else "O")
            ax.text(cx, cy, mark, **{**text_kw, "fontsize": 10, "fontweight": "bold"})
        elif kind.endswith("Event"):
            cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
            lw = 2.5 if kind == "endEvent" else 1
            ax.add_patch(Circle((cx, cy), r, fc="white", ec="#333333", lw=lw))
            if kind.startswith("intermediate"):
                ax.add_patch(Circle((cx, cy), r * 0.8, fill=False, ec="#333333", lw=0.8))
            if name:
                ax.text(cx, y + h + 12, textwrap.fill(name, 22), **{**text_kw, "fontsize": 6,
                                                                    "va": "top"})
        else:
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=8",
                                        fc="#e8f1fb", ec="#2b5b8a", lw=1))
            ax.text(x + w / 2, y + h / 2, textwrap.fill(name, 16), **text_kw)
    for e in edges:
        pts = [(float(p.get("x")), float(p.get("y"))) for p in e.findall(f"{{{DI_NS}}}waypoint")]
        if len(pts) < 2:
            continue
        ax.plot([p[0] for p in pts], [p[1] for p in pts], color="#333333", lw=0.8)
        (x0, y0), (x1, y1) = pts[-2], pts[-1]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 0.8,
                                "shrinkA": 0, "shrinkB": 0})
        name = kinds.get(e.get("bpmnElement"), ("", ""))[1]
        if name:
            lx, ly = flow_label_point(pts)
            ax.text(lx, ly, name, **{**text_kw, "fontsize": 6, "ha": "left", "va": "bottom"})
    if xs:
        ax.set_xlim(min(xs) - 10, max(xs) + 10)
        ax.set_ylim(max(ys) + 30, min(ys) - 10)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax

"""A wide blueprint split over rows: the columns of a layout cut into runs.

Each row is a :class:`~journeys._blueprint_layout.Layout` of its own (the steps
of its columns, re-numbered; columns from 0; only the lanes its steps use,
plus the citizen and support lanes) together with the handoffs and loops that
cross to another row, which are drawn as labelled stubs at the row's edge.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> from journeys._blueprint_layout import layout
>>> rows = split_rows(layout(load_catalog("land-title")), 6)
>>> [len(r.layout.order) for r in rows], [max(r.layout.col) + 1 for r in rows]
([5, 5], [5, 5])
>>> [(o.source, o.target_row) for o in rows[0].leaving]  # dossier goes on to the valuation
[(4, 1)]
"""

from __future__ import annotations

from dataclasses import dataclass

from journeys._blueprint_layout import Layout, _ports
from journeys.model import Transition

__all__ = ["Crossing", "Row", "split_rows"]


@dataclass(frozen=True)
class Crossing:
    """A handoff or loop from a step of one row to a step of another.

    ``source`` (leaving) or ``target`` (arriving) is the step's index in its
    own row; ``name`` the step at the other end; ``*_row`` the rows (from 0).
    """

    source: int | None
    target: int | None
    transition: Transition
    name: str
    source_row: int
    target_row: int
    loop: bool


@dataclass(frozen=True)
class Row:
    """One row: its layout, the original index of each of its steps, its crossings."""

    layout: Layout
    index: tuple[int, ...]
    leaving: tuple[Crossing, ...]
    arriving: tuple[Crossing, ...]


def split_rows(
    lay: Layout, per_row: int, names: dict[str, str] | None = None, *, support: bool = True
) -> list[Row]:
    """Cut a layout into rows of at most ``per_row`` columns (``support``: keep its lane)."""
    names = names or {}
    ncols = max(lay.col) + 1
    nrows = max(1, -(-ncols // max(1, per_row)))
    width = -(-ncols // nrows)  # even rows: 12 columns in 2 rows of 6, not 7 + 5
    row_of = [c // width for c in lay.col]
    rows: list[Row] = []
    for r in range(nrows):
        idx = [k for k in range(len(lay.order)) if row_of[k] == r]
        if not idx:
            continue
        new = {k: i for i, k in enumerate(idx)}
        used = sorted({lay.lane[k] for k in idx})
        keep = [0] + [x for x in used if x not in (0, len(lay.lanes) - 1)]
        keep += [len(lay.lanes) - 1] if support else []
        lane_of = {x: i for i, x in enumerate(keep)}
        col = [lay.col[k] - r * width for k in idx]
        lane = [lane_of[lay.lane[k]] for k in idx]
        edges = [(new[s], new[d], t) for s, d, t in lay.edges if s in new and d in new]
        extra = [(new[s], new[d], t) for s, d, t in lay.extra if s in new and d in new]
        sub = Layout(
            tuple(lay.order[k] for k in idx), tuple(edges), tuple(extra),
            tuple(lay.lanes[x] for x in keep), tuple(lane), tuple(col),
            tuple(lay.visit[k] for k in idx), tuple(lay.new_visit[k] for k in idx),
            _ports(edges, col, lane), lay.likely,
        )  # fmt: skip
        leaving, arriving = [], []
        for group, loop in ((lay.edges, False), (lay.extra, True)):
            for s, d, t in group:
                rs, rd = row_of[s], row_of[d]
                if rs == rd:
                    continue
                if rs == r:
                    name = names.get(lay.order[d], lay.order[d])
                    leaving.append(Crossing(new[s], None, t, name, rs, rd, loop))
                if rd == r and not loop:
                    name = names.get(lay.order[s], lay.order[s])
                    arriving.append(Crossing(None, new[d], t, name, rs, rd, loop))
        rows.append(Row(sub, tuple(idx), tuple(leaving), tuple(arriving)))
    return rows

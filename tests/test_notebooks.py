"""Every notebook runs, shows each figure inline once, and prints no Figure repr.

The notebooks are executed here (nbclient, a real Jupyter kernel) instead of by a
second pass of ``pytest --nbmake``: one execution, and its outputs are checked. A
plotting cell is one that draws (``plt.show()``, ``plt.figure``/``plt.subplots``, a
``plot_*``/``blueprint`` call, a plot function given ``ax=``/``fig=``): it must hold exactly one image per figure it makes
(image/png or image/svg+xml), and no output of any cell may be a ``<Figure ...>``
text, the sign of a figure that was not rendered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_DRAWS = re.compile(
    r"plt\.(show|figure|subplots)\(|\bplot_[a-z_]+\(|\bblueprint\(|_plot\(|_ecdf\(|_bars\("
    r"|_heatmap\(|_grid\(|\b(fig|ax)=|\.figure\b"
)
_FIGURE_REPR = re.compile(r"<(Figure|Axes|matplotlib\.[A-Za-z.]+) ")


def _text(output: dict) -> str:
    """What a reader sees of an output as text (a rendered image's plain fallback is unseen)."""
    if output.get("output_type") == "stream":
        return str(output.get("text", ""))
    data = output.get("data", {})
    if {"image/png", "image/svg+xml"} & set(data):
        return ""
    return str(data.get("text/plain", ""))


def _images(cell: dict) -> int:
    return sum(
        1
        for o in cell.get("outputs", [])
        if {"image/png", "image/svg+xml"} & set(o.get("data", {}))
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_each_figure_once(path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=900, kernel_name="python3", resources=resources).execute()
    plotting = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", f"{path.name} cell {i}: {o.get('ename')}"
            shown = _text(o)
            assert not _FIGURE_REPR.search(shown), f"{path.name} cell {i} printed {shown[:60]!r}"
        if _DRAWS.search(cell.source):
            plotting += 1
            assert _images(cell) == 1, f"{path.name} cell {i}: {_images(cell)} images, want 1"
        else:
            assert _images(cell) == 0, f"{path.name} cell {i} shows a figure it does not announce"
    assert plotting > 0, f"{path.name} draws nothing"

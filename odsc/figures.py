"""Matplotlib figures as inline SVG for the self-contained HTML reports.

The SVG carries no creation date, tool name or RDF links, and its element
ids come from a fixed salt: the same input gives the same page.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([0, 1], [1, 0])
>>> text = figure_svg(fig, salt="doc")
>>> text.startswith("<svg"), "purl.org" in text, plt.fignum_exists(fig.number)
(True, False, False)
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["SVG_METADATA", "figure_svg"]

#: Metadata matplotlib would write into an SVG, all left out.
SVG_METADATA: dict[str, None] = {"Creator": None, "Date": None, "Format": None, "Type": None}


def figure_svg(fig: Any, *, salt: str, tight: bool = True) -> str:
    """``fig`` as SVG text starting at ``<svg``; a pyplot figure is closed after.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    salt : str
        Seed of the SVG element ids (one per report keeps them apart).
    tight : bool
        Crop to the drawn area (``bbox_inches="tight"``).
    """
    import matplotlib

    from journeys.fonts import plot_rc, use_fonts

    buf = io.StringIO()
    # names in any script: every text, tick labels included, falls back to a Lao font
    use_fonts(fig)
    with matplotlib.rc_context({"svg.hashsalt": salt, **plot_rc()}):
        fig.savefig(
            buf, format="svg", bbox_inches="tight" if tight else None, metadata=SVG_METADATA
        )
    if fig.canvas.manager is not None:  # made by pyplot: free it
        import matplotlib.pyplot as plt

        plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]

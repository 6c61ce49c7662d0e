"""Fonts that draw every script of the names in a journey or a log, Lao first.

Names of steps, offices and agencies come in the language of the service: Lao
(``ຍື່ນຄຳຮ້ອງ``), Thai, Vietnamese, English. Three programs draw them, each with
its own fonts:

* **matplotlib** (the plots): a text whose font family is a *list* of
  installed families takes each glyph from the first family that has it
  (matplotlib >= 3.6). The plots use :func:`plot_families`: DejaVu Sans
  (matplotlib's own font, which has the basic Lao letters), then a Lao font
  found on this machine for the letters DejaVu Sans lacks. In the SVG of the
  reports (text kept as text) both names are written, so the browser finds the
  Lao font even where DejaVu Sans is not installed as a system font;
* **the browser** (the HTML reports): :data:`CSS_FONTS` lists the usual
  sans-serif fonts, then the Lao ones;
* **Graphviz** (the process maps): :data:`GRAPHVIZ_FONTS` is a
  comma-separated family list, which Graphviz passes to Pango and to the SVG.

A machine with no system font covering Lao shows boxes in the browser and in
Graphviz whatever the lists say: ``make system-deps`` (and ``.ci/run``)
install Debian's ``fonts-lao`` (Phetsarath OT, the Lao government's font) when
they can (root or passwordless sudo).

* :func:`lao_font` finds an installed font with Lao glyphs: one of
  :data:`LAO_FAMILIES` (Noto Sans Lao, Phetsarath OT, Saysettha OT, the Lao
  fonts of macOS and Windows) known to matplotlib, or else a font file of the
  system with a Lao-like name whose character map covers Lao letters;
* :func:`plot_rc` is the matplotlib settings for ``matplotlib.rc_context``;
  :func:`use_fonts` gives every text already on a figure the family list.

Examples
--------
>>> plot_families()[0]
'DejaVu Sans'
>>> "Phetsarath OT" in CSS_FONTS and CSS_FONTS.endswith("sans-serif")
True
"""

from __future__ import annotations

import functools
import os
from typing import Any

__all__ = [
    "BASE_FAMILY",
    "CSS_FONTS",
    "GRAPHVIZ_FONTS",
    "LAO_FAMILIES",
    "lao_font",
    "plot_families",
    "plot_rc",
    "use_fonts",
]

#: The font of Latin text in the plots (shipped with matplotlib).
BASE_FAMILY = "DejaVu Sans"

#: Font families with Lao glyphs, in the order they are preferred.
LAO_FAMILIES: tuple[str, ...] = (
    "Noto Sans Lao",
    "Noto Sans Lao UI",
    "Phetsarath OT",
    "Saysettha OT",
    "Lao Sangam MN",
    "Lao UI",
    "DokChampa",
    "Noto Serif Lao",
)

#: ``font-family`` of the HTML reports: the usual sans-serif fonts, then Lao ones.
CSS_FONTS = ", ".join(
    ['"Segoe UI"', '"Helvetica Neue"', "Arial", '"DejaVu Sans"']
    + [f'"{f}"' for f in LAO_FAMILIES]
    + ["sans-serif"]
)

#: ``fontname`` of Graphviz drawings (a comma-separated family list, as Pango reads it).
GRAPHVIZ_FONTS = ",".join(["Helvetica", BASE_FAMILY, *LAO_FAMILIES[:4]])

_LAO_LETTER = 0x0E8D  # LAO LETTER NYO, the first letter of ຍື່ນຄຳຮ້ອງ
_LAO_FILES = ("lao", "phetsarath", "saysettha", "dokchampa")


class _OneWeight:
    """Drops matplotlib's note that a Lao font has no bold (its regular weight is used).

    Lao fonts often come in one weight; the note would be printed for every bold
    label of every plot. Other font messages pass.
    """

    def filter(self, record: Any) -> bool:
        text = str(record.msg)
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            text.startswith("findfont: Failed to find font weight")
            and len(args) > 1
            and args[1] in LAO_FAMILIES + tuple(_ADDED)
        )


_ADDED: list[str] = []  # Lao families found by their character map


def _quiet() -> None:
    import logging

    log = logging.getLogger("matplotlib.font_manager")
    if not any(isinstance(f, _OneWeight) for f in log.filters):
        log.addFilter(_OneWeight())


@functools.cache
def lao_font() -> str | None:
    """The family name of an installed font with Lao glyphs, or None.

    The families of :data:`LAO_FAMILIES` known to matplotlib come first; then
    font files of the system with a Lao-like name (added to matplotlib's font
    list when its cache predates them) whose character map holds Lao letters.

    Examples
    --------
    >>> name = lao_font()
    >>> name is None or isinstance(name, str)
    True
    """
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in LAO_FAMILIES:
        if family in known:
            _quiet()
            return family
    for path in font_manager.findSystemFonts(fontext="ttf"):
        base = os.path.basename(path).lower()
        if not any(k in base for k in _LAO_FILES) or not _covers_lao(path):
            continue
        font_manager.fontManager.addfont(path)
        name = font_manager.FontProperties(fname=path).get_name()
        _ADDED.append(name)
        _quiet()
        return name
    return None


def _covers_lao(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        return _LAO_LETTER in FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False


def plot_families() -> list[str]:
    """The font family list of the plots: DejaVu Sans, then a Lao font when installed.

    Examples
    --------
    >>> fams = plot_families()
    >>> fams[0], len(fams) in (1, 2)
    ('DejaVu Sans', True)
    """
    lao = lao_font()
    return [BASE_FAMILY] if lao is None else [BASE_FAMILY, lao]


def plot_rc() -> dict[str, Any]:
    """Matplotlib settings that draw Lao (and Latin) text: use with ``rc_context``.

    Examples
    --------
    >>> import matplotlib
    >>> with matplotlib.rc_context(plot_rc()):
    ...     matplotlib.rcParams["font.family"][0]
    'DejaVu Sans'
    """
    return {"font.family": plot_families()}


def use_fonts(fig: Any) -> Any:
    """Give every text of ``fig`` the family list of :func:`plot_families`; returns ``fig``.

    Texts made later (tick labels drawn while saving) take the list from
    :func:`plot_rc`: save inside ``matplotlib.rc_context(plot_rc())``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> t = fig.add_subplot().set_title("ຍື່ນຄຳຮ້ອງ")
    >>> _ = use_fonts(fig)
    >>> t.get_fontfamily() == plot_families()
    True
    """
    from matplotlib.text import Text

    families = plot_families()
    for t in fig.findobj(Text):
        t.set_fontfamily(families)
    return fig

"""The table :func:`journeys.walk.walk` returns: a DataFrame that a notebook shows well.

A :class:`Walk` is a :class:`pandas.DataFrame` (every column, ``attrs`` and
method of the walk as before) whose notebook view is the readable HTML walk of
:func:`journeys.display.walk_html` (visits numbered, minutes and fees formatted,
no ``<NA>``, nothing cut) rather than pandas' raw grid. Anything derived from it
(a column selection, a filter, ``.frame``) is a plain DataFrame again, shown
the pandas way, since it may no longer hold the columns the walk view needs.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> w = load_catalog("business-licence").walk()
>>> type(w).__name__, type(w.frame).__name__, type(w[["step"]]).__name__
('Walk', 'DataFrame', 'DataFrame')
>>> w._repr_html_().startswith('<div class="odsc-walk">')
True
"""

from __future__ import annotations

import pandas as pd

__all__ = ["Walk"]


class Walk(pd.DataFrame):
    """A walk of a journey: a DataFrame with the readable HTML view of a walk."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        # results of operations are plain DataFrames: they may have lost columns
        return pd.DataFrame

    @property
    def frame(self) -> pd.DataFrame:
        """The walk as a plain DataFrame (a copy, ``attrs`` included)."""
        out = pd.DataFrame(self, copy=True)
        out.attrs = dict(self.attrs)
        return out

    def _repr_html_(self) -> str:  # type: ignore[override]
        from journeys.display import walk_html
        from journeys.walk import COLUMNS

        if list(self.columns) != list(COLUMNS):  # changed in place: pandas' own view
            return pd.DataFrame(self)._repr_html_()
        return walk_html(self)

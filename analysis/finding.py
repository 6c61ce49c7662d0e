"""One finding: the value object and the wording of its numbers.

A :class:`Finding` holds a headline, a plain sentence, the numbers behind it
and its impact; :func:`format_minutes` writes the durations the sentences
quote. The rules that make findings are in :mod:`analysis.findings`, which
re-exports both names.

Examples
--------
>>> Finding("t", "x", {"cases": 3}, 120.0).impact
120.0
>>> format_minutes(4464)
'3.1 days'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["Finding", "format_minutes"]


@dataclass(frozen=True)
class Finding:
    """One finding: what, the numbers behind it, how much it matters, what to do.

    Attributes
    ----------
    title : str
        A short headline.
    text : str
        One or two plain sentences with the numbers.
    evidence : dict
        The numbers the text quotes (plain ints, floats and strings; times
        in minutes).
    impact : float
        Case time accounted for, in minutes (the ranking key).
    recommendation : str
        What a reform team could do about it.
    kind : str
        The rule that made it (see the module docstring).
    cases : int or None
        The cases it affects (``None`` where the rule does not count them).
    per_case : float or None
        What it adds to each affected case on average, in minutes
        (``impact / cases``, but for the group rule: the gap in median lead
        time); the texts give the median and the 90th percentile beside it.

    Examples
    --------
    >>> f = Finding("t", "x", {"cases": 3}, 120.0, "r", "waiting")
    >>> f.to_dict()["evidence"]
    {'cases': 3}
    """

    title: str
    text: str
    evidence: dict[str, Any] = field(default_factory=dict)
    impact: float = 0.0
    recommendation: str = ""
    kind: str = ""
    cases: int | None = None
    per_case: float | None = None

    def __post_init__(self) -> None:
        # Evidence holds plain Python values, whatever the tables' dtypes were.
        object.__setattr__(self, "evidence", {k: _plain(v) for k, v in self.evidence.items()})
        object.__setattr__(self, "impact", float(self.impact))

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (for JSON)."""
        out = asdict(self)
        out["evidence"] = {k: _plain(v) for k, v in self.evidence.items()}
        out["impact"] = _plain(self.impact)
        out["per_case"] = _plain(self.per_case)
        return out


def format_minutes(minutes: float) -> str:
    """A duration for people: minutes, hours or days (calendar days).

    Under 60 minutes in whole minutes (``<1 min`` for a non-zero wait under
    half a minute), under 48 hours in hours, else in days, with one decimal
    and thousands separators.

    Examples
    --------
    >>> format_minutes(0), format_minutes(0.4), format_minutes(90), format_minutes(60 * 24 * 12)
    ('0 min', '<1 min', '1.5 h', '12.0 days')
    >>> format_minutes(1440 * 1234.5), format_minutes(float("nan"))
    ('1,234.5 days', 'n/a')
    """
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return "n/a"
    m = float(minutes)
    if m == 0:
        return "0 min"
    if abs(m) < 0.5:
        return "<1 min"
    if abs(m) < 59.5:
        return f"{m:.0f} min"
    if abs(m) < 48 * 60:
        return f"{m / 60:.1f} h"
    return f"{m / 1440:,.1f} days"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _n(x: Any, noun: str = "") -> str:
    """A count with thousands separators and its noun: ``1,416 events``, ``1 case``."""
    n = int(x)
    if not noun:
        return f"{n:,}"
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _plain(v: Any) -> Any:
    """numpy and pandas scalars as plain Python values; NaN as None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v

"""Before and after a reform date: every headline KPI of a real log, with bootstrap intervals.

:func:`before_after` splits a log's cases at a date, the day a reform (a one-door
desk, a new rule, data exchange) took effect: cases **started before** it against
cases **started on or after** it (a case's start as in
:func:`analysis.filters.case_bounds`; a date is the midnight of the log's own
clock, see :mod:`analysis.timezones`). Whole cases stay on one side, so a case
running across the date counts where it began.

For each KPI it gives the value on each side, a bootstrap confidence interval of
each value, and the change (after minus before) with its interval. The bootstrap
resamples **cases** (a case's events stay together), ``n_resamples`` times per
side, with a numpy generator seeded from ``seed`` and the KPI's position: same
seed, same intervals. Intervals are percentile intervals; the change's
distribution is the difference of the two sides' independent resamples.

The resampling is written here rather than calling :func:`scipy.stats.bootstrap`
once per KPI because two KPIs are ratios over events inside cases (desk queues
within the standard), which need the cases resampled with their counts, and the
change needs two independent samples summarised by different statistics; the
tests check the intervals of a median against :func:`scipy.stats.bootstrap`.

Unknown is not zero: a KPI the log does not record (visits without citizen
presence, processing without start times, the citizen's cost without a journey,
handoffs when no agency is named, the queue standard when no desk queue is
measured) has ``None`` values and a ``reason``; so has an interval with fewer
than two cases behind it. A side with fewer than 30 cases gets a note that its
intervals are rough.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["a", "a", "b", "b", "c", "c", "d", "d"],
...     "concept:name": ["apply", "issue"] * 4,
...     "time:timestamp": pd.to_datetime([
...         "2024-01-02 08:00", "2024-01-12 08:00", "2024-01-03 08:00", "2024-01-09 08:00",
...         "2024-03-04 08:00", "2024-03-06 08:00", "2024-03-05 08:00", "2024-03-06 08:00"],
...         utc=True),
...     "org:group": ["front", "tax"] * 4})
>>> ba = before_after(log, "2024-02-01", seed=1, n_resamples=200)
>>> ba.cases_before, ba.cases_after
(2, 2)
>>> row = ba.row("lead_median")
>>> row.before / 1440, row.after / 1440, row.change / 1440
(8.0, 1.5, -6.5)
>>> ba.row("visits_mean").before is None, ba.row("visits_mean").reason
(True, 'the log does not say when the citizen had to be present')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.schema import AGENCY, CASE, UNKNOWN_AGENCY, LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = ["KPIS", "BeforeAfter", "KpiChange", "before_after", "split_at"]

#: The KPIs compared, in report order: key -> (label, unit). Units: ``minutes``,
#: ``share`` (0..1), ``count`` (per case) and ``money``.
KPIS: dict[str, tuple[str, str]] = {
    "lead_median": ("Median lead time", "minutes"),
    "lead_p90": ("90th percentile lead time", "minutes"),
    "lead_mean": ("Mean lead time", "minutes"),
    "waiting_median": ("Median waiting per case", "minutes"),
    "processing_mean": ("Mean processing per case", "minutes"),
    "events_mean": ("Steps per case", "count"),
    "handoffs_mean": ("Handoffs per case", "count"),
    "pingpong_share": ("Cases with ping-pong", "share"),
    "visits_mean": ("Visits per case", "count"),
    "queue_within_sla": ("Desk queues within the standard", "share"),
    "citizen_cost_mean": ("Citizen cost per case", "money"),
}

_FEW = 30  # fewer cases than this on a side: its intervals are called rough
_BATCH = 200  # resamples drawn at once: memory stays at _BATCH x cases floats


@dataclass(frozen=True)
class KpiChange:
    """One KPI before and after, with intervals; ``None`` where not recorded.

    Attributes
    ----------
    key, label, unit : str
        The KPI (:data:`KPIS`).
    before, after, change : float or None
        The values on each side and ``after - before``.
    before_ci, after_ci, change_ci : (float, float) or None
        The confidence intervals.
    reason : str or None
        Why the values (or their intervals) are not recorded.
    """

    key: str
    label: str
    unit: str
    before: float | None
    after: float | None
    change: float | None
    before_ci: tuple[float, float] | None
    after_ci: tuple[float, float] | None
    change_ci: tuple[float, float] | None
    reason: str | None = None

    @property
    def clear(self) -> bool:
        """Whether the change's interval excludes zero (a change the data support)."""
        ci = self.change_ci
        return ci is not None and (ci[0] > 0 or ci[1] < 0)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (``None`` for not recorded)."""
        return {
            "kpi": self.key,
            "label": self.label,
            "unit": self.unit,
            "before": self.before,
            "before_ci": list(self.before_ci) if self.before_ci else None,
            "after": self.after,
            "after_ci": list(self.after_ci) if self.after_ci else None,
            "change": self.change,
            "change_ci": list(self.change_ci) if self.change_ci else None,
            "change_clear": self.clear if self.change_ci else None,
            "not_recorded": self.reason,
        }


@dataclass(frozen=True)
class BeforeAfter:
    """The comparison of cases started before and on or after ``date``."""

    date: str
    cases_before: int
    cases_after: int
    events_before: int
    events_after: int
    rows: tuple[KpiChange, ...]
    confidence: float
    n_resamples: int
    seed: int
    sla_minutes: float
    notes: tuple[str, ...] = ()

    def row(self, key: str) -> KpiChange:
        """The row of KPI ``key``."""
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "date": self.date,
            "split": "cases started before the date vs on or after it",
            "cases_before": self.cases_before,
            "cases_after": self.cases_after,
            "events_before": self.events_before,
            "events_after": self.events_after,
            "confidence": self.confidence,
            "interval": "percentile bootstrap over cases",
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "sla_minutes": self.sla_minutes,
            "kpis": [r.to_dict() for r in self.rows],
            "notes": list(self.notes),
        }


def split_at(
    log: pd.DataFrame, date: object, *, tz: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events of the cases started before ``date``, and of those started on or after it.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"], "concept:name": ["x", "y", "x"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-31 20:00", "2024-02-02 08:00",
    ...                                       "2024-02-01 08:00"], utc=True)})
    >>> [sorted(part["case:concept:name"].unique()) for part in split_at(log, "2024-02-01")]
    [['a'], ['b']]
    """
    from analysis.filters import case_bounds, parse_instant
    from analysis.timezones import log_zone

    zone = log_zone(log, tz)
    at = parse_instant(date, option="--before-after", zone=zone)
    bounds = case_bounds(log)
    early = bounds.index[(bounds["first"] < at).to_numpy()]
    mask = log[CASE].isin(early).to_numpy()
    before, after = log[mask], log[~mask]
    for part, side in ((before, "before"), (after, "on or after")):
        if part.empty:
            first, last = bounds["first"].min(), bounds["first"].max()
            raise LogError(
                f"--before-after {date}: no case started {side} it; the log's cases start "
                f"from {_day(first, zone)} to {_day(last, zone)}"
            )
    return before, after


def before_after(
    log: pd.DataFrame,
    date: object,
    *,
    journey: Journey | None = None,
    sla_minutes: float = 15,
    tz: str | None = None,
    seed: int = 0,
    n_resamples: int = 2000,
    confidence: float = 0.95,
) -> BeforeAfter:
    """Every KPI of :data:`KPIS` before and after ``date``, with bootstrap intervals.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log (:func:`analysis.logs.read_log`).
    date : str, date or Timestamp
        The reform date (a date means its midnight in the log's clock).
    journey : Journey, optional
        Supplies citizen presence, doors and costs the log does not hold.
    sla_minutes : float
        The queue standard.
    tz : str, optional
        The log's clock, for the date and for visits (one door on one day).
    seed : int
        Seed of the bootstrap.
    n_resamples : int
        Bootstrap resamples per side.
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    BeforeAfter
    """
    from analysis.kpis import case_kpis, event_times
    from analysis.queues import queue_check, queue_waits

    if not 0 < confidence < 1:
        raise LogError(f"confidence must be between 0 and 1, got {confidence}")
    if n_resamples < 100:
        raise LogError(f"n_resamples must be at least 100, got {n_resamples}")
    before, after = split_at(log, date, tz=tz)
    ev = event_times(log)
    kpis = case_kpis(ev, journey=journey, tz=tz)
    queues = queue_waits(ev, journey=journey, tz=tz)
    unchecked = queue_check(ev, queues, journey=journey)
    q = pd.DataFrame({CASE: ev[CASE].to_numpy(), "q": queues.to_numpy()})
    q = q[q["q"].notna()]
    q_n = q.groupby(CASE, sort=False).size()
    q_ok = q[q["q"] <= sla_minutes].groupby(CASE, sort=False).size()
    kpis = kpis.assign(
        queue_n=q_n.reindex(kpis.index, fill_value=0).to_numpy(dtype=float),
        queue_ok=q_ok.reindex(kpis.index, fill_value=0).to_numpy(dtype=float),
    )
    named = AGENCY in log.columns and bool(log[AGENCY].astype(str).ne(UNKNOWN_AGENCY).any())
    reasons = _reasons(kpis, named, journey, unchecked)
    sides = [kpis.loc[kpis.index.isin(part[CASE].unique())] for part in (before, after)]
    alpha = (1 - confidence) / 2
    rows = []
    for i, (key, (label, unit)) in enumerate(KPIS.items()):
        if key in reasons:
            rows.append(KpiChange(key, label, unit, None, None, None, None, None, None,
                                  reasons[key]))  # fmt: skip
            continue
        rows.append(_compare(key, label, unit, sides, sla_minutes, seed, i, n_resamples, alpha))
    notes: list[str] = []
    notes += _censoring(sides)
    small = [f"{len(k):,} cases {side}" for k, side in zip(sides, ("before", "after"), strict=True)
             if len(k) < _FEW]  # fmt: skip
    if small:
        notes.append(
            f"Only {' and '.join(small)} the date: bootstrap intervals from fewer than {_FEW} "
            "cases are rough (they tend to be too narrow); read them as indications."
        )
    return BeforeAfter(
        date=str(date),
        cases_before=len(sides[0]),
        cases_after=len(sides[1]),
        events_before=len(before),
        events_after=len(after),
        rows=tuple(rows),
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        sla_minutes=float(sla_minutes),
        notes=tuple(notes),
    )


def _censoring(sides: list[pd.DataFrame]) -> list[str]:
    """A warning when recent cases may be cut short by the end of the log.

    Rule: the cases of the "after" side that started less than the "before"
    side's 90th-percentile lead time before the log's last completion may
    have been open when the log was extracted; their lead times so far are
    shorter than their final ones, which flatters the "after" side.
    """
    early, late = sides
    p90 = float(early["lead_minutes"].quantile(0.9))
    end = late["last"].max()
    if not len(late) or not math.isfinite(p90) or pd.isna(end):
        return []
    recent = int((late["first"] > end - pd.Timedelta(minutes=p90)).sum())
    if not recent:
        return []
    return [
        f"{recent:,} of the {len(late):,} cases after the date ({recent / len(late):.0%}) "
        "started less than the before side's 90th-percentile lead time before the log ends: "
        "some may have been still open, so their lead times can be too short. Restrict both "
        "sides to finished cases (e.g. --to with --window contained) to check."
    ]


def _reasons(
    kpis: pd.DataFrame, named: bool, journey: Journey | None, unchecked: str | None
) -> dict[str, str]:
    out = {}
    if kpis["processing_minutes"].isna().all():
        out["processing_mean"] = "the log has no start times"
        out["waiting_median"] = (
            "the log has no start times: waiting cannot be told apart from the work "
            "(it would add up to the lead time)"
        )
    if not named:
        out["handoffs_mean"] = "the log names no agency"
        out["pingpong_share"] = "the log names no agency"
    if kpis["visits"].isna().all():
        out["visits_mean"] = "the log does not say when the citizen had to be present"
    if unchecked is not None or kpis["queue_n"].sum() == 0:
        out["queue_within_sla"] = "not checked: " + (unchecked or "no desk queue is measured")
    if journey is None:
        out["citizen_cost_mean"] = "needs a journey (--journey) with fees and travel costs"
    elif kpis["citizen_cost"].isna().all():
        out["citizen_cost_mean"] = "the journey's steps match no activity of the log"
    return out


def _values(key: str, k: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-case values of a KPI (cases where it is unknown left out), and ratio weights."""
    column = {
        "lead_median": "lead_minutes",
        "lead_p90": "lead_minutes",
        "lead_mean": "lead_minutes",
        "waiting_median": "waiting_minutes",
        "processing_mean": "processing_minutes",
        "events_mean": "events",
        "handoffs_mean": "handoffs",
        "visits_mean": "visits",
        "citizen_cost_mean": "citizen_cost",
    }
    if key == "pingpong_share":
        return (k["pingpongs"].to_numpy() > 0).astype(float), None
    if key == "queue_within_sla":
        has = k["queue_n"].to_numpy() > 0
        return k["queue_ok"].to_numpy()[has], k["queue_n"].to_numpy()[has]
    x = k[column[key]].to_numpy(dtype=float)
    return x[~np.isnan(x)], None


def _statistic(key: str) -> Callable[[np.ndarray, np.ndarray | None], np.ndarray]:
    """The statistic of a KPI over the last axis (resamples x cases)."""
    if key.endswith("_median"):
        return lambda x, w: np.median(x, axis=-1)
    if key.endswith("_p90"):
        return lambda x, w: np.quantile(x, 0.9, axis=-1)
    if key == "queue_within_sla":
        return lambda x, w: x.sum(axis=-1) / w.sum(axis=-1)  # type: ignore[union-attr]
    return lambda x, w: x.mean(axis=-1)


def _compare(
    key: str,
    label: str,
    unit: str,
    sides: list[pd.DataFrame],
    sla: float,
    seed: int,
    position: int,
    n_resamples: int,
    alpha: float,
) -> KpiChange:
    stat = _statistic(key)
    points: list[float | None] = []
    boots: list[np.ndarray | None] = []
    short = []
    for side, k in enumerate(sides):
        x, w = _values(key, k)
        if not len(x):
            points.append(None)
            boots.append(None)
            short.append("before" if side == 0 else "after")
            continue
        points.append(float(stat(x, w)))
        if len(x) < 2:
            boots.append(None)
            short.append("before" if side == 0 else "after")
            continue
        rng = np.random.default_rng([seed, position, side])
        draws = []
        for done in range(0, n_resamples, _BATCH):
            idx = rng.integers(0, len(x), size=(min(_BATCH, n_resamples - done), len(x)))
            draws.append(stat(x[idx], None if w is None else w[idx]))
        boots.append(np.concatenate(draws))

    def ci(b: np.ndarray | None) -> tuple[float, float] | None:
        if b is None:
            return None
        lo, hi = np.quantile(b, [alpha, 1 - alpha])
        return float(lo), float(hi)

    b0, b1 = boots
    change = points[1] - points[0] if points[0] is not None and points[1] is not None else None
    change_ci = ci(b1 - b0) if b0 is not None and b1 is not None else None
    reason = None
    if short:
        what = "no case with this value" if None in points else "fewer than two cases"
        reason = f"{what} {' and '.join(dict.fromkeys(short))}: no interval"
    return KpiChange(key, label, unit, points[0], points[1], change, ci(b0), ci(b1), change_ci,
                     reason)  # fmt: skip


def _day(t: pd.Timestamp, zone: str | None) -> str:
    if pd.isna(t):
        return "n/a"
    return str(t.tz_convert(zone).date()) if zone else str(t.date())

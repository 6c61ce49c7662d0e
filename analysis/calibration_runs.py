"""A calibrated model that can run: delays in two parts, and desks that can carry the load.

Two steps of :func:`analysis.calibrate.calibrate` live here.

Transfer and backlog
    Each handoff's observed delays are split by
    :func:`analysis.handoff_split.split_handoffs`; the transfer becomes the
    transition's ``delay`` and the backlog its ``backlog``, each fitted on its
    own (drawn independently in the simulation). Transitions within one
    agency keep one delay.
Offered load
    :func:`runnable` checks every pool: its offered load is the arrival rate
    per open minute (cases per working day, weighted by weekday, over the open
    minutes of a day) times the expected passes through its steps times their
    mean work, in desks. At or above ``max_utilisation`` of the pool's desks
    the model could not finish its cases (the queue grows without end): the
    pool's desks are raised to the fewest that bring the utilisation below it,
    and a note gives the figures. A journey whose load cannot be carried
    because its pool has no open time at all is refused.

Examples
--------
>>> from journeys import load_catalog
>>> j, notes = runnable(load_catalog("business-licence"))
>>> notes
[]
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.calibration_input import CalibrationError
from analysis.fitting import Fit, fit_distribution
from analysis.handoff_split import HandoffSplit
from journeys.model import WEEKDAYS, Distribution, Journey

__all__ = ["offered_load", "runnable"]

#: Utilisation at and above which a calibrated pool gets more desks.
MAX_UTILISATION = 0.95


def offered_load(journey: Journey) -> dict[str, float]:
    """Work offered to each pool, in desks busy on average while it is open.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> load = offered_load(load_catalog("business-licence"))

    6 citizens a day, each once at the tax desk for 30 minutes, in 420 open minutes:

    >>> round(load["tax_desk"], 3), round(6 * 30 / 420, 3)
    (0.429, 0.429)
    """
    from journeys.metrics import _passes

    passes = dict(zip(journey.step_ids, _passes(journey)))
    a = journey.arrivals
    days = {c.id: c for c in journey.calendars}
    out: dict[str, float] = {}
    for pool in journey.pools:
        cal = days.get(pool.calendar)
        open_min = cal.minutes_open_per_day if cal is not None else 1440.0
        open_days = cal.days if cal is not None else WEEKDAYS
        weight = float(np.mean([a.weekday.get(d, 1.0) for d in open_days])) if open_days else 1.0
        work = math.fsum(passes[s.id] * s.duration.mean for s in journey.steps if s.pool == pool.id)
        out[pool.id] = math.inf if open_min <= 0 else a.per_day * weight * work / open_min
    return out


def runnable(
    journey: Journey, *, max_utilisation: float = MAX_UTILISATION
) -> tuple[Journey, list[str]]:
    """The journey with enough desks to carry its load, and a note per pool changed.

    Raises
    ------
    CalibrationError
        A pool with work but no open time (naming the pool and its figures).
    """
    notes: list[str] = []
    load = offered_load(journey)
    pools = []
    for p in journey.pools:
        offered = load[p.id]
        if math.isinf(offered):
            raise CalibrationError(
                f"pool {p.id}: {journey.arrivals.per_day:g} cases a day bring work but its "
                "calendar has no open time; the model could not finish a case"
            )
        if offered / p.capacity >= max_utilisation:
            need = max(p.capacity + 1, math.floor(offered / max_utilisation) + 1)
            notes.append(
                f"Pool {p.id}: {offered:.1f} desks' worth of work arrives while it is open, "
                f"against {p.capacity} desks counted in the log (utilisation "
                f"{offered / p.capacity:.0%}); raised to {need} desks "
                f"({offered / need:.0%}) so that the model can finish its cases."
            )
            p = replace(p, capacity=need)
        pools.append(p)
    return replace(journey, pools=tuple(pools)), notes


# ----------------------------------------------------------- helpers of calibrate


def _few(names: list[str], n: int = 5) -> str:
    return ", ".join(names[:n]) + (", ..." if len(names) > n else "")


def _fitted(values: np.ndarray, fit: dict[str, Any], fits: list[Fit]) -> Distribution | None:
    """The fitted distribution of ``values``; None when they are all 0 (no delay)."""
    f = fit_distribution(np.clip(values, 0, None), **fit)
    fits.append(f)
    return None if f.family == "fixed" and f.distribution.mean == 0 else f.distribution


def _pair_parts(
    df: pd.DataFrame, delays: np.ndarray, split: HandoffSplit
) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray | None]]:
    """Per pair of activities: (delay, None) within an agency, (transfer, backlog) across."""
    frame = pd.DataFrame(
        {
            "a": df["source"].astype(str).to_numpy(),
            "b": df["target"].astype(str).to_numpy(),
            "i": np.arange(len(df)),
        }
    )
    out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray | None]] = {}
    for (a, b), g in frame.groupby(["a", "b"], sort=False)["i"]:
        rows = g.to_numpy()
        if split.handoff[rows].any():
            out[(a, b)] = (split.transfer[rows], split.backlog[rows])
        else:
            out[(a, b)] = (delays[rows], None)
    return out


def _split_note(split: HandoffSplit, agency_ids: dict[str, str]) -> str:
    n = int(split.handoff.sum())
    if not n:
        return (
            "No handoff between agencies in the log: no delay is split into transfer and backlog."
        )
    total = float(split.transfer[split.handoff].sum() + split.backlog[split.handoff].sum())
    share = float(split.transfer[split.handoff].sum()) / total if total > 0 else math.nan
    shown = "not measurable (no delay)" if math.isnan(share) else f"{share:.0%}"
    if split.method == "resource":
        how = (
            "a dossier reached its clerk at the last moment before the start at which the clerk "
            "was free and on duty; the time before is transfer, the rest backlog"
        )
    else:
        how = (
            "the receiving agency's median delay between its own steps is its backlog, the "
            "rest of a handoff's median delay is transfer (split in that proportion)"
        )
    text = (
        f"Handoff delays ({n:,} observed) split into transfer (what data exchange removes) and "
        f"backlog (what desks, hours or a service standard shorten): {how}. Transfer is "
        f"{shown} of the handoff delay."
    )
    if split.no_baseline:
        text += (
            f" Agencies with no transition of their own ({_few(list(split.no_baseline))}) give "
            "no baseline: their handoff delays all count as backlog."
        )
    return text


def _fix_probabilities(branches: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Round to 6 decimals and give the rounding residue to the largest branch (sum = 1).

    Each branch is ``(target, probability, ...)``; what follows is kept.
    """
    if not branches:
        return []
    rounded = [(b[0], round(b[1], 6), *b[2:]) for b in branches]
    residue = 1.0 - math.fsum(b[1] for b in rounded)
    big = max(range(len(rounded)), key=lambda i: rounded[i][1])
    b = rounded[big]
    rounded[big] = (b[0], round(b[1] + residue, 12), *b[2:])
    return rounded


def _durations(
    flow: pd.DataFrame,
    activities: list[str],
    pair_times: dict[tuple[str, str], np.ndarray],
    *,
    starts_known: bool,
    day_only: bool,
    clock: str,
    processing_quantile: float,
    max_processing: float,
    fit: dict[str, Any],
) -> tuple[dict[str, Distribution], dict[str, float], list[str], list[Fit], list[str]]:
    """Step durations of :func:`analysis.calibrate.calibrate` (rules: its module docs).

    Returns the durations, the fixed ones (steps without start times), the
    instant steps, the fits made and the notes to write.
    """
    from analysis.schema import ACTIVITY

    acts = flow[ACTIVITY].astype(str).to_numpy()
    notes: list[str] = []
    durations: dict[str, Distribution] = {}
    fixed: dict[str, float] = {}
    fits: list[Fit] = []
    instant: list[str] = []
    processing = (
        pd.Series(flow["processing"].to_numpy(dtype=float)).groupby(acts) if starts_known else None
    )
    into: dict[str, list[np.ndarray]] = {}
    for (_, b), times in pair_times.items():
        into.setdefault(b, []).append(times)
    for a in activities:
        obs = processing.get_group(a).dropna().to_numpy() if processing is not None else []
        if len(obs):
            f = fit_distribution(np.clip(obs, 0, None), **fit)
            fits.append(f)
            durations[a] = f.distribution
            continue
        if starts_known or day_only:  # a system event, or no time of day to fit work to
            instant.append(a)
            durations[a] = Distribution.fixed(0)
            continue
        times = np.clip(np.concatenate(into.get(a, [np.zeros(0)])), 0, None)
        p = float(np.quantile(times, processing_quantile)) if times.size else 0.0
        fixed[a] = round(min(p, max_processing), 3)
        durations[a] = Distribution.fixed(fixed[a])
    if instant and starts_known:
        notes.append(
            f"{len(instant)} step(s) never have a start time although the log has them "
            f"({_few(instant)}): they are taken as instant (system) events, with no work time "
            "and no desk."
        )
    if day_only:
        notes.append(
            "The log records days, not times of day (every event at midnight, "
            f"{clock}): no work time, opening hours or hourly profile can be read "
            "from it; steps take no time, have no desks, and all of the time is in the "
            "transitions."
        )
    if fixed:
        what = (
            "The log has no start times" if not starts_known else "Some steps have no start times"
        )
        notes.append(
            f"{what}: processing is unknown, so such a step's duration is fixed at the "
            f"{processing_quantile:.0%} quantile of the transition times into it (at most "
            f"{max_processing:g} min; 0 for a step nothing leads to), and the rest of each "
            "transition time becomes the delay of its transition."
        )

    return durations, fixed, instant, fits, notes

"""Experiments: replications of scenarios, and paired before/after comparisons.

:func:`run` simulates every scenario ``replications`` times and measures each
simulated log with the same ruler as real logs (:func:`analysis.kpis.case_kpis`),
so figures of real and simulated logs are comparable by construction.
:func:`compare` runs a baseline and alternatives with the **same seeds**
(common random numbers: replication ``r`` of every scenario sees the same
citizens arriving at the same times) and reports, per KPI, each scenario's mean
with its 95% confidence interval over replications and the paired difference
against the baseline, with its confidence interval and relative change.

Which cases are measured (right-censoring)
------------------------------------------
Citizens arrive on ``days`` working days. Those of the first ``warmup_days``
load the desks but are not measured; those of the other days are the
*measured cases*. The run then goes on for ``tail_days`` more working days,
with citizens still arriving (so the desks stay as busy as before) but not
measured, to let the measured cases finish. Lead times are those of the
measured cases that finished: without the tail, the cases that arrived late
and take long would be missing, and lead times would be biased downwards.
Measured cases still open at the end are counted in ``unfinished``; the
reports say so when there are any. Utilisation, staff cost and queue lengths
cover the whole run after the warm-up, tail included.

What is measured per replication
--------------------------------
=====================  =====================================================
``waiting_*``          total waiting of a case (median, mean, p90), in days:
                       the time between its steps (queues, travel, couriers,
                       days between visits), from the citizen's arrival
``lead_*``             lead time (median, mean, p90), in days, from arrival
                       to the end of the last step
``visits``             mean office visits per case
``doors``              mean distinct offices per case
``handoffs``           mean agency-to-agency handoffs per case
``citizen_cost``       mean citizen cost per case (fees, travel, time)
``staff_cost``         staff cost of the open desk hours after the warm-up,
                       divided by the citizens who arrived in that time
``desk_within_sla``    share of the citizen's desk services, at every desk
                       and visit, that began within ``sla_minutes`` (15) of
                       joining the line of the open desks: the like-for-like
                       queue standard of a before/after
``desk_queue``         mean total minutes per case in desk lines, over all
                       its visits (a citizen sent home at closing waits on
                       until served, so those nights count)
``within_sla``         share of measured cases served at the first desk
                       within ``sla_minutes`` (15) of arriving
``cases``              measured cases (arrived after the warm-up)
``unfinished``         measured cases still open at the end of the run
``util:<pool>``        busy share of each pool's open desk time
=====================  =====================================================

``within_sla`` looks at the first desk only: it is what a log without queue
tickets can also measure (the waiting before a later step of a log holds the
travel or courier time from the step before). ``desk_within_sla`` and
``desk_queue`` come from the engine's record of when each citizen joined each
desk's line (:attr:`simulations.results.SimulationResult.desk_waits`), so they
count every desk alike before and after; the reports' queue tile and plots use
them.

Confidence intervals use Student's t over replications (:mod:`scipy.stats`).

Examples
--------
>>> from journeys import load_catalog
>>> c = compare(load_catalog("business-licence"), load_catalog("business-licence-one-door"),
...             replications=3, days=8, warmup_days=2, tail_days=30, seed=2, jobs=1)
>>> t = c.table.set_index("kpi")
>>> bool(t.loc["visits", "baseline"] > 4.5), float(t.loc["visits", "value"])
(True, 2.0)
>>> bool(t.loc["lead_median", "diff_high"] < 0)  # shorter, with 95% confidence
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeys.errors import InputError
from journeys.model import Journey

__all__ = [
    "KPI_LABELS",
    "Comparison",
    "Experiment",
    "Scenario",
    "compare",
    "mean_ci",
    "paired_comparison",
    "run",
]

#: Readable names and units of the KPIs, in report order.
KPI_LABELS: dict[str, str] = {
    "lead_median": "Lead time, median (days)",
    "lead_mean": "Lead time, mean (days)",
    "lead_p90": "Lead time, p90 (days)",
    "waiting_median": "Waiting per case, median (days)",
    "waiting_mean": "Waiting per case, mean (days)",
    "waiting_p90": "Waiting per case, p90 (days)",
    "visits": "Visits to offices per case",
    "doors": "Offices per case",
    "handoffs": "Agency handoffs per case",
    "citizen_cost": "Citizen cost per case",
    "staff_cost": "Staff cost per case",
    "within_sla": "Served at the first desk within 15 min",
    "desk_within_sla": "Desk services within 15 min (every desk and visit)",
    "desk_queue": "Time in desk lines per case, all visits",
    "cases": "Cases measured",
    "unfinished": "Measured cases still open at the end",
}


@dataclass(frozen=True)
class Scenario:
    """A journey to simulate under a name, with an optional change of demand.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> Scenario("+50%", load_catalog("family-book"), arrivals_per_day=15.0).arrivals_per_day
    15.0
    """

    name: str
    journey: Journey
    arrivals_per_day: float | None = None


@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    replication: int
    days: int
    warmup_days: int
    tail_days: int
    seed: int
    sla_minutes: float


def _whole(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name} must be a whole number >= {low}, got {value!r}")
    return int(value)


def _check(replications: object, days: object, warmup_days: object, tail_days: object) -> None:
    _whole("replications", replications, 1)
    d = _whole("days", days, 1)
    w = _whole("warmup_days", warmup_days, 0)
    _whole("tail_days", tail_days, 0)
    if w >= d:
        raise InputError(f"warmup_days ({w}) must be less than days ({d}): nothing to measure")


def _measure(task: _Task) -> tuple[dict[str, float | str | int], pd.DataFrame, pd.DataFrame]:
    """One task of :func:`run` (module level, so that it pickles by name)."""
    from simulations.measures import measure_replication

    sc = task.scenario
    return measure_replication(
        sc.journey,
        name=sc.name,
        replication=task.replication,
        days=task.days,
        warmup_days=task.warmup_days,
        tail_days=task.tail_days,
        seed=task.seed,
        sla_minutes=task.sla_minutes,
        arrivals_per_day=sc.arrivals_per_day,
    )


@dataclass(frozen=True)
class Experiment:
    """Replications of several scenarios: one row per (scenario, replication).

    Attributes
    ----------
    runs : pandas.DataFrame
        Columns ``scenario``, ``replication`` and one column per KPI (see the
        module docstring).
    cases : pandas.DataFrame
        Per measured, finished case: ``scenario``, ``replication``,
        ``lead_days``, ``waiting_days``, ``visits``, ``first_queue_minutes``,
        ``desk_queue_minutes``.
    queues : pandas.DataFrame
        Time-average number waiting per ``scenario``, ``replication``, ``pool``,
        ``citizen`` (the pool serves citizens in person) and ``hour`` of day.
    scenarios : tuple of str
        Scenario names in the order given; the first is the baseline.
    replications, days, warmup_days, tail_days, seed : int
    sla_minutes : float
    """

    runs: pd.DataFrame
    cases: pd.DataFrame
    queues: pd.DataFrame
    scenarios: tuple[str, ...]
    replications: int
    days: int
    warmup_days: int
    seed: int
    tail_days: int = 0
    sla_minutes: float = 15.0

    def kpis(self) -> list[str]:
        """KPI columns, in report order (known KPIs first, then utilisations).

        Examples
        --------
        >>> runs = pd.DataFrame({"scenario": ["a"], "replication": [0],
        ...                      "util:desk": [0.5], "visits": [2.0]})
        >>> Experiment(runs, pd.DataFrame(), pd.DataFrame(), ("a",), 1, 5, 0, 1).kpis()
        ['visits', 'util:desk']
        """
        cols = [c for c in self.runs.columns if c not in ("scenario", "replication")]
        known = [c for c in KPI_LABELS if c in cols]
        return known + sorted(c for c in cols if c not in KPI_LABELS)

    def summary(self, *, level: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval of every KPI per scenario (long form).

        Columns ``scenario``, ``kpi``, ``mean``, ``ci_low``, ``ci_high``.
        """
        rows = []
        for sc in self.scenarios:
            part = self.runs[self.runs["scenario"] == sc]
            for kpi in self.kpis():
                m, lo, hi = mean_ci(part[kpi].to_numpy(dtype=float), level=level)
                rows.append({"scenario": sc, "kpi": kpi, "mean": m, "ci_low": lo, "ci_high": hi})
        return pd.DataFrame(rows)


def mean_ci(values: Sequence[float], *, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent values (NaN dropped).

    Examples
    --------
    >>> m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    >>> m, round(lo, 4), round(hi, 4)  # 2 -+ t(0.975, 2) * 1 / sqrt(3)
    (2.0, -0.4841, 4.4841)
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def run(
    scenarios: Sequence[Scenario | Journey],
    *,
    replications: int = 20,
    days: int = 60,
    warmup_days: int = 5,
    tail_days: int = 40,
    seed: int = 1,
    sla_minutes: float = 15.0,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
) -> Experiment:
    """Simulate each scenario ``replications`` times and measure every run.

    Replication ``r`` of every scenario uses the random streams of
    ``(seed, r)``: the same citizens arrive in every scenario.

    Parameters
    ----------
    scenarios : sequence of Scenario or Journey
        Journeys are wrapped as scenarios named by their id.
    replications : int
        Independent runs per scenario, ``>= 1``.
    days : int
        Working days on which measured and warm-up citizens arrive.
    warmup_days : int
        The first of those days, whose citizens are not measured.
    tail_days : int
        Working days the run goes on after ``days`` so that measured cases can
        finish (citizens keep arriving, unmeasured); see the module docstring.
    seed : int
        The experiment's seed.
    sla_minutes : float
        The queue standard of ``within_sla``.
    jobs, scheduler, dask_local, progress
        Where to run; see :func:`simulations.executors.map_tasks`.

    Returns
    -------
    Experiment

    Raises
    ------
    journeys.errors.InputError
        For options that cannot work, or scenarios with the same name.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> ex = run([load_catalog("family-book-one-door")], replications=2, days=5,
    ...          warmup_days=0, tail_days=10, seed=3, jobs=1)
    >>> ex.runs[["scenario", "replication", "unfinished"]].values.tolist()
    [['family-book-one-door', 0, 0.0], ['family-book-one-door', 1, 0.0]]
    """
    from simulations.executors import map_tasks

    _check(replications, days, warmup_days, tail_days)
    if not (isinstance(sla_minutes, (int, float)) and sla_minutes >= 0):
        raise InputError(f"sla_minutes must be a number >= 0, got {sla_minutes!r}")
    scs = [s if isinstance(s, Scenario) else Scenario(s.id, s) for s in scenarios]
    names = [s.name for s in scs]
    if not scs:
        raise InputError("no scenario to run")
    if len(set(names)) != len(names):
        raise InputError(f"scenario names must differ, got {names}")
    tasks = [
        _Task(sc, r, days, warmup_days, tail_days, seed, float(sla_minutes))
        for sc in scs
        for r in range(replications)
    ]
    out = map_tasks(
        _measure, tasks, jobs=jobs, scheduler=scheduler, dask_local=dask_local, progress=progress
    )
    return Experiment(
        runs=pd.DataFrame([r for r, _, _ in out]),
        cases=pd.concat([c for _, c, _ in out], ignore_index=True),
        queues=pd.concat([q for _, _, q in out], ignore_index=True),
        scenarios=tuple(names),
        replications=replications,
        days=days,
        warmup_days=warmup_days,
        seed=seed,
        tail_days=tail_days,
        sla_minutes=float(sla_minutes),
    )


@dataclass(frozen=True)
class Comparison:
    """A baseline against alternatives, KPI by KPI.

    Attributes
    ----------
    experiment : Experiment
        The replications behind the figures.
    table : pandas.DataFrame
        One row per (alternative, KPI): ``scenario``, ``kpi``, ``label``,
        ``baseline`` and ``value`` (means over replications) with their CIs
        (``baseline_low``/``baseline_high``, ``value_low``/``value_high``),
        ``diff`` (mean paired difference, alternative minus baseline),
        ``diff_low``/``diff_high`` (its CI), ``change`` (``diff`` over the
        baseline mean), ``pairs`` (replications with both values).
    level : float
        Confidence level of the intervals.
    """

    experiment: Experiment
    table: pd.DataFrame
    level: float = 0.95

    @property
    def baseline(self) -> str:
        """Name of the baseline scenario."""
        return self.experiment.scenarios[0]


def paired_comparison(experiment: Experiment, *, level: float = 0.95) -> Comparison:
    """Compare the first scenario of ``experiment`` with the others, paired by replication.

    For each KPI the differences ``alternative - baseline`` of the replications
    are treated as one sample: mean and Student-t interval. With common random
    numbers the two values of a pair move together, which makes this interval
    narrower than that of two independent samples.

    Examples
    --------
    >>> runs = pd.DataFrame({"scenario": ["a", "a", "a", "b", "b", "b"],
    ...                      "replication": [0, 1, 2, 0, 1, 2],
    ...                      "visits": [5.0, 6.0, 7.0, 2.0, 2.5, 3.5]})
    >>> ex = Experiment(runs, pd.DataFrame(), pd.DataFrame(), ("a", "b"), 3, 10, 0, 1)
    >>> r = paired_comparison(ex).table.iloc[0]
    >>> float(r["diff"]), round(float(r["change"]), 4)  # diffs -3, -3.5, -3.5
    (-3.3333333333333335, -0.5556)
    """
    base = experiment.runs[experiment.runs["scenario"] == experiment.scenarios[0]]
    base = base.set_index("replication")
    rows = []
    for alt in experiment.scenarios[1:]:
        other = experiment.runs[experiment.runs["scenario"] == alt].set_index("replication")
        for kpi in experiment.kpis():
            b = base[kpi] if kpi in base else pd.Series(np.nan, index=base.index)
            a = other[kpi] if kpi in other else pd.Series(np.nan, index=other.index)
            bm, blo, bhi = mean_ci(b.to_numpy(dtype=float), level=level)
            am, alo, ahi = mean_ci(a.to_numpy(dtype=float), level=level)
            d = (a - b.reindex(a.index)).to_numpy(dtype=float)
            dm, dlo, dhi = mean_ci(d, level=level)
            rows.append(
                {
                    "scenario": alt,
                    "kpi": kpi,
                    "label": _label(kpi, experiment.sla_minutes),
                    "baseline": bm,
                    "baseline_low": blo,
                    "baseline_high": bhi,
                    "value": am,
                    "value_low": alo,
                    "value_high": ahi,
                    "diff": dm,
                    "diff_low": dlo,
                    "diff_high": dhi,
                    "change": dm / bm if bm != 0 and not math.isnan(bm) else math.nan,
                    "pairs": int((~np.isnan(d)).sum()),
                }
            )
    return Comparison(experiment, pd.DataFrame(rows), level)


def compare(
    baseline: Scenario | Journey,
    *alternatives: Scenario | Journey,
    replications: int = 20,
    days: int = 60,
    warmup_days: int = 5,
    tail_days: int = 40,
    seed: int = 1,
    sla_minutes: float = 15.0,
    level: float = 0.95,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
) -> Comparison:
    """Run a baseline and alternatives with common random numbers and compare them.

    The options are those of :func:`run`; ``level`` is the confidence level.
    Differences are paired per replication (see :func:`paired_comparison`).
    See the module docstring for an example.
    """
    if not alternatives:
        raise InputError("compare needs a baseline and at least one alternative")
    ex = run(
        [baseline, *alternatives],
        replications=replications,
        days=days,
        warmup_days=warmup_days,
        tail_days=tail_days,
        seed=seed,
        sla_minutes=sla_minutes,
        jobs=jobs,
        scheduler=scheduler,
        dask_local=dask_local,
        progress=progress,
    )
    return paired_comparison(ex, level=level)


def _label(kpi: str, sla_minutes: float) -> str:
    if kpi == "within_sla":
        return f"Served at the first desk within {sla_minutes:g} min"
    if kpi == "desk_within_sla":
        return f"Desk services within {sla_minutes:g} min (every desk and visit)"
    if kpi.startswith("util:"):
        return f"Utilisation of {kpi.split(':', 1)[1]}"
    return KPI_LABELS.get(kpi, kpi)

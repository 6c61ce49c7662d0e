"""Experiments: replications of scenarios, and paired before/after comparisons.

:func:`run` simulates every scenario ``replications`` times and measures each
simulated log with the same ruler as real logs (:func:`analysis.kpis.case_kpis`),
so figures of real and simulated logs are comparable by construction.
:func:`compare` runs a baseline and alternatives with the **same seeds**
(common random numbers: replication r of every scenario sees the same
citizens) and reports, per KPI, each scenario's mean with its 95% confidence
interval over replications and the paired difference against the baseline.

What is measured per replication (cases that *arrived after the warm-up and
finished* within the horizon; unfinished cases are counted in ``unfinished``):

=====================  ======================================================
``waiting_*``          total waiting of a case (median, mean, p90), minutes
``lead_*``             lead time of a case (median, mean, p90), minutes
``visits``             mean office visits per case
``doors``              mean distinct offices per case
``handoffs``           mean agency-to-agency handoffs per case
``citizen_cost``       mean citizen cost per case (fees, travel, time)
``staff_cost``         staff cost of the open desk hours over the measured days,
                       divided by the finished cases
``within_sla``         share of citizen-present services that waited at most
                       ``sla_minutes`` (15) since the case's previous step
``util:<pool>``        busy share of each pool's open desk time
=====================  ======================================================

Confidence intervals use Student's t over replications (scipy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from journeys.errors import InputError
from journeys.model import Journey

__all__ = ["Comparison", "Experiment", "Scenario", "compare", "run", "KPI_LABELS"]

#: Readable names and units of the KPIs, in report order.
KPI_LABELS: dict[str, str] = {
    "waiting_median": "Waiting per case, median (h)",
    "waiting_mean": "Waiting per case, mean (h)",
    "waiting_p90": "Waiting per case, p90 (h)",
    "lead_median": "Lead time, median (days)",
    "lead_mean": "Lead time, mean (days)",
    "lead_p90": "Lead time, p90 (days)",
    "visits": "Visits to offices per case",
    "doors": "Offices per case",
    "handoffs": "Agency handoffs per case",
    "citizen_cost": "Citizen cost per case",
    "staff_cost": "Staff cost per case",
    "within_sla": "Served within 15 min (share)",
    "finished": "Cases finished",
    "unfinished": "Cases still open at the end",
}


@dataclass(frozen=True)
class Scenario:
    """A journey to simulate, with an optional change of demand."""

    name: str
    journey: Journey
    arrivals_per_day: float | None = None


@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    replication: int
    days: int
    warmup_days: int
    seed: int
    sla_minutes: float


def _check(replications: int, days: int, warmup_days: int) -> None:
    if replications < 1:
        raise InputError(f"--replications must be >= 1, got {replications}")
    if days < 1:
        raise InputError(f"--days must be >= 1, got {days}")
    if warmup_days < 0:
        raise InputError(f"--warmup-days must be >= 0, got {warmup_days}")


def _measure(task: _Task) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Simulate one replication of one scenario and reduce it to KPI figures.

    Returns the KPI row, the per-case figures (for distribution plots) and the
    mean queue length per pool and hour of day.
    """
    from analysis.kpis import case_kpis, event_times
    from simulations.engine import simulate

    sc = task.scenario
    res = simulate(
        sc.journey,
        days=task.days,
        seed=task.seed,
        warmup_days=task.warmup_days,
        replication=task.replication,
        arrivals_per_day=sc.arrivals_per_day,
    )
    log = res.log
    finished = set(res.finished_cases)
    log = log[log["case:concept:name"].isin(finished)]
    row: dict[str, Any] = {"scenario": sc.name, "replication": task.replication}
    k = case_kpis(log, journey=sc.journey)
    n = len(k)
    row["finished"] = float(n)
    row["unfinished"] = float(res.in_system)
    for col, key in (("waiting_minutes", "waiting"), ("lead_minutes", "lead")):
        x = k[col].to_numpy(dtype=float) if n else np.array([np.nan])
        scale = 60.0 if key == "waiting" else 1440.0
        row[f"{key}_median"] = float(np.nanmedian(x)) / scale if n else math.nan
        row[f"{key}_mean"] = float(np.nanmean(x)) / scale if n else math.nan
        row[f"{key}_p90"] = float(np.nanpercentile(x, 90)) / scale if n else math.nan
    for col in ("visits", "doors", "handoffs", "citizen_cost"):
        row[col] = float(k[col].mean()) if n and col in k else math.nan
    row["staff_cost"] = res.staff_cost / n if n else math.nan
    ev = event_times(log)
    present = ev[ev["odsc:citizen_present"].astype(bool)]
    w = present["waiting"].to_numpy(dtype=float)
    w = w[~np.isnan(w)]
    row["within_sla"] = float((w <= task.sla_minutes).mean()) if len(w) else math.nan
    for pool, u in res.utilisation.items():
        row[f"util:{pool}"] = float(u)
    cases = pd.DataFrame(
        {
            "scenario": sc.name,
            "replication": task.replication,
            "lead_days": k["lead_minutes"].to_numpy(dtype=float) / 1440.0,
            "waiting_hours": k["waiting_minutes"].to_numpy(dtype=float) / 60.0,
            "visits": k["visits"].to_numpy(dtype=float),
        }
    )
    queue = _queue_by_hour(res.queue_lengths)
    queue.insert(0, "replication", task.replication)
    queue.insert(0, "scenario", sc.name)
    return row, cases, queue


def _queue_by_hour(q: pd.DataFrame) -> pd.DataFrame:
    """Time-weighted mean queue length per pool and hour of day.

    ``q`` holds change points (``time``, ``pool``, ``length``): the length
    holds from each time until the pool's next change point.
    """
    if q.empty:
        return pd.DataFrame(columns=["pool", "hour", "queue"])
    q = q.sort_values(["pool", "time"], kind="stable")
    t = pd.to_datetime(q["time"], utc=True)
    nxt = t.groupby(q["pool"]).shift(-1)
    held = (nxt - t).dt.total_seconds().fillna(0.0)
    df = pd.DataFrame({"pool": q["pool"], "hour": t.dt.hour, "w": held, "lw": held * q["length"]})
    g = df.groupby(["pool", "hour"], sort=True)[["w", "lw"]].sum()
    g = g[g["w"] > 0]
    return pd.DataFrame(
        {
            "pool": g.index.get_level_values(0),
            "hour": g.index.get_level_values(1),
            "queue": (g["lw"] / g["w"]).to_numpy(),
        }
    )


@dataclass(frozen=True)
class Experiment:
    """Replications of several scenarios: one row per (scenario, replication).

    Attributes
    ----------
    runs : pandas.DataFrame
        Columns ``scenario``, ``replication`` and one column per KPI.
    cases : pandas.DataFrame
        Per finished case: ``scenario``, ``replication``, ``lead_days``,
        ``waiting_hours``, ``visits`` (for distribution plots).
    queues : pandas.DataFrame
        Mean queue length per ``scenario``, ``replication``, ``pool``, ``hour``.
    scenarios : tuple of str
        Scenario names in the order given.
    """

    runs: pd.DataFrame
    cases: pd.DataFrame
    queues: pd.DataFrame
    scenarios: tuple[str, ...]
    replications: int
    days: int
    warmup_days: int
    seed: int

    def kpis(self) -> list[str]:
        """KPI columns, in report order (known KPIs first, then utilisations)."""
        cols = [c for c in self.runs.columns if c not in ("scenario", "replication")]
        known = [c for c in KPI_LABELS if c in cols]
        return known + sorted(c for c in cols if c not in KPI_LABELS)

    def summary(self, *, level: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval of every KPI per scenario (long form)."""
        rows = []
        for sc in self.scenarios:
            part = self.runs[self.runs["scenario"] == sc]
            for kpi in self.kpis():
                m, lo, hi = _mean_ci(part[kpi].to_numpy(dtype=float), level)
                rows.append({"scenario": sc, "kpi": kpi, "mean": m, "ci_low": lo, "ci_high": hi})
        return pd.DataFrame(rows)


def _mean_ci(x: np.ndarray, level: float) -> tuple[float, float, float]:
    from scipy import stats

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
    replications, days, warmup_days : int
        Independent runs per scenario; simulated working horizon in days, of
        which the first ``warmup_days`` are not measured.
    seed : int
        The experiment's seed.
    jobs, scheduler, dask_local, progress
        Where to run; see :func:`simulations.executors.map_tasks`.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> ex = run([load_catalog("family-book-one-door")], replications=2, days=5,
    ...          warmup_days=0, seed=3, jobs=1)
    >>> ex.runs[["scenario", "replication"]].values.tolist()
    [['family-book-one-door', 0], ['family-book-one-door', 1]]
    """
    from simulations.executors import map_tasks

    _check(replications, days, warmup_days)
    scs = [s if isinstance(s, Scenario) else Scenario(s.id, s) for s in scenarios]
    names = [s.name for s in scs]
    if len(set(names)) != len(names):
        raise InputError(f"scenario names must differ, got {names}")
    tasks = [
        _Task(sc, r, days, warmup_days, seed, sla_minutes)
        for sc in scs
        for r in range(replications)
    ]
    out = map_tasks(
        _measure, tasks, jobs=jobs, scheduler=scheduler, dask_local=dask_local, progress=progress
    )
    runs = pd.DataFrame([r for r, _, _ in out])
    cases = pd.concat([c for _, c, _ in out], ignore_index=True)
    queues = pd.concat([q for _, _, q in out], ignore_index=True)
    return Experiment(runs, cases, queues, tuple(names), replications, days, warmup_days, seed)


@dataclass(frozen=True)
class Comparison:
    """A baseline against alternatives, KPI by KPI.

    Attributes
    ----------
    experiment : Experiment
        The replications behind the figures.
    table : pandas.DataFrame
        One row per (alternative, KPI): ``baseline``, ``value`` (means),
        ``diff`` (mean paired difference), ``diff_low``/``diff_high`` (its 95%
        CI), ``change`` (relative change against the baseline mean), and the
        scenarios' own CIs.
    """

    experiment: Experiment
    table: pd.DataFrame

    @property
    def baseline(self) -> str:
        """Name of the baseline scenario."""
        return self.experiment.scenarios[0]


def compare(
    baseline: Scenario | Journey,
    *alternatives: Scenario | Journey,
    level: float = 0.95,
    **options: Any,
) -> Comparison:
    """Run a baseline and alternatives with common random numbers and compare them.

    ``options`` are those of :func:`run`. Differences are paired per
    replication (alternative minus baseline), which is what makes their
    confidence intervals narrow.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> c = compare(load_catalog("family-book"), load_catalog("family-book-one-door"),
    ...             replications=3, days=10, warmup_days=0, seed=2, jobs=1)
    >>> row = c.table.set_index("kpi").loc["visits"]
    >>> bool(row["value"] < row["baseline"])
    True
    """
    if not alternatives:
        raise InputError("compare needs a baseline and at least one alternative")
    ex = run([baseline, *alternatives], **options)
    return Comparison(ex, _paired_table(ex, level))


def _paired_table(ex: Experiment, level: float) -> pd.DataFrame:
    base = ex.runs[ex.runs["scenario"] == ex.scenarios[0]].set_index("replication")
    rows = []
    for alt in ex.scenarios[1:]:
        other = ex.runs[ex.runs["scenario"] == alt].set_index("replication")
        for kpi in ex.kpis():
            b = base[kpi] if kpi in base else pd.Series(np.nan, index=base.index)
            a = other[kpi] if kpi in other else pd.Series(np.nan, index=other.index)
            bm, blo, bhi = _mean_ci(b.to_numpy(dtype=float), level)
            am, alo, ahi = _mean_ci(a.to_numpy(dtype=float), level)
            d = (a - b.reindex(a.index)).to_numpy(dtype=float)
            dm, dlo, dhi = _mean_ci(d, level)
            rows.append(
                {
                    "scenario": alt,
                    "kpi": kpi,
                    "label": KPI_LABELS.get(kpi, _util_label(kpi)),
                    "baseline": bm,
                    "baseline_low": blo,
                    "baseline_high": bhi,
                    "value": am,
                    "value_low": alo,
                    "value_high": ahi,
                    "diff": dm,
                    "diff_low": dlo,
                    "diff_high": dhi,
                    "change": dm / bm if bm not in (0, 0.0) and not math.isnan(bm) else math.nan,
                }
            )
    return pd.DataFrame(rows)


def _util_label(kpi: str) -> str:
    return f"Utilisation of {kpi.split(':', 1)[1]}" if kpi.startswith("util:") else kpi

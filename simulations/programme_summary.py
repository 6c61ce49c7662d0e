"""What a programme run says: centres ranked by the change, and the national figures.

:func:`ranking` orders the centres by the paired change of one KPI under one
scenario (:meth:`simulations.programme_run.ProgrammeResult.comparison`): the
largest improvement first, then the centres that do not change clearly, those
that get worse, and last those where the KPI is not recorded. A change is
*clear* when its 95% interval excludes 0.

:func:`national` adds the centres up, per replication, then takes the mean
and Student-t interval over replications (replication ``r`` of the nation is
the sum of the centres' replications ``r``, which are independent of each
other, so the national figures of different replications are independent
too; the before/after difference is paired by replication). Rules decided
here:

* Per-case figures (lead time, waiting, visits, citizen cost, desk services
  within the standard) are weighted by each centre's demand (arrivals a working
  day under that scenario): the figure of an average citizen of the nation.
  Medians and p90s do not add up across centres, so they are not given
  nationally (the centre rows hold them).
* Totals are a working day's demand times the per-case figure, summed:
  office visits, and days citizens spend getting the service (lead-time days).
* A centre counts for a national figure only if it records the KPI in every
  replication of every scenario, so before and after add up the same centres;
  the figure says how many do. None recording it: "not recorded" (NaN).

Examples
--------
>>> from simulations.programme import programme_from_text
>>> from simulations.programme_scenarios import scenarios_from_data
>>> from simulations.programme_run import run_programme
>>> p = programme_from_text("centres:\\n  - {id: a, journey: family-book-one-door}\\n"
...                         "  - {id: b, journey: land-title-one-door}")
>>> s = scenarios_from_data({"name": "+50%", "demand": 1.5}, source="s")
>>> r = run_programme(p, s, replications=3, days=6, warmup_days=1, tail_days=10, seed=4,
...                   jobs=1)
>>> n = national(r).set_index(["scenario", "figure"])
>>> int(n.loc[("as-is", "citizens"), "mean"]), int(n.loc[("+50%", "citizens"), "mean"])
(14, 21)
>>> ranking(r, "+50%", "lead_median")["centre"].tolist() in (["a", "b"], ["b", "a"])
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulations.programme_run import ProgrammeResult

__all__ = ["HIGHER_IS_BETTER", "NATIONAL", "national", "ranking"]

#: KPIs where a rise is an improvement (shares served within the standard).
HIGHER_IS_BETTER = frozenset({"within_sla", "desk_within_sla"})

#: National figures: (figure, KPI it is built from, label, "mean" or "total").
NATIONAL: tuple[tuple[str, str, str, str], ...] = (
    ("citizens", "", "Citizens arriving a working day, all centres", "total"),
    ("lead_mean", "lead_mean", "Lead time per case, mean (days)", "mean"),
    ("waiting_mean", "waiting_mean", "Waiting per case, mean (days)", "mean"),
    ("visits", "visits", "Visits to offices per case", "mean"),
    ("desk_within_sla", "desk_within_sla", "Desk services within the standard", "mean"),
    ("citizen_cost", "citizen_cost", "Citizen cost per case", "mean"),
    ("visits_total", "visits", "Office visits a working day, all centres", "total"),
    ("lead_days_total", "lead_mean", "Days citizens spend getting the service, per working"
     " day's applications", "total"),
)  # fmt: skip


def _clear(lo: float, hi: float, better_if_up: bool) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return "not recorded"
    if lo > 0:
        return "better" if better_if_up else "worse"
    if hi < 0:
        return "worse" if better_if_up else "better"
    return "no clear change"


def ranking(result: ProgrammeResult, scenario: str, kpi: str, *,
            level: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Centres ranked by the paired change of ``kpi`` under ``scenario`` (rules: module).

    Columns: ``rank``, ``centre``, ``name``, ``journey``, ``arrivals_per_day``,
    ``baseline``, ``baseline_low``, ``baseline_high``, ``value``, ``value_low``,
    ``value_high``, ``diff``, ``diff_low``, ``diff_high``, ``change``, ``verdict``
    (better, worse, no clear change, not recorded).
    """
    t = result.comparison(level=level)
    t = t[(t["scenario"] == scenario) & (t["kpi"] == kpi)].drop(columns=["scenario", "kpi"])
    t = result.centres[["centre", "name", "journey", "arrivals_per_day"]].merge(t, on="centre")
    up = kpi in HIGHER_IS_BETTER
    t["verdict"] = [_clear(lo, hi, up) for lo, hi in zip(t["diff_low"], t["diff_high"])]
    group = t["verdict"].map({"better": 0, "no clear change": 1, "worse": 2, "not recorded": 3})
    # best first: the largest fall (or rise, for shares), then by id for ties
    score = -t["diff"] if up else t["diff"]
    t = t.assign(_g=group, _s=score.fillna(np.inf)).sort_values(
        ["_g", "_s", "centre"], kind="mergesort").drop(columns=["_g", "_s"])  # fmt: skip
    t.insert(0, "rank", np.arange(1, len(t) + 1))
    return t.reset_index(drop=True)


def _ci(x: np.ndarray, level: float) -> tuple[float, float, float]:
    from simulations.experiments import mean_ci

    return mean_ci(x, level=level) if len(x) and not np.isnan(x).all() else (math.nan,) * 3


def national(result: ProgrammeResult, *, level: float = 0.95) -> pd.DataFrame:
    """National figures per scenario with CIs, and their paired change (rules: module).

    Columns ``scenario``, ``figure``, ``label``, ``mean``, ``ci_low``,
    ``ci_high``, ``diff``, ``diff_low``, ``diff_high`` (NaN for the baseline),
    ``centres`` (how many centres the figure adds up), ``of`` (all centres).
    """
    runs = result.runs
    ids = list(result.centres["centre"])
    reps = result.replications
    cube: dict[tuple[str, str], np.ndarray] = {}  # (scenario, kpi) -> centres x replications
    for (s, c), part in runs.groupby(["scenario", "centre"], sort=False):
        part = part.sort_values("replication")
        for kpi in {k for _, k, _, _ in NATIONAL if k}:
            cube.setdefault((s, kpi), np.full((len(ids), reps), np.nan))[ids.index(c)] = (
                part[kpi].to_numpy(dtype=float))  # fmt: skip
    w = {s: np.array([result.demand[(c, s)] for c in ids]) for s in result.scenarios}
    rows = []
    base_samples: dict[str, np.ndarray] = {}
    for s in result.scenarios:
        for fig, kpi, label, kind in NATIONAL:
            if not kpi:
                sample = np.full(reps, w[s].sum())
                n = len(ids)
            else:
                keep = np.ones(len(ids), dtype=bool)
                for s2 in result.scenarios:
                    keep &= ~np.isnan(cube[(s2, kpi)]).any(axis=1)
                n = int(keep.sum())
                x, ws = cube[(s, kpi)][keep], w[s][keep]
                if n == 0 or ws.sum() == 0:
                    sample = np.full(reps, np.nan)
                elif kind == "mean":
                    sample = (ws[:, None] * x).sum(axis=0) / ws.sum()
                else:
                    sample = (ws[:, None] * x).sum(axis=0)
            m, lo, hi = _ci(sample, level)
            if s == result.scenarios[0]:
                base_samples[fig] = sample
                d = (math.nan,) * 3
            else:
                d = _ci(sample - base_samples[fig], level)
            if not kpi:  # demand is set, not sampled: no interval
                lo = hi = math.nan
                d = (d[0], math.nan, math.nan)
            rows.append({"scenario": s, "figure": fig, "label": label, "mean": m, "ci_low": lo,
                         "ci_high": hi, "diff": d[0], "diff_low": d[1], "diff_high": d[2],
                         "centres": n, "of": len(ids)})  # fmt: skip
    return pd.DataFrame(rows)

"""Replications of every centre of a programme under every scenario, on any backend.

:func:`run_programme` makes one task per (centre, scenario, replication) and
runs them through :func:`simulations.executors.map_tasks` (this process, a
local process pool, or Dask). Rules decided here:

Seeds
    The random streams of a task are those of ``(centre seed, replication)``,
    where the centre seed is drawn by ``numpy.random.SeedSequence`` from the
    run's ``seed`` and the CRC-32 of the centre id. So a task's result depends
    only on what it is (centre, scenario journey, replication, options), never
    on the backend, the order of the tasks or which worker ran it. The scenario
    is deliberately *not* in the seed: replication ``r`` of a centre sees the
    same citizens in every scenario (common random numbers), which is what
    makes the paired before/after intervals narrow. Two centres with the same
    model still see different citizens (their ids differ).
Horizon
    Without ``days``/``tail_days``, each centre's run is fitted to its own
    journeys (:func:`simulations.horizon.fit_horizon` over its scenarios, at
    its demand): a slow service gets a longer run than a counter service.
Workers that die
    On Dask, the scheduler hands the tasks of a worker that died to another
    worker (a nanny restarts the dead one); ``retries`` re-runs a task that
    raised. The results are those of the uninterrupted run, because every task
    carries its own seed. A local process pool cannot replace a worker killed
    from outside (the run stops); with a checkpoint, running it again resumes.
Checkpoint
    With ``checkpoint=DIR`` each finished task's KPI row is written to
    ``DIR/<key>.json`` by this process as it arrives (a temporary file, then an
    atomic rename, so a killed run leaves whole files only). The key is a
    SHA-256 of everything the result depends on (the centre, scenario and
    replication, the journey as YAML text, the demand, the horizon, the seed,
    the queue standard and the package version), so a rerun with the same
    inputs skips the finished tasks and a changed input never reuses a stale
    result. JSON writes floats with the 17 digits that read back to the same
    double, so a resumed run's table equals an uninterrupted one's exactly. A
    damaged file is run again.

Examples
--------
>>> from simulations.programme import programme_from_text
>>> from simulations.programme_scenarios import scenarios_from_data
>>> p = programme_from_text("centres:\\n  - {id: a, journey: family-book-one-door}\\n"
...                         "  - {id: b, journey: land-title-one-door}")
>>> s = scenarios_from_data({"name": "+1 desk", "add_staff": {"odsc_desk": 1}}, source="s")
>>> r = run_programme(p, s, replications=2, days=6, warmup_days=1, tail_days=10, seed=4,
...                   jobs=1)
>>> r.runs[["centre", "scenario", "replication"]].values.tolist()[:3]
[['a', 'as-is', 0], ['a', 'as-is', 1], ['a', '+1 desk', 0]]
>>> len(r.runs), r.ran, r.resumed
(8, 8, 0)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from journeys.errors import InputError
from journeys.model import Journey
from simulations.programme import BASELINE, Programme
from simulations.programme_scenarios import ProgrammeScenario, materialise

__all__ = ["KPIS", "ProgrammeResult", "centre_seed", "run_programme"]

#: The KPIs a programme run keeps per task (:mod:`simulations.experiments`), plus
#: ``util_max``, the utilisation of the centre's busiest pool.
KPIS: tuple[str, ...] = (
    "lead_median", "lead_mean", "lead_p90", "waiting_median", "waiting_mean", "waiting_p90",
    "visits", "doors", "handoffs", "citizen_cost", "staff_cost", "within_sla",
    "desk_within_sla", "desk_queue", "cases", "unfinished", "util_max",
)  # fmt: skip
_FORMAT = 1  # of the checkpoint files


def centre_seed(seed: int, centre_id: str) -> int:
    """The seed of a centre's streams, from the run's seed and the centre id.

    Examples
    --------
    >>> centre_seed(1, "vte-01") == centre_seed(1, "vte-01") != centre_seed(1, "vte-02")
    True
    """
    ss = np.random.SeedSequence([int(seed), zlib.crc32(centre_id.encode("utf-8"))])
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class _Task:
    centre: str
    scenario: str
    replication: int
    journey: Journey
    arrivals_per_day: float
    days: int
    warmup_days: int
    tail_days: int
    seed: int
    sla_minutes: float


def _run_task(task: _Task) -> dict[str, Any]:
    """One replication of one centre under one scenario: its KPI row (module level: pickles)."""
    from simulations.measures import measure_replication

    row, _, _ = measure_replication(
        task.journey, name=task.scenario, replication=task.replication, days=task.days,
        warmup_days=task.warmup_days, tail_days=task.tail_days, seed=task.seed,
        sla_minutes=task.sla_minutes, arrivals_per_day=task.arrivals_per_day,
    )  # fmt: skip
    utils = [float(v) for k, v in row.items() if k.startswith("util:") and not math.isnan(v)]
    out: dict[str, Any] = {"centre": task.centre, "scenario": task.scenario,
                           "replication": task.replication}  # fmt: skip
    for k in KPIS[:-1]:
        out[k] = float(row[k])
    out["util_max"] = max(utils) if utils else math.nan
    return out


def _key(task: _Task, texts: dict[int, str]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("odsc-journeys")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        v = "source"
    spec = {"format": _FORMAT, "version": v, "centre": task.centre, "scenario": task.scenario,
            "replication": task.replication, "journey": texts[id(task.journey)],
            "arrivals_per_day": repr(task.arrivals_per_day), "days": task.days,
            "warmup_days": task.warmup_days, "tail_days": task.tail_days, "seed": task.seed,
            "sla_minutes": repr(task.sla_minutes)}  # fmt: skip
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()[:40]


def _load(path: Path, task: _Task) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        row = data["row"]
        ok = (row["centre"], row["scenario"], row["replication"]) == (
            task.centre, task.scenario, task.replication)  # fmt: skip
        return row if ok and list(row)[3:] == list(KPIS) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save(folder: Path, key: str, row: dict[str, Any]) -> None:
    text = json.dumps({"format": _FORMAT, "row": row})
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, folder / f"{key}.json")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ProgrammeResult:
    """Every task's KPIs, and what they say per centre and nationally.

    Attributes
    ----------
    runs : pandas.DataFrame
        The tidy table: ``centre``, ``scenario``, ``replication`` and one column
        per KPI of :data:`KPIS`, one row per task, in task order (centres in
        manifest order, then scenarios, then replications). NaN is "not
        recorded" (e.g. visits of a model that records no presence).
    centres : pandas.DataFrame
        Per centre: ``centre``, ``name``, ``journey``, ``arrivals_per_day``,
        ``days``, ``tail_days``.
    scenarios : tuple of str
        The baseline (``"as-is"``) first.
    demand : dict
        ``(centre, scenario) -> arrivals a working day``.
    ran, resumed : int
        Tasks run now, and tasks read back from the checkpoint.
    described : dict
        Scenario name -> what it changes, in words.
    """

    programme: Programme
    runs: pd.DataFrame
    centres: pd.DataFrame
    scenarios: tuple[str, ...]
    demand: dict[tuple[str, str], float]
    replications: int
    warmup_days: int
    seed: int
    sla_minutes: float
    ran: int
    resumed: int
    checkpoint: str | None = None
    described: dict[str, str] | None = None

    def _experiment(self, centre: str) -> Any:
        from simulations.experiments import Experiment

        runs = self.runs[self.runs["centre"] == centre].drop(columns="centre")
        return Experiment(runs, pd.DataFrame(), pd.DataFrame(), self.scenarios,
                          self.replications, 1, 0, self.seed,
                          sla_minutes=self.sla_minutes)  # fmt: skip

    def summary(self, *, level: float = 0.95) -> pd.DataFrame:
        """Per centre, scenario and KPI: the mean over replications and its CI.

        The columns of :meth:`simulations.experiments.Experiment.summary` with
        ``centre`` first.
        """
        parts = []
        for cid in self.centres["centre"]:
            t = self._experiment(cid).summary(level=level)
            t.insert(0, "centre", cid)
            parts.append(t)
        return pd.concat(parts, ignore_index=True)

    def comparison(self, *, level: float = 0.95) -> pd.DataFrame:
        """Per centre and alternative scenario, every KPI against the baseline (paired).

        The columns of :attr:`simulations.experiments.Comparison.table` with
        ``centre`` first.
        """
        from simulations.experiments import paired_comparison

        parts = []
        for cid in self.centres["centre"]:
            t = paired_comparison(self._experiment(cid), level=level).table
            t.insert(0, "centre", cid)
            parts.append(t)
        return pd.concat(parts, ignore_index=True)


def _horizons(programme: Programme, plan: dict[tuple[str, str], tuple[Journey, float]],
              scenarios: Sequence[str], days: int | None, warmup_days: int,
              tail_days: int | None, max_days: int | None) -> dict[str, tuple[int, int]]:  # fmt: skip
    from simulations.horizon import MAX_DAYS, fit_horizon

    out = {}
    for c in programme.centres:
        d, t = days, tail_days
        if d is None or t is None:
            js = [plan[(c.id, s)][0] for s in scenarios]
            rate = min(plan[(c.id, s)][1] for s in scenarios)
            h = fit_horizon(js, warmup_days=warmup_days, arrivals_per_day=rate or None,
                            max_days=max_days or MAX_DAYS)  # fmt: skip
            d = h.days if d is None else d
            t = h.tail_days if t is None else t
        if warmup_days >= d:
            raise InputError(f"centre {c.id}: warmup_days ({warmup_days}) must be less than"
                             f" days ({d})")  # fmt: skip
        out[c.id] = (int(d), int(t))
    return out


def run_programme(
    programme: Programme,
    scenarios: Sequence[ProgrammeScenario],
    *,
    replications: int = 10,
    days: int | None = None,
    warmup_days: int = 5,
    tail_days: int | None = None,
    max_days: int | None = None,
    seed: int = 1,
    sla_minutes: float = 15.0,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
    checkpoint: str | os.PathLike[str] | None = None,
    retries: int = 2,
    max_citizens: float | None = None,
) -> ProgrammeResult:
    """Run every centre under the baseline and every scenario (rules: module docstring).

    Parameters
    ----------
    programme : Programme
        The centres (:func:`simulations.programme.read_programme`).
    scenarios : sequence of ProgrammeScenario
        The changes to test; the as-is baseline is always run first.
    replications : int
        Runs per centre and scenario, ``>= 1``.
    days, tail_days : int, optional
        Working days of arrivals and of tail, the same for every centre; fitted
        per centre when not given.
    warmup_days, seed, sla_minutes
        As in :func:`simulations.experiments.run`.
    max_days : int, optional
        Cap of the fitted horizon.
    jobs, scheduler, dask_local, progress
        Where to run (:func:`simulations.executors.map_tasks`).
    checkpoint : path, optional
        Folder of finished tasks' results, created if missing; a rerun skips them.
    retries : int
        On Dask, times a task that raised is run again.
    max_citizens : float, optional
        Refuse (before any run) a centre and scenario whose run would bring
        more citizens than this (days of arrivals and of tail times demand).

    Returns
    -------
    ProgrammeResult
    """
    from simulations.executors import map_tasks
    from simulations.experiments import _check

    _check(replications, days or warmup_days + 1, warmup_days, tail_days or 0)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names) or BASELINE in names:
        raise InputError(f"scenario names must differ and not be {BASELINE!r}, got {names}")
    plan = materialise(programme, scenarios)
    order = (BASELINE, *names)
    horizon = _horizons(programme, plan, order, days, warmup_days, tail_days, max_days)
    tasks = []
    for c in programme.centres:
        cs = centre_seed(seed, c.id)
        d, t = horizon[c.id]
        for s in order:
            j, rate = plan[(c.id, s)]
            if max_citizens is not None and (d + t) * rate > max_citizens:
                raise InputError(f"centre {c.id}, scenario {s}: {d} + {t} working days at"
                                 f" {rate:,.1f} citizens a day is about {(d + t) * rate:,.0f}"
                                 f" citizens in one run (limit {max_citizens:,.0f})")  # fmt: skip
            tasks += [_Task(c.id, s, r, j, float(rate), d, warmup_days, t, cs, float(sla_minutes))
                      for r in range(replications)]  # fmt: skip
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    folder = None
    keys: list[str] = []
    if checkpoint is not None:
        from journeys.io import dumps

        folder = Path(checkpoint)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"{checkpoint}: cannot create the checkpoint folder"
                             f" ({e.strerror or e})") from None  # fmt: skip
        if not os.access(folder, os.W_OK):
            raise InputError(f"{checkpoint}: the checkpoint folder is not writable")
        texts = {id(j): dumps(j) for j, _ in plan.values()}
        keys = [_key(t, texts) for t in tasks]
        for i, (t, k) in enumerate(zip(tasks, keys)):
            f = folder / f"{k}.json"
            if f.is_file():
                rows[i] = _load(f, t)
    todo = [i for i, r in enumerate(rows) if r is None]

    def done(k: int, row: dict[str, Any]) -> None:
        if folder is not None:
            _save(folder, keys[todo[k]], row)

    out = map_tasks(_run_task, [tasks[i] for i in todo], jobs=jobs, scheduler=scheduler,
                    dask_local=dask_local, progress=progress, desc="centre-replications",
                    on_result=done if folder is not None else None, retries=retries)  # fmt: skip
    for i, row in zip(todo, out):
        rows[i] = row
    centres = pd.DataFrame({
        "centre": [c.id for c in programme.centres],
        "name": [c.name for c in programme.centres],
        "journey": [c.journey.id for c in programme.centres],
        "arrivals_per_day": [c.arrivals_per_day for c in programme.centres],
        "days": [horizon[c.id][0] for c in programme.centres],
        "tail_days": [horizon[c.id][1] for c in programme.centres],
    })  # fmt: skip
    return ProgrammeResult(
        programme=programme, runs=pd.DataFrame(rows), centres=centres, scenarios=order,
        demand={k: float(v[1]) for k, v in plan.items()}, replications=replications,
        warmup_days=warmup_days, seed=seed, sla_minutes=float(sla_minutes),
        ran=len(todo), resumed=len(tasks) - len(todo),
        checkpoint=str(folder) if folder is not None else None,
        described={BASELINE: "each centre's model as the manifest names it",
                   **{s.name: s.describe() for s in scenarios}},
    )  # fmt: skip

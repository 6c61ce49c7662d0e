"""The demo: the project's whole loop on the built-in business-licence example.

``odsc demo`` (what ``make demo`` runs) goes the way a reform team would with
a real centre, on a log it makes itself so that it runs anywhere:

1. **Observe.** The catalogue's as-is business licence (four offices, five
   visits) is simulated for :data:`OBSERVED_DAYS` working days with the seed;
   the cases that began in that time and finished make the "observed" event
   log, with the columns a centre's case system would export (no step ids,
   no visit numbers).
2. **Mine** the log (:func:`analysis.mining.mine`): bottlenecks, silo
   handoffs, ranked findings.
3. **Calibrate** an as-is model from the log alone
   (:func:`analysis.calibrate.calibrate`) and check that it reproduces the log
   (:func:`analysis.fidelity.fidelity`, replaying the log's case starts).
4. **Redesign**: the one-door changes the findings call for
   (:func:`analysis.recommend.recommend`), each with its reason.
5. **Compare** the calibrated as-is and the redesign over replications with
   common random numbers (:func:`simulations.experiments.compare`).
6. **Report**: one self-contained HTML file (findings, fidelity, the
   redesign, the two blueprints side by side, the before/after TCV table and
   plots), the observed log, both journeys as YAML, and a terminal summary.

Everything random follows ``seed``: the same seed gives the same files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.fidelity import Fidelity
    from analysis.mining import MiningResult
    from analysis.recommend import Recommendation
    from journeys.model import Journey
    from simulations.experiments import Comparison

__all__ = ["AS_IS", "OBSERVED_DAYS", "DemoResult", "demo_pipeline", "observed_log", "run_demo"]

#: The catalogue journey the observed log is generated from.
AS_IS = "business-licence"
#: Working days on which the observed log's citizens arrive.
OBSERVED_DAYS = 40
#: Working days after them that let the observed cases finish.
_TAIL_DAYS = 40
#: Columns of the observed log: what a centre's case system exports.
_EXPORT = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "start_timestamp",
    "org:resource",
    "org:group",
    "odsc:door",
    "odsc:citizen_present",
)


@dataclass(frozen=True)
class DemoResult:
    """Everything the demo computed, for the report and the summary.

    Attributes
    ----------
    reference : Journey
        The catalogue journey the observed log was generated from.
    log : pandas.DataFrame
        The observed log.
    mining : MiningResult
    as_is : Journey
        The model calibrated from the log.
    fidelity : Fidelity
        How well ``as_is`` reproduces the log.
    recommendation : Recommendation
        The redesign and its reasons.
    comparison : Comparison
        ``as_is`` against the redesign.
    seed : int
    """

    reference: Journey
    log: pd.DataFrame
    mining: MiningResult
    as_is: Journey
    fidelity: Fidelity
    recommendation: Recommendation
    comparison: Comparison
    seed: int

    @property
    def to_be(self) -> Journey:
        """The redesigned journey."""
        return self.recommendation.journey


def observed_log(journey: Journey, *, days: int = OBSERVED_DAYS, seed: int = 1) -> pd.DataFrame:
    """A synthetic "observed" export: the finished cases that began in ``days`` working days.

    Citizens keep arriving for :data:`_TAIL_DAYS` more days (so the desks stay
    as busy as before) while the observed cases finish; only the observed
    cases are kept, with the columns of :data:`_EXPORT`.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> log = observed_log(load_catalog("land-title-one-door"), days=3, seed=1)
    >>> list(log.columns[:3]), "odsc:step" in log.columns
    (['case:concept:name', 'concept:name', 'time:timestamp'], False)
    """
    from simulations.engine import simulate
    from simulations.measures import arrival_cutoff

    res = simulate(journey, days=days + _TAIL_DAYS, seed=seed)
    cases = res.cases
    keep = cases.loc[(cases["arrival"] < arrival_cutoff(journey, days)) & cases["finished"]]
    log = res.log[res.log["case:concept:name"].isin(keep["case:concept:name"])]
    log = log.loc[:, [c for c in _EXPORT if c in log.columns]].reset_index(drop=True)
    # a case system exports the names people use, not the journey file's ids
    names = {
        "org:group": {a.id: a.name or a.id for a in journey.agencies},
        "odsc:door": {d.id: d.name or d.id for d in journey.doors},
    }
    for col, mapping in names.items():
        if col in log.columns:
            log[col] = log[col].map(lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v)
    return log


def demo_pipeline(
    *,
    seed: int = 1,
    days: int = OBSERVED_DAYS,
    replications: int = 20,
    sim_days: int = 60,
    jobs: int | None = None,
    progress: bool = False,
) -> DemoResult:
    """Observe, mine, calibrate, redesign and compare (steps 1 to 5 of the module).

    Parameters
    ----------
    seed : int
        Seed of the observed log, the fidelity check and the comparison.
    days : int
        Working days of the observed log.
    replications, sim_days : int
        Replications and arrival days of the comparison.
    jobs : int, optional
        Processes for the comparison (default: one per core).
    progress : bool
        Show a progress bar over the replications.

    Examples
    --------
    >>> r = demo_pipeline(seed=3, days=10, replications=2, sim_days=8, jobs=1)
    >>> r.reference.metrics().visits > 4, r.to_be.metrics().visits
    (True, 2.0)
    """
    from analysis.calibrate import boundary_steps, calibrate
    from analysis.fidelity import fidelity
    from analysis.mining import mine
    from analysis.recommend import recommend
    from journeys.catalog import load_catalog
    from simulations.experiments import compare
    from simulations.measures import replay_log

    reference = load_catalog(AS_IS)
    log = observed_log(reference, days=days, seed=seed)
    mining = mine(log)
    as_is = calibrate(
        log,
        name="Business licence (as-is, calibrated from the centre's log)",
        journey_id="business-licence-as-is",
    )
    replayed, _ = replay_log(as_is, log, seed=seed)
    fit = fidelity(log, replayed, exclude=boundary_steps(as_is))
    rec = recommend(as_is, mining.findings)
    comparison = compare(
        as_is,
        rec.journey,
        replications=replications,
        days=sim_days,
        seed=seed,
        jobs=jobs,
        progress=progress,
    )
    return DemoResult(reference, log, mining, as_is, fit, rec, comparison, seed)


def _summary(r: DemoResult, files: list[Path]) -> Iterator[str]:
    """The terminal summary: a few lines, the figures a planner asks for first."""
    from analysis.findings import format_minutes

    s = r.mining.summary
    yield (
        f"Observed log: {int(s['cases']):,} cases, {int(s['events']):,} events of the "
        f"catalogue's '{r.reference.name}' (simulated, seed {r.seed})."
    )
    yield (
        f"Mined: median lead time {format_minutes(s['lead_minutes_median'])}, "
        f"{s['visits_mean']:.1f} visits a case, {100 * s['handoff_delay_share']:.0f}% of lead "
        "time in handoffs. Top findings:"
    )
    for f in r.mining.findings[:3]:
        yield f"  - {f.text}"
    ok = "meets" if r.fidelity.passed() else "misses"
    yield (
        f"Calibrated as-is model {ok} the fidelity targets: median case duration "
        f"{100 * r.fidelity.lead_median_error:+.0f}%, p90 {100 * r.fidelity.lead_p90_error:+.0f}%, "
        f"2-gram distance {r.fidelity.ngram_2:.3f}."
    )
    yield "Redesign chosen from the findings:"
    for reason in r.recommendation.reasons:
        yield "  - " + reason.split(", because")[0].split(". ")[0].rstrip(".") + "."
    t = r.comparison.table.set_index("kpi")
    ex = r.comparison.experiment
    yield f"Simulated before -> after ({ex.replications} replications, 95% CI of the change):"
    rows = []
    for kpi, what in (
        ("lead_median", "median lead time (days)"),
        ("visits", "visits per case"),
        ("desk_within_sla", "desk services within 15 min (every visit)"),
        ("within_sla", "served within 15 min at the first desk"),
    ):
        if kpi not in t.index:
            continue
        row = t.loc[kpi]
        if kpi in ("within_sla", "desk_within_sla"):
            a, b = f"{100 * row['baseline']:.0f}%", f"{100 * row['value']:.0f}%"
            ci = f"{100 * row['diff_low']:+.0f} to {100 * row['diff_high']:+.0f} pts"
        else:
            a, b = f"{row['baseline']:.1f}", f"{row['value']:.1f}"
            ci = f"{row['diff_low']:+.1f} to {row['diff_high']:+.1f}"
        rows.append((what, a, b, ci))
    from tabulate import tabulate

    table = tabulate(
        rows,
        headers=("", "before", "after", "change (95% CI)"),
        tablefmt="simple",
        colalign=("left", "right", "right", "right"),
        disable_numparse=True,
    )
    for line in table.splitlines():
        yield "  " + line
    from odsc.conclusions import change_conclusions
    from odsc.report_compare import comparison_rows

    worse = change_conclusions(comparison_rows(r.comparison), ex.scenarios[1])["worse"]
    yield "Got worse: " + ("; ".join(worse) if worse else "nothing significant") + "."
    yield "Wrote: " + ", ".join(str(p) for p in files)


def run_demo(
    out_dir: str | Path,
    *,
    seed: int = 1,
    replications: int = 20,
    jobs: int | None = None,
    progress: bool = False,
) -> Iterator[str]:
    """Run the demo into ``out_dir``; yields the terminal summary line by line.

    Writes ``report.html``, ``observed_log.csv``, ``as_is.yaml`` (the
    calibrated model) and ``to_be.yaml`` (the redesign), each atomically, only
    after everything has been computed.

    Raises
    ------
    journeys.errors.InputError
        For a negative seed or fewer than 2 replications (nothing is written).
    """
    from journeys.errors import InputError
    from journeys.io import dumps
    from odsc.files import write_atomic
    from odsc.report_demo import render_demo

    if seed < 0:
        raise InputError(f"demo: the seed must be >= 0, got {seed}")
    if replications < 2:
        raise InputError(f"demo: at least 2 replications are needed, got {replications}")
    r = demo_pipeline(seed=seed, replications=replications, jobs=jobs, progress=progress)
    out = Path(out_dir)
    outputs = {
        "report.html": render_demo(r),
        "observed_log.csv": r.log.to_csv(index=False),
        "as_is.yaml": dumps(r.as_is),
        "to_be.yaml": dumps(r.to_be),
    }
    files = [write_atomic(out / name, text.encode("utf-8")) for name, text in outputs.items()]
    yield from _summary(r, files)

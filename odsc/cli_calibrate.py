"""``odsc calibrate`` and ``odsc validate``: an as-is model from a log, and its fidelity.

``odsc calibrate LOG -o as_is.yaml`` reads an event log, calls
:func:`analysis.calibrate.calibrate` and writes the journey file atomically
(after checking that it validates), printing the calibration notes.
``odsc validate MODEL LOG`` simulates the model, replaying the log's own case
starts, over a few replications pooled into one simulated log, and prints
:func:`analysis.fidelity.fidelity` with a plain verdict against the targets
(median and 90th-percentile case duration within 25%, 2-gram distance below
0.2). Input errors print one line and exit with status 2; nothing is written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from odsc.cli_common import log_column_options, user_errors
from odsc.filter_options import log_filter_options

__all__ = ["COMMANDS", "calibrate", "validate_model"]


def _read(path: Path, columns: dict[str, Any]) -> Any:
    """Read the log and apply the filter options (printing what each one kept)."""
    from analysis.filters import apply_filters
    from analysis.logs import read_log
    from analysis.ocel import case_log_source
    from odsc.filter_options import filters_from_options
    from odsc.inputs import check_log_file
    from odsc.limits import check_log_size

    columns = dict(columns)
    filters = filters_from_options(columns, columns=columns)
    source, flattened = case_log_source(path, columns.pop("object_type", None))
    given = {k: v for k, v in columns.items() if v}
    given["missing"] = columns.get("missing") or ("EMPTY",)
    check_log_file(path)
    if flattened:
        click.echo(flattened, err=True)
    frame = read_log(source, **given)
    check_log_size(frame, path.name, activity=given.get("activity"))
    frame, kept = apply_filters(frame, filters, tz=given.get("tz"), name=path.name)
    for step in kept:
        click.echo(step.text(), err=True)
    return frame


@click.command("calibrate")
@click.argument("log", type=click.Path(path_type=Path))
@log_column_options()
@log_filter_options()
@click.option("--name", metavar="TEXT", help="Name of the journey [from the log's file name].")
@click.option("--id", "journey_id", metavar="ID", help="Id of the journey [from the name].")
@click.option(
    "--period",
    "periods",
    metavar="DATE",
    multiple=True,
    help="A date (YYYY-MM-DD) from which the centre worked differently (repeatable).",
)
@click.option(
    "--carrier",
    type=click.Choice(["digital", "courier", "citizen"]),
    default="digital",
    show_default=True,
    help="Carrier of handoffs between agencies (logs do not say).",
)
@click.option(
    "--citizen-steps",
    metavar="A,B,...",
    default=None,
    help="Activities that need the citizen in person (comma-separated names): they get a"
    " door of their agency, and --one-door can bring them to one front desk.",
)
@click.option(
    "--present",
    "present",
    metavar="COLUMN[=VALUE]",
    default=None,
    help="A true/false column saying the citizen was there, or a rule such as"
    " case:channel=Desk (for a case attribute, the case's first event).",
)
@click.option(
    "--processing-quantile",
    type=float,
    default=0.1,
    show_default=True,
    help="Logs without start times: the quantile of the times into a step taken as its work"
    " time (capped at 30 minutes); higher gives slower fast cases.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Journey file (YAML) to write.",
)
@user_errors
def calibrate(
    log: Path,
    name: str | None,
    journey_id: str | None,
    periods: tuple[str, ...],
    carrier: str,
    processing_quantile: float,
    citizen_steps: str | None,
    present: str | None,
    output: Path,
    **columns: Any,
) -> None:
    """Calibrate an as-is journey model from the event log LOG.

    Steps come from the activities, routing and rework from directly-follows
    counts, durations and handoff delays from fitted distributions, desks,
    opening hours and arrivals from when and by whom work was done. The notes
    printed say what had to be approximated.

    Example: odsc calibrate receipt.csv --agency org:group -o as_is.yaml
    """
    from analysis.calibrate import calibrate as calibrate_log
    from analysis.calibrate import calibration_notes
    from analysis.calibration_input import CalibrationError
    from journeys.errors import InputError, JourneyError
    from journeys.io import dumps
    from journeys.validate import validate
    from odsc.files import check_output, write_atomic

    rule = present if present is not None and "=" in present else None
    if present is not None and rule is None:
        columns = {**columns, "present": present}

    check_output(output, {".yaml": "yaml", ".yml": "yaml"}, inputs=[log])
    frame = _read(log, columns)
    steps = tuple(s.strip() for s in (citizen_steps or "").split(",") if s.strip())
    if citizen_steps is not None and not steps:
        raise InputError(f"{log.name}: --citizen-steps: give activity names, e.g. 'Submit form'")
    try:
        journey = _calibrated(calibrate_log, frame, log, name, journey_id, periods, carrier,
                              processing_quantile, steps, rule)  # fmt: skip
    except CalibrationError as e:
        text = str(e)
        for option, flag in _FLAGS.items():
            text = text.replace(f"option {option}", flag)
        raise InputError(f"{log.name}: {text}") from None
    problems = validate(journey)
    if problems:  # a calibrated model that does not validate is a bug: say so, write nothing
        raise RuntimeError(str(JourneyError(problems, source=str(output))))
    write_atomic(output, dumps(journey).encode("utf-8"))
    click.echo(
        f"{journey.name}: {len(journey.steps)} steps, {len(journey.transitions)} transitions, "
        f"{len(journey.pools)} desk pools"
    )
    for note in calibration_notes(journey):
        click.echo(f"- {note}")
    click.echo(f"wrote {output}", err=True)


# library option names in calibration errors, as the command's flags
_FLAGS = {
    "citizen_steps": "--citizen-steps",
    "present": "--present",
    "periods": "--period",
    "processing_quantile": "--processing-quantile",
}


def _calibrated(
    calibrate_log: Any,
    frame: Any,
    log: Path,
    name: str | None,
    journey_id: str | None,
    periods: tuple[str, ...],
    carrier: str,
    processing_quantile: float,
    steps: tuple[str, ...],
    rule: str | None,
) -> Any:
    from analysis.log_sources import resolve_source

    # a file's name (a log or an OCEL file); a folder's for a folder or a pattern
    stem = log.name.split(".")[0] if log.is_file() else resolve_source(log).title
    return calibrate_log(
        frame,
        name=name or f"{stem} (as-is, calibrated)",
        journey_id=journey_id or f"{stem}-as-is".lower().replace("_", "-").replace(" ", "-"),
        periods=periods,
        handoff_carrier=carrier,
        processing_quantile=processing_quantile,
        citizen_steps=steps,
        present_rule=rule,
    )


@click.command("validate")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("log", type=click.Path(path_type=Path))
@log_column_options()
@log_filter_options()
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Seed of the first replication."
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Simulated runs pooled into one log (the noise of one run is large).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@user_errors
def validate_model(
    model: Path, log: Path, seed: int, replications: int, as_json: bool, **columns: Any
) -> None:
    """Simulate MODEL with the case starts of LOG and measure how well it reproduces LOG.

    Prints cycle-time, arrival and weekly-rhythm distances, 2-gram and 3-gram
    distances of the activity sequences, and the relative errors of the
    median and 90th-percentile case duration, of the 90th-percentile waiting
    and of visits, with a verdict against the targets (durations within 25%,
    2-gram distance below 0.2).

    Example: odsc validate as_is.yaml receipt.csv --agency org:group
    """
    from analysis.calibrate import boundary_steps
    from analysis.fidelity import fidelity
    from analysis.timezones import local_log, log_zone
    from journeys.errors import InputError
    from journeys.io import load
    from odsc.limits import MAX_REPLICATIONS, check_citizens
    from simulations.measures import replay_log

    if seed < 0:
        raise InputError(f"--seed must be >= 0, got {seed}")
    if replications > MAX_REPLICATIONS:
        raise InputError(f"--replications must be at most {MAX_REPLICATIONS:,}, got {replications}")
    journey = load(model)
    real = _read(log, columns)
    real = local_log(real, log_zone(real, columns.get("tz")))  # the model's clock

    cases = real["case:concept:name"].nunique()
    check_citizens(
        cases * replications, f"{log.name}: {cases:,} cases x {replications} replications"
    )
    simulated, unfinished = replay_log(journey, real, seed=seed, replications=replications)
    if simulated.empty:
        raise InputError(_nothing_finished(journey, model.name, real, unfinished))
    result = fidelity(real, simulated, exclude=boundary_steps(journey))
    if as_json:
        out = {k: (None if isinstance(v, float) and math.isnan(v) else v)
               for k, v in result.to_dict().items()}  # fmt: skip
        out |= {"replications": replications, "seed": seed, "unfinished_cases": unfinished}
        out["targets_met"] = result.passed()
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(_format(result, journey.name, log.name, replications, unfinished))


def _nothing_finished(journey: Any, model: str, real: Any, unfinished: int) -> str:
    """Why a replay finished no case: the pools whose work exceeds their desks, if any."""
    from analysis.calibration_runs import offered_load
    from analysis.schema import CASE

    load = offered_load(journey)
    over = [
        f"{p.id} {load[p.id]:.1f} desks' worth of work for {p.capacity} desks"
        for p in journey.pools
        if load[p.id] >= p.capacity
    ]
    why = (
        "its desks cannot carry the work: " + "; ".join(over)
        if over
        else "its cases take longer than the run (the log's span, its longest case and 60 days)"
    )
    n = real[CASE].nunique()
    return (
        f"{model}: none of the {n:,} replayed cases finished ({unfinished:,} open at the end "
        f"over all replications): {why}"
    )


def _format(result: Any, model: str, log: str, replications: int, unfinished: int) -> str:
    """The figures as a plain-text table a planner reads, and the verdict."""

    def hours(minutes: float) -> str:
        if math.isnan(minutes):
            return "n/a"
        if minutes >= 2 * 1440:
            return f"{minutes / 1440:,.1f} days"
        return f"{minutes:,.0f} min" if minutes < 120 else f"{minutes / 60:,.1f} h"

    def pct(x: float) -> str:
        return "n/a" if math.isnan(x) else f"{x:+.0%}"

    f = result
    lines = [
        f"Fidelity of {model} against {log}",
        f"  {f.cases_real:,} real cases, {f.cases_simulated:,} simulated "
        f"({replications} replications replaying the real case starts"
        + (f"; {unfinished:,} unfinished, left out)" if unfinished else ")"),
        f"  times measured from {'start' if f.basis == 'start' else 'completion'} timestamps",
        "",
        f"  {'measure':<34}{'real':>14}{'simulated':>14}{'error':>9}",
        f"  {'median case duration':<34}{hours(f.lead_median_real):>14}"
        f"{hours(f.lead_median_simulated):>14}{pct(f.lead_median_error):>9}",
        f"  {'90th percentile case duration':<34}{hours(f.lead_p90_real):>14}"
        f"{hours(f.lead_p90_simulated):>14}{pct(f.lead_p90_error):>9}",
        f"  {'90th percentile waiting per case':<34}{hours(f.waiting_p90_real):>14}"
        f"{hours(f.waiting_p90_simulated):>14}{pct(f.waiting_p90_error):>9}",
        f"  {'visits per case':<34}{_num(f.visits_real):>14}{_num(f.visits_simulated):>14}"
        f"{pct(f.visits_error):>9}",
        "",
        f"  cycle-time distance (Wasserstein)   {f.cycle_time_hours:,.1f} h"
        f" ({_num(f.cycle_time_relative)} x the real median)",
        f"  arrival distance (Wasserstein)      {f.arrival_hours:,.2f} h",
        f"  weekly rhythm distance (circadian)  {f.circadian_hours:,.2f} h",
        f"  2-gram distance                     {f.ngram_2:.3f}",
        f"  3-gram distance                     {f.ngram_3:.3f}",
        "",
    ]
    for row in f.checks().itertuples():
        mark = "met" if row.met else "NOT met"
        value = f"{row.value:.3f}" if "gram" in row.measure else pct(row.value)
        lines.append(f"  target {row.measure.split(' (')[0]} {row.target}: {value}, {mark}")
    verdict = (
        "the model reproduces the log on every target"
        if f.passed()
        else "the model does not reproduce the log on every target"
    )
    lines += ["", f"Verdict: {verdict}."]
    return "\n".join(lines)


def _num(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.2f}"


COMMANDS = [calibrate, validate_model]

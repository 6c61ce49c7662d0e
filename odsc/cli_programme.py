"""``odsc programme``: every centre of a national programme, before and after, at once.

Thin: read the manifest and the scenarios (:mod:`simulations.programme`), call
:func:`simulations.programme_run.run_programme`, print the national figures
and the ranked centres, write the report (:mod:`odsc.report_programme`).
Input errors (a bad manifest field, scenario, option, checkpoint folder or
output) print one line naming the file, the centre or scenario and the field,
and exit with status 2, writing nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from odsc.cli_common import user_errors
from odsc.cli_simulate import _backend_options, _check_whole

__all__ = ["COMMANDS", "programme"]

_REPORT_TYPES = {".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


@click.command()
@click.argument("manifest", metavar="MANIFEST")
@click.option("--scenario", "scenario_files", multiple=True, metavar="FILE",
              help="Redesigns to test in every centre (YAML; repeatable).")  # fmt: skip
@click.option("--to-be", "to_be", is_flag=True,
              help="Test each centre's own to_be journey from the manifest [the default"
                   " without --scenario].")  # fmt: skip
@click.option("--replications", type=int, default=10, show_default=True)
@click.option("--days", type=int, default=None,
              help="Working days of arrivals, every centre [fitted per centre].")  # fmt: skip
@click.option("--warmup-days", type=int, default=5, show_default=True)
@click.option("--tail-days", type=int, default=None,
              help="Working days of tail, every centre [fitted per centre].")  # fmt: skip
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--sla", type=float, default=15.0, show_default=True, help="Queue standard, minutes.")
@click.option("--rank-by", default="lead_median", show_default=True, metavar="KPI",
              help="KPI whose change ranks the centres (lead_median, visits, desk_within_sla,"
                   " ...).")  # fmt: skip
@_backend_options
@click.option("--checkpoint", default=None, metavar="DIR",
              help="Keep each finished run in DIR; a rerun skips them (resume after a crash).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Report: .html, .csv (one row per centre, scenario and replication) or .json.")  # fmt: skip
@user_errors
def programme(manifest: str, scenario_files: tuple[str, ...], to_be: bool, replications: int,
              days: int | None, warmup_days: int, tail_days: int | None, seed: int, sla: float,
              rank_by: str, jobs: int | None, scheduler: str | None, dask_local: int | None,
              checkpoint: str | None, output: str | None) -> None:  # fmt: skip
    """Simulate every centre of MANIFEST as-is and under each scenario; rank the centres.

    MANIFEST (centres.yaml or .csv) names each centre's model: a catalogue
    journey or a journey file (e.g. from odsc calibrate), with its own demand
    and desks. Each centre runs as-is and under every redesign of --scenario
    files, or its own to_be journey (--to-be), with the same citizens in every
    scenario. Prints the national figures and the centres ranked by the change
    of --rank-by; -o writes the report.
    """
    from journeys.errors import InputError
    from odsc.cli_common import check_number
    from odsc.files import check_output, write_atomic
    from odsc.limits import MAX_CITIZENS, MAX_DAYS, MAX_JOBS, MAX_REPLICATIONS
    from odsc.report_programme import RANK_KPIS, programme_text, render_programme
    from simulations.programme import read_programme
    from simulations.programme_run import run_programme
    from simulations.programme_scenarios import ProgrammeScenario, read_scenarios

    fmt = None
    if output is not None:
        fmt = check_output(output, _REPORT_TYPES, inputs=[manifest, *scenario_files])
    _check_whole("--replications", replications, 2, MAX_REPLICATIONS)
    _check_whole("--days", days, 1, MAX_DAYS)
    _check_whole("--warmup-days", warmup_days, 0, MAX_DAYS)
    _check_whole("--tail-days", tail_days, 0, MAX_DAYS)
    _check_whole("--seed", seed, 0)
    _check_whole("--jobs", jobs, 1, MAX_JOBS)
    _check_whole("--dask-local", dask_local, 1, MAX_JOBS)
    check_number("--sla", sla, low=0)
    if rank_by not in RANK_KPIS:
        raise InputError(f"--rank-by: unknown KPI {rank_by!r} (known: {', '.join(RANK_KPIS)})")
    if days is not None and warmup_days >= days:
        raise InputError(f"--warmup-days ({warmup_days}) must be less than --days ({days})")
    if checkpoint is not None and Path(checkpoint).exists() and not Path(checkpoint).is_dir():
        raise InputError(f"--checkpoint {checkpoint}: is a file; give a folder")
    prog = read_programme(manifest)
    scenarios = [s for f in scenario_files for s in read_scenarios(f)]
    if to_be or not scenario_files:
        missing = [c.id for c in prog.centres if c.to_be is None]
        if missing:
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            at = f"none at {', '.join(missing[:5])}{more}"
            if to_be:
                raise InputError(f"{prog.source}: --to-be needs a to_be journey at every centre;"
                                 f" {at}")  # fmt: skip
            raise InputError(f"{prog.source}: nothing to compare: no --scenario, and not every"
                             f" centre names a to_be journey ({at}); give --scenario FILE")  # fmt: skip
        scenarios.append(ProgrammeScenario("to-be", to_be=True, source=prog.source))
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError(f"scenario names must differ across --scenario files, got {names}")
    result = run_programme(
        prog, scenarios, replications=replications, days=days, warmup_days=warmup_days,
        tail_days=tail_days, seed=seed, sla_minutes=sla, jobs=jobs, scheduler=scheduler,
        dask_local=dask_local, progress=sys.stderr.isatty(), checkpoint=checkpoint,
        max_citizens=MAX_CITIZENS,
    )  # fmt: skip
    if checkpoint is not None:
        click.echo(f"checkpoint {checkpoint}: {result.resumed:,} of"
                   f" {result.resumed + result.ran:,} runs read back, {result.ran:,} run now",
                   err=True)  # fmt: skip
    click.echo(programme_text(result, rank_by=rank_by, top=None if output is None else 10))
    if output is not None:
        write_atomic(Path(output), render_programme(result, fmt=fmt or "html",
                                                    rank_by=rank_by).encode("utf-8"))  # fmt: skip
        click.echo(f"wrote {output}")


COMMANDS = [programme]

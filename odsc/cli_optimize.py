"""``odsc optimize`` and ``odsc sweep``: how many desks it takes, and how far a design holds.

Thin commands: parse the options, call :func:`simulations.optimize.optimize_staffing`
or :func:`simulations.sweep.sweep`, print a table, write the report. Input
errors (a standard that does not parse, a bad target, journey, range or output)
print one line and exit with status 2, writing nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from odsc.cli_common import user_errors
from odsc.cli_simulate import _backend_options, _check_whole

__all__ = ["COMMANDS", "optimize", "sweep"]

_REPORT_TYPES = {".html": "html", ".htm": "html", ".json": "json"}


def _output(output: str | None, inputs: list[str]) -> str | None:
    from journeys.errors import InputError
    from odsc.files import check_output

    if output is None:
        return None
    if Path(output).suffix.lower() not in _REPORT_TYPES:
        raise InputError(
            f"{output}: unsupported report type {Path(output).suffix!r} (use .html or .json)"
        )
    return check_output(output, _REPORT_TYPES, inputs=inputs)


def _run_options(replications: int, days, warmup_days: int, tail_days, seed: int, jobs,
                 dask_local) -> None:  # fmt: skip
    from odsc.limits import MAX_DAYS, MAX_JOBS, MAX_REPLICATIONS

    _check_whole("--replications", replications, 2, MAX_REPLICATIONS)
    _check_whole("--days", days, 1, MAX_DAYS)
    _check_whole("--warmup-days", warmup_days, 0, MAX_DAYS)
    _check_whole("--tail-days", tail_days, 0, MAX_DAYS)
    _check_whole("--seed", seed, 0)
    _check_whole("--jobs", jobs, 1, MAX_JOBS)
    _check_whole("--dask-local", dask_local, 1, MAX_JOBS)


@click.command()
@click.argument("spec", metavar="JOURNEY")
@click.option("--standard", default="85% within 15 min", show_default=True,
              help="Queue standard at every citizen-facing desk.")  # fmt: skip
@click.option("--lead-time", default=None, metavar="TARGET",
              help='Lead-time target, e.g. "90% within 20 days" [none].')  # fmt: skip
@click.option("--desk-cost", type=float, default=None, metavar="COST",
              help="Cost of a desk-hour for pools without cost_per_hour [the pools' own].")  # fmt: skip
@click.option("--hours", multiple=True, metavar="HOURS",
              help='An opening-hours plan to try, e.g. "07:30-12:00,13:00-17:00" (repeatable).')  # fmt: skip
@click.option("--replications", type=int, default=10, show_default=True)
@click.option("--days", type=int, default=None, help="Working days of arrivals [fitted].")
@click.option("--warmup-days", type=int, default=5, show_default=True)
@click.option("--tail-days", type=int, default=None, help="Working days of tail [fitted].")
@click.option("--seed", type=int, default=1, show_default=True)
@_backend_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Report: .html (with the trade-off plot) or .json.")  # fmt: skip
@user_errors
def optimize(spec: str, standard: str, lead_time: str | None, desk_cost: float | None,
             hours: tuple[str, ...], replications: int, days: int | None, warmup_days: int,
             tail_days: int | None, seed: int, jobs: int | None, scheduler: str | None,
             dask_local: int | None, output: str | None) -> None:  # fmt: skip
    """The fewest desks per pool (and opening hours) that meet a queue standard, at least cost.

    Starts from Erlang C bounds per pool and simulates few candidates with common
    random numbers; prints the chosen staffing, its cost and KPIs with 95% CIs.
    JOURNEY is a journey YAML file or a catalogue name.
    """
    from journeys.catalog import resolve
    from odsc.cli_common import check_number
    from odsc.files import write_atomic
    from odsc.report_optimize import render_staffing, staffing_text
    from simulations.optimize import optimize_staffing
    from simulations.probes import parse_standard

    fmt = _output(output, [spec])
    std = parse_standard(standard, option="--standard")
    lead = parse_standard(lead_time, option="--lead-time") if lead_time is not None else None
    check_number("--desk-cost", desk_cost, low=0, low_open=True)
    plans = [tuple(x.strip() for x in h.split(",")) for h in hours]
    _run_options(replications, days, warmup_days, tail_days, seed, jobs, dask_local)
    j = resolve(spec)
    plan = optimize_staffing(
        j, standard=std, lead_target=lead, desk_cost=desk_cost, hours=plans,
        replications=replications, days=days, warmup_days=warmup_days, tail_days=tail_days,
        seed=seed, jobs=jobs, scheduler=scheduler, dask_local=dask_local,
    )  # fmt: skip
    click.echo(f"{j.name} ({j.id})")
    click.echo(staffing_text(plan), nl=False)
    if output is not None:
        body = render_staffing(plan, journey_name=j.name, fmt=fmt or "html")
        write_atomic(Path(output), body.encode("utf-8"))
        click.echo(f"wrote {output}")
    if plan.chosen is None:
        sys.exit(0)


COMMANDS = [optimize]

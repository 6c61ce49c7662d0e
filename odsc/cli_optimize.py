"""``odsc optimize`` and ``odsc sweep``: how many desks it takes, and how far a design holds.

Thin commands: parse the options, call :func:`simulations.optimize.optimize_staffing`
or :func:`simulations.sweep.sweep`, print a table, write the report. Input
errors (a standard that does not parse, a bad target, journey, range or output)
print one line and exit with status 2, writing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from odsc.cli_common import user_errors
from odsc.cli_simulate import _backend_options, _check_whole

__all__ = ["COMMANDS", "optimize", "sweep"]

_REPORT_TYPES = {".html": "html", ".htm": "html", ".json": "json"}


def _run_settings(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The replications, horizon, seed and back-end options optimize and sweep share."""
    fn = _backend_options(fn)
    for option in reversed(
        (
            click.option("--replications", type=int, default=10, show_default=True),
            click.option(
                "--days", type=int, default=None, help="Working days of arrivals [fitted]."
            ),
            click.option("--warmup-days", type=int, default=5, show_default=True),
            click.option(
                "--tail-days", type=int, default=None, help="Working days of tail [fitted]."
            ),
            click.option("--seed", type=int, default=1, show_default=True),
        )
    ):
        fn = option(fn)
    return fn


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


def _measurable(spec: str, journey, std, lead) -> None:  # type: ignore[no-untyped-def]
    """Refuse, naming the file, a journey where neither target can be measured."""
    from journeys.errors import InputError
    from simulations.probes import facing_pools

    if journey.pools and not facing_pools(journey) and lead is None:
        raise InputError(
            f"{spec}: no step needs the citizen at a desk (citizen_present), so the queue"
            f" standard {std.text!r} has nothing to measure; give --lead-time, or mark the"
            " citizen-facing steps (odsc calibrate --citizen-steps)"
        )


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
@_run_settings
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
    _measurable(spec, j, std, lead)
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


@click.command()
@click.argument("specs", nargs=-1, required=True, metavar="JOURNEY [REDESIGN...]")
@click.option("--arrivals", default=None, metavar="RANGE",
              help="Demand as multiples of each design's own, e.g. 1x:2x:0.25x.")  # fmt: skip
@click.option("--desks", default=None, metavar="POOL=RANGE",
              help="Desks of one pool, e.g. odsc_desk=6:2.")  # fmt: skip
@click.option("--courier", default=None, metavar="RANGE",
              help="Courier runs a working day on every courier handoff, e.g. 1:4.")  # fmt: skip
@click.option("--standard", default="85% within 15 min", show_default=True,
              help="Queue standard at every citizen-facing desk.")  # fmt: skip
@click.option("--lead-time", default=None, metavar="TARGET",
              help='Lead-time target, e.g. "90% within 20 days" [none].')  # fmt: skip
@_run_settings
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Report: .html (one plot per KPI) or .json.")  # fmt: skip
@user_errors
def sweep(specs: tuple[str, ...], arrivals: str | None, desks: str | None, courier: str | None,
          standard: str, lead_time: str | None, replications: int, days: int | None,
          warmup_days: int, tail_days: int | None, seed: int, jobs: int | None,
          scheduler: str | None, dask_local: int | None, output: str | None) -> None:  # fmt: skip
    """KPIs with 95% CIs of each design as demand, desks or courier runs change.

    Prints a table per point and where each design stops meeting the standard
    ("holds up to 1.5x today's demand"); -o writes an HTML report with one plot
    per KPI, or JSON. Sweep one of --arrivals, --desks, --courier.
    """
    from journeys.catalog import resolve
    from journeys.errors import InputError
    from odsc.files import write_atomic
    from odsc.report_sweep import render_sweep, sweep_text
    from simulations.probes import parse_standard
    from simulations.sweep import parse_range
    from simulations.sweep import sweep as run_sweep

    fmt = _output(output, list(specs))
    given = [o for o, v in (("--arrivals", arrivals), ("--desks", desks), ("--courier", courier))
             if v is not None]  # fmt: skip
    if len(given) != 1:
        raise InputError("sweep one variable: give exactly one of --arrivals, --desks, --courier"
                         + (f" (got {', '.join(given)})" if given else ""))  # fmt: skip
    std = parse_standard(standard, option="--standard")
    lead = parse_standard(lead_time, option="--lead-time") if lead_time is not None else None
    kw: dict = {}
    if arrivals is not None:
        kw["arrivals"] = parse_range(arrivals, option="--arrivals")
    elif desks is not None:
        pool, eq, rng = desks.partition("=")
        if not eq or not pool.strip():
            raise InputError(f"--desks: {desks!r}: write POOL=RANGE, e.g. odsc_desk=6:2")
        kw["desks"] = (pool.strip(), parse_range(rng, option="--desks", whole=True))
    else:
        kw["courier"] = parse_range(courier, option="--courier", whole=True)
    _run_options(replications, days, warmup_days, tail_days, seed, jobs, dask_local)
    if arrivals is not None:
        from odsc.limits import MAX_ARRIVALS_PER_DAY

        js = [resolve(s) for s in specs]
        for j in js:
            top = j.arrivals.per_day * max(kw["arrivals"])
            if top > MAX_ARRIVALS_PER_DAY:
                raise InputError(f"--arrivals: {j.id}: {top:,.0f} citizens a day is above"
                                 f" {MAX_ARRIVALS_PER_DAY:,}")  # fmt: skip
    else:
        js = [resolve(s) for s in specs]
    sw = run_sweep(js, standard=std, lead_target=lead, replications=replications, days=days,
                   warmup_days=warmup_days, tail_days=tail_days, seed=seed, jobs=jobs,
                   scheduler=scheduler, dask_local=dask_local, **kw)  # fmt: skip
    click.echo(sweep_text(sw), nl=False)
    if output is not None:
        write_atomic(Path(output), render_sweep(sw, fmt=fmt or "html").encode("utf-8"))
        click.echo(f"wrote {output}")


COMMANDS = [optimize, sweep]

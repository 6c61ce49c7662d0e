"""``odsc simulate`` and ``odsc compare``: simulate journeys, compare before and after.

Both commands are thin: they parse the options, call
:func:`simulations.engine.simulate` or :func:`simulations.experiments.compare`,
and write the output atomically. Input errors (a bad journey, days, number of
replications, scheduler address, output type) print one line and exit with
status 2; nothing is written then, and an existing output file is left as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from odsc.cli_common import user_errors

__all__ = ["COMMANDS", "compare", "simulate"]

_LOG_TYPES = (".csv", ".parquet")
_REPORT_TYPES = {".html": "html", ".htm": "html", ".md": "md", ".json": "json"}


def _backend_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--dask-local",
        type=int,
        default=None,
        metavar="N",
        help="Run on an in-process Dask LocalCluster with N worker processes.",
    )(f)
    f = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Run on an existing Dask cluster (tcp://host:port); its workers need this package.",
    )(f)
    f = click.option(
        "--jobs", type=int, default=None, metavar="N", help="Local worker processes [all CPUs]."
    )(f)
    return f


def _check_whole(option: str, value: int | None, low: int, high: int | None = None) -> None:
    from odsc.cli_common import check_number

    check_number(option, value, low=low, high=high, why=_WHY.get(option, ""))


_WHY = {
    "--days": "about ten years of working days",
    "--warmup-days": "about ten years of working days",
    "--tail-days": "about ten years of working days",
    "--jobs": "more than a machine has cores",
    "--dask-local": "more than a machine has cores",
}


def _check_run(journeys: list[Any], days: int, per_day: float | None, what: str) -> None:
    """Refuse a run bringing too many citizens (days times arrivals a day)."""
    from odsc.limits import check_citizens

    for j in journeys:
        rate = j.arrivals.per_day if per_day is None else per_day
        check_citizens(days * rate, f"{j.id}: {what} at {rate:g} citizens a day")


@click.command()
@click.argument("spec", metavar="JOURNEY")
@click.option("--days", type=int, default=60, show_default=True, help="Working days of arrivals.")
@click.option("--warmup-days", type=int, default=0, show_default=True, help="Days not logged.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of every random stream.")
@click.option("--replication", type=int, default=0, show_default=True, help="Replication number.")
@click.option(
    "--arrivals-per-day", type=float, default=None, help="New citizens per day [the journey's]."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Event log to write: .parquet or .csv (the canonical schema).",
)
@user_errors
def simulate(
    spec: str,
    days: int,
    warmup_days: int,
    seed: int,
    replication: int,
    arrivals_per_day: float | None,
    output: str,
) -> None:
    """Simulate a journey and write its event log (same seed, same bytes).

    JOURNEY is a journey YAML file or a catalogue name. The log holds the cases
    that arrived after the warm-up, finished or not, with the citizen's arrival
    in odsc:arrival.
    """
    from journeys.catalog import resolve
    from journeys.errors import InputError
    from odsc.cli_common import check_number
    from odsc.files import check_output, write_atomic
    from odsc.limits import MAX_ARRIVALS_PER_DAY, MAX_DAYS
    from simulations.engine import simulate as run_simulation
    from simulations.measures import log_with_arrivals

    out = Path(output)
    if out.suffix.lower() not in _LOG_TYPES:
        raise InputError(f"{output}: unsupported log type {out.suffix!r} (use .parquet or .csv)")
    check_output(out, {t: t for t in _LOG_TYPES}, inputs=[spec])
    _check_whole("--days", days, 1, MAX_DAYS)
    _check_whole("--warmup-days", warmup_days, 0, MAX_DAYS)
    _check_whole("--seed", seed, 0)
    _check_whole("--replication", replication, 0)
    check_number(
        "--arrivals-per-day", arrivals_per_day, low=0, low_open=True, high=MAX_ARRIVALS_PER_DAY
    )
    j = resolve(spec)
    _check_run([j], days, arrivals_per_day, f"--days {days}")
    res = run_simulation(
        j,
        days=days,
        seed=seed,
        warmup_days=warmup_days,
        replication=replication,
        arrivals_per_day=arrivals_per_day,
    )
    log = log_with_arrivals(res)
    if out.suffix.lower() == ".csv":
        data = log.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode("utf-8")
    else:
        import io

        buf = io.BytesIO()
        log.to_parquet(buf, index=False)
        data = buf.getvalue()
    write_atomic(out, data)
    click.echo(
        f"wrote {out}: {len(log):,} events of {log['case:concept:name'].nunique():,} cases "
        f"({res.arrived:,} arrived, {res.finished:,} finished, {res.in_system:,} still open "
        f"at the end, {res.warmup_arrived:,} in the warm-up and not logged)"
    )


@click.command()
@click.argument("specs", nargs=-1, required=True, metavar="AS_IS TO_BE [MORE...]")
@click.option("--replications", type=int, default=20, show_default=True)
@click.option(
    "--days",
    type=int,
    default=None,
    help="Working days of arrivals [enough for 30 measured cases a replication, at least 60].",
)
@click.option("--warmup-days", type=int, default=5, show_default=True, help="Days not measured.")
@click.option(
    "--tail-days",
    type=int,
    default=None,
    help="Working days the run goes on so that measured cases can finish [from the"
    " journeys' 99th-percentile lead time, at least 40].",
)
@click.option(
    "--max-days",
    type=int,
    default=None,
    help="Cap of the fitted --days and --tail-days [1500 working days].",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--arrivals-per-day", type=float, default=None, help="Same demand for every journey.")
@click.option("--sla", type=float, default=15.0, show_default=True, help="Queue standard, minutes.")
@_backend_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "json"]),
    default=None,
    help="Report format [from the -o suffix]; md or json without -o prints it.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report file: .html, .md or .json (the extension decides the format).",
)
@user_errors
def compare(
    specs: tuple[str, ...],
    replications: int,
    days: int | None,
    warmup_days: int,
    tail_days: int | None,
    max_days: int | None,
    seed: int,
    arrivals_per_day: float | None,
    sla: float,
    jobs: int | None,
    scheduler: str | None,
    dask_local: int | None,
    fmt: str | None,
    output: str | None,
) -> None:
    """Compare an as-is journey with redesigns over replications (common random numbers).

    Prints a before/after table with 95% confidence intervals; with -o writes a
    report (HTML with plots and blueprints, Markdown or JSON). Journeys are YAML
    files or catalogue names. Without --days and --tail-days the run is fitted
    to the service (see simulations.horizon): slow services get a longer run.
    """
    from journeys.catalog import resolve
    from journeys.errors import InputError
    from odsc.cli_common import check_number
    from odsc.files import check_output, write_atomic
    from odsc.limits import MAX_ARRIVALS_PER_DAY, MAX_DAYS, MAX_JOBS, MAX_REPLICATIONS
    from odsc.report_compare import comparison_table_text, render_comparison
    from simulations.experiments import Scenario
    from simulations.experiments import compare as run_compare

    if len(specs) < 2:
        raise InputError("compare needs AS_IS and at least one TO_BE journey")
    if output is not None:
        if Path(output).suffix.lower() not in _REPORT_TYPES:
            raise InputError(
                f"{output}: unsupported report type {Path(output).suffix!r} "
                "(use .html, .md or .json)"
            )
        kind = check_output(output, _REPORT_TYPES, inputs=specs)
        if fmt is not None and fmt != kind:
            raise InputError(f"{output}: --format {fmt} but the extension means {kind}")
        fmt = kind
    if output is None and fmt == "html":
        raise InputError("--format html needs -o FILE")
    _check_whole("--replications", replications, 1, MAX_REPLICATIONS)
    _check_whole("--days", days, 1, MAX_DAYS)
    _check_whole("--warmup-days", warmup_days, 0, MAX_DAYS)
    _check_whole("--tail-days", tail_days, 0, MAX_DAYS)
    _check_whole("--max-days", max_days, 1, MAX_DAYS)
    _check_whole("--seed", seed, 0)
    _check_whole("--jobs", jobs, 1, MAX_JOBS)
    _check_whole("--dask-local", dask_local, 1, MAX_JOBS)
    if arrivals_per_day is not None and not arrivals_per_day >= 0:
        raise InputError(f"--arrivals-per-day must be >= 0, got {arrivals_per_day}")
    check_number(
        "--arrivals-per-day", arrivals_per_day, low=0, low_open=True, high=MAX_ARRIVALS_PER_DAY
    )
    if not sla >= 0:
        raise InputError(f"--sla must be >= 0 minutes, got {sla}")
    check_number("--sla", sla, low=0)
    journeys = [resolve(s) for s in specs]
    scenarios = [Scenario(j.id, j, arrivals_per_day) for j in journeys]
    if len({s.name for s in scenarios}) != len(scenarios):
        raise InputError("give each journey once (their ids must differ)")
    if days is None or tail_days is None:
        from simulations.horizon import MAX_DAYS as FITTED_CAP
        from simulations.horizon import fit_horizon

        h = fit_horizon(journeys, warmup_days=warmup_days, arrivals_per_day=arrivals_per_day,
                        max_days=max_days or FITTED_CAP)  # fmt: skip
        days = h.days if days is None else days
        tail_days = h.tail_days if tail_days is None else tail_days
        if h.capped:
            click.echo(
                f"note: the fitted run is held at --max-days {max_days or FITTED_CAP} working days"
                f" (the journeys' 99th-percentile lead time without queues is"
                f" {h.lead_quantile_days:,.0f} days); some cases may stay open",
                err=True,
            )
    if warmup_days >= days:
        raise InputError(f"--warmup-days ({warmup_days}) must be less than --days ({days})")
    _check_run(
        journeys, days + tail_days, arrivals_per_day, f"--days {days} + --tail-days {tail_days}"
    )
    result = run_compare(
        *scenarios,
        replications=replications,
        days=days,
        warmup_days=warmup_days,
        tail_days=tail_days,
        seed=seed,
        sla_minutes=sla,
        jobs=jobs,
        scheduler=scheduler,
        dask_local=dask_local,
        progress=sys.stderr.isatty(),
    )
    if output is None and fmt in ("md", "json"):
        click.echo(render_comparison(result, journeys, fmt=fmt), nl=False)
        return
    click.echo(comparison_table_text(result, journeys))
    if output is not None:
        body = render_comparison(result, journeys, fmt=fmt or "html")
        write_atomic(Path(output), body.encode("utf-8"))
        click.echo(f"wrote {output}")


COMMANDS = [simulate, compare]

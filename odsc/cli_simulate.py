"""``odsc simulate`` and ``odsc compare``: simulate journeys, compare before and after."""

from __future__ import annotations

from pathlib import Path

import click

from odsc.cli import user_errors

__all__ = ["COMMANDS", "compare", "simulate"]


def _backend_options(f):  # type: ignore[no-untyped-def]
    f = click.option(
        "--dask-local",
        type=int,
        default=None,
        help="Run on an in-process Dask LocalCluster with N worker processes.",
    )(f)
    f = click.option(
        "--scheduler", default=None, help="Address of an existing Dask scheduler (tcp://host:port)."
    )(f)
    f = click.option(
        "--jobs", type=int, default=None, help="Local worker processes (default: all CPUs)."
    )(f)
    return f


@click.command()
@click.argument("spec", metavar="JOURNEY")
@click.option("--days", type=int, default=60, show_default=True, help="Working days to simulate.")
@click.option("--warmup-days", type=int, default=0, show_default=True, help="Days not measured.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of every random stream.")
@click.option("--replication", type=int, default=0, show_default=True, help="Replication number.")
@click.option("--arrivals-per-day", type=float, default=None, help="Override the daily demand.")
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

    JOURNEY is a journey YAML file or a catalogue name.
    """
    from simulations.engine import simulate as run_simulation

    from journeys.catalog import resolve
    from journeys.errors import InputError
    from odsc.files import write_atomic

    out = Path(output)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise InputError(f"{output}: unsupported log type (use .parquet or .csv)")
    if arrivals_per_day is not None and arrivals_per_day < 0:
        raise InputError(f"--arrivals-per-day must be >= 0, got {arrivals_per_day}")
    j = resolve(spec)
    res = run_simulation(
        j,
        days=days,
        seed=seed,
        warmup_days=warmup_days,
        replication=replication,
        arrivals_per_day=arrivals_per_day,
    )
    log = res.log
    if out.suffix.lower() == ".csv":
        write_atomic(out, log.to_csv(index=False).encode("utf-8"))
    else:
        import io

        buf = io.BytesIO()
        log.to_parquet(buf, index=False)
        write_atomic(out, buf.getvalue())
    click.echo(
        f"wrote {out}: {len(log):,} events, {log['case:concept:name'].nunique():,} cases "
        f"({res.arrived:,} arrived, {res.finished:,} finished, {res.in_system:,} still open)"
    )


@click.command()
@click.argument("specs", nargs=-1, required=True, metavar="AS_IS TO_BE [MORE...]")
@click.option("--replications", type=int, default=20, show_default=True)
@click.option("--days", type=int, default=60, show_default=True, help="Working days per run.")
@click.option("--warmup-days", type=int, default=5, show_default=True, help="Days not measured.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--arrivals-per-day", type=float, default=None, help="Same demand for every journey.")
@click.option("--sla", type=float, default=15.0, show_default=True, help="Queue standard, minutes.")
@_backend_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "json"]),
    default=None,
    help="Report format (default: from the -o suffix, else html).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Report file.")
@user_errors
def compare(
    specs: tuple[str, ...],
    replications: int,
    days: int,
    warmup_days: int,
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
    report (HTML with plots, Markdown or JSON). Journeys are files or catalogue names.
    """
    import sys

    from journeys.catalog import resolve
    from journeys.errors import InputError
    from odsc.files import write_atomic
    from odsc.report_compare import comparison_table_text, render_comparison
    from simulations.experiments import Scenario
    from simulations.experiments import compare as run_compare

    if len(specs) < 2:
        raise InputError("compare needs AS_IS and at least one TO_BE journey")
    if output is not None and fmt is None:
        fmt = {".md": "md", ".json": "json"}.get(Path(output).suffix.lower(), "html")
    if arrivals_per_day is not None and arrivals_per_day < 0:
        raise InputError(f"--arrivals-per-day must be >= 0, got {arrivals_per_day}")
    journeys = [resolve(s) for s in specs]
    scenarios = [Scenario(j.id, j, arrivals_per_day) for j in journeys]
    if len({s.name for s in scenarios}) != len(scenarios):
        raise InputError("give each journey once (their ids must differ)")
    result = run_compare(
        *scenarios,
        replications=replications,
        days=days,
        warmup_days=warmup_days,
        seed=seed,
        sla_minutes=sla,
        jobs=jobs,
        scheduler=scheduler,
        dask_local=dask_local,
        progress=sys.stderr.isatty(),
    )
    click.echo(comparison_table_text(result))
    if output is not None:
        body = render_comparison(result, journeys, fmt=fmt or "html")
        write_atomic(Path(output), body.encode("utf-8"))
        click.echo(f"wrote {output}")


COMMANDS = [simulate, compare]

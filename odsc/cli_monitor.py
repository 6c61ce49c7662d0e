"""``odsc monitor``: indicators per centre and period, charters and citizen feedback.

The command is thin: it checks the options, calls
:func:`odsc.report_monitor.monitor_report` and writes the file atomically. The
output's extension decides the format: ``.html`` (the report), ``.csv`` (the
tidy table) or ``.json``. Input errors print one line each and exit with
status 2; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path

import click

from odsc.cli_common import log_column_options, user_errors
from odsc.scale_options import engine_option, scale_options

__all__ = ["COMMANDS", "FORMATS", "monitor"]

#: Output file extensions and the format each one means.
FORMATS = {".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


@click.command("monitor")
@click.argument("log", type=click.Path(path_type=Path))
@log_column_options(door=True)
@click.option("--by", metavar="COL", help="Column naming the centre (case or event attribute).")
@click.option(
    "--every",
    type=click.Choice(["week", "month", "quarter"]),
    default="month",
    show_default=True,
    help="Length of a period.",
)
@click.option(
    "--journey",
    "journey_spec",
    metavar="J",
    help="Journey (catalogue name or YAML file): presence, fees and its service charter.",
)
@click.option(
    "--feedback",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="SURVEY",
    help="Citizen survey CSV (case or centre+date, rating 1-5 or emotion -2..+2, step, comment).",
)
@click.option(
    "--min-cases",
    type=int,
    default=10,
    show_default=True,
    help="Periods with fewer cases are marked, not plotted.",
)
@click.option("--sla", type=float, default=15, show_default=True, help="Queue standard, minutes.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@engine_option
@scale_options
@click.option("--show-ids", is_flag=True, help="Show case ids as in the log.")
@click.option("--key", metavar="SECRET", help="Key of the pseudonyms [random per run].")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write: .html, .csv or .json.",
)
@user_errors
def monitor(
    log: Path,
    case: str | None,
    activity: str | None,
    timestamp: str | None,
    start: str | None,
    resource: str | None,
    agency: str | None,
    door: str | None,
    tz: str | None,
    missing: tuple[str, ...],
    strict: bool,
    by: str | None,
    every: str,
    journey_spec: str | None,
    feedback: Path | None,
    min_cases: int,
    sla: float,
    seed: int,
    engine: str,
    scheduler: str | None,
    dask_local: int | None,
    buckets: int | None,
    worker_memory: str | None,
    show_ids: bool,
    key: str | None,
    output: Path,
) -> None:
    """Follow centres period by period in the event log LOG (CSV, XES, Parquet, a folder).

    Per centre and period: cases, median and p90 lead time, visits, handoffs,
    the queue standard and the share within the service charter; the centres
    that moved most, with a bootstrap interval; with --feedback, satisfaction
    by centre and step and how ratings follow visits and lead time.

    A folder or glob of Parquet files written by odsc convert is measured out
    of core on the scale engine (--engine auto; the same figures), on a Dask
    cluster with --dask-local N or --scheduler ADDRESS; --journey, --feedback
    and the column options need --engine pandas.

    Example: odsc monitor log.csv --by centre --journey business-licence
    --feedback survey.csv -o monitor.html
    """
    from journeys.errors import InputError
    from odsc.cli_common import check_number
    from odsc.files import check_output, write_atomic
    from odsc.inputs import check_log_file
    from odsc.report_monitor import monitor_report, monitor_source_report
    from odsc.scale_options import (
        check_scale,
        choose_engine,
        dask_given,
        pandas_only_columns,
        scale_parts,
    )

    fmt = check_output(output, FORMATS, inputs=[log, journey_spec, feedback])
    check_number("--sla", sla, low=0, low_open=True)
    check_number("--min-cases", min_cases, low=1)
    if feedback is not None and not feedback.is_file():
        raise InputError(f"{feedback}: --feedback: no such file")
    dask = {"scheduler": scheduler, "dask_local": dask_local, "buckets": buckets,
            "worker_memory": worker_memory}  # fmt: skip
    check_scale(**dask)
    if tz is not None:
        _check_tz(tz)
    columns = {"case": case, "activity": activity, "timestamp": timestamp, "start": start,
               "resource": resource, "agency": agency, "door": door}  # fmt: skip
    refused = pandas_only_columns(columns)
    refused += [o for o, on in (("--journey", journey_spec), ("--feedback", feedback),
                                ("--strict", strict)) if on]  # fmt: skip
    if missing and tuple(missing) != ("EMPTY",):
        refused.append("--missing " + " ".join(missing))
    if choose_engine(log, engine, pandas_only=refused, dask=dask_given(**dask)) == "scale":
        with scale_parts(**dask) as parts:
            text = monitor_source_report(log, fmt=fmt, by=by, every=every, min_cases=min_cases,
                                         sla_minutes=sla, tz=tz, seed=seed, show_ids=show_ids,
                                         key=key, parts=parts)  # fmt: skip
        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {output} (scale engine)", err=True)
        return
    check_log_file(log)
    journey = None
    if journey_spec:
        from journeys.catalog import resolve

        journey = resolve(journey_spec)
    text = monitor_report(
        log,
        fmt=fmt,
        by=by,
        every=every,
        journey=journey,
        feedback=feedback,
        min_cases=min_cases,
        sla_minutes=sla,
        tz=tz,
        seed=seed,
        show_ids=show_ids,
        key=key,
        read_options={
            "case": case,
            "activity": activity,
            "timestamp": timestamp,
            "start": start,
            "resource": resource,
            "agency": agency,
            "door": door,
            "missing": missing or ("EMPTY",),
            "strict": strict,
        },
    )
    write_atomic(output, text.encode("utf-8"))
    click.echo(f"wrote {output}", err=True)


def _check_tz(tz: str) -> None:
    import zoneinfo

    from journeys.errors import InputError

    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"--tz: unknown time zone {tz!r} (use an IANA name such as Asia/Vientiane)"
        ) from None


COMMANDS = [monitor]

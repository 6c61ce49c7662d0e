"""``odsc mine``: turn an event log into a bottleneck and silo-handoff report.

The command is thin: it parses the options, calls
:func:`odsc.report_mine.mine_report` and writes the file atomically. Input
errors print one line and exit with status 2, and then nothing is written.
The output's extension decides the format (:data:`FORMATS`); ``--format``,
when given, must agree with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from odsc.cli_common import log_column_options, user_errors
from odsc.filter_options import log_filter_options
from odsc.scale_options import scale_options

__all__ = ["COMMANDS", "FORMATS", "mine"]

#: Report file extensions and the format each one means.
FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".json": "json"}
_FORMATS = ("html", "md", "json")


@click.command("mine")
@click.argument("log", type=click.Path(path_type=Path))
@log_column_options(
    door=True,
    tz_help="Time zone of naive timestamps and of the weekly profile, e.g. Asia/Vientiane.",
)
@click.option(
    "--journey",
    "journey_spec",
    metavar="J",
    help="Journey (catalogue name or YAML file) the service should follow.",
)
@click.option("--by", metavar="COL", help="Compare groups, e.g. centre or case:channel.")
@click.option(
    "--sla",
    type=float,
    default=15,
    show_default=True,
    help="Queue standard in minutes.",
)
@click.option(
    "--feedback",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="SURVEY",
    help="Citizen survey CSV: adds satisfaction and comments (see odsc monitor).",
)
@log_filter_options()
@click.option(
    "--before-after",
    metavar="DATE",
    help="A reform date: every KPI of the cases started before it and on or after it, "
    "with 95% bootstrap intervals.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the --before-after bootstrap."
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "pandas", "scale"]),
    default="auto",
    show_default=True,
    help="pandas reads the log into memory; scale mines Parquet written by odsc convert "
    "out of core, without the five causes of waits (auto: scale for a converted folder, "
    "glob or large file, when no option needs pandas).",
)
@scale_options
@click.option("--show-ids", is_flag=True, help="Show case ids and staff names as in the log.")
@click.option(
    "--key",
    metavar="SECRET",
    help="Key of the pseudonyms (same key, same pseudonyms) [random per run].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    default=None,
    help="Report format; must agree with the output's extension [from the extension].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Report file to write: .html, .md or .json.",
)
@user_errors
def mine(
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
    journey_spec: str | None,
    by: str | None,
    sla: float,
    feedback: Path | None,
    show_ids: bool,
    key: str | None,
    fmt: str | None,
    output: Path,
    before_after: str | None,
    seed: int,
    object_type: str | None,
    engine: str,
    scheduler: str | None,
    dask_local: int | None,
    buckets: int | None,
    worker_memory: str | None,
    **filter_values: object,
) -> None:
    """Mine the event log LOG (CSV, XES, Parquet, OCEL 2.0, or a Parquet folder) into a report.

    The report shows where citizens wait, the handoffs between agencies, the
    process map, variants and weekly profiles, with ranked findings. Case ids
    and staff names are pseudonymised unless --show-ids.

    Filters (--from/--to, --where, --variants, --min-case-events) keep whole
    cases and say how many they kept; OCEL 2.0 files need --object-type.

    --engine scale mines Parquet written by odsc convert (a folder, a glob or a
    file) out of core: the log is never loaded whole; options that need the
    whole log in memory (--journey, --feedback, --before-after, filters, column
    options) are then refused, and under --engine auto they choose pandas.

    Example: odsc mine receipt.csv --agency org:group -o report.html
    """
    from journeys.errors import InputError
    from odsc.cli_common import check_number
    from odsc.files import check_output, write_atomic
    from odsc.filter_options import filters_from_options
    from odsc.inputs import check_log_file
    from odsc.report_mine import mine_report
    from odsc.report_mine_scale import choose_engine, pandas_only, scale_report
    from odsc.scale_options import check_scale, dask_given, scale_parts

    kind = check_output(output, FORMATS, inputs=[log, journey_spec, feedback])
    if feedback is not None and not feedback.is_file():
        raise InputError(f"{feedback}: --feedback: no such file")
    if fmt is not None and fmt != kind:
        raise InputError(f"{output}: --format {fmt} but the extension means {kind}")
    fmt = kind
    check_number("--sla", sla, low=0, low_open=True)
    if seed < 0:
        raise InputError(f"--seed must be >= 0, got {seed}")
    named = {"case": case, "activity": activity, "timestamp": timestamp, "start": start,
             "resource": resource, "agency": agency, "door": door}  # fmt: skip
    filters = filters_from_options(dict(filter_values), columns=named)
    if before_after is not None:
        from analysis.filters import parse_instant

        parse_instant(before_after, option="--before-after", zone=None)  # refused before reading
    refused = pandas_only(
        columns=named,
        given={
            "--journey": journey_spec is not None,
            "--feedback": feedback is not None,
            "--before-after": before_after is not None,
            "--object-type": object_type is not None,
            "--missing": bool(missing) and tuple(missing) != ("EMPTY",),
            "--strict": strict,
            **{f"--{k}": True for k in _given_filters(filter_values)},
        },
        by=by,
        show_ids=show_ids,
    )
    dask = {"scheduler": scheduler, "dask_local": dask_local, "buckets": buckets,
            "worker_memory": worker_memory}  # fmt: skip
    check_scale(**dask)
    choice = choose_engine(log, engine, refused=refused)
    if choice.engine != "scale" and dask_given(**dask):
        why = f" ({choice.reason})" if choice.reason else ""
        raise InputError(f"{dask_given(**dask)[0]}: Dask runs the scale engine only, and LOG is "
                         f"mined by pandas{why}")  # fmt: skip
    # said once the report is written: on exit 2 standard error holds the error only
    note = f"note: {choice.engine} engine ({choice.reason})" if choice.reason else None
    if choice.engine == "scale":
        with scale_parts(**dask) as parts:
            text = scale_report(
                log,
                fmt=fmt,
                by=by,
                sla_minutes=sla,
                tz=tz,
                show_ids=show_ids,
                key=key,
                progress=sys.stderr.isatty(),
                parts=parts,
            )
        write_atomic(output, text.encode("utf-8"))
        _done(output, note)
        return
    check_log_file(log)
    journey = None
    if journey_spec:
        from journeys.catalog import resolve

        journey = resolve(journey_spec)
    text = mine_report(
        log,
        fmt=fmt,
        case=case,
        activity=activity,
        timestamp=timestamp,
        start=start,
        resource=resource,
        agency=agency,
        door=door,
        tz=tz,
        missing=missing or ("EMPTY",),
        strict=strict,
        journey=journey,
        by=by,
        sla_minutes=sla,
        show_ids=show_ids,
        key=key,
        progress=sys.stderr.isatty(),
        feedback=feedback,
        filters=filters,
        before_after=before_after,
        object_type=object_type,
        seed=seed,
        echo=_echo,
    )
    write_atomic(output, text.encode("utf-8"))
    _done(output, note)


def _done(output: Path, note: str | None) -> None:
    """The engine's note, if any, and the file written: standard error."""
    if note:
        click.echo(note, err=True)
    click.echo(f"wrote {output}", err=True)


def _given_filters(values: dict[str, object]) -> list[str]:
    """The filter options given, as typed (``from``, ``where``, ...), without the ``--``."""
    names = {"date_from": "from", "date_to": "to", "min_case_events": "min-case-events"}
    return [names.get(k, k) for k, v in values.items() if k != "window" and v not in (None, (), "")]


def _echo(line: str) -> None:
    """What the filters kept, what OCEL flattening did and the before/after table: stdout."""
    click.echo(line)


COMMANDS = [mine]

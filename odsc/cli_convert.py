"""``odsc convert``: turn a log (CSV, XES, Parquet) into a partitioned Parquet folder.

The log is read once as every command reads it (:func:`analysis.logs.read_log`:
columns mapped, lifecycle paired, bad rows set aside with a warning), then
written by :func:`analysis.log_export.write_parquet_folder`; ``odsc mine DIR/``
and the other commands read the folder and give the same figures, faster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from odsc.cli_common import log_column_options, user_errors

__all__ = ["COMMANDS", "convert"]


@click.command("convert")
@click.argument("log", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="Folder to write the Parquet files in (new or empty).",
)
@click.option(
    "--partition-by",
    "partition_by",
    metavar="COL",
    multiple=True,
    help="Column whose values become folders COL=value (repeatable, outermost first).",
)
@click.option("--force", is_flag=True, help="Replace DIR and everything in it if not empty.")
@log_column_options(door=True)
@user_errors
def convert(
    log: Path, output: Path, partition_by: tuple[str, ...], force: bool, **columns: Any
) -> None:
    """Write the event log LOG as (hive-partitioned) Parquet files under DIR.

    LOG is read with the same column options as odsc mine; the canonical log
    (ids as in LOG, not pseudonymised) is written, one folder level per
    --partition-by column (e.g. centre=Xaythany/month=2024-01/part-0.parquet).
    odsc mine DIR/ then reads the folder as one log.

    Example: odsc convert receipt.csv -o receipt/ --partition-by case:channel
    """
    from analysis.log_export import check_target, write_parquet_folder
    from analysis.log_sources import resolve_source
    from analysis.logs import read_log
    from odsc.inputs import check_log_file

    source = resolve_source(log)
    check_log_file(log)
    # refused before the log is read: a target holding the input, or not empty
    check_target(output, force=force, inputs=source.files)
    given = {k: v for k, v in columns.items() if v}
    given["missing"] = columns.get("missing") or ("EMPTY",)
    frame = read_log(log, **given)
    files = write_parquet_folder(
        frame, output, partition_by=partition_by, force=force, inputs=source.files
    )
    click.echo(
        f"wrote {len(frame):,} events of {frame['case:concept:name'].nunique():,} cases "
        f"in {len(files):,} Parquet file{'s' if len(files) != 1 else ''} under {output}",
        err=True,
    )


COMMANDS = (convert,)

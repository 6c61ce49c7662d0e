"""``odsc demo``: the main job on the built-in example, what ``make demo`` runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from odsc.cli_common import user_errors

__all__ = ["COMMANDS", "demo"]


@click.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="out/demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the demo's files.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of everything random.")
@click.option(
    "--replications", type=int, default=20, show_default=True, help="Replications per scenario."
)
@click.option("--jobs", type=int, default=None, help="Processes (default: one per core).")
@user_errors
def demo(out_dir: str, seed: int, replications: int, jobs: int | None) -> None:
    """Log to as-is model to one-door redesign to simulated before/after, on a built-in example.

    Generates an "observed" log from the catalogue's as-is business licence,
    mines it, calibrates an as-is model from it, applies the one-door redesign
    its findings call for, compares both over replications, and writes into
    the output folder: report.html (findings, both blueprints, the before/after
    table), observed_log.csv, as_is.yaml and to_be.yaml.

    To follow centres month by month with a (synthetic) citizen survey, see
    odsc monitor and notebooks/05_monitor_centres.ipynb.
    """
    from journeys.errors import InputError
    from odsc.cli_common import check_number
    from odsc.demo import run_demo
    from odsc.files import check_folder
    from odsc.limits import MAX_JOBS, MAX_REPLICATIONS

    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise InputError(f"{out_dir}: is a file; -o names the folder of the demo's files")
    check_folder(out_dir)
    check_number("--replications", replications, high=MAX_REPLICATIONS)
    check_number("--jobs", jobs, low=1, high=MAX_JOBS)
    t0 = time.perf_counter()
    for line in run_demo(
        out_dir, seed=seed, replications=replications, jobs=jobs, progress=sys.stderr.isatty()
    ):
        click.echo(line)
    click.echo(f"Done in {time.perf_counter() - t0:.0f} s.")


COMMANDS = [demo]

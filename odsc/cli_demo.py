"""``odsc demo``: the main job on the built-in example, what ``make demo`` runs."""

from __future__ import annotations

import click

from odsc.cli import user_errors

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
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the simulated log.")
@user_errors
def demo(out_dir: str, seed: int) -> None:
    """Walk the business-licence journey, draw its blueprints, measure before and after.

    Writes into the output folder: the walk of the as-is journey (walk.txt),
    the service blueprints of the as-is and one-door journeys (PNG), and their
    exact TCV figures side by side (metrics.md).
    """
    from odsc.demo import run_demo

    for line in run_demo(out_dir, seed=seed):
        click.echo(line)


COMMANDS = [demo]

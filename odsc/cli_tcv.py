"""``odsc journey tcv AS_IS TO_BE -o table.html``: the one-page TCV table of a redesign.

The command joins the ``odsc journey`` group (:func:`odsc.cli._register`).
"""

from __future__ import annotations

import click

from odsc.cli_common import user_errors

__all__ = ["JOURNEY_COMMANDS", "tcv"]


@click.command()
@click.argument("as_is", metavar="AS_IS")
@click.argument("to_be", metavar="TO_BE")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="File to write: .html (one printed A4 page), .md or .csv (the extension decides).",
)
@user_errors
def tcv(as_is: str, to_be: str, output: str) -> None:
    """The step-by-step Time, Cost and Visits table of an as-is and a to-be journey.

    Per step: time, fee and visits before and after, and what became of it
    (removed, merged, moved to the back office, new); the documents asked of
    the citizen before and after. AS_IS and TO_BE are journey YAML files or
    catalogue names.
    """
    from pathlib import Path

    from journeys.catalog import resolve
    from journeys.tcv import tcv_table
    from odsc.files import check_output, write_atomic
    from odsc.tcv_format import FORMATS, render_tcv

    out = Path(output)
    kind = check_output(out, FORMATS, inputs=[as_is, to_be])
    table = tcv_table(resolve(as_is), resolve(to_be))
    write_atomic(out, render_tcv(table, fmt=kind).encode("utf-8"))
    click.echo(f"wrote {out}")


#: Commands of the ``odsc journey`` group.
JOURNEY_COMMANDS = [tcv]

"""The ``odsc`` command line: parse, call one library function, format.

Library modules are imported inside the commands so that ``odsc --help``
answers fast. Errors a user can cause (an :class:`journeys.errors.InputError`)
print one line per problem on standard error and exit with status 2; nothing
is written in that case, and an existing output file is left as it was. Usage
errors click finds (a bad option value) are one line too. Output formats follow
the output's extension; the size limits of the commands are in
:mod:`odsc.limits`.

Commands live in the ``odsc.cli_*`` modules (each lists its ``COMMANDS``) and are
registered here; what they share is in :mod:`odsc.cli_common`.
"""

from __future__ import annotations

import click

from odsc.cli_common import OneLineGroup, user_errors

__all__ = ["main", "user_errors"]


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="odsc-journeys")
def main() -> None:
    """odsc: map, mine and redesign one-door service journeys.

    Walk a citizen's journey through government offices, mine a centre's event
    log for bottlenecks and silo handoffs, and simulate a one-door redesign
    against today's flow.
    """


def _register() -> None:
    from odsc import (
        cli_calibrate,
        cli_convert,
        cli_demo,
        cli_journey,
        cli_mine,
        cli_monitor,
        cli_optimize,
        cli_programme,
        cli_redesign,
        cli_simulate,
    )

    modules = (cli_journey, cli_mine, cli_simulate, cli_demo, cli_calibrate, cli_redesign)
    for module in (*modules, cli_monitor, cli_optimize, cli_convert, cli_programme):
        for command in module.COMMANDS:
            main.add_command(command)
    # BPMN export and import, and the one-page TCV table, live in the journey group
    from odsc import cli_bpmn, cli_tcv

    for command in (*cli_bpmn.JOURNEY_COMMANDS, *cli_tcv.JOURNEY_COMMANDS):
        cli_journey.journey.add_command(command)


_register()

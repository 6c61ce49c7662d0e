"""The ``odsc`` command line: parse, call one library function, format.

Library modules are imported inside the commands so that ``odsc --help``
answers fast. Errors a user can cause (an :class:`journeys.errors.InputError`)
print one line per problem on standard error and exit with status 2; nothing
is written in that case.

Command groups live in their own modules and register themselves here.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["main", "user_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn input errors raised by ``func`` into one-line messages and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from journeys.errors import InputError

        try:
            return func(*args, **kwargs)
        except InputError as e:
            for line in str(e).splitlines() or ["invalid input"]:
                click.echo(f"error: {line}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="odsc-journeys")
def main() -> None:
    """odsc: map, mine and redesign one-door service journeys.

    Walk a citizen's journey through government offices, mine a centre's event
    log for bottlenecks and silo handoffs, and simulate a one-door redesign
    against today's flow.
    """


def _register() -> None:
    from odsc import cli_journey

    main.add_command(cli_journey.journey)
    for name in ("cli_mine", "cli_simulate", "cli_demo", "cli_calibrate", "cli_redesign"):
        try:
            module = __import__(f"odsc.{name}", fromlist=["COMMANDS"])
        except ModuleNotFoundError as e:
            if e.name != f"odsc.{name}":
                raise
            continue
        for command in module.COMMANDS:
            main.add_command(command)


_register()

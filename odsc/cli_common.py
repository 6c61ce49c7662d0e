"""What the ``odsc`` commands share: the input-error guard and the log column options.

It imports nothing of the commands, so every ``odsc.cli_*`` module can import
it at load time, whichever module Python loads first.

Examples
--------
>>> import click
>>> from click.testing import CliRunner
>>> from journeys.errors import InputError
>>> @click.command()
... @user_errors
... def broken():
...     raise InputError("log.csv: row 3: no timestamp")
>>> r = CliRunner().invoke(broken)
>>> r.exit_code, r.output
(2, 'error: log.csv: row 3: no timestamp\\n')

Warnings a command raises are shown as one line each on standard error:

>>> import warnings
>>> @click.command()
... @user_errors
... def noisy():
...     warnings.warn("log.csv: set aside 2 duplicate events (lines 3, 4): dropped\\nmore")
>>> CliRunner().invoke(noisy).stderr
'warning: log.csv: set aside 2 duplicate events (lines 3, 4): dropped more\\n'
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["log_column_options", "user_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn input errors raised by ``func`` into one-line messages and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from journeys.errors import InputError

        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            try:
                return func(*args, **kwargs)
            except InputError as e:
                for line in str(e).splitlines() or ["invalid input"]:
                    click.echo(f"error: {line}", err=True)
                sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _one_line_warning(
    message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
) -> None:
    """Show a warning as one ``warning: ...`` line on standard error (no source line)."""
    text = " ".join(str(message).split())
    click.echo(f"warning: {text}", err=True)


def log_column_options(
    *, door: bool = False, tz_help: str = "Time zone of naive timestamps, e.g. Asia/Vientiane."
) -> Callable[[F], F]:
    """The options naming a log's columns (``--case`` ... ``--missing``) and ``--strict``.

    Parameters
    ----------
    door : bool
        Also offer ``--door`` (the office of citizen-facing steps).
    tz_help : str
        Help text of ``--tz``.
    """
    options = [
        click.option("--case", metavar="COL", help="Column of the case id [case:concept:name]."),
        click.option("--activity", metavar="COL", help="Column of the step [concept:name]."),
        click.option(
            "--timestamp", metavar="COL", help="Column of the completion time [time:timestamp]."
        ),
        click.option(
            "--start", metavar="COL", help="Column of the start time [start_timestamp if present]."
        ),
        click.option(
            "--resource",
            metavar="COL",
            help="Column of the clerk or desk [org:resource if present].",
        ),
        click.option(
            "--agency", metavar="COL", help="Column of the agency (silo) [org:group if present]."
        ),
    ]
    if door:
        options.append(
            click.option(
                "--door",
                metavar="COL",
                help="Column of the office of citizen-facing steps [odsc:door].",
            )
        )
    options += [
        click.option("--tz", metavar="TZ", help=tz_help),
        click.option(
            "--missing",
            metavar="TEXT",
            multiple=True,
            help="A placeholder meaning 'missing' (repeatable) [EMPTY].",
        ),
        click.option(
            "--strict",
            is_flag=True,
            help="Refuse the log (exit 2) instead of setting bad rows aside with a warning "
            "(duplicates, starts that never complete, completes without a start, ...).",
        ),
    ]

    def decorate(f: F) -> F:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate

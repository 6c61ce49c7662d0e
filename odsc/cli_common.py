"""What the ``odsc`` commands share: the input-error guard and the log column options.

It imports nothing of the commands, so every ``odsc.cli_*`` module can import
it at load time, whichever module Python loads first.

The guard, :func:`user_errors`, is the one place where the contract of every
command is kept:

* an :class:`~journeys.errors.InputError` prints ``error: ...`` (one line per
  problem, naming the file and the row, field or option) and exits with
  status 2; an output path that cannot be written (``OSError`` with a file
  name), a compressed input that ends early (``EOFError``) and an input too
  large for memory are user errors too;
* warnings: those our own code raises about the input (e.g. dropped duplicate
  events) are printed as ``warning: ...`` lines after a successful run; those
  of third-party libraries (pandas, matplotlib, pm4py) are silenced, as are
  their log messages, so standard error holds only our own lines;
* any other exception is a bug: one line saying so, exit status 1 (set the
  environment variable ``ODSC_TRACEBACK=1`` to see the traceback).

:class:`OneLineGroup` makes click's own usage errors (a bad option value, a
missing argument) one line as well: ``error: odsc mine: --sla: ...``.

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

import contextlib
import errno
import functools
import logging
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import click

__all__ = [
    "OneLineGroup",
    "check_number",
    "check_report_options",
    "log_column_options",
    "stage_bar",
    "user_errors",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Top-level packages whose warnings are ours (shown); any other's are silenced.
_OUR_PACKAGES = frozenset({"journeys", "analysis", "simulations", "odsc"})


def user_errors(func: F) -> F:
    """Keep the command contract around ``func``: one-line errors, exit 2, our lines only.

    See the module docstring for what is caught and how it is shown.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from journeys.errors import InputError

        ours: list[str] = []
        try:
            with _quiet_libraries(ours):
                result = func(*args, **kwargs)
        except InputError as e:
            _fail(str(e).splitlines() or ["invalid input"])
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except MemoryError:
            _fail(["not enough memory for this input (see the size limits in the README)"])
        except EOFError:
            _fail(["an input file ends early: a truncated or damaged compressed file?"])
        except OSError as e:
            if e.filename is None and e.errno == errno.EPIPE:
                raise  # standard output closed early (``odsc ... | head``): click's case
            if e.filename is None:
                _internal(e)
            _fail([f"{e.filename}: {e.strerror or _one_line(e)}"])
        except Exception as e:
            _internal(e)
        for line in dict.fromkeys(ours):
            click.echo(f"warning: {line}", err=True)
        return result

    return wrapper  # type: ignore[return-value]


def _fail(lines: list[str], status: int = 2) -> None:
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(status)


def _internal(e: BaseException) -> None:
    """An exception no input should cause: a bug. One line, exit 1 (traceback on request)."""
    if os.environ.get("ODSC_TRACEBACK"):
        raise e
    _fail(
        [
            f"internal error ({type(e).__name__}: {_one_line(e)[:300]}); this is a bug of "
            "odsc: please report it with the command that caused it "
            "(ODSC_TRACEBACK=1 shows the details)"
        ],
        status=1,
    )


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


@contextlib.contextmanager
def _quiet_libraries(ours: list[str]) -> Iterator[None]:
    """Collect our own warnings into ``ours``; drop third-party warnings and log records."""

    def show(message: Any, category: Any, filename: str, lineno: int, *rest: Any) -> None:
        if _warned_by_us():
            ours.append(" ".join(str(message).split()))

    root = logging.getLogger()
    null = logging.NullHandler()
    root.addHandler(null)  # records of matplotlib, pm4py, ... go nowhere, not to stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.showwarning = show
            yield
    finally:
        root.removeHandler(null)


def _warned_by_us() -> bool:
    """Whether the code that called ``warnings.warn`` belongs to one of our packages."""
    frame = sys._getframe(2)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if module != "warnings":
            return module.split(".")[0] in _OUR_PACKAGES
        frame = frame.f_back  # type: ignore[assignment]
    return False


def check_number(
    option: str,
    value: float | None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    why: str = "",
) -> None:
    """Refuse an option value that is not a finite number within ``[low, high]``.

    ``why`` is the reason of the upper bound, shown when it is exceeded.

    Examples
    --------
    >>> check_number("--sla", 15.0, low=0, low_open=True)
    >>> check_number("--sla", float("nan"), low=0)
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --sla must be a number, got nan
    >>> check_number("--days", 10**8, low=1, high=2500, why="a run longer than 10 years")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --days must be at most 2,500 (a run longer than 10 years), got 100000000
    """
    from journeys.errors import InputError

    if value is None:
        return
    got = str(value) if isinstance(value, int) else f"{value:g}"
    if not math.isfinite(value):
        raise InputError(f"{option} must be a number, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise InputError(f"{option} must be {'>' if low_open else '>='} {low:g}, got {got}")
    if high is not None and value > high:
        reason = f" ({why})" if why else ""
        raise InputError(f"{option} must be at most {high:,g}{reason}, got {got}")


class _UsageLine(click.UsageError):
    """A click usage error shown as one ``error:`` line."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def _usage_line(e: click.UsageError) -> click.UsageError:
    if isinstance(e, (_UsageLine, click.exceptions.NoArgsIsHelpError)):
        return e
    where = e.ctx.command_path if e.ctx is not None else "odsc"
    text = " ".join(e.format_message().split())
    return _UsageLine(f"{where}: {text} (see {where} --help)", ctx=e.ctx)


class OneLineGroup(click.Group):
    """A click group whose usage errors (bad option values, missing arguments) are one line."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as e:
            raise _usage_line(e) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            raise _usage_line(e) from None


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


def check_report_options(fmt: str, key: str | None, formats: Iterable[str]) -> None:
    """Refuse an unknown report format or an empty pseudonymisation key (one line each).

    Examples
    --------
    >>> check_report_options("html", None, ("html", "json"))
    >>> check_report_options("pdf", None, ("html", "json"))
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: --format: unknown format 'pdf'; choose one of html, json
    """
    from analysis.schema import LogError

    formats = tuple(formats)
    if fmt not in formats:
        raise LogError(f"--format: unknown format {fmt!r}; choose one of {', '.join(formats)}")
    if key is not None and not key:
        raise LogError("--key: the pseudonymisation key must not be empty")


def stage_bar(stages: Sequence[str], *, progress: bool) -> Any:
    """The progress bar of a report's stages on standard error (silent unless ``progress``)."""
    from tqdm import tqdm

    return tqdm(
        total=len(stages),
        disable=not progress,
        file=sys.stderr,
        unit="stage",
        bar_format="{desc:<16} {bar} {n_fmt}/{total_fmt} [{elapsed}]",
    )

"""The log filter options shared by the commands that read a log (``mine``, ``calibrate``).

:func:`log_filter_options` adds ``--from``, ``--to``, ``--window``, ``--where``
(repeatable), ``--variants top:N``, ``--min-case-events`` and, for OCEL 2.0
files, ``--object-type`` (keyword ``object_type``, not a filter: it says what
a case is, :mod:`analysis.ocel`); the command passes
the values to :func:`filters_from_options` and gets a
:class:`analysis.filters.LogFilters` (rules in :mod:`analysis.filters`). A
``--where`` on a column the command renamed (``--agency department``) is read on
the schema's name for it (``org:group``), so the user may write either.

Examples
--------
>>> import click
>>> from click.testing import CliRunner
>>> @click.command()
... @log_filter_options()
... def show(**options):
...     click.echo(filters_from_options(options))
>>> CliRunner().invoke(show, ["--from", "2024-01-01", "--variants", "top:3"]).output.strip()
"LogFilters(start='2024-01-01', end=None, window='started', where=(), top_variants=3, min_case_events=None)"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

__all__ = [
    "CANONICAL_COLUMNS",
    "FILTER_OPTIONS",
    "filters_from_options",
    "log_filter_options",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Keyword names the options give the command (popped by :func:`filters_from_options`).
FILTER_OPTIONS: tuple[str, ...] = (
    "date_from",
    "date_to",
    "window",
    "where",
    "variants",
    "min_case_events",
)

#: The schema's name of the column each column option (``--case`` ...) names.
CANONICAL_COLUMNS = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "start": "start_timestamp",
    "resource": "org:resource",
    "agency": "org:group",
    "door": "odsc:door",
}


def log_filter_options() -> Callable[[F], F]:
    """The filter options (see the module docstring)."""
    options = [
        click.option(
            "--from",
            "date_from",
            metavar="DATE",
            help="Keep the cases in a window from DATE (YYYY-MM-DD or YYYY-MM-DD HH:MM, "
            "in the log's clock).",
        ),
        click.option(
            "--to",
            "date_to",
            metavar="DATE",
            help="... to DATE (a date includes the whole day).",
        ),
        click.option(
            "--window",
            type=click.Choice(["started", "ended", "contained"]),
            default="started",
            show_default=True,
            help="Which cases --from/--to keep: started, ended, or both in the window.",
        ),
        click.option(
            "--where",
            metavar="COL=VALUE",
            multiple=True,
            help="Keep the cases having an event with this value (repeatable: other columns "
            "must hold too, values of one column are alternatives).",
        ),
        click.option(
            "--variants",
            metavar="top:N",
            help="Keep the cases of the N commonest variants (ties at the cut kept).",
        ),
        click.option(
            "--object-type",
            metavar="TYPE",
            help="OCEL 2.0 logs (.jsonocel, .xmlocel, .sqlite): the object type whose objects "
            "are the cases.",
        ),
        click.option(
            "--min-case-events",
            type=int,
            metavar="N",
            help="Keep the cases with at least N events.",
        ),
    ]

    def decorate(f: F) -> F:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def filters_from_options(
    options: dict[str, Any], *, columns: Mapping[str, str | None] | None = None
) -> Any:
    """Pop the filter options from ``options``; the :class:`~analysis.filters.LogFilters`.

    ``columns`` maps column options (``agency``, ...) to the names the user gave,
    so that ``--where department=X`` after ``--agency department`` reads ``org:group``.
    """
    from analysis.filters import LogFilters, parse_variants, parse_where
    from analysis.schema import LogError

    values = {k: options.pop(k, None) for k in FILTER_OPTIONS}
    renamed = {
        v: CANONICAL_COLUMNS[k] for k, v in (columns or {}).items() if v and k in CANONICAL_COLUMNS
    }
    where = []
    for text in values["where"] or ():
        col, value = parse_where(text)
        where.append((renamed.get(col, col), value))
    n = values["min_case_events"]
    if n is not None and n < 1:
        raise LogError(f"--min-case-events must be >= 1, got {n}")
    if values["window"] not in (None, "started") and not (values["date_from"] or values["date_to"]):
        raise LogError("--window needs --from or --to")
    return LogFilters(
        start=values["date_from"],
        end=values["date_to"],
        window=values["window"] or "started",
        where=tuple(where),
        top_variants=parse_variants(values["variants"]) if values["variants"] else None,
        min_case_events=n,
    )

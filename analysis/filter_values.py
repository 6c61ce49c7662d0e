"""Parsing of the log filters' option values: window bounds, ``COL=VALUE``, ``top:N``.

Split from :mod:`analysis.filters` (which re-exports these names); the rules
are in that module's docstring.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pandas as pd

from analysis.schema import LogError

__all__ = ["parse_instant", "parse_variants", "parse_where"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_instant(
    value: object, *, option: str, zone: str | None, upper: bool = False
) -> pd.Timestamp:
    """A window bound as a UTC instant; an upper date bound becomes the next midnight.

    The returned upper bound is exclusive: the next day's midnight for a date,
    the instant plus one nanosecond for a datetime (which is thus included).

    Examples
    --------
    >>> parse_instant("2024-02-01", option="--from", zone="Asia/Vientiane")
    Timestamp('2024-01-31 17:00:00+0000', tz='UTC')
    >>> parse_instant("2024-02-29", option="--to", zone=None, upper=True)
    Timestamp('2024-03-01 00:00:00+0000', tz='UTC')
    >>> parse_instant("29/02/2024", option="--to", zone=None)
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: --to: not a date or datetime: '29/02/2024' (use YYYY-MM-DD or YYYY-MM-DD HH:MM)
    """
    is_date = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    text = str(value).strip()
    if isinstance(value, str):
        is_date = bool(_DATE.match(text))
        if not re.match(r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?", text):
            raise LogError(
                f"{option}: not a date or datetime: {text!r} (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"
            )
    try:
        stamp = pd.Timestamp(value if not isinstance(value, str) else text)
    except (ValueError, TypeError, OverflowError):
        raise LogError(
            f"{option}: not a date or datetime: {text!r} (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"
        ) from None
    if stamp is pd.NaT:
        raise LogError(f"{option}: not a date or datetime: {text!r}")
    if is_date and upper:
        stamp = stamp.normalize() + pd.Timedelta(days=1)  # the whole day is in the window
    elif upper:
        stamp = stamp + pd.Timedelta(1, "ns")  # a datetime bound is included
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(
            zoneinfo.ZoneInfo(zone) if zone else "UTC", ambiguous=False, nonexistent="shift_forward"
        )
    return stamp.tz_convert("UTC")


def parse_where(text: str) -> tuple[str, str]:
    """``COL=VALUE`` as a pair (the value may contain ``=``; the column may not).

    Examples
    --------
    >>> parse_where("case:channel=Desk")
    ('case:channel', 'Desk')
    >>> parse_where("Desk")
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: --where: expected COL=VALUE, got 'Desk'
    """
    col, sep, value = str(text).partition("=")
    if not sep or not col.strip():
        raise LogError(f"--where: expected COL=VALUE, got {text!r}")
    return col.strip(), value.strip()


def parse_variants(text: str) -> int:
    """``top:N`` as ``N``.

    Examples
    --------
    >>> parse_variants("top:5")
    5
    """
    m = re.fullmatch(r"\s*top:(\d+)\s*", str(text))
    if not m or int(m.group(1)) < 1:
        raise LogError(f"--variants: expected top:N with a whole number N >= 1, got {text!r}")
    return int(m.group(1))

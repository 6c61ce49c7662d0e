"""The local clock of a log: which time zone its wall-clock times were written in.

The schema stores every timestamp in UTC (:mod:`analysis.schema`), but opening
hours, lunch breaks, weekly profiles, visits ("one door on one day") and
arrival profiles are about the centre's own clock. This module decides that
clock, once, when a log is read (:func:`analysis.logs.read_log` stores it in
``log.attrs["odsc:zone"]``), and turns UTC times into it.

Rules decided here:

* **``--tz`` wins.** A zone the user names is the log's clock, for naive
  timestamps (read in it) and for timestamps with offsets alike (converted to
  it, not re-labelled).
* **Offsets speak for themselves.** Without ``tz``, timestamps written with
  offsets are read in the wall-clock time of their own offset: a log whose
  times all carry one offset (``+07:00``) gets that fixed offset
  (``Etc/GMT-7``); a log whose offsets change with daylight saving
  (``+01:00`` in winter, ``+02:00`` in summer) gets an IANA zone whose offset
  at every recorded instant is the recorded one (:func:`infer_zone`), so every
  event's wall-clock time is the one written in the log. Such a zone is picked
  among all that agree by a fixed preference (the generic rule zones ``CET``,
  ``EET``, ``WET``, ``EST5EDT``, ... first, then alphabetical order); any of
  them gives the same wall-clock times for the log's instants. When no zone
  agrees, the most frequent offset is used and the reader says so.
* Without ``tz`` and without offsets (or with ``Z`` / ``+00:00`` only) the
  clock is UTC.
* **Day granularity.** A log whose events all fall at midnight of its clock
  (:func:`is_day_granularity`) records days, not times: no opening hours,
  lunch break or hourly profile can be read from it.

Examples
--------
>>> import pandas as pd
>>> text = pd.Series(["2024-01-15T09:00:00+01:00", "2024-07-15T09:00:00+02:00"])
>>> utc, offsets = offsets_from_text(text)
>>> offsets.tolist()
[60, 120]
>>> zone = infer_zone(utc, offsets)
>>> zone
'CET'
>>> wall_clock(utc, zone).dt.hour.tolist()
[9, 9]
>>> zone_label(zone)
'CET/CEST'
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import zoneinfo
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "ZONE_ATTR",
    "infer_zone",
    "is_day_granularity",
    "local_log",
    "log_zone",
    "offsets_from_text",
    "source_zone",
    "wall_clock",
    "xes_timestamp_text",
    "zone_label",
]

#: Key of ``DataFrame.attrs`` under which :func:`analysis.logs.read_log` stores the clock.
ZONE_ATTR = "odsc:zone"

_OFFSET = re.compile(r"(?:(Z)|([+-])(\d\d):?(\d\d))$")
# generic rule zones first: they name a daylight-saving rule, not a city
_PREFERRED = ("CET", "EET", "WET", "MET", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT")
_SAMPLE = 400  # instants per offset checked against each candidate zone
_XES_TIME = re.compile(rb'key="time:timestamp"\s+value="([^"]+)"')


def offsets_from_text(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """UTC instants and UTC offsets (minutes) of timestamps written with an offset.

    Values without an offset (or unparseable) are left out of both results.

    Examples
    --------
    >>> import pandas as pd
    >>> utc, off = offsets_from_text(pd.Series(["2024-03-04 08:00+07:00", "2024-03-04 08:00",
    ...                                         "2024-03-04T01:00:00Z"]))
    >>> [str(t) for t in utc], off.tolist()
    (['2024-03-04 01:00:00+00:00', '2024-03-04 01:00:00+00:00'], [420, 0])
    """
    text = text.dropna().astype(str).str.strip()
    parts = text.str.extract(_OFFSET)
    has = parts[0].notna() | parts[1].notna()
    parts, text = parts[has], text[has]
    sign = np.where(parts[1].eq("-").to_numpy(), -1, 1)
    hours = pd.to_numeric(parts[2], errors="coerce").fillna(0).to_numpy()
    minutes = pd.to_numeric(parts[3], errors="coerce").fillna(0).to_numpy()
    offsets = (sign * (hours * 60 + minutes)).astype(int)
    utc = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    retry = utc.isna().to_numpy()
    if retry.any():
        utc[retry] = pd.to_datetime(text[retry], utc=True, errors="coerce", format="mixed")
    ok = utc.notna().to_numpy()
    return utc[ok].reset_index(drop=True), offsets[ok]


def xes_timestamp_text(path: str | Path) -> pd.Series:
    """The ``time:timestamp`` values of an XES file (``.xes`` or ``.xes.gz``) as written.

    The XES parser returns UTC and drops the offsets; they are read back here
    with a streaming byte scan (no DOM), only to learn the log's clock.
    """
    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    found: list[bytes] = []
    tail = b""
    with opener(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            block = tail + chunk
            cut = block.rfind(b"<")  # a match never spans a tag start
            cut = len(block) if cut < 0 else cut
            found += _XES_TIME.findall(block, 0, cut)
            tail = block[cut:]
        found += _XES_TIME.findall(tail)
    return pd.Series([v.decode("ascii", "replace") for v in found], dtype=object)


def infer_zone(utc: pd.Series, offsets: np.ndarray) -> str | None:
    """The zone whose offset at every instant is the recorded one (rules: module docs).

    Returns ``None`` for UTC (no offsets, or all zero). For one offset, the
    fixed-offset zone ``Etc/GMT-H`` when it is a whole hour, else the first
    agreeing zone; for several, the first agreeing zone by the preference of
    the module docs, else the most frequent offset's fixed zone.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2024-03-04 01:00"], utc=True))
    >>> infer_zone(t, np.array([420])), infer_zone(t, np.array([0])), infer_zone(t, np.array([]))
    ('Etc/GMT-7', None, None)
    >>> infer_zone(t, np.array([330]))
    'Asia/Calcutta'
    """
    offsets = np.asarray(offsets, dtype=int)
    if offsets.size == 0 or not offsets.any():
        return None
    values = np.unique(offsets)
    if len(values) == 1 and values[0] % 60 == 0:
        return _fixed(int(values[0]))
    utc = pd.Series(pd.DatetimeIndex(utc)).reset_index(drop=True)
    sample_t, sample_o = _sample(utc, offsets)
    # a cheap first pass on one instant per offset, then all sampled instants
    firsts = [(sample_t[sample_o == v][0], int(v)) for v in values]
    candidates = [z for z in _zones() if all(_offset(z, t) == v for t, v in firsts)]
    idx = pd.DatetimeIndex(sample_t).tz_localize("UTC")
    for zone in candidates:
        local = idx.tz_convert(zone).tz_localize(None)
        got = ((local - idx.tz_localize(None)) / pd.Timedelta(minutes=1)).to_numpy()
        if np.array_equal(got.astype(int), sample_o):
            return zone
    common = int(pd.Series(offsets).mode().iloc[0])
    return _fixed(common) if common % 60 == 0 else None


def _fixed(minutes: int) -> str | None:
    if minutes == 0:
        return None
    hours = minutes // 60
    return f"Etc/GMT{-hours:+d}"  # IANA's Etc zones count westwards: UTC+7 is Etc/GMT-7


def _sample(utc: pd.Series, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Up to :data:`_SAMPLE` instants per offset, spread evenly over time (naive UTC)."""
    naive = utc.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    ts, os_ = [], []
    for v in np.unique(offsets):
        t = np.unique(naive[offsets == v])
        pick = np.unique(np.linspace(0, len(t) - 1, min(len(t), _SAMPLE)).round().astype(int))
        ts.append(t[pick])
        os_.append(np.full(len(pick), int(v)))
    return np.concatenate(ts), np.concatenate(os_)


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    names = zoneinfo.available_timezones()
    rest = sorted(
        n for n in names if n not in _PREFERRED and not n.startswith(("Etc/", "posix/", "right/"))
    )
    return tuple(n for n in _PREFERRED if n in names) + tuple(rest)


def _offset(zone: str, naive_utc: np.datetime64) -> int:
    when = pd.Timestamp(naive_utc).to_pydatetime().replace(tzinfo=dt.UTC)
    delta = when.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def source_zone(
    source: str | Path | pd.DataFrame, written: pd.Series, tz: str | None
) -> str | None:
    """The clock of a log read from ``source`` whose timestamps were ``written`` so.

    ``written`` is the timestamp column as read, before parsing (text, or
    datetimes as a file format or the XES parser gave them). Rules: module docs.
    """
    if tz:
        return tz
    if isinstance(written.dtype, pd.DatetimeTZDtype):
        zone = str(written.dtype.tz)
        if zone != "UTC" or isinstance(source, pd.DataFrame):
            return None if zone == "UTC" else zone
        if not str(source).lower().endswith((".xes", ".xes.gz")):
            return None
        written = xes_timestamp_text(source)  # the XES parser dropped the offsets
    elif pd.api.types.is_datetime64_dtype(written.dtype):
        return None
    utc, offsets = offsets_from_text(written)
    return infer_zone(utc, offsets)


def log_zone(log: pd.DataFrame, tz: str | None = None) -> str | None:
    """The clock to read ``log`` in: ``tz`` when given, else the one the reader found.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"x": [1]})
    >>> log.attrs["odsc:zone"] = "CET"
    >>> log_zone(log), log_zone(log, "Asia/Vientiane"), log_zone(pd.DataFrame())
    ('CET', 'Asia/Vientiane', None)
    """
    if tz:
        return tz
    zone = log.attrs.get(ZONE_ATTR)
    return str(zone) if zone else None


def wall_clock(times: pd.Series, zone: str | None) -> pd.Series:
    """UTC times as the wall-clock times of ``zone``, labelled UTC.

    The result keeps the schema's UTC dtype so that every function reads it as
    it is; its hours, weekdays and dates are those of the centre's clock.
    ``zone=None`` returns the times unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2024-03-04 01:30"], utc=True))
    >>> str(wall_clock(t, "Asia/Vientiane")[0])
    '2024-03-04 08:30:00+00:00'
    """
    if zone is None or not isinstance(times.dtype, pd.DatetimeTZDtype):
        return times
    return times.dt.tz_convert(zone).dt.tz_localize(None).dt.tz_localize("UTC")


def local_log(log: pd.DataFrame, zone: str | None) -> pd.DataFrame:
    """The log with its time columns as wall-clock times of ``zone`` (:func:`wall_clock`).

    This is the clock a calibrated journey runs on: replaying a log's case
    starts and comparing its cases with simulated ones happen in it. The
    result's ``attrs`` say it is already local (the zone becomes ``None``).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"time:timestamp": pd.to_datetime(["2024-03-04 01:30"], utc=True)})
    >>> str(local_log(log, "Etc/GMT-7")["time:timestamp"][0])
    '2024-03-04 08:30:00+00:00'
    """
    from analysis.schema import ARRIVAL, START, TIMESTAMP

    out = log.copy()
    for col in (TIMESTAMP, START, ARRIVAL):
        if col in out.columns:
            out[col] = wall_clock(out[col], zone)
    out.attrs[ZONE_ATTR] = None
    return out


def zone_label(zone: str | None) -> str:
    """How a report names the clock: ``UTC``, ``UTC+07:00``, ``CET/CEST``, ``Asia/Vientiane``.

    Examples
    --------
    >>> zone_label(None), zone_label("Etc/GMT-7"), zone_label("Asia/Vientiane")
    ('UTC', 'UTC+07:00', 'Asia/Vientiane')
    """
    if zone is None:
        return "UTC"
    m = re.fullmatch(r"Etc/GMT([+-])(\d+)", zone)
    if m:
        hours = -int(m.group(2)) if m.group(1) == "+" else int(m.group(2))
        return f"UTC{hours:+03d}:00"
    if zone in _PREFERRED:
        z = zoneinfo.ZoneInfo(zone)
        names = dict.fromkeys(z.tzname(dt.datetime(2021, m, 15)) or "" for m in (1, 7))
        return "/".join(n for n in names if n)
    return zone


def is_day_granularity(times: Iterable[pd.Timestamp] | pd.Series) -> bool:
    """Whether every time falls at midnight: the log records days, not times of day.

    Pass wall-clock times (:func:`wall_clock`). An empty series is not.

    Examples
    --------
    >>> import pandas as pd
    >>> is_day_granularity(pd.Series(pd.to_datetime(["2024-03-04", "2024-03-09"])))
    True
    >>> is_day_granularity(pd.Series(pd.to_datetime(["2024-03-04 00:00", "2024-03-09 10:00"])))
    False
    """
    t = pd.Series(times)
    if t.empty:
        return False
    t = t.dropna()
    return bool(len(t)) and bool((t == t.dt.normalize()).all())

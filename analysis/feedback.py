"""Citizen feedback: a survey read, checked against the log, joined to its cases.

A survey file is a CSV with a header and one answer per row:

=========  ===============================================================
column     meaning
=========  ===============================================================
case       the case id of the answer, as in the log (or leave it empty ...)
centre     ... and give the centre (a value of the ``--by`` column)
date       ... and the date of the answer (``YYYY-MM-DD``; required without a case)
rating     overall satisfaction, a whole number 1 (very bad) to 5 (very good)
emotion    how the citizen felt, -2 to +2 (the journey-map scale), usually at a step
step       the step the answer is about (an activity of the log or a journey step)
comment    free text
=========  ===============================================================

Each row needs a case id or a centre and a date, and a rating or an emotion.
:func:`read_feedback` checks every row against the log and reports *every*
bad row, one line each, naming the file and the row (the file's line number,
the header being line 1): an unknown case id or centre (with the nearest
known), a rating or emotion out of range, an unreadable date or one outside
the log's period (an answer dated before its case started), a centre that
contradicts the case's centre in the log, an unknown step, and a second
answer for the same case and step. Nothing is joined silently wrong: a file
with any bad row is refused.

The analyses (:func:`satisfaction_by`, :func:`rating_effects`,
:func:`comments_by_step`, :func:`emotion_curve`) never return case ids next
to comments.

Examples
--------
>>> import io, pandas as pd
>>> log = pd.DataFrame({"case:concept:name": ["A", "A", "B"],
...     "concept:name": ["apply", "collect", "apply"], "centre": ["X", "X", "Y"],
...     "time:timestamp": pd.to_datetime(["2024-03-04 08:00", "2024-03-06 09:00",
...                                       "2024-03-05 10:00"], utc=True)})
>>> text = "case,rating,comment\\nA,4,quick\\nC,9,\\n"
>>> read_feedback(io.StringIO(text), log=log, by="centre", source_name="survey.csv")
Traceback (most recent call last):
...
journeys.errors.InputError: survey.csv: row 3: case 'C' is not in the log
survey.csv: row 3: rating must be a whole number from 1 to 5, got '9'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.schema import ACTIVITY, CASE, TIMESTAMP, LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = [
    "EMOTION_RANGE",
    "RATING_RANGE",
    "SURVEY_COLUMNS",
    "comments_by_step",
    "emotion_curve",
    "join_feedback",
    "rating_effects",
    "read_feedback",
    "satisfaction_by",
]

#: The columns a survey file may have.
SURVEY_COLUMNS: tuple[str, ...] = ("case", "centre", "date", "rating", "emotion", "step", "comment")
#: Allowed ratings (whole numbers) and emotion scores.
RATING_RANGE: tuple[int, int] = (1, 5)
EMOTION_RANGE: tuple[float, float] = (-2.0, 2.0)

_SHOWN = 20  # bad rows listed before "... and N more"
_MAX_COMMENT = 280  # characters of a comment shown in a report


def _nearest(value: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def read_feedback(
    source: str | Path | IO[str] | pd.DataFrame,
    *,
    log: pd.DataFrame,
    by: str | None = None,
    journey: Journey | None = None,
    tz: str | None = None,
    source_name: str | None = None,
    case: str = CASE,
    activity: str = ACTIVITY,
    timestamp: str = TIMESTAMP,
) -> pd.DataFrame:
    """Read and check a survey file against ``log``; the answers as a table.

    Parameters
    ----------
    source : path, text stream or DataFrame
        The survey (CSV, UTF-8).
    log : pandas.DataFrame
        The canonical event log the answers are about.
    by : str, optional
        The log's centre column (needed for rows without a case id).
    journey : Journey, optional
        Its step ids and names are valid ``step`` values too.
    tz : str, optional
        Zone of the log's calendar days (dates are compared as days).
    source_name : str, optional
        The file name shown in messages (the file's name by default).

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (line in the file), ``case`` (None when anonymous),
        ``centre``, ``date`` (datetime64 day or NaT), ``rating``, ``emotion``
        (float, NaN when not given), ``step`` (None when not given),
        ``comment`` (text, "" when none).

    Raises
    ------
    journeys.errors.InputError
        One line per bad row (or a bad header); nothing is returned then.
    """
    from journeys.errors import InputError

    name = source_name or _name(source)
    raw = _read(source, name)
    cols = [str(c).strip() for c in raw.columns]
    raw.columns = cols
    head = []
    for c in cols:
        if c not in SURVEY_COLUMNS:
            head.append(f"{name}: line 1: unknown column {c!r}{_nearest(c, SURVEY_COLUMNS)}; "
                        f"known: {', '.join(SURVEY_COLUMNS)}")  # fmt: skip
    if not {"rating", "emotion"} & set(cols):
        head.append(f"{name}: line 1: needs a 'rating' (1-5) or an 'emotion' (-2..+2) column")
    if "case" not in cols and not {"centre", "date"} <= set(cols):
        head.append(f"{name}: line 1: needs a 'case' column, or 'centre' and 'date' columns")
    if head:
        raise InputError("\n".join(head))
    for c in SURVEY_COLUMNS:
        if c not in raw.columns:
            raw[c] = ""
    raw = raw.fillna("").astype(str).apply(lambda s: s.str.strip())

    firsts = log.sort_values(timestamp, kind="stable").drop_duplicates(case, keep="first")
    case_ids = firsts[case].astype(str).to_numpy()
    case_day = dict(zip(case_ids, _days(firsts[timestamp], tz), strict=True))
    case_centre = dict(zip(case_ids, firsts[by].astype(str).to_numpy(), strict=True)) if by else {}
    centres = sorted(set(log[by].dropna().astype(str))) if by else []
    days = _days(log[timestamp], tz)
    lo, hi = days.min(), days.max()
    steps = set(log[activity].dropna().astype(str))
    if journey is not None:
        steps |= {s.id for s in journey.steps} | {s.name for s in journey.steps if s.name}
    step_list = sorted(steps)

    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    out_rows = []
    for i, r in enumerate(raw.itertuples(index=False), start=2):
        bad = []
        cid, centre, date_text = r.case, r.centre, r.date
        if not cid and not (centre and date_text):
            bad.append("needs a case id, or a centre and a date")
        if cid and cid not in case_day:
            bad.append(f"case {cid!r} is not in the log")
        if centre and not by:
            bad.append("gives a centre but no --by column says which column is the centre")
        elif centre and centre not in centres:
            bad.append(f"centre {centre!r} is not in the log's {by!r}{_nearest(centre, centres)}")
        elif centre and cid in case_centre and case_centre[cid] != centre:
            bad.append(f"case {cid!r} is at centre {case_centre[cid]!r} in the log, not {centre!r}")
        day = pd.NaT
        if date_text:
            day = pd.to_datetime(date_text, errors="coerce", format="ISO8601")
            if pd.isna(day):
                bad.append(f"date must be YYYY-MM-DD, got {date_text!r}")
            else:
                day = pd.Timestamp(day.date())
                if day < lo or day > hi:
                    bad.append(
                        f"date {date_text} is outside the log's period "
                        f"({lo:%Y-%m-%d} to {hi:%Y-%m-%d})"
                    )
                elif cid in case_day and day < case_day[cid]:
                    bad.append(
                        f"date {date_text} is before case {cid!r} started "
                        f"({case_day[cid]:%Y-%m-%d})"
                    )
        rating = emotion = np.nan
        if not r.rating and not r.emotion:
            bad.append("gives no rating and no emotion")
        if r.rating:
            v = pd.to_numeric(r.rating, errors="coerce")
            lo_r, hi_r = RATING_RANGE
            if pd.isna(v) or v != int(v) or not lo_r <= v <= hi_r:
                bad.append(f"rating must be a whole number from {lo_r} to {hi_r}, got {r.rating!r}")
            else:
                rating = float(v)
        if r.emotion:
            v = pd.to_numeric(r.emotion, errors="coerce")
            lo_e, hi_e = EMOTION_RANGE
            if pd.isna(v) or not lo_e <= v <= hi_e:
                bad.append(
                    f"emotion must be a number from {lo_e:+g} to {hi_e:+g}, got {r.emotion!r}"
                )
            else:
                emotion = float(v)
        if r.step and r.step not in steps:
            bad.append(f"step {r.step!r} is not a step of the log{_nearest(r.step, step_list)}")
        if cid in case_day:  # (an unknown case is named once, not again as a duplicate)
            key = (cid, r.step)
            if key in seen:
                about = f" about step {r.step!r}" if r.step else ""
                bad.append(
                    f"a second answer for case {cid!r}{about} (the first is row {seen[key]})"
                )
            else:
                seen[key] = i
        problems += [f"{name}: row {i}: {b}" for b in bad]
        out_rows.append((i, cid or None, centre or None, day, rating, emotion, r.step or None,
                         r.comment))  # fmt: skip
    if problems:
        more = len(problems) - _SHOWN
        shown = problems[:_SHOWN] + ([f"{name}: ... and {more} more problems"] if more > 0 else [])
        raise InputError("\n".join(shown))
    if not out_rows:
        raise InputError(f"{name}: the survey has no answers")
    out = pd.DataFrame(out_rows, columns=["row", *SURVEY_COLUMNS])
    out["date"] = pd.to_datetime(out["date"])
    missing = out["case"].notna() & out["centre"].isna()
    if by:
        out.loc[missing, "centre"] = out.loc[missing, "case"].map(case_centre)
    return out


def _name(source: object) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).name
    return "survey"


def _read(source: object, name: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise LogError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise LogError(f"{name}: not UTF-8 text") from None
    except pd.errors.EmptyDataError:
        raise LogError(f"{name}: the file is empty (a survey needs a header row)") from None
    except pd.errors.ParserError as e:
        m = re.search(r"line (\d+)", str(e))
        where = f"line {m.group(1)}: " if m else ""
        raise LogError(
            f"{name}: {where}not a CSV table ({' '.join(str(e).split())[:120]})"
        ) from None


def _days(times: pd.Series, tz: str | None) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(times)
    if tz is not None:
        idx = idx.tz_convert(tz)
    return idx.tz_localize(None).normalize()


def join_feedback(feedback: pd.DataFrame, cases: pd.DataFrame, *, every: str = "month"
                  ) -> pd.DataFrame:  # fmt: skip
    """The answers with their case's measures (NaN for anonymous answers) and period.

    ``cases`` is :attr:`analysis.monitor.Monitor.cases` (indexed by case id,
    with ``centre``, ``period``, ``lead_minutes``, ``visits``). An anonymous
    answer takes the period of its date.
    """
    from analysis.monitor import PERIODS

    idx = cases.index.astype(str)
    by_case = cases.set_axis(idx)
    joined = feedback.copy()
    known = joined["case"].notna()
    for col in ("lead_minutes", "visits", "handoffs"):
        joined[col] = joined["case"].map(by_case[col]) if known.any() else np.nan
    period = joined["case"].map(by_case["period"]) if known.any() else pd.Series(
        [None] * len(joined), index=joined.index)  # fmt: skip
    dated = joined["date"].dt.to_period(PERIODS[every])
    joined["period"] = [p if k else d for p, d, k in zip(period, dated, known, strict=True)]
    centre = joined["case"].map(by_case["centre"]) if known.any() else joined["centre"]
    joined["centre"] = joined["centre"].where(joined["centre"].notna(), centre)
    return joined


def satisfaction_by(joined: pd.DataFrame, key: str) -> pd.DataFrame:
    """Answers, mean rating, share rating 4 or 5, and mean emotion per ``key``.

    Examples
    --------
    >>> import pandas as pd
    >>> fb = pd.DataFrame({"centre": ["X", "X", "Y"], "rating": [5.0, 2.0, float("nan")],
    ...                    "emotion": [float("nan"), float("nan"), -1.0]})
    >>> satisfaction_by(fb, "centre")
            answers  ratings  rating_mean  satisfied_share  emotions  emotion_mean
    centre
    X             2        2          3.5              0.5         0           NaN
    Y             1        0          NaN              NaN         1          -1.0
    """
    g = joined.dropna(subset=[key]).groupby(key, sort=True)
    out = pd.DataFrame(
        {
            "answers": g.size(),
            "ratings": g["rating"].count(),
            "rating_mean": g["rating"].mean(),
            "satisfied_share": g["rating"].apply(
                lambda s: (s.dropna() >= 4).mean() if s.notna().any() else np.nan
            ),  # fmt: skip
            "emotions": g["emotion"].count(),
            "emotion_mean": g["emotion"].mean(),
        }
    )
    return out


def rating_effects(
    joined: pd.DataFrame, *, seed: int = 0, n_boot: int = 2000, min_answers: int = 20
) -> pd.DataFrame:
    """How the overall rating follows visits and lead time: OLS with bootstrap intervals.

    The model is ``rating = b0 + b_visits * visits + b_days * lead days`` over
    the answers linked to a case (one overall rating per case, the answers
    whose ``step`` is empty). The 95% intervals are percentile intervals of
    ``n_boot`` bootstrap resamples of those cases (``numpy`` least squares;
    written here because the project carries no statistics package and the
    model is two lines of linear algebra). Visits are left out when the log
    does not record them.

    Returns
    -------
    pandas.DataFrame
        Indexed by term (``per extra visit``, ``per day of lead time``):
        ``slope``, ``ci_low``, ``ci_high``, ``answers``. Empty, with
        ``attrs["reason"]``, when fewer than ``min_answers`` rated cases or
        no spread in a measure.
    """
    d = joined[joined["case"].notna() & joined["step"].isna() & joined["rating"].notna()]
    terms = {"per extra visit": d["visits"].astype(float),
             "per day of lead time": d["lead_minutes"].astype(float) / 1440.0}  # fmt: skip
    if d["visits"].isna().all():
        terms.pop("per extra visit")
    X = pd.DataFrame(terms).dropna()
    y = d.loc[X.index, "rating"].to_numpy(float)
    empty = pd.DataFrame(columns=["slope", "ci_low", "ci_high", "answers"])
    if len(X) < min_answers:
        empty.attrs["reason"] = (
            f"only {len(X)} rated cases are linked to the log (at least {min_answers} needed)"
        )
        return empty
    if (X.std() == 0).any():
        flat = ", ".join(X.columns[X.std() == 0])
        empty.attrs["reason"] = f"every rated case has the same value {flat}: no slope to measure"
        return empty
    A = np.column_stack([np.ones(len(X)), X.to_numpy(float)])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    rng = np.random.default_rng(seed)
    draws = np.empty((n_boot, A.shape[1]))
    for b in range(n_boot):
        pick = rng.integers(0, len(y), size=len(y))
        draws[b] = np.linalg.lstsq(A[pick], y[pick], rcond=None)[0]
    lo, hi = np.nanquantile(draws, [0.025, 0.975], axis=0)
    out = pd.DataFrame(
        {"slope": coef[1:], "ci_low": lo[1:], "ci_high": hi[1:], "answers": len(y)},
        index=pd.Index(list(X.columns), name="term"),
    )
    out.attrs["intercept"] = float(coef[0])
    return out


def emotion_curve(joined: pd.DataFrame, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean emotion per step (answers naming a step), in ``order`` when given.

    Examples
    --------
    >>> import pandas as pd
    >>> fb = pd.DataFrame({"step": ["b", "a", "a", None], "emotion": [-1.0, 2.0, 1.0, 0.0]})
    >>> emotion_curve(fb, order=["a", "b"])
          answers  emotion_mean
    step
    a           2           1.5
    b           1          -1.0
    """
    d = joined.dropna(subset=["step", "emotion"])
    g = d.groupby("step")["emotion"]
    out = pd.DataFrame({"answers": g.count(), "emotion_mean": g.mean()})
    if order is not None:
        out = out.reindex([s for s in order if s in out.index])
    return out


def comments_by_step(
    joined: pd.DataFrame,
    *,
    steps: Sequence[str],
    examples: int = 3,
) -> pd.DataFrame:
    """The comments grouped by the steps they are about, without case ids.

    A comment is about a step when its ``step`` names it or its text names
    the step (case-insensitive; ``steps`` are the log's activities and the
    journey's step names). Comments naming none are grouped as ``(no step
    named)``. Each group shows how many comments, their mean rating and
    emotion, and the first ``examples`` comments, each cut at 280
    characters (in file order, so the same file gives the same report).

    Examples
    --------
    >>> import pandas as pd
    >>> fb = pd.DataFrame({"step": [None, None, "Pay"], "comment": ["Pay desk slow", "ok", ""],
    ...     "rating": [2.0, 5.0, 3.0], "emotion": [float("nan")] * 3})
    >>> comments_by_step(fb, steps=["Pay", "Submit"])[["comments", "rating_mean"]]
                   comments  rating_mean
    step
    Pay                   1          2.0
    (no step named)       1          5.0
    """
    d = joined[joined["comment"].astype(str).str.strip() != ""]
    names = sorted({s for s in steps if s}, key=len, reverse=True)
    rows: dict[str, list[int]] = {}
    lower = d["comment"].astype(str).str.lower()
    for pos, (label, text) in enumerate(zip(d["step"], lower, strict=True)):
        hits = [label] if isinstance(label, str) and label else []
        for s in names:  # longest first: "submit" inside "Submit application" is one step
            if s.lower() in text and not any(s.lower() in h.lower() for h in hits):
                hits.append(s)
        for h in hits or ["(no step named)"]:
            rows.setdefault(h, []).append(pos)
    out = []
    for step, positions in rows.items():
        part = d.iloc[positions]
        distinct = list(dict.fromkeys(part["comment"].astype(str)))[:examples]
        shown = [c if len(c) <= _MAX_COMMENT else c[: _MAX_COMMENT - 1] + "…" for c in distinct]
        out.append((step, len(part), part["rating"].mean(), part["emotion"].mean(), shown))
    table = pd.DataFrame(out, columns=["step", "comments", "rating_mean", "emotion_mean",
                                       "examples"]).set_index("step")  # fmt: skip
    order = table["comments"].sort_values(ascending=False, kind="stable").index
    named = [s for s in order if s != "(no step named)"]
    return table.loc[named + [s for s in order if s == "(no step named)"]]

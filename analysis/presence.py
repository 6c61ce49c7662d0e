"""Which steps needed the citizen in person: declared by the user, never guessed.

Real logs rarely say it. :func:`analysis.calibrate.calibrate` marks a step
citizen-facing (present, at a door of its agency) when the user says so, in
one of three ways, checked here:

* ``citizen_steps``: activity names (compared without case), e.g.
  ``["Confirmation of receipt"]``; every execution of them is present;
* the log's own ``odsc:citizen_present`` column, or another boolean column
  read as it (``read_log(present=COLUMN)``, ``--present COLUMN``);
* a rule ``COLUMN=VALUE`` (``--present case:channel=Desk``): events whose
  column holds that value are present. When the column is a case attribute
  (one value per case, such as a channel), it says how the application came
  in, so only the first event of each such case is marked.

A step is citizen-facing when at least ``share`` of its executions are present
(half by default, the rule of :func:`analysis.calibrate.calibrate`).

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b", "b"],
...     "concept:name": ["apply", "check", "apply", "check"],
...     "time:timestamp": pd.to_datetime(["2024-03-04 09:00", "2024-03-04 10:00",
...                                       "2024-03-04 09:30", "2024-03-04 11:00"], utc=True),
...     "case:channel": ["Desk", "Desk", "Internet", "Internet"]})
>>> mark_present(log, rule="case:channel=Desk")["odsc:citizen_present"].tolist()
[True, False, False, False]
>>> mark_present(log, citizen_steps=["Apply"])["odsc:citizen_present"].tolist()
[True, False, True, False]
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.calibration_input import CalibrationError
from analysis.schema import ACTIVITY, CASE, PRESENT, TIMESTAMP

__all__ = ["mark_present", "parse_rule"]


def parse_rule(text: str) -> tuple[str, str] | None:
    """``"case:channel=Desk"`` -> ``("case:channel", "Desk")``; a bare column name -> None.

    Examples
    --------
    >>> parse_rule("case:channel=Desk"), parse_rule("at_desk")
    (('case:channel', 'Desk'), None)
    """
    col, sep, value = text.partition("=")
    if not sep:
        return None
    if not col.strip() or not value.strip():
        raise CalibrationError(f"option present: expected COLUMN=VALUE, got {text!r}")
    return col.strip(), value.strip()


def mark_present(
    log: pd.DataFrame,
    *,
    citizen_steps: Sequence[str] = (),
    rule: str | None = None,
) -> pd.DataFrame:
    """The log with an ``odsc:citizen_present`` column set from what the user declared.

    Exactly what the module docs say; with nothing declared the log is
    returned as it is (a present column it already has is kept). Several ways
    combine: an event is present when any of them says so.

    Raises
    ------
    CalibrationError
        An activity, column or value the log does not have (one line, with
        the nearest names).
    """
    if not citizen_steps and rule is None:
        return log
    marks = np.zeros(len(log), dtype=bool)
    if citizen_steps:
        names = log[ACTIVITY].astype(str)
        by_key = {n.casefold(): n for n in names.unique()}
        for step in citizen_steps:
            key = step.strip().casefold()
            if key not in by_key:
                near = difflib.get_close_matches(step.strip(), list(by_key.values()), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise CalibrationError(f"option citizen_steps: no activity {step.strip()!r}{hint}")
            marks |= names.eq(by_key[key]).to_numpy()
    if rule is not None:
        col, value = parse_rule(rule) or (rule, "")
        _need(log, col, "present")
        text = log[col].astype(str).str.strip()
        hit = text.eq(value).to_numpy().copy()
        if not hit.any():
            seen = ", ".join(repr(v) for v in text.unique()[:6])
            raise CalibrationError(f"option present: no event has {col} = {value!r} (values: {seen})")
        if _is_case_attribute(log, col):
            hit &= _first_of_case(log)
        marks |= hit
    if PRESENT in log.columns:
        marks |= log[PRESENT].fillna(False).to_numpy(dtype=bool)
    return log.assign(**{PRESENT: marks})


def _need(log: pd.DataFrame, column: str, option: str) -> None:
    if column not in log.columns:
        near = difflib.get_close_matches(column, [str(c) for c in log.columns], n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise CalibrationError(f"option {option}: the log has no column {column!r}{hint}")


def _is_case_attribute(log: pd.DataFrame, column: str) -> bool:
    return bool((log.groupby(CASE, sort=False)[column].nunique(dropna=False) <= 1).all())


def _first_of_case(log: pd.DataFrame) -> np.ndarray:
    t = log[TIMESTAMP].to_numpy()
    first = log.assign(_t=t).groupby(CASE, sort=False)["_t"].transform("min").to_numpy()
    out = t == first
    # one first event per case, even when several share the first time
    dup = pd.Series(out).groupby(log[CASE].to_numpy()).cumsum().to_numpy() > 1
    return out & ~dup

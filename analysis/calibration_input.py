"""What calibrate takes in: the log's columns and options, checked, and its activities.

:func:`analysis.calibrate.calibrate` reads any log whose columns it is told
the names of. This module holds what it does before building a journey:

* the options and the log are checked, each problem raised as a
  :class:`CalibrationError` of one line naming the option, column or log;
* the named columns are copied under the canonical names of
  :mod:`analysis.schema` (an ``org:group`` of ``unknown`` where missing);
* what the log says about each activity: its most frequent known agency and
  door, and whether the citizen is present at most of its events;
* step ids made from names, in the names' own script (letters, marks and digits
  of any script, NFC-normalised, lower case, ``_`` between words, unique), so a
  Lao activity ``ຍື່ນຄຳຮ້ອງ`` keeps the id ``ຍື່ນຄຳຮ້ອງ``.

Examples
--------
>>> _unique_slugs(["Submit form", "Submit-form", "Pay fee"], taken={"pay_fee"})
['submit_form', 'submit_form_2', 'pay_fee_2']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import pandas as pd

from analysis.lifecycle import SUSPENDED
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    CASE,
    DOOR,
    PRESENT,
    RESOURCE,
    START,
    TIMESTAMP,
    UNKNOWN_AGENCY,
    LogError,
)
from journeys.model import CARRIERS

__all__ = ["CalibrationError"]


class CalibrationError(LogError):
    """A log or an option :func:`analysis.calibrate.calibrate` cannot work with.

    Its message is one line that names the option, the column or the log.
    """


def _check_options(**o: float | int | str) -> None:
    def bad(name: str, rule: str) -> None:
        raise CalibrationError(f"option {name}: must be {rule}, got {o[name]!r}")

    for key in ("coverage", "capacity_quantile"):
        if not 0 < float(o[key]) <= 1:
            bad(key, "in (0, 1]")
    for key in ("processing_quantile", "min_day_share", "alpha"):
        if not 0 <= float(o[key]) < 1:
            bad(key, "in [0, 1)")
    if not float(o["max_processing"]) >= 0:
        bad("max_processing", ">= 0")
    for key in ("min_samples", "max_points"):
        if int(o[key]) < 1:
            bad(key, "a whole number >= 1")
    if o["handoff_carrier"] not in CARRIERS:
        bad("handoff_carrier", f"one of {', '.join(CARRIERS)}")


def _canonical(
    log: pd.DataFrame,
    case: str,
    activity: str,
    timestamp: str,
    start: str,
    resource: str,
    agency: str,
    door: str,
    present: str,
) -> pd.DataFrame:
    """The log with the named columns under their canonical names (a new frame)."""
    if not isinstance(log, pd.DataFrame):
        raise CalibrationError(f"event log: expected a DataFrame, got {type(log).__name__}")
    for col in (case, activity, timestamp):
        if col not in log.columns:
            raise CalibrationError(f"event log: no column {col!r} (read the log with read_log)")
    if len(log) == 0:
        raise CalibrationError("event log: no events to calibrate from")
    names = {case: CASE, activity: ACTIVITY, timestamp: TIMESTAMP, start: START}
    names |= {resource: RESOURCE, agency: AGENCY, door: DOOR, present: PRESENT}
    names[SUSPENDED] = SUSPENDED  # paused minutes, subtracted from processing
    wanted = {k: v for k, v in names.items() if k in log.columns}
    out = log[list(wanted)].rename(columns=wanted)
    for col in (TIMESTAMP, START):
        if col in out.columns and not pd.api.types.is_datetime64_any_dtype(out[col]):
            raise CalibrationError(f"event log: column {col!r} does not hold times")
    if AGENCY not in out.columns:
        out[AGENCY] = UNKNOWN_AGENCY
    out[AGENCY] = out[AGENCY].astype(object).where(out[AGENCY].notna(), UNKNOWN_AGENCY).astype(str)
    return out


def _slug(text: str) -> str:
    """An id from a name, in the name's own script: letters, marks and digits of any
    script (NFC), lower case, every other run of characters one ``_``.

    >>> _slug("ຍື່ນຄຳຮ້ອງ (ຮອບ 2)"), _slug("Vérifier le dossier"), _slug("!!")
    ('ຍື່ນຄຳຮ້ອງ_ຮອບ_2', 'vérifier_le_dossier', 'step')
    """
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd" else " "
        for ch in unicodedata.normalize("NFC", str(text)).lower()
    )
    return "_".join(kept.split()) or "step"


def _unique_slugs(names: Sequence[str], *, taken: set[str]) -> list[str]:
    out = []
    used = set(taken)
    for n in names:
        base = _slug(n)
        s, k = base, 2
        while s in used:
            s, k = f"{base}_{k}", k + 1
        used.add(s)
        out.append(s)
    return out


def _mode_known(ev: pd.DataFrame, key: str, column: str) -> dict[str, str]:
    """The most frequent known value of ``column`` per value of ``key``."""
    values = ev[column].astype(object)
    known = values.notna() & (values.astype(str) != UNKNOWN_AGENCY)
    frame = pd.DataFrame({"k": ev[key].astype(str).to_numpy(), "v": values.astype(str).to_numpy()})
    frame["known"] = known.to_numpy()
    # known values first, then by frequency, then by name (a stable tie-break)
    counts = frame.groupby(["k", "known", "v"], sort=False).size().rename("n").reset_index()
    counts = counts.sort_values(["k", "known", "n", "v"], ascending=[True, False, False, True])
    best = counts.drop_duplicates("k")
    out = dict(zip(best["k"], best["v"]))
    if column == AGENCY:
        return out
    return {k: v for k, v, ok in zip(best["k"], best["v"], best["known"]) if ok}


def _present_steps(ev: pd.DataFrame) -> dict[str, bool]:
    if PRESENT not in ev.columns:
        return {}
    share = ev[PRESENT].astype(float).groupby(ev[ACTIVITY].astype(str).to_numpy()).mean()
    return {str(a): bool(s >= 0.5) for a, s in share.items()}

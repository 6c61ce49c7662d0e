"""Make the synthetic ODSC event log ``examples/odsc_example_log.csv``.

A seeded, made-up log of business-licence applications (the catalogue journey
``business-licence``: village certificate, application at Industry and
Commerce, police clearance, environmental check, tax registration, approval,
collection) handled by three district centres. It has everything the mining
report can use: start and completion times (local time, UTC+07:00), the agency
of every step, the clerk's desk, the door of citizen-facing steps, whether the
citizen had to be present, and a ``centre`` column to compare centres with
``--by centre``. No real person or case is in it.

The file was made with::

    python examples/make_example_log.py --cases 240 --seed 7 -o examples/odsc_example_log.csv

and is mined with::

    odsc mine examples/odsc_example_log.csv --by centre --journey business-licence -o report.html

:func:`make_survey` writes a matching **synthetic** citizen survey
(``examples/odsc_example_survey.csv``, made with ``--survey``): an overall 1-5
rating from about 60% of the cases, drawn from the known model of
:data:`SURVEY_MODEL` (satisfaction falls with each visit and each day of lead
time), -2..+2 emotions at the citizen's steps for half of them, a few comments
and some anonymous answers (centre and date, no case id). The tests recover
the model's slopes from it::

    python examples/make_example_log.py --survey examples/odsc_example_survey.csv
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CENTRES", "STEPS", "SURVEY_MODEL", "make_log", "make_survey", "main"]

#: step id -> (activity, agency, door or "", citizen present, mean minutes, sd minutes)
STEPS: dict[str, tuple[str, str, str, bool, float, float]] = {
    "village_cert": ("Get residence certificate", "Village", "Village office", True, 15, 5),
    "submit": ("Submit application", "Commerce", "DOIC front office", True, 20, 8),
    "doic_review": ("Review dossier", "Commerce", "", False, 45, 20),
    "police_clearance": ("Police clearance", "Police", "Police station", True, 25, 10),
    "site_inspection": ("Environmental site check", "Environment", "", False, 120, 40),
    "tax_registration": ("Tax registration (TIN)", "Tax", "Tax office", True, 30, 12),
    "doic_approval": ("Approve and sign licence", "Commerce", "", False, 20, 15),
    "collect_licence": (
        "Pay licence fee and collect licence",
        "Commerce",
        "DOIC front office",
        True,
        10,
        2,
    ),
}

#: centre -> (delay factor between offices, mean queue minutes at a door, rework probability)
CENTRES: dict[str, tuple[float, float, float]] = {
    "Xaythany": (0.6, 8.0, 0.10),
    "Hadxayfong": (1.0, 14.0, 0.20),
    "Sikhottabong": (1.6, 30.0, 0.30),
}

# Days (low, high) the file spends between two steps (the journey's transition delays).
_DELAY_DAYS = {
    "submit": (1, 3),
    "doic_review": (0, 1),
    "police_clearance": (1, 3),
    "site_inspection": (2, 5),
    "tax_registration": (1, 4),
    "doic_approval": (1, 3),
    "collect_licence": (1, 3),
    "resubmit": (2, 5),
}
_OPEN = ((8 * 60, 12 * 60), (13 * 60, 16 * 60))  # office hours, Monday to Friday
_TZ = "+07:00"
# Minutes of the day when an office works (every 10 minutes), to draw arrival times from.
_OFFICE_MINUTES = np.array([m for lo, hi in _OPEN for m in range(lo, hi - 20, 10)])


def make_log(
    *,
    cases: int = 240,
    seed: int = 7,
    start: str = "2024-03-04",
    days: int = 91,
    drift: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The synthetic log as a DataFrame in the canonical schema (local times as text).

    ``days`` is the span of the arrivals; ``drift`` maps a centre to the change
    of its delays between offices per 30 days (``-0.1``: 10% shorter each month,
    a reform that works), for monitoring examples with a known trend. The
    defaults make the committed example log.

    Examples
    --------
    >>> log = make_log(cases=5, seed=1)
    >>> log["case:concept:name"].nunique(), sorted(log["centre"].unique())[:1]
    (5, ['Hadxayfong'])
    >>> bool((log["start_timestamp"] <= log["time:timestamp"]).all())
    True
    """
    rng = np.random.default_rng(seed)
    day0 = datetime.fromisoformat(start)
    names = list(CENTRES)
    # Arrivals: working days (Monday to Friday) over about three months, morning-heavy.
    weekdays = np.array([d for d in range(days) if (day0 + timedelta(days=d)).weekday() < 5])
    arrival_day = np.sort(rng.choice(weekdays, size=cases))
    arrival_min = (
        rng.choice(
            [8, 9, 10, 11, 13, 14, 15], size=cases, p=[0.2, 0.25, 0.2, 0.08, 0.12, 0.1, 0.05]
        )
        * 60
    )
    arrival_min = arrival_min + rng.integers(0, 50, size=cases)
    centre = rng.choice(len(names), size=cases, p=[0.4, 0.35, 0.25])
    rows: list[tuple] = []
    # One loop over cases: the log is small and a readable walk through the journey is
    # easier to check than a vectorised one (the benchmark's generator is vectorised).
    for i in range(cases):
        name = names[centre[i]]
        factor, queue, rework = CENTRES[name]
        if drift and name in drift:
            factor = factor * max(0.05, 1.0 + drift[name] * int(arrival_day[i]) / 30.0)
        path = ["village_cert", "submit", "doic_review"]
        while rng.random() < rework and path.count("submit") < 3:
            path += ["submit", "doic_review"]
        path += [
            "police_clearance",
            "site_inspection",
            "tax_registration",
            "doic_approval",
            "collect_licence",
        ]
        t = _open_at(day0 + timedelta(days=int(arrival_day[i]), minutes=int(arrival_min[i])))
        for k, step in enumerate(path):
            activity, agency, door, present, mean, sd = STEPS[step]
            if k > 0:
                resubmit = step == "submit" and k > 1
                lo, hi = _DELAY_DAYS["resubmit" if resubmit else step]
                # The file reaches the next office some working days later, at a random
                # office hour (not at opening time, which would pile every step at 08:00).
                days = max(0, round(float(rng.uniform(lo, hi)) * factor))
                hour = rng.choice(_OFFICE_MINUTES)
                later = (t + timedelta(days=days)).replace(hour=0, minute=0)
                while later.weekday() >= 5:  # offices are closed at weekends
                    later += timedelta(days=1)
                t = _open_at(max(t, later + timedelta(minutes=int(hour))))
            if present:
                t = _open_at(t + timedelta(minutes=float(rng.exponential(queue))))
            elif k > 0:
                t = _open_at(t + timedelta(minutes=float(rng.exponential(60))))
            minutes = max(2.0, float(rng.gamma((mean / sd) ** 2, sd**2 / mean)))
            end = t + timedelta(minutes=round(minutes))
            desk = f"{agency.lower()}-{name[:3].lower()}-{int(rng.integers(1, 3))}"
            rows.append(
                (
                    f"BL-{i + 1:04d}",
                    activity,
                    _text(t),
                    _text(end),
                    agency,
                    desk,
                    door,
                    present,
                    name,
                )
            )
            t = end
    return pd.DataFrame(
        rows,
        columns=[
            "case:concept:name",
            "concept:name",
            "start_timestamp",
            "time:timestamp",
            "org:group",
            "org:resource",
            "odsc:door",
            "odsc:citizen_present",
            "centre",
        ],
    )


#: The synthetic survey's rating model: latent = intercept + visit * visits + day * lead
#: days + N(0, noise), rounded to a whole rating and kept within 1..5.
SURVEY_MODEL: dict[str, float] = {"intercept": 6.6, "visit": -0.4, "day": -0.05, "noise": 0.6}

# Emotion (-2..+2) at each citizen-facing step before the centre's offset and noise.
_STEP_EMOTION = {
    "Get residence certificate": 1.0,
    "Submit application": 0.0,
    "Police clearance": -1.0,
    "Tax registration (TIN)": -0.5,
    "Pay licence fee and collect licence": 1.5,
}
_CENTRE_EMOTION = {"Xaythany": 0.5, "Hadxayfong": 0.0, "Sikhottabong": -0.7}
_COMMENTS = {
    "Submit application": "Had to Submit application again because one paper was missing",
    "Police clearance": "Police clearance meant another trip and a long queue",
    "Tax registration (TIN)": "The queue for Tax registration (TIN) was long",
    "Get residence certificate": "The village office was quick and friendly",
    "Pay licence fee and collect licence": "Staff explained the fee well when I came to collect",
}


def make_survey(log: pd.DataFrame, *, seed: int = 11) -> pd.DataFrame:
    """A synthetic survey of the cases of ``log`` (the output of :func:`make_log`).

    Visits are the citizen-present steps of a case (each at another office or on
    another day in this log), lead days its last completion minus first start.

    Examples
    --------
    >>> survey = make_survey(make_log(cases=40, seed=1), seed=2)
    >>> list(survey.columns)
    ['case', 'centre', 'date', 'rating', 'emotion', 'step', 'comment']
    >>> bool(survey["rating"].dropna().between(1, 5).all())
    True
    """
    rng = np.random.default_rng(seed)
    m = SURVEY_MODEL
    start = pd.to_datetime(log["start_timestamp"], utc=False)
    end = pd.to_datetime(log["time:timestamp"], utc=False)
    frame = log.assign(_start=start, _end=end)
    rows: list[tuple] = []
    for cid, g in frame.groupby("case:concept:name", sort=True):
        if rng.random() >= 0.6:
            continue
        present = g[g["odsc:citizen_present"]]
        visits = len(present)
        days = (g["_end"].max() - g["_start"].min()).total_seconds() / 86400.0
        latent = m["intercept"] + m["visit"] * visits + m["day"] * days
        rating = int(np.clip(np.rint(latent + rng.normal(0.0, m["noise"])), 1, 5))
        centre = str(g["centre"].iloc[0])
        date = g["_end"].max().strftime("%Y-%m-%d")
        anonymous = rng.random() < 0.1
        comment = ""
        if rng.random() < 0.3:
            acts = list(dict.fromkeys(present["concept:name"]))
            sad = [a for a in acts if _STEP_EMOTION.get(a, 0.0) <= 0] or acts
            glad = [a for a in acts if _STEP_EMOTION.get(a, 0.0) > 0] or acts
            pick = sad if rating <= 3 else glad
            comment = _COMMENTS.get(pick[int(rng.integers(len(pick)))], "")
        if anonymous:  # answered at the centre's kiosk: no case id
            rows.append(("", centre, date, rating, "", "", comment))
            continue
        rows.append((cid, "", date, rating, "", "", comment))
        if rng.random() < 0.5:
            for act in dict.fromkeys(present["concept:name"]):
                base = _STEP_EMOTION.get(act, 0.0) + _CENTRE_EMOTION.get(centre, 0.0)
                emotion = int(np.clip(np.rint(base + rng.normal(0.0, 0.5)), -2, 2))
                rows.append((cid, "", date, "", emotion, act, ""))
    return pd.DataFrame(rows, columns=["case", "centre", "date", "rating", "emotion", "step",
                                       "comment"])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Write the example log (see the module docstring for the command)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=240)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("odsc_example_log.csv")
    )
    parser.add_argument("--days", type=int, default=91, help="Span of the arrivals in days.")
    parser.add_argument(
        "--drift",
        action="append",
        default=[],
        metavar="CENTRE=RATE",
        help="Change of a centre's delays per 30 days, e.g. Sikhottabong=-0.12 (repeatable).",
    )
    parser.add_argument("--survey", type=Path, help="Also write the synthetic survey here.")
    parser.add_argument("--survey-seed", type=int, default=11)
    args = parser.parse_args(argv)
    drift = {k: float(v) for k, _, v in (d.partition("=") for d in args.drift)}
    log = make_log(cases=args.cases, seed=args.seed, days=args.days, drift=drift or None)
    log.to_csv(args.output, index=False, lineterminator="\n")
    print(f"{args.output}: {log['case:concept:name'].nunique()} cases, {len(log)} events")
    if args.survey:
        survey = make_survey(log, seed=args.survey_seed)
        survey.to_csv(args.survey, index=False, lineterminator="\n")
        print(f"{args.survey}: {len(survey)} answers (synthetic)")


def _open_at(t: datetime) -> datetime:
    """The first minute at or after ``t`` when the offices are open."""
    while True:
        if t.weekday() < 5:
            m = t.hour * 60 + t.minute
            for lo, hi in _OPEN:
                if m < lo:
                    return t.replace(hour=lo // 60, minute=lo % 60, second=0, microsecond=0)
                if m < hi:
                    return t.replace(second=0, microsecond=0)
        t = (t + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def _text(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:00") + _TZ


if __name__ == "__main__":
    main()

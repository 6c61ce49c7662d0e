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
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CENTRES", "STEPS", "make_log", "main"]

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


def make_log(*, cases: int = 240, seed: int = 7, start: str = "2024-03-04") -> pd.DataFrame:
    """The synthetic log as a DataFrame in the canonical schema (local times as text).

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
    weekdays = np.array([d for d in range(91) if (day0 + timedelta(days=d)).weekday() < 5])
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


def main(argv: list[str] | None = None) -> None:
    """Write the example log (see the module docstring for the command)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=240)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("odsc_example_log.csv")
    )
    args = parser.parse_args(argv)
    log = make_log(cases=args.cases, seed=args.seed)
    log.to_csv(args.output, index=False, lineterminator="\n")
    print(f"{args.output}: {log['case:concept:name'].nunique()} cases, {len(log)} events")


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

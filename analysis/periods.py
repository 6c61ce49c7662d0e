"""A process that changed over the log: one calibrated sub-journey per period.

``calibrate(log, periods=[...])`` (:func:`analysis.calibrate.calibrate`) is
for a centre whose way of working changed while the log was recorded (a new
form, a desk moved, a step dropped). Cases are grouped by the period in which
they began; each period is calibrated on its own cases, so it gets its own
steps, routing and delays (step ids suffixed ``_p1``, ``_p2``, ...; names
kept), and the periods are joined at a zero-duration ``Case start`` step that
branches to them by their shares of the cases. Desks, opening hours and
arrivals come from the whole log.

Examples
--------
>>> import pandas as pd
>>> from analysis.calibrate import calibrate
>>> t0 = pd.Timestamp("2024-03-04 09:00", tz="UTC")
>>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
...     "concept:name": ["A", "B", "A", "C"], "org:group": "desk",
...     "time:timestamp": [t0, t0 + pd.Timedelta("20min"),
...                        t0 + pd.Timedelta("30D"), t0 + pd.Timedelta("30D 20min")]})
>>> j = calibrate(log, periods=["2024-03-20"])
>>> j.start, [t.target for t in j.successors("case_start")]
('case_start', ['a_p1', 'a_p2'])
>>> [t.target for t in j.successors("a_p2")]
['c_p2']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from analysis.bottlenecks import _begin_series
from analysis.calibrate import (
    _NOTES_HEADER,
    BOUNDARY_STAGE,
    _fix_probabilities,
    calibrate,
    calibration_notes,
)
from analysis.calibration_input import CalibrationError, _unique_slugs
from analysis.schema import CASE, START, TIMESTAMP
from journeys.model import Distribution, Journey, Step, Transition

__all__: list[str] = []


def _by_period(
    log: pd.DataFrame,
    periods: Sequence[str | pd.Timestamp],
    name: str | None,
    journey_id: str | None,
    options: dict,
) -> Journey:
    """One sub-journey per period of case starts, joined at a ``Case start`` step."""
    try:
        cuts = sorted(pd.Timestamp(p, tz="UTC") for p in periods)
    except (ValueError, TypeError):
        raise CalibrationError(f"option periods: not dates: {list(periods)!r}") from None
    when = _begin_series(log) if START in log.columns else log[TIMESTAMP]
    began = when.groupby(log[CASE].to_numpy(), sort=False).transform("min")
    period = sum((began >= c).to_numpy(dtype=int) for c in cuts)
    whole = calibrate(log, name=name, journey_id=journey_id, **options)
    case_share = log.assign(_p=period).drop_duplicates(CASE)["_p"].value_counts(normalize=True)
    start_id = _unique_slugs(["case_start"], taken=set())[0]
    steps: list[Step] = []
    transitions: list[Transition] = []
    agencies = {a.id: a for a in whole.agencies}
    pools = {p.id: p for p in whole.pools}
    branches = []
    notes = []
    for k in sorted(case_share.index):
        part = calibrate(log[period == k], **options)
        rename = {s.id: f"{s.id}_p{k + 1}" for s in part.steps}
        steps += [replace(s, id=rename[s.id]) for s in part.steps]
        transitions += [
            replace(t, source=rename[t.source], target=rename[t.target]) for t in part.transitions
        ]
        agencies |= {a.id: a for a in part.agencies if a.id not in agencies}
        pools |= {p.id: p for p in part.pools if p.id not in pools}
        branches.append((rename[part.start], float(case_share[k]), None))
        lo = "the start" if k == 0 else str(cuts[k - 1].date())
        hi = "the end" if k == len(cuts) else str(cuts[k].date())
        fitted = [n for n in calibration_notes(part) if " distributions fitted " in n]
        notes.append(
            f"Period {k + 1} (cases begun from {lo} to {hi}, {case_share[k]:.1%} of the cases): "
            f"steps suffixed _p{k + 1}; {fitted[0] if fitted else ''}"
        )
    head = Step(
        start_id, steps[0].agency, Distribution.fixed(0), "Case start", stage=BOUNDARY_STAGE
    )
    joins = [Transition(start_id, t, p) for t, p, _ in _fix_probabilities(branches)]
    intro, _, rest = whole.description.partition(_NOTES_HEADER)
    rest = "\n".join(n for n in rest.splitlines() if " distributions fitted " not in n)
    text = (
        f"{intro}{_NOTES_HEADER}\n- The process changed over the log: each period has its own "
        "steps, routing and delays, joined at a zero-duration 'Case start' step by their shares "
        "of the cases.\n" + "\n".join(f"- {n}" for n in notes) + rest
    )
    return whole.replace(
        start=start_id,
        steps=(head, *steps),
        transitions=(*joins, *transitions),
        agencies=tuple(agencies.values()),
        pools=tuple(pools.values()),
        description=text,
    )

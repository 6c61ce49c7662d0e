"""Common random numbers that follow the citizen (simulations.rng.CitizenDraws).

A change of capacity lets citizens overtake one another; with one stream per
purpose drawn in event order that changed who took a rework loop. Each citizen
now has their own substreams, so path-dependent KPIs (fees, visits) move
together in paired scenarios. Stated factor: on every catalogue as-is journey,
with one desk more at its first pool, the paired 95% CI of the mean fees and of
the mean visits per case is at most a twentieth of the unpaired one (the one of
two independent samples). With the previous event-order streams the same
measurement gave ratios of 4.3 for the family book's visits, and 3.5 and 13.3
for the land title's visits and fees (the business licence's extra village desk
changed no route even then): this test failed on them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.kpis import case_kpis, event_times
from journeys import load_catalog
from journeys.staffing import add_staff
from simulations.engine import simulate
from simulations.measures import arrival_cutoff, log_with_arrivals

FACTOR = 20.0
REPLICATIONS = 8
DAYS, TAIL = 25, 60


def _half(x: np.ndarray) -> float:
    return float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))


def _per_case(journey, replication: int) -> pd.DataFrame:
    """Fees and visits of the measured, finished cases of one replication."""
    res = simulate(journey, days=DAYS + TAIL, seed=4, warmup_days=3, replication=replication)
    c = res.cases
    done = c[(c["arrival"] < arrival_cutoff(journey, DAYS)) & c["finished"]]
    log = log_with_arrivals(res)
    log = log[log["case:concept:name"].isin(done["case:concept:name"])]
    fee = {s.id: float(s.fee) for s in journey.steps}
    fees = log["odsc:step"].map(fee).groupby(log["case:concept:name"]).sum()
    k = case_kpis(event_times(log), journey=journey)
    return pd.DataFrame({"fees": fees, "visits": k["visits"]})


@pytest.mark.parametrize("name", ["business-licence", "family-book", "land-title"])
def test_paired_fees_and_visits_much_narrower_than_unpaired(name):
    j = load_catalog(name)
    more = add_staff(j, j.pools[0].id, 1).journey
    a = [_per_case(j, r).mean() for r in range(REPLICATIONS)]
    b = [_per_case(more, r).mean() for r in range(REPLICATIONS)]
    varied = 0
    for kpi in ("fees", "visits"):
        x = np.array([s[kpi] for s in a])
        y = np.array([s[kpi] for s in b])
        unpaired = math.hypot(_half(x), _half(y))
        paired = _half(y - x)
        if unpaired == 0:  # every case pays the same (no fee on a loop): nothing to pair
            assert paired == 0
            continue
        varied += 1
        assert paired <= unpaired / FACTOR, (kpi, paired, unpaired)
    assert varied >= 1


def test_same_citizen_same_route_when_capacity_changes():
    """The i-th citizen takes the same steps, in the same order, with one desk more."""
    j = load_catalog("business-licence")
    more = add_staff(j, "doic_desk", 2).journey
    logs = [simulate(x, days=20, seed=9).log for x in (j, more)]
    paths = [
        lg.sort_values(["case:concept:name", "start_timestamp"])
        .groupby("case:concept:name")["odsc:step"]
        .agg(tuple)
        for lg in logs
    ]
    finished = paths[0].index.intersection(paths[1].index)
    assert len(finished) > 50
    # the queue at the DOIC desk differs, so the order of service does too ...
    last = [lg.groupby("case:concept:name")["start_timestamp"].max() for lg in logs]
    assert not last[0].equals(last[1])
    # ... but every citizen makes the same choices (the last may still be open)
    same = [
        p0[: len(p1)] == p1[: len(p0)] for p0, p1 in zip(paths[0][finished], paths[1][finished])
    ]
    assert all(same)


def test_work_times_follow_the_citizen():
    """A citizen's work time at a step does not depend on who was served before."""
    j = load_catalog("family-book")
    more = add_staff(j, j.pools[0].id, 3).journey
    logs = [simulate(x, days=15, seed=2).log for x in (j, more)]
    work = [
        (lg["time:timestamp"] - lg["start_timestamp"])
        .groupby([lg["case:concept:name"], lg["odsc:step"]])
        .first()
        for lg in logs
    ]
    common = work[0].index.intersection(work[1].index)
    assert len(common) > 100
    # to the whole second the log is written in
    diff = (work[0][common] - work[1][common]).abs().dt.total_seconds()
    assert float(diff.max()) <= 1.0

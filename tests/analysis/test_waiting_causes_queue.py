"""Waiting causes of a simulated M/M/c queue: every wait is contention, as theory says.

In a first-come, first-served queue whose desks never close, a citizen waits
only while every desk is busy with citizens who came before: the whole wait is
contention (no batching, no prioritisation, no off-duty time), and its mean is
the Erlang C waiting time Wq. The journey is the one-step M/M/c of
``tests/simulations/test_erlang.py``; arrival times come from the simulator's
case table (a real log would not have them).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.waiting_causes import CAUSES, waiting_causes
from journeys.model import Agency, Arrivals, Distribution, Journey, Pool, Step
from simulations import always_open, erlang_c_wait, simulate


def _mmc(lam: float, mu: float, c: int) -> Journey:
    return Journey(
        id="mmc",
        name="M/M/c",
        start="serve",
        steps=(Step("serve", "a", Distribution("exponential", {"mean": 60.0 / mu}), pool="desk"),),
        transitions=(),
        agencies=(Agency("a"),),
        pools=(Pool("desk", capacity=c, calendar="always"),),
        calendars=(always_open(),),
        arrivals=Arrivals(per_day=lam * 24),
    )


def _log(res):
    arrivals = res.cases[["case:concept:name", "arrival"]].rename(
        columns={"arrival": "odsc:arrival"}
    )
    return res.log.merge(arrivals, on="case:concept:name")


def _settled(wc, log):
    """The split waits of citizens who arrived a day after the log begins.

    The log leaves out the warm-up's citizens, so in its first hours desks
    look free while they still serve them (as any log that starts mid-work).
    """
    begin = log["start_timestamp"].min() + pd.Timedelta(days=1)
    late = set(log.loc[log["odsc:arrival"] >= begin, "case:concept:name"])
    return wc.events[wc.events["case"].isin(late)], log[log["case:concept:name"].isin(late)]


def test_every_wait_of_a_fifo_queue_is_contention():
    res = simulate(_mmc(10, 4, 3), days=22, warmup_days=2, seed=1)
    log = _log(res)
    wc = waiting_causes(log)
    e, _ = _settled(wc, log)
    assert len(e) > 1000 and wc.note is None
    totals = e[list(CAUSES)].sum()
    assert totals["prioritisation"] == 0
    # a service shorter than a second ends, rounded, at the second the next one starts,
    # which then reads as two files started together: minutes in hundreds of hours
    assert totals["batching"] / e["waiting"].sum() < 0.001
    assert totals["unavailability"] == 0  # open around the clock: every hour is learned
    # whole seconds in the log leave a few seconds unexplained over hundreds of hours
    assert totals["contention"] / e["waiting"].sum() > 0.999


def test_mean_contention_per_citizen_covers_erlang_c():
    lam, mu, c = 10, 4, 3
    means = []
    for r in range(8):
        res = simulate(_mmc(lam, mu, c), days=22, warmup_days=2, seed=1, replication=r)
        log = _log(res)
        wc = waiting_causes(log)
        e, log = _settled(wc, log)
        contention = float(e["contention"].sum())
        waits = (log["start_timestamp"] - log["odsc:arrival"]).dt.total_seconds() / 60
        assert contention == pytest.approx(float(waits.sum()), rel=2e-3)
        means.append(contention / len(log) / 60.0)
    m = float(np.mean(means))
    half = stats.t.ppf(0.975, len(means) - 1) * np.std(means, ddof=1) / math.sqrt(len(means))
    wq = erlang_c_wait(lam, mu, c)
    assert m - half <= wq <= m + half, f"Wq={wq} outside {m:.4f} +- {half:.4f}"
    assert half < 0.3 * wq

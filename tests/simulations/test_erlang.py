"""The engine against queueing theory: M/M/c waiting times and Erlang C.

Each reference case of the design document runs as a one-step journey open
around the clock (00:00-24:00 every day, no hourly profile, so arrivals are a
homogeneous Poisson process), with exponential work times. Time units are
hours: ``lam`` citizens an hour, a desk serves ``mu`` an hour. Ten replications
of about 5,000 citizens each (after a warm-up of a tenth of the run) give the
mean waiting time and its 95% confidence interval; the closed form must lie
inside it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from journeys.errors import InputError
from journeys.model import Agency, Arrivals, Distribution, Journey, Pool, Step
from simulations import always_open, erlang_c, erlang_c_wait, simulate

CASES = [
    # (lam, mu, c, Wq) from the design document
    (5, 8, 1, 0.208333),
    (1, 1, 2, 0.333333),
    (0.2, 0.1, 3, 4.444444),
    (10, 4, 3, 0.351124),
    (10, 4, 4, 0.053309),
    (9, 1, 10, 0.668732),
]
REPLICATIONS = 10
CITIZENS = 8000


def mmc(lam: float, mu: float, c: int) -> Journey:
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


def mean_wait_hours(res) -> float:
    log = res.log.set_index("case:concept:name")
    arrival = res.cases.set_index("case:concept:name")["arrival"].reindex(log.index)
    return float((log["start_timestamp"] - arrival).dt.total_seconds().mean() / 3600)


@pytest.mark.parametrize("lam, mu, c, wq", CASES)
def test_closed_form_reproduces_the_reference_values(lam, mu, c, wq):
    assert erlang_c_wait(lam, mu, c) == pytest.approx(wq, abs=5e-7)


@pytest.mark.parametrize("lam, mu, c, wq", CASES)
def test_mean_wait_of_replications_covers_erlang_c(lam, mu, c, wq):
    days = math.ceil(CITIZENS / (lam * 24))
    warm = max(1, days // 10)
    j = mmc(lam, mu, c)
    means = [
        mean_wait_hours(simulate(j, days=days + warm, warmup_days=warm, seed=1, replication=r))
        for r in range(REPLICATIONS)
    ]
    m = float(np.mean(means))
    half = stats.t.ppf(0.975, REPLICATIONS - 1) * np.std(means, ddof=1) / math.sqrt(REPLICATIONS)
    assert m - half <= wq <= m + half, f"Wq={wq} outside {m:.4f} +- {half:.4f}"
    # the interval is narrow enough to mean something
    assert half < 0.3 * wq


def test_share_of_citizens_who_wait_matches_erlang_c():
    lam, mu, c = 10, 4, 3
    res = simulate(mmc(lam, mu, c), days=200, warmup_days=5, seed=2)  # 47,000 citizens
    log = res.log.set_index("case:concept:name")
    arrival = res.cases.set_index("case:concept:name")["arrival"].reindex(log.index)
    waited = ((log["start_timestamp"] - arrival).dt.total_seconds() > 0.5).to_numpy()
    p = waited.mean()
    # successive citizens' waits are correlated: the standard error of this share
    # is about 0.01 here (measured over replications), hence the band
    assert p == pytest.approx(erlang_c(lam, mu, c), abs=0.025)


def test_unstable_or_meaningless_queues_are_refused():
    with pytest.raises(InputError, match="unstable queue"):
        erlang_c(4, 1, 4)
    with pytest.raises(InputError, match="whole number >= 1"):
        erlang_c(1, 1, 0)
    with pytest.raises(InputError, match="must be > 0"):
        erlang_c_wait(0, 1, 1)


def test_erlang_c_for_many_desks_stays_finite():
    # 1,000 desks at 90%: the textbook sum of a^c / c! would overflow a float
    p = erlang_c(900, 1, 1000)
    assert 0 < p < 1e-3

"""The scale engine's wait causes against :func:`analysis.causes.with_causes`.

The activity table is today's (:func:`analysis.bottlenecks.activity_stats`)
in both runs; the handoff table is each side's own. Both tables must come out
equal (floats to ``rtol=1e-9``: pandas adds minutes, the engine nanoseconds),
and equal again from three hash buckets of cases.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.bottlenecks import activity_stats, directly_follows, prepare
from analysis.causes import timer_reason, with_causes
from analysis.handoffs import handoff_events, handoffs
from analysis.logs import read_log
from analysis.mining import _compact
from analysis.scale.causes import _timer_reason_counts, causes_partials, with_causes_finish
from analysis.scale.events import build_events
from analysis.scale.flows import handoffs_finish, handoffs_partials
from analysis.scale.partials import combine, run_partials
from analysis.scale.source import connect, open_log

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"
DAY = 1440.0
T0 = pd.Timestamp("2024-01-01", tz="UTC")


def timers_log() -> pd.DataFrame:
    """Every cause: a 60-day penalty (regular), whole-day appeals, a 15-day peak, handoffs.

    Per case: fine (police) -> penalty (court, 60 days later) -> appeal (court,
    a whole number of days from 31 on) -> notify (post, 15 days to the hour for
    a third of the cases) -> pay (post, hours later, a backlog); before pay, a
    ``check`` at another agency every other case, waiting on the handoff (and
    pay then waits an hour: under half of its waiting follows a handoff).
    """
    rows = []
    for i in range(12):
        c, t = f"c{i:02d}", T0 + pd.Timedelta(days=i)
        rows.append((c, "fine", t, "police"))
        t += pd.Timedelta(days=60)
        rows.append((c, "penalty", t, "court"))
        t += pd.Timedelta(days=31 + 7 * i)
        rows.append((c, "appeal", t, "court"))
        t += (
            pd.Timedelta(days=15, minutes=10 * i)
            if i % 3 == 0
            else pd.Timedelta(days=3 + i, hours=i)
        )
        rows.append((c, "notify", t, "post"))
        if i % 2:
            t += pd.Timedelta(hours=30 + i)
            rows.append((c, "check", t, "tax"))
        t += pd.Timedelta(hours=1) if i % 2 else pd.Timedelta(hours=5 + i, minutes=7)
        rows.append((c, "pay", t, "post"))
    return pd.DataFrame(
        rows, columns=["case:concept:name", "concept:name", "time:timestamp", "org:group"]
    )


LOGS = [
    pytest.param(DATA / "receipt.csv", id="receipt"),
    pytest.param(DATA / "helpdesk.xes.gz", id="helpdesk"),
    pytest.param(DATA / "interval_event_log.csv", id="interval"),
    pytest.param(DATA / "running-example.xes", id="running-xes"),
    pytest.param(DATA / "roadtraffic100traces.xes", id="roadtraffic"),
    pytest.param(ROOT / "examples" / "odsc_example_log.csv", id="example"),
    pytest.param("timers", id="timers"),
]


@pytest.fixture(scope="module", params=LOGS)
def logged(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("causes")
    source = request.param
    if source == "timers":
        source = folder / "timers.csv"
        timers_log().to_csv(source, index=False)
    elif not source.exists():
        pytest.skip(f"{source.name} is not in the shared data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = read_log(source)
    log.to_parquet(folder / "log.parquet")
    ev = _compact(prepare(log), None)
    moves = handoff_events(ev, pairs=directly_follows(ev))
    acts = activity_stats(ev)
    expected = with_causes(ev, moves, acts, handoffs(ev, events=moves))
    return folder / "log.parquet", acts, expected


def _engine(parquet: Path, acts: pd.DataFrame, buckets: int = 1):
    _, log = open_log(parquet)
    parts = {p.name: p for p in causes_partials(log) + handoffs_partials(log)}
    runs = []
    for k in range(buckets):
        where = f'hash("case:concept:name") % {buckets} = {k}' if buckets > 1 else None
        con, part = open_log(parquet, where=where)
        build_events(con, part)
        runs.append(run_partials(con, list(parts.values())))
    con = connect()
    combine(con, runs, list(parts.values()))
    return with_causes_finish(con, log, acts, handoffs_finish(con, log))


def test_causes_equal_the_pandas_rule(logged):
    parquet, acts, (want_acts, want_hand) = logged
    got_acts, got_hand = _engine(parquet, acts)
    pd.testing.assert_frame_equal(got_acts, want_acts, rtol=1e-9)
    pd.testing.assert_frame_equal(got_hand, want_hand, rtol=1e-9)


def test_three_buckets_give_the_identical_causes(logged):
    parquet, acts, _ = logged
    whole = _engine(parquet, acts)
    split = _engine(parquet, acts, buckets=3)
    for a, b in zip(split, whole):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_the_timers_log_shows_every_cause(tmp_path):
    timers_log().to_csv(tmp_path / "t.csv", index=False)
    log = read_log(tmp_path / "t.csv")
    log.to_parquet(tmp_path / "t.parquet")
    acts = pd.DataFrame({"activity": ["penalty", "appeal", "notify", "check", "pay", "fine"]})
    got, hand = _engine(tmp_path / "t.parquet", acts)
    causes = dict(zip(got["activity"], got["cause"]))
    assert causes == {
        "penalty": "timer",
        "appeal": "timer",
        "notify": "handoff",  # from court to post; its waits are neither regular nor peaked
        "check": "handoff",
        "pay": "backlog",
        "fine": None,  # a case's first event: no wait is measured
    }
    reasons = dict(zip(got["activity"], got["cause_reason"]))
    assert reasons["penalty"].startswith("regular: ")
    assert (
        reasons["appeal"] == "counted in days: 100% of the waits are whole days, median 69.5 days"
    )
    assert set(hand["cause"]) == {"timer", "handoff"}


@pytest.mark.parametrize("seed", range(6))
def test_value_counts_give_timer_reason(seed):
    """The rule on value counts equals the rule on the repeated values."""
    rng = np.random.default_rng(seed)
    kinds = [
        rng.choice([60.0, 61.0, 62.0], size=40) * DAY,  # regular
        np.concatenate([np.full(12, 15 * DAY + 5), rng.uniform(8, 90, 28) * DAY]),  # a peak
        rng.integers(31, 400, size=30) * DAY + rng.choice([0.0, 60.0], size=30),  # whole days
        rng.uniform(7, 200, size=30) * DAY,  # no timer
        rng.uniform(0, 3, size=30) * DAY,  # short
    ]
    for w in kinds:
        values, counts = np.unique(w, return_counts=True)
        q1, med, q3 = np.quantile(w, [0.25, 0.5, 0.75])
        assert _timer_reason_counts(values, counts, (q1, med, q3)) == timer_reason(w)

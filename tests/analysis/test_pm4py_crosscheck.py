"""Our mining tables against pm4py on the real logs of ``../shared/data``.

Where the definitions differ, the comparison is made on the part where they agree:

* ``pm4py.discover_network_analysis`` links every event to the next event of its
  case, including pairs at the same agency (self-loops ``A -> A``); a handoff is
  a pair at *different* agencies, so only the off-diagonal edges are compared.
* ``pm4py.discover_handover_of_work_network`` (``beta=0``) divides the count of
  each resource pair by the number of all consecutive pairs, self-pairs included;
  multiplying back by that number gives our resource handoff counts.
* pm4py's performance DFG measures ``start of b - completion of a`` (completion
  when there is no start column), which is our transition time; both order a
  case's events by start, then completion.

pm4py reads its own copy of each file (pandas + ``pm4py.format_dataframe``), with
``EMPTY`` groups set to ``unknown`` as our reader does, so the check covers
reading as well as mining.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.bottlenecks import prepare, transition_stats
from analysis.handoffs import handoffs
from analysis.logs import read_log

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
RECEIPT = DATA / "receipt.csv"
INTERVAL = DATA / "interval_event_log.csv"

pm4py = pytest.importorskip("pm4py")


def _pm4py_frame(path: Path, *, times: tuple[str, ...]) -> pd.DataFrame:
    raw = pd.read_csv(path)
    for col in times:
        raw[col] = pd.to_datetime(raw[col], utc=True, format="ISO8601")
    if "org:group" in raw.columns:
        raw["org:group"] = raw["org:group"].replace("EMPTY", "unknown")
    return pm4py.format_dataframe(
        raw,
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )


@pytest.fixture(scope="module")
def receipt():
    if not RECEIPT.exists():
        pytest.skip("shared data not available")
    ev = prepare(read_log(RECEIPT))
    return ev, _pm4py_frame(RECEIPT, times=("time:timestamp",))


@pytest.fixture(scope="module")
def interval():
    if not INTERVAL.exists():
        pytest.skip("shared data not available")
    ev = prepare(read_log(INTERVAL, start="start_timestamp"))
    return ev, _pm4py_frame(INTERVAL, times=("time:timestamp", "start_timestamp"))


def test_receipt_size(receipt):
    ev, _ = receipt
    assert len(ev) == 8577 and ev["case:concept:name"].nunique() == 1434


def test_directly_follows_counts_equal_pm4py(receipt):
    ev, df = receipt
    ours = transition_stats(ev)
    dfg, start, end = pm4py.discover_dfg(df)
    assert {(r.source, r.target): r.count for r in ours.itertuples()} == dfg
    assert sum(dfg.values()) == 8577 - 1434


def test_mean_and_median_transition_times_equal_pm4py(receipt):
    ev, df = receipt
    ours = transition_stats(ev).set_index(["source", "target"])
    perf, _, _ = pm4py.discover_performance_dfg(df)  # seconds
    assert set(perf) == set(ours.index)
    for pair, stats in perf.items():
        assert ours.loc[pair, "mean"] * 60 == pytest.approx(stats["mean"], rel=1e-6, abs=1e-6)
        assert ours.loc[pair, "median"] * 60 == pytest.approx(stats["median"], rel=1e-6, abs=1e-6)
    # completions only: a later step never ends before the earlier one, so nothing overlaps
    assert ours["overlaps"].sum() == 0


def test_agency_handoff_counts_equal_pm4py_network_analysis(receipt):
    ev, df = receipt
    net = pm4py.discover_network_analysis(
        df,
        out_column="case:concept:name",
        in_column="case:concept:name",
        node_column_source="org:group",
        node_column_target="org:group",
        edge_column="org:group",
        edge_reference="_out",
        performance=False,
        sorting_column="time:timestamp",
        timestamp_column="time:timestamp",
    )
    theirs = {pair: sum(v.values()) for pair, v in net.items() if pair[0] != pair[1]}
    ours = handoffs(ev)
    assert {(r.source, r.target): r.count for r in ours.itertuples()} == theirs
    # all links, self-loops included, are the directly-follows pairs
    assert sum(sum(v.values()) for v in net.values()) == 8577 - 1434


def test_agency_handoff_delays_equal_pm4py_network_performance(receipt):
    ev, df = receipt
    net = pm4py.discover_network_analysis(
        df,
        out_column="case:concept:name",
        in_column="case:concept:name",
        node_column_source="org:group",
        node_column_target="org:group",
        edge_column="org:group",
        performance=True,
    )
    ours = handoffs(ev).set_index(["source", "target"])
    for pair, by_edge in net.items():
        if pair[0] == pair[1]:
            continue
        seconds = pd.Series([x for values in by_edge.values() for x in values])
        # no start timestamps: the handoff delay is the time between completions
        assert ours.loc[pair, "delay_median"] * 60 == pytest.approx(seconds.median(), rel=1e-9)
        assert ours.loc[pair, "delay_total"] * 60 == pytest.approx(seconds.sum(), rel=1e-9)


def test_resource_handoffs_equal_pm4py_handover_of_work(receipt):
    ev, df = receipt
    sna = pm4py.discover_handover_of_work_network(df, beta=0)
    pairs = 8577 - 1434  # pm4py divides by all consecutive pairs, self-pairs included
    theirs = {k: v * pairs for k, v in sna.connections.items() if k[0] != k[1]}
    ours = handoffs(ev, level="resource")
    got = {(r.source, r.target): r.count for r in ours.itertuples()}
    assert set(got) == set(theirs)
    for pair, count in got.items():
        assert theirs[pair] == pytest.approx(count, rel=1e-9)


def test_interval_log_with_start_times_matches_pm4py(interval):
    ev, df = interval
    ours = transition_stats(ev).set_index(["source", "target"])
    dfg, _, _ = pm4py.discover_dfg(df)
    assert ours["count"].to_dict() == dfg
    # pm4py's performance DFG uses start_timestamp of the later event when present; its
    # mean includes the negative times of overlapping steps, which is our signed_mean
    perf, _, _ = pm4py.discover_performance_dfg(df)
    for pair, stats in perf.items():
        signed = ours.loc[pair, "signed_mean"] * 60
        assert signed == pytest.approx(stats["mean"], rel=1e-6, abs=1e-6)
        if ours.loc[pair, "overlaps"] == 0:
            assert ours.loc[pair, "mean"] == ours.loc[pair, "signed_mean"]


def test_interval_log_waiting_versus_processing(interval):
    ev, _ = interval
    # processing is completion minus start of each event; waiting is never negative
    expected = (ev["time:timestamp"] - ev["start_timestamp"]) / pd.Timedelta(minutes=1)
    assert ev["processing"].to_numpy() == pytest.approx(expected.to_numpy())
    assert (ev["waiting"].dropna() >= 0).all()

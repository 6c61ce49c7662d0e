"""mine_source on a real Dask LocalCluster: the result of the local run, bit for bit.

One cluster of two worker processes (one thread each) serves the module; the
test that kills one of its workers mid-run comes last. Results are compared field by
field with ``check_exact``: the merge is exact by design, not to a tolerance.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
import warnings

import pandas as pd
import pytest

from analysis.log_export import write_parquet_folder
from analysis.logs import read_log
from analysis.scale import mine_source
from analysis.scale.distributed import BUCKETS_PER_WORKER, DaskParts, default_buckets

from .conftest import DATA

pytest.importorskip("distributed")


def assert_same_result(got, want) -> None:
    """Every table, figure, note and finding of two MiningResults identical."""
    for f in dataclasses.fields(want):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f.name)
        elif isinstance(b, pd.Series):
            pd.testing.assert_series_equal(a, b, check_exact=True, obj=f.name)
        elif isinstance(b, dict):
            assert list(a) == list(b), f.name
            for k in b:
                pd.testing.assert_frame_equal(a[k], b[k], check_exact=True, obj=f"{f.name}[{k}]")
        else:
            assert repr(a) == repr(b), f.name  # repr: NaN equals NaN, floats to the last bit


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=50) as cluster, \
            Client(cluster) as c:  # fmt: skip
        yield c


@pytest.fixture(scope="module")
def receipt(tmp_path_factory):
    """The receipt log converted to a Parquet folder partitioned by channel."""
    if not (DATA / "receipt.csv").exists():
        pytest.skip("shared data not available")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reader's notes on set-aside rows
        log = read_log(DATA / "receipt.csv")
    out = tmp_path_factory.mktemp("receipt") / "receipt"
    write_parquet_folder(log, out, partition_by=["case:channel"])
    return out


@pytest.mark.parametrize("name", ["tiny", "edge"])
def test_hand_built_logs_mined_on_the_cluster_equal_the_local_run(name, logs, client):
    from .conftest import TINY

    _, path = logs(name)
    by = TINY[name][1]
    local = mine_source(path, by=by)
    # more buckets than cases: some tasks have no case at all
    got = mine_source(path, by=by, parts=DaskParts(client, buckets=3 if name == "tiny" else 5))
    assert_same_result(got, local)
    assert len(got.case_kpis) == len(read_log(TINY[name][0]()).groupby("case:concept:name"))


def test_receipt_converted_to_parquet_on_the_cluster_equals_the_local_run(receipt, client):
    local = mine_source(receipt, by="case:channel")
    got = mine_source(receipt, by="case:channel", parts=DaskParts(client))
    assert_same_result(got, local)
    assert got.summary["cases"] == 1434 and len(got.groups) == 5


def test_the_default_buckets_are_four_per_worker_thread(client):
    assert BUCKETS_PER_WORKER == 4
    assert default_buckets(client) == 8  # two workers of one thread
    assert default_buckets(None) == 4


def test_a_relative_source_is_read_by_the_workers_at_its_absolute_path(logs, client, monkeypatch):
    _, path = logs("tiny")
    monkeypatch.chdir(path.parent)
    got = mine_source(path.name, parts=DaskParts(client, buckets=2))
    assert_same_result(got, mine_source(path))


def test_a_worker_killed_mid_run_is_replaced_and_the_result_does_not_change(receipt, client):
    local = mine_source(receipt, by="case:channel")
    seen: dict[str, object] = {}
    n = 8
    pids = client.run(os.getpid)

    def finished() -> int:
        states = client.run_on_scheduler(
            lambda dask_scheduler: [t.state for t in dask_scheduler.tasks.values()
                                    if str(t.key).startswith("run_bucket")])  # fmt: skip
        return sum(s == "memory" for s in states)

    def kill_one() -> None:
        # once a bucket is in, kill a worker process outright (its nanny restarts it)
        deadline = time.time() + 120
        while time.time() < deadline and finished() < 1:
            time.sleep(0.01)
        seen["done_at_kill"] = finished()
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)
        seen["victim"] = victim

    killer = threading.Thread(target=kill_one)
    killer.start()
    got = mine_source(receipt, by="case:channel", parts=DaskParts(client, buckets=n))
    killer.join()
    after = set(client.run(os.getpid).values())
    assert seen["victim"] not in after  # the killed process is gone, replaced
    assert 1 <= seen["done_at_kill"] < n  # killed mid-run
    assert_same_result(got, local)

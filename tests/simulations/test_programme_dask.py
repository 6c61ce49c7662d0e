"""A programme on a real Dask LocalCluster: the same table as locally, after a worker dies too."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from simulations.programme import programme_from_text, read_programme
from simulations.programme_run import run_programme
from simulations.programme_scenarios import ProgrammeScenario
from simulations.programme_summary import national

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

FOUR = """
centres:
  - {id: a, journey: family-book-one-door, arrivals_per_day: 6}
  - {id: b, journey: land-title-one-door}
  - {id: c, journey: business-licence, to_be: business-licence-one-door}
  - {id: d, journey: family-book, arrivals_per_day: 4, to_be: family-book-one-door}
"""
SCENARIOS = [ProgrammeScenario("+25%", demand=1.25)]
OPTIONS = dict(replications=2, days=6, warmup_days=1, tail_days=45, seed=9)


def test_the_same_table_in_this_process_a_process_pool_and_a_dask_cluster():
    p = programme_from_text(FOUR)
    serial = run_programme(p, SCENARIOS, jobs=1, **OPTIONS).runs
    pool = run_programme(p, SCENARIOS, jobs=2, **OPTIONS).runs
    dask = run_programme(p, SCENARIOS, dask_local=2, **OPTIONS).runs
    pd.testing.assert_frame_equal(serial, pool, check_exact=True)
    pd.testing.assert_frame_equal(serial, dask, check_exact=True)
    assert len(serial) == 16 and serial["lead_mean"].notna().all()
    assert serial["lead_mean"].nunique() == 16


def test_a_worker_killed_mid_run_is_replaced_and_the_results_do_not_change(tmp_path):
    from distributed import Client, LocalCluster

    p = programme_from_text(FOUR)
    options = {**OPTIONS, "days": 30, "tail_days": 30, "replications": 3}
    whole = run_programme(p, SCENARIOS, jobs=1, **options).runs
    folder = tmp_path / "ckpt"
    seen: dict[str, object] = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:  # fmt: skip
        pids = client.run(os.getpid)

        def kill_one() -> None:
            # once two runs are in, kill a worker process outright (its nanny restarts it)
            deadline = time.time() + 120
            while time.time() < deadline and len(list(folder.glob("*.json"))) < 2:
                time.sleep(0.02)
            victim = sorted(pids.values())[0]
            seen["done_at_kill"] = len(list(folder.glob("*.json")))
            os.kill(victim, signal.SIGKILL)
            seen["victim"] = victim

        killer = threading.Thread(target=kill_one)
        killer.start()
        got = run_programme(p, SCENARIOS, scheduler=cluster.scheduler_address,
                            checkpoint=folder, **options)  # fmt: skip
        killer.join()
        after = set(client.run(os.getpid).values())
    assert seen["victim"] not in after  # the killed process is gone, replaced
    assert 2 <= seen["done_at_kill"] < len(whole)  # killed mid-run
    pd.testing.assert_frame_equal(whole, got.runs, check_exact=True)


def test_the_73_centre_example_with_a_tiny_horizon():
    p = read_programme(EXAMPLES / "centres.yaml")
    # one measured day of arrivals and 25 working days to finish: most centres' cases do
    r = run_programme(p, [ProgrammeScenario("to-be", to_be=True)], replications=2, days=2,
                      warmup_days=1, tail_days=25, seed=1, jobs=2)  # fmt: skip
    assert len(r.runs) == 73 * 2 * 2
    assert r.runs.groupby("centre").size().eq(4).all()
    n = national(r).set_index(["scenario", "figure"])
    assert n.loc[("as-is", "citizens"), "mean"] == pytest.approx(
        sum(c.arrivals_per_day for c in p.centres))
    # one door: every citizen comes twice (hand in, collect) instead of five times or so
    assert n.loc[("to-be", "visits"), "mean"] == pytest.approx(2.0)
    assert n.loc[("as-is", "visits"), "mean"] > 4.0
    # a centre none of whose few cases finished in some run is left out, and counted
    recording = r.runs.groupby("centre")["visits"].apply(lambda v: v.notna().all())
    assert n.loc[("as-is", "visits"), "centres"] == recording.sum() > 60

"""Executors: the same results on every backend, and clear errors for bad options."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from journeys import load_catalog
from journeys.errors import InputError
from simulations.executors import ExecutorError, map_tasks
from simulations.experiments import run


def _square(x: int) -> int:
    return x * x


def test_results_come_back_in_task_order_from_a_process_pool():
    assert map_tasks(_square, range(7), jobs=2) == [0, 1, 4, 9, 16, 25, 36]
    assert map_tasks(_square, [], jobs=2) == []


def test_same_seeds_same_results_on_every_backend():
    j = load_catalog("land-title-one-door")
    options = dict(replications=2, days=4, warmup_days=1, tail_days=8, seed=11)
    serial = run([j], jobs=1, **options)
    pool = run([j], jobs=2, **options)
    dask = run([j], dask_local=2, **options)  # a real LocalCluster with 2 worker processes
    for other in (pool, dask):
        pd.testing.assert_frame_equal(serial.runs, other.runs, check_exact=True)
        pd.testing.assert_frame_equal(serial.cases, other.cases, check_exact=True)
        pd.testing.assert_frame_equal(serial.queues, other.queues, check_exact=True)
    # and the two replications differ: the seeds do reach the workers
    assert serial.runs.loc[0, "lead_mean"] != serial.runs.loc[1, "lead_mean"]


def test_an_unreachable_scheduler_fails_fast_with_one_line():
    t0 = time.perf_counter()
    with pytest.raises(ExecutorError) as e:
        map_tasks(_square, [1, 2], scheduler="tcp://127.0.0.1:9")
    assert time.perf_counter() - t0 < 15
    text = str(e.value)
    assert text.startswith("scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert "\n" not in text
    assert isinstance(e.value, InputError)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jobs": 0}, "jobs must be a whole number >= 1, got 0"),
        ({"jobs": True}, "jobs must be a whole number >= 1, got True"),
        ({"dask_local": -1}, "dask_local must be a whole number >= 1, got -1"),
        ({"scheduler": "tcp://127.0.0.1:9", "dask_local": 2}, "not both"),
    ],
)
def test_bad_backend_options(options, message):
    with pytest.raises(ExecutorError, match=message):
        map_tasks(_square, [1], **options)

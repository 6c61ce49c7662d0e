"""BPI Challenge 2012 (262,200 rows, 13,087 cases) through every table of the scale engine.

The largest of the real logs: interleaved sub-processes, start and complete
rows paired by the reader, times to the millisecond, resources on part of the
events. Reading it takes most of a minute, so it is one test, marked slow
(``pytest -m "not slow"`` leaves it out), comparing all five tables with the
pandas ones, with and without a ``by`` column (the requested amount, 631
values), and a split run of three hash buckets of cases.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import bottlenecks as pandas_tables
from analysis.handoffs import resource_workload
from analysis.scale import bottlenecks as scale_tables
from analysis.scale import workload

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
BPIC = DATA / "bpic2012.xes.gz"

TABLES = {
    "activity": (
        scale_tables.activity_stats_partials,
        scale_tables.activity_stats_finish,
        pandas_tables.activity_stats,
        (["activity"], ["waiting_total", "events"]),
        {},
    ),
    "transition": (
        scale_tables.transition_stats_partials,
        scale_tables.transition_stats_finish,
        pandas_tables.transition_stats,
        (["source", "target"], ["total", "count"]),
        {},
    ),
    "profiles": (
        workload.profiles_partials,
        workload.profiles_finish,
        pandas_tables.profiles,
        (["weekday", "hour"], []),
        {"tz": "Europe/Amsterdam"},
    ),
    "wip": (
        workload.wip_partials,
        workload.wip_finish,
        pandas_tables.wip,
        (["date"], []),
        {"tz": "Europe/Amsterdam"},
    ),
    "workload": (
        workload.resource_workload_partials,
        workload.resource_workload_finish,
        resource_workload,
        (["resource"], []),
        {"tz": "Europe/Amsterdam"},
    ),
}


@pytest.mark.slow
@pytest.mark.skipif(not BPIC.exists(), reason="shared data not available")
def test_every_table_equals_pandas_on_bpic2012(tmp_path, engine, table_equal, real_log, path_order):
    log = real_log(BPIC)  # read_log, once per run (tests/conftest.py)
    path = tmp_path / "bpic2012.parquet"
    log.to_parquet(path)
    # in path order, as mine() reads it (tests/analysis/scale/conftest.py)
    ev = path_order(pandas_tables.prepare(log))
    del log
    by = "case:AMOUNT_REQ"
    for name, (partials_of, finish, pandas_fn, (keys, rank), options) in TABLES.items():
        for group in (None, by):
            got = engine(path, partials_of, finish, by=group, **options)
            expected = pandas_fn(ev, by=group, **options)
            if name == "workload" and group:
                # resource_workload loses the agency of a missing resource when grouped
                # (test_workload.py); BPIC 2012 has a single agency, "unknown"
                lost = expected["agency"].isna() & expected["resource"].isna()
                assert (got.loc[lost, "agency"] == "unknown").all()
                expected.loc[lost, "agency"] = "unknown"
            table_equal(got, expected, keys=([group] if group else []) + keys, rank=rank)
            split = engine(path, partials_of, finish, by=group, buckets=3, **options)
            pd.testing.assert_frame_equal(split, got, check_exact=True)

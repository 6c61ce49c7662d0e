"""The streaming XES reader on every XES we have, against pm4py.read_xes.

For each real log of ``../shared/data`` and each XES under ``tests/data`` that
pm4py reads, our frame must equal pm4py's column by column (name, order,
dtype, values), and :func:`analysis.logs.read_log` must give the same log as
it gives from pm4py's frame (same events, same clock).
"""

from __future__ import annotations

import gzip
import re
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from analysis.logs import read_log

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
REAL = ["running-example.xes", "roadtraffic100traces.xes", "helpdesk.xes.gz", "bpic2012.xes.gz"]
# the events' offsets only: the running example's events are all +01:00 (its <global>
# default date, +02:00, is no event), so its clock is the fixed Etc/GMT-1, as its CSV's
ZONES = {
    "running-example.xes": "Etc/GMT-1",
    "roadtraffic100traces.xes": "CET",
    "bpic2012.xes.gz": "CET",
}
# XES test files pm4py reads without error (broken.xes is a bad-input case)
LOCAL = sorted(p for p in (ROOT / "tests" / "data").rglob("*.xes*") if p.name != "broken.xes")


def _path(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real log {name} not available")
    return path


def _pm4py(path: Path) -> pd.DataFrame:
    import pm4py

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pm4py.read_xes(str(path), show_progress_bar=False)


@pytest.mark.parametrize("path", [*REAL, *LOCAL], ids=str)
def test_equal_to_pm4py_column_by_column_and_after_read_log(path, real_xes, real_log):
    path = _path(path) if isinstance(path, str) else path
    ours, theirs = real_xes(path), _pm4py(path)  # ours: read_xes, once per run (conftest)
    assert list(ours.columns) == list(theirs.columns)
    assert len(ours) == len(theirs) > 0
    for col in theirs.columns:
        pd.testing.assert_series_equal(ours[col], theirs[col], obj=f"{path.name}: {col}")
    del ours
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the set-aside warnings are the same on both sides
        mine, from_pm4py = real_log(path), read_log(theirs)
    pd.testing.assert_frame_equal(mine, from_pm4py)
    assert mine.attrs["odsc:set_aside"] == from_pm4py.attrs["odsc:set_aside"]
    # the clock, from the offsets as written (Dutch and Italian times: CET/CEST)
    assert mine.attrs["odsc:zone"] == ZONES.get(path.name)


def test_figures_of_bpic2012(real_xes):
    log = real_xes(_path("bpic2012.xes.gz"))  # read_xes, once per run (tests/conftest.py)
    assert log.shape == (262200, 7)
    assert log["case:concept:name"].nunique() == 13087
    # an independent count: the transitions as written in the file's bytes
    text = gzip.decompress(_path("bpic2012.xes.gz").read_bytes())
    written = Counter(re.findall(rb'key="lifecycle:transition" value="(\w+)"', text))
    assert written.pop(b"UNKNOWN") == 1  # the <global> default of the header, not an event
    assert log["lifecycle:transition"].value_counts().to_dict() == {
        k.decode(): v for k, v in written.items()
    }
    assert written[b"COMPLETE"] == 164506


def test_the_running_example_has_one_clock_in_xes_and_csv():
    xes = read_log(_path("running-example.xes"))
    csv = read_log(_path("running-example.csv"))
    assert xes.attrs["odsc:zone"] == csv.attrs["odsc:zone"] == "Etc/GMT-1"

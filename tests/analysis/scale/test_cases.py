"""analysis.scale.cases: per-case KPIs and desk queues on DuckDB equal analysis.kpis.

Every real log of ``../shared/data`` and the example log go through
read_log, are written to Parquet and mined by the partials; the per-case
table must equal :func:`analysis.kpis.case_kpis` of the same log. Floats are
compared with ``rtol=1e-9``: pandas adds a case's waits up in float minutes,
the engine adds integer nanoseconds and divides once. Split over three hash
buckets of cases, the engine must give the identical table, bit for bit.
Hand-built logs check exact values, local days, arrivals, suspensions, ties.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.kpis import KPI_COLUMNS, case_kpis
from analysis.lifecycle import SUSPENDED
from analysis.logs import read_log
from analysis.queues import NO_PRESENCE, NO_QUEUE, NO_START, queue_check, queue_waits
from analysis.scale import build_events, open_log
from analysis.scale.cases import (
    case_kpi_finish,
    case_kpi_partials,
    check_zone,
    ev_columns,
    queue_finish,
    queue_partials,
)
from analysis.scale.cases import (
    queue_check as scale_queue_check,
)
from analysis.scale.mine import bucket_where
from analysis.scale.partials import combine, run_partials
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    ARRIVAL,
    CASE,
    DOOR,
    PRESENT,
    START,
    TIMESTAMP,
    LogError,
)

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"
EXAMPLE = ROOT / "examples" / "odsc_example_log.csv"
REAL = [
    "running-example.csv",
    "running-example.xes",
    "receipt.csv",
    "helpdesk.xes.gz",
    "roadtraffic100traces.xes",
    "interval_event_log.csv",
]
#: A column of each log to group by (a real one where the log has it).
BY = {
    "receipt.csv": "case:channel",
    "helpdesk.xes.gz": "support_section",
    "running-example.csv": "org:resource",
    "interval_event_log.csv": "org:group",
    "example": "centre",
}

_LOGS: dict[str, pd.DataFrame] = {}


def _read(name: str) -> pd.DataFrame:
    if name not in _LOGS:
        path = EXAMPLE if name == "example" else DATA / name
        if not path.exists():
            pytest.skip(f"log {name} not available")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # set-aside rows are reported by the reader
            _LOGS[name] = read_log(path)
    return _LOGS[name]


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _parquet(log: pd.DataFrame, tmp_path: Path) -> Path:
    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    return path


def _engine(
    path: Path,
    *,
    by: str | None = None,
    tz: str | None = None,
    buckets: int = 1,
    sla_minutes: float = 15,
):
    """Partials of this module on ``buckets`` hash buckets of cases, combined."""
    con, log = open_log(path)
    partials = case_kpi_partials(log, by=by, tz=tz)
    partials += queue_partials(log, by=by, sla_minutes=sla_minutes, tz=tz)
    if buckets == 1:
        build_events(con, log, keep=ev_columns(log, by=by))
        parts = [run_partials(con, partials)]
    else:
        parts = []
        for k in range(buckets):
            bcon, blog = open_log(path, where=bucket_where(k, buckets))
            build_events(bcon, blog, keep=ev_columns(log, by=by))
            parts.append(run_partials(bcon, partials))
    combine(con, parts, partials)
    return con, log


def _tiny() -> pd.DataFrame:
    """A: a ping-pong inside one morning visit; B: a rework the next day and a second
    door; C: one event without a start. Times in UTC on 2024-03-04 and 2024-03-05."""
    rows = [
        ("A", "submit", "front", "03-04 08:00", "03-04 08:10", "odsc", True),
        ("A", "check", "tax", "03-04 08:40", "03-04 09:00", None, False),
        ("A", "collect", "front", "03-04 10:00", "03-04 10:05", "odsc", True),
        ("B", "submit", "front", "03-04 08:00", "03-04 08:15", "odsc", True),
        ("B", "submit", "front", "03-05 09:00", "03-05 09:20", "odsc", True),
        ("B", "pay", "treasury", "03-05 09:30", "03-05 09:35", "treasury", True),
        ("C", "submit", "front", None, "03-04 11:00", "odsc", True),
    ]
    frame = pd.DataFrame(rows, columns=[CASE, ACTIVITY, AGENCY, START, TIMESTAMP, DOOR, PRESENT])
    for col in (START, TIMESTAMP):
        frame[col] = pd.to_datetime("2024-" + frame[col], utc=True)
    return frame


# ----- every real log ------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL + ["example"])
def test_case_kpis_equal_pandas_on_real_logs(name, tmp_path):
    log = _read(name)
    con, slog = _engine(_parquet(log, tmp_path))
    got = case_kpi_finish(con, slog)
    # integer ns sums against pandas' float sums of minutes: equal to rounding
    pd.testing.assert_frame_equal(got, case_kpis(log), rtol=1e-9)
    assert list(got.columns) == list(KPI_COLUMNS)


@pytest.mark.parametrize("name", REAL + ["example"])
def test_three_buckets_give_the_identical_table(name, tmp_path):
    path = _parquet(_read(name), tmp_path)
    by = BY.get(name)
    con1, log1 = _engine(path, by=by)
    con3, log3 = _engine(path, by=by, buckets=3)
    pd.testing.assert_frame_equal(
        case_kpi_finish(con3, log3), case_kpi_finish(con1, log1), check_exact=True
    )
    pd.testing.assert_frame_equal(
        queue_finish(con3, log3, by=by), queue_finish(con1, log1, by=by), check_exact=True
    )


def _one_door_log() -> pd.DataFrame:
    """A simulated one-door land-title centre: front-desk steps on one morning, desk queues."""
    from journeys import load_catalog
    from simulations.engine import simulate

    return simulate(load_catalog("land-title-one-door"), days=20, seed=3).log


@pytest.mark.parametrize("name", ["example", "one-door"])
def test_desk_queues_equal_queue_waits(name, tmp_path):
    log = read_log(_one_door_log()) if name == "one-door" else _read(name)
    by = "odsc:door" if name == "one-door" else "centre"
    con, slog = _engine(_parquet(log, tmp_path), by=by)
    want = queue_waits(log)
    group = log.loc[want.index, by]
    measured = want.notna()
    expected = pd.DataFrame(
        {
            "queued": measured.groupby(group).sum().astype(np.int64),
            "within": (want <= 15).groupby(group).sum().astype(np.int64),
        }
    )
    expected = expected[expected["queued"] > 0]
    got = queue_finish(con, slog, by=by).set_index(by)
    pd.testing.assert_frame_equal(got, expected, check_names=False, check_index_type=False)
    # the example's citizen steps each open a visit (no queue); the one-door centre has queues
    assert (got["queued"].sum() > 40) == (name == "one-door")
    pd.testing.assert_frame_equal(case_kpi_finish(con, slog), case_kpis(log), rtol=1e-9)


# ----- hand-built logs with exact answers -------------------------------------------------


def test_tiny_log_exact_values(tmp_path):
    con, log = _engine(_parquet(read_log(_tiny()), tmp_path))
    k = case_kpi_finish(con, log)
    assert k.index.tolist() == ["A", "B", "C"]
    assert k["lead_minutes"].tolist() == [125.0, 1535.0, 0.0]
    assert k["waiting_minutes"].tolist() == [90.0, 1495.0, 0.0]
    assert k["processing_minutes"].tolist()[:2] == [35.0, 40.0]
    assert math.isnan(k.loc["C", "processing_minutes"])  # no start: not recorded
    assert k["events"].tolist() == [3, 3, 1]
    assert k["activities"].tolist() == [3, 2, 1]
    assert k["agencies"].tolist() == [2, 2, 1]
    assert k["handoffs"].tolist() == [2, 1, 0]
    assert k["pingpongs"].tolist() == [1, 0, 0]
    # A: the back-office check does not break the morning at the odsc door; B: day 2 and
    # the treasury door open visits
    assert k["visits"].tolist() == [1.0, 3.0, 1.0]
    assert k["doors"].tolist() == [1.0, 2.0, 1.0]
    assert k["citizen_cost"].isna().all()
    assert k.loc["B", "first"] == _t("2024-03-04 08:00") and k.loc["B", "last"] == _t(
        "2024-03-05 09:35"
    )
    # A's collect continues the visit (60 minutes after the check): the only desk queue
    q = queue_finish(con, log)
    assert q.to_dict("records") == [{"queued": 1, "within": 0}]


def test_visits_on_local_days(tmp_path):
    # Kiritimati is UTC+14: A's 10:00 UTC collect is at 00:00 the next local day
    path = _parquet(read_log(_tiny()), tmp_path)
    con, log = _engine(path, tz="Pacific/Kiritimati")
    k = case_kpi_finish(con, log)
    assert k["visits"].tolist() == [2.0, 3.0, 1.0]
    pd.testing.assert_frame_equal(k, case_kpis(_tiny(), tz="Pacific/Kiritimati"), rtol=1e-9)
    assert queue_finish(con, log)["queued"].tolist() == [0]  # the collect opens a visit


def test_arrival_gives_the_first_queue_and_lead(tmp_path):
    frame = _tiny()
    frame[ARRIVAL] = frame[CASE].map(
        {"A": _t("2024-03-04 07:30"), "B": _t("2024-03-04 07:55"), "C": pd.NaT}
    )
    con, log = _engine(_parquet(read_log(frame), tmp_path))
    k = case_kpi_finish(con, log)
    assert k["lead_minutes"].tolist() == [155.0, 1540.0, 0.0]
    assert k["waiting_minutes"].tolist() == [120.0, 1500.0, 0.0]
    pd.testing.assert_frame_equal(k, case_kpis(frame), rtol=1e-9)
    # first desks of A (30 min) and B (5 min), and A's collect (60 min)
    assert queue_finish(con, log).to_dict("records") == [{"queued": 3, "within": 1}]
    assert int(queue_waits(frame).notna().sum()) == 3


def test_suspended_minutes_are_not_processing(tmp_path):
    frame = _tiny()
    frame[SUSPENDED] = [0.0, 5.0, 0.0, 2.5, 0.0, 0.0, np.nan]
    con, log = _engine(_parquet(frame, tmp_path))
    k = case_kpi_finish(con, log)
    assert k["processing_minutes"].tolist()[:2] == [30.0, 37.5]
    pd.testing.assert_frame_equal(k, case_kpis(frame), rtol=1e-9)


def test_ties_in_time_follow_the_row_order(tmp_path):
    # c1's b and c complete at the same minute: the rows' order decides (as read_log's)
    frame = pd.DataFrame(
        {
            CASE: ["c1", "c1", "c1", "c1", "c2"],
            ACTIVITY: ["a", "b", "c", "d", "a"],
            TIMESTAMP: pd.to_datetime(
                [
                    "2024-01-01 08:00",
                    "2024-01-01 09:00",
                    "2024-01-01 09:00",
                    "2024-01-01 09:00",
                    "2024-01-01 08:00",
                ],
                utc=True,
            ),
            AGENCY: ["x", "y", "x", "y", "x"],
        }
    )
    log = read_log(frame)
    con, slog = _engine(_parquet(log, tmp_path))
    k = case_kpi_finish(con, slog)
    assert k["handoffs"].tolist() == [3, 0] and k["pingpongs"].tolist() == [2, 0]
    pd.testing.assert_frame_equal(k, case_kpis(log), rtol=1e-9)


def test_no_start_no_resource_no_presence(tmp_path):
    frame = _tiny().drop(columns=[START, PRESENT, DOOR])
    con, log = _engine(_parquet(read_log(frame), tmp_path))
    k = case_kpi_finish(con, log)
    assert k["processing_minutes"].isna().all()
    assert k["visits"].isna().all() and k["doors"].isna().all()  # unknown, not 0
    assert k["waiting_minutes"].tolist() == [115.0, 1520.0, 0.0]  # transition times
    pd.testing.assert_frame_equal(k, case_kpis(frame), rtol=1e-9)
    assert queue_finish(con, log).empty
    assert scale_queue_check(log, 0) == NO_START


def test_queue_check_reasons_match_pandas(tmp_path):
    cases = {
        "no presence": _tiny().drop(columns=[PRESENT]),
        "no start": _tiny().drop(columns=[START]),
        "no queue": _tiny().iloc[3:],
        "measured": _tiny(),
    }
    for i, frame in enumerate(cases.values()):
        folder = tmp_path / str(i)
        folder.mkdir()
        con, log = _engine(_parquet(read_log(frame), folder))
        queued = int(queue_finish(con, log)["queued"].sum())
        assert scale_queue_check(log, queued) == queue_check(frame, queue_waits(frame))
    assert {NO_PRESENCE, NO_START, NO_QUEUE} <= {
        queue_check(f, queue_waits(f)) for f in cases.values()
    }


def test_a_case_without_doors_is_at_one_door(tmp_path):
    frame = _tiny().drop(columns=[DOOR])
    con, log = _engine(_parquet(read_log(frame), tmp_path))
    k = case_kpi_finish(con, log)
    assert k["doors"].tolist() == [1.0, 1.0, 1.0]
    assert k["visits"].tolist() == [1.0, 2.0, 1.0]  # B's pay is on day 2 at the same door
    pd.testing.assert_frame_equal(k, case_kpis(frame), rtol=1e-9)


def test_unknown_zone_is_one_line():
    with pytest.raises(LogError, match=r"^tz 'Nowhere/City': not a known IANA time zone"):
        check_zone("Nowhere/City")
    assert check_zone(None) is None

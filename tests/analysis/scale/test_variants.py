"""The scale engine's variants and rework tables against today's pandas tables.

As in ``test_flows.py``: every log through :func:`analysis.logs.read_log`, to
Parquet, then the engine's table must equal the pandas table computed as
:func:`analysis.mining.mine` computes it (columns, dtypes, row order; floats
to ``rtol=1e-9``, pandas adding minutes in floating point where the engine adds
integer nanoseconds), and three hash buckets of cases must give the identical
table.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from analysis.bottlenecks import prepare
from analysis.logs import read_log
from analysis.mining import _compact
from analysis.scale.events import build_events
from analysis.scale.partials import combine, run_partials
from analysis.scale.source import connect, open_log
from analysis.scale.variants import (
    rework_finish,
    rework_partials,
    variants_finish,
    variants_partials,
)
from analysis.schema import LogError
from analysis.variants import rework, variants

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"

REAL = [
    pytest.param(("real", DATA / "receipt.csv", "case:channel"), id="receipt"),
    pytest.param(("real", DATA / "helpdesk.xes.gz", "support_section"), id="helpdesk"),
    pytest.param(("real", DATA / "interval_event_log.csv", None), id="interval"),
    pytest.param(("real", DATA / "running-example.csv", "Resource"), id="running-csv"),
    pytest.param(("real", DATA / "running-example.xes", "Costs"), id="running-xes"),
    pytest.param(("real", DATA / "roadtraffic100traces.xes", "dismissal"), id="roadtraffic"),
    pytest.param(("real", ROOT / "examples" / "odsc_example_log.csv", "centre"), id="example"),
    pytest.param(("real", DATA / "bpic2012.xes.gz", None), id="bpic2012", marks=pytest.mark.slow),
]

CASES = {
    "c1": ["a", "b", "c"],
    "c2": ["a", "b", "c"],
    "c3": ["a", "b", "c"],
    "c4": ["a", "b", "b", "c"],
    "c5": ["a", "c"],
    "c6": ["a", "b", "a", "b", "a", "b", "c"],
}
CHANNEL = {"c1": "desk", "c2": "desk", "c3": "web", "c4": "web", "c5": "web", "c6": None}


def hourly_log(cases=CASES, channel=CHANNEL) -> pd.DataFrame:
    """One event per activity, an hour apart, every case starting 2024-01-01 08:00."""
    rows = []
    t0 = pd.Timestamp("2024-01-01 08:00", tz="UTC")
    for case, acts in cases.items():
        for i, a in enumerate(acts):
            rows.append((case, a, t0 + pd.Timedelta(hours=i), channel[case]))
    df = pd.DataFrame(
        rows, columns=["case:concept:name", "concept:name", "time:timestamp", "case:channel"]
    )
    df["org:group"] = "x"
    return df


def started_log() -> pd.DataFrame:
    """Start times that reorder the path (b starts first, ends last), ties, one-event cases."""
    t = pd.Timestamp("2024-01-01 08:00", tz="UTC")
    h = pd.Timedelta(hours=1)
    rows = [
        ("s1", "a", t + h, t + 2 * h),
        ("s1", "b", t, t + 3 * h),
        ("s2", "a", t, t + h),
        ("s2", "b", t, t + h),  # a tie in both times: file order
        ("s3", "a", t, t + h),
        ("s4", "b", t, t + 3 * h),
        ("s4", "a", t + h, t + 2 * h),
    ]
    df = pd.DataFrame(
        rows, columns=["case:concept:name", "concept:name", "start_timestamp", "time:timestamp"]
    )
    df["org:group"] = "x"
    df["centre"] = ["A", "A", "B", "B", "A", "B", "B"]
    return df


HAND = {
    "hourly": (hourly_log, "case:channel"),
    "started": (started_log, "centre"),
    "started-no-start": (lambda: started_log().drop(columns="start_timestamp"), "centre"),
}


@pytest.fixture(scope="module", params=REAL + [pytest.param(("hand", k), id=k) for k in HAND])
def logged(request, tmp_path_factory, real_log):
    param = request.param
    folder = tmp_path_factory.mktemp("variants")
    if param[0] == "hand":
        make, by = HAND[param[1]]
        source = folder / f"{param[1]}.csv"
        make().to_csv(source, index=False)
    else:
        _, source, by = param
        if not source.exists():
            pytest.skip(f"{source.name} is not in the shared data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a real log is read once per run (tests/conftest.py)
        log = read_log(source) if param[0] == "hand" else real_log(source)
    parquet = folder / "log.parquet"
    log.to_parquet(parquet)
    return log, parquet, by


def _pandas_tables(log: pd.DataFrame, by: str | None) -> dict[str, pd.DataFrame]:
    ev = _compact(prepare(log), by)
    out = {
        "variants": variants(ev, top=10),
        "variants-all": variants(ev, top=None),
        "rework": rework(ev),
    }
    if by:
        out["variants-by"] = variants(ev, top=10, by=by)
        out["rework-by"] = rework(ev, by=by)
    return out


def _engine_tables(parquet: Path, by: str | None, buckets: int = 1) -> dict[str, pd.DataFrame]:
    _, log = open_log(parquet)
    groups = [None, by] if by else [None]
    parts = {p.name: p for g in groups for p in variants_partials(log, by=g)}
    parts.update({p.name: p for g in groups for p in rework_partials(log, by=g)})
    partials = list(parts.values())
    runs = []
    for k in range(buckets):
        where = f'hash("case:concept:name") % {buckets} = {k}' if buckets > 1 else None
        con, part_log = open_log(parquet, where=where)
        build_events(con, part_log, keep=(by,) if by else ())
        runs.append(run_partials(con, partials))
        con.close()
    con = connect()
    combine(con, runs, partials)
    out = {
        "variants": variants_finish(con, log, top=10),
        "variants-all": variants_finish(con, log, top=None),
        "rework": rework_finish(con, log),
    }
    if by:
        out["variants-by"] = variants_finish(con, log, top=10, by=by)
        out["rework-by"] = rework_finish(con, log, by=by)
    return out


@pytest.fixture(scope="module")
def tables(logged):
    log, parquet, by = logged
    return _pandas_tables(log, by), _engine_tables(parquet, by)


def test_tables_equal_the_pandas_tables(tables):
    ours, engine = tables
    assert set(engine) == set(ours)
    for name, expected in ours.items():
        got = engine[name]
        try:
            pd.testing.assert_frame_equal(got, expected, rtol=1e-9)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
        assert got.attrs == expected.attrs, name


def test_three_buckets_of_cases_give_the_identical_tables(logged, tables):
    _, parquet, by = logged
    _, whole = tables
    split = _engine_tables(parquet, by, buckets=3)
    for name, expected in whole.items():
        pd.testing.assert_frame_equal(split[name], expected, check_exact=True, obj=name)
        assert split[name].attrs == expected.attrs


# ----- exact answers on hand-built logs ---------------------------------------------------


def _finish(frame: pd.DataFrame, tmp_path: Path, by: str | None = None, top: int | None = 10):
    frame.to_csv(tmp_path / "log.csv", index=False)
    read_log(tmp_path / "log.csv").to_parquet(tmp_path / "log.parquet")
    con, log = open_log(tmp_path / "log.parquet")
    build_events(con, log, keep=(by,) if by else ())
    parts = variants_partials(log, by=by) + rework_partials(log, by=by)
    combine(con, [run_partials(con, parts)], parts)
    return variants_finish(con, log, by=by, top=top), rework_finish(con, log, by=by)


def test_variants_and_rework_exact(tmp_path):
    v, r = _finish(hourly_log(), tmp_path)
    assert v["variant"].tolist() == [
        "a -> b -> c",
        "a -> b -> b -> c",
        "a -> c",
        "a -> b -> a -> b -> a -> b -> c",
    ]
    assert v["cases"].tolist() == [3, 1, 1, 1]
    assert v["cumulative_share"].tolist() == pytest.approx([0.5, 4 / 6, 5 / 6, 1.0])
    assert v["events"].tolist() == [3, 4, 2, 7]
    assert v["lead_median"].tolist() == [120.0, 180.0, 60.0, 360.0]
    assert v.attrs["distinct"] == 4
    b = r.set_index("activity").loc["b"]
    # b: in c1-c4 and c6; once in c1-c3, twice in c4, three times in c6
    assert (b["events"], b["cases"], b["rework_cases"], b["max_repeats"]) == (8, 5, 2, 3)
    assert b["rework_share"] == pytest.approx(2 / 6)


def test_top_and_groups_with_a_missing_group(tmp_path):
    v, r = _finish(hourly_log(), tmp_path, by="case:channel", top=2)
    # desk: c1 c2; web: c3 c4 c5; c6 has no channel and forms its own group, shown last
    assert v["case:channel"].tolist()[:3] == ["desk", "web", "web"]
    assert pd.isna(v["case:channel"].iloc[-1])
    assert v["rank"].tolist() == [1, 1, 2, 1]
    assert v["cumulative_share"].tolist() == pytest.approx([1.0, 1 / 3, 2 / 3, 1.0])
    web = r[r["case:channel"] == "web"].set_index("activity")
    assert web.loc["b", "rework_share"] == pytest.approx(1 / 3)


def test_the_path_follows_start_times(tmp_path):
    v, _ = _finish(started_log(), tmp_path)
    # s1 and s4: b started first; s2: a tie read in file order; s3: one event
    assert dict(zip(v["variant"], v["cases"])) == {"b -> a": 2, "a -> b": 1, "a": 1}
    assert v["lead_median"].tolist() == [180.0, 60.0, 60.0]


def test_an_unknown_group_column_is_an_input_error(tmp_path):
    hourly_log().to_parquet(tmp_path / "log.parquet")
    _, log = open_log(tmp_path / "log.parquet")
    with pytest.raises(LogError, match="no column 'centre' to group by"):
        variants_partials(log, by="centre")
    with pytest.raises(LogError, match="no column 'centre' to group by"):
        rework_partials(log, by="centre")

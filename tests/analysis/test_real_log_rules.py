"""The rules that make real logs usable: clock, presence, transfer and backlog, load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.calibrate import calibrate, calibration_notes
from analysis.calibration_input import CalibrationError
from analysis.calibration_runs import offered_load, runnable
from analysis.handoff_split import split_handoffs
from analysis.logs import read_log
from analysis.presence import mark_present
from analysis.timezones import infer_zone, is_day_granularity, offsets_from_text, wall_clock
from journeys.model import Arrivals, Calendar, Distribution, Journey, Pool, Step, Transition
from journeys.validate import validate


# ------------------------------------------------------------------ the clock
def test_offsets_that_follow_daylight_saving_give_a_zone_with_the_same_wall_clock() -> None:
    text = pd.Series(
        ["2024-01-15T09:00:00+01:00", "2024-03-30T09:00:00+01:00",
         "2024-04-02T09:00:00+02:00", "2024-10-28T09:00:00+01:00"]
    )  # fmt: skip
    utc, off = offsets_from_text(text)
    zone = infer_zone(utc, off)
    assert wall_clock(utc, zone).dt.hour.tolist() == [9, 9, 9, 9]


def test_offsets_no_zone_has_fall_back_to_the_most_frequent() -> None:
    # +01:00 in July and +02:00 in January: no zone does that (southern zones are not +1/+2)
    utc, off = offsets_from_text(
        pd.Series(["2024-07-15T09:00+01:00", "2024-07-16T09:00+01:00", "2024-01-15T09:00+02:00"])
    )
    assert infer_zone(utc, off) == "Etc/GMT-1"


def test_reader_stores_the_clock_and_tz_converts_aware_times() -> None:
    raw = pd.DataFrame({"case:concept:name": ["a", "a"], "concept:name": ["x", "y"],
                        "time:timestamp": ["2024-01-15T09:00:00+01:00",
                                           "2024-07-15T09:00:00+02:00"]})  # fmt: skip
    assert read_log(raw).attrs["odsc:zone"] == "CET"
    log = read_log(raw, tz="Asia/Vientiane")
    assert log.attrs["odsc:zone"] == "Asia/Vientiane"
    # converted, not re-labelled: 08:00 UTC is 15:00 in Vientiane
    local = wall_clock(log["time:timestamp"], "Asia/Vientiane")
    assert local.dt.hour.tolist() == [15, 14]


def test_day_granularity() -> None:
    t = pd.Series(pd.to_datetime(["2024-01-15", "2024-02-01"], utc=True))
    assert is_day_granularity(t)
    assert not is_day_granularity(t + pd.Timedelta(minutes=1))


def _log(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    case, act, ts, grp = zip(*rows)
    return pd.DataFrame({"case:concept:name": case, "concept:name": act,
                         "time:timestamp": pd.to_datetime(list(ts), utc=True),
                         "org:group": grp})  # fmt: skip


def test_calibrating_a_day_log_invents_no_hours_or_desks() -> None:
    rows = []
    for i in range(30):
        d0 = pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)
        rows += [(f"c{i}", "Create fine", str(d0.date()), "police"),
                 (f"c{i}", "Send fine", str((d0 + pd.Timedelta(days=90)).date()), "police")]
    j = calibrate(_log(rows))
    assert validate(j) == []
    assert j.pools == () and j.calendars[0].hours == (("00:00", "24:00"),)
    assert j.arrivals.hourly == {}
    assert j.step("send_fine").duration == Distribution.fixed(0)
    delay = j.successors("create_fine")[0].delay
    assert delay is not None and delay.mean == pytest.approx(90 * 1440)
    assert any("records days, not times of day" in n for n in calibration_notes(j))


def test_calibration_reads_hours_in_the_logs_clock() -> None:
    rows = []
    for i in range(20):
        day = pd.Timestamp("2024-03-04") + pd.Timedelta(days=i % 5)
        rows += [(f"c{i}", "Apply", str(day + pd.Timedelta(hours=1, minutes=i)), "dola"),
                 (f"c{i}", "Check", str(day + pd.Timedelta(hours=2, minutes=i)), "dola")]
    log = _log(rows)  # 01:00-02:xx UTC, 08:00-09:xx in Vientiane
    log.attrs["odsc:zone"] = "Asia/Vientiane"
    assert calibrate(log, coverage=1.0).calendars[0].hours == (("08:00", "10:00"),)
    assert calibrate(log, coverage=1.0, tz="UTC").calendars[0].hours == (("01:00", "03:00"),)


# ------------------------------------------------------------------ presence
def test_citizen_steps_and_rules_mark_steps_present_with_a_door() -> None:
    rows = []
    for i in range(10):
        rows += [(f"c{i}", "Submit", f"2024-03-04 09:{i:02d}", "dola"),
                 (f"c{i}", "Check", f"2024-03-04 10:{i:02d}", "tax")]
    j = calibrate(_log(rows), citizen_steps=["submit"])
    assert j.step("submit").citizen_present and j.step("submit").door == "dola_office"
    assert not j.step("check").citizen_present
    with pytest.raises(CalibrationError, match="option citizen_steps: no activity 'Submt'"):
        calibrate(_log(rows), citizen_steps=["Submt"])


def test_a_rule_on_a_missing_value_says_what_the_column_holds() -> None:
    log = _log([("a", "x", "2024-03-04 09:00", "g")]).assign(**{"case:channel": "Internet"})
    with pytest.raises(CalibrationError, match=r"no event has case:channel = 'Desk' \(values: 'Internet'\)"):
        mark_present(log, rule="case:channel=Desk")


# ------------------------------------------------------------------ transfer and backlog
def test_resource_rule_counts_closed_hours_as_backlog() -> None:
    t = lambda s: np.datetime64(s)  # noqa: E731
    pairs = pd.DataFrame({"source_agency": ["A"], "target_agency": ["B"],
                          "target_resource": ["r1"]})  # fmt: skip
    busy = pd.DataFrame({"resource": ["r1"], "begin": [t("2024-03-05T08:00")],
                         "end": [t("2024-03-05T08:30")]})  # fmt: skip
    # ready Monday 14:00, desk open 08:00-16:00, the clerk free and open until 16:00,
    # started Tuesday 08:00: two hours of transfer, then closed hours (16 h) of backlog
    s = split_handoffs(pairs, np.array([18 * 60.0]), starts=np.array([t("2024-03-05T08:00")]),
                       busy=busy, calendar=Calendar("c", (("08:00", "16:00"),)))  # fmt: skip
    assert s.transfer.tolist() == [120.0] and s.backlog.tolist() == [960.0]


def test_baseline_rule_without_an_own_baseline_claims_no_transfer() -> None:
    pairs = pd.DataFrame({"source_agency": ["A", "A"], "target_agency": ["B", "B"]})
    s = split_handoffs(pairs, np.array([100.0, 50.0]))
    assert s.transfer.tolist() == [0.0, 0.0] and s.backlog.tolist() == [100.0, 50.0]
    assert s.no_baseline == ("B",)


def test_coupled_draws_keep_a_proportional_split_exact() -> None:
    from simulations.processes import _coupled

    d = np.array([10.0, 40.0, 70.0, 500.0])
    transfer = Distribution("empirical", {"samples": tuple(0.25 * d)})
    backlog = Distribution("empirical", {"samples": tuple(0.75 * d)})
    x = _coupled([transfer, backlog], np.random.default_rng(1), 2000)
    assert set(np.round(x, 9)) == set(d)


def test_quantile_agrees_with_sampling() -> None:
    rng = np.random.default_rng(5)
    u = (np.arange(999) + 0.5) / 999
    for d in (Distribution("lognormal", {"mean": 30, "sd": 12}),
              Distribution("gamma", {"mean": 30, "sd": 12}),
              Distribution("triangular", {"low": 5, "mode": 10, "high": 30})):  # fmt: skip
        assert float(np.mean(d.quantile(u))) == pytest.approx(d.mean, rel=0.01)
        assert float(np.median(d.sample(rng, 20000))) == pytest.approx(
            float(d.quantile(0.5)), rel=0.03
        )


# ------------------------------------------------------------------ load
def _one_pool(capacity: int, per_day: float, work: float) -> Journey:
    return Journey(
        "x", "X", "a", (Step("a", "g", Distribution.fixed(work), pool="p"),), (),
        pools=(Pool("p", capacity, "c"),), calendars=(Calendar("c", (("08:00", "16:00"),)),),
        arrivals=Arrivals(per_day=per_day),
    )  # fmt: skip


def test_overloaded_pool_is_raised_with_a_note() -> None:
    j = _one_pool(2, 48, 30)  # 48 x 30 min over 480 open minutes: 3 desks' worth
    assert offered_load(j) == {"p": pytest.approx(3.0)}
    fixed, notes = runnable(j)
    assert fixed.pool("p").capacity == 4  # 3 / 4 = 75% < 95%; 3 desks would be 100%
    assert notes == [
        "Pool p: 3.0 desks' worth of work arrives while it is open, against 2 desks counted in"
        " the log (utilisation 150%); raised to 4 desks (75%) so that the model can finish its"
        " cases."
    ]
    assert runnable(_one_pool(4, 48, 30)) == (_one_pool(4, 48, 30), [])


def test_a_pool_with_no_open_time_is_refused() -> None:
    j = _one_pool(1, 10, 5).replace(calendars=(Calendar("c", (), ("mon",)),))
    with pytest.raises(CalibrationError, match="pool p: .* no open time"):
        runnable(j)


def test_redesign_keeps_the_backlog_and_digitize_drops_only_the_transfer() -> None:
    from journeys.model import Agency
    from journeys.redesign import digitize_handoffs

    j = Journey(
        "s", "S", "a",
        (Step("a", "dola", Distribution.fixed(5)), Step("b", "tax", Distribution.fixed(5))),
        (Transition("a", "b", carrier="digital", delay=Distribution.fixed(600),
                    backlog=Distribution.fixed(120)),),
        agencies=(Agency("dola"), Agency("tax")),
    )  # fmt: skip
    t = digitize_handoffs(j).journey.transitions[0]
    assert (t.carrier, t.delay, t.backlog) == ("digital", None, Distribution.fixed(120))

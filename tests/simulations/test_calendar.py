"""Opening-hours arithmetic: exact answers on hand-made calendars."""

from __future__ import annotations

import math

import pytest

from journeys.errors import InputError
from journeys.model import Calendar
from simulations.calendar import DAY, OpeningHours, always_open, open_days

OFFICE = Calendar("office", (("08:00", "12:00"), ("13:00", "16:00")))
FRI = "2026-01-09"  # a Friday


def hm(day: int, text: str) -> float:
    h, m = text.split(":")
    return day * DAY + int(h) * 60 + int(m)


def test_office_week_intervals_and_closings():
    h = OpeningHours.build(OFFICE, start_date=FRI, days=4)  # Fri, Sat, Sun, Mon
    assert h.starts == (hm(0, "08:00"), hm(0, "13:00"), hm(3, "08:00"), hm(3, "13:00"))
    assert h.ends == (hm(0, "12:00"), hm(0, "16:00"), hm(3, "12:00"), hm(3, "16:00"))
    # lunch is not a closing; the end of each working day is
    assert h.closings == (hm(0, "16:00"), hm(3, "16:00"))
    assert h.openings == (hm(0, "08:00"), hm(0, "13:00"), hm(3, "08:00"), hm(3, "13:00"))
    assert h.working == (0, 3)
    assert not h.always


@pytest.mark.parametrize(
    "t, is_open, nxt",
    [
        (hm(0, "07:59"), False, hm(0, "08:00")),
        (hm(0, "08:00"), True, hm(0, "08:00")),
        (hm(0, "11:59"), True, hm(0, "11:59")),
        (hm(0, "12:00"), False, hm(0, "13:00")),
        (hm(0, "16:00"), False, hm(3, "08:00")),  # Friday after closing -> Monday
        (hm(1, "10:00"), False, hm(3, "08:00")),  # Saturday
        (hm(3, "16:30"), False, math.inf),  # after the last day covered
    ],
)
def test_is_open_and_next_open(t, is_open, nxt):
    h = OpeningHours.build(OFFICE, start_date=FRI, days=4)
    assert h.is_open(t) is is_open
    assert h.next_open(t) == nxt


def test_holiday_closes_the_whole_day():
    cal = Calendar("office", OFFICE.hours, OFFICE.days, ("2026-01-12",))  # that Monday
    h = OpeningHours.build(cal, start_date=FRI, days=5)
    assert h.working == (0, 4)
    assert h.next_open(hm(0, "16:00")) == hm(4, "08:00")


def test_round_the_clock_calendar_is_one_interval_without_closings():
    h = OpeningHours.build(always_open(), start_date=FRI, days=10)
    assert (h.starts, h.ends, h.closings, h.openings) == ((0.0,), (10.0 * DAY,), (), ())
    assert h.always and h.is_open(5 * DAY + 0.5)


def test_round_the_clock_on_weekdays_closes_on_friday_midnight():
    cal = Calendar("weekdays", (("00:00", "24:00"),))
    h = OpeningHours.build(cal, start_date=FRI, days=4)
    assert h.starts == (0.0, 3.0 * DAY) and h.ends == (1.0 * DAY, 4.0 * DAY)
    assert h.closings == (1.0 * DAY,)


def test_open_minutes_counts_only_open_time():
    h = OpeningHours.build(OFFICE, start_date=FRI, days=4)
    assert h.open_minutes(0, 4 * DAY) == 2 * 420
    assert h.open_minutes(hm(0, "11:00"), hm(0, "14:00")) == 120
    assert h.open_minutes(hm(1, "00:00"), hm(3, "00:00")) == 0
    assert h.open_minutes(hm(0, "15:30"), hm(3, "08:30")) == 60


def test_clock_times_on_working_days_only():
    h = OpeningHours.build(OFFICE, start_date=FRI, days=4)
    assert h.clock_times([600, 900]) == (
        hm(0, "10:00"),
        hm(0, "15:00"),
        hm(3, "10:00"),
        hm(3, "15:00"),
    )


def test_open_days_skip_weekends_and_holidays():
    cal = Calendar("office", OFFICE.hours, OFFICE.days, ("2026-01-12",))
    assert open_days(cal, FRI, 3) == (0, 4, 5)
    assert open_days(always_open(), FRI, 3) == (0, 1, 2)


def test_open_days_of_a_calendar_without_hours_is_an_input_error():
    with pytest.raises(InputError, match=r"calendars.shut: opens on 0 of the 2 days"):
        open_days(Calendar("shut", ()), FRI, 2)


def test_bad_holiday_names_its_field():
    cal = Calendar("office", OFFICE.hours, OFFICE.days, ("2026-02-30",))
    with pytest.raises(InputError, match=r"calendars.office.holidays\[0\]: not a date"):
        OpeningHours.build(cal, start_date=FRI, days=2)

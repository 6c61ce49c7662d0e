"""Service charters in journey files: read, validated by field, written back the same."""

from __future__ import annotations

import pytest

from journeys.charter import Charter, charter_calendar, extra_documents
from journeys.errors import JourneyError
from journeys.io import dumps, loads
from journeys.model import Calendar, Journey

BASE = """id: s
name: S
start: apply
agencies: {a: {}}
calendars:
  office: {hours: ["08:00-12:00"], days: [mon, tue, wed, thu, fri], holidays: ["2024-03-08"]}
  weekend: {hours: ["08:00-12:00"], days: [sat, sun]}
pools: {desk: {calendar: weekend}}
steps:
  apply: {agency: a, pool: desk, duration: {dist: fixed, value: 5}, fee: 10, documents: [ID card, photo]}
transitions: []
"""


def test_charter_round_trips_and_defaults_are_left_out():
    j = loads(BASE + "charter: {days: 5, fee: 10, documents: [ID card], calendar: office}\n")
    assert j.charter == Charter(days=5.0, fee=10.0, documents=("ID card",), calendar="office")
    assert loads(dumps(j)) == j
    assert "source" not in j.to_dict()["charter"]


def test_catalogue_business_licence_carries_a_charter_that_round_trips():
    j = Journey.from_catalog("business-licence")
    assert j.charter is not None and j.charter.days == 15 and j.charter.fee == 400000
    assert loads(dumps(j)) == j


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("charter: {fee: 5}", "charter.days: is required"),
        ("charter: {days: 0}", "charter.days: must be > 0 working days, got 0"),
        ("charter: {days: ten}", "charter.days: must be a number of working days, got 'ten'"),
        ("charter: {days: 5, fee: -1}", "charter.fee: must be >= 0, got -1"),
        ("charter: {days: 5, fee: free}", "charter.fee: must be a number (0 for a free service)"),
        ("charter: {days: 5, dayz: 3}", "charter.dayz: unknown field"),
        ("charter: {days: 5, calendar: ofice}", "charter.calendar: unknown calendar 'ofice'"),
        ("charter: {days: 5, documents: ID card}", "charter.documents: must be a list of text"),
        ("charter: 5", "charter: must be a mapping"),
    ],
)
def test_bad_charter_fields_are_named(section, message):
    with pytest.raises(JourneyError) as e:
        loads(BASE + section + "\n", source="s.yaml")
    assert any(message in line for line in e.value.lines()), e.value.lines()
    assert all(line.startswith("s.yaml: ") for line in e.value.lines())


def test_calendar_choice_named_then_first_desk_then_monday_to_friday():
    j = loads(BASE + "charter: {days: 5, calendar: office}\n")
    cal, why = charter_calendar(j)
    assert cal.id == "office" and "named by the charter" in why and "1 holidays" in why
    j2 = loads(BASE + "charter: {days: 5}\n")
    assert charter_calendar(j2)[0].id == "weekend"  # the first step's desk keeps it
    bare = j2.replace(calendars=(), pools=())
    assert charter_calendar(bare) == (
        None,
        "working days Monday to Friday, no holidays (the journey has no calendar)",
    )
    assert isinstance(charter_calendar(j2.replace(pools=(), calendars=(Calendar("c"),)))[0],
                      Calendar)  # fmt: skip


def test_documents_beyond_the_charter():
    j = loads(BASE + "charter: {days: 5, documents: [id card]}\n")
    assert extra_documents(j) == ("photo",)  # case-insensitive match of 'ID card'

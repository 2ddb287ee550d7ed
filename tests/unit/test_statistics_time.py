"""Moscow time (spec: «Все операции проходят по московскому времени»): window bounds in any offset,
the calendar months of remote_access_statistics_read, the form of times in results."""

from datetime import date, datetime

import pytest
from partnerapi.errors import InvalidParameter
from partnerapi.logic.moscow_time import minus_calendar_months, months_between, parse_bound, result_time
from partnerapi.logic.statistics import remote_access_floor, window


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2013, 4, 30), date(2013, 2, 28)),  # the spec's first example
        (date(2013, 5, 16), date(2013, 3, 16)),  # the spec's second example
        (date(2012, 4, 30), date(2012, 2, 29)),  # a leap year keeps 29.02
        (date(2013, 5, 31), date(2013, 3, 31)),
        (date(2013, 1, 31), date(2012, 11, 30)),  # across a year, clamped to November's 30 days
        (date(2013, 2, 1), date(2012, 12, 1)),
    ],
)
def test_two_calendar_months_back(today, expected):
    assert minus_calendar_months(today, 2) == expected
    assert remote_access_floor(today) == datetime.combine(expected, datetime.min.time())


@pytest.mark.parametrize(
    ("given", "moscow"),
    [
        ("2013-04-30T10:00:00", "2013-04-30T10:00:00"),  # no offset: Moscow time
        ("2013-04-30T10:00:00.000", "2013-04-30T10:00:00"),
        ("2013-04-30T10:00:00+03:00", "2013-04-30T10:00:00"),
        ("2013-04-30T13:00:00.000+06:00", "2013-04-30T10:00:00"),  # the spec's form, Novosibirsk-like offset
        ("2013-04-30T07:00:00Z", "2013-04-30T10:00:00"),
        ("2013-04-29T23:30:00-10:30", "2013-04-30T13:00:00"),
        ("2013-04-30", "2013-04-30T00:00:00"),  # a date alone is its midnight
    ],
)
def test_bounds_in_any_offset_become_moscow_time(given, moscow):
    assert parse_bound(given, "start_time", upper=False) == datetime.fromisoformat(moscow)
    assert parse_bound(given, "end_time", upper=True) == datetime.fromisoformat(moscow)


def test_a_fraction_of_a_second_narrows_the_window_to_whole_seconds():
    # records are kept to the second: 10:00:00.5 ≤ start excludes 10:00:00, end 10:00:00.5 includes it
    assert parse_bound("2013-04-30T10:00:00.500", "start_time", upper=False) == datetime(2013, 4, 30, 10, 0, 1)
    assert parse_bound("2013-04-30T10:00:00.500", "end_time", upper=True) == datetime(2013, 4, 30, 10, 0, 0)


@pytest.mark.parametrize("text", ["30.04.2013", "2013-04-31T10:00:00", "2013-04-30T25:00:00", "2013-04-30T10:00:00+15:00", "вчера", "2013-04-30 10:00:00"])
def test_anything_else_is_refused_naming_the_parameter(text):
    with pytest.raises(InvalidParameter) as refused:
        parse_bound(text, "end_time", upper=True)
    assert "end_time" in refused.value.message


def test_blank_is_not_given_and_a_reversed_window_is_refused():
    assert window("   ", None) == (None, None)
    with pytest.raises(InvalidParameter) as refused:
        window("2013-05-01T00:00:00", "2013-04-30T23:59:59")
    assert "start_time" in refused.value.message and "end_time" in refused.value.message


def test_results_carry_moscow_offset_and_windows_touch_calendar_months():
    assert result_time("2013-04-30T10:00:00") == "2013-04-30T10:00:00+03:00"
    assert months_between(datetime(2012, 11, 30), datetime(2013, 2, 1)) == ["2012-11", "2012-12", "2013-01", "2013-02"]

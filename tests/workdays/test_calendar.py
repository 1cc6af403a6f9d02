"""Working days around the 2025 and 2026 Spring Festival and National Day (Golden Week), on the
chinesecalendar package's data. Every date asserted here was checked against the package
(``chinese_calendar.get_holiday_detail``). Pure: no database."""

from __future__ import annotations

import pickle
from datetime import date

import chinese_calendar
import pytest

from core.errors import DomainError
from tests.workdays.helpers import PACKAGE_LAST_YEAR, d, package_calendar
from workdays.calendar import (
    CalendarYearMissing,
    WorkingCalendar,
    add_working_days,
    count_working_days,
    is_working_day,
    working_period_end,
)

CAL = package_calendar()


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        ("2025-09-27", False),  # Saturday
        ("2025-09-28", True),  # Sunday, make-up working day for National Day
        ("2025-09-30", True),
        ("2025-10-01", False),
        ("2025-10-06", False),  # Mid-autumn Festival, inside the Golden Week
        ("2025-10-08", False),  # Wednesday, the last day off
        ("2025-10-09", True),
        ("2025-10-11", True),  # Saturday, make-up working day
        ("2025-10-12", False),  # Sunday
        ("2025-01-26", True),  # Sunday, make-up working day for the Spring Festival
        ("2025-01-28", False),
        ("2025-02-04", False),  # Tuesday, the last day off
        ("2025-02-08", True),  # Saturday, make-up working day
        ("2026-02-14", True),  # Saturday, make-up working day for the Spring Festival
        ("2026-02-16", False),
        ("2026-02-23", False),  # Monday, the last day off
        ("2026-02-28", True),  # Saturday, make-up working day
        ("2026-09-20", True),  # Sunday, make-up working day for National Day
        ("2026-09-25", False),  # Friday, Mid-autumn Festival
        ("2026-10-07", False),  # Wednesday
        ("2026-10-10", True),  # Saturday, make-up working day
    ],
)
def test_holidays_and_make_up_days(day, worked):
    assert is_working_day(d(day), CAL) is worked
    assert chinese_calendar.is_workday(d(day)) is worked  # the package agrees


def test_golden_week_2025_counts_nothing_and_its_make_up_days_count():
    assert count_working_days(d("2025-10-01"), d("2025-10-08"), CAL) == 0
    # Sun 28 Sep (make-up), Mon 29, Tue 30; Thu 9, Fri 10, Sat 11 Oct (make-up).
    assert count_working_days(d("2025-09-27"), d("2025-10-12"), CAL) == 6
    assert add_working_days(d("2025-09-30"), 1, CAL) == d("2025-10-09")
    assert add_working_days(d("2025-09-26"), 1, CAL) == d("2025-09-28")


def test_publicity_starting_the_day_before_golden_week_2025():
    # Tue 30 Sep, then Thu 9, Fri 10, Sat 11 (make-up), Mon 13 Oct.
    assert working_period_end(d("2025-09-30"), 5, CAL) == d("2025-10-13")


def test_publicity_starting_on_a_holiday_begins_on_the_next_working_day():
    # Fri 3 Oct is a holiday: Thu 9, Fri 10, Sat 11 (make-up), Mon 13, Tue 14 Oct.
    assert working_period_end(d("2025-10-03"), 5, CAL) == d("2025-10-14")
    # Mon 16 Feb 2026 is a holiday: Tue 24 to Fri 27, Sat 28 Feb (make-up).
    assert working_period_end(d("2026-02-16"), 5, CAL) == d("2026-02-28")


def test_publicity_starting_on_a_make_up_sunday_counts_it():
    # Sun 28 Sep 2025 is worked: 28, 29, 30 Sep, 9, 10 Oct.
    assert working_period_end(d("2025-09-28"), 5, CAL) == d("2025-10-10")


def test_publicity_around_golden_week_2026():
    # Wed 30 Sep, then Thu 8, Fri 9, Sat 10 (make-up), Mon 12 Oct.
    assert working_period_end(d("2026-09-30"), 5, CAL) == d("2026-10-12")
    # Thu 24 Sep, Mid-autumn Fri 25 to Sun 27 off, Mon 28 to Wed 30, Thu 8 Oct.
    assert working_period_end(d("2026-09-24"), 5, CAL) == d("2026-10-08")


def test_publicity_around_the_spring_festival():
    # 2025: Mon 27 Jan, then Wed 5 to Fri 7 Feb, Sat 8 Feb (make-up).
    assert working_period_end(d("2025-01-27"), 5, CAL) == d("2025-02-08")
    # 2026: Thu 12, Fri 13, Sat 14 Feb (make-up), then Tue 24, Wed 25 Feb.
    assert working_period_end(d("2026-02-12"), 5, CAL) == d("2026-02-25")
    assert count_working_days(d("2026-02-15"), d("2026-02-23"), CAL) == 0


def test_a_period_of_one_working_day():
    assert working_period_end(d("2025-09-30"), 1, CAL) == d("2025-09-30")
    assert working_period_end(d("2025-10-01"), 1, CAL) == d("2025-10-09")


def test_an_empty_range_counts_nothing():
    assert count_working_days(d("2025-10-10"), d("2025-10-09"), CAL) == 0


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        add_working_days(d("2025-10-10"), 0, CAL)
    with pytest.raises(ValueError):
        working_period_end(d("2025-10-10"), 0, CAL)


def test_a_computation_needing_a_missing_year_raises_and_never_guesses():
    missing = PACKAGE_LAST_YEAR + 1
    last_day = date(PACKAGE_LAST_YEAR, 12, 31)
    assert working_period_end(last_day, 1, CAL) == last_day  # needs only the last day
    with pytest.raises(CalendarYearMissing) as raised:
        working_period_end(last_day, 2, CAL)
    error = raised.value
    assert isinstance(error, DomainError)
    assert error.code == "calendar_year_missing" and error.year == missing
    with pytest.raises(CalendarYearMissing):
        is_working_day(date(missing, 3, 2), CAL)
    with pytest.raises(CalendarYearMissing):
        count_working_days(date(PACKAGE_LAST_YEAR, 12, 1), date(missing, 1, 5), CAL)


def test_the_missing_year_message_names_the_year_and_the_administrator(english):
    error = CalendarYearMissing(2027)
    assert "2027" in error.message
    assert "platform administrator" in error.message
    assert error.status == 409


def test_the_missing_year_error_survives_pickling():
    error = pickle.loads(pickle.dumps(CalendarYearMissing(2027)))
    assert (error.year, error.code) == (2027, "calendar_year_missing")


def test_a_gap_between_published_years_is_missing_too():
    calendar = WorkingCalendar(years=frozenset({2030, 2032}))
    with pytest.raises(CalendarYearMissing) as raised:
        add_working_days(date(2030, 12, 31), 1, calendar)
    assert raised.value.year == 2031
    assert add_working_days(date(2031, 12, 31), 1, calendar) == date(2032, 1, 1)


def test_a_calendar_refuses_inconsistent_days():
    with pytest.raises(ValueError):
        WorkingCalendar(years=frozenset({2030}), days_off=frozenset({date(2030, 1, 5)}))  # Sat
    with pytest.raises(ValueError):
        WorkingCalendar(years=frozenset({2030}), days_on=frozenset({date(2030, 1, 7)}))  # Mon
    with pytest.raises(ValueError):
        WorkingCalendar(years=frozenset({2030}), days_off=frozenset({date(2031, 1, 7)}))

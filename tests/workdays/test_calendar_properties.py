"""Property tests of workdays.calendar (hypothesis). Pure calendars, no database: random ones,
and the chinesecalendar package's 2004-2026 data."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.workdays.helpers import (
    PACKAGE_FIRST_YEAR,
    PACKAGE_LAST_YEAR,
    dates,
    package_calendar,
)
from workdays.calendar import (
    CalendarYearMissing,
    WorkingCalendar,
    add_working_days,
    count_working_days,
    is_working_day,
    working_period_end,
)

ONE_DAY = timedelta(days=1)
CAL = package_calendar()

MAKE_UP_SATURDAYS = sorted(day for day in chinese_calendar.workdays if day.weekday() == 5)
MAKE_UP_DAYS = sorted(chinese_calendar.workdays)


def _golden_week() -> list[date]:
    """The days off the package gives for National Day, with the Mid-autumn Festival when it
    joins them (2025: 1 to 8 October; 2008: 29 September to 5 October; 2023: 29 September to
    6 October, 7 and 8 October being make-up working days)."""
    holidays = chinese_calendar.holidays
    week = {day for day, name in holidays.items() if name == "National Day"}
    grown = True
    while grown:
        joined = {
            day
            for day, name in holidays.items()
            if name == "Mid-autumn Festival" and {day - ONE_DAY, day + ONE_DAY} & week
        }
        grown = not joined <= week
        week |= joined
    return sorted(week)


GOLDEN_WEEK = _golden_week()

# Late enough in the last year, 60 working days would reach into the next, missing year.
package_days = st.dates(date(PACKAGE_FIRST_YEAR, 1, 1), date(PACKAGE_LAST_YEAR, 8, 31))
counts = st.integers(min_value=1, max_value=60)


# --- random calendars --------------------------------------------------------------------

RANDOM_YEARS = (2030, 2031, 2032)
RANDOM_RANGE = (date(2030, 1, 1), date(2032, 12, 31))


@st.composite
def calendars(draw: st.DrawFn, years: tuple[int, ...] = RANDOM_YEARS) -> WorkingCalendar:
    in_years = st.dates(date(min(years), 1, 1), date(max(years), 12, 31)).filter(
        lambda day: day.year in years
    )
    off = draw(st.sets(in_years.filter(lambda day: day.weekday() < 5), max_size=80))
    on = draw(st.sets(in_years.filter(lambda day: day.weekday() >= 5), max_size=30))
    return WorkingCalendar(years=frozenset(years), days_off=frozenset(off), days_on=frozenset(on))


def brute_count(start: date, end: date, calendar: WorkingCalendar) -> int:
    return sum(1 for day in dates(start, end) if is_working_day(day, calendar))


random_days = st.dates(*RANDOM_RANGE)


@settings(max_examples=200, deadline=None)
@given(calendars(), random_days, random_days)
def test_count_matches_day_by_day(calendar, a, b):
    start, end = min(a, b), max(a, b)
    assert count_working_days(start, end, calendar) == brute_count(start, end, calendar)


@settings(max_examples=200, deadline=None)
@given(calendars(), st.dates(date(2030, 1, 1), date(2032, 6, 30)), st.integers(1, 80))
def test_add_working_days_is_strictly_increasing_in_n(calendar, start, k):
    ends = [add_working_days(start, n, calendar) for n in range(1, k + 1)]
    assert all(a < b for a, b in zip(ends, ends[1:], strict=False))
    assert ends[0] > start
    assert all(is_working_day(end, calendar) for end in ends)


@settings(max_examples=200, deadline=None)
@given(calendars(), st.dates(date(2030, 1, 1), date(2032, 6, 30)), st.integers(1, 120))
def test_count_from_the_next_day_to_add_working_days_is_n(calendar, start, n):
    end = add_working_days(start, n, calendar)
    assert count_working_days(start + ONE_DAY, end, calendar) == n


@settings(max_examples=200, deadline=None)
@given(calendars(), st.dates(date(2030, 1, 1), date(2032, 6, 30)), st.integers(1, 120))
def test_working_period_end_is_consistent_with_count(calendar, start, n):
    end = working_period_end(start, n, calendar)
    assert is_working_day(end, calendar)
    assert count_working_days(start, end, calendar) == n
    assert count_working_days(start, end - ONE_DAY, calendar) == n - 1
    if is_working_day(start, calendar):
        assert working_period_end(start, 1, calendar) == start


@settings(max_examples=200, deadline=None)
@given(calendars(), random_days, st.integers(1, 400))
def test_crossing_into_a_missing_year_raises(calendar, start, n):
    available = brute_count(start + ONE_DAY, RANDOM_RANGE[1], calendar)
    if n <= available:
        assert add_working_days(start, n, calendar) <= RANDOM_RANGE[1]
    else:
        with pytest.raises(CalendarYearMissing) as raised:
            add_working_days(start, n, calendar)
        assert raised.value.year == RANDOM_RANGE[1].year + 1


@settings(max_examples=100, deadline=None)
@given(calendars(years=(2030, 2032)), st.dates(date(2030, 1, 1), date(2030, 12, 31)), counts)
def test_a_gap_year_raises_as_soon_as_it_is_needed(calendar, start, n):
    available = brute_count(start + ONE_DAY, date(2030, 12, 31), calendar)
    if n <= available:
        assert add_working_days(start, n, calendar).year == 2030
    else:
        with pytest.raises(CalendarYearMissing) as raised:
            add_working_days(start, n, calendar)
        assert raised.value.year == 2031


# --- the package's calendar ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(MAKE_UP_SATURDAYS), st.integers(0, 40))
def test_make_up_saturdays_count(saturday, days_before):
    start = saturday - timedelta(days=days_before)
    assume(start.year >= PACKAGE_FIRST_YEAR)
    assert is_working_day(saturday, CAL)
    assert count_working_days(start, saturday, CAL) == (
        count_working_days(start, saturday - ONE_DAY, CAL) + 1
    )
    assert add_working_days(saturday - ONE_DAY, 1, CAL) == saturday


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(MAKE_UP_DAYS))
def test_every_make_up_day_is_a_weekend_day_that_counts(day):
    assert day.weekday() >= 5
    assert is_working_day(day, CAL)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(GOLDEN_WEEK), st.integers(0, 40), counts)
def test_golden_week_days_never_count(holiday, days_before, n):
    assert not is_working_day(holiday, CAL)
    start = holiday - timedelta(days=days_before)
    assert add_working_days(start, n, CAL) not in GOLDEN_WEEK
    assert working_period_end(start, n, CAL) not in GOLDEN_WEEK
    assert count_working_days(holiday, holiday, CAL) == 0


def test_every_golden_week_is_seven_days_or_more_without_a_working_day():
    for year in range(PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR + 1):
        week = [day for day in GOLDEN_WEEK if day.year == year]
        assert len(week) >= 7 and (week[-1] - week[0]).days == len(week) - 1
        assert count_working_days(week[0], week[-1], CAL) == 0


@settings(max_examples=300, deadline=None)
@given(package_days, counts)
def test_package_calendar_identities(start, n):
    end = add_working_days(start, n, CAL)
    assert count_working_days(start + ONE_DAY, end, CAL) == n
    assert chinese_calendar.is_workday(end)
    period_end = working_period_end(start, n, CAL)
    assert count_working_days(start, period_end, CAL) == n
    assert chinese_calendar.is_workday(period_end)

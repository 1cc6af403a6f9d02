"""Pure calendars for the tests: the chinesecalendar package's data, read straight from the
package (not through workdays.reference, so the loader is checked against it)."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import chinese_calendar

from workdays.calendar import WorkingCalendar

PACKAGE_FIRST_YEAR = min(day.year for day in chinese_calendar.holidays)
PACKAGE_LAST_YEAR = max(day.year for day in chinese_calendar.holidays)
PACKAGE_YEARS = range(PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR + 1)


def d(text: str) -> date:
    return date.fromisoformat(text)


def dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def package_dates() -> list[date]:
    return dates(date(PACKAGE_FIRST_YEAR, 1, 1), date(PACKAGE_LAST_YEAR, 12, 31))


@functools.cache
def package_calendar() -> WorkingCalendar:
    return WorkingCalendar.from_days(
        PACKAGE_YEARS, {day: chinese_calendar.is_workday(day) for day in package_dates()}
    )

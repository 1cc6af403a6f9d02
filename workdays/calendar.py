"""Chinese working days, as pure functions. No ORM, no request.

A date is a working day when it is Monday to Friday and not a statutory holiday, or when it is a
Saturday or Sunday that the State Council's notice for its year makes a make-up working day
(调休). Which dates are which is known only for the years whose calendar was published
(``workdays.models.CalendarYear``); ``workdays.selectors.working_calendar()`` builds the
``WorkingCalendar`` of those years from the database.

Every function here raises ``CalendarYearMissing`` as soon as it needs a day of a year that is
not in the calendar. It never falls back to Monday to Friday: a deadline counted across the
Spring Festival or the National Day week without that year's holidays would be wrong by up to
a week, and nobody would notice.

Usage, for a publicity of five working days from ``start``::

    end = working_period_end(start, 5, working_calendar())
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from core.errors import DomainError

ONE_DAY = timedelta(days=1)
SATURDAY = 5  # date.weekday(): Monday is 0, Saturday 5, Sunday 6


class CalendarYearMissing(DomainError):
    """A computation needed a day of a year whose working-day calendar is not published."""

    # The request is fine; the platform's reference data is not ready for it.
    status = 409
    default_code = "calendar_year_missing"

    def __init__(self, year: int) -> None:
        super().__init__(
            _(
                "The working-day calendar for %(year)s is not published, so working days in "
                "%(year)s cannot be counted. The platform administrator must load that year's "
                "holidays and make-up working days and publish the year."
            )
            % {"year": year},
            code=self.default_code,
        )
        self.year = year

    def __reduce__(self) -> tuple[type[CalendarYearMissing], tuple[int]]:
        return (type(self), (self.year,))  # pickled (a task's result) and read back whole


def is_weekend(day: date) -> bool:
    return day.weekday() >= SATURDAY


@dataclass(frozen=True)
class WorkingCalendar:
    """The published years and the dates of those years that break the weekly rule.

    ``days_off`` are Monday-to-Friday dates that are not worked (statutory holidays and the days
    off moved next to them); ``days_on`` are Saturdays and Sundays that are worked (make-up
    working days). Every other date of a published year is a working day exactly when it is
    Monday to Friday. Dates of years that are not in ``years`` are unknown.
    """

    years: frozenset[int]
    days_off: frozenset[date] = frozenset()
    days_on: frozenset[date] = frozenset()
    _sorted_off: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _sorted_on: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for day in self.days_off:
            if is_weekend(day) or day.year not in self.years:
                raise ValueError(f"{day}: a day off must be a weekday of a calendar year")
        for day in self.days_on:
            if not is_weekend(day) or day.year not in self.years:
                raise ValueError(f"{day}: a make-up working day must be a weekend day")
        object.__setattr__(self, "_sorted_off", tuple(sorted(self.days_off)))
        object.__setattr__(self, "_sorted_on", tuple(sorted(self.days_on)))

    @classmethod
    def from_days(cls, years: Iterable[int], workdays: Mapping[date, bool]) -> WorkingCalendar:
        """The calendar of ``years`` from each date's flag (worked or not). Dates left out follow
        the weekly rule; dates outside ``years`` are refused."""
        years = frozenset(years)
        for day in workdays:
            if day.year not in years:
                raise ValueError(f"{day} is not in the calendar's years")
        return cls(
            years=years,
            days_off=frozenset(d for d, on in workdays.items() if not on and not is_weekend(d)),
            days_on=frozenset(d for d, on in workdays.items() if on and is_weekend(d)),
        )

    def _require(self, year: int) -> None:
        if year not in self.years:
            raise CalendarYearMissing(year)

    def _require_range(self, start: date, end: date) -> None:
        for year in range(start.year, end.year + 1):
            self._require(year)


def is_working_day(day: date, calendar: WorkingCalendar) -> bool:
    """Whether ``day`` is a working day."""
    calendar._require(day.year)
    if is_weekend(day):
        return day in calendar.days_on
    return day not in calendar.days_off


def count_working_days(start: date, end: date, calendar: WorkingCalendar) -> int:
    """The working days from ``start`` to ``end``, both included (0 when ``end`` is before
    ``start``)."""
    if end < start:
        return 0
    calendar._require_range(start, end)
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    first = start.weekday()
    weekdays = weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < SATURDAY)
    return (
        weekdays
        - _between(calendar._sorted_off, start, end)
        + _between(calendar._sorted_on, start, end)
    )


def add_working_days(start: date, n: int, calendar: WorkingCalendar) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted; n >= 1).

    ``add_working_days(d, 1)`` is the next working day after ``d``, whatever ``d`` is.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start
    remaining = n
    while True:
        day += ONE_DAY
        if is_working_day(day, calendar):
            remaining -= 1
            if remaining == 0:
                return day


def working_period_end(start: date, n: int, calendar: WorkingCalendar) -> date:
    """The last day of a period of ``n`` working days beginning on ``start`` (n >= 1).

    ``start`` counts as the first day when it is a working day; when it is not (a weekend, a
    holiday), the period begins on the next working day. A publicity of "5 working days from
    ``start``" ends at the end of ``working_period_end(start, 5, calendar)``.
    """
    return add_working_days(start - ONE_DAY, n, calendar)


def _between(days: tuple[date, ...], start: date, end: date) -> int:
    return bisect_right(days, end) - bisect_left(days, start)

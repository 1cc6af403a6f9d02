"""Reads of the working-day calendar."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from core import refcache
from workdays.calendar import WorkingCalendar
from workdays.models import CalendarYear, WorkingDay

# From this day of a year on, the next year's calendar should be published: the State Council
# usually publishes its notice for the next year in October to December.
WARN_FROM = (11, 1)

# Django's __week_day lookup numbers Sunday 1 to Saturday 7.
_WEEKEND = (1, 7)


def working_calendar() -> WorkingCalendar:
    """The calendar of every published year, for ``workdays.calendar``'s functions. Cached per
    process until the calendar changes (core.refcache)."""
    return refcache.cached("working-calendar", _load_working_calendar)


def _load_working_calendar() -> WorkingCalendar:
    published = Q(year__status=CalendarYear.Status.PUBLISHED)
    years = CalendarYear.objects.filter(status=CalendarYear.Status.PUBLISHED).values_list(
        "year", flat=True
    )
    # Only the dates that break the weekly rule: a few dozen a year.
    exceptions = WorkingDay.objects.filter(
        published,
        Q(is_workday=True, date__week_day__in=_WEEKEND)
        | (Q(is_workday=False) & ~Q(date__week_day__in=_WEEKEND)),
    ).values_list("date", "is_workday")
    days_on: set[date] = set()
    days_off: set[date] = set()
    for day, is_workday in exceptions:
        (days_on if is_workday else days_off).add(day)
    return WorkingCalendar(
        years=frozenset(years), days_off=frozenset(days_off), days_on=frozenset(days_on)
    )


def calendar_warnings(today: date) -> list[str]:
    """What the platform administrator must do about the calendar as of ``today``: this year
    unpublished (counting working days fails now), or, from 1 November, next year unpublished."""
    years = [today.year]
    if (today.month, today.day) >= WARN_FROM:
        years.append(today.year + 1)
    status = dict(CalendarYear.objects.filter(year__in=years).values_list("year", "status"))
    warnings = []
    for year in years:
        if status.get(year) == CalendarYear.Status.PUBLISHED:
            continue
        if status.get(year) == CalendarYear.Status.DRAFT:
            message = _(
                "The working-day calendar for %(year)s is a draft: check it against the State "
                "Council's notice and publish it. Until then, deadlines that reach into "
                "%(year)s cannot be computed."
            )
        else:
            message = _(
                "The working-day calendar for %(year)s is not loaded: when the State Council "
                "publishes its holiday notice for %(year)s, create the year, enter its holidays "
                "and make-up working days, and publish it. Until then, deadlines that reach "
                "into %(year)s cannot be computed."
            )
        warnings.append(message % {"year": year})
    return warnings

"""Writes to the working-day calendar. Only the platform administrator edits it.

A year is created as a draft with every date filled in by the weekly rule (Monday to Friday
worked, weekends off), edited day by day from the State Council's notice, then published as a
whole. Every write tells the other processes to reload the calendar (core.refcache).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core import refcache
from core.bulk import insert_rows
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.uniqueness import is_unique_violation
from workdays.calendar import ONE_DAY, is_weekend
from workdays.models import FIRST_YEAR, LAST_YEAR, CalendarYear, Holiday, WorkingDay
from workdays.reference import SOURCE_NOTICE, DayRow, package_year_days, package_years

DAY_COLUMNS = ("year_id", "date", "is_workday", "holiday", "source_notice")


def may_edit_calendar(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role == Role.PLATFORM_ADMIN))


def _require_editor(actor: User) -> None:
    if not may_edit_calendar(actor):
        raise PermissionDenied(
            _("Only the platform administrator may edit the working-day calendar.")
        )


def _locked_year(year: int) -> CalendarYear:
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        raise NotFound(
            _("There is no working-day calendar for %(year)s yet.") % {"year": year},
            code="calendar_year_not_found",
        )
    return calendar_year


def _require_draft(calendar_year: CalendarYear) -> None:
    if calendar_year.is_published:
        raise Conflict(
            _(
                "The working-day calendar for %(year)s is published and can no longer be "
                "edited; return it to draft first."
            )
            % {"year": calendar_year.year},
            code="calendar_year_published",
        )


def weekly_rule_days(year: int) -> list[DayRow]:
    """Every date of ``year`` by the weekly rule alone: the starting point of a new year."""
    rows: list[DayRow] = []
    day = date(year, 1, 1)
    while day.year == year:
        rows.append((day, not is_weekend(day), ""))
        day += ONE_DAY
    return rows


def _insert_days(rows: list[DayRow]) -> int:
    """Insert dates (one COPY on PostgreSQL), each in the year it belongs to."""
    insert_rows(
        WorkingDay,
        DAY_COLUMNS,
        ((day.year, day, is_workday, holiday, "") for day, is_workday, holiday in rows),
        returning=False,
    )
    return len(rows)


@transaction.atomic
def calendar_year_create(*, year: int, source_notice: str, actor: User) -> CalendarYear:
    """A draft year, every date worked Monday to Friday and off at weekends, to be edited from
    the year's notice and then published."""
    _require_editor(actor)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _("A calendar year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="calendar_year_out_of_range",
        )
    refcache.reference_data_changed()
    exists = Conflict(
        _("The working-day calendar for %(year)s exists.") % {"year": year},
        code="calendar_year_exists",
        existing_id=year,
    )
    if CalendarYear.objects.filter(year=year).exists():
        raise exists
    try:
        with transaction.atomic():
            calendar_year = CalendarYear.objects.create(year=year, source_notice=source_notice)
    except IntegrityError as exc:  # created by a concurrent request since the check
        if is_unique_violation(exc):
            raise exists from exc
        raise
    _insert_days(weekly_rule_days(year))
    return calendar_year


@transaction.atomic
def calendar_year_update(*, year: int, source_notice: str, actor: User) -> CalendarYear:
    """Correct the source notice of a year (it documents the year; it counts no day)."""
    _require_editor(actor)
    refcache.reference_data_changed()
    calendar_year = _locked_year(year)
    if calendar_year.source_notice != source_notice:
        calendar_year.source_notice = source_notice
        calendar_year.save(update_fields=["source_notice"])
    return calendar_year


@transaction.atomic
def working_day_set(
    *,
    day: date,
    is_workday: bool,
    holiday: str,
    actor: User,
    source_notice: str = "",
) -> WorkingDay:
    """Set one date of a draft year: worked or not, and the holiday it belongs to or makes up
    for (a ``Holiday`` code, or "" for none). ``source_notice`` only when a notice other than
    the year's set the day."""
    _require_editor(actor)
    if holiday and holiday not in Holiday.values:
        raise DomainError(
            _("Unknown holiday: %(holiday)s.") % {"holiday": holiday},
            code="invalid",
            fields={"holiday": [_("Choose one of the listed holidays.")]},
        )
    refcache.reference_data_changed()
    calendar_year = _locked_year(day.year)
    _require_draft(calendar_year)
    working_day = WorkingDay.objects.get(date=day)
    working_day.is_workday = is_workday
    working_day.holiday = holiday
    working_day.source_notice = source_notice
    working_day.save(update_fields=["is_workday", "holiday", "source_notice"])
    return working_day


@transaction.atomic
def calendar_year_publish(*, year: int, actor: User) -> CalendarYear:
    """Publish a draft year: working days in it are counted from now on. A year must have
    every one of its dates and at least one holiday (a year with none was not entered)."""
    _require_editor(actor)
    refcache.reference_data_changed()
    calendar_year = _locked_year(year)
    if calendar_year.is_published:
        return calendar_year
    days = WorkingDay.objects.filter(year=calendar_year)
    if days.count() != (date(year + 1, 1, 1) - date(year, 1, 1)).days:
        raise DomainError(
            _("The working-day calendar for %(year)s lacks some of its dates.") % {"year": year},
            code="calendar_year_incomplete",
        )
    if not days.exclude(holiday="").exists():
        raise DomainError(
            _(
                "The working-day calendar for %(year)s has no holiday: enter the holidays and "
                "make-up working days of the year's notice before publishing it."
            )
            % {"year": year},
            code="calendar_year_without_holidays",
        )
    calendar_year.status = CalendarYear.Status.PUBLISHED
    calendar_year.published_at = timezone.now()
    calendar_year.published_by = actor
    calendar_year.save(update_fields=["status", "published_at", "published_by"])
    return calendar_year


@transaction.atomic
def calendar_year_unpublish(*, year: int, actor: User) -> CalendarYear:
    """Return a published year to draft, to apply a supplementary notice. Until it is published
    again, counting working days in that year fails with ``CalendarYearMissing``: nothing is
    counted on a year being corrected."""
    _require_editor(actor)
    refcache.reference_data_changed()
    calendar_year = _locked_year(year)
    if calendar_year.is_published:
        calendar_year.status = CalendarYear.Status.DRAFT
        calendar_year.published_at = None
        calendar_year.published_by = None
        calendar_year.save(update_fields=["status", "published_at", "published_by"])
    return calendar_year


@transaction.atomic
def calendar_year_delete(*, year: int, actor: User) -> None:
    """Delete a draft year (one created by mistake); a published year is never deleted."""
    _require_editor(actor)
    refcache.reference_data_changed()
    calendar_year = _locked_year(year)
    _require_draft(calendar_year)
    calendar_year.delete()


@transaction.atomic
def calendar_years_load_reference() -> int:
    """Load every year the chinesecalendar package covers, as published years. Idempotent:
    a year already in the database (loaded before, or entered by the administrator) is left as
    it is. Returns the rows written (years and their dates)."""
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    missing = [year for year in package_years() if year not in existing]
    if not missing:
        return 0
    refcache.reference_data_changed()
    now = timezone.now()
    CalendarYear.objects.bulk_create(
        CalendarYear(
            year=year,
            status=CalendarYear.Status.PUBLISHED,
            source_notice=SOURCE_NOTICE,
            published_at=now,
        )
        for year in missing
    )
    return len(missing) + _insert_days([row for year in missing for row in package_year_days(year)])

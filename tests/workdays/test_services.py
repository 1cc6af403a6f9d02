"""Creating, editing and publishing a year; only published years are used (core.refcache)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from accounts.models import Role
from core import refcache
from core.errors import Conflict, DomainError, PermissionDenied
from tests import model_factories as mf
from tests.workdays.helpers import PACKAGE_LAST_YEAR
from workdays import services
from workdays.calendar import CalendarYearMissing, is_working_day, working_period_end
from workdays.models import CalendarYear, Holiday, WorkingDay
from workdays.selectors import working_calendar

pytestmark = pytest.mark.django_db

NEXT = PACKAGE_LAST_YEAR + 1  # the first year the package does not cover


@pytest.fixture
def platform_admin():
    return mf.UserFactory(role=Role.PLATFORM_ADMIN)


def new_year_day_off(actor) -> None:
    services.working_day_set(
        day=date(NEXT, 1, 1), is_workday=False, holiday=Holiday.NEW_YEARS_DAY, actor=actor
    )


def test_a_new_year_starts_as_a_draft_with_the_weekly_rule(platform_admin):
    calendar_year = services.calendar_year_create(
        year=NEXT, source_notice="国办发明电〔2026〕1号", actor=platform_admin
    )
    assert calendar_year.status == CalendarYear.Status.DRAFT
    days = WorkingDay.objects.filter(year=NEXT)
    assert days.count() == (date(NEXT + 1, 1, 1) - date(NEXT, 1, 1)).days
    assert all(day.is_workday is (day.date.weekday() < 5) for day in days)
    assert not days.exclude(holiday="").exists()


def test_a_draft_year_is_not_used_and_publishing_makes_it_used(
    platform_admin, django_capture_on_commit_callbacks
):
    before = working_calendar()
    assert working_calendar() is before  # cached per process
    services.calendar_year_create(year=NEXT, source_notice="", actor=platform_admin)
    new_year_day_off(platform_admin)
    with pytest.raises(CalendarYearMissing):
        is_working_day(date(NEXT, 1, 5), working_calendar())
    generation = cache.get(refcache.GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_year_publish(year=NEXT, actor=platform_admin)
    assert cache.get(refcache.GENERATION_KEY) != generation  # other processes reload
    calendar = working_calendar()
    assert NEXT in calendar.years and calendar is not before
    assert not is_working_day(date(NEXT, 1, 1), calendar)
    assert working_period_end(date(NEXT - 1, 12, 31), 2, calendar) > date(NEXT, 1, 1)
    published = CalendarYear.objects.get(year=NEXT)
    assert published.published_by == platform_admin and published.published_at is not None


def test_a_year_without_any_holiday_is_not_published(platform_admin):
    services.calendar_year_create(year=NEXT, source_notice="", actor=platform_admin)
    with pytest.raises(DomainError) as raised:
        services.calendar_year_publish(year=NEXT, actor=platform_admin)
    assert raised.value.code == "calendar_year_without_holidays"
    assert CalendarYear.objects.get(year=NEXT).status == CalendarYear.Status.DRAFT


def test_a_published_year_cannot_be_edited_until_returned_to_draft(platform_admin):
    with pytest.raises(Conflict) as raised:
        services.working_day_set(
            day=date(2025, 10, 9), is_workday=False, holiday="", actor=platform_admin
        )
    assert raised.value.code == "calendar_year_published"
    assert WorkingDay.objects.get(date=date(2025, 10, 9)).is_workday

    services.calendar_year_unpublish(year=2025, actor=platform_admin)
    with pytest.raises(CalendarYearMissing):
        is_working_day(date(2025, 10, 9), working_calendar())
    services.working_day_set(
        day=date(2025, 10, 9),
        is_workday=False,
        holiday=Holiday.NATIONAL_DAY,
        source_notice="a supplementary notice",
        actor=platform_admin,
    )
    services.calendar_year_publish(year=2025, actor=platform_admin)
    assert not is_working_day(date(2025, 10, 9), working_calendar())


def test_only_the_platform_administrator_edits_the_calendar(jiangsu_official, platform_admin):
    with pytest.raises(PermissionDenied):
        services.calendar_year_create(year=NEXT, source_notice="", actor=jiangsu_official)
    services.calendar_year_create(year=NEXT, source_notice="", actor=platform_admin)
    with pytest.raises(PermissionDenied):
        new_year_day_off(jiangsu_official)
    with pytest.raises(PermissionDenied):
        services.calendar_year_publish(year=NEXT, actor=jiangsu_official)


def test_a_year_is_created_once(platform_admin):
    with pytest.raises(Conflict) as raised:
        services.calendar_year_create(year=2025, source_notice="", actor=platform_admin)
    assert raised.value.code == "calendar_year_exists" and raised.value.existing_id == 2025


def test_unknown_holidays_and_years_are_refused(platform_admin):
    services.calendar_year_create(year=NEXT, source_notice="", actor=platform_admin)
    with pytest.raises(DomainError) as raised:
        services.working_day_set(
            day=date(NEXT, 1, 1), is_workday=False, holiday="christmas", actor=platform_admin
        )
    assert raised.value.code == "invalid"
    with pytest.raises(DomainError) as raised:
        services.working_day_set(
            day=date(NEXT + 5, 1, 1), is_workday=False, holiday="", actor=platform_admin
        )
    assert raised.value.code == "calendar_year_not_found"
    with pytest.raises(DomainError) as raised:
        services.calendar_year_create(year=1990, source_notice="", actor=platform_admin)
    assert raised.value.code == "calendar_year_out_of_range"


def test_only_a_draft_is_deleted(platform_admin):
    services.calendar_year_create(year=NEXT, source_notice="", actor=platform_admin)
    services.calendar_year_delete(year=NEXT, actor=platform_admin)
    assert not CalendarYear.objects.filter(year=NEXT).exists()
    assert not WorkingDay.objects.filter(date__year=NEXT).exists()
    with pytest.raises(Conflict):
        services.calendar_year_delete(year=2025, actor=platform_admin)

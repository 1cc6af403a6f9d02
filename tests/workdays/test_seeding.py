"""Seeding the calendar from the chinesecalendar package (load_reference_data)."""

from __future__ import annotations

import time
from datetime import date

import chinese_calendar
import pytest
from django.core.management import call_command

from tests.workdays.helpers import PACKAGE_YEARS, package_dates
from workdays.calendar import is_working_day
from workdays.models import CalendarYear, Holiday, WorkingDay
from workdays.selectors import working_calendar
from workdays.services import calendar_years_load_reference

pytestmark = pytest.mark.django_db

PACKAGE_HOLIDAY_CODES = {holiday.value: holiday.name for holiday in chinese_calendar.Holiday}


def test_every_package_year_is_published_with_every_date():
    years = CalendarYear.objects.filter(year__in=PACKAGE_YEARS)
    assert sorted(years.values_list("year", flat=True)) == list(PACKAGE_YEARS)
    assert set(years.values_list("status", flat=True)) == {CalendarYear.Status.PUBLISHED}
    assert set(years.values_list("source_notice", flat=True)) == {
        f"chinesecalendar {chinese_calendar.__version__}"
    }
    assert WorkingDay.objects.filter(year__in=PACKAGE_YEARS).count() == len(package_dates())


def test_seeding_again_writes_nothing(capsys):
    assert calendar_years_load_reference() == 0
    call_command("load_reference_data")
    assert "working-day calendar days: 0 written" in capsys.readouterr().out


def test_the_database_calendar_equals_the_package():
    calendar = working_calendar()
    assert set(PACKAGE_YEARS) <= calendar.years
    for day in package_dates():
        assert is_working_day(day, calendar) is chinese_calendar.is_workday(day), day


def test_stored_days_carry_the_package_holiday_names():
    sample = [day for i, day in enumerate(package_dates()) if i % 7 == 0]
    sample += [*chinese_calendar.holidays, *chinese_calendar.workdays]
    stored = dict(WorkingDay.objects.filter(date__in=sample).values_list("date", "holiday"))
    workdays = dict(WorkingDay.objects.filter(date__in=sample).values_list("date", "is_workday"))
    for day in sample:
        day_off, name = chinese_calendar.get_holiday_detail(day)
        assert workdays[day] is not day_off, day
        assert stored[day] == (PACKAGE_HOLIDAY_CODES[name] if name else ""), day


def test_make_up_days_name_the_holiday_they_make_up_for(english):
    sunday = WorkingDay.objects.get(date=date(2025, 9, 28))
    assert sunday.is_workday and sunday.holiday == Holiday.NATIONAL_DAY
    mid_autumn = WorkingDay.objects.get(date=date(2025, 10, 6))
    assert not mid_autumn.is_workday
    assert mid_autumn.get_holiday_display() == "Mid-autumn Festival"


def test_loading_into_an_empty_calendar_is_fast_and_complete():
    CalendarYear.objects.all().delete()
    started = time.monotonic()
    written = calendar_years_load_reference()
    elapsed = time.monotonic() - started
    assert written == len(PACKAGE_YEARS) + len(package_dates())
    assert elapsed < 3.0, f"loading took {elapsed:.2f} s"
    assert calendar_years_load_reference() == 0


def test_seeding_leaves_a_year_the_administrator_changed_alone():
    WorkingDay.objects.filter(date=date(2025, 10, 9)).update(is_workday=False)
    assert calendar_years_load_reference() == 0
    assert not WorkingDay.objects.get(date=date(2025, 10, 9)).is_workday
